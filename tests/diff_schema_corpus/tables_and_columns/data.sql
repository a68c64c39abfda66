INSERT INTO products (id, name, price, legacy_code, stock, title, code, weight)
SELECT g, 'product ' || g, g * 1.25, 'L' || g, g % 10, 't' || g, (g * 7)::text, g / 3.0
FROM generate_series(1, 1000) g;
INSERT INTO obsolete SELECT g, repeat('x', 20) FROM generate_series(1, 50) g;
INSERT INTO notes SELECT g, 'note ' || g FROM generate_series(1, 20) g;
