-- Everything at once, a platform across schemas: an extension in use, a
-- domain over an extension type, RLS turned on with a policy, a partitioned
-- audit log with a new partition (which gets the schema's default
-- privileges) and a new column, a trigger and its function changed, a
-- materialized view recreated with a new unique index and a view on it in a
-- new schema.
CREATE SCHEMA core;
CREATE SCHEMA audit;
CREATE EXTENSION citext;
CREATE TABLE core.users (id integer PRIMARY KEY, login citext UNIQUE, created date);
CREATE TABLE audit.log (id bigint, at timestamptz NOT NULL, user_id integer, action text)
    PARTITION BY RANGE (at);
CREATE TABLE audit.log_2024 PARTITION OF audit.log FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE audit.log_other PARTITION OF audit.log DEFAULT;
CREATE FUNCTION audit.write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit.log VALUES (1, now(), NEW.id, TG_OP);
  RETURN NEW;
END $$;
CREATE TRIGGER users_audit AFTER INSERT ON core.users FOR EACH ROW EXECUTE FUNCTION audit.write();
ALTER DEFAULT PRIVILEGES IN SCHEMA audit GRANT SELECT ON TABLES TO spur_reader;
CREATE MATERIALIZED VIEW core.user_counts AS SELECT created, count(*) FROM core.users GROUP BY created;
