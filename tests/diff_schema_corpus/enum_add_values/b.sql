CREATE TYPE mood AS ENUM ('very sad', 'sad', 'meh', 'ok', 'happy');
CREATE TABLE people (id integer, m mood DEFAULT 'happy');
CREATE TYPE color AS ENUM ('red', 'green');
