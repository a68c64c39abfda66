CREATE TABLE posts (
    id integer PRIMARY KEY,
    body text,
    body_len integer GENERATED ALWAYS AS (length(body)) STORED
);
CREATE FUNCTION posts_check() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER posts_long BEFORE UPDATE ON posts FOR EACH ROW
    WHEN (length(NEW.body) > 5) EXECUTE FUNCTION posts_check();
ALTER TABLE posts ENABLE ROW LEVEL SECURITY;
CREATE POLICY posts_short ON posts USING (length(body) < 100);
CREATE VIEW post_bodies AS SELECT id, body FROM posts;
