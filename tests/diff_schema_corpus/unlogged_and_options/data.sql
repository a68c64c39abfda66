INSERT INTO cache SELECT 'k' || g, 'v' FROM generate_series(1, 100) g;
INSERT INTO scratch SELECT g FROM generate_series(1, 100) g;
