CREATE TABLE people (id serial PRIMARY KEY, first text, last text);
CREATE FUNCTION people_view_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO people (first, last) VALUES (NEW.first, NEW.last);
  RETURN NEW;
END $$;
CREATE VIEW people_view AS SELECT id, last, first, first || ' ' || last AS full_name FROM people;
CREATE TRIGGER people_view_ins INSTEAD OF INSERT ON people_view
    FOR EACH ROW EXECUTE FUNCTION people_view_insert();
GRANT SELECT, INSERT ON people_view TO spur_writer;
COMMENT ON VIEW people_view IS 'people, insertable';
COMMENT ON COLUMN people_view.first IS 'given name';
