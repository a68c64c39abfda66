CREATE TABLE docs (id integer PRIMARY KEY, title text, body text, lang text, score integer, tags text[]);
CREATE INDEX docs_title ON docs (title);
CREATE INDEX docs_score ON docs (score DESC NULLS LAST) WHERE score > 0;
CREATE UNIQUE INDEX docs_title_lang ON docs (lower(title), lang);
CREATE INDEX docs_tags ON docs USING gin (tags);
CREATE INDEX docs_body_prefix ON docs (substr(body, 1, 10)) INCLUDE (id) WITH (fillfactor = 70);
COMMENT ON INDEX docs_title IS 'by title';
