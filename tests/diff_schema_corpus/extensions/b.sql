CREATE EXTENSION hstore VERSION '1.8';
CREATE EXTENSION citext;
CREATE SCHEMA ext;
CREATE EXTENSION btree_gist WITH SCHEMA ext;
CREATE TABLE kv (id integer, attrs hstore, email citext);
