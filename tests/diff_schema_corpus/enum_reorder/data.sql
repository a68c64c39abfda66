INSERT INTO tickets SELECT g, (ARRAY['new', 'active', 'closed'])[1 + g % 3]::status,
    ARRAY['new'::status, 'active'::status] FROM generate_series(1, 300) g;
INSERT INTO live SELECT g, (ARRAY['new', 'active'])[1 + g % 2]::live_status FROM generate_series(1, 50) g;
