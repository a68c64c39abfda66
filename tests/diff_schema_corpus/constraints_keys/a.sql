-- Keys added to tables with rows: primary key and unique constraints built as
-- a concurrent unique index then attached (USING INDEX), a column made NOT
-- NULL first, an INCLUDE primary key, an exclusion constraint, a foreign key
-- onto the new key.
CREATE TABLE members (email text NOT NULL, handle text, team text, joined daterange);
CREATE TABLE teams (code text, name text);
