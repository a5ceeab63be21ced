# The two commands a newcomer runs are `make run` and `make test`.
GO ?= go
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT := $(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
BENCHSTAT := $(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCH_COUNT ?= 10
BENCH ?= .
BENCH_OUT ?= bench.txt
# Stamped into the demo's build_info.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
# The demo's listen address, for `make run` and `make load` alike: ADDR=127.0.0.1:18080 make run
ADDR ?= 127.0.0.1:8080
LOAD_DURATION ?= 30s
LOAD_TEST_DURATION ?= 30s
FUZZTIME ?= 1m

# The OpenTelemetry Collector of the end-to-end test, built from deploy/collector/builder.yaml.
COLLECTOR_BUILDER_VERSION := v0.165.0
GOBIN_DIR := $(shell $(GO) env GOPATH)/bin

.PHONY: run load loadtest test vet fmt-check generate check-generate docs check-docs lint bench fuzz collector help

## run: start the demo service on $(ADDR) (127.0.0.1:8080; Prometheus backend, /metrics).
## Point it at a collector too: MONITORING_BACKEND=prometheus,otlp MONITORING_OTLP_ENDPOINT=http://127.0.0.1:4318 make run
run:
	$(GO) run -ldflags '$(LDFLAGS)' ./cmd/demo -addr $(ADDR)

## load: drive the demo running on $(ADDR) for $(LOAD_DURATION) with a small Go load generator.
load:
	$(GO) run ./cmd/load -target http://$(ADDR) -duration $(LOAD_DURATION)

## loadtest: the nothing-lost load test for $(LOAD_TEST_DURATION), without the race detector, printing its figures.
loadtest:
	LOADTEST_DURATION=$(LOAD_TEST_DURATION) $(GO) test -count=1 -v -run '^TestLoadNothingLost$$' ./integration

## test: vet, gofmt, mock and snippet freshness, then every test with the race detector.
test: vet fmt-check check-generate check-docs
	$(GO) test -race -count=1 ./...
	$(GO) vet -tags monitoring_nolinkname ./internal/fast
	$(GO) test -race -count=1 -tags monitoring_nolinkname ./internal/fast
	GOARCH=386 $(GO) test -count=1 ./internal/fast

## vet: go vet on every package.
vet:
	$(GO) vet ./...

## fmt-check: fail when gofmt would change a tracked Go file.
fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## generate: regenerate the mocks of the port.
generate:
	$(GO) generate ./...

## check-generate: fail when the checked-in generated code is stale.
check-generate:
	@tmp=$$(mktemp -d); cp -r mocks/. "$$tmp"/; \
	$(GO) generate ./... || { rm -rf "$$tmp"; exit 1; }; \
	if ! diff -r "$$tmp" mocks >/dev/null; then \
		echo "mocks/ was stale; 'make generate' has rewritten it, commit the result:"; \
		diff -r "$$tmp" mocks | head -40; rm -rf "$$tmp"; exit 1; \
	fi; rm -rf "$$tmp"; echo "generated code is up to date"

## docs: rewrite the Go snippets of README.md and docs/*.md from the compiled code their
## [embedmd]:# markers name (examples/, Example functions).
docs:
	$(GO) tool embedmd -w README.md docs/*.md

## check-docs: fail when a snippet of README.md or docs/*.md differs from its source.
check-docs:
	@stale=; for f in README.md docs/*.md; do \
		d=$$($(GO) tool embedmd -d "$$f" 2>&1) || { echo "$$f:"; echo "$$d"; stale="$$stale $$f"; }; \
	done; \
	if [ -n "$$stale" ]; then echo "snippets differ from the code they come from in$$stale: run 'make docs' and commit the result"; exit 1; fi; \
	echo "snippets are up to date"

## lint: golangci-lint at the pinned version.
lint:
	$(GOLANGCI_LINT) run --allow-parallel-runners ./...

## bench: run the benchmarks ($(BENCH_COUNT) times each) and print them with benchstat.
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(BENCH_COUNT) ./... | tee $(BENCH_OUT)
	$(BENCHSTAT) -col /impl $(BENCH_OUT)

## fuzz: run each fuzz target for $(FUZZTIME) (CI: a short fixed time).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseConfig$$' -fuzztime $(FUZZTIME) .
	$(GO) test -run '^$$' -fuzz '^FuzzDifferential$$' -fuzztime $(FUZZTIME) ./integration
	$(GO) test -run '^$$' -fuzz '^FuzzHTTP$$' -fuzztime $(FUZZTIME) ./middleware
	$(GO) test -run '^$$' -fuzz '^FuzzSums$$' -fuzztime $(FUZZTIME) ./internal/fast
	$(GO) test -run '^$$' -fuzz '^FuzzLimit$$' -fuzztime $(FUZZTIME) ./internal/fast
	$(GO) test -run '^$$' -fuzz '^FuzzMeterDifferential$$' -fuzztime $(FUZZTIME) ./adapters/internal/sdk

## collector: build the OpenTelemetry Collector the end-to-end test runs (OTLP in, remote write and file out)
## into $(GOBIN_DIR)/otelcol-monitoring; the binary is never committed.
collector:
	$(GO) install go.opentelemetry.io/collector/cmd/builder@$(COLLECTOR_BUILDER_VERSION)
	mkdir -p .build
	$(GOBIN_DIR)/builder --config deploy/collector/builder.yaml
	cp .build/otelcol/otelcol-monitoring $(GOBIN_DIR)/otelcol-monitoring

## help: list the targets with what each does (from their ## comments).
help:
	@sed -n 's/^## \([a-z][a-z-]*\): \(.*\)/\1\t\2/p' $(firstword $(MAKEFILE_LIST)) | expand -t 16
