CREATE TABLE sales (id integer PRIMARY KEY, region text, amount numeric, sold_at date);
CREATE VIEW sales_by_region AS
    SELECT region, sum(amount) AS total, count(*) AS n FROM sales GROUP BY region;
CREATE VIEW recent_sales AS SELECT id, region, amount FROM sales WHERE sold_at > '2024-06-01';
CREATE VIEW secure_sales WITH (security_barrier = false, check_option = local) AS
    SELECT id, region FROM sales WHERE region <> 'secret';
CREATE VIEW region_share AS
    SELECT s.id, r.total FROM sales s JOIN sales_by_region r USING (region);
CREATE MATERIALIZED VIEW sales_monthly AS
    SELECT date_trunc('month', sold_at) AS month, sum(amount) AS total, count(*) AS n
    FROM sales GROUP BY 1;
CREATE UNIQUE INDEX sales_monthly_month ON sales_monthly (month);
CREATE INDEX sales_monthly_total ON sales_monthly (total);
CREATE MATERIALIZED VIEW sales_ids AS SELECT id FROM sales;
GRANT SELECT ON sales_monthly TO spur_reader;
COMMENT ON MATERIALIZED VIEW sales_monthly IS 'per month';
GRANT SELECT (id) ON recent_sales TO spur_writer;
