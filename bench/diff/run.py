#!/usr/bin/env python3
"""spur diff benchmark: the data diff's cost follows the change, not the table.

In one run, on the same data:

  1. a pool's `main` holds a pgbench database (`pgbench -i -s SCALE`, made
     once; --pool reuses a pool kept from an earlier run)
  2. a fresh branch `diffbench` gets 1,000 random rows of pgbench_accounts
     updated, 100 inserted and 100 deleted (seeded, one transaction each)
  3. times, interleaved round by round:
       a. spur diff diffbench --data          (fast path: changed pages only)
       b. spur diff diffbench --data --full   (spur's full keyed comparison)
       c. plain SQL: EXCEPT both ways over postgres_fdw, every pgbench table
     and checks that all three find the same rows
  4. schema diff: a database of 1,000 tables (keys, indexes, foreign keys,
     views, comments) on main, a branch with 20 of them changed, and
     `spur diff --schema` timed (with pg_dump --schema-only of one side as a
     yardstick)

Appends a Markdown section to bench/results/diff.md. Python 3 standard
library only. Run as root (the pool lives on a loop-mounted XFS image).
"""

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(HERE))
import benchlib  # noqa: E402  (bench/benchlib.py: what the benchmarks share)
from benchlib import med  # noqa: E402
T0 = time.monotonic()
PGBIN = "/usr/lib/postgresql/15/bin"
TABLES = ("pgbench_accounts", "pgbench_branches", "pgbench_tellers", "pgbench_history")


def log(msg):
    print(f"[{time.monotonic() - T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


def run(cmd, check=True, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-3000:]}")
    return p


class Bench:
    def __init__(self, a):
        self.a = a
        self.spur_bin = os.path.abspath(a.spur)
        self.workdir = None
        self.pool = a.pool
        self.res = {"runs": {"fast": [], "full": [], "sql": []}}

    # ------------------------------------------------------------ helpers --
    def spur(self, *args, check=True):
        return run([self.spur_bin, "--pool", self.pool, *args], check=check)

    def su(self, branch, db="app"):
        b = json.loads(self.spur("--json", "branch", "show", branch).stdout)
        return f"host={b['socket_dir']} port={b['port']} user=postgres dbname={db}"

    def psql(self, conninfo, sql, *extra):
        return run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", *extra, "-d", conninfo,
                    "-c", sql]).stdout.strip()

    def psql_file(self, conninfo, text):
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
            f.write(text)
        try:
            run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-f", f.name])
        finally:
            os.unlink(f.name)

    # -------------------------------------------------------------- setup --
    def setup_pool(self):
        a = self.a
        if self.pool and os.path.exists(os.path.join(self.pool, "spur.db")):
            log(f"reusing pool {self.pool}")
            return
        self.workdir = tempfile.mkdtemp(prefix="spur-bench-diff-", dir="/var/tmp")
        self.pool = self.pool or os.path.join(self.workdir, "pool")
        img = max(20, int(a.scale * 0.04) + 20)
        log(f"pool {self.pool} on a {img} GiB sparse XFS image")
        self.spur("init", "--image", f"{img}G", "--no-sample-data", "--port-base",
                  str(a.port_base), "--pg", "shared_buffers=1GB", "--pg", "max_wal_size=8GB")

    def ensure_pgbench(self):
        a = self.a
        main = self.su("main")
        have = self.psql(main, "SELECT count(*) FROM pg_tables WHERE tablename = 'pgbench_branches'")
        if have == "1" and self.psql(main, "SELECT count(*) FROM pgbench_branches") == str(a.scale):
            log(f"main holds pgbench scale {a.scale} already")
        else:
            log(f"pgbench -i -s {a.scale} (server-side generation; the long part at big scales)")
            run([os.path.join(PGBIN, "pgbench"), "-i", "-s", str(a.scale), "-I", "dtGvp", "-q",
                 main])
            self.psql(main, "CHECKPOINT")
        self.res["accounts"] = int(self.psql(main, "SELECT count(*) FROM pgbench_accounts"))
        self.res["db_size"] = self.psql(main, "SELECT pg_size_pretty(pg_database_size('app'))")
        self.res["accounts_pages"] = int(self.psql(
            main, "SELECT pg_relation_size('pgbench_accounts') / 8192"))

    def make_branch(self):
        a = self.a
        self.spur("branch", "delete", "diffbench", check=False)
        t = time.monotonic()
        self.spur("branch", "create", "diffbench")
        self.res["branch_create_s"] = time.monotonic() - t
        n = self.res["accounts"]
        rng = random.Random(a.seed)
        ids = rng.sample(range(1, n + 1), a.updates + a.deletes)
        upd, dele = ids[:a.updates], ids[a.updates:]
        stmts = [f"UPDATE pgbench_accounts SET abalance = abalance + {rng.randint(1, 999)} "
                 f"WHERE aid = {i};" for i in upd]
        stmts += [f"DELETE FROM pgbench_accounts WHERE aid = {i};" for i in dele]
        stmts += [f"INSERT INTO pgbench_accounts VALUES ({n + k + 1}, {rng.randint(1, a.scale)}, "
                  f"0, 'inserted by the benchmark');" for k in range(a.inserts)]
        rng.shuffle(stmts)
        log(f"branch diffbench: {a.updates} updates, {a.inserts} inserts, {a.deletes} deletes")
        self.psql_file(self.su("diffbench"), "\n".join(stmts) + "\n")
        self.expected = {"updated": a.updates, "inserted": a.inserts, "deleted": a.deletes}

    def setup_fdw(self):
        main = json.loads(self.spur("--json", "branch", "show", "main").stdout)
        b = self.su("diffbench")
        self.psql(b, "DROP SCHEMA IF EXISTS parent CASCADE; DROP SERVER IF EXISTS parent CASCADE;")
        self.psql(b, "CREATE EXTENSION IF NOT EXISTS postgres_fdw")
        self.psql(b, f"CREATE SERVER parent FOREIGN DATA WRAPPER postgres_fdw OPTIONS "
                     f"(host '{main['socket_dir']}', port '{main['port']}', dbname 'app', "
                     f"fetch_size '10000')")
        self.psql(b, "CREATE USER MAPPING FOR postgres SERVER parent OPTIONS (user 'postgres')")
        self.psql(b, "CREATE SCHEMA parent")
        self.psql(b, "IMPORT FOREIGN SCHEMA public LIMIT TO (" + ", ".join(TABLES) +
                     ") FROM SERVER parent INTO parent")
        for tab in TABLES:  # row estimates, so the planner sizes its set operations
            self.psql(b, f"ANALYZE parent.{tab}")

    # ------------------------------------------------------------ peers --
    def spur_diff(self, full):
        args = ["--json", "diff", "diffbench", "--data", "--max-rows", "0"]
        if full:
            args.append("--full")
        t = time.monotonic()
        p = self.spur(*args)
        wall = time.monotonic() - t
        d = json.loads(p.stdout)["data"]
        counts = {k: sum(x[k] for x in d["tables"]) for k in ("inserted", "deleted", "updated")}
        rows = sorted(json.dumps([x["table"], r], sort_keys=True)
                      for x in d["tables"] for r in x["rows"])
        acc = next(x for x in d["tables"] if x["table"] == "public.pgbench_accounts")
        return {"seconds": wall, "counts": counts, "rows": rows, "fast_path_off": d["fast_path_off"],
                "pages_read": acc["pages_read"], "pages": acc["pages"], "method": acc["method"]}

    def sql_except(self):
        """EXCEPT ALL both ways, every table, over postgres_fdw. pgbench_accounts
        goes in aid ranges (the range is pushed down to the parent) so that each
        set operation fits in memory: one EXCEPT over 100M rows on each side
        either hashes them all (and is killed for memory) or sorts them all
        (some 30 GB of temporary files). The chunks only bound memory; every
        row of both sides is still read, sent and compared."""
        b = self.su("diffbench")
        chunk = self.a.sql_chunk_rows
        n = self.res["accounts"]
        t = time.monotonic()
        added = removed = 0
        for tab in TABLES:
            if tab == "pgbench_accounts":
                bounds = [(lo, lo + chunk) for lo in range(0, n, chunk)]
                bounds[-1] = (bounds[-1][0], None)  # the last range takes the inserted rows
            else:
                bounds = [(None, None)]
            for lo, hi in bounds:
                where = ""
                if lo is not None:
                    where = f" WHERE aid > {lo}" + (f" AND aid <= {hi}" if hi is not None else "")
                q = (f"SET work_mem = '{self.a.sql_work_mem}'; "
                     f"SELECT (SELECT count(*) FROM (SELECT * FROM public.{tab}{where} EXCEPT ALL "
                     f"SELECT * FROM parent.{tab}{where}) x), (SELECT count(*) FROM (SELECT * FROM "
                     f"parent.{tab}{where} EXCEPT ALL SELECT * FROM public.{tab}{where}) y)")
                out = self.psql(b, q).splitlines()[-1].split("|")
                added += int(out[0])
                removed += int(out[1])
        return {"seconds": time.monotonic() - t, "only_branch": added, "only_parent": removed}

    # ------------------------------------------------------- schema diff --
    def schema_bench(self):
        a = self.a
        main = self.su("main")
        self.psql(main.replace("dbname=app", "dbname=postgres"), "DROP DATABASE IF EXISTS schemabench")
        self.psql(main.replace("dbname=app", "dbname=postgres"), "CREATE DATABASE schemabench")
        sb = self.su("main", "schemabench")
        parts = []
        for i in range(a.schema_tables):
            fk = f", parent_id int REFERENCES t{i - 1}(id)" if i else ""
            parts.append(f"CREATE TABLE t{i} (id int PRIMARY KEY, name text NOT NULL, "
                         f"amount numeric(12,2) DEFAULT 0, created timestamptz DEFAULT now(){fk});"
                         f"CREATE INDEX t{i}_name ON t{i} (name);"
                         f"COMMENT ON TABLE t{i} IS 'table {i}';")
            if i % 10 == 0:
                parts.append(f"CREATE VIEW v{i} AS SELECT id, name FROM t{i} WHERE amount > 0;")
        self.psql_file(sb, "\n".join(parts))
        self.spur("branch", "delete", "schemab", check=False)
        self.spur("branch", "create", "schemab")
        sbb = self.su("schemab", "schemabench")
        changes = []
        for i in range(0, a.schema_tables, max(1, a.schema_tables // 20)):
            changes.append(f"ALTER TABLE t{i} ADD COLUMN extra text;"
                           f"CREATE INDEX t{i}_amount ON t{i} (amount);")
        # A type change under a view: the diff must drop v10, alter, recreate it.
        changes.append("DROP VIEW v10; ALTER TABLE t10 ALTER COLUMN name TYPE varchar(200); "
                       "CREATE VIEW v10 AS SELECT id, name FROM t10 WHERE amount > 0;")
        self.psql_file(sbb, "\n".join(changes))
        times, n_stmts = [], 0
        for _ in range(a.rounds):
            t = time.monotonic()
            p = self.spur("--json", "diff", "schemab", "--schema", "--database", "schemabench")
            times.append(time.monotonic() - t)
            n_stmts = len(json.loads(p.stdout)["schema"]["statements"])
        dumps = []
        for _ in range(a.rounds):
            t = time.monotonic()
            run([os.path.join(PGBIN, "pg_dump"), "--schema-only", "-d", sb, "-f", "/dev/null"])
            dumps.append(time.monotonic() - t)
        self.res["schema"] = {"tables": a.schema_tables, "median_s": med(times), "runs": times,
                              "statements": n_stmts, "pg_dump_s": med(dumps)}
        log(f"schema diff of {a.schema_tables} tables: {med(times):.2f} s ({n_stmts} statements); "
            f"pg_dump --schema-only of one side {med(dumps):.2f} s")
        self.spur("branch", "delete", "schemab", check=False)
        self.psql(main.replace("dbname=app", "dbname=postgres"), "DROP DATABASE schemabench")

    # --------------------------------------------------------------- main --
    def main(self):
        a = self.a
        self.setup_pool()
        self.ensure_pgbench()
        self.make_branch()
        self.setup_fdw()
        runs = self.res["runs"]
        for r in range(a.rounds):
            for peer in ("fast", "full", "sql"):
                if peer == "full" and r >= a.full_rounds:
                    continue
                if peer == "sql" and r >= a.sql_rounds:
                    continue
                log(f"round {r + 1}/{a.rounds}: {peer}")
                x = self.sql_except() if peer == "sql" else self.spur_diff(peer == "full")
                log(f"  {x['seconds']:.3f} s")
                runs[peer].append(x)
        if not a.skip_schema:
            self.schema_bench()
        self.check()
        self.report()

    def check(self):
        runs = self.res["runs"]
        exp = self.expected
        problems = []
        for peer in ("fast", "full"):
            for x in runs[peer]:
                if x["counts"] != exp:
                    problems.append(f"{peer}: counts {x['counts']} != expected {exp}")
        if runs["fast"] and runs["full"] and runs["fast"][0]["rows"] != runs["full"][0]["rows"]:
            problems.append("fast path and full comparison list different rows")
        for x in runs["sql"]:
            want_b = exp["inserted"] + exp["updated"]
            want_p = exp["deleted"] + exp["updated"]
            if (x["only_branch"], x["only_parent"]) != (want_b, want_p):
                problems.append(f"SQL EXCEPT found {x['only_branch']}/{x['only_parent']}, "
                                f"expected {want_b}/{want_p}")
        self.res["problems"] = problems
        self.res["identical"] = not problems
        for p in problems:
            log("MISMATCH: " + p)

    def machine(self):
        return (f"{os.cpu_count()} cores ({benchlib.cpu_model()}), "
                f"{benchlib.ram_gib():.0f} GiB RAM, kernel {platform.release()}")

    def report(self):
        a, r = self.a, self.res
        runs = r["runs"]
        fast, full, sql = (med([x["seconds"] for x in runs[p]]) for p in ("fast", "full", "sql"))
        f0 = runs["fast"][0]

        def series(peer, digits):
            return ", ".join(f"{x['seconds']:.{digits}f}" for x in runs[peer])

        version = run([self.spur_bin, "--version"]).stdout.strip()
        L = [f"## Run {datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M')} UTC, pgbench scale "
             f"{a.scale}", "",
             f"| | |", "|---|---|",
             f"| Machine | {self.machine()} |",
             f"| spur | {version}, pool on a loop-mounted XFS (reflink=1) image |",
             f"| Data | `pgbench -i -s {a.scale}`: database {r['db_size']}, pgbench_accounts "
             f"{r['accounts']:,} rows in {r['accounts_pages']:,} pages |",
             f"| Change | branch `diffbench`: {a.updates} random rows updated, {a.inserts} "
             f"inserted, {a.deletes} deleted (seed {a.seed}) |",
             f"| Runs | medians of {len(runs['fast'])} (fast), {len(runs['full'])} (full), "
             f"{len(runs['sql'])} (SQL), interleaved |", "",
             "| peer | median | runs | vs fast path |", "|---|---:|---|---:|",
             f"| a. `spur diff --data` (fast path) | {fast:.3f} s | "
             f"{series('fast', 3)} | 1× |"]
        if runs["full"]:
            L.append(f"| b. `spur diff --data --full` | {full:.1f} s | "
                     f"{series('full', 1)} | {full / fast:.0f}× |")
        if runs["sql"]:
            L.append(f"| c. SQL `EXCEPT ALL` both ways over postgres_fdw (pgbench_accounts in "
                     f"ranges of {a.sql_chunk_rows:,} aids) | {sql:.1f} s | "
                     f"{series('sql', 1)} | {sql / fast:.0f}× |")
        L += ["",
              f"- Fast path on pgbench_accounts: read {f0['pages_read']:,} of {f0['pages']:,} pages "
              f"({100.0 * f0['pages_read'] / max(1, f0['pages']):.3f}%); fast path "
              f"{'on' if not f0['fast_path_off'] else 'OFF: ' + f0['fast_path_off']}.",
              f"- Same results: {'yes' if r['identical'] else 'NO: ' + '; '.join(r['problems'])} "
              f"(counts {self.expected}"
              + ("; fast and full list the same rows" if runs["full"] else "")
              + ("; SQL EXCEPT counts match" if runs["sql"] else "") + ").",
              f"- Targets: fast path under 1 s: {'met' if fast < 1 else 'NOT met'} ({fast:.3f} s); "
              f"≥ 100× faster than the SQL comparison: "
              + (f"{'met' if sql / fast >= 100 else 'NOT met'} ({sql / fast:.0f}×)."
                 if runs["sql"] else "not measured in this run."),
              f"- Times are wall times of the whole command (process start, opening the pool, "
              f"both snapshots, checkpoints, FIEMAP, reads, JSON)."]
        if "schema" in r:
            s = r["schema"]
            L += [f"- Schema diff, {s['tables']:,} tables (PK, index, FK chain, comment each; a "
                  f"view every 10), 21 changed on the branch: **{s['median_s']:.2f} s** median "
                  f"({', '.join(f'{x:.2f}' for x in s['runs'])}), {s['statements']} statements; "
                  f"`pg_dump --schema-only` of one side takes {s['pg_dump_s']:.2f} s."]
        L.append("")
        path = os.path.join(REPO, "bench", "results", "diff.md")
        new = not os.path.exists(path)
        with open(path, "a") as f:
            if new:
                f.write("# spur diff benchmark\n\nWritten by `bench/diff/run.py`; newest run "
                        "last.\n\n")
            f.write("\n".join(L) + "\n")
        log(f"appended to {path}")
        print("\n".join(L))

    def cleanup(self):
        if self.pool and os.path.exists(os.path.join(self.pool, "spur.db")):
            self.spur("branch", "delete", "diffbench", check=False)
            self.spur("branch", "delete", "schemab", check=False)
        if self.workdir and not self.a.keep:
            log(f"removing {self.workdir}")
            st = self.spur("--json", "branch", "list", check=False)
            for b in json.loads(st.stdout or "[]"):
                if b.get("pid"):
                    run(["su", "postgres", "-c", f"{PGBIN}/pg_ctl -D {b['data_directory']} stop "
                         f"-m immediate"], check=False)
            run(["umount", os.path.join(self.pool, "data")], check=False)
            shutil.rmtree(self.workdir, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--spur", default=os.path.join(REPO, "build", "spur"))
    p.add_argument("--pool", help="reuse (or create and keep) this pool between runs")
    p.add_argument("--scale", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--full-rounds", type=int, default=3, help="rounds that run b (slow)")
    p.add_argument("--sql-rounds", type=int, default=3, help="rounds that run c (slowest)")
    p.add_argument("--updates", type=int, default=1000)
    p.add_argument("--inserts", type=int, default=100)
    p.add_argument("--deletes", type=int, default=100)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--sql-work-mem", default="1GB")
    p.add_argument("--sql-chunk-rows", type=int, default=5000000,
                   help="pgbench_accounts rows per EXCEPT in c (bounds its memory)")
    p.add_argument("--schema-tables", type=int, default=1000)
    p.add_argument("--skip-schema", action="store_true")
    p.add_argument("--port-base", type=int, default=7700)
    p.add_argument("--keep", action="store_true", help="keep a pool this run created")
    a = p.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the pool lives on a loop-mounted XFS image")
    b = Bench(a)
    try:
        b.main()
    finally:
        b.cleanup()


if __name__ == "__main__":
    main()
