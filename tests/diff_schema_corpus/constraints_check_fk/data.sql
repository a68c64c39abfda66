INSERT INTO authors SELECT g, 'a' || g FROM generate_series(1, 10) g;
INSERT INTO posts SELECT g, 1 + g % 10, 'post ' || g, g * 3, 'draft' FROM generate_series(1, 300) g;
