#!/usr/bin/env python3
"""Regenerates the per-command sections of docs/cli.md from `spur --help`.

Keeps everything above the first "## spur " heading (hand-written) and
replaces the rest with each command's --help output, in the order below.
Usage: scripts/gen-cli-doc.py [path/to/spur]
"""
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPUR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build", "spur")
COMMANDS = [
    "init", "status", "branch create", "branch list", "branch show", "branch delete",
    "branch reset", "branch start", "branch stop", "branch suspend", "branch extend", "branch protect",
    "branch unprotect", "branch update", "snapshot create", "snapshot list", "snapshot delete",
    "uri", "psql", "cost", "serve", "token create", "token list", "token revoke", "quota set",
    "quota list", "quota delete", "schedule set", "schedule list", "schedule delete",
    "config list", "config set", "audit", "repo add", "repo list", "repo remove", "ci up",
    "ci down", "ci comment", "source add", "source list", "source remove", "sync", "mask init", "mask check",
    "mask verify", "diff", "tls init", "tls ca", "tls show", "tls branches",
]

path = os.path.join(REPO, "docs", "cli.md")
head = open(path).read().split("\n## spur ", 1)[0].rstrip() + "\n"
parts = [head]
for cmd in COMMANDS:
    out = subprocess.run([SPUR, *cmd.split(), "--help"], capture_output=True, text=True).stdout
    parts.append(f"\n## spur {cmd}\n\n```\n{out.rstrip()}\n```\n")
open(path, "w").write("".join(parts))
print(f"wrote {path}: {len(COMMANDS)} commands")
