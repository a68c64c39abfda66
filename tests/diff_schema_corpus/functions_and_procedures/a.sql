-- Functions and procedures: bodies changed (CREATE OR REPLACE), a return
-- type changed and a default removed (drop and create), an overload, a
-- procedure whose signature changes, SECURITY DEFINER dropped, set-returning,
-- variadic and SQL-standard (BEGIN ATOMIC) functions added.
CREATE FUNCTION add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
CREATE FUNCTION add(a numeric, b numeric) RETURNS numeric LANGUAGE sql AS 'SELECT a + b';
CREATE FUNCTION greet(name text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN 'hi ' || name; END $$;
CREATE FUNCTION old_fn() RETURNS void LANGUAGE sql AS '';
CREATE FUNCTION area(r float8) RETURNS float8 LANGUAGE sql AS 'SELECT pi() * r * r';
CREATE PROCEDURE log_it(msg text) LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE '%', msg; END $$;
CREATE FUNCTION secret() RETURNS integer LANGUAGE sql SECURITY DEFINER AS 'SELECT 42';
CREATE FUNCTION with_default(x integer, y integer DEFAULT 1) RETURNS integer LANGUAGE sql AS 'SELECT x + y';
COMMENT ON FUNCTION add(integer, integer) IS 'adds integers';
