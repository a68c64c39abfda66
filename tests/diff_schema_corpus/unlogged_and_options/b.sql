CREATE UNLOGGED TABLE cache (k text PRIMARY KEY, v text);
CREATE TABLE scratch (id integer);
CREATE TABLE tuned (id integer) WITH (fillfactor = 90, autovacuum_enabled = false);
