INSERT INTO shops SELECT g, ROW('street ' || g, 'city')::address FROM generate_series(1, 20) g;
