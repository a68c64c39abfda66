"""A spur server as a team runs it, on loopback: a pool made by `spur init`
(copy driver, a port range of its own) in a temporary directory, the pool's
CA (`spur tls init`), branches that require TLS, `spur serve --tls` on a free
port (with extra environment, such as a forge token, for the daemon only),
and a plain HTTP server that offers the spur binary for download. Also: the
API on the pool's Unix socket as its owner (local_api), a POST over TLS as a
forge sends webhooks (post), and `spur` as a CI job runs it (client).

close() stops the daemon, the download server and every postgres under the
pool, then removes the directory; it runs also when the test fails, is
interrupted (SIGINT, SIGTERM) or is left by an exception.
"""

import atexit
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


class FixtureError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port_range(count):
    """The first of `count` consecutive free ports below the ephemeral range,
    picked at random so that concurrent runs rarely meet."""
    for _ in range(100):
        base = random.randint(10000, 30000 - count)
        if all(port_free(p) for p in range(base, base + count)):
            return base
    raise FixtureError(f"no {count} consecutive free ports between 10000 and 30000")


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class SpurServer:
    def __init__(self, spur, keep=False):
        self.spur = os.path.abspath(spur)
        self.keep = keep
        self.dir = tempfile.mkdtemp(prefix="spur-runner-")
        os.chmod(self.dir, 0o755)  # postgres's OS user must reach the pool inside
        self.pool = os.path.join(self.dir, "pool")
        self.ca_file = os.path.join(self.dir, "spur-ca.pem")
        self.serve_log = os.path.join(self.dir, "serve.log")
        self.download_log = os.path.join(self.dir, "download.log")
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.serve = self.downloads = None
        self.download_url = self.download_sha256 = None
        self.closed = False
        atexit.register(self.close)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, _frame):
        raise SystemExit(f"run_examples: interrupted by signal {signum}")

    # -- local administration (the operator on the spur host) ---------------

    def env(self):
        env = {k: v for k, v in os.environ.items()
               if k not in ("SPUR_SERVER", "SPUR_TOKEN", "SPUR_CACERT", "SPUR_POOL",
                            "SPUR_CRASH_POINT")}
        return env

    def admin(self, *args, input_text=None, env=None, check=True):
        """`spur --pool POOL args...` as the operator; its stdout."""
        proc = subprocess.run([self.spur, "--pool", self.pool, *args], input=input_text,
                              capture_output=True, text=True, env={**self.env(), **(env or {})},
                              timeout=120)
        if check and proc.returncode != 0:
            raise FixtureError(f"spur {' '.join(args)} exited {proc.returncode}: "
                               f"{proc.stderr.strip()}")
        return proc.stdout

    def admin_json(self, *args):
        return json.loads(self.admin("--json", *args))

    def branch_names(self):
        return sorted(b["name"] for b in self.admin_json("branch", "list"))

    def local_api(self, method, path):
        """The API on <pool>/spur.sock as the pool's owner (admin, no
        token): (status, parsed JSON reply)."""
        conn = _UnixHTTPConnection(os.path.join(self.pool, "spur.sock"))
        try:
            conn.request(method, path)
            r = conn.getresponse()
            return r.status, json.loads(r.read() or b"null")
        except (OSError, ValueError) as e:
            raise FixtureError(f"{method} {path} on spur.sock: {e}") from None
        finally:
            conn.close()

    def post(self, path, body, headers):
        """POST `body` (bytes) to `spur serve` over TLS, as a forge would:
        (status, parsed JSON reply)."""
        context = ssl.create_default_context(cafile=self.ca_file)
        request = urllib.request.Request(self.url + path, data=body, method="POST",
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, context=context, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")
        except (OSError, ValueError) as e:
            raise FixtureError(f"POST {path}: {e}") from None

    def client(self, token, *args):
        """`spur args...` as a CI job runs it: over TLS with `token`, no
        pool. The finished process (not checked)."""
        env = {**self.env(), "SPUR_SERVER": self.url, "SPUR_TOKEN": token,
               "SPUR_CACERT": self.ca_file}
        return subprocess.run([self.spur, *args], capture_output=True, text=True, env=env,
                              timeout=120)

    # -- setup --------------------------------------------------------------

    def start(self, serve_env=None):
        """Pool, CA, TLS branches and `spur serve --tls`, with `serve_env`
        added to the daemon's environment (the forge token lives there)."""
        self.admin("init", "--driver", "copy", "--port-base", str(free_port_range(150)),
                   "--no-sample-data")
        self.admin("tls", "init")
        with open(self.ca_file, "w") as f:
            f.write(self.admin("tls", "ca"))
        self.admin("tls", "branches", "on")
        log = open(self.serve_log, "ab")
        self.serve = subprocess.Popen(
            [self.spur, "--pool", self.pool, "serve", "--listen", f"127.0.0.1:{self.port}", "--tls"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env={**self.env(), **(serve_env or {})})
        context = ssl.create_default_context(cafile=self.ca_file)
        deadline = time.time() + 30
        while True:
            if self.serve.poll() is not None:
                raise FixtureError(f"spur serve exited {self.serve.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", context=context, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                raise FixtureError(f"spur serve did not answer /healthz in 30 s:\n{self.log_tail()}")
            time.sleep(0.1)

    def offer_download(self):
        """Serves the spur binary at http://127.0.0.1:PORT/spur (for spur-url)."""
        root = os.path.join(self.dir, "downloads")
        os.makedirs(root)
        os.symlink(self.spur, os.path.join(root, "spur"))
        port = free_port()
        self.downloads = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
             "--directory", root],
            stdin=subprocess.DEVNULL, stdout=open(self.download_log, "ab"),
            stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while port_free(port):
            if self.downloads.poll() is not None or time.time() > deadline:
                raise FixtureError("the download server did not start")
            time.sleep(0.05)
        self.download_url = f"http://127.0.0.1:{port}/spur"
        self.download_sha256 = sha256_of(self.spur)

    def downloads_served(self):
        with open(self.download_log, errors="replace") as f:
            return f.read().count('"GET /spur HTTP/1.1" 200')

    def log_tail(self, lines=40):
        try:
            with open(self.serve_log, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    # -- teardown -----------------------------------------------------------

    def close(self):
        if self.closed:
            return
        self.closed = True
        for proc in (self.serve, self.downloads):
            if proc and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self._stop_postgres()
        if self.keep:
            print(f"run_examples: kept {self.dir}", file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _postmasters(self):
        """Pids of postmasters whose data directory is under the pool: from
        every postmaster.pid there and from /proc (a process whose cwd is under
        the pool names its postmaster in that directory's postmaster.pid)."""
        dirs = set()
        for root, _dirs, files in os.walk(self.pool):
            if "postmaster.pid" in files:
                dirs.add(root)
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                cwd = os.readlink(f"/proc/{pid}/cwd")
            except OSError:
                continue
            if cwd.startswith(self.pool + "/") and os.path.exists(cwd + "/postmaster.pid"):
                dirs.add(cwd)
        pids = set()
        for d in dirs:
            try:
                with open(os.path.join(d, "postmaster.pid")) as f:
                    pids.add(int(f.readline().strip()))
            except (OSError, ValueError):
                pass
        return pids

    def _stop_postgres(self):
        pids = self._postmasters()
        for sig, wait_s in ((signal.SIGINT, 15), (signal.SIGQUIT, 5), (signal.SIGKILL, 5)):
            pids = {p for p in pids if _alive(p)}
            for p in pids:
                try:
                    os.kill(p, sig)
                except OSError:
                    pass
            deadline = time.time() + wait_s
            while any(_alive(p) for p in pids) and time.time() < deadline:
                time.sleep(0.1)


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
