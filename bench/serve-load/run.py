#!/usr/bin/env python3
"""spur serve load benchmark.

On a throw-away pool (sparse XFS image, reflink, loop-mounted) with the sample
data, starts `spur serve` and measures, in one run:

  a. 20 concurrent POST /branches over HTTP (all must succeed, ports distinct):
     per-request latency and wall time for the batch
  b. the same number of `spur branch create` run sequentially on the local
     pool (the CLI without a daemon), for comparison
  c. with 100 live (running) branches: GET /branches over TCP and over the
     Unix socket, `spur --server ... branch list`, and `spur branch list` on
     the local pool (which measures disk use of every branch each time)

Reports medians of several runs and appends a section to
bench/results/serve-load.md. Everything it creates is removed at exit, also
on failure or Ctrl-C. Python 3 standard library only.
"""

import argparse
import atexit
import concurrent.futures
import datetime
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(HERE))
import benchlib  # noqa: E402  (bench/benchlib.py: what the benchmarks share)
T0 = time.monotonic()


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')} +{time.monotonic() - T0:6.1f}s] {msg}", flush=True)


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=300):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


class Bench:
    def __init__(self, args):
        self.args = args
        self.spur = os.path.abspath(args.spur)
        self.dir = tempfile.mkdtemp(prefix="spur-serve-load-", dir="/var/tmp")
        os.chmod(self.dir, 0o755)  # postgres (the run-as user) must reach the pool
        self.pool = os.path.join(self.dir, "pool")
        self.daemon = None
        self.port = benchlib.free_port()
        self.token = None
        atexit.register(self.cleanup)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    def run_spur(self, *argv, check=True):
        p = subprocess.run([self.spur, "--pool", self.pool, *argv], capture_output=True, text=True)
        if check and p.returncode != 0:
            raise RuntimeError(f"spur {' '.join(argv)}: {p.stderr.strip()}")
        return p

    def cleanup(self):
        self.release_pool()
        shutil.rmtree(self.dir, ignore_errors=True)

    def release_pool(self):
        """Stops the daemon and every branch of self.pool and unmounts it."""
        if self.daemon and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(20)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
        if os.path.exists(os.path.join(self.pool, "spur.db")):
            lst = self.run_spur("--json", "branch", "list", check=False)
            try:
                names = [b["name"] for b in json.loads(lst.stdout) if b["parent"]]
            except ValueError:
                names = []
            # Children of main only, recursively: one call deletes everything.
            for n in names:
                self.run_spur("branch", "delete", n, "--recursive", "--force", check=False)
            self.run_spur("branch", "stop", "main", check=False)
        data = os.path.join(self.pool, "data")
        if os.path.ismount(data):
            subprocess.run(["umount", "-l", data])

    def request(self, method, path, body=None, unix=False, token=True):
        conn = (UnixHTTPConnection(os.path.join(self.pool, "spur.sock")) if unix
                else http.client.HTTPConnection("127.0.0.1", self.port, timeout=300))
        headers = {}
        if token and not unix:
            headers["Authorization"] = "Bearer " + self.token
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        payload = resp.read()
        conn.close()
        return resp.status, payload

    def setup(self):
        log(f"pool on a {self.args.image} XFS image at {self.pool}")
        self.run_spur("init", "--image", self.args.image, "--port-base", str(self.args.port_base),
                      "--pg", "shared_buffers=16MB", "--pg", "max_connections=20")
        self.token = self.run_spur("token", "create", "--role", "admin", "--owner",
                                   "bench").stdout.strip()
        self.daemon = subprocess.Popen(
            [self.spur, "--pool", self.pool, "serve", "--listen", f"127.0.0.1:{self.port}",
             "--threads", "24", "-q"])
        for _ in range(100):
            try:
                if self.request("GET", "/healthz", token=False)[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("spur serve did not come up")

    def concurrent_creates(self, n, prefix):
        def create(i):
            t = time.monotonic()
            status, body = self.request("POST", "/branches", {"name": f"{prefix}-{i}"})
            return status, json.loads(body), time.monotonic() - t

        t = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(n) as ex:
            results = list(ex.map(create, range(n)))
        wall = time.monotonic() - t
        failed = [r for r in results if r[0] != 201]
        if failed:
            raise RuntimeError(f"{len(failed)} of {n} creates failed: {failed[0][1]}")
        ports = [r[1]["port"] for r in results]
        if len(set(ports)) != n:
            raise RuntimeError("port clash among concurrent creates")
        return wall, [r[2] for r in results]

    def sequential_cli_creates(self, n, prefix):
        times = []
        for i in range(n):
            t = time.monotonic()
            self.run_spur("branch", "create", f"{prefix}-{i}")
            times.append(time.monotonic() - t)
        return sum(times), times

    def timed(self, fn, runs):
        out = []
        for _ in range(runs):
            t = time.monotonic()
            fn()
            out.append(time.monotonic() - t)
        return statistics.median(out)

    def main(self):
        self.setup()
        runs = self.args.runs
        log("a. 20 concurrent creates through the API")
        api_wall, api_each = self.concurrent_creates(20, "api")
        log(f"   wall {api_wall:.2f}s, per request p50 {statistics.median(api_each):.3f}s")
        log("b. 20 sequential creates with the local CLI")
        cli_wall, cli_each = self.sequential_cli_creates(20, "cli")
        log(f"   wall {cli_wall:.2f}s, per command p50 {statistics.median(cli_each):.3f}s")
        have = 1 + 40
        log(f"filling to {self.args.branches} live branches")
        i = 0
        while have < self.args.branches:
            k = min(20, self.args.branches - have)
            self.concurrent_creates(k, f"fill{i}")
            have += k
            i += 1
        status, body = self.request("GET", "/branches")
        branches = json.loads(body)
        running = sum(1 for b in branches if b["state"] == "running")
        log(f"{len(branches)} branches, {running} running")
        if len(branches) != self.args.branches or running != self.args.branches:
            raise RuntimeError("not every branch is live")
        # Let the daemon's usage cache warm (it measures in the background).
        time.sleep(2)
        tcp = self.timed(lambda: self.request("GET", "/branches"), runs)
        unix = self.timed(lambda: self.request("GET", "/branches", unix=True), runs)
        cli_server = self.timed(lambda: subprocess.run(
            [self.spur, "--server", f"http://127.0.0.1:{self.port}", "--token", self.token,
             "branch", "list"], capture_output=True, check=True), runs)
        cli_local = self.timed(lambda: self.run_spur("branch", "list"), runs)
        log(f"c. list {len(branches)}: API tcp {tcp * 1000:.0f} ms, unix {unix * 1000:.0f} ms, "
            f"CLI via server {cli_server * 1000:.0f} ms, CLI local {cli_local * 1000:.0f} ms")
        self.report(api_wall, api_each, cli_wall, cli_each, len(branches), tcp, unix, cli_server,
                    cli_local)

    def report(self, api_wall, api_each, cli_wall, cli_each, n, tcp, unix, cli_server, cli_local):
        cpu, mem = benchlib.cpu_model(), benchlib.ram_gib()
        p50 = statistics.median
        lines = [
            f"## Run {datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M')} UTC",
            "",
            f"Machine: {platform.node()}, {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, "
            f"kernel {platform.release()}; pool on a sparse XFS image (reflink) on a loop device; "
            f"sample data; every branch running (shared_buffers=16MB). Medians of {self.args.runs} runs.",
            "",
            "| 20 branch creates | wall time | per create p50 | per create max |",
            "|---|---:|---:|---:|",
            f"| 20 concurrent `POST /branches` (spur serve) | {api_wall:.2f} s | {p50(api_each):.3f} s | {max(api_each):.3f} s |",
            f"| 20 sequential `spur branch create` (local) | {cli_wall:.2f} s | {p50(cli_each):.3f} s | {max(cli_each):.3f} s |",
            f"| ratio API / local CLI (wall) | {api_wall / cli_wall:.2f}× | | |",
            "",
            "All 20 concurrent creates succeeded with 20 distinct ports (creates are serialized by",
            "the pool lock; concurrency is safe, not parallel).",
            "",
            f"| list {n} live branches | p50 | target |",
            "|---|---:|---:|",
            f"| `GET /branches` over TCP | {tcp * 1000:.0f} ms | < 200 ms |",
            f"| `GET /branches` over the Unix socket | {unix * 1000:.0f} ms | |",
            f"| `spur --server … branch list` (process start + HTTP + table) | {cli_server * 1000:.0f} ms | |",
            f"| `spur branch list` on the local pool (measures every branch's disk use) | {cli_local * 1000:.0f} ms | |",
            f"| ratio local / API over TCP | {cli_local / tcp:.1f}× | |",
            "",
        ]
        text = "\n".join(lines) + "\n"
        print(text)
        out = os.path.join(REPO, "bench", "results", "serve-load.md")
        header = not os.path.exists(out)
        with open(out, "a") as f:
            if header:
                f.write("# spur serve: concurrent creates and listing 100 live branches\n\n"
                        "Produced by `bench/serve-load/run.py`; newest run last.\n\n")
            f.write(text)
        log(f"appended to {out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spur", default=os.path.join(REPO, "build", "spur"))
    ap.add_argument("--image", default="30G")
    ap.add_argument("--branches", type=int, default=100)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--port-base", type=int, default=16000)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (loop-mounted image)")
    Bench(args).main()


if __name__ == "__main__":
    main()
