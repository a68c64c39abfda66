-- Partitioned tables: a new partition, a table with rows attached as a
-- partition, a partition bound changed (detach + attach), a default
-- partition, a column added to a partitioned parent, a default changed on the
-- parent (partitions follow), an index built on the whole hierarchy.
CREATE TABLE events (
    id bigint NOT NULL,
    at date NOT NULL,
    kind text DEFAULT 'click',
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_old (id bigint NOT NULL, at date NOT NULL, kind text DEFAULT 'click');
CREATE INDEX events_kind ON events (kind);
CREATE TABLE metrics (id integer, region text) PARTITION BY LIST (region);
CREATE TABLE metrics_eu PARTITION OF metrics FOR VALUES IN ('eu');
CREATE TABLE metrics_us PARTITION OF metrics FOR VALUES IN ('us');
