-- Indexes on a table with rows: new ones built CONCURRENTLY outside a
-- transaction, dropped ones dropped CONCURRENTLY, a changed one rebuilt under
-- a temporary name and swapped in; partial, expression, unique, GIN, INCLUDE,
-- storage parameters.
CREATE TABLE docs (id integer PRIMARY KEY, title text, body text, lang text, score integer, tags text[]);
CREATE INDEX docs_title ON docs (title);
CREATE INDEX docs_lang ON docs (lang);
CREATE INDEX docs_score ON docs (score);
CREATE UNIQUE INDEX docs_title_lang ON docs (lower(title), lang);
