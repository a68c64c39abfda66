-- Composite types: an attribute added to a type a table column uses, one
-- dropped from an unused type, a type dropped, a type added.
CREATE TYPE address AS (street text, city text);
CREATE TYPE point3 AS (x float8, y float8, z float8);
CREATE TABLE shops (id integer, addr address);
CREATE TYPE unused AS (a integer);
