#!/usr/bin/env bash
# dist.sh — build the release tarball for this machine's platform:
#
#   dist/evalctl-<version>-<os>-<arch>.tar.gz
#     evalctl-<version>-<os>-<arch>/
#       evalctl                      the binary (cgo, stripped)
#       libonnxruntime.so.1          ONNX Runtime 1.30.0 (libonnxruntime.1.dylib on macOS)
#       LICENSE.onnxruntime          ONNX Runtime's MIT license
#       ThirdPartyNotices.onnxruntime.txt
#       README.txt
#
# evalctl finds the library beside its own executable (harness/ort/find.go),
# so the unpacked folder runs anywhere, with no environment variable, Go or
# npm. Only the host platform is built: the binary needs cgo, and a cgo
# cross-build needs the target's C toolchain (see README.md, "Shipping").
#
# Usage: scripts/dist.sh [VERSION]     (default: git describe, else "dev")
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

version=${1:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
goos=$(go env GOOS)
goarch=$(go env GOARCH)
lib=$(scripts/fetch-ort.sh)
name="evalctl-$version-$goos-$goarch"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" dist
CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$stage/$name/evalctl" ./cmd/evalctl
cp "$lib" "$stage/$name/"
cp third_party/onnxruntime/LICENSE "$stage/$name/LICENSE.onnxruntime"
cp third_party/onnxruntime/ThirdPartyNotices.txt "$stage/$name/ThirdPartyNotices.onnxruntime.txt"
cat > "$stage/$name/README.txt" <<TXT
evalctl $version ($goos-$goarch)

  ./evalctl doctor            shows the ONNX Runtime library it found (the one beside it)
  ./evalctl run SUITE.yaml    evaluates a suite
  ./evalctl help              every command

Keep $(basename "$lib") in the same folder as evalctl (a symbolic link to
evalctl elsewhere is fine: the library is looked up beside the real file).
ONNX Runtime 1.30.0 is MIT-licensed: see LICENSE.onnxruntime and
ThirdPartyNotices.onnxruntime.txt.
TXT
tar -C "$stage" -czf "dist/$name.tar.gz" "$name"
echo "dist/$name.tar.gz"
