-- Row-level security: FORCE turned on, RLS enabled on another table, a
-- policy altered in place (roles, expressions), a policy whose WITH CHECK
-- goes away in the reverse (dropped and created), a restrictive policy, a
-- dropped policy, a comment.
CREATE TABLE docs (id integer, owner_name text, public boolean);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY docs_owner ON docs USING (owner_name = current_user);
CREATE POLICY docs_old ON docs FOR DELETE USING (false);
CREATE TABLE notes (id integer);
