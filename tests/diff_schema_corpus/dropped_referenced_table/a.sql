-- A table dropped while another table's foreign key and a view use it: the
-- key and the view go first.
CREATE TABLE parent (id integer PRIMARY KEY, name text);
CREATE TABLE child (id integer, parent_id integer REFERENCES parent (id));
CREATE VIEW parent_names AS SELECT name FROM parent;
CREATE VIEW child_parents AS SELECT c.id, p.name FROM child c JOIN parent p ON p.id = c.parent_id;
