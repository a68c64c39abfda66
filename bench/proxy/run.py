#!/usr/bin/env python3
"""spur proxy benchmark: the Postgres proxy of `spur serve --proxy-listen` against a
direct connection to the branch and against pgbouncer 1.18 in session mode.

On a throw-away pool (sparse XFS image, reflink, loop-mounted) with the daemon running a
proxy, on the same branch and in the same run:

  1. connection setup: a new libpq connection + `SELECT 1`, p50/p95, direct vs proxy vs
     pgbouncer (libpq called in-process through ctypes: no process start in the time)
  2. throughput: `pgbench -S` and TPC-B (pgbench's default script), `-c 8 -j 2 -T 30`,
     the three paths interleaved in each round; TPS medians, proxy/direct, proxy/pgbouncer
  3. memory per idle client: N idle connections (pgbench) held open through the proxy and
     through pgbouncer; growth of the process's VmRSS divided by N
  4. wake: `spur branch suspend` a pgbench scale-100 branch, then time a fresh connection
     + `SELECT 1` through the proxy (which starts the branch), p50/p95 over 20 wakes

Appends a Markdown section to bench/results/proxy.md (--out). Everything it starts
(daemon, pgbouncer, pgbench, postgres) is stopped and the work directory removed at exit,
also on failure or Ctrl-C. Python 3 standard library only (libpq through ctypes).
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(HERE))
import benchlib  # noqa: E402  (bench/benchlib.py: what the benchmarks share)
from benchlib import log, med, postmaster_pid, tail  # noqa: E402

PATHS = ("direct", "proxy", "pgbouncer")
LABEL = {
    "direct": "direct (the branch's own port)",
    "proxy": "spur proxy",
    "pgbouncer": "pgbouncer (session mode)",
}
MODES = ("select", "tpcb")
MODE_LABEL = {"select": "`pgbench -S` (select only)", "tpcb": "TPC-B (pgbench's default script)"}

# The targets.
T_SELECT_VS_DIRECT = 0.95
T_SELECT_VS_PGBOUNCER = 1.10
T_WAKE_P50_MS = 150
T_WAKE_P95_MS = 300

QUICK = dict(duration=5, runs=2, scale=10, wake_scale=10, wakes=5, connects=20,
             idle_clients=200, warmup=2)
FULL = dict(duration=30, runs=3, scale=10, wake_scale=100, wakes=20, connects=100,
            idle_clients=500, warmup=10)


def pct(values, q):
    """Percentile with linear interpolation between order statistics (NaN when empty)."""
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def ms(x):
    return "n/a" if x is None or x != x else f"{x * 1000:.1f} ms"


def yes_no(ok):
    if ok is None:
        return "–"
    return "**yes**" if ok else "**no**"


def ratio(a, b):
    return a / b if a == a and b == b and b and b > 0 else float("nan")


def fx(r):
    return "–" if r != r else f"{r:.2f}×"


def conninfo_quote(v):
    v = str(v)
    if v and all(c.isalnum() or c in "-_.=@/:" for c in v):
        return v
    return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"


def conninfo(**kw):
    return " ".join(f"{k}={conninfo_quote(v)}" for k, v in kw.items())


def vmrss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def established_on(port):
    """Established TCP connections (IPv4 and IPv6) whose local port is port: the server
    ends of the clients connected to a listener on it."""
    n = 0
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if parts[3] == "01" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                        n += 1
        except OSError:
            pass
    return n


class Bench:
    def __init__(self, args):
        self.a = args
        self.pgbin = args.pg_bindir
        self.cleaned = False
        self.workdir = None
        self.created_workdir = False
        self.pool = None
        self.daemon = None
        self.pgbouncer = None
        self.procs = []      # background processes started here (pgbench holding clients)
        self.child = None    # the foreground command running right now
        self.branches = {}   # name -> {"port", "password", "data", "proxy_uri"}
        self.res = {"tps": {m: {p: [] for p in PATHS} for m in MODES},
                    "connect": {p: [] for p in PATHS}, "memory": {p: [] for p in PATHS},
                    "wake": [], "noise": []}
        self.paths = [p for p in PATHS if p != "pgbouncer" or not args.no_pgbouncer]

    # ----------------------------------------------------------- running --
    def env(self):
        env = dict(os.environ, PATH=self.pgbin + ":" + os.environ.get("PATH", ""),
                   LC_ALL="C.UTF-8")
        for k in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE", "PGPASSWORD",
                  "PGSSLMODE", "PGOPTIONS", "PGAPPNAME"):
            env.pop(k, None)
        return env

    def run(self, argv, check=True, timeout=None, log_name=None):
        """Runs argv to completion (text output); kills it if the run is stopped."""
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, text=True, env=self.env(),
                             cwd=self.workdir or "/")
        self.child = p
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            raise RuntimeError(f"timed out after {timeout} s: {' '.join(argv)}\n{tail(err)}")
        finally:
            self.child = None
        return benchlib.command_result(argv, p.returncode, out, err, check,
                                       os.path.join(self.logs, log_name or "commands.log")
                                       if self.workdir else None,
                                       shown=" ".join(self.redact(x) for x in argv))

    def redact(self, s):
        for b in self.branches.values():
            if b.get("password"):
                s = s.replace(b["password"], "***")
        return s

    def spur(self, *argv, json_out=False, check=True, timeout=3600):
        cmd = [self.spur_bin, "--pool", self.pool] + (["--json"] if json_out else []) + list(argv)
        p = self.run(cmd, check=check, timeout=timeout)
        if json_out and p.returncode == 0:
            return json.loads(p.stdout)
        return p

    def psql_super(self, name, sql):
        """sql as the superuser over the branch's Unix socket (CHECKPOINT)."""
        b = self.branches[name]
        return self.run([os.path.join(self.pgbin, "psql"), "-X", "-q", "-At", "-v",
                         "ON_ERROR_STOP=1", "-h", b["socket_dir"], "-p", str(b["port"]),
                         "-U", "postgres", "-d", "app", "-c", sql]).stdout.strip()

    def http(self, path, timeout=10):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}",
                                    timeout=timeout) as r:
            return r.status, r.read().decode()

    # ------------------------------------------------------------- setup --
    def check_tools(self):
        a = self.a
        for tool in ("pgbench", "psql"):
            if not os.access(os.path.join(self.pgbin, tool), os.X_OK):
                raise SystemExit(f"{tool} not found in {self.pgbin} (--pg-bindir); "
                                 "run scripts/install-deps.sh")
        if not a.no_pgbouncer:
            self.pgbouncer_bin = shutil.which("pgbouncer") or (
                "/usr/sbin/pgbouncer" if os.access("/usr/sbin/pgbouncer", os.X_OK) else None)
            if not self.pgbouncer_bin:
                raise SystemExit("pgbouncer not found: run scripts/install-deps.sh (or "
                                 "apt-get install pgbouncer), or pass --no-pgbouncer")
        if not os.access(a.spur, os.X_OK):
            raise SystemExit(f"spur binary {a.spur} not found (--spur)")
        self.pq = benchlib.LibPQ()

    def setup(self):
        a = self.a
        if os.geteuid() != 0:
            raise SystemExit("run as root: the pool is a loop-mounted XFS image, pgbouncer "
                             "runs as postgres")
        self.check_tools()
        # 500 idle clients are 500 sockets in pgbench and twice that in the proxy and
        # pgbouncer (client + server side): lift the soft limit to the hard one.
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = hard if hard != resource.RLIM_INFINITY else 65536
        if soft != resource.RLIM_INFINITY and soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        self.nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if self.nofile < 3 * a.idle_clients + 200:
            raise SystemExit(f"open-file limit {self.nofile} is too low for "
                             f"--idle-clients {a.idle_clients}")

        self.workdir, self.created_workdir = benchlib.make_workdir(a.workdir, "spur-proxy-")
        os.chmod(self.workdir, 0o755)  # postgres (pgbouncer, branches) must reach it
        self.logs = os.path.join(self.workdir, "logs")
        os.makedirs(self.logs)
        self.pool = os.path.join(self.workdir, "pool")
        if len(self.pool) > 60:
            raise SystemExit("work directory path too long for postgres socket paths")
        # A private copy of the binary: a rebuild during the run cannot change it.
        self.spur_bin = os.path.join(self.workdir, "spur")
        shutil.copy2(a.spur, self.spur_bin)
        r = self.res
        r["spur_version"] = self.run([self.spur_bin, "--version"]).stdout.strip()
        r["binary"] = benchlib.binary_note(a.spur, self.spur_bin)
        git = self.run(["git", "-C", REPO, "describe", "--always", "--dirty"], check=False)
        r["git"] = git.stdout.strip() if git.returncode == 0 else "?"
        r["pg"] = self.run([os.path.join(self.pgbin, "postgres"), "--version"]).stdout.strip()
        r["libpq"] = self.pq.version()
        if not a.no_pgbouncer:
            v = self.run([self.pgbouncer_bin, "--version"], check=False)
            r["pgbouncer"] = (v.stdout or v.stderr).strip().splitlines()[0] if (
                v.stdout or v.stderr) else "?"
        r["started"] = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M")
        r["load_start"] = benchlib.noise(self.workdir)
        try:
            if float(r["load_start"][0]) > 0.5 * (os.cpu_count() or 1):
                log(f"note: load average {r['load_start'][0]} on {os.cpu_count()} cores: the "
                    "machine is busy, the numbers will be noisy (compare ratios)")
        except ValueError:
            pass

        port_base = a.port_base or benchlib.free_port_range(10)
        image = a.image or max(8, -(-(16 * 3 * (a.scale + a.wake_scale) + 4096) // 1024))
        r["image_gib"] = image
        log(f"workdir {self.workdir}; spur {r['spur_version']} ({r['git']}); "
            f"pool on a {image}G XFS image, branch ports from {port_base}")
        self.spur("init", "--image", f"{image}G", "--no-sample-data",
                  "--port-base", str(port_base))
        r["fs"] = benchlib.fs_line(os.path.join(self.pool, "data"),
                                   lambda argv, check=True: self.run(argv, check=check))
        self.start_daemon()

    def start_daemon(self, same_ports=False):
        a = self.a
        if not same_ports:
            self.http_port = benchlib.free_port()
            self.proxy_port = benchlib.free_port()
            while self.proxy_port == self.http_port:
                self.proxy_port = benchlib.free_port()
        logf = open(os.path.join(self.logs, "serve.log"), "a")
        argv = [self.spur_bin, "--pool", self.pool, "serve",
                "--listen", f"127.0.0.1:{self.http_port}",
                "--proxy-listen", f"127.0.0.1:{self.proxy_port}",
                "--proxy-max-per-branch", str(a.idle_clients + 100),
                "--proxy-max-connections", str(a.idle_clients + 200),
                "--proxy-threads", str(a.proxy_threads)]
        self.res["serve_argv"] = " ".join(["spur", "serve"] + argv[4:])
        self.daemon = subprocess.Popen(argv, stdout=logf, stderr=logf, stdin=subprocess.DEVNULL,
                                       env=self.env(), cwd=self.workdir)
        logf.close()
        deadline = time.monotonic() + 30
        while True:
            if self.daemon.poll() is not None:
                raise RuntimeError(f"spur serve exited ({self.daemon.returncode}):\n"
                                   f"{tail(self.read_log('serve.log'))}")
            try:
                if self.http("/healthz", timeout=2)[0] == 200:
                    with socket.create_connection(("127.0.0.1", self.proxy_port), timeout=2):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("spur serve did not answer /healthz and the proxy port "
                                   "within 30 s")
            time.sleep(0.1)
        log(f"spur serve (pid {self.daemon.pid}) up: http 127.0.0.1:{self.http_port}, "
            f"proxy 127.0.0.1:{self.proxy_port}")

    def restart_daemon(self):
        """Stops `spur serve` (its branches keep running) and starts it on the same ports."""
        self.stop_proc(self.daemon)
        self.start_daemon(same_ports=True)
        self.res["daemon_restarts"] = self.res.get("daemon_restarts", 0) + 1

    def read_log(self, name):
        try:
            with open(os.path.join(self.logs, name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def make_branch(self, name, *extra):
        self.spur("branch", "create", name, *extra)
        info = self.spur("branch", "show", name, json_out=True)
        uris = self.spur("uri", name, "--direct", json_out=True)
        u = urllib.parse.urlsplit(uris["uri"])
        b = {"port": u.port, "password": urllib.parse.unquote(u.password or ""),
             "data": info["data_directory"], "socket_dir": info["socket_dir"],
             "proxy_uri": uris.get("proxy_uri")}
        if not b["proxy_uri"]:
            raise RuntimeError(f"`spur uri {name}` gives no proxy_uri while the daemon runs "
                               "a proxy")
        self.branches[name] = b
        return b

    def load(self, name, scale):
        b = self.branches[name]
        log(f"branch {name} (port {b['port']}): pgbench -i -s {scale}")
        t = time.monotonic()
        self.run([os.path.join(self.pgbin, "pgbench"), "-i", "-q", "-s", str(scale),
                  self.ci("direct", name)], timeout=6 * 3600, log_name="pgbench-init.log")
        self.psql_super(name, "CHECKPOINT")
        self.res[f"load_{name}_s"] = time.monotonic() - t
        log(f"  loaded in {time.monotonic() - t:.1f} s")

    def branches_setup(self):
        a = self.a
        # The wake branch first: its load (and the writes it leaves) is over before anything
        # is timed; then it stays suspended until the wake step.
        self.make_branch("wake")
        self.load("wake", a.wake_scale)
        self.suspend("wake")
        # The branch every path reaches: enough postgres connections for the idle clients.
        self.res["bench_max_connections"] = a.idle_clients + 50
        self.make_branch("bench", "--pg", f"max_connections={a.idle_clients + 50}")
        self.load("bench", a.scale)
        self.run(["sync"])
        if not a.no_pgbouncer:
            self.start_pgbouncer()
        self.verify_paths()

    def ci(self, path, name="bench", **extra):
        b = self.branches[name]
        kw = dict(host="127.0.0.1", dbname="app", user="app", password=b["password"],
                  sslmode="disable", connect_timeout=60)
        if path == "direct":
            kw["port"] = b["port"]
        elif path == "proxy":
            kw["port"] = self.proxy_port
            kw["options"] = f"--branch={name}"
        elif path == "pgbouncer":
            if name != "bench":
                raise ValueError("pgbouncer serves the bench branch only")
            kw["port"] = self.pgb_port
        kw.update(extra)
        return conninfo(**kw)

    def verify_paths(self):
        """Every path reaches the same postgres (same start time) and the bench data."""
        seen = {}
        for p in self.paths:
            _, row = self.pq.query(self.ci(p), "SELECT pg_postmaster_start_time()::text, "
                                   "(SELECT count(*) FROM pgbench_branches)::text")
            seen[p] = row
        starts = {row[0] for row in seen.values()}
        if len(starts) != 1 or any(int(row[1]) != self.a.scale for row in seen.values()):
            raise RuntimeError(f"the paths do not reach the same branch: {seen}")
        log(f"paths {', '.join(self.paths)} all reach branch bench (postgres started "
            f"{starts.pop()})")

    # --------------------------------------------------------- pgbouncer --
    def start_pgbouncer(self):
        a = self.a
        self.stop_pgbouncer()
        d = os.path.join(self.workdir, "pgbouncer")
        os.makedirs(d, exist_ok=True)
        b = self.branches["bench"]
        self.pgb_port = benchlib.free_port()
        while self.pgb_port in (self.http_port, self.proxy_port):
            self.pgb_port = benchlib.free_port()
        users = os.path.join(d, "userlist.txt")
        with open(users, "w") as f:
            f.write(f'"app" "{b["password"]}"\n')
        os.chmod(users, 0o600)
        ini = os.path.join(d, "pgbouncer.ini")
        with open(ini, "w") as f:
            f.write(f"""[databases]
app = host=127.0.0.1 port={b['port']} dbname=app

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.pgb_port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {users}
pool_mode = session
max_client_conn = {a.idle_clients + 100}
default_pool_size = {a.idle_clients + 50}
max_db_connections = 0
logfile = {os.path.join(d, 'pgbouncer.log')}
pidfile =
""")
        shutil.chown(d, "postgres", "postgres")
        for p in (users, ini):
            shutil.chown(p, "postgres", "postgres")
        out = open(os.path.join(self.logs, "pgbouncer.stderr"), "a")
        # As postgres (pgbouncer refuses root); the pid is pgbouncer's own (no runuser).
        self.pgbouncer = subprocess.Popen([self.pgbouncer_bin, ini], stdout=out, stderr=out,
                                          stdin=subprocess.DEVNULL, user="postgres",
                                          group="postgres", extra_groups=[], cwd=d,
                                          env=self.env())
        out.close()
        deadline = time.monotonic() + 20
        while True:
            if self.pgbouncer.poll() is not None:
                raise RuntimeError(f"pgbouncer exited ({self.pgbouncer.returncode}):\n"
                                   f"{tail(self.read_log('pgbouncer.stderr'))}")
            try:
                with socket.create_connection(("127.0.0.1", self.pgb_port), timeout=1):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("pgbouncer did not listen within 20 s")
            time.sleep(0.05)
        log(f"pgbouncer (pid {self.pgbouncer.pid}) on 127.0.0.1:{self.pgb_port} -> "
            f"branch bench (port {b['port']})")

    def stop_pgbouncer(self):
        p = self.pgbouncer
        self.pgbouncer = None
        if p and p.poll() is None:
            p.send_signal(signal.SIGTERM)  # immediate shutdown
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)

    # -------------------------------------------------- 1. connect + SELECT 1 --
    def order(self, rnd):
        k = rnd % len(self.paths)
        return self.paths[k:] + self.paths[:k]

    def noise(self, what):
        la, foreign = benchlib.noise(self.workdir)
        self.res["noise"].append((what, la, foreign))

    def connect_latency(self):
        a = self.a
        log(f"connection setup: {a.connects} x (connect + SELECT 1) per path per round, "
            f"{a.runs} rounds")
        for p in self.paths:  # warm-up, discarded
            for _ in range(5):
                self.pq.query(self.ci(p), "SELECT 1")
        for rnd in range(a.runs):
            self.noise(f"connect round {rnd + 1}")
            for p in self.order(rnd):
                xs = [self.pq.query(self.ci(p), "SELECT 1")[0] for _ in range(a.connects)]
                self.res["connect"][p] += xs
                log(f"  round {rnd + 1} {p:9s}: p50 {ms(pct(xs, 0.5))}, p95 {ms(pct(xs, 0.95))}")

    # ------------------------------------------------------------ 2. TPS --
    def pgbench(self, path, mode, seconds):
        argv = [os.path.join(self.pgbin, "pgbench"), "-c", str(self.a.clients),
                "-j", str(self.a.threads), "-T", str(seconds)]
        if mode == "select":
            argv += ["-n", "-S"]
        argv.append(self.ci(path))
        p = self.run(argv, timeout=seconds * 4 + 300, log_name="pgbench.log")
        out = p.stdout
        r = {"path": path}
        for line in out.splitlines():
            line = line.strip()
            if line.startswith("tps = "):
                r["tps"] = float(line.split()[2])
            elif line.startswith("latency average = "):
                r["lat_ms"] = float(line.split()[3])
            elif line.startswith("initial connection time = "):
                r["conn_ms"] = float(line.split()[4])
            elif line.startswith("number of failed transactions: "):
                r["failed"] = int(line.split()[4])
        if "tps" not in r:
            raise RuntimeError(f"no tps in pgbench's output:\n{tail(out)}\n{tail(p.stderr)}")
        if r.get("failed"):
            raise RuntimeError(f"pgbench over {path}: {r['failed']} failed transactions")
        return r

    def tps(self):
        a = self.a
        if a.warmup > 0:
            log(f"TPS warm-up: pgbench -S {a.warmup} s on each path (discarded)")
            for p in self.paths:
                self.pgbench(p, "select", a.warmup)
        for rnd in range(a.runs):
            self.noise(f"TPS round {rnd + 1}")
            for mode in MODES:
                for p in self.order(rnd):
                    r = self.pgbench(p, mode, a.duration)
                    self.res["tps"][mode][p].append(r)
                    log(f"  round {rnd + 1} {mode:6s} {p:9s}: {r['tps']:9.0f} tps, "
                        f"latency {r.get('lat_ms', float('nan')):.3f} ms")

    # ---------------------------------------------------------- 3. memory --
    def app_backends(self):
        _, row = self.pq.query(self.ci("direct"),
                               "SELECT count(*)::text FROM pg_stat_activity WHERE usename = 'app' "
                               "AND backend_type = 'client backend' AND pid <> pg_backend_pid()")
        return int(row[0])

    def memory_once(self, path, pid, listen_port):
        a = self.a
        n = a.idle_clients
        script = os.path.join(self.workdir, "idle.sql")
        with open(script, "w") as f:
            # pgbench keeps \sleep in microseconds in an int: 3600 s would wrap and not sleep.
            f.write("SELECT 1;\n\\sleep 1800 s\n")
        # One connection first, so what the first client ever costs is in the baseline.
        self.pq.query(self.ci(path), "SELECT 1")
        time.sleep(1)
        before = vmrss_kib(pid)
        logf = open(os.path.join(self.logs, "pgbench-idle.log"), "a")
        t0 = time.monotonic()
        pb = subprocess.Popen([os.path.join(self.pgbin, "pgbench"), "-n", "-c", str(n),
                               "-j", str(self.a.threads), "-t", "1", "-f", script,
                               self.ci(path)],
                              stdout=logf, stderr=logf, stdin=subprocess.DEVNULL, env=self.env(),
                              cwd=self.workdir)
        logf.close()
        self.procs.append(pb)
        try:
            # All N clients connected to the listener and each holding a backend.
            while True:
                if pb.poll() is not None:
                    raise RuntimeError(f"pgbench holding {n} clients over {path} exited "
                                       f"({pb.returncode}):\n"
                                       f"{tail(self.read_log('pgbench-idle.log'))}")
                if established_on(listen_port) >= n and self.app_backends() >= n:
                    break
                if time.monotonic() - t0 > 300:
                    raise RuntimeError(f"{n} idle clients over {path} not connected after 300 s "
                                       f"({established_on(listen_port)} connected, "
                                       f"{self.app_backends()} backends)")
                time.sleep(0.2)
            connect_s = time.monotonic() - t0
            time.sleep(1)
            samples = []
            for _ in range(3):
                samples.append(vmrss_kib(pid))
                time.sleep(0.5)
            during = med(samples)
            open_now = established_on(listen_port)
        finally:
            if pb.poll() is None:
                pb.send_signal(signal.SIGTERM)
            try:
                pb.wait(30)
            except subprocess.TimeoutExpired:
                pb.kill()
                pb.wait(10)
            self.procs.remove(pb)
        # Wait for the clients to be gone, then the RSS after (does it come back?).
        deadline = time.monotonic() + 60
        while established_on(listen_port) > 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
        after = vmrss_kib(pid)
        r = {"n": n, "before": before, "during": during, "after": after,
             "per_client": (during - before) / n, "open": open_now, "connect_s": connect_s}
        log(f"  {path:9s}: VmRSS {before} KiB -> {during:.0f} KiB with {n} idle clients "
            f"({r['per_client']:.1f} KiB each; all connected in {connect_s:.1f} s), "
            f"{after} KiB after they left")
        return r

    def memory(self):
        a = self.a
        log(f"memory: {a.idle_clients} idle clients (pgbench: SELECT 1, then \\sleep) per "
            f"process, {a.runs} rounds")
        # No pgbouncer between its own measurements: its pooled server connections would
        # count as the proxy's backends.
        self.stop_pgbouncer()
        for rnd in range(a.runs):
            self.noise(f"memory round {rnd + 1}")
            for p in self.order(rnd):
                if p == "direct":
                    continue
                self.wait_no_backends()
                if p == "proxy":
                    # A fresh daemon each time, like pgbouncer (branches keep running): the
                    # buffers a first round freed would otherwise serve the next round.
                    self.restart_daemon()
                    r = self.memory_once(p, self.daemon.pid, self.proxy_port)
                else:
                    # A fresh pgbouncer each time: no server connections pooled from before.
                    self.start_pgbouncer()
                    try:
                        r = self.memory_once(p, self.pgbouncer.pid, self.pgb_port)
                    finally:
                        self.stop_pgbouncer()
                self.res["memory"][p].append(r)
        self.wait_no_backends()

    def wait_no_backends(self, timeout=60):
        deadline = time.monotonic() + timeout
        while (n := self.app_backends()) > 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{n} backends of role app still open after {timeout} s")
            time.sleep(0.2)

    # ------------------------------------------------------------ 4. wake --
    def suspend(self, name):
        self.spur("branch", "suspend", name, json_out=True)
        data = self.branches[name]["data"]
        deadline = time.monotonic() + 60
        while postmaster_pid(data):
            if time.monotonic() > deadline:
                raise RuntimeError(f"branch {name}'s postgres still running 60 s after suspend")
            time.sleep(0.02)
        state = self.spur("branch", "show", name, json_out=True).get("state")
        if state != "suspended":
            raise RuntimeError(f"branch {name} is {state!r} after `spur branch suspend`")

    def metrics(self):
        try:
            _, text = self.http("/metrics")
        except OSError as e:
            return {"error": str(e)}
        out = {}
        for line in text.splitlines():
            if line.startswith("spur_proxy_"):
                k, _, v = line.rpartition(" ")
                try:
                    out[k] = float(v)
                except ValueError:
                    pass
        return out

    def wake(self):
        a = self.a
        log(f"wake: {a.wakes} x (spur branch suspend wake; connect + SELECT 1 through the "
            f"proxy), pgbench scale {a.wake_scale}")
        key = 'spur_proxy_wakes_total{branch="wake"}'
        self.noise("wake")
        for i in range(a.wakes):
            if i > 0:
                self.suspend("wake")  # it was suspended after its load
            time.sleep(0.5)
            before = self.metrics().get(key, 0)
            t, _ = self.pq.query(self.ci("proxy", "wake"), "SELECT 1")
            woke = self.metrics().get(key, 0) - before
            self.res["wake"].append(t)
            log(f"  wake {i + 1}: {ms(t)}" + ("" if woke == 1 else
                                              f" (spur_proxy_wakes_total grew by {woke:.0f})"))
            if woke != 1:
                self.res.setdefault("wake_anomalies", []).append((i + 1, woke))

    # -------------------------------------------------------------- main --
    def steps(self):
        self.setup()
        self.branches_setup()
        self.connect_latency()
        self.tps()
        self.memory()
        self.wake()
        self.res["metrics"] = self.metrics()

    # ----------------------------------------------------------- cleanup --
    def stop_proc(self, p, sig=signal.SIGTERM, wait=20):
        if p and p.poll() is None:
            try:
                p.send_signal(sig)
                p.wait(wait)
            except subprocess.TimeoutExpired:
                p.kill()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    pass
            except ProcessLookupError:
                pass

    def cleanup(self):
        if self.cleaned:
            return
        self.cleaned = True
        benchlib.ignore_signals()
        if self.child:
            self.stop_proc(self.child, signal.SIGKILL)
        for p in list(self.procs):
            self.stop_proc(p)
        self.stop_pgbouncer()
        if self.a.keep and self.workdir:
            log(f"--keep: leaving {self.workdir} as is (daemon pid "
                f"{self.daemon.pid if self.daemon else '-'} still running)")
            return
        self.stop_proc(self.daemon)
        if self.pool and os.path.isdir(self.pool) and not benchlib.remove_pool(self.pool):
            log(f"leaving {self.workdir}")
            return
        if self.workdir and os.path.isdir(self.workdir):
            benchlib.remove_workdir(self.workdir, self.created_workdir)
        log("cleanup done")

    # ------------------------------------------------------------ report --
    def report(self, incomplete):
        r = self.res
        a = self.a
        measured = (r["connect"]["direct"] or r["tps"]["select"]["direct"] or r["wake"]
                    or r["memory"]["proxy"])
        if not measured:
            log("nothing measured; no report written")
            return
        med_tps = {m: {p: med([x["tps"] for x in r["tps"][m][p]]) for p in PATHS} for m in MODES}
        med_lat = {m: {p: med([x["lat_ms"] for x in r["tps"][m][p] if "lat_ms" in x])
                       for p in PATHS} for m in MODES}
        c50 = {p: pct(r["connect"][p], 0.5) for p in PATHS}
        c95 = {p: pct(r["connect"][p], 0.95) for p in PATHS}
        mem = {p: med([x["per_client"] for x in r["memory"][p]]) for p in PATHS}
        w50, w95 = pct(r["wake"], 0.5), pct(r["wake"], 0.95)

        def cell_tps(m, p):
            v = med_tps[m][p]
            return "n/a" if v != v else f"{v:,.0f}"

        s_vd = ratio(med_tps["select"]["proxy"], med_tps["select"]["direct"])
        s_vb = ratio(med_tps["select"]["proxy"], med_tps["select"]["pgbouncer"])
        t_vd = ratio(med_tps["tpcb"]["proxy"], med_tps["tpcb"]["direct"])
        t_vb = ratio(med_tps["tpcb"]["proxy"], med_tps["tpcb"]["pgbouncer"])
        met_s = "–" if s_vd != s_vd else (
            f"vs direct {yes_no(s_vd >= T_SELECT_VS_DIRECT)}" +
            ("" if s_vb != s_vb else f", vs pgbouncer {yes_no(s_vb >= T_SELECT_VS_PGBOUNCER)}"))

        L = [f"## Run {r.get('started', '?')} UTC" + (" (--quick)" if a.quick else ""), ""]
        if incomplete:
            L += [f"**INCOMPLETE: {incomplete}.** What was measured before that is below.", ""]
        L += [
            "| metric | direct | spur proxy | pgbouncer | ratio | target | met? |",
            "|---|---:|---:|---:|---|---|---|",
            f"| `pgbench -S` TPS (median of {max(len(v) for v in r['tps']['select'].values())}) | "
            f"{cell_tps('select', 'direct')} | {cell_tps('select', 'proxy')} | "
            f"{cell_tps('select', 'pgbouncer')} | proxy/direct {fx(s_vd)}, proxy/pgbouncer "
            f"{fx(s_vb)} | ≥ {T_SELECT_VS_DIRECT:.2f}× direct, ≥ {T_SELECT_VS_PGBOUNCER:.1f}× "
            f"pgbouncer | {met_s} |",
            f"| TPC-B TPS (median of {max(len(v) for v in r['tps']['tpcb'].values())}) | "
            f"{cell_tps('tpcb', 'direct')} | {cell_tps('tpcb', 'proxy')} | "
            f"{cell_tps('tpcb', 'pgbouncer')} | proxy/direct {fx(t_vd)}, proxy/pgbouncer "
            f"{fx(t_vb)} | – | – |",
            f"| new connection + `SELECT 1`, p50 | {ms(c50['direct'])} | {ms(c50['proxy'])} | "
            f"{ms(c50['pgbouncer'])} | proxy/direct {fx(ratio(c50['proxy'], c50['direct']))}, "
            f"proxy/pgbouncer {fx(ratio(c50['proxy'], c50['pgbouncer']))} | – | – |",
            f"| new connection + `SELECT 1`, p95 | {ms(c95['direct'])} | {ms(c95['proxy'])} | "
            f"{ms(c95['pgbouncer'])} | proxy/direct {fx(ratio(c95['proxy'], c95['direct']))}, "
            f"proxy/pgbouncer {fx(ratio(c95['proxy'], c95['pgbouncer']))} | – | – |",
            f"| wake (suspended → first `SELECT 1` answered), p50 of {len(r['wake'])} | – | "
            f"{ms(w50)} | – | | ≤ {T_WAKE_P50_MS} ms | "
            f"{yes_no(None if w50 != w50 else w50 * 1000 <= T_WAKE_P50_MS)} |",
            f"| wake, p95 | – | {ms(w95)} | – | | ≤ {T_WAKE_P95_MS} ms | "
            f"{yes_no(None if w95 != w95 else w95 * 1000 <= T_WAKE_P95_MS)} |",
            f"| memory per idle client connection (VmRSS growth / {a.idle_clients}, median of "
            f"{len(r['memory']['proxy'])}) | – | "
            + ("n/a" if mem["proxy"] != mem["proxy"] else f"{mem['proxy']:.1f} KiB") + " | "
            + ("n/a" if mem["pgbouncer"] != mem["pgbouncer"] else f"{mem['pgbouncer']:.1f} KiB")
            + f" | proxy/pgbouncer {fx(ratio(mem['proxy'], mem['pgbouncer']))} | – | – |",
            "",
        ]
        la, foreign = r.get("load_start", ("?", "?"))
        L += [
            "| | |",
            "|---|---|",
            f"| Machine | {benchlib.cpu_model()}, {os.cpu_count()} cores, "
            f"{benchlib.ram_gib():.1f} GiB RAM, kernel {platform.release()}, Debian "
            f"{benchlib.debian_version()}; load average {la} at the start, {foreign} other "
            f"postmasters running |",
            f"| Date | {r.get('started', '?')} UTC |",
            f"| spur | {r.get('spur_version', '?')}, git {r.get('git', '?')}"
            f"{r.get('binary', '')}; `{r.get('serve_argv', 'spur serve')}` |",
            f"| PostgreSQL | {r.get('pg', '?')}; client libpq {r.get('libpq', '?')}; spur's default "
            f"settings, branch `bench` with max_connections={r.get('bench_max_connections')} |",
            f"| pgbouncer | {r.get('pgbouncer', 'not run')}: pool_mode=session, "
            f"auth_type=scram-sha-256 (plain password in auth_file), default_pool_size="
            f"{a.idle_clients + 50}, TCP to the branch's port |",
            f"| Storage | {r.get('fs', '?')}, {r.get('image_gib', '?')} GiB sparse image |",
            f"| Data | branch `bench`: `pgbench -i -s {a.scale}`; branch `wake`: "
            f"`pgbench -i -s {a.wake_scale}` (loaded in {r.get('load_wake_s', float('nan')):.0f} s) |",
            f"| Runs | {a.runs} rounds; pgbench `-c {a.clients} -j {a.threads} -T {a.duration}`; "
            f"{a.connects} connections per path per round; {a.idle_clients} idle clients; "
            f"{a.wakes} wakes |",
            "",
        ]
        # TPS details
        if any(r["tps"][m][p] for m in MODES for p in PATHS):
            L += [f"### Throughput: pgbench `-c {a.clients} -j {a.threads} -T {a.duration}`, "
                  "the three paths interleaved in each round (order rotated per round)", "",
                  "| workload | path | TPS per run | median TPS | median latency | vs direct |",
                  "|---|---|---|---:|---:|---:|"]
            for m in MODES:
                for p in self.paths:
                    runs = r["tps"][m][p]
                    if not runs:
                        continue
                    L.append(f"| {MODE_LABEL[m]} | {LABEL[p]} | "
                             f"{', '.join(format(x['tps'], ',.0f') for x in runs)} | "
                             f"{med_tps[m][p]:,.0f} | {med_lat[m][p]:.3f} ms | "
                             f"{fx(ratio(med_tps[m][p], med_tps[m]['direct']))} |")
            L.append("")
        # connection details
        if any(r["connect"][p] for p in PATHS):
            L += ["### New connection + `SELECT 1` (libpq in-process, SCRAM-SHA-256, no TLS)", "",
                  "| path | connections | p50 | p95 | mean | min | max |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
            for p in self.paths:
                xs = r["connect"][p]
                if xs:
                    L.append(f"| {LABEL[p]} | {len(xs)} | {ms(pct(xs, 0.5))} | "
                             f"{ms(pct(xs, 0.95))} | {ms(sum(xs) / len(xs))} | {ms(min(xs))} | "
                             f"{ms(max(xs))} |")
            L.append("")
        # memory details
        if any(r["memory"][p] for p in PATHS):
            L += [f"### Memory with {a.idle_clients} idle client connections (VmRSS of the "
                  "process the clients connect to)", "",
                  "| process | round | before | with the clients | after they left | per client | "
                  "all connected in |", "|---|---:|---:|---:|---:|---:|---:|"]
            for p in ("proxy", "pgbouncer"):
                for i, x in enumerate(r["memory"][p]):
                    L.append(f"| {'`spur serve`' if p == 'proxy' else 'pgbouncer'} | {i + 1} | "
                             f"{x['before'] / 1024:.1f} MiB | {x['during'] / 1024:.1f} MiB | "
                             f"{x['after'] / 1024:.1f} MiB | {x['per_client']:.1f} KiB | "
                             f"{x['connect_s']:.1f} s |")
            L.append("")
        # wake details
        if r["wake"]:
            xs = r["wake"]
            spur_ms = [float(x) for x in _woke_ms(self.read_log("serve.log"), "wake")]
            L += [f"### Wake: branch `wake` (pgbench scale {a.wake_scale}) suspended, then a new "
                  "connection + `SELECT 1` through the proxy", "",
                  f"{len(xs)} wakes: p50 {ms(w50)}, p95 {ms(w95)}, min {ms(min(xs))}, "
                  f"max {ms(max(xs))}. Each: " + ", ".join(f"{x * 1000:.0f}" for x in xs) + " ms."]
            if spur_ms:
                L += ["", f"spur's own log (\"proxy: woke branch wake in N ms\": connection to "
                      f"postgres accepting connections): p50 {pct(spur_ms, 0.5):.0f} ms, max "
                      f"{max(spur_ms):.0f} ms over {len(spur_ms)} wakes; the rest of the client's "
                      "time is the TCP connect, the SCRAM exchange relayed to the started "
                      "postgres, and the query."]
            if r.get("wake_anomalies"):
                L += ["", "spur_proxy_wakes_total did not grow by exactly 1 at wakes " +
                      ", ".join(f"{i} (+{w:.0f})" for i, w in r["wake_anomalies"]) + "."]
            L.append("")
        # spur's counters and logs
        m = r.get("metrics") or {}
        if m and "error" not in m:
            keep = [k for k in sorted(m) if k.startswith(("spur_proxy_connections_total",
                                                          "spur_proxy_connections_refused_total",
                                                          "spur_proxy_auth_failures_total",
                                                          "spur_proxy_wakes_total",
                                                          "spur_proxy_wake_seconds_sum",
                                                          "spur_proxy_wake_seconds_count"))]
            if keep:
                L += ["spur's proxy counters at the end (`GET /metrics`; since the daemon's "
                      "last restart, before the last memory measurement): " +
                      ", ".join(f"`{k}` {m[k]:g}" for k in keep) + ".", ""]
        problems = [l for l in self.read_log("serve.log").splitlines()
                    if l.lower().startswith(("warn", "error", "fatal", "critical"))
                    or " error" in l.lower()]
        if problems:
            L += [f"`spur serve` logged {len(problems)} warning/error lines, the first ones:", "",
                  "```"] + [self.redact(l) for l in problems[:10]] + ["```", ""]
        pgb_problems = [l for l in self.read_log("pgbouncer.stderr").splitlines()
                        if " WARNING " in l or " ERROR " in l or " FATAL " in l]
        if pgb_problems:
            L += [f"pgbouncer logged {len(pgb_problems)} warning/error lines, the first ones:", "",
                  "```"] + [self.redact(l) for l in pgb_problems[:10]] + ["```", ""]
        if r["noise"]:
            L += ["Load average at the start of each step (and postmasters running that are not "
                  "this benchmark's): " + "; ".join(f"{w} {la} ({n})" for w, la, n in r["noise"])
                  + ".", ""]
        L += [
            "### Method",
            "",
            "- One pool (`spur init --image`, reflink XFS on a loop device) and one daemon, "
            "`spur serve --proxy-listen 127.0.0.1:PORT`. All three paths reach the same branch "
            "`bench` (checked: same `pg_postmaster_start_time()`): direct = the branch's own "
            "port; proxy = the proxy's port with `options=--branch=bench`; pgbouncer = its own "
            "port, `[databases] app = host=127.0.0.1 port=<branch port>`. Every client uses "
            "TCP to 127.0.0.1, `sslmode=disable`, role `app` with the branch's password "
            "(SCRAM-SHA-256). The proxy relays the client's SCRAM exchange to postgres; pgbouncer "
            "answers it itself and logs in to postgres only when it opens a server connection.",
            "- **Throughput**: pgbench from the same machine; each round runs `-S` then TPC-B, "
            "each on the three paths in an order rotated per round, so drift hits every path "
            "alike. Before the rounds, a discarded `-S` warm-up on each path. TPC-B runs with "
            "pgbench's own vacuum of the small tables before each run; `-S` with `-n`. TPS is "
            "pgbench's \"without initial connection time\". On a 2-core machine the proxy, "
            "pgbouncer, pgbench and postgres share the cores: the proxy's CPU is taken from "
            "postgres and pgbench.",
            "- **Connection setup**: libpq's `PQconnectdb` + `PQexec(\"SELECT 1\")` called "
            "in-process from Python through ctypes, timed with `time.perf_counter()` from before "
            "the connect to the result (closing not timed): no process start in the numbers, "
            "unlike timing `psql`, and per-connection values, unlike pgbench `-C` (whose "
            "per-transaction latency excludes the connect). The same in every path: TCP "
            "connect, StartupMessage, SCRAM (4096 PBKDF2 iterations on the client and on "
            "postgres or pgbouncer), the query. pgbouncer's server connection is pooled, so its "
            "number has no postgres backend start in it; direct and proxy start a new backend "
            "per connection. 5 discarded connections per path first.",
            "- **Memory**: `pgbench -n -c N -j 2 -t 1` with a script `SELECT 1;` then "
            "`\\sleep 1800 s` holds N connections open and idle (each has run one query, so "
            "pgbouncer has linked a server connection to each). Once N clients are established "
            "on the listener (/proc/net/tcp) and postgres shows N `app` backends, VmRSS of "
            "the process (`/proc/PID/status`: `spur serve` as a whole, pgbouncer) is read three "
            "times 0.5 s apart (median); per client = (that − VmRSS before) / N. Before: one "
            "connection was opened and closed first. Every measurement is on a fresh process: "
            "pgbouncer started anew, `spur serve` restarted on the same ports (SIGTERM; its "
            "branches keep running). pgbench is then stopped and VmRSS read again once the "
            "clients are gone (*after they left*: what the process keeps).",
            "- **Wake**: branch `wake` holds `pgbench -i -s SCALE`. Each wake: `spur branch "
            "suspend wake` (waits until its postmaster is gone and `spur branch show` says "
            "suspended), 0.5 s pause, then connect + `SELECT 1` through the proxy, timed as "
            "above; the proxy starts the branch and the client waits transparently. "
            "`spur_proxy_wakes_total` is checked to grow by one per wake.",
            "- Percentiles interpolate between order statistics; with 20 values p95 is near the "
            "maximum.",
            "",
        ]
        text = "\n".join(L) + "\n"
        print(text)
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        benchlib.append_section(
            a.out, "# spur proxy: throughput, connection setup, wake and memory, versus direct "
            "and pgbouncer\n\nProduced by `bench/proxy/run.py`; newest run last. See "
            "`bench/proxy/README.md`.\n\n", text)


def _woke_ms(log_text, branch):
    out = []
    needle = f"proxy: woke branch {branch} in "
    for line in log_text.splitlines():
        i = line.find(needle)
        if i >= 0:
            w = line[i + len(needle):].split()
            if len(w) >= 2 and w[1] == "ms":
                try:
                    out.append(float(w[0]))
                except ValueError:
                    pass
    return out


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="a short check: " + ", ".join(f"{k.replace('_', '-')} {v}"
                                                       for k, v in QUICK.items()))
    ap.add_argument("--runs", type=int, help="rounds of every comparison (default 3)")
    ap.add_argument("--duration", type=int, help="seconds of each pgbench TPS run (default 30)")
    ap.add_argument("--scale", type=int, help="pgbench scale of the TPS branch (default 10)")
    ap.add_argument("--wake-scale", type=int,
                    help="pgbench scale of the branch that is woken (default 100, ~1.5 GB)")
    ap.add_argument("--wakes", type=int, help="wakes measured (default 20)")
    ap.add_argument("--connects", type=int,
                    help="connections per path per round for connection setup (default 100)")
    ap.add_argument("--idle-clients", type=int,
                    help="idle connections held open for the memory measurement (default 500)")
    ap.add_argument("--warmup", type=int,
                    help="seconds of discarded pgbench -S per path before the TPS rounds "
                    "(default 10)")
    ap.add_argument("--clients", type=int, default=8, help="pgbench -c (default 8)")
    ap.add_argument("--threads", type=int, default=2, help="pgbench -j (default 2)")
    ap.add_argument("--no-pgbouncer", action="store_true", help="leave pgbouncer out")
    ap.add_argument("--proxy-threads", type=int, default=2,
                    help="spur serve --proxy-threads (default 2, spur's default)")
    ap.add_argument("--spur", default=os.path.join(REPO, "build", "spur"),
                    help="spur binary (copied into the work directory first)")
    ap.add_argument("--pg-bindir", default="/usr/lib/postgresql/15/bin")
    ap.add_argument("--image", type=int, help="GiB of the pool's sparse XFS image "
                    "(default max(8, enough for both scales))")
    ap.add_argument("--port-base", type=int,
                    help="the pool's first branch port (default: a free range in 20000-30000)")
    ap.add_argument("--workdir", help="empty or new directory on a real disk (default: a new "
                    "/var/tmp/spur-proxy-* directory); deleted at the end")
    ap.add_argument("--out", default=os.path.join(REPO, "bench", "results", "proxy.md"),
                    help="Markdown file the section is appended to")
    ap.add_argument("--keep", action="store_true",
                    help="leave the pool, its postgres and the daemon running (debugging)")
    args = ap.parse_args()
    base = QUICK if args.quick else FULL
    for k, v in base.items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    for k in ("runs", "duration", "scale", "wake_scale", "wakes", "connects", "idle_clients",
              "clients", "threads"):
        if getattr(args, k) < 1:
            ap.error(f"--{k.replace('_', '-')} must be at least 1")
    return args


def main():
    args = parse_args()
    b = Bench(args)
    return benchlib.run_main(b, b.steps)


if __name__ == "__main__":
    sys.exit(main())
