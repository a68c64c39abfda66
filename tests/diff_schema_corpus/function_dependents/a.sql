-- Functions that must be dropped and created again (return type or argument
-- name changes) while an index, a view, a column default and a check
-- constraint use them: those go first and come back after.
CREATE FUNCTION price_with_tax(p numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT p * 1.2';
CREATE FUNCTION default_code() RETURNS text LANGUAGE sql AS $$SELECT 'X'$$;
CREATE FUNCTION positive(v numeric) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT v > 0';
CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE items (id integer PRIMARY KEY, price numeric CHECK (positive(price)), code text DEFAULT default_code());
CREATE INDEX items_taxed ON items (price_with_tax(price));
CREATE VIEW items_taxed_view AS SELECT id, price_with_tax(price) AS gross FROM items;
CREATE TRIGGER items_audit BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION audit();
