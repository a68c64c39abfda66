INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 10) g;
INSERT INTO child SELECT g, 1 + g % 10 FROM generate_series(1, 50) g;
