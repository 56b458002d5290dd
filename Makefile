# exec-wal: every entry point a newcomer or CI needs. Only Node >= 20 and npm are assumed.
SHELL := /bin/bash
.DEFAULT_GOAL := test
STAMP := node_modules/.install-stamp
DEMO_DIR ?= .demo/journal
VITEST := npx vitest run --config test/vitest.config.ts

$(STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(STAMP)

.PHONY: install build typecheck lint test torture reliability-fast demo docs startup bench bench-compare fixtures clean

install: $(STAMP)

build: $(STAMP)
	rm -rf dist
	npx tsc -p tsconfig.json

typecheck: $(STAMP)
	npx tsc -p tsconfig.json --noEmit

lint: $(STAMP)
	npx biome check .

test: build lint
	$(VITEST)

# The long tier (docs/reliability.md): thousands of kill points, ~100k power-loss states, ~10
# minutes of fuzzing. Every reliability test logs its cases; the report rewrites the summary.
RELIABILITY_LOG := $(CURDIR)/.reliability-log.jsonl
torture: build
	rm -f $(RELIABILITY_LOG)
	EXEC_WAL_TIER=torture EXEC_WAL_RELIABILITY_LOG=$(RELIABILITY_LOG) $(VITEST) --testTimeout 1800000; \
	status=$$?; node dist/test/tools/reliability-report.js $(RELIABILITY_LOG) docs/reliability.md || status=1; exit $$status

# The same report from the fast tier (what make test runs), for a quick look.
reliability-fast: build
	rm -f $(RELIABILITY_LOG)
	EXEC_WAL_RELIABILITY_LOG=$(RELIABILITY_LOG) $(VITEST); \
	status=$$?; node dist/test/tools/reliability-report.js $(RELIABILITY_LOG) docs/reliability.md || status=1; exit $$status

demo: build
	rm -rf $(DEMO_DIR)
	node dist/test/tools/demo.js $(DEMO_DIR)

# Reruns every example between `<!-- exec-wal examples: ... -->` markers in README.md and
# docs/cli.md on a fresh demo journal and rewrites the blocks (test/cli/docs.test.ts checks them).
docs: build
	node dist/test/tools/doc-examples.js

# CLI start-up against bare node (RUNS=40 for more runs).
startup: build
	node dist/test/tools/startup-time.js

# The peers of the comparison (docs/benchmarks.md) are a package of their own, installed here
# only: better-sqlite3 compiles from source for about a minute, so make test never needs it.
PEERS := test/bench/peers
PEERS_STAMP := $(PEERS)/node_modules/.install-stamp

$(PEERS_STAMP): $(PEERS)/package.json $(PEERS)/package-lock.json
	cd $(PEERS) && npm ci --no-audit --no-fund
	@touch $(PEERS_STAMP)

# Everything, then the comparison, which rewrites docs/benchmarks.md (about 10 minutes).
bench: build $(PEERS_STAMP)
	node dist/test/bench/append-bench.js
	node --expose-gc dist/test/bench/replay-bench.js
	node dist/test/bench/checkpoint-bench.js
	node dist/test/bench/snapshot-bench.js
	node dist/test/bench/codec-bench.js
	node dist/test/bench/masking-bench.js
	node dist/test/bench/compare/compare-bench.js docs/benchmarks.md

# Only the comparison. BENCH_RUNS=1 BENCH_W3=100000 make bench-compare for a quick look
# (the report says which sizes it used).
bench-compare: build $(PEERS_STAMP)
	node dist/test/bench/compare/compare-bench.js docs/benchmarks.md

fixtures: build
	node dist/test/tools/make-fixtures.js fixtures/v1
	node dist/test/tools/make-fixtures.js fixtures/v2
	node dist/test/tools/make-kind-fixtures.js fixtures/kinds

clean:
	rm -rf dist .demo
