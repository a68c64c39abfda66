-- Schemas added (with a name that needs quoting, holding a table whose
-- names need quoting too) and dropped with their contents; a schema comment.
CREATE SCHEMA old_stuff;
CREATE TABLE old_stuff.x (id integer);
CREATE VIEW old_stuff.vx AS SELECT id FROM old_stuff.x;
CREATE SCHEMA keep;
COMMENT ON SCHEMA keep IS 'k';
