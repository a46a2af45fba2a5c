# evalctl — the two commands a fresh clone needs:
#
#   make quickstart   run suites/quickstart.yaml on the bundled data and models
#   make test         run every test (installs ONNX Runtime via npm first)
#
# Both fetch ONNX Runtime (npm onnxruntime-node@1.30.0) into .evalctl/ once.

GO ?= go
ORT := scripts/fetch-ort.sh

.PHONY: quickstart test ort build vet lint bench bench-e2e fuzz clean dist dist-check

ort:
	@$(ORT) >/dev/null

build:
	$(GO) build -o bin/evalctl ./cmd/evalctl

quickstart: ort build
	./bin/evalctl run suites/quickstart.yaml --out out/quickstart

test: ort
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test ./...

lint:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

bench: ort
	$(GO) test -run '^$$' -bench . -benchtime 2x ./...

# evalctl run vs a bare onnxruntime_go loop, whole processes (docs/benchmarks.md).
bench-e2e: ort
	scripts/bench-e2e.sh

# Run each fuzz target for a short while.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep ^Fuzz); do \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 10s $$pkg || exit 1; \
	  done; \
	done

# A tarball per platform (this machine's) with evalctl and the ONNX Runtime
# library beside it: dist/evalctl-<version>-<os>-<arch>.tar.gz.
dist: ort
	scripts/dist.sh

# Unpack the tarball in a temporary folder and run doctor and the quickstart
# with PATH=/usr/bin:/bin (no Go, no npm).
dist-check: dist
	scripts/dist-check.sh $$(ls -t dist/evalctl-*.tar.gz | head -1)

clean:
	rm -rf bin out dist
