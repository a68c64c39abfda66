CREATE TABLE child (id integer, parent_id integer);
