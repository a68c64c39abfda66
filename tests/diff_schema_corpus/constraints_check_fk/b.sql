CREATE TABLE authors (id integer PRIMARY KEY, name text);
CREATE TABLE posts (id integer PRIMARY KEY, author_id integer, title text, words integer, status text);
ALTER TABLE posts ADD CONSTRAINT posts_author_fk FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE;
ALTER TABLE posts ADD CONSTRAINT posts_words_check CHECK (words >= 0 AND words < 100000);
ALTER TABLE posts ADD CONSTRAINT posts_title_check CHECK (length(title) > 0) NOT VALID;
ALTER TABLE posts ADD CONSTRAINT posts_deferred_fk FOREIGN KEY (author_id) REFERENCES authors (id)
    DEFERRABLE INITIALLY DEFERRED;
CREATE TABLE comments (
    id integer PRIMARY KEY,
    post_id integer REFERENCES posts (id),
    body text CHECK (body <> '')
);
COMMENT ON CONSTRAINT posts_title_check ON posts IS 'titles are not empty';
