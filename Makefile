# veille: the two commands are `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go
MODULES := $(shell $(GO) list -m -f '{{.Dir}}' 2>/dev/null)
SERVICES := $(notdir $(patsubst %/main.go,%,$(wildcard services/*/main.go)))
TEST_FLAGS ?= -count=1 -timeout 25m
export VEILLE_DATA ?= $(CURDIR)/.data

.PHONY: all build demo test test-go build-modules vet fmt-check bench fuzz clickhouse-up clickhouse-down clean help

all: build

help:
	@echo "make demo   - build, start a local ClickHouse if needed, run the demo pipeline (console on http://127.0.0.1:8080)"
	@echo "make test   - every module's tests against real NATS (embedded) and a local ClickHouse, plus GOWORK=off builds"
	@echo "make build  - every binary into bin/"
	@echo "make bench  - benchmarks (veille bench)"

build:
	@mkdir -p bin
	@for s in $(SERVICES); do \
		echo "go build -o bin/$$s ./services/$$s"; \
		$(GO) build -o bin/$$s ./services/$$s || exit 1; \
	done

demo: build clickhouse-up
	./bin/veille demo --config deploy/demo/demo.yaml $(DEMO_ARGS)

clickhouse-up:
	deploy/local/clickhouse.sh start

clickhouse-down:
	deploy/local/clickhouse.sh stop

# go test ./... does not cross modules in a workspace: loop over them.
test: clickhouse-up fmt-check vet build-modules test-go

test-go:
	@failed=""; for m in $(MODULES); do \
		echo "== go test $$m"; \
		(cd $$m && $(GO) test $(TEST_FLAGS) ./...) || failed="$$failed $$m"; \
	done; \
	if [ -n "$$failed" ]; then echo "FAILED modules:$$failed"; exit 1; fi

# Each module must build on its own, as users and CI without go.work see it.
build-modules:
	@set -e; for m in $(MODULES); do \
		echo "== GOWORK=off go build $$m"; \
		(cd $$m && GOWORK=off GOFLAGS=-mod=mod $(GO) build ./... ); \
	done

vet:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) vet ./...); done

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

bench: build clickhouse-up
	./bin/veille bench $(BENCH_ARGS)

fuzz:
	@bash .ci/fuzz $(FUZZTIME)

clean:
	rm -rf bin
