#!/usr/bin/env python3
"""Fails when an include under src/ goes up the layer order of src/README.md.

src/README.md is the source of truth: its indented list under "Layers, lowest
first" names every top-level folder of src/, lowest first, and a folder may
include only itself and the folders listed before it. This script reads that
list, then every `#include "x/..."` in src/**/*.{h,cc}, and prints one line per
broken rule (file:line: what is wrong) and exits 1; or one "ok" line and exits 0.
It also fails when a folder of src/ is missing from the list (a new layer must
be placed in the order before it can be checked), or the list cannot be read.

Usage: scripts/check-layers.py [REPO_ROOT]   (default: the repository holding this script)
"""
import os
import re
import sys

LIST_START = "Layers, lowest first"
# "    common/   Status/Result, ..." (continuation lines start with more spaces and no folder)
LAYER_LINE = re.compile(r"^ {4}([a-z_][a-z0-9_]*)/(\s|$)")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def read_layers(readme):
    """Folders in order, lowest first, from the first indented block after LIST_START."""
    with open(readme, encoding="utf-8") as f:
        lines = f.read().splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if LIST_START in line)
    except StopIteration:
        return None
    layers = []
    for line in lines[start + 1:]:
        if not line.strip():
            if layers:
                break  # the blank line after the block ends it
            continue
        if not line.startswith("    "):
            break
        m = LAYER_LINE.match(line)
        if m:
            layers.append(m.group(1))
    return layers


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    src = os.path.join(root, "src")
    readme = os.path.join(src, "README.md")
    layers = read_layers(readme)
    if not layers:
        print(f"check-layers: FAIL: no layer list under \"{LIST_START}\" in {readme}")
        return 1
    rank = {name: i for i, name in enumerate(layers)}
    problems = []
    if len(rank) != len(layers):
        problems.append(f"{readme}: a folder is listed twice in the layer order")

    folders = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    for d in folders:
        if d not in rank:
            problems.append(f"src/{d}/: not in the layer list of src/README.md; "
                            f"add it where its includes and users put it")
    for name in layers:
        if name not in folders:
            problems.append(f"src/README.md: lists {name}/, which is not a folder of src/")

    files = 0
    for d in folders:
        if d not in rank:
            continue
        for dirpath, _, names in os.walk(os.path.join(src, d)):
            for n in sorted(names):
                if not n.endswith((".h", ".cc")):
                    continue
                path = os.path.join(dirpath, n)
                rel = os.path.relpath(path, root)
                files += 1
                with open(path, encoding="utf-8", errors="replace") as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m or "/" not in m.group(1):
                            continue
                        target = m.group(1).split("/", 1)[0]
                        if target not in rank:
                            if os.path.isdir(os.path.join(src, target)):
                                continue  # already reported as an unlisted folder
                            problems.append(f"{rel}:{lineno}: includes \"{m.group(1)}\", "
                                            f"which is not under a layer of src/")
                            continue
                        if rank[target] > rank[d]:
                            problems.append(
                                f"{rel}:{lineno}: {d}/ includes \"{m.group(1)}\", but {target}/ comes "
                                f"after {d}/ in src/README.md's layer order "
                                f"({' < '.join(layers)}): a layer may include only itself "
                                f"and the ones listed before it")

    if problems:
        for p in problems:
            print(p)
        print(f"check-layers: FAIL: {len(problems)} problem(s) in {files} files")
        return 1
    print(f"check-layers: ok: {files} files under src/ include only their own or lower layers "
          f"({len(layers)} layers from src/README.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
