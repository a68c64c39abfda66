#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs dependencies, builds with
# warnings as errors, runs unit and integration tests (real postgres, btrfs
# and XFS on loop images made by the tests, the fuzz seed corpora, the layer
# check), then the unit tests and fuzz corpora again under ASan+UBSan. Needs
# root for loop devices (re-runs itself with sudo).
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then exec sudo -E "$0" "$@"; fi
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
# Includes must follow src/README.md's layer order (prints one line either way).
python3 scripts/check-layers.py
./scripts/build.sh -DSPUR_WERROR=ON
(cd build && ctest --output-on-failure --timeout 1800)

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSPUR_SANITIZE=ON >/dev/null
ninja -C build-asan spur_unit_tests spur_fuzz_corpus_tests
(cd build-asan && ctest --output-on-failure -R '^(unit|fuzz_corpus)$')
