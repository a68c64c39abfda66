-- Plain inheritance: a column added to the parent reaches its children, a
-- new child table.
CREATE TABLE base_item (id integer, name text);
CREATE TABLE book (isbn text) INHERITS (base_item);
CREATE TABLE tool (weight integer);
