INSERT INTO core.users SELECT g, 'user' || g, DATE '2024-01-01' + g % 30 FROM generate_series(1, 300) g;
REFRESH MATERIALIZED VIEW core.user_counts;
