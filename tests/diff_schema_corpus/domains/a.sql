-- Domains: a default and NOT NULL added, a constraint added (NOT VALID, then
-- VALIDATE), a comment; a domain whose base type changes is recreated and
-- its columns converted.
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE DOMAIN email AS text CONSTRAINT email_at CHECK (VALUE LIKE '%@%');
CREATE DOMAIN code AS varchar(10);
CREATE TABLE contacts (id posint, mail email, c code);
