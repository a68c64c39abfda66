-- An enum whose values are reordered (and one added): postgres cannot do
-- that in place. The old type is renamed away, the new one created, every
-- column using it (also an array column and a column of a domain over it,
-- with rows) converted through text, and what used the old type (a default,
-- a check, a partial index, a view, a function, the domain) dropped first and
-- created again on the new one; then the old type is dropped.
CREATE TYPE status AS ENUM ('new', 'active', 'closed');
CREATE TABLE tickets (
    id integer PRIMARY KEY,
    s status NOT NULL DEFAULT 'new',
    history status[],
    CONSTRAINT tickets_closed_check CHECK (s <> 'closed' OR id > 0)
);
CREATE INDEX tickets_open ON tickets (id) WHERE s <> 'closed';
CREATE VIEW open_tickets AS SELECT id, s FROM tickets WHERE s = 'active';
CREATE FUNCTION is_open(x status) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$SELECT x <> 'closed'$$;
CREATE DOMAIN live_status AS status CHECK (VALUE <> 'closed');
CREATE TABLE live (id integer, s live_status);
