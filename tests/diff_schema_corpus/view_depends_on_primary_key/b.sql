CREATE TABLE customers (
    id integer NOT NULL,
    name text NOT NULL,
    region text,
    CONSTRAINT customers_pk PRIMARY KEY (id)
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
    CONSTRAINT lines_pk PRIMARY KEY (order_id, line)
);
CREATE VIEW line_skus AS SELECT order_id, line, sku FROM lines GROUP BY order_id, line;
