-- Triggers: changed (CREATE OR REPLACE TRIGGER), dropped, disabled, added
-- with a column list and a comment, a constraint trigger.
CREATE TABLE orders (id integer PRIMARY KEY, total numeric, updated_at timestamptz);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TRIGGER orders_old AFTER DELETE ON orders FOR EACH ROW EXECUTE FUNCTION noop();
CREATE TRIGGER orders_disabled AFTER INSERT ON orders FOR EACH STATEMENT EXECUTE FUNCTION noop();
