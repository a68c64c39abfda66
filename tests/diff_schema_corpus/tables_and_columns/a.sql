-- Tables added and dropped; columns widened, narrowed, retyped, re-collated,
-- given and stripped of defaults and NOT NULL; columns appended and dropped.
-- Columns only go away at the end of a table and are added at the end, so
-- both directions can keep the column order (see the README).
CREATE TABLE products (
    id integer PRIMARY KEY,
    name varchar(50) NOT NULL,
    price numeric(8,2),
    stock integer DEFAULT 0,
    created_at timestamp DEFAULT now(),
    title text COLLATE "C",
    code text,
    weight real NOT NULL,
    legacy_code text
);
CREATE TABLE obsolete (id integer, payload text);
CREATE TABLE notes (id integer PRIMARY KEY, body text);
COMMENT ON COLUMN products.name IS 'display name';
