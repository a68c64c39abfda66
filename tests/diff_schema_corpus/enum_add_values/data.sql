INSERT INTO people SELECT g, CASE WHEN g % 2 = 0 THEN 'sad'::mood ELSE 'ok'::mood END FROM generate_series(1, 100) g;
