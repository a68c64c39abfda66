INSERT INTO contacts SELECT g, 'u' || g || '@x.org', 'c' || g FROM generate_series(1, 100) g;
