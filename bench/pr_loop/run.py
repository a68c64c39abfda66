#!/usr/bin/env python3
"""spur PR loop benchmark: pull request opened -> database ready and migrated -> comment posted.

In one run, on the same pgbench data (issue 13, "Numbers"):

  1. a spur pool on a loop-mounted XFS image (`spur init --image`), `pgbench -i -s SCALE`
     in main, CHECKPOINT; `spur tls init`, `spur tls branches on`, `spur serve --tls`
  2. a fake GitHub API in this process (GET /user, list/create/edit issue comments; it
     checks the bearer token), registered as the repository's forge (`forge_url`)
  3. round by round, interleaved:
       a. spur: `spur --server https://... ci up --pr N --repo acme/shop --migrate`, timed
          from start to exit (the PR comment is posted before it returns); then `ci down`
       b. CREATE DATABASE pr_N TEMPLATE bench + the same migration + the same comment
       c. CREATE DATABASE pr_N + pg_dump -Fc bench | pg_restore -d pr_N + the same
          migration + the same comment
     b and c run on a plain PostgreSQL cluster of their own (main's settings) on its own
     XFS loop image, loaded once with the same pgbench scale

Appends a Markdown section to bench/results/pr_loop.md and prints it. Everything it
creates (spur serve, every postgres, both loop mounts and their loop devices, the work
directory) is removed at exit, also on failure, Ctrl-C or SIGTERM. Python 3 stdlib only.
"""

import argparse
import datetime
import json
import os
import platform
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(HERE))
import benchlib  # noqa: E402  (bench/benchlib.py: what the benchmarks share)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "runner"))
from fake_forge import FakeForge  # noqa: E402  (the runner test's fake GitHub/GitLab API)
from benchlib import fmt_bytes, log, med, tail  # noqa: E402

METHODS = ("spur", "template", "dump")
LABEL = {
    "spur": "a. spur `ci up --migrate` over HTTPS (branch + migration + comment)",
    "template": "b. `CREATE DATABASE … TEMPLATE` + migration + comment",
    "dump": "c. `pg_dump -Fc | pg_restore` + migration + comment",
}
REPO_NAME = "acme/shop"
PEER_REPO = {"template": "acme/template", "dump": "acme/dump"}
MIGRATION_SQL = ("ALTER TABLE pgbench_accounts ADD COLUMN note text; "
                 "CREATE INDEX ON pgbench_branches (bbalance)")
# main's settings that the peer cluster copies, so both run postgres alike.
COPIED_SETTINGS = ("shared_buffers", "work_mem", "maintenance_work_mem", "effective_cache_size",
                   "max_connections", "max_wal_size", "min_wal_size", "checkpoint_timeout",
                   "wal_level", "fsync", "synchronous_commit", "full_page_writes",
                   "wal_compression", "autovacuum", "max_wal_senders")


def fmt_s(x):
    if x != x:  # nan
        return "–"
    return f"{x:.3f}" if abs(x) < 10 else f"{x:.1f}"


def cell(text):
    """text inside a Markdown table cell: a pipe would end the cell."""
    return text.replace("|", "\\|")


def post_comment(api, token, repo, pr, body):
    """What spur's poster does, with urllib: who am I, find my earlier comment, then create
    it (or edit it). Returns the comment id."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
               "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "pr-loop-bench",
               "Content-Type": "application/json"}

    def call(method, path, payload=None):
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(api + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    me = call("GET", "/user")["login"]
    marker = body.splitlines()[0]
    listed = call("GET", f"/repos/{repo}/issues/{pr}/comments?per_page=100&page=1")
    mine = next((c for c in listed if c["body"].startswith(marker) and c["user"]["login"] == me),
                None)
    if mine:
        return call("PATCH", f"/repos/{repo}/issues/comments/{mine['id']}", {"body": body})["id"]
    return call("POST", f"/repos/{repo}/issues/{pr}/comments", {"body": body})["id"]


# ----------------------------------------------------------------- bench --
class Bench:
    def __init__(self, args):
        self.a = args
        self.pgbin = args.pg_bindir
        self.cleaned = False
        self.child = None  # the subprocess running right now, if any
        self.serve = None
        self.forge = None
        self.peer_data = None
        self.images = []  # (image file, mount point) of the loop mounts made here
        self.res = {"runs": {m: [] for m in METHODS}, "noise": [], "ci_down": []}
        self.dir, self.created_dir = benchlib.make_workdir(args.workdir, "spur-prloop-")
        os.chmod(self.dir, 0o755)  # postgres (the run-as user) must reach everything
        self.pool = os.path.join(self.dir, "pool")
        if len(self.pool) > 60:
            raise SystemExit("work directory path too long for postgres socket paths")
        self.logs = os.path.join(self.dir, "logs")
        os.makedirs(self.logs)
        self.spur = os.path.join(self.dir, "spur")
        self.ca = os.path.join(self.dir, "spur-ca.pem")
        self.stamps = os.path.join(self.dir, "migration-stamps")
        self.migrate_sh = os.path.join(self.dir, "migrate.sh")
        self.serve_log = os.path.join(self.logs, "serve.log")
        self.forge_token = "ghp_bench_" + secrets.token_hex(16)
        self.env = dict(os.environ, PATH=self.pgbin + ":" + os.environ.get("PATH", ""),
                        PGAPPNAME="spur-pr-loop-bench")
        for k in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE", "PGPASSWORD",
                  "PGSSLMODE", "DATABASE_URL", "SPUR_SERVER", "SPUR_TOKEN", "SPUR_CACERT",
                  "SPUR_POOL", "SPUR_CRASH_POINT"):
            self.env.pop(k, None)

    # ------------------------------------------------------------ running --
    def run(self, argv, check=True, log_name=None, as_postgres=False, env=None, timeout=3600,
            shell=False):
        """Runs argv; CompletedProcess with text stdout/stderr. Kills it on Ctrl-C."""
        if as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, text=True, env=env or self.env,
                             cwd=self.dir, shell=shell)
        self.child = p
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            raise RuntimeError(f"timed out after {timeout} s: {argv}")
        finally:
            self.child = None
        shown = argv if isinstance(argv, str) else " ".join(argv)
        return benchlib.command_result(argv, p.returncode, out, err, check,
                                       log_name and os.path.join(self.logs, log_name),
                                       shown.replace(self.forge_token, "***"))

    def local(self, *argv, json_out=False, check=True, log_name="spur-local.log", env=None):
        """spur on the pool's host, in-process (no server)."""
        cmd = [self.spur, "--pool", self.pool] + (["--json"] if json_out else []) + list(argv)
        p = self.run(cmd, check=check, log_name=log_name, env=env)
        return json.loads(p.stdout) if json_out and p.returncode == 0 else p

    def remote(self, *argv, check=True, log_name=None):
        """spur as a CI runner runs it: through spur serve, over HTTPS."""
        cmd = [self.spur, "--server", self.server_url, "--cacert", self.ca, "--token",
               self.ci_token, "--json"] + list(argv)
        return self.run(cmd, check=check, log_name=log_name)

    def psql(self, conn, sql, check=True, timeout=3600, log_name=None):
        return self.run([os.path.join(self.pgbin, "psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1",
                         "-d", conn, "-c", sql], check=check, timeout=timeout,
                        log_name=log_name).stdout.strip()

    # -------------------------------------------------------------- setup --
    def setup(self):
        a = self.a
        need = (2 * 1.6 * a.scale / 100 + 2 * 1.6 * a.scale / 100 + 2) * 2**30
        free = shutil.disk_usage(self.dir).free
        log(f"work directory {self.dir} ({fmt_bytes(free)} free on the host, want "
            f"~{fmt_bytes(need)})")
        if free < need:
            raise RuntimeError(f"not enough space under {self.dir}: {fmt_bytes(free)} free")
        shutil.copy2(a.spur, self.spur)
        self.res["spur_version"] = (self.run([self.spur, "--version"]).stdout.strip() +
                                    benchlib.binary_note(a.spur, self.spur))
        git = self.run(["git", "-C", REPO, "describe", "--always", "--dirty"], check=False)
        self.res["git"] = git.stdout.strip() if git.returncode == 0 else "?"
        self.res["pg_version"] = self.run([os.path.join(self.pgbin, "postgres"),
                                           "--version"]).stdout.strip()
        with open(self.migrate_sh, "w") as f:
            f.write("#!/bin/sh\n"
                    "# The benchmark's migration, the same for every method. The two `date`\n"
                    "# lines time it from outside (a few ms, paid by every method alike).\n"
                    f"echo \"$SPUR_REPO#$SPUR_PR start $(date +%s.%N)\" >> {self.stamps}\n"
                    f"psql \"$DATABASE_URL\" -X -v ON_ERROR_STOP=1 -c \"{MIGRATION_SQL}\"\n"
                    "rc=$?\n"
                    f"echo \"$SPUR_REPO#$SPUR_PR end $(date +%s.%N)\" >> {self.stamps}\n"
                    "exit $rc\n")
        self.migrate_cmd = f"sh {self.migrate_sh}"

    def make_pool(self):
        a = self.a
        self.port_base = a.port_base or benchlib.free_port_range(40)
        log(f"spur init: pool {self.pool} on a {a.image}G XFS image, ports from "
            f"{self.port_base}")
        self.local("init", "--image", f"{a.image}G", "--port-base", str(self.port_base),
                   "--no-sample-data", log_name="spur-init.log")
        self.images.append((os.path.join(self.pool, "pool.img"), os.path.join(self.pool, "data")))
        self.res["fs_pool"] = benchlib.fs_line(os.path.join(self.pool, "data"), self.run)
        main = self.local("branch", "show", "main", json_out=True)
        uri = self.local("uri", "main").stdout.strip()
        log(f"pgbench -i -s {a.scale:g} into main (port {main['port']})")
        t = time.monotonic()
        self.run([os.path.join(self.pgbin, "pgbench"), "-i", "-s", f"{a.scale:g}", "-q", uri],
                 log_name="pgbench-init-main.log")
        self.res["load_main_s"] = time.monotonic() - t
        self.main_super = self.super_conn(main, "app")
        self.psql(self.main_super, "CHECKPOINT")
        self.res["db_bytes"] = int(self.psql(self.main_super,
                                             "SELECT pg_database_size(current_database())"))
        self.res["accounts"] = int(self.psql(self.main_super,
                                             "SELECT count(*) FROM pgbench_accounts"))
        self.res["main_settings"] = {}
        for name in COPIED_SETTINGS:
            self.res["main_settings"][name] = self.psql(self.main_super,
                                                        f"SELECT current_setting('{name}')")
        log(f"main loaded in {self.res['load_main_s']:.1f} s: "
            f"{fmt_bytes(self.res['db_bytes'])}, {self.res['accounts']:,} accounts")

        self.local("tls", "init", "--name", "127.0.0.1", log_name="spur-tls.log")
        with open(self.ca, "w") as f:
            f.write(self.local("tls", "ca").stdout)
        self.local("tls", "branches", "on", log_name="spur-tls.log")
        self.local("branch", "stop", "main")
        self.local("branch", "start", "main")
        main_uri = self.local("uri", "main").stdout.strip()
        self.res["main_uri_tail"] = main_uri.split("?", 1)[1] if "?" in main_uri else ""

        self.ci_config = os.path.join(self.dir, "spur.yaml")
        with open(self.ci_config, "w") as f:
            f.write(f"source: main\n"
                    f"migrate: \"{self.migrate_cmd}\"\n"
                    f"forge: github\n"
                    f"forge_url: {self.forge.github_url}\n"
                    f"forge_token_env: SPUR_FORGE_TOKEN\n")
        self.local("repo", "add", REPO_NAME, "--forge", "github", "--config", self.ci_config,
                   env=dict(self.env, SPUR_WEBHOOK_SECRET=secrets.token_hex(32)))
        p = self.local("token", "create", "--role", "developer", "--owner", "ci", "--repo",
                       REPO_NAME, "--note", "pr-loop bench", json_out=True, check=False,
                       log_name="spur-token.log")
        self.res["token_repo_scoped"] = isinstance(p, dict)
        if not isinstance(p, dict):  # this binary has no --repo yet
            p = self.local("token", "create", "--role", "developer", "--owner", "ci", "--note",
                           "pr-loop bench", json_out=True, log_name="spur-token.log")
        self.ci_token = p["token"]

        self.serve_port = benchlib.free_port()
        self.server_url = f"https://127.0.0.1:{self.serve_port}"
        log(f"spur serve --tls on {self.server_url} (log {self.serve_log})")
        env = dict(self.env, SPUR_FORGE_TOKEN=self.forge_token)
        logf = open(self.serve_log, "ab")
        self.serve = subprocess.Popen(
            [self.spur, "--pool", self.pool, "-v", "serve", "--listen",
             f"127.0.0.1:{self.serve_port}", "--tls"],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT, env=env,
            cwd=self.dir)
        logf.close()
        ctx = ssl.create_default_context(cafile=self.ca)
        deadline = time.monotonic() + 60
        while not self.serve_healthy(ctx):
            if self.serve.poll() is not None:
                raise RuntimeError(f"spur serve exited {self.serve.returncode}:\n"
                                   f"{tail(open(self.serve_log).read())}")
            if time.monotonic() > deadline:
                raise RuntimeError("spur serve did not answer /healthz in 60 s")
            time.sleep(0.1)

    def serve_healthy(self, ctx):
        """Whether spur serve answers GET /healthz with 200 over TLS (ctx trusts the pool's CA)."""
        try:
            with urllib.request.urlopen(self.server_url + "/healthz", context=ctx,
                                        timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def super_conn(self, info, db):
        """Superuser over the branch's Unix socket (as branch-latency does)."""
        bid = os.path.basename(info["data_directory"].rstrip("/"))
        return (f"host={os.path.join(self.pool, 'run', bid)} port={info['port']} "
                f"user=postgres dbname={db}")

    def make_peer_cluster(self):
        a = self.a
        img = os.path.join(self.dir, "peer.img")
        mnt = os.path.join(self.dir, "peer")
        with open(img, "wb") as f:
            f.truncate(a.image * 2**30)
        self.run(["mkfs.xfs", "-q", "-m", "reflink=1", img])
        os.makedirs(mnt)
        self.run(["mount", "-o", "loop,noatime", img, mnt])
        self.images.append((img, mnt))
        shutil.chown(mnt, "postgres")
        self.res["fs_peer"] = benchlib.fs_line(mnt, self.run)
        self.peer_sock = os.path.join(self.dir, "sock")
        os.makedirs(self.peer_sock)
        shutil.chown(self.peer_sock, "postgres")
        self.peer_port = benchlib.free_port()
        data = os.path.join(mnt, "data")
        self.run([os.path.join(self.pgbin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8"], as_postgres=True, log_name="peer-initdb.log")
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            f.write(f"\n# spur pr-loop benchmark: main's settings\nlisten_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{self.peer_sock}'\nport = {self.peer_port}\n")
            for k, v in self.res["main_settings"].items():
                f.write(f"{k} = '{v}'\n")
        self.peer_data = data
        self.run([os.path.join(self.pgbin, "pg_ctl"), "-D", data, "-l",
                  os.path.join(mnt, "postgres.log"), "-w", "-t", "120", "start"],
                 as_postgres=True, log_name="peer-pg_ctl.log")
        self.peer_admin = f"host={self.peer_sock} port={self.peer_port} user=postgres"
        self.psql(self.peer_admin + " dbname=postgres", "CREATE DATABASE bench")
        log(f"peer cluster on port {self.peer_port} ({data}); pgbench -i -s {a.scale:g} into bench")
        t = time.monotonic()
        self.run([os.path.join(self.pgbin, "pgbench"), "-i", "-s", f"{a.scale:g}", "-q",
                  self.peer_admin + " dbname=bench"], log_name="pgbench-init-peer.log")
        self.res["load_peer_s"] = time.monotonic() - t
        self.psql(self.peer_admin + " dbname=bench", "CHECKPOINT")
        self.res["peer_db_bytes"] = int(self.psql(self.peer_admin + " dbname=bench",
                                                  "SELECT pg_database_size('bench')"))
        log(f"peer loaded in {self.res['load_peer_s']:.1f} s: "
            f"{fmt_bytes(self.res['peer_db_bytes'])}")

    # -------------------------------------------------------------- stamps --
    def stamp(self, tag, what):
        """Wall-clock time the migration wrapper wrote for `tag` ("acme/shop#3")."""
        try:
            with open(self.stamps) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 3 and parts[0] == tag and parts[1] == what:
                        return float(parts[2])
        except OSError:
            pass
        return None

    # ------------------------------------------------------------- methods --
    def spur_pr(self, pr):
        sha = secrets.token_hex(20)
        tag = f"{REPO_NAME}#{pr}"
        w0 = time.time()
        t = time.monotonic()
        p = self.remote("ci", "up", "--pr", str(pr), "--repo", REPO_NAME, "--sha", sha,
                        "--migrate", check=False, log_name=f"spur-ci-up-{pr}.log")
        total = time.monotonic() - t
        w1 = time.time()
        if p.returncode != 0:
            raise RuntimeError(f"spur ci up --pr {pr} failed (exit {p.returncode}): "
                               f"{tail(p.stderr)}\nserve log:\n{self.serve_tail()}")
        out = json.loads(p.stdout)
        mig = out.get("migration") or {}
        if out.get("comment_posted") is not True:
            raise RuntimeError(f"ci up --pr {pr}: comment_posted is not true: "
                               f"{out.get('comment_error')}")
        if mig.get("exit_code") != 0:
            raise RuntimeError(f"ci up --pr {pr}: the migration failed: {mig}")
        comments = self.forge.comments_on("github", REPO_NAME, pr)
        marker = f"<!-- spur:{REPO_NAME}#{pr} -->"
        if len(comments) != 1 or not comments[0]["body"].startswith(marker):
            raise RuntimeError(f"the fake forge has {len(comments)} comments for PR {pr}, "
                               f"want one starting with {marker}")
        if comments[0]["id"] != out.get("comment_id"):
            raise RuntimeError(f"comment_id {out.get('comment_id')} is not the forge's "
                               f"{comments[0]['id']}")
        run = {"seconds": total, "migration": float(mig.get("seconds", float("nan"))),
               "result": out.get("result"), "comment_bytes": len(comments[0]["body"])}
        # Phases from outside: the wrapper's stamps and the forge's arrival times.
        m0, m1 = self.stamp(tag, "start"), self.stamp(tag, "end")
        reqs = [r for r in self.forge.requests_since() if w0 <= r.arrived <= w1]
        if m0 and m1 and reqs:
            first, last = reqs[0], reqs[-1]
            run["phases"] = {
                "to_migration": m0 - w0,
                "migration": m1 - m0,
                "to_comment": first.arrived - m1,
                "comment": last.answered - first.arrived,
                "to_exit": w1 - last.answered,
            }
            run["forge_requests"] = [f"{r.method} {urllib.parse.urlsplit(r.path).path}" for r in reqs]
        conn = out.get("connection") or {}
        if pr == 1:
            with open(os.path.join(self.logs, "spur-comment-pr-1.md"), "w") as f:
                f.write(comments[0]["body"])
            self.check_branch(conn.get("uri", ""), run)
        t = time.monotonic()
        down = self.remote("ci", "down", "--pr", str(pr), "--repo", REPO_NAME,
                           log_name=f"spur-ci-down-{pr}.log")
        self.res["ci_down"].append(time.monotonic() - t)
        if json.loads(down.stdout).get("deleted") in (None, [], False):
            raise RuntimeError(f"ci down --pr {pr} deleted nothing: {down.stdout.strip()}")
        return run

    def check_branch(self, uri, run):
        """Not timed: the branch has the migration and speaks TLS."""
        out = self.psql(uri, "SELECT (SELECT count(*) FROM information_schema.columns "
                             "WHERE table_name = 'pgbench_accounts' AND column_name = 'note'), "
                             "(SELECT count(*) FROM pg_indexes WHERE tablename = 'pgbench_branches'), "
                             "(SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid())")
        note, idx, ssl_on = out.split("|")
        if note != "1" or int(idx) < 2:
            raise RuntimeError(f"the migration is not on branch pr-1: {out}")
        self.res["branch_ssl"] = ssl_on == "t"
        self.res["branch_uri_tail"] = uri.split("?", 1)[1] if "?" in uri else ""
        log(f"   pr-1 has the migration; its connection uses TLS: {ssl_on == 't'} "
            f"(URI options: {self.res['branch_uri_tail'] or 'none'})")

    def peer_pr(self, method, pr):
        db = f"pr_{pr}"
        repo = PEER_REPO[method]
        tag = f"{repo}#{pr}"
        admin = self.peer_admin + " dbname=postgres"
        self.psql(admin, f"DROP DATABASE IF EXISTS {db}")
        phases = {}
        t = time.monotonic()
        if method == "template":
            self.psql(admin, f"CREATE DATABASE {db} TEMPLATE bench", log_name="peer-template.log")
            phases["copy"] = time.monotonic() - t
        else:
            self.psql(admin, f"CREATE DATABASE {db}")
            pipe = (f"set -o pipefail; {self.pgbin}/pg_dump -Fc -d '{self.peer_admin} dbname=bench'"
                    f" | {self.pgbin}/pg_restore -d '{self.peer_admin} dbname={db}'")
            self.run(["bash", "-c", pipe], log_name=f"peer-dump-{pr}.log")
            phases["copy"] = time.monotonic() - t
        url = f"postgresql://postgres@127.0.0.1:{self.peer_port}/{db}?sslmode=disable"
        env = dict(self.env, DATABASE_URL=url, PGHOST="127.0.0.1", PGPORT=str(self.peer_port),
                   PGUSER="postgres", PGDATABASE=db, SPUR_BRANCH=db, SPUR_PR=str(pr),
                   SPUR_REPO=repo, SPUR_SHA=secrets.token_hex(20))
        m = time.monotonic()
        mp = self.run(["/bin/sh", "-c", self.migrate_cmd], env=env, check=False,
                      log_name=f"peer-{method}-migrate.log")
        mig = time.monotonic() - m
        if mp.returncode != 0:
            raise RuntimeError(f"{method} PR {pr}: the migration failed: {tail(mp.stderr)}")
        c = time.monotonic()
        body = (f"<!-- bench:{repo}#{pr} -->\n### Database `{db}`\n\n"
                f"`psql \"postgresql://postgres@127.0.0.1:{self.peer_port}/{db}\"`\n\n"
                f"Migration `{self.migrate_cmd}`: exit 0 in {mig:.1f} s\n\n```\n"
                f"{tail(mp.stdout + mp.stderr, 20)}\n```\n")
        cid = post_comment(self.forge.github_url, self.forge_token, repo, pr, body)
        phases["comment"] = time.monotonic() - c
        total = time.monotonic() - t
        if not any(x["id"] == cid for x in self.forge.comments_on("github", repo, pr)):
            raise RuntimeError(f"{method} PR {pr}: the forge does not have comment {cid}")
        m0, m1 = self.stamp(tag, "start"), self.stamp(tag, "end")
        phases["migration_wall"] = mig
        self.psql(admin, f"DROP DATABASE {db}")
        return {"seconds": total, "migration": (m1 - m0) if m0 and m1 else mig,
                "phases": phases}

    # -------------------------------------------------------------- rounds --
    def noise(self, what):
        self.res["noise"].append((what, *benchlib.noise(self.dir)))

    def rounds(self):
        a = self.a
        todo = {"spur": a.prs, "template": a.peer_runs, "dump": a.dump_runs}
        for i in range(1, max(todo.values()) + 1):
            self.noise(f"round {i}")
            for m in METHODS:
                if i > todo[m]:
                    continue
                r = self.spur_pr(i) if m == "spur" else self.peer_pr(m, i)
                # Not timed: flush what this method left dirty so the next does not pay.
                t = time.monotonic()
                os.sync()
                r["flush"] = time.monotonic() - t
                self.res["runs"][m].append(r)
                extra = ""
                if m == "spur" and "phases" in r:
                    ph = r["phases"]
                    extra = (f" (to migration {ph['to_migration']:.3f}, migration "
                             f"{ph['migration']:.3f}, to comment {ph['to_comment']:.3f}, "
                             f"comment {ph['comment']:.3f}, to exit {ph['to_exit']:.3f})")
                elif m != "spur":
                    extra = f" (copy {r['phases']['copy']:.2f}, comment {r['phases']['comment']:.3f})"
                log(f"round {i}: {m}: {r['seconds']:.3f} s, migration {r['migration']:.3f} s"
                    f"{extra}; sync(1) {r['flush']:.1f} s")
        self.noise("end")

    def serve_tail(self, n=30):
        try:
            with open(self.serve_log, errors="replace") as f:
                return tail(f.read(), n)
        except OSError:
            return ""

    def serve_laps(self):
        """spur serve's own laps (`-v` debug lines that end in a time) per `POST /ci/up`:
        {lap: [ms per PR]}, names of branches and snapshots and other numbers made generic."""
        try:
            with open(self.serve_log, errors="replace") as f:
                text = f.read()
        except OSError:
            return {}
        laps, block, order = {}, {}, []
        for line in text.splitlines():
            if "POST /ci/up" in line:
                for k, v in block.items():
                    laps.setdefault(k, []).append(v)
                block = {}
            elif "POST /ci/down" in line:
                block = {}  # what ci down does is not counted
            m = re.search(r"(?:in|after) (\d+(?:\.\d+)?) ?ms\b", line) or \
                re.search(r"(\d+(?:\.\d+)?) ?ms$", line)
            if not m or not line.startswith("debug:"):
                continue
            key = line[:m.start(1)] + "{ms}" + line[m.end(1):]
            key = re.sub(r"main-auto-[\w-]+", "main-auto-*", key[len("debug: "):])
            key = re.sub(r"\bpr-\d+", "pr-N", key)
            key = re.sub(r"\b\d+\b", "N", key).replace("{ms}", "…")
            block[key] = block.get(key, 0.0) + float(m[1])
            if key not in order:
                order.append(key)
        return {k: laps[k] for k in order if k in laps}

    # ------------------------------------------------------------ cleanup --
    def cleanup(self):
        if self.cleaned:
            return
        self.cleaned = True
        benchlib.ignore_signals()
        child = self.child
        if child and child.poll() is None:
            child.kill()
            child.wait(10)
        if self.serve and self.serve.poll() is None:
            self.serve.terminate()
            try:
                self.serve.wait(30)
            except subprocess.TimeoutExpired:
                self.serve.kill()
                self.serve.wait(10)
        if self.forge:
            self.forge.close()
        if self.a.keep:
            log(f"--keep: leaving {self.dir} running as is (clean up by hand)")
            return
        log("cleaning up")
        # Every postgres under the work directory: the pool's branches and the peer cluster.
        dirs = set(benchlib.data_dirs_under(self.dir)) if os.path.isdir(self.dir) else set()
        if self.peer_data:
            dirs.add(self.peer_data)
        for d in sorted(dirs):
            if benchlib.postmaster_pid(d):
                subprocess.run(["runuser", "-u", "postgres", "--",
                                os.path.join(self.pgbin, "pg_ctl"), "-D", d, "-m", "fast", "-w",
                                "-t", "60", "stop"], capture_output=True)
            pid = benchlib.postmaster_pid(d)
            if pid:
                os.kill(pid, signal.SIGKILL)
                time.sleep(0.5)
        for img, mnt in reversed(self.images):
            benchlib.umount(mnt)
            # mount -o loop normally frees the device on umount; detach only this image's.
            p = subprocess.run(["losetup", "-j", img], capture_output=True, text=True)
            for line in p.stdout.splitlines():
                dev = line.split(":", 1)[0]
                if dev.startswith("/dev/loop"):
                    subprocess.run(["losetup", "-d", dev], capture_output=True)
        still = [m for _, m in self.images if os.path.ismount(m)]
        if still:
            log(f"WARNING: still mounted: {', '.join(still)}; not deleting {self.dir}")
            return
        benchlib.remove_workdir(self.dir, self.created_dir)
        log("cleanup done")

    # ------------------------------------------------------------- report --
    def machine(self):
        nproc = self.run(["nproc"], check=False).stdout.strip() or str(os.cpu_count())
        host_fs = self.run(["findmnt", "-no", "FSTYPE,SOURCE", "-T", "/var/tmp"],
                           check=False).stdout.split()
        return (f"{nproc} cores (nproc; {benchlib.cpu_model()}), {benchlib.ram_gib():.1f} GiB "
                f"RAM, kernel {platform.release()}, Debian {benchlib.debian_version()}; host file "
                f"system under the work directory: {' on '.join(host_fs) if host_fs else '?'}")

    def report(self, incomplete=None):
        r = self.res
        a = self.a
        runs = r["runs"]
        if not any(runs.values()) and not incomplete:
            return
        tot = {m: [x["seconds"] for x in runs[m]] for m in METHODS}
        mig = {m: [x["migration"] for x in runs[m]] for m in METHODS}
        net = {m: [x["seconds"] - x["migration"] for x in runs[m]] for m in METHODS}
        lines = [f"## Run {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, scale {a.scale:g}, "
                 f"{a.prs} PRs" + (" — INCOMPLETE" if incomplete else ""), ""]
        if incomplete:
            lines += [f"**Stopped early:** {incomplete}", ""]
        lines += [
            f"Machine: {self.machine()}.",
            "",
            f"{r.get('pg_version', '?')}; {r.get('spur_version', '?')}; git {r.get('git', '?')}.",
            "",
            f"Storage: spur's pool on {r.get('fs_pool', '?')} ({a.image}G); the peers' cluster on "
            f"{r.get('fs_peer', '?')} (its own image, same size, mkfs and mount options).",
            "",
        ]
        if "db_bytes" in r:
            lines += [
                f"Data: `pgbench -i -s {a.scale:g}`: {r['accounts']:,} rows in pgbench_accounts, "
                f"database {fmt_bytes(r['db_bytes'])} in main (loaded in "
                f"{r['load_main_s']:.1f} s), {fmt_bytes(r.get('peer_db_bytes', 0))} in the peers' "
                f"`bench` (loaded once, {r.get('load_peer_s', 0):.1f} s); CHECKPOINT after each "
                "load.",
                "",
                f"Migration (every method runs the same `sh migrate.sh`): `psql \"$DATABASE_URL\" "
                f"-v ON_ERROR_STOP=1 -c \"{MIGRATION_SQL}\"`, wrapped by two `date` lines that "
                "time it from outside.",
                "",
            ]
        lines += [
            f"Runs: spur {len(runs['spur'])}, template {len(runs['template'])}, "
            f"pg_dump {len(runs['dump'])}"
            + (f" (peers limited to {a.peer_runs} by `--peer-runs`)"
               if a.peer_runs < a.prs else "")
            + (f" (pg_dump limited to {a.dump_runs} by `--dump-runs`: it is the slow one)"
               if a.dump_runs < a.peer_runs else "")
            + ", interleaved round by round (a, b, c, a, b, c, …). The machine is shared "
            "(another engineer's builds and tests): compare the ratios more than the seconds.",
            "",
            "### PR opened → database ready and migrated → comment posted (seconds)",
            "",
            "| method | runs | p50 | min | max | migration p50 | total − migration p50 "
            "(min–max) | p50 vs spur |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        base = med(tot["spur"])
        for m in METHODS:
            xs = tot[m]
            if not xs:
                lines.append(f"| {cell(LABEL[m])} | 0 | – | | | | | |")
                continue
            ratio = benchlib.times(med(xs), base)
            lines.append(f"| {cell(LABEL[m])} | {len(xs)} | **{fmt_s(med(xs))}** | {fmt_s(min(xs))} | "
                         f"{fmt_s(max(xs))} | {fmt_s(med(mig[m]))} | {fmt_s(med(net[m]))} "
                         f"({fmt_s(min(net[m]))}–{fmt_s(max(net[m]))}) | {ratio} |")
        lines.append("")
        if tot["spur"]:
            target = med(net["spur"])
            ok = "met" if target <= 1.5 else "NOT met"
            lines += ["| comparison | value | target |", "|---|---:|---|",
                      f"| spur: p50 of (total − the migration's own seconds) | "
                      f"{fmt_s(target)} s | ≤ 1.5 s — **{ok}** |"]
            for m in ("template", "dump"):
                if tot[m]:
                    lines.append(f"| p50 {m} / p50 spur (end to end) | "
                                 f"{med(tot[m]) / base:.2f}× | |")
            for m in ("template", "dump"):
                if tot[m] and med(net["spur"]) > 0:
                    lines.append(f"| p50 {m} / p50 spur, both without the migration | "
                                 f"{med(net[m]) / med(net['spur']):.2f}× | |")
            lines.append("")
            lines += [f"spur's `migration.seconds` (from the `ci up` JSON) p50 {fmt_s(med(mig['spur']))} s, "
                      f"min {fmt_s(min(mig['spur']))}, max {fmt_s(max(mig['spur']))}. "
                      f"`ci down` (not counted) p50 {fmt_s(med(r['ci_down']))} s. "
                      f"Every `ci up` answered `result: {runs['spur'][0].get('result')}` and "
                      f"`comment_posted: true`; the fake forge held exactly one comment for each "
                      f"PR, whose id `ci up` returned (spur's comment is about "
                      f"{int(med([x['comment_bytes'] for x in runs['spur']]))} bytes).", ""]
        ph_runs = [x for x in runs["spur"] if "phases" in x]
        if ph_runs:
            keys = ("to_migration", "migration", "to_comment", "comment", "to_exit")
            lines += [
                "Where spur's time goes (p50 of each phase, seconds; from the wall clock at "
                "`ci up` start/exit, the migration wrapper's `date` stamps and the fake forge's "
                "arrival times):",
                "",
                "| start → migration starts | migration (wrapper) | migration ends → first forge "
                "request | forge requests | last forge answer → `ci up` exits | total |",
                "|---:|---:|---:|---:|---:|---:|",
                "| " + " | ".join(fmt_s(med([x["phases"][k] for x in ph_runs])) for k in keys)
                + f" | {fmt_s(base)} |",
                "",
                "- *start → migration starts*: the CLI starting, TLS to spur serve, the token, "
                "the branch created (a snapshot of main through the backup protocol, reflink clone, "
                "postgres started, TCP opened, the branch's role and password), the migration "
                "process spawned.",
                "- *migration ends → first forge request*: recording the result and building "
                "the comment, which includes `spur diff` of the branch against main (schema from "
                "the catalogs, rows per table).",
                "- *forge requests*: " + ", ".join(ph_runs[0].get("forge_requests", [])) +
                " (spur finds its earlier comment before creating one).",
                "",
            ]
        laps = self.serve_laps()
        if laps:
            lines += ["spur serve's own laps (`spur -v serve`, debug lines of each `POST /ci/up`; "
                      "ms, over the PRs; the same lap twice in one request is summed):", "",
                      "| lap | p50 ms | min | max |", "|---|---:|---:|---:|"]
            for k, v in laps.items():
                lines.append(f"| `{k}` | {med(v):.0f} | {min(v):.0f} | {max(v):.0f} |")
            lines.append("")
        for m in ("template", "dump"):
            if runs[m]:
                lines.append(f"{LABEL[m]}: p50 of the copy "
                             f"({'CREATE DATABASE … TEMPLATE' if m == 'template' else 'CREATE DATABASE + pg_dump | pg_restore'}) "
                             f"{fmt_s(med([x['phases']['copy'] for x in runs[m]]))} s, "
                             f"comment {fmt_s(med([x['phases']['comment'] for x in runs[m]]))} s; "
                             "all runs: " + ", ".join(fmt_s(x) for x in tot[m]) + ".")
        if runs["spur"]:
            lines.append("spur all runs: " + ", ".join(fmt_s(x) for x in tot["spur"]) + ".")
        lines.append("")
        flush = {m: med([x["flush"] for x in runs[m]]) for m in METHODS if runs[m]}
        if flush:
            lines += ["`sync(1)` after each run (not counted), p50: " +
                      ", ".join(f"{m} {v:.1f} s" for m, v in flush.items()) + ".", ""]
        if r["noise"]:
            lines += ["Load average at the start of each round (and postmasters on the machine "
                      "that are not this benchmark's): " +
                      "; ".join(f"{w} {la} ({n})" for w, la, n in r["noise"]) + ".", ""]
        settings = ", ".join(f"{k}={v}" for k, v in (r.get("main_settings") or {}).items())
        spur_reqs = ph_runs[0].get("forge_requests", []) if ph_runs else []
        lines += [
            "### What each time includes",
            "",
            f"- **a. spur**: wall time of `spur --server https://127.0.0.1:PORT --cacert CA "
            f"--token T --json ci up --pr N --repo {REPO_NAME} --sha <new> --migrate` from start "
            "to exit: the CLI, HTTPS to `spur serve --tls` (the pool's own CA), a developer token "
            + ("scoped to the repository" if r.get("token_repo_scoped") else
               "(this binary has no `token create --repo`)") +
            ", a new branch `pr-N` from main, the migration over TLS to the branch (`spur tls "
            f"branches on`; the URI ends in `?{r.get('branch_uri_tail', '?')}`"
            + (", pg_stat_ssl confirmed TLS" if r.get("branch_ssl") else "") +
            "), the diff against main, the PR comment posted to the fake GitHub API "
            "(`forge: github`, `forge_url: http://127.0.0.1:PORT`, `forge_token_env`), the "
            "reply. Not timed: `ci down`.",
            "- **b. template**: `psql -c \"CREATE DATABASE pr_N TEMPLATE bench\"` (PostgreSQL "
            "15's default strategy, WAL_LOG: the copy is written through the WAL), the "
            "migration, the comment. Not timed: `DROP DATABASE`.",
            "- **c. pg_dump | pg_restore**: `psql -c \"CREATE DATABASE pr_N\"`, then `pg_dump "
            "-Fc bench | pg_restore -d pr_N` in one pipe (so no `-j`), the migration, the "
            "comment. Not timed: `DROP DATABASE`.",
            "- b and c: the same `migrate.sh` with `DATABASE_URL` pointing at `pr_N` over TCP "
            "on 127.0.0.1 **without TLS** (`sslmode=disable`; TLS on the peers is irrelevant "
            "to what is compared: spur pays for its TLS and the peers do not, so this favours "
            "them slightly); the comment is posted with Python's urllib: GET /user, list the "
            "PR's comments, POST (what spur's poster does in the source; the binary measured "
            "here made: " + (", ".join(spur_reqs) if spur_reqs else "?") + "), with a short "
            "body (no diff: the peers have no diff to show).",
            f"- The peers' cluster has main's settings: {settings}. Superuser `postgres`, "
            "trust auth.",
            "- After every run the benchmark runs `sync(1)` (not counted) so that dirty pages "
            "one method left are not written back during the next.",
            "",
            "### How it was run",
            "",
            "    " + " ".join(["sudo"] + [sys.executable.split("/")[-1]] + sys.argv),
            "",
        ]
        text = "\n".join(lines) + "\n"
        print(text)
        benchlib.append_section(
            a.out, "# spur PR loop: pull request opened → database ready and migrated → "
            "comment posted, versus CREATE DATABASE … TEMPLATE and pg_dump | pg_restore\n\n"
            "Produced by `bench/pr_loop/run.py` (see its README); newest run last. "
            "Target (issue 13): spur's p50 ≤ 1.5 s plus the migration's own time, "
            "pgbench scale 100, 10 PRs, end to end through TLS.\n\n", text)

    def main(self):
        self.setup()
        self.forge = FakeForge(self.forge_token)
        log(f"fake GitHub API on {self.forge.github_url}")
        self.make_pool()
        self.make_peer_cluster()
        self.rounds()


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spur", default=os.path.join(REPO, "build", "spur"),
                    help="spur binary (copied into the work directory first)")
    ap.add_argument("--scale", type=float, default=100, help="pgbench scale (default 100)")
    ap.add_argument("--prs", type=int, default=10, help="PRs through spur (default 10)")
    ap.add_argument("--peer-runs", type=int,
                    help="runs of each peer (template, pg_dump); default --prs")
    ap.add_argument("--dump-runs", type=int,
                    help="runs of pg_dump | pg_restore only, when it is slow; default --peer-runs")
    ap.add_argument("--image", type=int, default=12,
                    help="GiB of each sparse XFS image (pool, peers); default 12")
    ap.add_argument("--port-base", type=int, help="the pool's first port (default: a free range)")
    ap.add_argument("--workdir", help="work directory (must be empty or absent); default a new "
                    "/var/tmp/spur-prloop-* directory")
    ap.add_argument("--pg-bindir", default="/usr/lib/postgresql/15/bin")
    ap.add_argument("--out", default=os.path.join(REPO, "bench", "results", "pr_loop.md"))
    ap.add_argument("--keep", action="store_true",
                    help="leave everything running and in place (debugging)")
    a = ap.parse_args()
    a.peer_runs = a.prs if a.peer_runs is None else a.peer_runs
    a.dump_runs = a.peer_runs if a.dump_runs is None else a.dump_runs
    if a.prs < 1 or a.peer_runs < 0 or a.dump_runs < 0:
        ap.error("--prs must be at least 1; --peer-runs and --dump-runs at least 0")
    return a


def main():
    args = parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (loop-mounted images; initdb and postgres run as postgres)")
    b = Bench(args)
    sys.exit(benchlib.run_main(b, b.main))


if __name__ == "__main__":
    main()
