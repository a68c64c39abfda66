INSERT INTO items (id, price) SELECT g, g FROM generate_series(1, 200) g;
