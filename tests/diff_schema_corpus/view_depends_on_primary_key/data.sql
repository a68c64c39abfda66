INSERT INTO customers SELECT g, 'c' || g, 'r' || (g % 3) FROM generate_series(1, 100) g;
INSERT INTO orders SELECT g, 1 + g % 100, g FROM generate_series(1, 300) g;
INSERT INTO lines SELECT g / 4, g % 4, 's' || g FROM generate_series(4, 400) g;
