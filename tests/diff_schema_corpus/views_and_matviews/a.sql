-- Views: a column appended (CREATE OR REPLACE), a column inserted (drop and
-- create), options changed, a view dropped, a new view on a changed view;
-- materialized views: changed (recreated with its indexes), populated.
CREATE TABLE sales (id integer PRIMARY KEY, region text, amount numeric, sold_at date);
CREATE VIEW sales_by_region AS SELECT region, sum(amount) AS total FROM sales GROUP BY region;
CREATE VIEW recent_sales AS SELECT id, amount FROM sales WHERE sold_at > '2024-01-01';
CREATE VIEW old_view AS SELECT id FROM sales;
CREATE VIEW secure_sales WITH (security_barrier = true) AS
    SELECT id, region FROM sales WHERE region <> 'secret';
CREATE MATERIALIZED VIEW sales_monthly AS
    SELECT date_trunc('month', sold_at) AS month, sum(amount) AS total FROM sales GROUP BY 1;
CREATE UNIQUE INDEX sales_monthly_month ON sales_monthly (month);
CREATE MATERIALIZED VIEW sales_ids AS SELECT id FROM sales WITH NO DATA;
GRANT SELECT ON sales_monthly TO spur_reader;
