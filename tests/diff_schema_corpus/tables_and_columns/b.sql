CREATE TABLE products (
    id bigint PRIMARY KEY,
    name varchar(120) NOT NULL,
    price numeric(12,2) NOT NULL,
    stock integer DEFAULT 10 NOT NULL,
    created_at timestamp,
    title text COLLATE "POSIX",
    code integer,
    weight double precision,
    sku text NOT NULL DEFAULT 'none',
    updated_at timestamptz DEFAULT clock_timestamp()
);
CREATE TABLE notes (id integer PRIMARY KEY, body text, author text);
CREATE TABLE brand_new (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    label text NOT NULL,
    ratio numeric(5,2) DEFAULT 1.0,
    code text COLLATE "C" UNIQUE
);
COMMENT ON COLUMN products.name IS 'the name shown to customers';
COMMENT ON COLUMN notes.author IS 'who wrote it';
