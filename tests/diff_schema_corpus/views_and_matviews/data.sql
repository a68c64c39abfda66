INSERT INTO sales SELECT g, 'r' || (g % 4), g * 2.5, DATE '2023-06-01' + g FROM generate_series(1, 600) g;
REFRESH MATERIALIZED VIEW sales_monthly;
