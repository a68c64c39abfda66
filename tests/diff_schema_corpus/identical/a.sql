-- The same schema on both sides: the diff must be empty.
CREATE SCHEMA shop;
CREATE TYPE shop.status AS ENUM ('new', 'paid', 'shipped');
CREATE DOMAIN shop.price AS numeric(12,2) CHECK (VALUE >= 0);
CREATE TABLE shop.items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku text NOT NULL UNIQUE,
    price shop.price NOT NULL,
    status shop.status NOT NULL DEFAULT 'new',
    created timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX items_created ON shop.items (created DESC) WHERE status <> 'shipped';
CREATE VIEW shop.open_items AS SELECT id, sku FROM shop.items WHERE status = 'new';
CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.created := now(); RETURN NEW; END $$;
CREATE TRIGGER items_touch BEFORE UPDATE ON shop.items FOR EACH ROW EXECUTE FUNCTION shop.touch();
ALTER TABLE shop.items ENABLE ROW LEVEL SECURITY;
CREATE POLICY items_read ON shop.items FOR SELECT TO spur_reader USING (status <> 'new');
GRANT USAGE ON SCHEMA shop TO spur_reader;
GRANT SELECT ON shop.items TO spur_reader;
COMMENT ON TABLE shop.items IS 'things we sell';
