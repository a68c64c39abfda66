-- Sequences: options changed, type changed, OWNED BY removed, dropped, new
-- with a grant and a comment; a column default starts using one.
CREATE SEQUENCE counter START 100 INCREMENT 5;
CREATE SEQUENCE old_seq;
CREATE TABLE tickets (id integer, code integer);
CREATE SEQUENCE tickets_code_seq;
ALTER SEQUENCE tickets_code_seq OWNED BY tickets.code;
