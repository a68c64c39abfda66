CREATE TYPE address AS (street text, city text, zip text);
CREATE TYPE point3 AS (x float8, y float8);
CREATE TABLE shops (id integer, addr address);
CREATE TYPE pair AS (l integer, r text COLLATE "C");
