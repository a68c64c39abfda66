-- ALTER DEFAULT PRIVILEGES, global and per schema, on every object kind;
-- new objects made by the script get the target's default privileges.
CREATE SCHEMA reports;
ALTER DEFAULT PRIVILEGES IN SCHEMA reports GRANT SELECT ON TABLES TO spur_reader;
ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO spur_writer;
