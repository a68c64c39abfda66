-- Enum values added before, between and after the old ones (ALTER TYPE ...
-- ADD VALUE, each outside a transaction), and used by a new default at once.
-- The reverse removes values: the type is recreated (see enum_reorder).
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE people (id integer, m mood);
CREATE TYPE color AS ENUM ('red');
