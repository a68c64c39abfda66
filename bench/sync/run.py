#!/usr/bin/env python3
"""spur sync benchmark: a production-like database into a pool's `main`.

In one run, on the same source data:

  1. starts a source cluster and generates a shop database with personal data
     (customers with e-mail, names, phone, address, birth date, IBAN, card,
     tax id, a jsonb profile; orders; order items; secondary indexes; FKs)
  2. times, interleaved round by round (a, b, c, d, a, b, c, d, ...):
       a. spur sync --mask mask.yaml (a rule on every personal column) --jobs N
       b. spur sync --no-mask --jobs N
       c. pgcopydb clone --table-jobs N --index-jobs N into a fresh database
       d. pg_dump -Fd -j N + pg_restore -j N into a fresh database
     c and d load into a target cluster with the bulk-load settings spur's
     staging cluster uses, on its own loop-mounted XFS image like the pool
  3. runs `spur mask verify` on the snapshot of the first masked sync
  4. builds and runs spur_bench_transformers (values/s per transformer)

Appends a Markdown section to bench/results/sync.md. Everything it creates
is removed at exit, also on failure or Ctrl-C. Python 3 standard library only.
"""

import argparse
import datetime
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(HERE))
import benchlib  # noqa: E402  (bench/benchlib.py: what the benchmarks share)
from benchlib import fmt_bytes, log, med, port_free, tail  # noqa: E402

PEERS = ("spur_masked", "spur_unmasked", "pgcopydb", "dump_restore")
LABEL = {
    "spur_masked": "a. `spur sync --mask` (masked)",
    "spur_unmasked": "b. `spur sync --no-mask`",
    "pgcopydb": "c. `pgcopydb clone`",
    "dump_restore": "d. `pg_dump -Fd -j` + `pg_restore -j`",
}
TABLES = ("customers", "orders", "order_items")

# spur's staging cluster: the pool's default settings (engine/pool_config.cc)
# plus UseBulkLoadSettings (engine/sync_target.cc). The pgcopydb / pg_restore
# target gets the same.
TARGET_SETTINGS = {
    "shared_buffers": "64MB", "work_mem": "4MB", "maintenance_work_mem": "256MB",
    "max_connections": "50", "effective_cache_size": "512MB",
    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
    "wal_level": "minimal", "max_wal_senders": "0", "archive_mode": "off",
    "max_wal_size": "4GB", "checkpoint_timeout": "30min", "autovacuum": "off",
}
SOURCE_SETTINGS = {"shared_buffers": "256MB", "max_connections": "50"}

# strict: all (the default): the columns that are not personal are declared
# with keep; the same 14 masked columns as before the allowlist.
MASK_YAML = """\
tables:
  public.customers:
    id: keep
    notes: keep
    created_at: keep
    email: email
    first_name: first_name
    last_name: last_name
    phone: phone
    street: street
    city: city
    postcode: postcode
    born: {rule: birthdate, generalize: year}
    iban: iban
    card: credit_card
    tax_id: hash
    profile:
      rule: json
      paths:
        "$.contact.email": email
        "$.contact.mobile": phone
  public.orders:
    id: keep
    status: keep
    amount: keep
    currency: keep
    coupon: keep
    created_at: keep
    shipped_at: keep
  public.order_items:
    line: keep
    sku: keep
    qty: keep
    unit_price: keep
"""

# psql variables :customers and :orders. Values are random but realistic:
# valid IBANs (mod 97) and Luhn-valid card numbers, so the iban and
# credit_card transformers take their normal path.
GENERATE_SQL = r"""
\set ON_ERROR_STOP on
SELECT setseed(0.42);
CREATE FUNCTION pick(arr text[], r double precision) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT arr[1 + floor(r * array_length(arr, 1))::int] $$;
CREATE FUNCTION luhn(body text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT body || ((10 - sum(CASE WHEN i % 2 = 1 THEN (d * 2) % 10 + (d * 2) / 10 ELSE d END) % 10) % 10)::text
  FROM (SELECT i, substr(body, length(body) - i + 1, 1)::int AS d
        FROM generate_series(1, length(body)) AS i) AS s $$;
CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  email text NOT NULL UNIQUE,
  first_name text NOT NULL,
  last_name text NOT NULL,
  phone text,
  street text,
  city text,
  postcode text,
  born date,
  iban text,
  card text,
  tax_id text,
  profile jsonb,
  notes text,
  created_at timestamptz NOT NULL
);
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers,
  status text NOT NULL,
  amount numeric(10,2) NOT NULL,
  currency char(3) NOT NULL DEFAULT 'EUR',
  coupon text,
  created_at timestamptz NOT NULL,
  shipped_at timestamptz
);
CREATE TABLE order_items (
  order_id bigint NOT NULL REFERENCES orders,
  line smallint NOT NULL,
  sku text NOT NULL,
  qty integer NOT NULL,
  unit_price numeric(10,2) NOT NULL,
  PRIMARY KEY (order_id, line)
);
CREATE TEMP TABLE w AS SELECT
  '{Anna,Ben,Clara,David,Emma,Felix,Greta,Hannah,Ivan,Jonas,Katrin,Lukas,Mia,Noah,Olivia,Paul,Quentin,Rosa,Sophie,Tom,Ulla,Victor,Wilma,Xaver,Yara,Zoe,Maria,Jan,Lena,Max,Sara,Tim,Julia,Leon,Laura,Elias,Nina,Finn,Marie,Moritz}'::text[] AS fn,
  '{Müller,Schmidt,Schneider,Fischer,Weber,Meyer,Wagner,Becker,Schulz,Hoffmann,Koch,Richter,Klein,Wolf,Schröder,Neumann,Schwarz,Braun,Zimmermann,Krüger,Hofmann,Hartmann,Lange,Schmitt,Werner,Krause,Meier,Lehmann,Schmid,Schulze,Maier,Köhler,Herrmann,König,Walter,Mayer,Huber,Kaiser,Fuchs,Peters}'::text[] AS ln,
  '{Berlin,Hamburg,München,Köln,Frankfurt,Stuttgart,Düsseldorf,Leipzig,Dortmund,Essen,Bremen,Dresden,Hannover,Nürnberg,Duisburg,Bochum,Wuppertal,Bielefeld,Bonn,Münster,Mannheim,Karlsruhe,Augsburg,Wiesbaden,Kiel,Aachen,Freiburg,Lübeck,Erfurt,Rostock}'::text[] AS ct,
  '{Haupt,Schul,Garten,Bahnhof,Dorf,Berg,Wald,Ring,Linden,Kirch,Birken,Eichen,Mühlen,Feld,Wiesen,Sonnen,Rosen,Park,Friedrich,Goethe}'::text[] AS st,
  '{straße,weg,allee,platz,gasse,ring}'::text[] AS sx,
  '{example.com,mail.de,web.de,gmx.net,posteo.de,t-online.de,icloud.com,outlook.com}'::text[] AS dom;
INSERT INTO customers (email, first_name, last_name, phone, street, city, postcode, born, iban, card,
                       tax_id, profile, notes, created_at)
SELECT lower(f) || '.' || lower(l) || '.' || i || '@' || pick(dom, random()),
       f, l,
       '+49 ' || (150 + floor(random() * 30))::int || ' ' || lpad(floor(random() * 1e7)::bigint::text, 7, '0'),
       pick(st, random()) || pick(sx, random()) || ' ' || (1 + floor(random() * 200))::int,
       pick(ct, random()),
       lpad(floor(1067 + random() * 98000)::int::text, 5, '0'),
       date '1940-01-01' + floor(random() * 25000)::int,
       'DE' || lpad((98 - (bban || '131400')::numeric % 97)::text, 2, '0') || bban,
       luhn('4' || lpad(floor(random() * 1e14)::bigint::text, 14, '0')),
       lpad(floor(random() * 1e11)::bigint::text, 11, '0'),
       jsonb_build_object('tier', pick('{bronze,silver,gold,platinum}', random()),
                          'newsletter', random() < 0.3,
                          'lang', pick('{de,en,fr,tr,pl}', random()),
                          'contact', jsonb_build_object('email', lower(l) || i || '@' || pick(dom, random()),
                                                        'mobile', '+49 1' || lpad(floor(random() * 1e9)::bigint::text, 9, '0')),
                          'tags', jsonb_build_array(pick('{vip,b2b,returns,churn-risk,new}', random()), 'x' || (i % 97))),
       CASE WHEN random() < 0.4 THEN 'Customer prefers delivery after 18:00; ticket ' || md5(i::text)
                                     || ' resolved. ' || md5((i * 7)::text) END,
       timestamptz '2015-01-01' + random() * interval '3650 days'
FROM (SELECT i, pick(w.fn, random()) AS f, pick(w.ln, random()) AS l, w.dom, w.st, w.sx, w.ct,
             lpad(floor(random() * 1e8)::bigint::text, 8, '0')
             || lpad(floor(random() * 1e10)::bigint::text, 10, '0') AS bban
      FROM generate_series(1, :customers) AS i, w) AS g;
INSERT INTO orders (customer_id, status, amount, coupon, created_at, shipped_at)
SELECT 1 + floor(random() * :customers)::bigint,
       pick('{new,paid,shipped,delivered,returned,cancelled}', random()),
       round((5 + random() * 495)::numeric, 2),
       CASE WHEN random() < 0.1 THEN 'SAVE' || (5 * (1 + floor(random() * 6)))::int END,
       t, CASE WHEN random() < 0.8 THEN t + random() * interval '5 days' END
FROM (SELECT timestamptz '2018-01-01' + random() * interval '2500 days' AS t
      FROM generate_series(1, :orders)) AS g;
INSERT INTO order_items (order_id, line, sku, qty, unit_price)
SELECT o, l, 'SKU-' || lpad(floor(random() * 50000)::int::text, 6, '0'), 1 + floor(random() * 4)::int,
       round((1 + random() * 199)::numeric, 2)
FROM generate_series(1, :orders) AS o
     CROSS JOIN LATERAL generate_series(1, 1 + floor(random() * 2 + 0 * o)::int) AS l;
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE INDEX orders_created_at_idx ON orders (created_at);
CREATE INDEX customers_last_name_idx ON customers (last_name, first_name);
DROP FUNCTION pick(text[], double precision);
DROP FUNCTION luhn(text);
DROP TABLE w;
VACUUM ANALYZE;
CHECKPOINT;
"""


class Bench:
    def __init__(self, args):
        self.a = args
        self.pgbin = args.pg_bindir
        self.jobs = args.jobs
        self.cleaned = False
        self.child = None  # the subprocess running right now, if any
        self.mounts = []
        self.clusters = []  # data directories of the clusters started here
        self.dir = None
        self.res = {"runs": {p: [] for p in PEERS}, "noise": []}
        self.dir = tempfile.mkdtemp(prefix="spur-sync-", dir=args.workdir_parent)
        os.chmod(self.dir, 0o755)  # postgres (the run-as user) must reach everything
        self.logs = os.path.join(self.dir, "logs")
        os.makedirs(self.logs)
        self.sock = os.path.join(self.dir, "sock")
        os.makedirs(self.sock)
        shutil.chown(self.sock, "postgres")
        self.pool = os.path.join(self.dir, "pool")
        self.spur = os.path.join(self.dir, "spur")
        self.mask = os.path.join(self.dir, "mask.yaml")
        self.env = dict(os.environ, PATH=self.pgbin + ":" + os.environ.get("PATH", ""),
                        PGAPPNAME="spur-sync-bench")
        for k in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE", "PGPASSWORD"):
            self.env.pop(k, None)

    # ------------------------------------------------------------ running --
    def run(self, argv, check=True, log_name=None, as_postgres=False, input=None, timeout=None,
            stderr_lines=None):
        """Runs argv, returns CompletedProcess with text stdout/stderr. Kills it on Ctrl-C."""
        if as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                             text=True, env=self.env, cwd=self.dir)
        self.child = p
        try:
            if stderr_lines is None:
                out, err = p.communicate(input=input, timeout=timeout)
            else:
                # Read stderr as it comes, noting when each line arrived.
                def reader():
                    for line in p.stderr:
                        stderr_lines.append((time.monotonic(), line.rstrip("\n")))
                th = threading.Thread(target=reader, daemon=True)
                th.start()
                out = p.stdout.read()
                p.wait(timeout)
                th.join()
                err = "\n".join(l for _, l in stderr_lines)
        finally:
            self.child = None
        return benchlib.command_result(argv, p.returncode, out, err, check,
                                       log_name and os.path.join(self.logs, log_name))

    def spur_cmd(self, *argv, check=True, log_name=None, json_out=False, stderr_lines=None):
        cmd = [self.spur, "--pool", self.pool] + (["--json"] if json_out else []) + list(argv)
        p = self.run(cmd, check=check, log_name=log_name, stderr_lines=stderr_lines)
        if json_out and p.returncode == 0:
            return p, json.loads(p.stdout)
        return p, None

    def conninfo(self, port, db):
        return f"host={self.sock} port={port} user=postgres dbname={db}"

    def psql(self, port, db, sql, check=True):
        return self.run([os.path.join(self.pgbin, "psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1",
                         "-d", self.conninfo(port, db), "-c", sql], check=check).stdout.strip()

    def psql_uri(self, uri, sql):
        return self.run([os.path.join(self.pgbin, "psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1",
                         "-d", uri, "-c", sql]).stdout.strip()

    # -------------------------------------------------------------- setup --
    def pick_ports(self, n):
        lo, hi = self.a.ports
        ports = []
        for p in range(lo, hi + 1):
            if port_free(p) and not os.path.exists(os.path.join(self.sock, f".s.PGSQL.{p}")):
                ports.append(p)
                if len(ports) == n:
                    return ports
        raise RuntimeError(f"no {n} free ports in {lo}-{hi}")

    def start_cluster(self, name, parent, port, settings):
        os.makedirs(parent, exist_ok=True)
        shutil.chown(parent, "postgres")
        data = os.path.join(parent, "data")
        self.run([os.path.join(self.pgbin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], as_postgres=True,
                 log_name=f"initdb-{name}.log")
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            f.write("\n# spur sync benchmark\nlisten_addresses = ''\n"
                    f"unix_socket_directories = '{self.sock}'\nport = {port}\n")
            for k, v in settings.items():
                f.write(f"{k} = '{v}'\n")
        self.clusters.append(data)
        self.run([os.path.join(self.pgbin, "pg_ctl"), "-D", data, "-l",
                  os.path.join(parent, "postgres.log"), "-w", "-t", "120", "start"],
                 as_postgres=True, log_name=f"pg_ctl-{name}.log")
        log(f"{name} cluster up on port {port} ({data})")
        return data

    def make_xfs_image(self, name, size_gib):
        """A sparse XFS (reflink=1) image, loop-mounted with noatime, as spur does for its pool."""
        img = os.path.join(self.dir, name + ".img")
        mnt = os.path.join(self.dir, name)
        with open(img, "wb") as f:
            f.truncate(size_gib * 2**30)
        self.run(["mkfs.xfs", "-q", "-m", "reflink=1", img])
        os.makedirs(mnt)
        self.run(["mount", "-o", "loop,noatime", img, mnt])
        self.mounts.append(mnt)
        return mnt

    def setup(self):
        a = self.a
        self.image_gib = a.image or max(8, math.ceil(6 * a.scale) + 4)
        need = (self.image_gib * 0.6 + a.scale * 6 + 2) * 2**30
        free = shutil.disk_usage(self.dir).free
        log(f"work directory {self.dir} ({fmt_bytes(free)} free on the host, want ~{fmt_bytes(need)})")
        if free < need:
            raise RuntimeError(f"not enough space under {a.workdir_parent}: {fmt_bytes(free)} free, "
                               f"need about {fmt_bytes(need)}")
        shutil.copy2(a.spur, self.spur)
        self.res["spur_version"] = (self.run([self.spur, "--version"]).stdout.strip() +
                                    benchlib.binary_note(a.spur, self.spur))
        if not shutil.which("pgcopydb", path=self.env["PATH"]):
            raise RuntimeError("pgcopydb not found; apt-get install -y pgcopydb")
        v = self.run(["pgcopydb", "--version"])
        self.res["pgcopydb_version"] = next(
            (l.strip() for l in (v.stdout + v.stderr).splitlines() if "pgcopydb version" in l
             and "Running" not in l), "pgcopydb (version unknown)")
        self.res["pg_version"] = self.run([os.path.join(self.pgbin, "postgres"),
                                           "--version"]).stdout.strip()
        self.src_port, self.dst_port = self.pick_ports(2)
        self.start_cluster("source", os.path.join(self.dir, "source"), self.src_port,
                           SOURCE_SETTINGS)
        tgt = self.make_xfs_image("target", self.image_gib)
        self.start_cluster("target", tgt, self.dst_port, TARGET_SETTINGS)

    def generate(self):
        a = self.a
        customers = max(1000, round(600_000 * a.scale))
        orders = 4 * customers
        log(f"generating the source database: {customers} customers, {orders} orders, "
            f"~{orders * 3 // 2} order items")
        self.psql(self.src_port, "postgres", "CREATE DATABASE shop")
        sql = os.path.join(self.dir, "generate.sql")
        with open(sql, "w") as f:
            f.write(GENERATE_SQL)
        t = time.monotonic()
        self.run([os.path.join(self.pgbin, "psql"), "-X", "-q", "-d",
                  self.conninfo(self.src_port, "shop"), "-v", f"customers={customers}",
                  "-v", f"orders={orders}", "-f", sql], log_name="generate.log")
        self.res["generate_s"] = time.monotonic() - t
        rows = self.psql(self.src_port, "shop", " UNION ALL ".join(
            f"SELECT '{t}', count(*), pg_table_size('{t}'), pg_indexes_size('{t}') FROM {t}"
            for t in TABLES))
        found = {}
        for line in rows.splitlines():
            name, n, heap, idx = line.split("|")
            found[name] = (name, int(n), int(heap), int(idx))
        self.res["tables"] = [found[t] for t in TABLES]
        self.res["db_bytes"] = int(self.psql(self.src_port, "shop",
                                             "SELECT pg_database_size(current_database())"))
        self.res["counts"] = {t[0]: t[1] for t in self.res["tables"]}
        log(f"generated in {self.res['generate_s']:.0f} s: {fmt_bytes(self.res['db_bytes'])}; "
            + ", ".join(f"{n} {c}" for n, c in self.res["counts"].items()))

    def make_pool(self):
        log(f"spur pool on a {self.image_gib}G XFS image at {self.pool}")
        self.spur_cmd("init", "--image", f"{self.image_gib}G", "--port-base",
                      str(self.a.port_base), "--no-sample-data", log_name="spur-init.log")
        self.spur_cmd("source", "add", "prod", "--url", self.conninfo(self.src_port, "shop"),
                      log_name="spur-source.log")
        with open(self.mask, "w") as f:
            f.write(MASK_YAML)
        empty = os.path.join(self.dir, "empty-mask.yaml")
        with open(empty, "w") as f:
            f.write("tables: {}\n")
        p, _ = self.spur_cmd("mask", "check", empty, "--source", "prod", check=False)
        self.res["mask_check_empty"] = p.stdout.strip()
        p, _ = self.spur_cmd("mask", "check", self.mask, "--source", "prod", check=False)
        self.res["mask_check"] = (p.stdout + p.stderr).strip()
        if p.returncode != 0:
            raise RuntimeError("spur mask check mask.yaml failed:\n" + self.res["mask_check"])
        log("mask check: " + self.res["mask_check"].splitlines()[0])
        src = self.res["fs_pool"] = benchlib.fs_line(os.path.join(self.pool, "data"), self.run)
        self.res["fs_target"] = benchlib.fs_line(os.path.dirname(self.clusters[1]), self.run)
        self.res["fs_source"] = benchlib.fs_line(self.clusters[0], self.run)
        log(f"pool: {src}")

    # -------------------------------------------------------------- peers --
    def spur_sync(self, masked, rnd):
        name = "spur_masked" if masked else "spur_unmasked"
        argv = ["sync", "prod"] + (["--mask", self.mask] if masked else ["--no-mask"]) + \
            ["--jobs", str(self.jobs)]
        lines = []
        t = time.monotonic()
        p, out = self.spur_cmd(*argv, check=False, json_out=True, log_name=f"{name}-{rnd}.log",
                               stderr_lines=lines)
        end = time.monotonic()
        elapsed = end - t
        if p.returncode != 0:
            self.res["spur_failure"] = {
                "command": " ".join([self.spur, "--pool", self.pool, "--json", *argv]),
                "exit": p.returncode, "stderr": tail(p.stderr, 30)}
            raise RuntimeError(f"spur {' '.join(argv)} failed (exit {p.returncode}):\n"
                               f"{tail(p.stderr)}")
        rep = out.get("report") or {}
        phases = dict(rep.get("seconds") or {})
        # From spur's progress lines on stderr: the staging cluster's setup
        # (before the first phase starts) and the swap + snapshot at the end.
        first = next((at for at, l in lines if l.startswith("schema:")), None)
        swap = next((at for at, l in lines if l.startswith("swapping")), None)
        if first is not None:
            phases["setup"] = first - t
        if swap is not None:
            phases["finish"] = end - swap
        run = {"seconds": elapsed, "phases": phases, "rows": rep.get("rows"),
               "bytes": rep.get("bytes"), "snapshot": out.get("snapshot")}
        return run

    def pgcopydb(self, rnd):
        db = "copy_pgcopydb"
        self.fresh_db(db)
        work = os.path.join(self.dir, "pgcopydb")
        shutil.rmtree(work, ignore_errors=True)
        t = time.monotonic()
        self.run(["pgcopydb", "clone", "--source", self.conninfo(self.src_port, "shop"),
                  "--target", self.conninfo(self.dst_port, db), "--table-jobs", str(self.jobs),
                  "--index-jobs", str(self.jobs), "--dir", work],
                 log_name=f"pgcopydb-{rnd}.log")
        elapsed = time.monotonic() - t
        shutil.rmtree(work, ignore_errors=True)
        return {"seconds": elapsed}

    def dump_restore(self, rnd):
        db = "copy_restore"
        self.fresh_db(db)
        dump = os.path.join(self.dir, "dump")
        shutil.rmtree(dump, ignore_errors=True)
        t = time.monotonic()
        self.run([os.path.join(self.pgbin, "pg_dump"), "-Fd", "-j", str(self.jobs), "-f", dump,
                  "-d", self.conninfo(self.src_port, "shop")], log_name=f"pg_dump-{rnd}.log")
        t_dump = time.monotonic() - t
        self.run([os.path.join(self.pgbin, "pg_restore"), "-j", str(self.jobs), "-d",
                  self.conninfo(self.dst_port, db), dump], log_name=f"pg_restore-{rnd}.log")
        elapsed = time.monotonic() - t
        shutil.rmtree(dump, ignore_errors=True)
        return {"seconds": elapsed, "dump": t_dump, "restore": elapsed - t_dump}

    def fresh_db(self, db):
        self.psql(self.dst_port, "postgres", f"DROP DATABASE IF EXISTS {db}")
        self.psql(self.dst_port, "postgres", f"CREATE DATABASE {db}")

    def count_sql(self):
        return "SELECT " + ", ".join(f"(SELECT count(*) FROM public.{t})" for t in TABLES) + \
            ", pg_database_size(current_database())"

    def check_copy(self, peer):
        """Row counts of the copy equal the source's; returns the copy's database size."""
        if peer.startswith("spur"):
            uri = self.spur_cmd("uri", "main")[0].stdout.strip()
            out = self.psql_uri(uri, self.count_sql())
        else:
            db = "copy_pgcopydb" if peer == "pgcopydb" else "copy_restore"
            out = self.psql(self.dst_port, db, self.count_sql())
        vals = [int(v) for v in out.split("|")]
        got = dict(zip(TABLES, vals[:-1]))
        if got != self.res["counts"]:
            raise RuntimeError(f"{peer}: row counts {got} differ from the source's "
                               f"{self.res['counts']}")
        return vals[-1]

    def drop_snapshots(self):
        _, snaps = self.spur_cmd("snapshot", "list", json_out=True)
        for s in snaps or []:
            self.spur_cmd("snapshot", "delete", s["name"], log_name="spur-snapshots.log")

    def verify(self, snapshot):
        log(f"spur mask verify {snapshot} --source prod --sample all")
        t = time.monotonic()
        p, out = self.spur_cmd("mask", "verify", snapshot, "--source", "prod", "--sample", "all",
                               check=False, json_out=True, log_name="spur-mask-verify.log")
        elapsed = time.monotonic() - t
        if out is None:
            try:
                out = json.loads(p.stdout)
            except ValueError:
                out = {}
        self.res["verify"] = {"exit": p.returncode, "seconds": elapsed, "report": out,
                              "stderr": tail(p.stderr)}
        clean = out.get("clean")
        log(f"   verify: exit {p.returncode}, clean={clean}, "
            f"{out.get('values_searched')} values searched in "
            f"{fmt_bytes((out.get('scan') or {}).get('bytes', 0))}, {elapsed:.1f} s")
        if p.returncode != 0 or clean is not True:
            raise RuntimeError("spur mask verify did not report a clean snapshot "
                               f"(exit {p.returncode}): {tail(p.stderr)}")

    def sample_row(self):
        cols = "id, email, first_name, last_name, phone, street, city, postcode, born, iban, " \
               "card, tax_id, profile->'contact'"
        src = self.psql(self.src_port, "shop", f"SELECT {cols} FROM customers WHERE id = 1")
        uri = self.spur_cmd("uri", "main")[0].stdout.strip()
        dst = self.psql_uri(uri, f"SELECT {cols} FROM customers WHERE id = 1")
        names = [c.split("->")[0].strip() for c in cols.split(",")]
        self.res["sample"] = list(zip(names, src.split("|"), dst.split("|")))

    def noise(self, what):
        self.res["noise"].append((what, *benchlib.noise(self.dir)))

    def rounds(self):
        verified = False
        for rnd in range(self.a.runs):
            self.noise(f"round {rnd + 1}")
            for peer in PEERS:
                log(f"round {rnd + 1}/{self.a.runs}: {peer}")
                if peer == "spur_masked":
                    r = self.spur_sync(True, rnd)
                elif peer == "spur_unmasked":
                    r = self.spur_sync(False, rnd)
                elif peer == "pgcopydb":
                    r = self.pgcopydb(rnd)
                else:
                    r = self.dump_restore(rnd)
                extra = ""
                if "phases" in r:
                    rest = r["seconds"] - sum(r["phases"].values())
                    r["phases"]["rest"] = rest
                    order = ("setup", "schema", "data", "post_data", "vacuum", "finish", "rest")
                    extra = " (" + ", ".join(f"{k} {r['phases'][k]:.1f}" for k in order
                                             if k in r["phases"]) + ")"
                elif "dump" in r:
                    extra = f" (dump {r['dump']:.1f}, restore {r['restore']:.1f})"
                log(f"   {peer}: {r['seconds']:.1f} s{extra}")
                # Not timed: checks, then flush what the peer left dirty so the
                # next one does not pay for it.
                if rnd == 0:
                    size = self.check_copy(peer)
                    self.res.setdefault("copy_bytes", {})[peer] = size
                    log(f"   row counts match the source; copy is {fmt_bytes(size)}")
                if peer == "spur_masked" and not verified:
                    self.sample_row()
                    self.verify(r["snapshot"])
                    verified = True
                if peer.startswith("spur"):
                    self.drop_snapshots()
                t = time.monotonic()
                os.sync()
                r["flush"] = time.monotonic() - t
                self.res["runs"][peer].append(r)
        self.noise("end")

    def initdb_diagnostic(self):
        """initdb as spur runs it for its staging cluster, with and without --no-sync, on the
        target's XFS loop image (same mkfs and mount options as the pool's)."""
        base = os.path.join(os.path.dirname(self.clusters[1]), "initdb-test")
        os.makedirs(base)
        shutil.chown(base, "postgres")
        out = {"sync": [], "nosync": []}
        for i in range(self.a.initdb_runs):
            for mode in ("sync", "nosync"):
                d = os.path.join(base, f"{mode}{i}")
                argv = [os.path.join(self.pgbin, "initdb"), "-D", d, "-U", "postgres", "-E",
                        "UTF8", "--locale=C.UTF-8", "--auth-local=trust",
                        "--auth-host=scram-sha-256"] + (["--no-sync"] if mode == "nosync" else [])
                t = time.monotonic()
                self.run(argv, as_postgres=True, log_name="initdb-diagnostic.log")
                out[mode].append(time.monotonic() - t)
                shutil.rmtree(d)
        shutil.rmtree(base)
        self.res["initdb"] = out
        log(f"initdb as spur runs it: {med(out['sync']):.2f} s, with --no-sync "
            f"{med(out['nosync']):.2f} s (medians of {self.a.initdb_runs})")

    # -------------------------------------------------------- transformers --
    def transformers(self):
        build = self.a.build_dir
        if not build:
            self.res["transformers"] = "skipped (--build-dir '')"
            return
        for attempt in range(1, self.a.build_tries + 1):
            p = self.run(["ninja", "-C", build, "spur_bench_transformers"], check=False,
                         log_name="ninja-transformers.log")
            binary = os.path.join(build, "spur_bench_transformers")
            if p.returncode == 0 and os.path.exists(binary):
                break
            msg = tail(p.stdout + p.stderr, 5)
            log(f"building spur_bench_transformers failed (try {attempt}): {msg}")
            if attempt == self.a.build_tries:
                self.res["transformers"] = (f"not available: `ninja -C {build} "
                                            f"spur_bench_transformers` failed {attempt} times; "
                                            f"last output:\n\n```\n{msg}\n```")
                return
            time.sleep(60)
        mine = os.path.join(self.dir, "spur_bench_transformers")
        shutil.copy2(binary, mine)
        log(f"per-transformer throughput ({self.a.transformer_values} values each)")
        p = self.run([mine, str(self.a.transformer_values)], log_name="transformers.log")
        self.res["transformers"] = p.stdout.strip()

    # ------------------------------------------------------------ cleanup --
    def cleanup(self):
        if self.cleaned:
            return
        self.cleaned = True
        benchlib.ignore_signals()
        if self.a.keep:
            log(f"--keep: leaving {self.dir} as is (clean up by hand)")
            return
        log("cleaning up")
        child = self.child
        if child and child.poll() is None:
            child.send_signal(signal.SIGINT)
            try:
                child.wait(60)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(10)
        data = os.path.join(self.pool, "data")
        if os.path.exists(os.path.join(self.pool, "spur.db")) and os.path.ismount(data):
            subprocess.run([self.spur, "--pool", self.pool, "branch", "stop", "main"],
                           capture_output=True, env=self.env)
        # Whatever still runs under the work directory: a sync's staging
        # cluster after an interrupt, the source and target clusters.
        dirs = set(self.clusters)
        if os.path.isdir(self.dir):
            dirs.update(benchlib.data_dirs_under(self.dir))
        benchlib.stop_postmasters([p for p in (benchlib.postmaster_pid(d) for d in dirs) if p])
        for mnt in [data] + self.mounts:
            benchlib.umount(mnt)
        still = [m for m in [data] + self.mounts if os.path.ismount(m)]
        if still:
            log(f"WARNING: still mounted: {', '.join(still)}; not deleting {self.dir}")
            return
        shutil.rmtree(self.dir, ignore_errors=True)
        log("cleanup done")

    # ------------------------------------------------------------- report --
    def machine(self):
        return (f"{platform.node()}, {os.cpu_count()} cores ({benchlib.cpu_model()}), "
                f"{benchlib.ram_gib():.0f} GiB RAM, kernel {platform.release()}, "
                f"Debian {benchlib.debian_version()}")

    def report(self, incomplete=None):
        r = self.res
        a = self.a
        if "tables" not in r:
            return
        runs = r["runs"]
        meds = {p: med([x["seconds"] for x in runs[p]]) for p in PEERS}
        lines = [f"## Run {datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M')} UTC, "
                 f"scale {a.scale:g}" + (" — INCOMPLETE" if incomplete else ""), ""]
        if incomplete:
            lines += [f"**Stopped early:** {incomplete}", ""]
        if r.get("spur_failure"):
            f = r["spur_failure"]
            lines += ["spur failed:", "", "```", f"$ {f['command']}", f"exit {f['exit']}",
                      f["stderr"], "```", ""]
        lines += [
            f"Machine: {self.machine()}. {r.get('pg_version')}; {r.get('spur_version')}; "
            f"{r.get('pgcopydb_version')}.",
            "",
            f"Storage: spur's pool on {r.get('fs_pool')}; the pgcopydb / pg_restore target cluster "
            f"on {r.get('fs_target')} (its own image, same mkfs and mount options); the source "
            f"cluster on {r.get('fs_source')}. Parallelism 2 everywhere "
            f"(`--jobs {self.jobs}`, `--table-jobs {self.jobs} --index-jobs {self.jobs}`, "
            f"`-j {self.jobs}`). Medians of {len(runs['pgcopydb'])} rounds, peers interleaved "
            "a, b, c, d in every round. The machine is shared: compare the ratios, not the "
            "absolute seconds.",
            "",
            "### Dataset",
            "",
            f"Generated with SQL (generate_series, random(), md5) in {r['generate_s']:.0f} s, "
            "then VACUUM ANALYZE and CHECKPOINT. `customers` holds the personal columns "
            "(unique email, first/last name, phone, street, city, postcode, born date, a valid "
            "IBAN, a Luhn-valid card number, tax id, a jsonb profile with a second e-mail and a "
            "mobile number, free-text notes); `orders` and `order_items` reference it by "
            "foreign key. Secondary indexes: orders(customer_id), orders(created_at), "
            "customers(last_name, first_name), plus the unique email and the primary keys.",
            "",
            "| table | rows | heap | indexes |",
            "|---|---:|---:|---:|",
        ]
        for name, n, heap, idx in r["tables"]:
            lines.append(f"| {name} | {n:,} | {fmt_bytes(heap)} | {fmt_bytes(idx)} |")
        lines += [f"| **database** | | **{fmt_bytes(r['db_bytes'])}** (pg_database_size) | |", ""]

        lines += ["### Time to a usable copy (seconds)", "",
                  "| peer | median | min | max | all runs | ratio to pgcopydb | "
                  "then `sync(1)` (median, not counted) |",
                  "|---|---:|---:|---:|---|---:|---:|"]
        base = meds["pgcopydb"]
        for p in PEERS:
            xs = [x["seconds"] for x in runs[p]]
            if not xs:
                lines.append(f"| {LABEL[p]} | – | | | | | |")
                continue
            ratio = benchlib.times(meds[p], base)
            lines.append(f"| {LABEL[p]} | {meds[p]:.1f} | {min(xs):.1f} | {max(xs):.1f} | "
                         f"{', '.join(f'{x:.1f}' for x in xs)} | {ratio} | "
                         f"{med([x['flush'] for x in runs[p]]):.1f} |")
        lines.append("")

        def ratio(num, den):
            if not runs[num] or not runs[den]:
                return "–"
            return f"{meds[num] / meds[den]:.2f}×"

        target_ok = runs["spur_masked"] and runs["pgcopydb"] and \
            meds["spur_masked"] / meds["pgcopydb"] <= 1.25
        lines += [
            "| ratio of medians | value | target |",
            "|---|---:|---|",
            f"| masked spur sync / pgcopydb | {ratio('spur_masked', 'pgcopydb')} | ≤ 1.25× "
            f"{'— met' if target_ok else '— NOT met' if runs['spur_masked'] and runs['pgcopydb'] else ''} |",
            f"| unmasked spur sync / pgcopydb | {ratio('spur_unmasked', 'pgcopydb')} | |",
            f"| pg_dump + pg_restore / pgcopydb | {ratio('dump_restore', 'pgcopydb')} | |",
            f"| masked / unmasked spur sync (cost of masking) | "
            f"{ratio('spur_masked', 'spur_unmasked')} | |",
        ]
        for p in ("spur_masked", "spur_unmasked"):
            if runs[p] and runs["pgcopydb"] and all("setup" in x["phases"] and "finish" in
                                                   x["phases"] for x in runs[p]):
                core = med([x["seconds"] - x["phases"]["setup"] - x["phases"]["finish"]
                            for x in runs[p]])
                lines.append(f"| {'masked' if p == 'spur_masked' else 'unmasked'} spur sync "
                             f"without *setup* and *finish* (below) / pgcopydb — diagnostic | "
                             f"{core / meds['pgcopydb']:.2f}× | |")
        lines.append("")
        if r.get("copy_bytes"):
            lines.append("Row counts of every copy were checked against the source after the "
                         "first round; size of the copied database (pg_database_size): " +
                         ", ".join(f"{p.replace('_', ' ')} {fmt_bytes(b)}"
                                   for p, b in r["copy_bytes"].items()) + ".")
            lines.append("")

        # spur phases
        if runs["spur_masked"] or runs["spur_unmasked"]:
            keys = ["setup", "schema", "data", "post_data", "vacuum", "finish", "rest"]
            lines += ["spur's phases (medians, seconds). schema, data (COPY and sequences), "
                      "post_data and vacuum are `spur sync --json` report.seconds; *setup* is "
                      "from the start of the command to its first progress line (checks, the "
                      "staging dataset, its initdb and start), *finish* from the line "
                      "\"swapping the new data\" to the exit (stopping staging, syncfs, the swap, "
                      "starting main, the snapshot); *rest* is what is left, about zero (slightly "
                      "negative: reading the source's catalog counts in both setup and schema).",
                      "",
                      "| | " + " | ".join(keys) + " | total |",
                      "|---|" + "---:|" * (len(keys) + 1)]
            for p in ("spur_masked", "spur_unmasked"):
                if runs[p]:
                    cells = [f"{med([x['phases'].get(k, 0) for x in runs[p]]):.1f}" for k in keys]
                    lines.append(f"| {LABEL[p]} | " + " | ".join(cells) + f" | {meds[p]:.1f} |")
            if r.get("initdb"):
                d = r["initdb"]
                lines += ["", "*setup* is mostly the staging cluster's `initdb` (spur runs it with "
                          "`--no-sync` and flushes the file system once before the swap). For "
                          "reference, `initdb` on an XFS loop image like the pool's, medians of "
                          f"{len(d['sync'])}: {med(d['sync']):.2f} s with its fsyncs, "
                          f"{med(d['nosync']):.2f} s with `--no-sync`."]
            if runs["dump_restore"]:
                lines += ["", f"pg_dump alone {med([x['dump'] for x in runs['dump_restore']]):.1f} s, "
                          f"pg_restore alone {med([x['restore'] for x in runs['dump_restore']]):.1f} s "
                          "(medians); `pg_dump -Fd` compresses the table data with gzip by default, as "
                          "invoked here."]
            lines.append("")

        # verify
        v = r.get("verify")
        lines += ["### `spur mask verify --sample all` on the first masked sync's snapshot", ""]
        if v:
            rep = v["report"]
            scan = rep.get("scan") or {}
            verdict = "clean" if rep.get("clean") is True else "NOT CLEAN"
            masked = [x["seconds"] for x in runs.get("spur_masked") or []]
            vs = (f" ({v['seconds'] / med(masked):.2f}× the masked sync's median, target < 1×)"
                  if masked else "")
            lines += [
                f"Verdict: **{verdict}** (exit {v['exit']}), {rep.get('values_searched')} "
                f"original values (every distinct value of every masked column) matched against "
                f"every masked column of the snapshot, {rep.get('substring_values')} of them also "
                f"inside text, then the schema text and {scan.get('files')} files, "
                f"{fmt_bytes(scan.get('bytes') or 0)}; {rep.get('leaks')} leaks, "
                f"{rep.get('collisions')} collisions, in {v['seconds']:.1f} s{vs}.",
                "",
                "| relation | column | sampled | skipped |",
                "|---|---|---:|---:|",
            ]
            for c in rep.get("relations") or []:
                lines.append(f"| {c.get('relation')} | {c.get('column')} | "
                             f"{c.get('sampled', '')} | {c.get('skipped', '')} |")
            lines += ["", "(*skipped* by spur: values shorter than 5 bytes and digit-only values "
                      "with fewer than 8 digits, which would turn up by chance.)", ""]
        else:
            lines += ["not run", ""]
        if r.get("sample"):
            lines += ["One customer before and after the masked sync (synthetic data):", "",
                      "| column | source | masked |", "|---|---|---|"]
            for c, s, d in r["sample"]:
                lines.append(f"| {c} | `{s}` | `{d}` |")
            lines.append("")

        # transformers
        lines += ["### Per-transformer throughput (`spur_bench_transformers`)", ""]
        t = r.get("transformers")
        lines += [t if t else "not run", ""]

        # noise
        if r["noise"]:
            lines += ["Load average at the start of each round (and postmasters running on the "
                      "machine that are not this benchmark's): " +
                      "; ".join(f"{w} {la} ({n})" for w, la, n in r["noise"]) + ".", ""]

        lines += [
            "### What each time includes",
            "",
            "- **spur sync** (a, b): wall time of the `spur sync` command: validating the mask, "
            "creating the staging dataset and its own `initdb` + start, `pg_dump --section=pre-data` "
            "and its restore, parallel COPY streams (masking in flight for a), sequences, "
            "`pg_restore --section=post-data` in parallel (indexes, constraints, FK checks), "
            "`vacuumdb --freeze --analyze`, a clean stop of staging and `syncfs` (the result "
            "is durable), the swap into `main`, starting `main` again and a snapshot.",
            "- **pgcopydb clone** (c): its whole run: schema dump, pre-data restore, COPY, "
            "CREATE INDEX / constraints, `VACUUM ANALYZE` per table (no freeze), post-data "
            "(FKs). Not timed: dropping and creating the empty target database, removing its "
            "`--dir`. The target cluster runs with fsync=off and is never flushed by pgcopydb.",
            "- **pg_dump + pg_restore** (d): `pg_dump -Fd -j 2` to a directory on the host "
            "file system, then `pg_restore -j 2`; no VACUUM/ANALYZE. Not timed: database "
            "drop/create, removing the dump.",
            "- The target cluster of c and d has spur's staging settings: " +
            ", ".join(f"{k}={v}" for k, v in TARGET_SETTINGS.items()) +
            ". The source runs with " + ", ".join(f"{k}={v}" for k, v in SOURCE_SETTINGS.items()) +
            "; its data stays in the page cache (generated just before).",
            "- After every peer the benchmark runs `sync(1)` (not counted) so dirty pages one "
            "peer left behind are not written back during the next one. The last column shows "
            "how long that took: c and d leave their result in the page cache, spur has "
            "already flushed (syncfs) before the swap. `sync(1)` flushes the whole machine, so "
            "the column also carries other work's writes.",
            "- spur's snapshots are deleted after each run (not counted) so the pool image "
            "holds one copy at a time.",
            "",
        ]
        text = "\n".join(lines) + "\n"
        print(text)
        benchlib.append_section(
            a.out, "# spur sync: a production database into a branch, masked and not, "
            "versus pgcopydb and pg_dump/pg_restore\n\n"
            "Produced by `bench/sync/run.py`; newest run last.\n\n", text)

    def main(self):
        self.setup()
        self.generate()
        self.make_pool()
        self.rounds()
        if self.a.initdb_runs > 0:
            self.initdb_diagnostic()
        self.transformers()


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spur", default=os.path.join(REPO, "build", "spur"),
                    help="spur binary (copied into the work directory first)")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="dataset size: 1 = 600k customers, 2.4M orders, ~3.6M items, ~1 GB")
    ap.add_argument("--runs", type=int, default=3, help="rounds (each runs a, b, c, d once)")
    ap.add_argument("--jobs", type=int, default=2, help="parallelism of every peer")
    ap.add_argument("--image", type=int, help="GiB of each sparse XFS image (pool, target); "
                    "default max(8, 6 x scale + 4)")
    ap.add_argument("--port-base", type=int, default=5950, help="the pool's first port")
    ap.add_argument("--ports", default="6700-6799",
                    help="range to pick the source and target clusters' ports from")
    ap.add_argument("--workdir-parent", default="/var/tmp",
                    help="where the work directory is made (a real disk; short path)")
    ap.add_argument("--pg-bindir", default="/usr/lib/postgresql/15/bin")
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build"),
                    help="ninja build directory for spur_bench_transformers ('' skips)")
    ap.add_argument("--build-tries", type=int, default=3)
    ap.add_argument("--initdb-runs", type=int, default=3,
                    help="runs of the initdb diagnostic (fsync vs --no-sync); 0 skips it")
    ap.add_argument("--transformer-values", type=int, default=1_000_000)
    ap.add_argument("--out", default=os.path.join(REPO, "bench", "results", "sync.md"))
    ap.add_argument("--keep", action="store_true", help="leave everything in place (debugging)")
    args = ap.parse_args()
    lo, hi = args.ports.split("-")
    args.ports = (int(lo), int(hi))
    return args


def main():
    args = parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (loop-mounted images, initdb as postgres)")
    b = Bench(args)
    sys.exit(benchlib.run_main(b, b.main))


if __name__ == "__main__":
    main()
