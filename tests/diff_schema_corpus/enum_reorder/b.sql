CREATE TYPE status AS ENUM ('active', 'new', 'closed', 'archived');
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
