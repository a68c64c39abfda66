-- Known failure of other tools: a view selects non-aggregated columns under
-- GROUP BY the primary key, so it depends on the primary key constraint.
-- Replacing the key (renamed, here, with a different column set on another
-- table) needs the view dropped first and created again after the new key.
CREATE TABLE customers (
    id integer NOT NULL,
    name text NOT NULL,
    region text,
    CONSTRAINT customers_pkey PRIMARY KEY (id)
);
CREATE TABLE orders (
    id integer PRIMARY KEY,
    customer_id integer REFERENCES customers (id),
    amount numeric
);
CREATE VIEW customer_totals AS
    SELECT c.id, c.name, c.region, sum(o.amount) AS total
    FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
    GROUP BY c.id;
CREATE TABLE lines (
    order_id integer NOT NULL,
    line integer NOT NULL,
    sku text,
    PRIMARY KEY (order_id, line)
);
CREATE VIEW line_skus AS SELECT order_id, line, sku FROM lines GROUP BY order_id, line;
