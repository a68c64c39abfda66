INSERT INTO posts (id, body) SELECT g, 'b' || g FROM generate_series(1, 100) g;
