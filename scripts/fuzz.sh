#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang (build-fuzz/,
# -DSPUR_FUZZ=ON: coverage, ASan, UBSan) and runs each for SECONDS (default
# 60) from its seed corpus, one after the other, on one core each. Prints per
# target: execs, exec/s, corpus size and findings. New inputs go to
# build-fuzz/corpus/<target>/ (not to git); crashing inputs to
# build-fuzz/findings/<target>/. Exits 1 when a target found something.
#
#   scripts/fuzz.sh                  # every target, 60 s each
#   scripts/fuzz.sh cron 600         # one target, 10 minutes
#   MAX_LEN=4096 JOBS=2 scripts/fuzz.sh http_request 300
#
# Needs clang and libclang-rt-14-dev (scripts/install-deps.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-all}
seconds=${2:-60}
max_len=${MAX_LEN:-4096}
jobs=${JOBS:-2}

all_targets=()
for d in tests/fuzz/corpus/*/; do all_targets+=("$(basename "$d")"); done
if [[ $target == all ]]; then
  targets=("${all_targets[@]}")
elif [[ -d tests/fuzz/corpus/$target ]]; then
  targets=("$target")
else
  echo "fuzz.sh: no target \"$target\"; targets: ${all_targets[*]}" >&2
  exit 2
fi

launcher=()
# ccache when there is one and it is not switched off (CCACHE_DISABLE=1 also
# keeps an existing build-fuzz/ configured without it).
if command -v ccache >/dev/null && [[ -z ${CCACHE_DISABLE:-} ]]; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
else
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=)
fi
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -gline-tables-only" -DSPUR_FUZZ=ON "${launcher[@]}" >/dev/null
ninja -C build-fuzz -j"$jobs" "${targets[@]/#/fuzz_}"

found=0
for t in "${targets[@]}"; do
  work=build-fuzz/corpus/$t
  findings=build-fuzz/findings/$t
  log=build-fuzz/fuzz-$t.log
  mkdir -p "$work" "$findings"
  echo "fuzz.sh: running $t for ${seconds}s (log $log)"
  rc=0
  "build-fuzz/tests/fuzz_$t" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$findings/" \
    "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(find "$work" -type f | wc -l)
  crashes=$(find "$findings" -type f | wc -l)
  echo "fuzz $t: ${execs:-?} execs, ${rate:-?} exec/s, ${seconds}s, corpus $corpus inputs," \
    "findings $crashes (exit $rc)"
  if ((rc != 0 || crashes > 0)); then
    found=1
    grep -m3 -E 'ERROR:|fuzz property broken|runtime error|deadly signal' "$log" || true
    find "$findings" -type f | sed 's/^/  /'
  fi
done
exit $found
