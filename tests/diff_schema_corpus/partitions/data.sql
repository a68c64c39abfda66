INSERT INTO events SELECT g, DATE '2023-01-01' + (g % 700), 'k' || (g % 5) FROM generate_series(1, 2000) g;
INSERT INTO events_old SELECT g, DATE '2010-01-01' + (g % 3000), 'old' FROM generate_series(1, 500) g;
INSERT INTO metrics SELECT g, CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END FROM generate_series(1, 100) g;
