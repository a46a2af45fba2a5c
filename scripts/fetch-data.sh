#!/usr/bin/env bash
# fetch-data.sh — (re)fetch the public data sets behind evalctl's bundled suites.
#
# Usage: scripts/fetch-data.sh [--force]
#
# German Credit (suites/credit): `apt-get download weka` (the Debian package, through the
# user's own apt configuration) into a temporary folder, `dpkg -x` it (no Java needed) and
# copy usr/share/doc/weka/examples/credit-g.arff (gunzipped if the package ships credit-g.arff.gz)
# to suites/credit/data/credit-g.arff. The copy is checked against the sha256 of the file that
# the suite was built from (weka 3.6.14-3); a different file is reported and not installed
# unless --force is given. The ARFF is committed, so a fresh clone does not need this script;
# it documents provenance and lets anyone re-derive the bytes.
#
# Fashion-MNIST (suites/quickstart): the bundled subsets are committed too. To regenerate them
# and the quickstart models, install the Debian package `dataset-fashion-mnist` (IDX files under
# /usr/share/datasets/fashion-mnist) and run `python3 scripts/make_quickstart.py`. This script
# only checks that the files are there.
#
# After fetching, `python3 scripts/make_credit.py` rebuilds the credit splits and model.
set -euo pipefail

force=0
if [[ "${1:-}" == "--force" ]]; then force=1; shift; fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

credit_sha256=bd94085134e4eb845c96b34c93ed65a223f89d089bacb273ef96f57509ce0bed
dest="$root/suites/credit/data/credit-g.arff"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "fetch-data: downloading the Debian package weka" >&2
(cd "$tmp" && apt-get download weka >&2)
deb=$(ls "$tmp"/weka_*.deb 2>/dev/null | head -n 1)
if [[ -z "$deb" ]]; then
  echo "fetch-data: apt-get download weka produced no .deb in $tmp" >&2
  exit 1
fi
dpkg -x "$deb" "$tmp/x"
ex="$tmp/x/usr/share/doc/weka/examples"
if [[ -f "$ex/credit-g.arff" ]]; then
  cp "$ex/credit-g.arff" "$tmp/credit-g.arff"
elif [[ -f "$ex/credit-g.arff.gz" ]]; then
  gunzip -c "$ex/credit-g.arff.gz" >"$tmp/credit-g.arff"
else
  echo "fetch-data: $(basename "$deb") has no usr/share/doc/weka/examples/credit-g.arff[.gz]" >&2
  exit 1
fi

got=$(sha256sum "$tmp/credit-g.arff" | cut -d' ' -f1)
if [[ "$got" != "$credit_sha256" && $force -eq 0 ]]; then
  echo "fetch-data: credit-g.arff from $(basename "$deb") has sha256 $got," >&2
  echo "  expected $credit_sha256 (weka 3.6.14-3); rerun with --force to install it anyway" >&2
  exit 1
fi
mkdir -p "$(dirname "$dest")"
cp "$tmp/credit-g.arff" "$dest"
echo "fetch-data: wrote $dest (sha256 $got, from $(basename "$deb"))" >&2

fm=/usr/share/datasets/fashion-mnist
missing=0
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  [[ -f "$fm/$f" ]] || missing=1
done
if [[ $missing -eq 1 ]]; then
  echo "fetch-data: Fashion-MNIST IDX files not found under $fm; only needed to regenerate the" >&2
  echo "  quickstart (apt-get install dataset-fashion-mnist)" >&2
else
  echo "fetch-data: Fashion-MNIST present under $fm" >&2
fi
