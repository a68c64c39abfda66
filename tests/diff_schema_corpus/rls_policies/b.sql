CREATE TABLE docs (id integer, owner_name text, public boolean);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
ALTER TABLE docs FORCE ROW LEVEL SECURITY;
CREATE POLICY docs_owner ON docs TO spur_reader, spur_writer
    USING (owner_name = current_user OR public) WITH CHECK (owner_name = current_user);
CREATE POLICY docs_public ON docs AS RESTRICTIVE FOR SELECT USING (public OR owner_name IS NOT NULL);
CREATE TABLE notes (id integer);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY notes_all ON notes FOR ALL TO PUBLIC USING (true);
COMMENT ON POLICY docs_public ON docs IS 'only public or owned rows';
