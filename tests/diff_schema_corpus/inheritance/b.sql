CREATE TABLE base_item (id integer, name text);
CREATE TABLE book (isbn text) INHERITS (base_item);
-- Added after the child exists, as the diff does it: appended to both.
ALTER TABLE base_item ADD COLUMN price numeric DEFAULT 0;
CREATE TABLE tool (weight integer);
CREATE TABLE gadget (volts integer) INHERITS (base_item);
