INSERT INTO t1 (n) SELECT g FROM generate_series(1, 100) g;
INSERT INTO t2 (v) SELECT 'v' || g FROM generate_series(1, 100) g;
INSERT INTO t3 (x) SELECT g FROM generate_series(1, 10) g;
