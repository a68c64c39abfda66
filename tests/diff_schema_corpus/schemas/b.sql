CREATE SCHEMA keep;
CREATE SCHEMA "New Stuff";
CREATE TABLE "New Stuff"."Mixed Table" ("Id" integer PRIMARY KEY, "select" text, "user" text DEFAULT current_user);
CREATE INDEX "Mixed Index" ON "New Stuff"."Mixed Table" ("select");
GRANT USAGE ON SCHEMA "New Stuff" TO spur_reader;
COMMENT ON SCHEMA keep IS 'kept';
