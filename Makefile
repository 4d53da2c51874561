# veille: the two commands are `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go
MODULES := pkg schemas services
TEST_FLAGS ?= -count=1 -timeout 25m
export VEILLE_DATA ?= $(CURDIR)/.data

.PHONY: all build demo test test-go test-cluster build-modules vet fmt-check bench fuzz clickhouse-up clickhouse-down clean help

all: build

help:
	@echo "make demo   - build, start a local ClickHouse if needed, run the demo pipeline (console on http://127.0.0.1:8080)"
	@echo "make test   - every test against real NATS (embedded) and a local ClickHouse, plus GOWORK=off builds"
	@echo "make build  - every binary into bin/"
	@echo "make test-cluster - the loopback ClickHouse cluster (ZooKeeper + 2x2) and NATS cluster under faults"
	@echo "make bench  - benchmarks (veille bench)"

# One binary: every deployment runs `veille run --services a,b`.
build:
	@mkdir -p bin
	$(GO) build -o bin/veille ./services/veille

demo: build clickhouse-up
	./bin/veille demo --config pkg/tooling/demo/demo.yaml $(DEMO_ARGS)

clickhouse-up:
	deploy/local/clickhouse.sh start

clickhouse-down:
	deploy/local/clickhouse.sh stop

# make test runs every tier: VEILLE_REQUIRE_SERVERS=1 turns the skips of tests
# that need ClickHouse or Chromium into failures. A plain `go test ./...` in a
# module skips them with one line each on a bare machine.
test: clickhouse-up fmt-check vet build-modules test-go

test-go:
	VEILLE_REQUIRE_SERVERS=1 $(GO) test $(TEST_FLAGS) $(addprefix ./,$(addsuffix /...,$(MODULES)))

# Each module must build on its own with its go.sum as committed.
build-modules:
	@set -e; for m in $(MODULES); do \
		echo "== GOWORK=off go build -mod=readonly $$m"; \
		(cd $$m && GOWORK=off $(GO) build -mod=readonly ./... ); \
	done

# The scale-out path for real: ZooKeeper and four ClickHouse servers on
# loopback (deploy/cluster/local.sh), a 3-node NATS cluster, two copies of each
# service, faults under load. CI runs it after make test.
test-cluster:
	deploy/cluster/local.sh start
	VEILLE_CLUSTER=1 $(GO) test -count=1 -timeout 20m -run 'TestCluster' -v ./services/tests/faults/ 2>&1 | grep -E '^(=== RUN|--- |PASS|FAIL|ok)|cluster_test.go' ; rc=$${PIPESTATUS[0]}; deploy/cluster/local.sh stop; exit $$rc

vet:
	$(GO) vet $(addprefix ./,$(addsuffix /...,$(MODULES)))

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

bench: build clickhouse-up
	./bin/veille bench $(BENCH_ARGS)

fuzz:
	@bash .ci/fuzz $(FUZZTIME)

clean:
	rm -rf bin
