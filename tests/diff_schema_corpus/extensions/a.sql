-- Extensions: one updated to a newer version (one way only: extensions ship
-- no downgrade scripts), one added in its own schema, one added and used by a
-- column, one dropped. Their member objects are never diffed themselves.
CREATE EXTENSION hstore VERSION '1.4';
CREATE EXTENSION pg_trgm;
CREATE TABLE kv (id integer, attrs hstore);
