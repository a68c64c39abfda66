CREATE FUNCTION add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT a + b + 0';
CREATE FUNCTION add(a numeric, b numeric) RETURNS numeric LANGUAGE sql AS 'SELECT a + b';
CREATE FUNCTION greet(name text) RETURNS text LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog AS $$ BEGIN RETURN 'hello ' || name; END $$;
CREATE FUNCTION area(r float8) RETURNS numeric LANGUAGE sql AS 'SELECT (pi() * r * r)::numeric';
CREATE PROCEDURE log_it(msg text, level integer DEFAULT 0) LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE '% %', level, msg; END $$;
CREATE FUNCTION secret() RETURNS integer LANGUAGE sql AS 'SELECT 42';
CREATE FUNCTION with_default(x integer, y integer) RETURNS integer LANGUAGE sql AS 'SELECT x + y';
CREATE FUNCTION words(t text) RETURNS TABLE (word text, n integer) LANGUAGE sql AS $$ SELECT t, 1 $$;
CREATE FUNCTION sum_all(VARIADIC nums integer[]) RETURNS integer LANGUAGE sql AS 'SELECT sum(n)::integer FROM unnest(nums) n';
CREATE FUNCTION doubled(x integer) RETURNS integer LANGUAGE sql BEGIN ATOMIC SELECT x * 2; END;
COMMENT ON FUNCTION add(integer, integer) IS 'adds two integers';
COMMENT ON PROCEDURE log_it(text, integer) IS 'logs';
