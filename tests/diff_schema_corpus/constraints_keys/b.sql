CREATE TABLE members (
    email text NOT NULL,
    handle text,
    team text,
    joined daterange,
    CONSTRAINT members_pkey PRIMARY KEY (email),
    CONSTRAINT members_handle_key UNIQUE NULLS NOT DISTINCT (handle),
    CONSTRAINT members_no_overlap EXCLUDE USING gist (joined WITH &&)
);
CREATE TABLE teams (code text NOT NULL, name text, CONSTRAINT teams_pkey PRIMARY KEY (code) INCLUDE (name));
ALTER TABLE members ADD CONSTRAINT members_team_fk FOREIGN KEY (team) REFERENCES teams (code);
