#!/usr/bin/env python3
"""spur serve under a connection flood: old transport vs new.

On a throw-away pool (run.py's setup), for each `spur` binary given, starts
`spur serve` and, while a flooder keeps --idle idle connections and --slow
slowloris connections (a header line every 2 s) open against 127.0.0.1 (and
re-opens those the server closes), measures GET /healthz latency (sequential
requests, 5 s timeout each, a timeout counts as a failure) and one
POST /branches (latency, success). The flood comes from the source addresses
127.0.0.2-127.0.0.41 (at most 40 connections each) so that the per-address
connection cap admits all of it: the event loop, not the cap, is measured.

    sudo ./bench/serve-load/flood.py --old /path/to/old/spur [--runs 3]

Appends a section to bench/results/serve-load.md. Python 3 standard library.
"""

import argparse
import datetime
import errno
import http.client
import json
import os
import platform
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)),  # run.py
                os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]  # benchlib.py
import run  # noqa: E402  (the pool setup and cleanup)
import benchlib  # noqa: E402  (what the benchmarks share)

PER_SOURCE = 40


class Flooder:
    """Keeps `idle` + `slow` connections open to 127.0.0.1:port until stop()."""

    def __init__(self, port, idle, slow, seconds):
        self.port, self.idle, self.slow, self.seconds = port, idle, slow, seconds
        self.stop_flag = threading.Event()
        self.open_now = 0
        self.reopened = 0
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def connect(self, index):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((f"127.0.0.{2 + index // PER_SOURCE}", 0))
        err = s.connect_ex(("127.0.0.1", self.port))
        if err not in (0, errno.EINPROGRESS):
            s.close()
            return None
        return s

    def loop(self):
        sel = selectors.DefaultSelector()
        total = self.idle + self.slow
        socks = [None] * total
        end = time.monotonic() + self.seconds
        next_drip = time.monotonic() + 2
        first = True
        while not self.stop_flag.is_set() and time.monotonic() < end:
            for i in range(total):  # (re)open what is missing
                if socks[i] is None:
                    s = self.connect(i)
                    if s is None:
                        continue
                    socks[i] = s
                    sel.register(s, selectors.EVENT_READ, i)
                    if not first:
                        self.reopened += 1
                    if i >= self.idle:
                        try:
                            s.send(b"GET /healthz HTTP/1.1\r\n")
                        except OSError:
                            pass
            first = False
            self.open_now = sum(1 for s in socks if s is not None)
            for key, _ in sel.select(timeout=0.2):  # closed by the server (or answered)
                i = key.data
                try:
                    data = socks[i].recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(socks[i])
                    socks[i].close()
                    socks[i] = None
            if time.monotonic() >= next_drip:
                next_drip += 2
                for i in range(self.idle, total):
                    if socks[i] is not None:
                        try:
                            socks[i].send(b"X-Drip: 1\r\n")
                        except OSError:
                            pass
        for s in socks:
            if s is not None:
                s.close()

    def start(self):
        self.thread.start()

    def stop(self):
        self.stop_flag.set()
        self.thread.join()


def get(port, path, timeout):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status


class FloodBench(run.Bench):
    def start_daemon(self, spur):
        self.daemon = subprocess.Popen(
            [spur, "--pool", self.pool, "serve", "--listen", f"127.0.0.1:{self.port}", "-q"])
        for _ in range(100):
            try:
                if get(self.port, "/healthz", 2) == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{spur} serve did not come up")

    def stop_daemon(self):
        self.daemon.send_signal(signal.SIGTERM)
        try:
            self.daemon.wait(30)
        except subprocess.TimeoutExpired:
            self.daemon.kill()
            self.daemon.wait()
        self.daemon = None

    def one_run(self, label, k):
        a = self.args
        flood = Flooder(self.port, a.idle, a.slow, a.samples * 0.2 + 60)
        flood.start()
        time.sleep(3)  # let the flood build up
        lat, failed, why = [], 0, {}
        for _ in range(a.samples):
            t = time.monotonic()
            try:
                status = get(self.port, "/healthz", 5)
            except socket.timeout:
                status = "timeout"
            except OSError as e:
                status = type(e).__name__
            dt = time.monotonic() - t
            if status == 200:
                lat.append(dt)
            else:
                failed += 1
                why[str(status)] = why.get(str(status), 0) + 1
            time.sleep(max(0.0, 0.05 - dt))
        t = time.monotonic()
        try:
            status, body = self.request("POST", "/branches", {"name": f"flood-{label}-{k}"})
        except OSError as e:
            status, body = -1, str(e).encode()
        create = time.monotonic() - t
        held = flood.open_now
        flood.stop()
        if status == 201:
            self.run_spur("branch", "delete", f"flood-{label}-{k}", "--force", check=False)
        lat.sort()
        pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
        r = {"p50": pct(0.50), "p99": pct(0.99), "failed": failed, "create_ok": status == 201,
             "create": create, "held": held, "reopened": flood.reopened,
             "create_status": status, "why": why}
        run.log(f"   {label} run {k}: healthz p50 {r['p50']*1000:.1f} ms p99 {r['p99']*1000:.1f} ms, "
                f"{failed}/{a.samples} failed; create {status} in {create:.2f} s; "
                f"{held} flood connections open, {flood.reopened} re-opened")
        return r

    def main(self):
        a = self.args
        self.load_before = "/".join(f"{x:.1f}" for x in os.getloadavg())
        results = {}
        for label, spur in (("old", os.path.abspath(a.old)), ("new", self.spur)):
            # Each binary gets its own pool made by itself (pool formats differ across versions).
            self.spur, self.pool = spur, os.path.join(self.dir, f"pool-{label}")
            self.setup()  # run.py's pool and daemon; restarted below with default options
            self.stop_daemon()
            run.log(f"{label}: {spur}, {a.idle} idle + {a.slow} slow connections")
            self.start_daemon(spur)
            results[label] = [self.one_run(label, k) for k in range(a.runs)]
            self.stop_daemon()
            self.release_pool()
        self.report(results)

    def report(self, results):
        a = self.args
        cpu = benchlib.cpu_model()
        med = lambda label, key: statistics.median(r[key] for r in results[label])
        def merge(dicts):
            out = {}
            for d in dicts:
                for k, v in d.items():
                    out[k] = out.get(k, 0) + v
            return out or "none"
        def ms(x):
            return "n/a" if x != x else f"{x * 1000:.1f} ms"
        def ratio(key):
            o, n = med("old", key), med("new", key)
            return f"{o / n:.2f}×" if n == n and o == o and n > 0 else "n/a"
        rows = []
        for label in ("old", "new"):
            rs = results[label]
            rows.append(
                f"| {label} | {ms(med(label, 'p50'))} | {ms(med(label, 'p99'))} | "
                f"{sum(r['failed'] for r in rs)}/{a.samples * len(rs)} | "
                f"{sum(r['create_ok'] for r in rs)}/{len(rs)} | {med(label, 'create'):.2f} s | "
                f"{med(label, 'held'):.0f} |")
        lines = [
            f"## Flood run {datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M')} UTC "
            f"(`bench/serve-load/flood.py`)",
            "",
            f"Machine: {platform.node()}, nproc {os.cpu_count()} ({cpu}), kernel "
            f"{platform.release()}, load average {self.load_before} before the run. `spur serve` with "
            f"default options on a loop-mounted XFS pool; {a.idle} idle and {a.slow} slowloris "
            f"connections (a header line every 2 s) held open against 127.0.0.1 from "
            f"127.0.0.2-… (re-opened when the server closes them); {a.samples} sequential "
            f"`GET /healthz` (5 s timeout) then one `POST /branches` per run; medians of "
            f"{a.runs} runs. old = main before the event-driven transport (8292617), "
            f"new = this branch.",
            "",
            "| transport | /healthz p50 | /healthz p99 | healthz failed | creates ok | create latency | flood connections open |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *rows,
            f"| ratio old / new | {ratio('p50')} | {ratio('p99')} | | | | |",
            "",
            *[f"{label}: failed /healthz answers {why}; creates answered "
              f"{[r['create_status'] for r in results[label]]}."
              for label in ("old", "new")
              for why in [merge(r["why"] for r in results[label])]],
            "",
            "Target: p99 < 100 ms with the flood open, and branch create still succeeds.",
            "",
        ]
        text = "\n".join(lines) + "\n"
        print(text)
        out = os.path.join(run.REPO, "bench", "results", "serve-load.md")
        with open(out, "a") as f:
            f.write(text)
        run.log(f"appended to {out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spur", default=os.path.join(run.REPO, "build", "spur"))
    ap.add_argument("--old", required=True, help="spur built from the old transport")
    ap.add_argument("--image", default="30G")
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--slow", type=int, default=200)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--port-base", type=int, default=16000)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (loop-mounted image)")
    FloodBench(args).main()


if __name__ == "__main__":
    main()
