CREATE SEQUENCE counter START 100 INCREMENT 10 MAXVALUE 100000 CYCLE CACHE 5;
CREATE SEQUENCE tickets_code_seq AS integer;
CREATE TABLE tickets (id integer, code integer DEFAULT nextval('tickets_code_seq'));
CREATE SEQUENCE fresh_seq AS smallint;
GRANT USAGE ON SEQUENCE fresh_seq TO spur_reader;
COMMENT ON SEQUENCE counter IS 'the counter';
