#!/usr/bin/env bash
# The .deb as a runner or a database host installs it: built with cpack from
# this build directory, unpacked into a scratch root (no dpkg database is
# touched), and checked: a stripped /usr/bin/spur that runs, its debug info in
# the -dbgsym package, the man page, bash completion that completes, the
# systemd unit pointing at /usr/bin/spur, the postinst, dependencies.
# Usage: check_deb.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "check_deb: FAIL: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(ls "$work"/out/spur_*.deb | grep -v dbgsym | head -1)
dbg=$(ls "$work"/out/spur-dbgsym_*.*deb 2>/dev/null | head -1 || true)
[[ -n $deb ]] || fail "no spur_*.deb made"
[[ -n $dbg ]] || fail "no spur-dbgsym package (debug info not split off)"

info=$(dpkg-deb --info "$deb")
grep -q "^ Package: spur$" <<<"$info" || fail "package name"
grep -q "^ Depends: .*libpq5" <<<"$info" || fail "Depends lacks libpq5 (shlibdeps): $info"
grep -q "postgresql-15 | postgresql" <<<"$info" || fail "Depends lacks postgresql"

root="$work/root"
dpkg-deb -x "$deb" "$root"
dpkg-deb -e "$deb" "$work/control"
bin="$root/usr/bin/spur"
[[ -x $bin ]] || fail "no /usr/bin/spur"
# Every output is read whole before it is searched: with pipefail, `x | grep -q`
# fails whenever grep finds its match and exits before x has written the rest
# (x dies of SIGPIPE: the man page check failed so in a CI-like run), and
# inside `if` the same race would pass a check that should fail.
sections=$(readelf -S "$bin")
if grep -q '\.debug_info' <<<"$sections"; then fail "/usr/bin/spur still has debug info"; fi
size=$(stat -c %s "$bin")
(( size < 40 * 1024 * 1024 )) || fail "/usr/bin/spur is $size bytes; stripped it should be far smaller"
grep -q "^spur " <<<"$("$bin" --version)" || fail "spur --version"
grep -q -- "--exit-code" <<<"$("$bin" diff --help)" || fail "spur diff --help"

man=$root/usr/share/man/man1/spur.1.gz
[[ -f $man ]] || fail "no man page"
man_text=$(zcat "$man")
[[ $man_text == .TH\ SPUR\ 1* ]] || fail "man page header"
grep -q '^\.SS spur ci up' <<<"$man_text" || fail "man page lacks spur ci up"

comp=$root/usr/share/bash-completion/completions/spur
[[ -f $comp ]] || fail "no bash completion"
got=$(bash -c 'source "$1"; COMP_WORDS=(spur branch cr); COMP_CWORD=2; _spur; echo "${COMPREPLY[*]}"' _ "$comp")
[[ $got == create ]] || fail "completion of 'spur branch cr' gave '$got'"
got=$(bash -c 'source "$1"; COMP_WORDS=(spur ci up --out); COMP_CWORD=3; _spur; echo "${COMPREPLY[*]}"' _ "$comp")
[[ $got == --output ]] || fail "completion of 'spur ci up --out' gave '$got'"
[[ -f $root/usr/share/zsh/vendor-completions/_spur ]] || fail "no zsh completion"

unit=$root/lib/systemd/system/spur.service
[[ -f $unit ]] || unit=$root/usr/lib/systemd/system/spur.service
[[ -f $unit ]] || fail "no systemd unit"
grep -q '^ExecStart=/usr/bin/spur serve' "$unit" || fail "unit does not start /usr/bin/spur"
[[ -x $work/control/postinst ]] || fail "no postinst"
sh -n "$work/control/postinst" || fail "postinst does not parse"
echo "check_deb: ok: $(basename "$deb") ($(stat -c %s "$deb") bytes, binary $size bytes), $(basename "$dbg")"
