#!/usr/bin/env bash
# dist-check.sh — check a tarball from scripts/dist.sh the way a user
# without Go or npm would use it: unpack it in a fresh temporary folder
# outside the checkout, copy the quickstart suite next to it, and run
# `evalctl doctor` and `evalctl run` with PATH=/usr/bin:/bin, a fresh HOME
# and no other environment (no EVALCTL_ORT_LIB, no project cache in
# reach), then check that the library beside the executable was used.
#
# Usage: scripts/dist-check.sh dist/evalctl-<version>-<os>-<arch>.tar.gz
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tarball=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case "$tmp" in "$root"/*) echo "dist-check: temporary folder inside the checkout" >&2; exit 1 ;; esac

tar -xzf "$tarball" -C "$tmp"
bin=$(echo "$tmp"/evalctl-*/evalctl)
[ -x "$bin" ] || { echo "dist-check: no evalctl in $tarball" >&2; exit 1; }
mkdir -p "$tmp/work/home"
cp -R "$root/suites/quickstart.yaml" "$root/suites/quickstart" "$tmp/work/"

clean() { (cd "$tmp/work" && env -i PATH=/usr/bin:/bin HOME="$tmp/work/home" "$@"); }

if clean sh -c 'command -v go' >/dev/null; then
  echo "dist-check: go is reachable with PATH=/usr/bin:/bin; the check would prove nothing" >&2
  exit 1
fi
# npm may live in /usr/bin (Debian's nodejs); evalctl never runs it, and the
# doctor check below proves the library came from the tarball, not npm.
clean "$bin" doctor --json > "$tmp/doctor.json"
want=$(dirname "$bin")/
grep -q "\"$want" "$tmp/doctor.json" || { echo "dist-check: doctor did not use the library beside the executable:" >&2; cat "$tmp/doctor.json" >&2; exit 1; }
# Through a symbolic link on another folder (as /usr/local/bin/evalctl in
# the Kubernetes example's image): the library is looked up beside the
# link's target.
mkdir -p "$tmp/work/bin"
ln -s "$bin" "$tmp/work/bin/evalctl"
clean "$tmp/work/bin/evalctl" doctor --json > "$tmp/doctor-link.json"
grep -q "\"$want" "$tmp/doctor-link.json" || { echo "dist-check: through a symbolic link, doctor did not use the library beside the executable:" >&2; cat "$tmp/doctor-link.json" >&2; exit 1; }
clean "$bin" run quickstart.yaml --out out --format none 2> "$tmp/run.log" || { cat "$tmp/run.log" >&2; exit 1; }
[ -s "$tmp/work/out/result.json" ] || { echo "dist-check: no result.json" >&2; exit 1; }
echo "dist-check: ok ($(basename "$tarball"): doctor and run on the quickstart with PATH=/usr/bin:/bin)"
