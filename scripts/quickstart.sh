#!/usr/bin/env bash
# Fresh machine to a running branch: installs dependencies, builds spur, makes
# a pool on a sparse XFS image (copy-on-write even on ext4), a `main` branch
# with sample data, and a branch `dev` of it, then says how to connect.
#
#   SPUR_POOL   pool directory (default /var/lib/spur)
#   IMAGE_SIZE  size cap of the sparse pool image (default 20G)
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then exec sudo -E "$0" "$@"; fi
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./scripts/build.sh
install -m 0755 build/spur /usr/local/bin/spur

export SPUR_POOL=${SPUR_POOL:-/var/lib/spur}
if [[ ! -e "$SPUR_POOL/spur.db" ]]; then
  spur init --image "${IMAGE_SIZE:-20G}"
else
  echo "spur: reusing the pool at $SPUR_POOL"
  spur branch start main >/dev/null
fi
if spur branch show dev >/dev/null 2>&1; then
  spur branch reset dev >/dev/null
else
  spur branch create dev --ttl 7d >/dev/null
fi

echo
spur branch list
echo
echo "The branch 'dev' is a writable copy-on-write clone of 'main'. Connect with:"
echo "  psql \"$(spur uri dev)\""
echo "  spur psql dev -- -c 'SELECT count(*) FROM customers'"
echo
spur psql dev -- -c 'SELECT count(*) AS customers FROM customers'
echo
echo "A change on 'dev', and what it changed against 'main' (spur diff, docs/diff.md):"
spur psql dev -- -q -c 'ALTER TABLE customers ADD COLUMN IF NOT EXISTS vip boolean' \
  -c "UPDATE customers SET vip = true, city = 'Lisbon' WHERE id <= 2"
spur diff dev --max-rows 3 --color never
echo "More: spur --help, docs/cli.md. Pool: $SPUR_POOL"
echo "As a service for a team (REST API, webhooks, TTL reaper): spur serve; see docs/api.md"
