#!/usr/bin/env python3
"""spur branch-latency benchmark.

Builds a throw-away pool on a loop-mounted XFS image, loads pgbench data into
`main`, then measures side by side, on the same data:

  a. spur: `spur branch create` -> first query answered on the new branch
  b. the floor: reflink copy of a cleanly stopped copy of main + start postgres
     + first query (what any copy-on-write branching tool has to pay)
  c. CREATE DATABASE ... TEMPLATE app STRATEGY FILE_COPY -> first query
  d. pg_dump -Fc | pg_restore into a fresh database -> first query
  e. exclusive disk bytes of a fresh branch, and after updating 1% of rows
  f. pgbench TPS on a branch vs on main

and appends a markdown section to the results file. Everything it creates
(postgres processes, the loop mount, directories) is removed at exit, also on
failure or Ctrl-C. Python 3 standard library only; queries go through psql.

See README.md next to this file.
"""

import argparse
import datetime
import errno
import fcntl
import json
import os
import platform
import random
import re
import shutil
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(HERE))
import benchlib  # noqa: E402  (bench/benchlib.py: what the benchmarks share)
from benchlib import fmt_bytes, log, pid_alive, postmaster_pid  # noqa: E402

MIB = 1024 * 1024
GIB = 1024 * MIB
PAGE = 8192


class CmdError(RuntimeError):
    pass


def run(argv, check=True, timeout=None, env=None, input=None, quiet=False):
    """Runs argv, returns CompletedProcess (text). Raises CmdError on failure."""
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout, env=env, input=input)
    except subprocess.TimeoutExpired as e:
        raise CmdError(f"timed out after {timeout}s: {' '.join(argv)}") from e
    if check and p.returncode != 0:
        raise CmdError(f"exit {p.returncode}: {' '.join(argv)}\n--- stdout:\n{p.stdout[-3000:]}"
                       f"\n--- stderr:\n{p.stderr[-3000:]}")
    return p


def pct(values, q):
    """Percentile with linear interpolation between order statistics."""
    v = sorted(values)
    if not v:
        return float("nan")
    if len(v) == 1:
        return v[0]
    k = (len(v) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def fmt_s(x):
    if x is None or x != x:
        return "n/a"
    if x < 10:
        return f"{x:.3f} s"
    if x < 600:
        return f"{x:.1f} s"
    return f"{x:.0f} s ({x / 60:.1f} min)"


def pf(ok):
    return "**PASS**" if ok else "**FAIL**"


# ---------------------------------------------------------------- FIEMAP ----
FS_IOC_FIEMAP = 0xC020660B
FIEMAP_FLAG_SYNC = 0x1
FIEMAP_EXTENT_LAST = 0x1
FIEMAP_EXTENT_SHARED = 0x2000
FIEMAP_MAX_OFFSET = 0xFFFFFFFFFFFFFFFF
_FM_HDR = struct.Struct("=QQIIII")          # start, length, flags, mapped, count, reserved
_FM_EXT = struct.Struct("=QQQQQIIII")       # logical, physical, length, res[2], flags, res[3]
_FM_N = 512


def fiemap_usage(path):
    """(exclusive, shared) allocated bytes of one file, by extent SHARED flag."""
    excl = shared = 0
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return 0, 0
    try:
        start = 0
        while True:
            buf = bytearray(_FM_HDR.size + _FM_EXT.size * _FM_N)
            _FM_HDR.pack_into(buf, 0, start, FIEMAP_MAX_OFFSET - start, FIEMAP_FLAG_SYNC, 0,
                              _FM_N, 0)
            fcntl.ioctl(fd, FS_IOC_FIEMAP, buf)
            mapped = _FM_HDR.unpack_from(buf, 0)[3]
            if mapped == 0:
                break
            last = False
            end = start
            for i in range(mapped):
                logical, _phys, length, _r0, _r1, flags, _a, _b, _c = _FM_EXT.unpack_from(
                    buf, _FM_HDR.size + i * _FM_EXT.size)
                if flags & FIEMAP_EXTENT_SHARED:
                    shared += length
                else:
                    excl += length
                if flags & FIEMAP_EXTENT_LAST:
                    last = True
                end = logical + length
            if last or end <= start:
                break
            start = end
    finally:
        os.close(fd)
    return excl, shared


def tree_usage(root, split=("pg_wal",)):
    """{'total': (excl, shared), '<top-level dir>': (excl, shared)} for dirs in split."""
    out = {"total": [0, 0]}
    for s in split:
        out[s] = [0, 0]
    for dirpath, _dirs, files in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        top = rel.split(os.sep)[0]
        for f in files:
            p = os.path.join(dirpath, f)
            if not os.path.isfile(p) or os.path.islink(p):
                continue
            e, s = fiemap_usage(p)
            out["total"][0] += e
            out["total"][1] += s
            if top in out:
                out[top][0] += e
                out[top][1] += s
    return {k: tuple(v) for k, v in out.items()}


def changed_pages(base, other, skip=("pg_wal",)):
    """Counts 8 KiB pages of `other` that differ from `base` (files under both
    data directories, pg_wal skipped). Pages past the end of the base file
    count as changed. Returns (changed_pages, per-top-level-dir dict)."""
    if not os.path.isdir(os.path.join(base, "base")):
        raise CmdError(f"no data directory to compare against at {base}")
    total = 0
    per = {}
    chunk = 1 * MIB
    for dirpath, dirs, files in os.walk(other):
        rel = os.path.relpath(dirpath, other)
        top = rel.split(os.sep)[0]
        if top in skip:
            dirs[:] = []
            continue
        for f in files:
            po = os.path.join(dirpath, f)
            pb = os.path.join(base, rel, f)
            if not os.path.isfile(po) or os.path.islink(po):
                continue
            n = 0
            try:
                fb = open(pb, "rb")
            except OSError:
                fb = None
            with open(po, "rb") as fo:
                while True:
                    a = fo.read(chunk)
                    if not a:
                        break
                    b = fb.read(chunk) if fb else b""
                    if a == b:
                        continue
                    for off in range(0, len(a), PAGE):
                        if a[off:off + PAGE] != b[off:off + PAGE]:
                            n += 1
            if fb:
                fb.close()
            key = "base" if top == "base" else ("global" if top == "global" else "other")
            per[key] = per.get(key, 0) + n
            total += n
    return total, per


# ------------------------------------------------------------ postgres ------
PM_LOG_RE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) (\S+) \[\d+\] \w+:\s+(.*)$")


def parse_pg_log(path):
    """[(epoch seconds, message)] of a postgres stderr log."""
    out = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = PM_LOG_RE.match(line)
                if not m:
                    continue
                ts, tz, msg = m.groups()
                dt = datetime.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S.%f")
                if tz in ("UTC", "GMT", "Z"):
                    t = dt.replace(tzinfo=datetime.timezone.utc).timestamp()
                else:
                    t = time.mktime(dt.timetuple()) + dt.microsecond / 1e6
                out.append((t, msg))
    except OSError:
        pass
    return out


def startup_phases(path, after):
    """Startup milestones in a postgres log (first occurrence after `after`)."""
    ev = [(t, m) for t, m in parse_pg_log(path) if t >= after - 1.0]
    res = {}

    def first(pred, key):
        for t, m in ev:
            if pred(m):
                res[key] = t
                return

    first(lambda m: m.startswith("starting PostgreSQL"), "pm_start")
    first(lambda m: m.startswith("database system was"), "startup_proc")
    first(lambda m: m.startswith("starting backup recovery") or m.startswith("redo starts")
          or m.startswith("database system is ready"), "after_sync")
    first(lambda m: m.startswith("database system is ready to accept connections"), "ready")
    return res


def stop_pgdata(*pgdatas, timeout=60):
    """Fast-shutdown the postmasters running on these data directories (all at
    once), escalating to SIGQUIT and SIGKILL for those that do not exit."""
    pids = [p for p in (postmaster_pid(d) for d in pgdatas) if p]
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGQUIT, 10), (signal.SIGKILL, 10)):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.waitpid(pid, os.WNOHANG)       # reap if it is our child
                except ChildProcessError:
                    pass
            pids = [p for p in pids if pid_alive(p)]
            if not pids:
                return
            time.sleep(0.02)


def uri_with_db(uri, db):
    return uri.rsplit("/", 1)[0] + "/" + db


def uri_with_port(uri, port):
    return re.sub(r"@([^:/]+):\d+/", lambda m: f"@{m.group(1)}:{port}/", uri)


# ------------------------------------------------------------- benchmark ----
class Bench:
    def __init__(self, args):
        self.a = args
        self.pgbin = args.pg_bindir
        self.psql = os.path.join(self.pgbin, "psql")
        self.res = {"scale": args.scale}
        self.notes = []
        self.cleaned = False
        self.created_workdir = False
        self.workdir = None
        self.pool = None
        self.floor_dirs = set()
        self.floor_procs = []
        self.main = None
        self.snap_ids = {}

    # ---------------------------------------------------------- helpers --
    def spur(self, *args, json_out=False, check=True, timeout=3600):
        argv = [self.spur_bin, "--pool", self.pool] + (["--json"] if json_out else []) + list(args)
        p = run(argv, check=check, timeout=timeout)
        if json_out and p.returncode == 0:
            return json.loads(p.stdout)
        return p

    def show(self, name):
        return self.spur("branch", "show", name, json_out=True)

    def super_args(self, info, db):
        bid = os.path.basename(info["data_directory"].rstrip("/"))
        return ["-h", os.path.join(self.pool, "run", bid), "-p", str(info["port"]),
                "-U", "postgres", "-d", db]

    def sql_super(self, info, db, sql, timeout=None):
        p = run([self.psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"] +
                self.super_args(info, db) + ["-c", sql], timeout=timeout)
        return p.stdout.strip()

    def sql_uri(self, uri, sql, check=True, timeout=None):
        p = run([self.psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", uri, "-c", sql],
                check=check, timeout=timeout)
        return p

    def first_query_sql(self):
        aid = random.randint(1, self.a.scale * 100000)
        return f"SELECT abalance FROM pgbench_accounts WHERE aid = {aid}"

    def first_query(self, uri, retry_until=None):
        """Runs the first query; retries (until `retry_until`) on failure."""
        sql = self.first_query_sql()
        while True:
            p = self.sql_uri(uri, sql, check=False, timeout=600)
            if p.returncode == 0 and p.stdout.strip() != "":
                return
            if retry_until is None or time.monotonic() > retry_until:
                raise CmdError(f"first query failed on {uri}: {p.stderr.strip()}")
            time.sleep(0.005)

    def snapshot_id(self, name):
        con = sqlite3.connect(f"file:{self.pool}/spur.db?mode=ro", uri=True, timeout=30)
        try:
            row = con.execute("SELECT id, consistency FROM snapshots WHERE name = ?",
                              (name,)).fetchone()
        finally:
            con.close()
        if not row:
            raise CmdError(f"snapshot {name} not in catalog")
        return row

    def fstrim(self):
        # Dropped databases free blocks inside the XFS image; hand them back to
        # the host disk so the sparse image does not grow without bound.
        run(["fstrim", os.path.join(self.pool, "data")], check=False, timeout=600)

    def host_free(self):
        st = os.statvfs(self.workdir)
        return st.f_bavail * st.f_frsize

    def ensure_space(self, need, what):
        """Trims the image, then checks that the host disk has `need` bytes free."""
        if self.host_free() < need:
            self.fstrim()
        if self.host_free() < need:
            raise CmdError(f"not enough space on the host disk for {what}: "
                           f"{fmt_bytes(self.host_free())} free, need about {fmt_bytes(need)}")

    # ------------------------------------------------------------ setup --
    def setup(self):
        a = self.a
        if os.geteuid() != 0:
            raise SystemExit("run as root: the pool uses a loop-mounted XFS image")
        wd, self.created_workdir = benchlib.make_workdir(a.workdir, "spur-bench-")
        self.workdir = wd
        os.chmod(wd, 0o755)                      # postgres must traverse it
        fs = self.fs_of(wd)
        if fs in ("tmpfs", "ramfs"):
            raise SystemExit(f"workdir {wd} is on {fs}; pick a directory on a real disk")
        self.host_fs = fs
        self.pool = os.path.join(wd, "pool")
        if len(self.pool) > 60:
            raise SystemExit("workdir path too long for postgres socket paths; pick a shorter one")
        # A private copy of the binary: a concurrent rebuild must not swap it mid-run.
        self.spur_bin = os.path.join(wd, "spur")
        shutil.copy2(a.spur, self.spur_bin)
        self.res["spur_version"] = run([self.spur_bin, "--version"]).stdout.strip()
        git = run(["git", "-C", REPO, "describe", "--always", "--dirty"], check=False)
        self.res["git"] = git.stdout.strip() if git.returncode == 0 else "?"

        img_gib = a.image_size or int((a.scale * 40 * MIB * 4 + 10 * GIB + GIB - 1) // GIB)
        self.res["image_gib"] = img_gib
        need = a.scale * 16 * MIB * 3 + 2 * GIB
        if self.host_free() < need:
            raise SystemExit(f"host disk has {fmt_bytes(self.host_free())} free, need about "
                             f"{fmt_bytes(need)} for scale {a.scale}")
        log(f"workdir {wd} ({fs}); pool image {img_gib}G (sparse); spur {self.res['spur_version']}"
            f" ({self.res['git']})")
        self.spur("init", "--image", f"{img_gib}G", "--no-sample-data",
                  "--port-base", str(a.port_base))
        self.main = self.show("main")
        log(f"pool ready; main on port {self.main['port']}")

    @staticmethod
    def fs_of(path):
        best, fs = "", "?"
        with open("/proc/mounts") as f:
            for line in f:
                parts = line.split()
                mnt = parts[1].replace("\\040", " ")
                if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
                    best, fs = mnt, parts[2]
        return fs

    def load(self):
        a = self.a
        uri = self.main["uri"]
        log(f"pgbench -i -s {a.scale} -q (this is the long part at big scales)")
        t = time.monotonic()
        run([os.path.join(self.pgbin, "pgbench"), "-i", "-s", str(a.scale), "-q", uri],
            timeout=6 * 3600)
        self.res["load_s"] = time.monotonic() - t
        t = time.monotonic()
        self.sql_super(self.main, "app", "CHECKPOINT")
        self.res["load_checkpoint_s"] = time.monotonic() - t
        self.res["db_size"] = int(self.sql_super(self.main, "app",
                                                 "SELECT pg_database_size('app')"))
        self.res["accounts_size"] = int(self.sql_super(
            self.main, "app", "SELECT pg_total_relation_size('pgbench_accounts')"))
        self.main = self.show("main")
        self.res["main_logical"] = self.main.get("logical_bytes")
        log(f"loaded in {fmt_s(self.res['load_s'])}; app is {fmt_bytes(self.res['db_size'])}, "
            f"main's data directory {fmt_bytes(self.res['main_logical'])}")

    def make_floor_source(self):
        # The floor copies a *cleanly stopped* copy of main: stop main, take a
        # named (clean) snapshot, start main again.
        log("floor source: stopping main for a clean named snapshot")
        self.spur("branch", "stop", "main")
        self.spur("snapshot", "create", "main", "--name", "floorsrc")
        self.spur("branch", "start", "main")
        self.main = self.show("main")
        sid, consistency = self.snapshot_id("floorsrc")
        self.floor_src = os.path.join(self.pool, "data", "snapshots", str(sid))
        self.res["floor_consistency"] = consistency
        log(f"floor source {self.floor_src} ({consistency})")

    # ------------------------------------------------- a/b: latency loop --
    def spur_create(self, name, extra=()):
        t0w = time.time()
        t0 = time.monotonic()
        p = self.spur("-v", "branch", "create", name, *extra)
        t_exit = time.monotonic()
        uris = [l for l in p.stdout.splitlines() if l.startswith("postgresql://")]
        uri = uris[-1] if uris else self.spur("uri", name).stdout.strip()
        self.first_query(uri)
        t1 = time.monotonic()
        r = {"name": name, "total": t1 - t0, "create": t_exit - t0, "t0_wall": t0w,
             "exit_wall": t0w + (t_exit - t0), "uri": uri}
        # spur -v may log its own laps ("... cloned in X ms", "... started ... in Y ms").
        m = re.search(r"cloned in ([\d.]+) ms", p.stderr)
        if m:
            r["spur_clone_ms"] = float(m.group(1))
        m = re.search(r"postgres started[^\n]*? in ([\d.]+) ms", p.stderr)
        if m:
            r["spur_start_ms"] = float(m.group(1))
        return r

    def spur_create_measured(self, name, extra=()):
        r = self.spur_create(name, extra)
        info = self.show(name)
        r["exclusive"] = info.get("exclusive_bytes")
        r["shared"] = info.get("shared_bytes")
        ph = startup_phases(info["log"], r["t0_wall"])
        if "pm_start" in ph and "ready" in ph:
            r["ph_pre"] = ph["pm_start"] - r["t0_wall"]
            r["ph_sync"] = (ph["after_sync"] - ph["startup_proc"]) if "after_sync" in ph and \
                "startup_proc" in ph else None
            r["ph_pgstart"] = ph["ready"] - ph["pm_start"]
            r["ph_post"] = r["exit_wall"] - ph["ready"]
            r["ph_query"] = r["total"] - r["create"]
        return r

    def floor_once(self, i):
        dst = os.path.join(self.pool, "data", f"floor{i}")
        sock = os.path.join(self.workdir, f"fs{i}")
        logf = os.path.join(self.workdir, f"floor{i}.log")
        port = benchlib.free_port()
        self.floor_dirs.add(dst)
        t0 = time.monotonic()
        run(["cp", "-a", "--reflink=always", self.floor_src, dst])
        try:
            os.unlink(os.path.join(dst, "postmaster.pid"))
        except FileNotFoundError:
            pass
        conf = os.path.join(dst, "spur.conf")
        with open(conf) as f:
            lines = f.read().splitlines()
        repl = {"port": str(port), "unix_socket_directories": f"'{sock}'",
                "hba_file": f"'{dst}/pg_hba.conf'", "ident_file": f"'{dst}/pg_ident.conf'"}
        out = []
        for l in lines:
            k = l.split("=", 1)[0].strip()
            if k in repl:
                l = f"{k} = {repl.pop(k)}"
            out.append(l)
        out += [f"{k} = {v}" for k, v in repl.items()]
        with open(conf, "w") as f:
            f.write("\n".join(out) + "\n")
        os.makedirs(sock, mode=0o700, exist_ok=True)
        run(["chown", "-R", "postgres:postgres", dst, sock])
        lf = open(logf, "w")
        shutil.chown(logf, "postgres", "postgres")
        env = dict(os.environ, LC_ALL="C.UTF-8")
        proc = subprocess.Popen([os.path.join(self.pgbin, "postgres"), "-D", dst],
                                stdout=lf, stderr=lf, user="postgres", group="postgres",
                                extra_groups=[], env=env, cwd="/", start_new_session=True)
        lf.close()
        self.floor_procs.append(proc)
        # Wait for postmaster.pid to say "ready" (the 8th line), polling every 2 ms.
        deadline = time.monotonic() + 600
        pidfile = os.path.join(dst, "postmaster.pid")
        while True:
            if proc.poll() is not None:
                raise CmdError(f"floor postgres exited: {open(logf).read()[-2000:]}")
            try:
                with open(pidfile) as f:
                    pl = f.read().splitlines()
                if len(pl) >= 8 and pl[7].strip() == "ready":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise CmdError("floor postgres did not get ready in 600 s")
            time.sleep(0.002)
        uri = uri_with_port(self.main["uri"], port)
        self.first_query(uri, retry_until=time.monotonic() + 30)
        t1 = time.monotonic()
        r = {"total": t1 - t0}
        ph = startup_phases(logf, time.time() - (t1 - t0))
        if "pm_start" in ph and "ready" in ph:
            r["ph_pgstart"] = ph["ready"] - ph["pm_start"]
        # Tear down (not timed).
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        self.floor_procs.remove(proc)
        shutil.rmtree(dst)
        self.floor_dirs.discard(dst)
        shutil.rmtree(sock, ignore_errors=True)
        try:
            os.unlink(logf)
        except OSError:
            pass
        return r

    def latency(self):
        a = self.a
        variants = [("spur", ())]
        if not a.no_extras:
            variants.append(("spur_syncfs", ("--pg", "recovery_init_sync_method=syncfs")))
            variants.append(("spur_clean", ("--snapshot", "floorsrc")))
        lat = {k: [] for k, _ in variants}
        lat["floor"] = []
        self.res["latency"] = lat
        prefix = {"spur": "b", "spur_syncfs": "s", "spur_clean": "c"}
        for i in range(1, a.branches + 1):
            for key, extra in variants:
                r = self.spur_create_measured(f"{prefix[key]}{i:02d}", extra)
                lat[key].append(r)
                if key == "spur" and "sync_method" not in self.res:
                    self.res["sync_method"] = self.sql_super(
                        self.show(r["name"]), "postgres", "SHOW recovery_init_sync_method")
            lat["floor"].append(self.floor_once(i))
            msg = ", ".join(f"{k} {lat[k][-1]['total']:.3f}s" for k in lat)
            log(f"round {i}/{a.branches}: {msg}")
        # Branch deletion (timed, informational).
        dels = []
        for key, _ in variants:
            for r in lat[key]:
                t = time.monotonic()
                self.spur("branch", "delete", r["name"])
                dels.append(time.monotonic() - t)
        self.res["delete"] = dels
        log(f"deleted {len(dels)} branches, p50 {pct(dels, .5):.3f}s")

    # --------------------------------------------- c/d: in-cluster peers --
    def peers_setup(self):
        log("creating branch tmplsrc for CREATE DATABASE / dump-restore runs")
        self.spur("branch", "create", "tmplsrc")
        self.tmpl = self.show("tmplsrc")

    def createdb(self):
        a = self.a
        runs = a.createdb_runs or (5 if a.scale < 1000 else 3)
        out = []
        self.res["createdb"] = out
        for i in range(1, runs + 1):
            db = f"fc{i}"
            self.ensure_space(int(self.res["db_size"] * 1.2) + 2 * GIB, "CREATE DATABASE")
            t0 = time.monotonic()
            for attempt in range(3):
                try:
                    self.sql_super(self.tmpl, "postgres",
                                   f"CREATE DATABASE {db} TEMPLATE app STRATEGY FILE_COPY")
                    break
                except CmdError as e:
                    if "being accessed by other users" not in str(e) or attempt == 2:
                        raise
                    self.notes.append("CREATE DATABASE had to be retried (template in use)")
                    time.sleep(1)
            self.first_query(uri_with_db(self.tmpl["uri"], db))
            dt = time.monotonic() - t0
            out.append(dt)
            log(f"CREATE DATABASE FILE_COPY run {i}/{runs}: {fmt_s(dt)}")
            self.sql_super(self.tmpl, "postgres", f"DROP DATABASE {db}")
            self.fstrim()

    def dump_restore(self):
        a = self.a
        runs = a.restore_runs or (3 if a.scale < 1000 else 1)
        out = []
        self.res["restore"] = out
        self.res["restore_planned"] = runs
        for i in range(1, runs + 1):
            db = f"dr{i}"
            self.ensure_space(int(self.res["db_size"] * 1.5) + 2 * GIB, "dump/restore")
            sa = self.super_args(self.tmpl, "app")
            t0 = time.monotonic()
            self.sql_super(self.tmpl, "postgres", f"CREATE DATABASE {db}")
            dump = subprocess.Popen([os.path.join(self.pgbin, "pg_dump"), "-Fc"] + sa,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            rest = subprocess.Popen([os.path.join(self.pgbin, "pg_restore")] + sa[:-1] + [db],
                                    stdin=dump.stdout, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            dump.stdout.close()
            try:
                rout, rerr = rest.communicate(timeout=a.restore_timeout)
            except subprocess.TimeoutExpired:
                rest.kill()
                dump.kill()
                rest.communicate()
                dump.wait()
                out.append(None)
                self.notes.append(f"dump/restore run {i} stopped after {a.restore_timeout} s")
                log(f"dump/restore run {i} exceeded {a.restore_timeout}s; stopped")
                self.sql_super(self.tmpl, "postgres", f"DROP DATABASE {db} WITH (FORCE)")
                break
            derr = dump.stderr.read()
            dump.wait()
            if dump.returncode != 0 or rest.returncode != 0:
                raise CmdError(f"pg_dump|pg_restore failed: {derr.decode()[-2000:]} "
                               f"{rerr.decode()[-2000:]}")
            self.first_query(uri_with_db(self.tmpl["uri"], db))
            dt = time.monotonic() - t0
            out.append(dt)
            log(f"dump/restore run {i}/{runs}: {fmt_s(dt)}")
            self.sql_super(self.tmpl, "postgres", f"DROP DATABASE {db}")
            self.fstrim()
            if a.scale >= 1000 and dt > 900 and i < runs:
                self.notes.append(f"dump/restore stopped after {i} run(s): one run took "
                                  f"{fmt_s(dt)}")
                break

    # ----------------------------------------------- e: exclusive bytes --
    def exclusive(self):
        log("exclusive bytes: fresh branch 'upd', then update 1% of pgbench_accounts")
        self.ensure_space(int(self.res["db_size"] * 0.9) + 4 * GIB, "the 1% update")
        r = {}
        self.res["excl"] = r
        self.spur("branch", "create", "upd")
        info = self.show("upd")
        r["fresh_excl"] = info["exclusive_bytes"]
        r["fresh_shared"] = info["shared_bytes"]
        if not self.a.no_page_diff:
            # The reference for the page diff: a named snapshot of the fresh
            # branch (implicit snapshots may keep no data of their own).
            self.spur("snapshot", "create", "upd", "--name", "updbase")
        q = "SELECT (ctid::text::point)[0]::bigint FROM pgbench_accounts WHERE aid % 100 = 0"
        lsn0 = self.sql_super(info, "app", "SELECT pg_current_wal_lsn()")
        old_pages = set(self.sql_super(info, "app", q, timeout=3600).split())
        t = time.monotonic()
        n = self.sql_super(info, "app", "UPDATE pgbench_accounts SET abalance = abalance + 1 "
                           "WHERE aid % 100 = 0", timeout=3600)
        r["update_s"] = time.monotonic() - t
        new_pages = set(self.sql_super(info, "app", q, timeout=3600).split())
        self.sql_super(info, "app", "CHECKPOINT", timeout=3600)
        lsn1 = self.sql_super(info, "app", "SELECT pg_current_wal_lsn()")
        r["wal_bytes"] = int(self.sql_super(
            info, "app", f"SELECT pg_wal_lsn_diff('{lsn1}', '{lsn0}')::bigint"))
        r["rows"] = int(self.sql_super(info, "app",
                                       "SELECT count(*) FROM pgbench_accounts WHERE aid % 100 = 0"))
        r["heap_old_pages"] = len(old_pages)
        r["heap_new_pages"] = len(new_pages)
        r["heap_union_pages"] = len(old_pages | new_pages)
        r["heap_pages_total"] = int(self.sql_super(
            info, "app", "SELECT pg_relation_size('pgbench_accounts') / 8192"))
        r["pkey_pages_total"] = int(self.sql_super(
            info, "app", "SELECT pg_relation_size('pgbench_accounts_pkey') / 8192"))
        info = self.show("upd")
        r["after_excl"] = info["exclusive_bytes"]
        r["after_shared"] = info["shared_bytes"]
        u = tree_usage(info["data_directory"])
        r["fiemap_total_excl"] = u["total"][0]
        r["fiemap_wal_excl"] = u["pg_wal"][0]
        r["fiemap_data_excl"] = u["total"][0] - u["pg_wal"][0]
        if not self.a.no_page_diff:
            sid, _ = self.snapshot_id("updbase")
            base = os.path.join(self.pool, "data", "snapshots", str(sid))
            log("diffing the branch's pages against its base snapshot")
            t = time.monotonic()
            n, per = changed_pages(base, info["data_directory"])
            r["diff_pages"] = n
            r["diff_per"] = per
            r["diff_s"] = time.monotonic() - t
        log(f"fresh {fmt_bytes(r['fresh_excl'])}; after update {fmt_bytes(r['after_excl'])} "
            f"exclusive; heap union {r['heap_union_pages']} pages; "
            f"diff {r.get('diff_pages')} pages; WAL {fmt_bytes(r['wal_bytes'])}")
        self.spur("branch", "delete", "upd")
        if not self.a.no_page_diff:
            self.spur("snapshot", "delete", "updbase")
        self.fstrim()

    # ------------------------------------------------------------ f: TPS --
    def tps(self):
        a = self.a
        log(f"TPS: pgbench -c {a.tps_clients} -j {a.tps_threads} -T {a.tps_seconds}, "
            f"{a.tps_runs} runs each on main and branch 'tps', alternating")
        self.spur("branch", "create", "tps")
        br = self.show("tps")
        out = {"tpcb": {"main": [], "branch": []}, "select": {"main": [], "branch": []}}
        self.res["tps"] = out
        self.res["tps_warm"] = self.warm_up([("main", self.main), ("branch", br)])
        for mode, extra in (("tpcb", []), ("select", ["-S"])):
            for rep in range(a.tps_runs):
                order = [("main", self.main), ("branch", br)]
                if rep % 2:
                    order.reverse()
                for who, info in order:
                    p = run([os.path.join(self.pgbin, "pgbench"), "-c", str(a.tps_clients),
                             "-j", str(a.tps_threads), "-T", str(a.tps_seconds)] + extra +
                            [info["uri"]], timeout=a.tps_seconds * 10 + 600)
                    m = re.search(r"tps = ([\d.]+) \(without initial connection time\)", p.stdout)
                    if not m:
                        raise CmdError("no tps in pgbench output:\n" + p.stdout[-2000:])
                    out[mode][who].append(float(m.group(1)))
                    self.res.setdefault("tps_foreign", []).append(self.foreign())
                    log(f"  {mode} {who}: {float(m.group(1)):.0f} tps")
        self.spur("branch", "delete", "tps")

    def warm_up(self, targets):
        """A branch's files are other inodes than main's, so it has its own (cold)
        page cache. Read both data directories once if they fit in memory, then
        run a short select-only pgbench on each (discarded)."""
        a = self.a
        done = []
        with open("/proc/meminfo") as f:
            mem = {l.split(":")[0]: int(l.split()[1]) * 1024 for l in f}
        need = sum(self.res.get("main_logical") or 0 for _ in targets)
        if need < 0.6 * mem.get("MemAvailable", 0):
            t = time.monotonic()
            for _who, info in targets:
                for dirpath, _d, files in os.walk(os.path.join(info["data_directory"], "base")):
                    for fn in files:
                        try:
                            with open(os.path.join(dirpath, fn), "rb", buffering=0) as fh:
                                while fh.read(4 * MIB):
                                    pass
                        except OSError:
                            pass
            done.append(f"read both data directories into the page cache "
                        f"({fmt_s(time.monotonic() - t)})")
        else:
            done.append(f"data directories ({fmt_bytes(need)} together) do not fit in memory; "
                        f"not pre-read")
        if a.tps_warmup > 0:
            for who, info in targets:
                run([os.path.join(self.pgbin, "pgbench"), "-c", str(a.tps_clients), "-j",
                     str(a.tps_threads), "-T", str(a.tps_warmup), "-S", info["uri"]],
                    timeout=a.tps_warmup * 10 + 600)
            done.append(f"{a.tps_warmup} s select-only pgbench on each (discarded)")
        log("warm-up: " + "; ".join(done))
        return "; ".join(done)

    # --------------------------------------------------------- cleanup --
    def cleanup(self):
        if self.cleaned:
            return
        self.cleaned = True
        benchlib.ignore_signals()
        if self.a.keep and self.workdir:
            log(f"--keep: leaving {self.workdir} (pool {self.pool}) as is")
            return
        log("cleaning up")
        for proc in list(self.floor_procs):
            try:
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=60)
            except Exception:
                try:
                    proc.kill()
                    proc.wait(timeout=10)
                except Exception:
                    pass
        stop_pgdata(*self.floor_dirs)
        for d in list(self.floor_dirs):
            shutil.rmtree(d, ignore_errors=True)
        if self.pool and os.path.isdir(self.pool):
            dirs = []
            for sub in ("branches", "snapshots"):
                base = os.path.join(self.pool, "data", sub)
                if os.path.isdir(base):
                    dirs += [os.path.join(base, d) for d in os.listdir(base)]
            stop_pgdata(*dirs)
            benchlib.umount(os.path.join(self.pool, "data"))
        if self.workdir and os.path.isdir(self.workdir):
            data = os.path.join(self.pool, "data") if self.pool else None
            if data and os.path.ismount(data):
                log(f"WARNING: {data} is still mounted; not deleting {self.workdir}")
                return
            benchlib.remove_workdir(self.workdir, self.created_workdir)
        log("cleanup done")

    # ---------------------------------------------------------- report --
    def machine(self):
        m = {}
        model = "?"
        try:
            for l in run(["lscpu"]).stdout.splitlines():
                if l.startswith("Model name:"):
                    model = l.split(":", 1)[1].strip()
        except Exception:
            pass
        m["cpu"] = model
        m["cores"] = os.cpu_count()
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        m["ram"] = f"{kb / 1024 / 1024:.1f} GiB"
        m["kernel"] = platform.release()
        m["pg"] = run([os.path.join(self.pgbin, "postgres"), "--version"]).stdout.strip()
        return m

    def report(self, incomplete=None):
        r = self.res
        a = self.a
        if "latency" not in r and "load_s" not in r:
            return
        L = []
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        title = f"## Scale {a.scale} — {now}"
        if incomplete:
            title += " — INCOMPLETE"
        L += [title, ""]
        if incomplete:
            L += [f"> **The run did not finish** ({incomplete}); only the parts measured "
                  f"before that are shown.", ""]
        m = self.machine()
        L += ["| | |", "|---|---|",
              f"| Machine | {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, kernel {m['kernel']} |",
              f"| Storage | pool on a sparse {r.get('image_gib')} GiB XFS (reflink=1) image, "
              f"loop-mounted, on the host's {self.host_fs} disk |",
              f"| PostgreSQL | {m['pg']}, spur's default settings (shared_buffers 64MB, "
              f"max_wal_size 1GB) |",
              f"| spur | {r.get('spur_version')} (git {r.get('git')}); its branches run with "
              f"`recovery_init_sync_method = {r.get('sync_method', '?')}` |",
              f"| Data | `pgbench -i -s {a.scale}`: database `app` "
              f"{fmt_bytes(r.get('db_size'))} (pgbench_accounts with indexes "
              f"{fmt_bytes(r.get('accounts_size'))}), main's data directory "
              f"{fmt_bytes(r.get('main_logical'))}; load took {fmt_s(r.get('load_s'))} |",
              ""]
        lat = r.get("latency", {})
        rows = []

        def tot(key):
            return [x["total"] for x in lat.get(key, [])]

        spur50 = pct(tot("spur"), .5) if tot("spur") else None
        floor50 = pct(tot("floor"), .5) if tot("floor") else None
        if lat:
            L += ["### Time to a usable copy (start → first query answered)", "",
                  "Every row ends with the same query answered over TCP as role `app` "
                  "(`SELECT abalance FROM pgbench_accounts WHERE aid = <random>` via `psql`).", "",
                  "| Method | runs | p50 | p95 | min | max | p50 vs spur |",
                  "|---|---:|---:|---:|---:|---:|---:|"]

            def row(label, vals, ref=True):
                vals = [v for v in vals if v is not None]
                if not vals:
                    return f"| {label} | 0 | n/a | n/a | n/a | n/a | |"
                p50 = pct(vals, .5)
                ratio = f"{p50 / spur50:.2f}×" if (spur50 and ref) else "1.00×"
                return (f"| {label} | {len(vals)} | {fmt_s(p50)} | {fmt_s(pct(vals, .95))} | "
                        f"{fmt_s(min(vals))} | {fmt_s(max(vals))} | {ratio} |")

            L.append(row("**spur** `branch create` (main running) → first query", tot("spur"),
                         ref=False))
            if lat.get("spur_syncfs"):
                L.append(row("spur, same, with `--pg recovery_init_sync_method=syncfs`",
                             tot("spur_syncfs")))
            if lat.get("spur_clean"):
                L.append(row("spur `branch create --snapshot floorsrc` (clean snapshot)",
                             tot("spur_clean")))
            L.append(row("floor: `cp --reflink` of a clean copy + start postgres → first query",
                         tot("floor")))
            if "createdb" in r:
                L.append(row("`CREATE DATABASE … TEMPLATE app STRATEGY FILE_COPY` → first query",
                             r["createdb"]))
            if "restore" in r:
                L.append(row("`pg_dump -Fc | pg_restore` into a new database → first query",
                             r["restore"]))
            L.append("")
            if spur50 and floor50:
                L += [f"spur p50 / floor p50 = **{spur50 / floor50:.2f}×**.", ""]
            if r.get("delete"):
                L += [f"`spur branch delete` (not in the numbers above): p50 "
                      f"{fmt_s(pct(r['delete'], .5))}, p95 {fmt_s(pct(r['delete'], .95))} "
                      f"over {len(r['delete'])} branches.", ""]
            # Phase breakdown.
            ph = [x for x in lat.get("spur", []) if "ph_pre" in x]
            if ph:
                def med(k, rows_=ph):
                    v = [x[k] for x in rows_ if x.get(k) is not None]
                    return pct(v, .5) if v else None
                L += ["#### Where spur's create → first query time goes (p50 of each phase)", "",
                      "From the branch's postgres log timestamps (ms resolution):", "",
                      "| Variant | before postgres starts (backup start/stop on the parent, "
                      "clone, config) | "
                      "postgres start → ready | of which data-directory fsync before recovery | "
                      "ready → `spur` exits (role, catalog) | `spur` exit → query answered |",
                      "|---|---:|---:|---:|---:|---:|"]
                for key, label in (("spur", "default (from running main)"),
                                   ("spur_syncfs", "`recovery_init_sync_method=syncfs`"),
                                   ("spur_clean", "`--snapshot floorsrc` (clean)")):
                    rr = [x for x in lat.get(key, []) if "ph_pre" in x]
                    if rr:
                        L.append(f"| {label} | {fmt_s(med('ph_pre', rr))} | "
                                 f"{fmt_s(med('ph_pgstart', rr))} | {fmt_s(med('ph_sync', rr))} | "
                                 f"{fmt_s(med('ph_post', rr))} | {fmt_s(med('ph_query', rr))} |")
                laps = []
                for key in ("spur", "spur_syncfs", "spur_clean"):
                    c = [x["spur_clone_ms"] for x in lat.get(key, []) if "spur_clone_ms" in x]
                    s_ = [x["spur_start_ms"] for x in lat.get(key, []) if "spur_start_ms" in x]
                    if c and s_:
                        laps.append(f"{key}: clone {pct(c, .5):.0f} ms, start + role "
                                    f"{pct(s_, .5):.0f} ms")
                fl = [x["ph_pgstart"] for x in lat.get("floor", []) if "ph_pgstart" in x]
                if fl:
                    L.append(f"| floor | | {fmt_s(pct(fl, .5))} | | | |")
                L.append("")
                if laps:
                    L += ["spur's own `-v` laps (p50): " + "; ".join(laps) + ".", ""]
                L += ["The fsync column is the gap between postgres' \"database system was "
                      "interrupted\" and the start of recovery. A branch of a running parent is "
                      "a backup (pg_backup_start/stop around per-file clones), so postgres treats "
                      "it as crashed and first makes the data directory durable: with "
                      "`recovery_init_sync_method = fsync` (postgres' default) it opens and fsyncs "
                      "every file, and on the loop-mounted XFS each fsync of a freshly cloned "
                      "file forces the XFS log; with `syncfs` it makes one syncfs(2) call.", ""]
        # Exclusive bytes.
        ex = r.get("excl")
        fresh = [x["exclusive"] for x in lat.get("spur", []) if x.get("exclusive") is not None]
        if fresh or ex:
            L += ["### Disk: exclusive bytes (`spur --json branch show`)", ""]
            if fresh:
                L += [f"- Fresh branches (the {len(fresh)} `spur branch create` branches above, "
                      f"measured right after creation): median {fmt_bytes(pct(fresh, .5))}, "
                      f"max {fmt_bytes(max(fresh))} exclusive."]
            if ex:
                L += [f"- Fresh branch `upd`: {fmt_bytes(ex['fresh_excl'])} exclusive, "
                      f"{fmt_bytes(ex['fresh_shared'])} shared.",
                      f"- After `UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid % "
                      f"100 = 0` ({ex['rows']} rows, {fmt_s(ex['update_s'])}) and CHECKPOINT: "
                      f"**{fmt_bytes(ex['after_excl'])} exclusive** "
                      f"({fmt_bytes(ex['after_shared'])} shared).",
                      f"  - by FIEMAP here: {fmt_bytes(ex['fiemap_data_excl'])} outside pg_wal, "
                      f"{fmt_bytes(ex['fiemap_wal_excl'])} in pg_wal.",
                      f"- Heap pages touched (ctid page numbers of the updated rows): "
                      f"{ex['heap_old_pages']} holding the old versions, {ex['heap_new_pages']} "
                      f"holding the new versions, union {ex['heap_union_pages']} of "
                      f"{ex['heap_pages_total']} heap pages = "
                      f"**{fmt_bytes(ex['heap_union_pages'] * PAGE)}** (heap only: no index, "
                      f"visibility map or free space map pages; the primary key has "
                      f"{ex['pkey_pages_total']} pages = {fmt_bytes(ex['pkey_pages_total'] * PAGE)}"
                      f", and a non-HOT update adds an entry to the leaf of every updated aid).",
                      ]
                if "diff_pages" in ex:
                    per = ", ".join(f"{k} {v}" for k, v in sorted(ex["diff_per"].items()))
                    L += [f"- Pages that actually differ from a snapshot of the fresh branch "
                          f"(`updbase`, taken right before the update) "
                          f"(byte comparison of every file outside pg_wal, 8 KiB pages; heap, "
                          f"indexes, VM, FSM, catalogs; {per}): {ex['diff_pages']} pages = "
                          f"**{fmt_bytes(ex['diff_pages'] * PAGE)}**."]
                L += [f"- WAL written by the update + checkpoint (LSN difference): "
                      f"{fmt_bytes(ex['wal_bytes'])}; WAL is exclusive to the branch while it "
                      f"is kept, but old segments are removed after checkpoints, so pg_wal on "
                      f"disk holds {fmt_bytes(ex['fiemap_wal_excl'])} of it.", ""]
        # TPS.
        tp = r.get("tps")
        if tp and tp["tpcb"]["main"]:
            L += [f"### pgbench TPS, branch vs main (`-c {a.tps_clients} -j {a.tps_threads} "
                  f"-T {a.tps_seconds}`, {a.tps_runs} alternating runs each, medians)", "",
                  "| Workload | main runs | branch runs | main median | branch median | "
                  "branch / main |", "|---|---|---|---:|---:|---:|"]
            pair_lines = []
            for mode, label in (("tpcb", "TPC-B-like (default)"), ("select", "select-only (-S)")):
                mm, bb = tp[mode]["main"], tp[mode]["branch"]
                if mm and bb:
                    L.append(f"| {label} | {', '.join(f'{x:.0f}' for x in mm)} | "
                             f"{', '.join(f'{x:.0f}' for x in bb)} | {statistics.median(mm):.0f} | "
                             f"{statistics.median(bb):.0f} | "
                             f"{statistics.median(bb) / statistics.median(mm):.3f} |")
                    pr = [y / x for x, y in zip(mm, bb)]
                    pair_lines.append(f"{label}: " + ", ".join(f"{p:.2f}" for p in pr) +
                                      f" (median {statistics.median(pr):.2f})")
            L.append("")
            L += ["Branch/main ratio of each back-to-back pair of runs: " +
                  "; ".join(pair_lines) + ". The spread shows how noisy the machine was.", ""]
        # Targets.
        L += ["### Targets", "", "| Target | Measured | Result |", "|---|---|---|"]
        if tot("spur"):
            p50, p95 = pct(tot("spur"), .5), pct(tot("spur"), .95)
            L.append(f"| create → first query p50 ≤ 0.4 s | {fmt_s(p50)} | {pf(p50 <= 0.4)} |")
            L.append(f"| create → first query p95 ≤ 1 s | {fmt_s(p95)} | {pf(p95 <= 1.0)} |")
        if spur50 and floor50:
            L.append(f"| p50 within 1.5× the floor | {spur50 / floor50:.2f}× ({fmt_s(spur50)} vs "
                     f"{fmt_s(floor50)}) | {pf(spur50 <= 1.5 * floor50)} |")
        if fresh:
            L.append(f"| fresh branch ≤ 1 MiB exclusive | max {fmt_bytes(max(fresh))} over "
                     f"{len(fresh)} branches | {pf(max(fresh) <= MIB)} |")
        if ex:
            ref = ex.get("diff_pages", ex["heap_union_pages"]) * PAGE
            what = "changed pages (byte diff)" if "diff_pages" in ex else "heap pages touched"
            L.append(f"| after 1% update, exclusive ≤ 2× changed pages | "
                     f"{fmt_bytes(ex['after_excl'])} total = {ex['after_excl'] / ref:.2f}× "
                     f"{what} {fmt_bytes(ref)}; without pg_wal "
                     f"{fmt_bytes(ex['fiemap_data_excl'])} = {ex['fiemap_data_excl'] / ref:.2f}× |"
                     f" {pf(ex['after_excl'] <= 2 * ref)} (total); "
                     f"{pf(ex['fiemap_data_excl'] <= 2 * ref)} (without WAL) |")
        if tp and tp["tpcb"]["main"]:
            for mode, label in (("tpcb", "TPC-B"), ("select", "select-only")):
                mm, bb = tp[mode]["main"], tp[mode]["branch"]
                if mm and bb:
                    q = statistics.median(bb) / statistics.median(mm)
                    L.append(f"| TPS branch ≥ 0.95× main ({label}) | {q:.3f}× | {pf(q >= 0.95)} |")
        L.append("")
        notes = list(self.notes)
        if r.get("floor_consistency"):
            notes.append(f"The floor and `--snapshot floorsrc` start from snapshot `floorsrc`, "
                         f"taken while main was stopped (consistency `{r['floor_consistency']}`):"
                         f" postgres starts after a clean shutdown, no recovery. spur's default "
                         f"branch comes from a running main (pg_backup_start/stop + WAL replay).")
        cd = r.get("createdb") or []
        if len(cd) >= 3 and cd[0] > 2 * pct(cd[1:], .5):
            notes.append(f"CREATE DATABASE: the first run ({fmt_s(cd[0])}) reads the template "
                         f"from disk; the later ones find it in the page cache (a branch's files "
                         f"are separate inodes, so `tmplsrc` starts with a cold cache).")
        if r.get("tps_warm"):
            notes.append(f"TPS warm-up before the measured runs: {r['tps_warm']}.")
        if r.get("loadavg"):
            notes.append("Machine load at the start of each step — 1-minute load average (2 "
                         "cores; counts this benchmark's own processes and I/O waits too) / other "
                         "postgres servers / other pgbench processes running on the machine, not "
                         "started by this benchmark: "
                         + ", ".join(f"{w} {la} / {pm} / {pb}" for w, la, pm, pb in r["loadavg"])
                         + ".")
        tf = r.get("tps_foreign") or []
        busy = [x for x in tf if x[1] > 0]
        if tf:
            notes.append(f"During the TPS runs, another pgbench (not this benchmark's) was running "
                         f"at the end of {len(busy)} of {len(tf)} runs; other postgres servers "
                         f"seen: up to {max(x[0] for x in tf)}.")
        if "restore" in r and r.get("restore_planned", 0) > len([x for x in r["restore"] if x]):
            notes.append(f"dump/restore: {len([x for x in r['restore'] if x])} of "
                         f"{r['restore_planned']} planned runs measured.")
        notes.append("Runs are interleaved (spur, spur variants, floor in each round) so drift "
                     "hits every method alike. p95 is interpolated between order statistics; "
                     "with few runs it is close to the maximum.")
        L += ["Notes:", ""] + [f"- {n}" for n in notes] + [""]
        text = "\n".join(L) + "\n"
        out = os.path.abspath(a.out)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        new = not os.path.exists(out) or os.path.getsize(out) == 0
        with open(out, "a") as f:
            if new:
                f.write("# spur branch latency benchmark\n\nGenerated by "
                        "`bench/branch-latency/run.py`; one section per run (scale). See "
                        "`bench/branch-latency/README.md` for what is measured.\n\n")
            f.write(text)
        log(f"results appended to {out}")
        # Raw numbers next to it, for later analysis.
        raw = dict(r)
        raw["notes"] = notes
        raw["incomplete"] = incomplete
        with open(os.path.splitext(out)[0] + f"-scale{a.scale}.json", "w") as f:
            json.dump(raw, f, indent=1, default=str)

    # -------------------------------------------------------------- main --
    def foreign(self):
        """(postmasters, pgbench processes) on the machine that are not this run's."""
        pm = pb = 0
        mine = os.path.realpath(self.workdir) + "/" if self.workdir else None
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if not argv or not argv[0]:
                continue
            exe = os.path.basename(argv[0].decode(errors="replace"))
            if exe == "postgres" and b"-D" in argv:
                d = argv[argv.index(b"-D") + 1].decode(errors="replace") \
                    if argv.index(b"-D") + 1 < len(argv) else ""
                if not mine or not (os.path.realpath(d) + "/").startswith(mine):
                    pm += 1
            elif exe == "pgbench":
                try:
                    with open(f"/proc/{pid}/status") as f:
                        ppid = int([l for l in f if l.startswith("PPid:")][0].split()[1])
                except (OSError, IndexError, ValueError):
                    ppid = -1
                if ppid != os.getpid():
                    pb += 1
        return pm, pb

    def loadavg(self, what):
        try:
            with open("/proc/loadavg") as f:
                la = f.read().split()[0]
            pm, pb = self.foreign()
            self.res.setdefault("loadavg", []).append((what, la, pm, pb))
        except OSError:
            pass

    def main_steps(self):
        self.setup()
        self.load()
        self.make_floor_source()
        self.loadavg("latency rounds")
        self.latency()
        self.peers_setup()
        self.loadavg("CREATE DATABASE")
        self.createdb()
        self.loadavg("exclusive bytes")
        self.exclusive()
        if self.a.tps_runs > 0:
            self.loadavg("TPS")
            self.tps()
        if not self.a.no_restore:
            self.loadavg("dump/restore")
            self.dump_restore()
        self.loadavg("end")


def parse_args():
    p = argparse.ArgumentParser(description="spur branch-latency benchmark (see README.md)")
    p.add_argument("--scale", type=int, required=True, help="pgbench scale factor")
    p.add_argument("--branches", type=int, default=12,
                   help="branches per method for the latency comparison (default 12)")
    p.add_argument("--workdir", help="empty or new directory on a real disk (default: a new "
                   "/var/tmp/spur-bench-* directory); everything in it is deleted at the end")
    p.add_argument("--spur", default=os.path.join(REPO, "build", "spur"),
                   help="spur binary (copied into the workdir first)")
    p.add_argument("--out", default=os.path.join(REPO, "bench", "results", "branch-latency.md"),
                   help="markdown file to append this run's section to")
    p.add_argument("--pg-bindir", default="/usr/lib/postgresql/15/bin")
    p.add_argument("--image-size", type=int, help="pool image size in GiB (default "
                   "scale*160MiB + 10GiB; sparse)")
    p.add_argument("--port-base", type=int, default=7400, help="first port of the pool")
    p.add_argument("--createdb-runs", type=int, help="CREATE DATABASE runs (default 5, 3 at "
                   "scale >= 1000)")
    p.add_argument("--restore-runs", type=int, help="dump/restore runs (default 3, 1 at "
                   "scale >= 1000)")
    p.add_argument("--restore-timeout", type=int, help="give up on one dump/restore after N s")
    p.add_argument("--no-restore", action="store_true", help="skip dump/restore")
    p.add_argument("--no-extras", action="store_true", help="skip the two extra spur variants "
                   "(syncfs, clean snapshot)")
    p.add_argument("--no-page-diff", action="store_true",
                   help="skip the byte comparison of the updated branch against its snapshot")
    p.add_argument("--tps-seconds", type=int, default=30)
    p.add_argument("--tps-runs", type=int, default=3, help="runs per side and workload; 0 skips")
    p.add_argument("--tps-warmup", type=int, default=10,
                   help="seconds of select-only pgbench on each side before the TPS runs")
    p.add_argument("--tps-clients", type=int, default=4)
    p.add_argument("--tps-threads", type=int, default=2)
    p.add_argument("--keep", action="store_true", help="do not clean up (debugging)")
    return p.parse_args()


def main():
    args = parse_args()
    b = Bench(args)
    return benchlib.run_main(b, b.main_steps)


if __name__ == "__main__":
    sys.exit(main())
