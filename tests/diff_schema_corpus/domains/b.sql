CREATE DOMAIN posint AS integer DEFAULT 1 NOT NULL CHECK (VALUE > 0);
CREATE DOMAIN email AS text CONSTRAINT email_at CHECK (VALUE LIKE '%@%')
    CONSTRAINT email_len CHECK (length(VALUE) < 200);
CREATE DOMAIN code AS varchar(20);
CREATE TABLE contacts (id posint, mail email, c code);
COMMENT ON DOMAIN email IS 'an email address';
COMMENT ON CONSTRAINT email_len ON DOMAIN email IS 'short enough';
ALTER DOMAIN posint ADD CONSTRAINT posint_small CHECK (VALUE < 1000000) NOT VALID;
