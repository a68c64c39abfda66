INSERT INTO teams SELECT 't' || g, 'team ' || g FROM generate_series(1, 5) g;
INSERT INTO members SELECT 'm' || g || '@x', 'h' || g, 't' || (1 + g % 5),
    daterange(DATE '2020-01-01' + g * 10, DATE '2020-01-01' + g * 10 + 5)
FROM generate_series(1, 400) g;
