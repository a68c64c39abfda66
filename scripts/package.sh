#!/usr/bin/env bash
# Builds spur and its Debian packages into build/packages/: spur_VERSION_ARCH.deb
# (stripped /usr/bin/spur, man page, bash/zsh completion, systemd unit) and
# spur-dbgsym (the debug info). Install on a host or runner with
#   sudo apt-get install ./build/packages/spur_*_amd64.deb
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh "$@"
(cd build && cpack -G DEB -B "$PWD/packages" >/dev/null)
ls -l build/packages/*.deb build/packages/*.ddeb 2>/dev/null || ls -l build/packages
