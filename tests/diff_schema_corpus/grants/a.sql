-- Privileges on tables, columns, sequences, functions, schemas and types:
-- granted, revoked, grant option added, column privileges.
CREATE SCHEMA app;
CREATE TABLE app.t (id integer, secret text, name text);
CREATE SEQUENCE app.s;
CREATE FUNCTION app.f() RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE TYPE app.e AS ENUM ('x');
CREATE DOMAIN app.d AS integer;
GRANT SELECT ON app.t TO spur_reader;
GRANT INSERT, UPDATE ON app.t TO spur_writer;
GRANT UPDATE (secret) ON app.t TO spur_reader;
