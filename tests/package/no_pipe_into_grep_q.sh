#!/usr/bin/env bash
# Scripts that run with pipefail must not pipe into `grep -q`: grep exits at
# its first match, the writer may then die of SIGPIPE, and the pipeline
# fails (or, inside `if`, a check passes that should fail). check_deb.sh's
# man page check failed 15 times in 300 that way. Read the output whole
# first (`grep -q PATTERN <<<"$(cmd)"`).
# Usage: no_pipe_into_grep_q.sh SOURCE_DIR
set -euo pipefail
cd "$1"
found=0
while IFS= read -r f; do
  grep -q 'pipefail' "$f" || continue
  if hits=$(grep -nE '\|[[:space:]]*grep[[:space:]]+(-[a-zA-Z]*q|--quiet)' "$f" | grep -vE '^[0-9]+:[[:space:]]*#'); then
    echo "$f: pipes into grep -q under pipefail:" >&2
    echo "$hits" >&2
    found=1
  fi
done < <(git ls-files '*.sh' 2>/dev/null || find . -name '*.sh' -not -path './build*')
if (( found )); then exit 1; fi
echo "no_pipe_into_grep_q: ok"
