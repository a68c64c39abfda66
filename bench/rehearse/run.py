#!/usr/bin/env python3
"""spur rehearse benchmark: what observing a migration costs, and whether what it reports
about blocked traffic is what an outside client feels.

On a throw-away pool (sparse XFS image, reflink, loop-mounted), `main` holds pgbench's
tables at --scale. For each migration of a set covering the ground-truth cases (a volatile
default that rewrites, CREATE INDEX, SET NOT NULL, a foreign key added plainly and as
NOT VALID + VALIDATE, a constant default), in each of --runs rounds:

  1. `spur rehearse` on a copy of main, while two outside clients (libpq through ctypes,
     one reading, one writing and rolling back, one statement after another, each timed)
     run against the same copy; each migration starts with
     `SELECT pg_sleep(1)` so they are connected before the first lock is taken. Their
     longest transaction is the independent measure of how long reads and writes were
     blocked, set against spur's own probes (target: within ±10 % or ±100 ms);
  2. the same migration with `psql -f` on a plain branch of main (made and deleted outside
     the timing), with the same two outside clients running: the migration's own time. Rehearsal time / own time, target ≤ 1.15×;
  3. the copy's set-up and removal times from the rehearsal's report (target ≤ 0.5 s).

Appends a Markdown section to bench/results/rehearse.md (--out). Cleans up at exit, also on
failure or Ctrl-C. Python 3 standard library only.
"""

import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import benchlib  # noqa: E402
from benchlib import log, med  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# name -> (what it is, SQL after the 1 s head start)
MIGRATIONS = [
    ("volatile_default", "ADD COLUMN … DEFAULT random() (rewrites, ACCESS EXCLUSIVE)",
     "ALTER TABLE pgbench_accounts ADD COLUMN r double precision DEFAULT random();"),
    ("create_index", "CREATE INDEX (SHARE: blocks writes, not reads)",
     "CREATE INDEX accounts_abalance ON pgbench_accounts (abalance);"),
    ("set_not_null", "SET NOT NULL (scan under ACCESS EXCLUSIVE)",
     "ALTER TABLE pgbench_accounts ALTER COLUMN filler SET NOT NULL;"),
    ("fk_plain", "ADD FOREIGN KEY (SHARE ROW EXCLUSIVE while it validates)",
     "ALTER TABLE pgbench_accounts ADD CONSTRAINT accounts_branch "
     "FOREIGN KEY (bid) REFERENCES pgbench_branches (bid);"),
    ("fk_not_valid", "ADD FOREIGN KEY … NOT VALID, then VALIDATE (SHARE UPDATE EXCLUSIVE)",
     "ALTER TABLE pgbench_accounts ADD CONSTRAINT accounts_branch "
     "FOREIGN KEY (bid) REFERENCES pgbench_branches (bid) NOT VALID;\n"
     "ALTER TABLE pgbench_accounts VALIDATE CONSTRAINT accounts_branch;"),
    ("constant_default", "ADD COLUMN … DEFAULT 0 (catalog only)",
     "ALTER TABLE pgbench_accounts ADD COLUMN c int DEFAULT 0;"),
]

# The comparison corpus: each template runs on a small table (SMALL_ROWS rows) and on
# pgbench_accounts; {t} is the table. Labelled by what it does at that size, measured by the
# outside clients: dangerous when writes waited > 2 s or reads > 5 s (spur's defaults).
SMALL_ROWS = 2000
CORPUS = [
    ("add_column", "ALTER TABLE {t} ADD COLUMN extra integer;"),
    ("add_column_default", "ALTER TABLE {t} ADD COLUMN extra integer DEFAULT 0;"),
    ("add_column_not_null_default", "ALTER TABLE {t} ADD COLUMN extra integer NOT NULL DEFAULT 0;"),
    ("add_column_volatile", "ALTER TABLE {t} ADD COLUMN extra double precision DEFAULT random();"),
    ("add_column_serial", "ALTER TABLE {t} ADD COLUMN extra_id bigserial;"),
    ("create_index", "CREATE INDEX {t}_abalance ON {t} (abalance);"),
    ("create_index_concurrently", "CREATE INDEX CONCURRENTLY {t}_abalance ON {t} (abalance);"),
    ("create_unique_index", "CREATE UNIQUE INDEX {t}_aid2 ON {t} (aid);"),
    ("set_not_null", "ALTER TABLE {t} ALTER COLUMN filler SET NOT NULL;"),
    ("add_check", "ALTER TABLE {t} ADD CONSTRAINT {t}_positive CHECK (aid > 0);"),
    ("add_check_not_valid", "ALTER TABLE {t} ADD CONSTRAINT {t}_positive CHECK (aid > 0) NOT VALID;\n"
     "ALTER TABLE {t} VALIDATE CONSTRAINT {t}_positive;"),
    ("add_fk", "ALTER TABLE {t} ADD CONSTRAINT {t}_branch FOREIGN KEY (bid) "
     "REFERENCES pgbench_branches (bid);"),
    ("add_fk_not_valid", "ALTER TABLE {t} ADD CONSTRAINT {t}_branch FOREIGN KEY (bid) "
     "REFERENCES pgbench_branches (bid) NOT VALID;\nALTER TABLE {t} VALIDATE CONSTRAINT {t}_branch;"),
    ("alter_type_bigint", "ALTER TABLE {t} ALTER COLUMN abalance TYPE bigint;"),
    ("alter_type_varchar_wider", "ALTER TABLE {t} ALTER COLUMN filler TYPE varchar(100);"),
    ("vacuum_full", "VACUUM FULL {t};"),
    ("rename_column", "ALTER TABLE {t} RENAME COLUMN filler TO note;"),
    ("set_fillfactor", "ALTER TABLE {t} SET (fillfactor = 90);"),
]
# squawk rules that are about locks and rewrites (the rest are style and robustness).
SQUAWK_LOCK_RULES = {
    "require-concurrent-index-creation", "require-concurrent-index-deletion",
    "adding-field-with-default", "adding-foreign-key-constraint", "constraint-missing-not-valid",
    "changing-column-type", "adding-not-nullable-field", "adding-required-field",
    "disallowed-unique-constraint", "adding-serial-primary-key-field", "ban-drop-column",
    "adding-primary-key-constraint", "renaming-column", "renaming-table",
}

PROBES = {
    "read": "SELECT 1 FROM ONLY {t} LIMIT 0",
    "write": "BEGIN; DELETE FROM ONLY {t} WHERE false; ROLLBACK",
}


class Bench:
    def __init__(self, args):
        self.a = args
        self.pgbin = args.pg_bindir
        self.cleaned = False
        self.workdir = None
        self.created_workdir = False
        self.pool = None
        self.procs = []
        self.res = {"runs": {m[0]: [] for m in MIGRATIONS}}
        self.pq = benchlib.LibPQ()

    # ----------------------------------------------------------- running --
    def env(self):
        env = dict(os.environ, PATH=self.pgbin + ":" + os.environ.get("PATH", ""),
                   LC_ALL="C.UTF-8")
        for k in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGOPTIONS"):
            env.pop(k, None)
        return env

    def run(self, argv, check=True, timeout=3600):
        p = subprocess.run(argv, capture_output=True, text=True, env=self.env(),
                           stdin=subprocess.DEVNULL, timeout=timeout, cwd=self.workdir)
        return benchlib.command_result(argv, p.returncode, p.stdout, p.stderr, check,
                                       os.path.join(self.workdir, "commands.log"))

    def spur(self, *argv, check=True):
        return self.run([self.spur_bin, "--pool", self.pool] + list(argv), check=check)

    def branch(self, name):
        return json.loads(self.spur("--json", "branch", "show", name).stdout)

    def psql_socket(self, socket_dir, port, sql=None, file=None, db="app", user="app"):
        argv = [os.path.join(self.pgbin, "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                "-h", socket_dir, "-p", str(port), "-U", user, "-d", db]
        argv += ["-f", file] if file else ["-c", sql]
        return self.run(argv)

    # ------------------------------------------------------------- setup --
    def setup(self):
        a = self.a
        if os.geteuid() != 0:
            raise SystemExit("run as root: the pool is a loop-mounted XFS image")
        self.workdir, self.created_workdir = benchlib.make_workdir(a.workdir, "spur-rehearse-")
        os.chmod(self.workdir, 0o755)
        self.pool = os.path.join(self.workdir, "pool")
        self.spur_bin = os.path.join(self.workdir, "spur")
        subprocess.run(["cp", a.spur, self.spur_bin], check=True)
        r = self.res
        r["git"] = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                                  capture_output=True, text=True).stdout.strip() or "?"
        r["pg"] = self.run([os.path.join(self.pgbin, "postgres"), "--version"]).stdout.strip()
        r["started"] = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M")
        r["load_start"] = benchlib.noise(self.workdir)
        image = max(8, -(-(a.scale * 16 * 4 + 4096) // 1024))
        r["image_gib"] = image
        port_base = benchlib.free_port_range(10)
        log(f"workdir {self.workdir}; pool on a {image}G XFS image; pgbench scale {a.scale}")
        self.spur("init", "--image", f"{image}G", "--no-sample-data", "--port-base",
                  str(port_base))
        main = self.branch("main")
        self.main_socket = main["socket_dir"]
        self.main_port = main["port"]
        t0 = time.monotonic()
        # As the branch's role, which owns the database: spur rehearses as the owner.
        self.run([os.path.join(self.pgbin, "pgbench"), "-i", "-q", "-s", str(a.scale),
                  "-h", self.main_socket, "-p", str(self.main_port), "-U", "app", "app"])
        r["init_seconds"] = time.monotonic() - t0
        r["accounts_bytes"] = int(self.psql_socket(
            self.main_socket, self.main_port,
            "SELECT pg_relation_size('pgbench_accounts')").stdout.strip())
        self.psql_socket(self.main_socket, self.main_port, "CHECKPOINT", user="postgres")
        self.spur("branch", "create", "pr-1")
        log(f"pgbench_accounts {benchlib.fmt_bytes(r['accounts_bytes'])} "
            f"(init {r['init_seconds']:.0f} s)")

    # ------------------------------------------------------------ rounds --
    def start_probe(self, kind, socket_dir, table, port=5432):
        """An outside client: its own libpq connection (through ctypes, not spur's code)
        running PROBES[kind] back to back until stopped; returns (thread, state)."""
        for attempt in range(200):  # the socket appears before recovery ends
            try:
                conn = self.pq.connect(f"host={socket_dir} port={port} user=postgres dbname=app")
                break
            except RuntimeError:
                if attempt == 199:
                    raise
                time.sleep(0.005)
        state = {"stop": False, "max_ms": 0.0, "n": 0}

        def loop():
            try:
                while not state["stop"]:
                    ms = 1000 * self.pq.exec_seconds(conn, PROBES[kind].format(t=table))
                    state["max_ms"] = max(state["max_ms"], ms)
                    state["n"] += 1
                    time.sleep(0.01)
            finally:
                self.pq.finish(conn)

        t = threading.Thread(target=loop, daemon=True)
        t.start()
        return t, state

    def observe(self, name, sql, table, guardrails=None):
        """`spur rehearse --json` of sql (after a 1 s head start) with outside clients on table;
        (report, {"read": ms, "write": ms} the outside clients' longest statements)."""
        mfile = os.path.join(self.workdir, f"{name}.sql")
        with open(mfile, "w") as f:
            f.write("SELECT pg_sleep(1);\n" + sql + "\n")
        run_dir = os.path.join(self.pool, "run")
        before = set(os.listdir(run_dir))
        limits = ["--max-write-block", "1h", "--max-read-block", "1h"] if guardrails is None \
            else guardrails
        p = subprocess.Popen([self.spur_bin, "--pool", self.pool, "--json", "rehearse", "pr-1",
                              "--sql", mfile] + limits, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=self.env(), cwd=self.workdir)
        self.procs.append(p)
        # The copy's socket directory appears under run/ once it is started.
        probes = []
        deadline = time.monotonic() + 30
        while not probes and time.monotonic() < deadline and p.poll() is None:
            for d in set(os.listdir(run_dir)) - before:
                if d.startswith("x") and os.path.exists(os.path.join(run_dir, d, ".s.PGSQL.5432")):
                    probes = [self.start_probe(k, os.path.join(run_dir, d), table)
                              for k in PROBES]
                    break
            time.sleep(0.01)
        out, err = p.communicate(timeout=3600)
        self.procs.remove(p)
        for thread, state in probes:  # the copy is gone: their connections end too
            state["stop"] = True
            thread.join(timeout=30)
        if p.returncode not in (0, 12):
            raise RuntimeError(f"spur rehearse {name} exited {p.returncode}: {err[-2000:]}")
        rep = json.loads(out)
        if not rep["completed"]:
            raise RuntimeError(f"rehearsal of {name} did not complete: {rep['failure']}")
        if not probes:
            raise RuntimeError(f"{name}: the outside clients never reached the copy")
        return rep, {k: state["max_ms"] for k, (_, state) in zip(PROBES, probes)}

    def rehearse_round(self, name, sql):
        rep, outside = self.observe(name, sql, "pgbench_accounts")
        spur_probe = next((x for x in rep["probes"] if x["relation"] == "pgbench_accounts"), {})
        # The migration's own statements, without the 1 s head start.
        rehearsed = sum(s["ms"] for s in rep["statements"][1:]) / 1000
        return {"rehearsed_s": rehearsed, "rehearse_wall_s": rep["seconds"]["migration"] - 1,
                "setup_s": rep["seconds"]["copy_setup"],
                "teardown_s": rep["seconds"]["copy_teardown"],
                "spur_read_ms": spur_probe.get("read_max_ms", 0.0),
                "spur_write_ms": spur_probe.get("write_max_ms", 0.0),
                "outside_read_ms": outside["read"], "outside_write_ms": outside["write"]}

    # ------------------------------------------------------------ corpus --
    def install_squawk(self):
        """squawk-cli from npm into the work directory; its path, or None (recorded why)."""
        prefix = os.path.join(self.workdir, "squawk")
        p = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", prefix,
                            f"squawk-cli@{self.a.squawk_version}"], capture_output=True,
                           text=True, timeout=600)
        path = os.path.join(prefix, "node_modules", ".bin", "squawk")
        if p.returncode != 0 or not os.access(path, os.X_OK):
            self.res["squawk_error"] = benchlib.tail(p.stderr or p.stdout, 3)
            return None
        v = subprocess.run([path, "--version"], capture_output=True, text=True)
        self.res["squawk"] = (v.stdout or v.stderr).strip()
        return path

    def squawk_rules(self, squawk, sql_file):
        p = subprocess.run([squawk, "--reporter", "json", sql_file], capture_output=True,
                           text=True, timeout=120)
        try:
            return sorted({v["rule_name"] for v in json.loads(p.stdout or "[]")})
        except (ValueError, KeyError, TypeError):
            raise RuntimeError(f"squawk output not understood: {benchlib.tail(p.stdout, 3)}")

    def corpus(self):
        squawk = self.install_squawk()
        self.psql_socket(self.main_socket, self.main_port,
                         f"CREATE TABLE small_accounts AS SELECT * FROM pgbench_accounts "
                         f"WHERE aid <= {SMALL_ROWS}; ALTER TABLE small_accounts ADD PRIMARY "
                         "KEY (aid); ANALYZE small_accounts")
        self.psql_socket(self.main_socket, self.main_port, "CHECKPOINT", user="postgres")
        cases = []
        for name, template in CORPUS:
            for size, table in (("small", "small_accounts"), ("large", "pgbench_accounts")):
                sql = template.format(t=table)
                sql_file = os.path.join(self.workdir, f"corpus-{name}-{size}.sql")
                with open(sql_file, "w") as f:
                    f.write(sql + "\n")
                rules = self.squawk_rules(squawk, sql_file) if squawk else None
                rep, outside = self.observe(f"corpus-{name}-{size}", sql, table,
                                            guardrails=[])  # spur's default guardrails
                fired = sorted({f["rule"] for f in rep["findings"]})
                c = {"name": name, "size": size, "outside": outside,
                     "dangerous": outside["write"] > 2000 or outside["read"] > 5000,
                     "spur": bool(set(fired) & {"write_block", "read_block", "rewrite"}),
                     "spur_rules": fired, "squawk_rules": rules,
                     "squawk_any": bool(rules) if rules is not None else None,
                     "squawk_lock": bool(set(rules) & SQUAWK_LOCK_RULES)
                     if rules is not None else None}
                cases.append(c)
                log(f"corpus {name} on {size}: outside writes {outside['write']:.0f} ms, reads "
                    f"{outside['read']:.0f} ms -> {'DANGEROUS' if c['dangerous'] else 'fine'}; "
                    f"spur {fired or '-'}; squawk {rules}")
        self.res["corpus"] = cases

    def plain_round(self, name, sql):
        self.spur("branch", "create", "plain", "--from", "main")
        b = self.branch("plain")
        socket_dir = b["socket_dir"]
        mfile = os.path.join(self.workdir, f"{name}-plain.sql")
        with open(mfile, "w") as f:
            f.write(sql + "\n")
        # The same outside clients as during the rehearsal, so both runs share the machine
        # with the same load.
        probes = [self.start_probe(k, socket_dir, "pgbench_accounts", b["port"]) for k in PROBES]
        try:
            t0 = time.monotonic()
            self.psql_socket(socket_dir, b["port"], file=mfile)
            own = time.monotonic() - t0
        finally:
            for thread, state in probes:
                state["stop"] = True
                thread.join(timeout=60)
        self.spur("branch", "delete", "plain")
        return own

    def rounds(self):
        for rnd in range(1, self.a.runs + 1):
            for name, _, sql in MIGRATIONS:
                self.run(["sync"])
                x = self.rehearse_round(name, sql)
                self.run(["sync"])
                x["own_s"] = self.plain_round(name, sql)
                self.res["runs"][name].append(x)
                log(f"round {rnd} {name}: rehearsed {x['rehearsed_s']:.2f} s, own "
                    f"{x['own_s']:.2f} s; blocked reads spur {x['spur_read_ms']:.0f} / outside "
                    f"{x['outside_read_ms']:.0f} ms, writes {x['spur_write_ms']:.0f} / "
                    f"{x['outside_write_ms']:.0f} ms; copy {x['setup_s']:.2f} s + "
                    f"{x['teardown_s']:.2f} s")

    # ------------------------------------------------------------ report --
    def report(self, incomplete=None):
        r = self.res
        if not any(r["runs"].values()):
            return
        lines = [f"## Run {r.get('started', '?')} (git {r.get('git', '?')})", ""]
        if incomplete:
            lines += [f"**INCOMPLETE: {incomplete}**", ""]
        lines += [
            f"Machine: {benchlib.cpu_model()}, {os.cpu_count()} cores, "
            f"{benchlib.ram_gib():.0f} GiB RAM, {benchlib.debian_version()}; {r.get('pg', '?')}; "
            f"load at start {r.get('load_start', ['?'])[0]}. pgbench scale {self.a.scale}: "
            f"pgbench_accounts {benchlib.fmt_bytes(r.get('accounts_bytes', 0))}, on a "
            f"{r.get('image_gib', '?')} GiB XFS (reflink) image. Medians of {self.a.runs} rounds.",
            "",
            "| migration | own time (psql, plain branch) | rehearsed | rehearsed / own "
            "(target ≤ 1.15×) | reads blocked: spur / outside client | writes blocked: spur / "
            "outside client | copy set-up | copy removal |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
        worst_err = 0.0
        for name, what, _ in MIGRATIONS:
            xs = r["runs"][name]
            if not xs:
                continue
            m = {k: med([x[k] for x in xs]) for k in xs[0]}
            ratio = m["rehearse_wall_s"] / m["own_s"] if m["own_s"] > 0 else float("nan")
            for k in ("read", "write"):
                for x in xs:
                    err = abs(x[f"spur_{k}_ms"] - x[f"outside_{k}_ms"])
                    allowed = max(100.0, 0.10 * x[f"outside_{k}_ms"])
                    worst_err = max(worst_err, err / allowed)
            lines.append(
                f"| {what} | {m['own_s']:.2f} s | {m['rehearse_wall_s']:.2f} s | {ratio:.2f}× | "
                f"{m['spur_read_ms']:.0f} / {m['outside_read_ms']:.0f} ms | "
                f"{m['spur_write_ms']:.0f} / {m['outside_write_ms']:.0f} ms | "
                f"{m['setup_s']:.2f} s | {m['teardown_s']:.2f} s |")
        lines += ["", f"Blocked-time agreement: the largest difference between spur's probe and "
                      f"the outside client in any round was {worst_err:.2f} of the allowed "
                      f"margin (max(100 ms, 10 %); ≤ 1.00 meets the target).", ""]
        lines += self.corpus_report()
        text = "\n".join(lines) + "\n"
        print(text)
        if self.a.out:
            benchlib.append_section(self.a.out, "# spur rehearse: observation cost and blocked-"
                                    "time accuracy\n\nProduced by `bench/rehearse/run.py`; newest "
                                    "run last.\n", text)

    def corpus_report(self):
        cases = self.res.get("corpus")
        if not cases:
            return []

        def score(key):
            tp = sum(1 for c in cases if c[key] and c["dangerous"])
            fp = sum(1 for c in cases if c[key] and not c["dangerous"])
            fn = sum(1 for c in cases if not c[key] and c["dangerous"])
            prec = f"{tp / (tp + fp):.2f}" if tp + fp else "-"
            rec = f"{tp / (tp + fn):.2f}" if tp + fn else "-"
            small_fp = sum(1 for c in cases if c[key] and not c["dangerous"] and c["size"] == "small")
            large_fn = sum(1 for c in cases if not c[key] and c["dangerous"] and c["size"] == "large")
            return f"| {tp} | {fp} | {fn} | {prec} | {rec} | {small_fp} | {large_fn} |"

        danger = sum(1 for c in cases if c["dangerous"])
        lines = [f"### Guardrails against squawk on {len(cases)} migrations "
                 f"({len(CORPUS)} statements on a {SMALL_ROWS}-row table and on pgbench_accounts)",
                 "",
                 f"Labels measured by the outside clients: {danger} of {len(cases)} blocked writes "
                 "> 2 s or reads > 5 s (dangerous); the rest are not. squawk: "
                 f"{self.res.get('squawk', 'not available: ' + str(self.res.get('squawk_error')))}"
                 " with its default rules, on the same SQL files.", "",
                 "| tool | true alarms | false alarms | misses | precision | recall | false alarms "
                 "on the small table | misses on the large table |",
                 "|---|---:|---:|---:|---:|---:|---:|---:|",
                 "| spur rehearse (write_block, read_block, rewrite; default limits) " + score("spur")]
        if cases[0]["squawk_any"] is not None:
            lines += ["| squawk, any rule " + score("squawk_any"),
                      "| squawk, lock and rewrite rules only " + score("squawk_lock")]
        lines += ["", "| migration | table | writes / reads blocked (outside) | label | spur | "
                  "squawk |", "|---|---|---:|---|---|---|"]
        for c in cases:
            lines.append(f"| {c['name']} | {c['size']} | {c['outside']['write']:.0f} / "
                         f"{c['outside']['read']:.0f} ms | "
                         f"{'dangerous' if c['dangerous'] else 'fine'} | "
                         f"{', '.join(c['spur_rules']) or '-'} | "
                         f"{', '.join(c['squawk_rules'] or []) or '-'} |")
        return lines + [""]

    def cleanup(self):
        if self.cleaned:
            return
        self.cleaned = True
        benchlib.ignore_signals()
        for p in self.procs:
            try:
                p.send_signal(signal.SIGKILL)
            except OSError:
                pass
        if self.pool and os.path.isdir(self.pool) and not benchlib.remove_pool(self.pool):
            log(f"leaving {self.workdir}")
            return
        if self.workdir and os.path.isdir(self.workdir):
            benchlib.remove_workdir(self.workdir, self.created_workdir)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=100, help="pgbench scale of main (1000 ≈ 15 GB)")
    ap.add_argument("--runs", type=int, default=3, help="rounds (medians are reported)")
    ap.add_argument("--spur", default=os.path.join(REPO, "build", "spur"))
    ap.add_argument("--pg-bindir", default="/usr/lib/postgresql/15/bin")
    ap.add_argument("--workdir", help="empty directory for the pool (default: /var/tmp/...)")
    ap.add_argument("--out", default=os.path.join(REPO, "bench", "results", "rehearse.md"),
                    help="Markdown file the report is appended to ('' = print only)")
    ap.add_argument("--no-corpus", action="store_true",
                    help="skip the guardrails-versus-squawk corpus")
    ap.add_argument("--squawk-version", default="2.66.0", help="squawk-cli from npm")
    a = ap.parse_args()
    bench = Bench(a)

    def steps():
        bench.setup()
        bench.rounds()
        if not a.no_corpus:
            bench.corpus()

    sys.exit(benchlib.run_main(bench, steps))


if __name__ == "__main__":
    main()
