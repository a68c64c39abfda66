INSERT INTO docs SELECT g, 'title ' || g, repeat('body ', g % 20), CASE WHEN g % 3 = 0 THEN 'en' ELSE 'fr' END,
    g % 100, ARRAY['t' || (g % 7), 'u' || (g % 11)]
FROM generate_series(1, 3000) g;
