CREATE SCHEMA core;
CREATE SCHEMA audit;
CREATE SCHEMA reporting;
CREATE EXTENSION citext;
CREATE DOMAIN core.login AS citext CHECK (length(VALUE) >= 3);
CREATE TABLE core.users (
    id integer PRIMARY KEY,
    login citext UNIQUE,
    created date NOT NULL DEFAULT CURRENT_DATE,
    deleted boolean DEFAULT false
);
ALTER TABLE core.users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_live ON core.users USING (NOT deleted);
CREATE TABLE audit.log (id bigint, at timestamptz NOT NULL, user_id integer, action text, detail jsonb)
    PARTITION BY RANGE (at);
ALTER DEFAULT PRIVILEGES IN SCHEMA audit GRANT SELECT ON TABLES TO spur_reader;
CREATE TABLE audit.log_2024 PARTITION OF audit.log FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE audit.log_other PARTITION OF audit.log DEFAULT;
CREATE TABLE audit.log_2025 PARTITION OF audit.log FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX log_user ON audit.log (user_id);
CREATE FUNCTION audit.write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit.log VALUES (1, now(), NEW.id, TG_OP, to_jsonb(NEW));
  RETURN NEW;
END $$;
CREATE TRIGGER users_audit AFTER INSERT OR UPDATE ON core.users FOR EACH ROW EXECUTE FUNCTION audit.write();
CREATE MATERIALIZED VIEW core.user_counts AS
    SELECT created, count(*) AS n FROM core.users WHERE NOT deleted GROUP BY created;
CREATE UNIQUE INDEX user_counts_created ON core.user_counts (created);
CREATE VIEW reporting.daily AS SELECT created, n FROM core.user_counts;
GRANT USAGE ON SCHEMA reporting TO spur_reader;
GRANT SELECT ON reporting.daily TO spur_reader;
