"""What the benchmark scripts under bench/ share: logging, summary statistics and
formatting, the machine description, free ports, finding and stopping postgres
processes, cleaning up work directories and mounts, appending to a results file,
and main()'s harness (signals, a report marked INCOMPLETE, cleanup).

A script finds it with

    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import benchlib

Python 3 standard library only.
"""

import atexit
import ctypes
import ctypes.util
import hashlib
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import traceback

T0 = time.monotonic()  # when the first script imported this module: its start


# ------------------------------------------------------------- output --
def log(msg):
    """Prints msg to stdout with the wall-clock time and the seconds since the start."""
    print(f"[{time.strftime('%H:%M:%S')} +{time.monotonic() - T0:7.1f}s] {msg}", flush=True)


def tail(text, n=15):
    """The last n lines of text (None counts as empty), surrounding blank space removed."""
    return "\n".join((text or "").strip().splitlines()[-n:])


def med(xs):
    """The median of xs, or NaN when xs is empty."""
    return statistics.median(xs) if xs else float("nan")


def times(x, base):
    """x / base as "1.23×", or "–" when base is NaN or not positive."""
    return f"{x / base:.2f}×" if base == base and base > 0 else "–"


def fmt_bytes(n):
    """n bytes as "512 B", "1.5 KiB", … up to TiB; "n/a" for None."""
    if n is None:
        return "n/a"
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def append_section(path, header, text):
    """Appends text to the results file at path, writing header first if the file is new."""
    new = not os.path.exists(path)
    with open(path, "a") as f:
        if new:
            f.write(header)
        f.write(text)
    log(f"appended to {path}")


# ------------------------------------------------------------ machine --
def cpu_model():
    """The first "model name" of /proc/cpuinfo, or "unknown"."""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def ram_gib():
    """Physical memory in GiB (a float)."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def debian_version():
    """The contents of /etc/debian_version, or "?"."""
    try:
        with open("/etc/debian_version") as f:
            return f.read().strip()
    except OSError:
        return "?"


def binary_note(path, copy):
    """" (binary PATH, mtime …, sha256 …)": which build of a binary a run measured; path is
    the binary as given (its mtime), copy the private copy that runs (its hash)."""
    h = hashlib.sha256()
    with open(copy, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    mtime = time.gmtime(os.path.getmtime(path))
    return (f" (binary {path}, mtime {time.strftime('%Y-%m-%d %H:%M', mtime)} UTC, "
            f"sha256 {h.hexdigest()[:12]}…)")


def command_result(argv, returncode, out, err, check=True, log_path=None, shown=None):
    """The subprocess.CompletedProcess of a finished command. Appends the command, its
    output and exit status to log_path (if given); with check, a non-zero exit raises
    RuntimeError with the end of its output. shown: the command as written there (default:
    argv, joined with spaces when a list)."""
    if shown is None:
        shown = argv if isinstance(argv, str) else " ".join(argv)
    if log_path:
        with open(log_path, "a") as f:
            f.write(f"$ {shown}\n--- stdout\n{out}\n--- stderr\n{err}\n"
                    f"--- exit {returncode}\n")
    if check and returncode != 0:
        raise RuntimeError(f"command failed (exit {returncode}): {shown}\n"
                           f"{tail(err) or tail(out)}")
    return subprocess.CompletedProcess(argv, returncode, out, err)


def fs_line(path, run):
    """"xfs on /dev/loop3 (reflink=1, loop-mounted sparse image)": the file system holding
    path, from findmnt and xfs_info run through run(argv, check=…) (a CompletedProcess)."""
    p = run(["findmnt", "-no", "FSTYPE,SOURCE", "-T", path]).stdout.split()
    line = f"{p[0]} on {p[1]}"
    if p[0] == "xfs":
        info = run(["xfs_info", path], check=False).stdout
        if "reflink=1" in info:
            line += " (reflink=1"
            if p[1].startswith("/dev/loop"):
                line += ", loop-mounted sparse image"
            line += ")"
    return line


def noise(workdir):
    """(1-minute load average as text, number of postmasters running outside workdir): how
    busy the shared machine is."""
    try:
        with open("/proc/loadavg") as f:
            la = f.read().split()[0]
    except OSError:
        la = "?"
    mine = os.path.realpath(workdir) + "/"
    foreign = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.path.basename(os.readlink(f"/proc/{pid}/exe")) != "postgres":
                continue
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid != 1 and os.path.basename(os.readlink(f"/proc/{ppid}/exe")) == "postgres":
                continue  # a backend, not a postmaster
            cwd = os.path.realpath(os.readlink(f"/proc/{pid}/cwd")) + "/"
        except (OSError, ValueError, IndexError):
            continue
        if not cwd.startswith(mine):
            foreign += 1
    return la, foreign


# -------------------------------------------------------------- ports --
def port_free(port):
    """Whether port can be bound on 127.0.0.1 and on ::1 (when the host has IPv6)."""
    for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            s.bind((addr, port))
        except OSError as e:
            if fam == socket.AF_INET6 and e.errno == 99:  # no IPv6 on this host
                continue
            return False
        finally:
            s.close()
    return True


def free_port_range(count, lo=20000, hi=30000, tries=200):
    """The first of `count` consecutive free ports (port_free) in [lo, hi], below the
    ephemeral range, at a random place so that concurrent runs rarely meet."""
    for base in random.sample(range(lo, hi - count + 1), tries):
        if all(map(port_free, range(base, base + count))):
            return base
    raise RuntimeError(f"no {count} consecutive free ports between {lo} and {hi}")


# ----------------------------------------------------------- postgres --
def pid_alive(pid):
    """Whether a process with this pid exists (also one owned by another user)."""
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def postmaster_pid(pgdata):
    """The pid in pgdata/postmaster.pid if that process is a postgres running there."""
    try:
        with open(os.path.join(pgdata, "postmaster.pid")) as f:
            pid = int(f.readline())
        exe = os.path.basename(os.readlink(f"/proc/{pid}/exe"))
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except (OSError, ValueError):
        return None
    if exe != "postgres" or os.path.realpath(cwd) != os.path.realpath(pgdata):
        return None
    return pid


def stop_postmasters(pids, timeout=60):
    """Fast shutdown of these postmasters, escalating to SIGQUIT and SIGKILL."""
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGQUIT, 10), (signal.SIGKILL, 10)):
        pids = [p for p in pids if pid_alive(p)]
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and any(pid_alive(p) for p in pids):
            time.sleep(0.05)


def data_dirs_under(root):
    """Directories under root holding a postmaster.pid (not descending into data directories)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        if "PG_VERSION" in filenames:
            if "postmaster.pid" in filenames:
                out.append(dirpath)
            dirnames[:] = []
    return out


def free_port():
    """A TCP port on 127.0.0.1 that is free now (the kernel's pick)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


# -------------------------------------------------------------- libpq --
class LibPQ:
    """The few libpq calls a timed connection needs, through ctypes."""

    CONNECTION_OK = 0
    PGRES_TUPLES_OK = 2

    def __init__(self):
        name = ctypes.util.find_library("pq") or "libpq.so.5"
        try:
            self.lib = lib = ctypes.CDLL(name)
        except OSError as e:
            raise SystemExit(f"libpq not found ({e}): apt-get install libpq5 "
                             "(scripts/install-deps.sh installs it)")
        vp, cp = ctypes.c_void_p, ctypes.c_char_p
        for fn, res, args in (("PQconnectdb", vp, [cp]), ("PQstatus", ctypes.c_int, [vp]),
                              ("PQerrorMessage", cp, [vp]), ("PQexec", vp, [vp, cp]),
                              ("PQresultStatus", ctypes.c_int, [vp]),
                              ("PQresultErrorMessage", cp, [vp]),
                              ("PQgetvalue", cp, [vp, ctypes.c_int, ctypes.c_int]),
                              ("PQntuples", ctypes.c_int, [vp]),
                              ("PQnfields", ctypes.c_int, [vp]),
                              ("PQclear", None, [vp]), ("PQfinish", None, [vp]),
                              ("PQlibVersion", ctypes.c_int, [])):
            f = getattr(lib, fn)
            f.restype = res
            f.argtypes = args

    def version(self):
        v = self.lib.PQlibVersion()
        return f"{v // 10000}.{v % 10000}"

    def query(self, ci, sql):
        """(seconds from PQconnectdb to the result of sql, first row's values)."""
        lib = self.lib
        t0 = time.perf_counter()
        conn = lib.PQconnectdb(ci.encode())
        try:
            if not conn:
                raise RuntimeError("PQconnectdb returned NULL (out of memory)")
            if lib.PQstatus(conn) != self.CONNECTION_OK:
                raise RuntimeError("connection failed: " +
                                   (lib.PQerrorMessage(conn) or b"").decode(errors="replace").strip())
            res = lib.PQexec(conn, sql.encode())
            t1 = time.perf_counter()
            try:
                if lib.PQresultStatus(res) != self.PGRES_TUPLES_OK:
                    msg = (lib.PQresultErrorMessage(res) or lib.PQerrorMessage(conn) or b"")
                    raise RuntimeError(f"{sql}: " + msg.decode(errors="replace").strip())
                row = []
                if lib.PQntuples(res) > 0:
                    for i in range(lib.PQnfields(res)):
                        v = lib.PQgetvalue(res, 0, i)
                        row.append(v.decode() if v is not None else None)
            finally:
                lib.PQclear(res)
        finally:
            if conn:
                lib.PQfinish(conn)
        return t1 - t0, row


# ------------------------------------------------------------- bench --

    def connect(self, ci):
        """An open connection (a PGconn pointer) to ci; RuntimeError when it fails."""
        conn = self.lib.PQconnectdb(ci.encode())
        if not conn or self.lib.PQstatus(conn) != self.CONNECTION_OK:
            msg = self.lib.PQerrorMessage(conn).decode(errors="replace") if conn else "NULL"
            if conn:
                self.lib.PQfinish(conn)
            raise RuntimeError("connection failed: " + msg.strip())
        return conn

    def exec_seconds(self, conn, sql):
        """Seconds sql took on conn (its result discarded, success or not)."""
        t0 = time.perf_counter()
        res = self.lib.PQexec(conn, sql.encode())
        elapsed = time.perf_counter() - t0
        if res:
            self.lib.PQclear(res)
        return elapsed

    def finish(self, conn):
        self.lib.PQfinish(conn)


# ------------------------------------------------------------ cleanup --
def make_workdir(path, prefix):
    """(directory, created): path made absolute, which must be empty or absent (else
    SystemExit), or, for path None, a new /var/tmp/PREFIX* directory."""
    if path:
        wd = os.path.abspath(path)
        if os.path.exists(wd) and os.listdir(wd):
            raise SystemExit(f"--workdir {wd} exists and is not empty")
        created = not os.path.exists(wd)
        os.makedirs(wd, exist_ok=True)
        return wd, created
    return tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"), True


def remove_workdir(path, created):
    """Removes what make_workdir returned: the whole directory if it was created, else only
    what is inside (a symbolic link is removed, not followed)."""
    if created:
        shutil.rmtree(path, ignore_errors=True)
        return
    for e in os.listdir(path):
        p = os.path.join(path, e)
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p, ignore_errors=True)
        else:
            os.unlink(p)


def umount(mnt):
    """Unmounts mnt if mounted: up to 10 tries a second apart, then a lazy unmount."""
    for _ in range(10):
        if not os.path.ismount(mnt):
            return
        if subprocess.run(["umount", mnt], capture_output=True).returncode == 0:
            return
        time.sleep(1)
    subprocess.run(["umount", "-l", mnt], capture_output=True)


def remove_pool(pool):
    """Stops every postmaster under a `spur init --image` pool, unmounts its data and detaches
    the image's loop devices. False when the data is still mounted (leave the pool alone)."""
    data = os.path.join(pool, "data")
    stop_postmasters([p for p in (postmaster_pid(d) for d in data_dirs_under(data)) if p])
    umount(data)
    img = os.path.join(pool, "pool.img")
    if os.path.exists(img):  # a loop device left attached to the image
        lo = subprocess.run(["losetup", "-j", img], capture_output=True, text=True)
        for line in lo.stdout.splitlines():
            subprocess.run(["losetup", "-d", line.split(":", 1)[0]], capture_output=True)
    if os.path.ismount(data):
        log(f"WARNING: {data} is still mounted")
        return False
    return True


def ignore_signals():
    """Ignores SIGINT, SIGTERM and SIGHUP from now on (so cleanup is not cut short)."""
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        try:
            signal.signal(s, signal.SIG_IGN)
        except (ValueError, OSError):
            pass


# --------------------------------------------------------------- main --
def stop_reason(e):
    """What the report's INCOMPLETE line says about the exception e that ended a run."""
    if isinstance(e, SystemExit) and isinstance(e.code, int) and e.code > 128:
        return f"stopped by signal {e.code - 128}"
    if isinstance(e, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"


def run_main(bench, steps):
    """main()'s harness: runs steps() with SIGTERM and SIGHUP raising SystemExit(128 + signal),
    then, whatever happened, bench.report(incomplete) (incomplete: None, or why the run
    stopped early) and bench.cleanup() (also registered with atexit). Returns the exit
    status: 0, the SystemExit code, or 1."""
    atexit.register(bench.cleanup)

    def on_signal(sig, _frame):
        raise SystemExit(128 + sig)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    status = 0
    incomplete = None
    try:
        steps()
    except BaseException as e:  # noqa: BLE001 (report what was measured, then clean up)
        status = e.code if isinstance(e, SystemExit) and isinstance(e.code, int) else 1
        incomplete = stop_reason(e)
        if not isinstance(e, (KeyboardInterrupt, SystemExit)):
            traceback.print_exc()
        log(f"FAILED: {incomplete}")
    finally:
        try:
            bench.report(incomplete)
        except Exception:
            traceback.print_exc()
        bench.cleanup()
    return status
