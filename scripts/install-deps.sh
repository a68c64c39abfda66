#!/usr/bin/env bash
# Installs every Debian package spur needs to build, test and benchmark.
# Idempotent; needs root (re-runs itself with sudo otherwise).
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then exec sudo -E "$0" "$@"; fi

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config git
  libpq-dev libsqlite3-dev libssl-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libyaml-cpp-dev libasio-dev
  # fuzzing (scripts/fuzz.sh): clang and its libFuzzer/sanitizer runtimes
  clang libclang-rt-14-dev
  # PostgreSQL 15 server and tools (pgbench, pg_amcheck, pg_basebackup, pg_dump)
  postgresql-15 postgresql-client-15 postgresql-contrib
  # filesystems for pools and tests
  xfsprogs btrfs-progs util-linux mount
  # helpers for the quickstart and benchmarks; openssl: TLS tests make their certificates;
  # python3-yaml: tests/runner reads the CI examples and actions; curl: the actions' install
  # step downloads spur with it, as on a runner
  sqlite3 python3 python3-yaml procps openssl curl
  # peer tools the benchmarks run side by side (bench/sync, bench/proxy)
  pgcopydb pgbouncer
)

missing=()
for p in "${PACKAGES[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == *"install ok installed"* ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "spur: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # pgbouncer's package enables and starts a system service on port 6432; bench/proxy runs
  # its own instance, so a fresh install leaves that service stopped and disabled.
  if [[ " ${missing[*]} " == *" pgbouncer "* ]]; then
    if [[ -d /run/systemd/system ]]; then
      systemctl disable --now pgbouncer.service >/dev/null 2>&1 || true
    else
      invoke-rc.d pgbouncer stop >/dev/null 2>&1 || true
      update-rc.d pgbouncer disable >/dev/null 2>&1 || true
    fi
  fi
fi
