#!/usr/bin/env bash
# fetch-fashion-mnist.sh — put the full Fashion-MNIST IDX files (Xiao et al.
# 2017, MIT licence; Debian package dataset-fashion-mnist) where
# suites/fashion-shift.yaml reads them: .evalctl/data/fashion-mnist/.
#
# Uses the installed package if present (/usr/share/datasets/fashion-mnist),
# else `apt-get download dataset-fashion-mnist` and unpacks it with dpkg -x
# (no root needed for that part). Idempotent.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=$root/.evalctl/data/fashion-mnist
files="t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz"
have=1
for f in $files; do [[ -f $dest/$f ]] || have=0; done
if [[ $have == 1 ]]; then echo "$dest"; exit 0; fi
mkdir -p "$dest"
src=/usr/share/datasets/fashion-mnist
if [[ ! -f $src/t10k-images-idx3-ubyte.gz ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download dataset-fashion-mnist >/dev/null) || {
    echo "fetch-fashion-mnist: apt-get download failed; run apt-get update first, or install dataset-fashion-mnist" >&2; exit 1; }
  dpkg -x "$tmp"/dataset-fashion-mnist_*.deb "$tmp/x"
  src=$tmp/x/usr/share/datasets/fashion-mnist
fi
for f in $files; do cp "$src/$f" "$dest/$f"; done
echo "$dest"
