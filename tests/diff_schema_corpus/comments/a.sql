-- Comments added, changed and removed on every kind of object.
CREATE SCHEMA s;
CREATE TABLE s.t (id integer PRIMARY KEY, v text CHECK (v <> ''));
CREATE INDEX t_v ON s.t (v);
CREATE VIEW s.v AS SELECT id, v FROM s.t;
CREATE MATERIALIZED VIEW s.m AS SELECT id FROM s.t;
CREATE SEQUENCE s.q;
CREATE TYPE s.e AS ENUM ('a');
CREATE DOMAIN s.d AS integer CONSTRAINT d_pos CHECK (VALUE > 0);
CREATE FUNCTION s.f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE PROCEDURE s.p() LANGUAGE sql AS '';
CREATE TRIGGER t_trg BEFORE INSERT ON s.t FOR EACH ROW EXECUTE FUNCTION s.f();
ALTER TABLE s.t ENABLE ROW LEVEL SECURITY;
CREATE POLICY t_pol ON s.t USING (true);
COMMENT ON SCHEMA s IS 'schema s';
COMMENT ON TABLE s.t IS 'old table comment';
COMMENT ON COLUMN s.t.v IS 'goes away';
COMMENT ON INDEX s.t_v IS 'index';
COMMENT ON TYPE s.e IS 'enum';
