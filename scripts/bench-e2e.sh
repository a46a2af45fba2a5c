#!/usr/bin/env bash
# bench-e2e.sh — evalctl run against a bare onnxruntime_go loop, as whole
# processes (start to exit), on the same model, NPY file, batch size and
# intra-op threads (docs/benchmarks.md, section 1).
#
#   scripts/bench-e2e.sh [REPS]        (default 5; make bench-e2e)
#
# Data: 20,000 Fashion-MNIST training images in one float32 NPY, normalised
# as the quickstart suite does (scripts/fetch-fashion-mnist.sh fetches the
# IDX files). Models: the 9k-parameter CNN fixture (harness/ort/testdata)
# and the quickstart's fine-tuned CNN (225k). evalctl runs with --no-cache
# (it still writes its cache chunks), no predictions sidecar and no
# bootstrap, so both sides do the same work: read, batch, infer, read the
# outputs. Runs alternate (bare, evalctl, bare, ...) so that drift in the
# machine's load hits both sides alike; each figure is the median of REPS.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
reps=${1:-5}
work=${BENCH_DIR:-$root/.evalctl/bench}
mkdir -p "$work"
cd "$root"
scripts/fetch-ort.sh >/dev/null
data=$(scripts/fetch-fashion-mnist.sh)
go build -o "$work/evalctl" ./cmd/evalctl
go build -o "$work/bareloop" ./scripts/bareloop
if [[ ! -f $work/images.npy ]]; then
  "$work/bareloop" gen -images "$data/train-images-idx3-ubyte.gz" -labels "$data/train-labels-idx1-ubyte.gz" -n 20000 -out "$work"
fi

suite() { # model threads
  cat > "$work/suite-$2.yaml" <<EOF
version: 1
name: bench
seed: 1
bootstrap: {resamples: 0}
runtime: {batch_size: 64, intra_op_threads: $2, inter_op_threads: 1}
output: {predictions: false}
models: [{name: m, path: $1}]
datasets:
  - name: d
    format: npy
    files: [{column: image, path: images.npy}, {column: label, path: labels.npy}]
    features: [{name: image, columns: [image], shape: [1, 28, 28]}]
    label: {column: label, classes: [c0, c1, c2, c3, c4, c5, c6, c7, c8, c9]}
tasks: [{name: t, kind: classification, dataset: d, output: logits, scores: logits, metrics: [accuracy]}]
EOF
}

# measure CMD...: prints "wall user+sys maxrss_kb"
measure() {
  /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || { cat "$work/stderr.txt" >&2; exit 1; }
  read -r wall user sys rss < "$work/time.txt"
  echo "$wall $(echo "$user + $sys" | bc) $rss"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# bare: ONNX Runtime's defaults (idle threads spin); bare-ns: spinning off,
# as evalctl runs by default (runtime.allow_spinning: false).
printf '%-14s %7s %9s %9s %9s %7s %8s %14s %6s %6s\n' model threads "bare ex/s" "bare-ns" "evalctl" "e/bare" "e/bare-ns" "CPU s b/ns/e" "MiB b" "MiB e"
for spec in "cnn9k:$root/harness/ort/testdata/cnn.onnx" "finetune225k:$root/suites/quickstart/models/fmnist-finetune.onnx"; do
  name=${spec%%:*} model=${spec#*:}
  for threads in 1 2; do
    suite "$model" "$threads"
    : > "$work/bare.txt"; : > "$work/bare-ns.txt"; : > "$work/eval.txt"
    for ((i = 0; i < reps; i++)); do
      measure "$work/bareloop" run -model "$model" -npy "$work/images.npy" -threads "$threads" >> "$work/bare.txt"
      measure "$work/bareloop" run -model "$model" -npy "$work/images.npy" -threads "$threads" -spin=false >> "$work/bare-ns.txt"
      rm -rf "$work/out"
      measure "$work/evalctl" run "$work/suite-$threads.yaml" --out "$work/out" --no-cache --format none >> "$work/eval.txt"
    done
    col() { cut -d' ' -f"$1" "$work/$2.txt" | median; }
    bw=$(col 1 bare) nw=$(col 1 bare-ns) ew=$(col 1 eval)
    printf '%-14s %7d %9.0f %9.0f %9.0f %7.3f %8.3f %14s %6.0f %6.0f\n' "$name" "$threads" \
      "$(echo "20000 / $bw" | bc -l)" "$(echo "20000 / $nw" | bc -l)" "$(echo "20000 / $ew" | bc -l)" \
      "$(echo "$bw / $ew" | bc -l)" "$(echo "$nw / $ew" | bc -l)" \
      "$(col 2 bare)/$(col 2 bare-ns)/$(col 2 eval)" "$(echo "$(col 3 bare) / 1024" | bc -l)" "$(echo "$(col 3 eval) / 1024" | bc -l)"
  done
done
