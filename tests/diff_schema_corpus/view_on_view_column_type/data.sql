INSERT INTO accounts SELECT g, 'owner' || (g % 7), g * 10.5, 'n' || g FROM generate_series(1, 500) g;
REFRESH MATERIALIZED VIEW balance_totals;
