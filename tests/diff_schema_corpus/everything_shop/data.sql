INSERT INTO shop.customers (email, name) SELECT 'c' || g || '@shop', 'customer ' || g FROM generate_series(1, 200) g;
INSERT INTO shop.products (sku, price) SELECT 'sku-' || g, g FROM generate_series(1, 100) g;
INSERT INTO shop.orders (customer_id, status, total, note)
SELECT 1 + g % 200, (ARRAY['pending', 'paid', 'shipped'])[1 + g % 3]::shop.order_status, g, 'note ' || g
FROM generate_series(1, 1000) g;
