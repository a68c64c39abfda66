CREATE FUNCTION price_with_tax(p numeric) RETURNS double precision LANGUAGE sql IMMUTABLE AS 'SELECT (p * 1.2)::double precision';
CREATE FUNCTION default_code() RETURNS varchar LANGUAGE sql AS $$SELECT 'Y'::varchar$$;
CREATE FUNCTION positive(val numeric) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT val > 0';
CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.code := coalesce(NEW.code, 'Z'); RETURN NEW; END $$;
CREATE TABLE items (id integer PRIMARY KEY, price numeric CHECK (positive(price)), code text DEFAULT default_code());
CREATE INDEX items_taxed ON items (price_with_tax(price));
CREATE VIEW items_taxed_view AS SELECT id, price_with_tax(price) AS gross FROM items;
CREATE TRIGGER items_audit BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION audit();
