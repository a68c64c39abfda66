#include "engine/sample_data.h"

namespace spur::engine {

const std::string& SampleDataSql() {
  static const std::string kSql = R"sql(
CREATE FUNCTION pg_temp.luhn(payload text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT payload || ((10 - sum(CASE WHEN (length(payload) - i) % 2 = 0
                                    THEN (CASE WHEN d * 2 > 9 THEN d * 2 - 9 ELSE d * 2 END)
                                    ELSE d END) % 10) % 10)::text
  FROM (SELECT i, substr(payload, i, 1)::int AS d
        FROM generate_series(1, length(payload)) AS i) AS digits
$$;

CREATE FUNCTION pg_temp.pick(items text[], n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT items[1 + (n % array_length(items, 1))]
$$;

CREATE TABLE customers (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  first_name  text NOT NULL,
  last_name   text NOT NULL,
  email       text NOT NULL UNIQUE,
  phone       text,
  street      text,
  city        text,
  postcode    text,
  country     text NOT NULL,
  birth_date  date,
  created_at  timestamptz NOT NULL
);

CREATE TABLE orders (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id      bigint NOT NULL REFERENCES customers(id),
  status           text NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
  total_cents      integer NOT NULL CHECK (total_cents >= 0),
  shipping_address text,
  created_at       timestamptz NOT NULL
);
CREATE INDEX orders_customer_id ON orders(customer_id);

CREATE TABLE payments (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id     bigint NOT NULL REFERENCES orders(id),
  card_number  text NOT NULL,
  card_holder  text NOT NULL,
  amount_cents integer NOT NULL,
  paid_at      timestamptz NOT NULL,
  ip_address   inet
);
CREATE INDEX payments_order_id ON payments(order_id);

INSERT INTO customers (first_name, last_name, email, phone, street, city, postcode, country,
                       birth_date, created_at)
SELECT f, l,
       lower(f) || '.' || lower(l) || i || '@' ||
         pg_temp.pick('{example.com,mail.test,inbox.example,post.example}', i * 7),
       '+1-' || lpad(((i * 7919) % 900 + 100)::text, 3, '0') || '-555-' ||
         lpad(((i * 104729) % 10000)::text, 4, '0'),
       ((i * 37) % 9800 + 100) || ' ' ||
         pg_temp.pick('{Maple,Oak,Cedar,Pine,Elm,Birch,Willow,Lake,Hill,River}', i * 3) || ' ' ||
         pg_temp.pick('{Street,Avenue,Road,Lane,Drive,Court}', i * 5),
       pg_temp.pick('{Springfield,Riverside,Fairview,Greenville,Madison,Georgetown,Salem,'
                    'Franklin,Clinton,Arlington,Ashland,Burlington}', i * 11),
       lpad(((i * 48271) % 90000 + 10000)::text, 5, '0'),
       pg_temp.pick('{US,US,US,CA,GB,DE,FR,NL}', i * 13),
       date '1950-01-01' + ((i * 7331) % 18000),
       timestamptz '2023-01-01 00:00:00+00' + (i * interval '37 minutes')
FROM generate_series(1, 1000) AS i,
     LATERAL (SELECT pg_temp.pick('{James,Mary,Robert,Patricia,John,Jennifer,Michael,Linda,'
                                  'David,Elizabeth,William,Barbara,Richard,Susan,Joseph,Jessica,'
                                  'Thomas,Sarah,Carlos,Aisha,Wei,Fatima,Hiroshi,Olga,Pierre,'
                                  'Ingrid,Mateo,Priya,Noah,Zoe}', i) AS f,
                     pg_temp.pick('{Smith,Johnson,Williams,Brown,Jones,Garcia,Miller,Davis,'
                                  'Rodriguez,Martinez,Hernandez,Lopez,Gonzalez,Wilson,Anderson,'
                                  'Thomas,Taylor,Moore,Jackson,Martin,Lee,Perez,Thompson,White,'
                                  'Harris,Sanchez,Clark,Nakamura,Novak,Dubois,Schmidt}',
                                  i * 17 + 3) AS l) AS names;

INSERT INTO orders (customer_id, status, total_cents, shipping_address, created_at)
SELECT c.id,
       pg_temp.pick('{paid,paid,shipped,shipped,pending,cancelled}', o * 7),
       ((o * 2654435761) % 50000 + 499)::int,
       c.street || ', ' || c.city || ' ' || c.postcode,
       c.created_at + (o * interval '3 hours')
FROM generate_series(1, 3000) AS o
JOIN customers AS c ON c.id = 1 + (o * 7919) % 1000;

INSERT INTO payments (order_id, card_number, card_holder, amount_cents, paid_at, ip_address)
SELECT o.id,
       pg_temp.luhn(card.prefix ||
                    lpad(((o.customer_id * 982451653) % 100000000000000)::text,
                         card.payload_len - length(card.prefix), '0')),
       c.first_name || ' ' || c.last_name,
       o.total_cents,
       o.created_at + interval '5 minutes',
       ('10.' || (o.customer_id % 250) || '.' || (o.id % 250) || '.' ||
          (o.id * 7 % 250 + 1))::inet
FROM orders AS o
JOIN customers AS c ON c.id = o.customer_id,
     LATERAL (SELECT prefix, CASE WHEN prefix = '37' THEN 14 ELSE 15 END AS payload_len
              FROM (SELECT pg_temp.pick('{4,4,5,5,37,6011}', o.id) AS prefix) AS p) AS card
WHERE o.status <> 'pending';

ANALYZE customers, orders, payments;
)sql";
  return kSql;
}

}  // namespace spur::engine
