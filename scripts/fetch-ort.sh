#!/usr/bin/env bash
# fetch-ort.sh — install the ONNX Runtime shared library into evalctl's project cache.
#
# Usage: scripts/fetch-ort.sh [--gpu] [DEST]
#
# CPU (default): `npm pack onnxruntime-node@1.30.0` (through the user's own npm
# configuration) and extract bin/napi-v6/<os>/<arch>/libonnxruntime.* into
#   DEST (default: <repo>/.evalctl/onnxruntime/<os>-<arch>/)
# GPU (--gpu, linux-x64 only): npm packages com.github.asus4.onnxruntime@0.4.9 and
# com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 (ORT 1.29.0 with the CUDA 13 and
# TensorRT providers) into DEST (default: <repo>/.evalctl/onnxruntime-gpu/linux-x64/).
#
# The script is idempotent: it does nothing when the library is already there.
set -euo pipefail

gpu=0
if [[ "${1:-}" == "--gpu" ]]; then gpu=1; shift; fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

case "$(uname -s)" in
  Linux) os=linux; lib=libonnxruntime.so.1 ;;
  Darwin) os=darwin; lib=libonnxruntime.1.dylib ;;
  *) echo "fetch-ort: unsupported OS $(uname -s)" >&2; exit 2 ;;
esac
case "$(uname -m)" in
  x86_64|amd64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "fetch-ort: unsupported architecture $(uname -m)" >&2; exit 2 ;;
esac

command -v npm >/dev/null || { echo "fetch-ort: npm is required (install Node.js)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ $gpu == 0 ]]; then
  dest=${1:-$root/.evalctl/onnxruntime/$os-$arch}
  if [[ -f "$dest/$lib" ]]; then echo "$dest/$lib"; exit 0; fi
  echo "fetch-ort: npm pack onnxruntime-node@1.30.0 (about 110 MB)" >&2
  (cd "$tmp" && npm pack --silent onnxruntime-node@1.30.0 >/dev/null)
  tar -xzf "$tmp"/onnxruntime-node-1.30.0.tgz -C "$tmp" "package/bin/napi-v6/$os/$arch"
  mkdir -p "$dest"
  cp "$tmp/package/bin/napi-v6/$os/$arch"/libonnxruntime* "$dest/"
  echo "1.30.0" > "$dest/VERSION"
  echo "$dest/$lib"
else
  [[ "$os-$arch" == linux-x64 ]] || { echo "fetch-ort: the GPU bundle exists for linux-x64 only" >&2; exit 2; }
  dest=${1:-$root/.evalctl/onnxruntime-gpu/linux-x64}
  if [[ -f "$dest/libonnxruntime_providers_cuda.so" ]]; then echo "$dest/libonnxruntime.so"; exit 0; fi
  echo "fetch-ort: npm pack the ORT 1.29.0 GPU bundle (about 260 MB)" >&2
  (cd "$tmp" && npm pack --silent com.github.asus4.onnxruntime@0.4.9 com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 >/dev/null)
  mkdir -p "$dest"
  for t in "$tmp"/*.tgz; do
    tar -xzf "$t" -C "$tmp" --wildcards 'package/Plugins/Linux/x64/*.so*'
    cp "$tmp"/package/Plugins/Linux/x64/*.so* "$dest/"
    rm -rf "$tmp/package"
  done
  echo "1.29.0" > "$dest/VERSION"
  echo "$dest/libonnxruntime.so"
fi
