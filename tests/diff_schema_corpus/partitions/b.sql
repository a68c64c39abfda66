CREATE TABLE events (
    id bigint NOT NULL,
    at date NOT NULL,
    kind text DEFAULT 'view',
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_old (id bigint NOT NULL, at date NOT NULL, kind text DEFAULT 'click');
ALTER TABLE events ATTACH PARTITION events_old FOR VALUES FROM ('2000-01-01') TO ('2023-01-01');
ALTER TABLE events_old ALTER COLUMN kind SET DEFAULT 'view';
CREATE INDEX events_kind ON events (kind);
CREATE INDEX events_at ON events (at);
CREATE TABLE metrics (id integer, region text, amount numeric) PARTITION BY LIST (region);
CREATE TABLE metrics_eu PARTITION OF metrics FOR VALUES IN ('eu', 'uk');
CREATE TABLE metrics_us PARTITION OF metrics FOR VALUES IN ('us');
CREATE TABLE metrics_other PARTITION OF metrics DEFAULT;
