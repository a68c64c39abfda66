-- Checks and foreign keys added to tables with rows: NOT VALID, then
-- VALIDATE on its own; one kept NOT VALID as in the target; a changed check;
-- a dropped one; a deferrable foreign key; a new table with its own.
CREATE TABLE authors (id integer PRIMARY KEY, name text);
CREATE TABLE posts (id integer PRIMARY KEY, author_id integer, title text, words integer, status text);
ALTER TABLE posts ADD CONSTRAINT posts_words_check CHECK (words >= 0);
ALTER TABLE posts ADD CONSTRAINT posts_old_check CHECK (status IS NOT NULL);
