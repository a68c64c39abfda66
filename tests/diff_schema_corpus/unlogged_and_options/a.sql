-- UNLOGGED on and off (rewrites), storage parameters set, changed and reset.
CREATE TABLE cache (k text PRIMARY KEY, v text);
CREATE UNLOGGED TABLE scratch (id integer);
CREATE TABLE tuned (id integer) WITH (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.1);
