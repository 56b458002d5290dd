# exec-wal: every entry point a newcomer or CI needs. Only Node >= 20 and npm are assumed.
SHELL := /bin/bash
.DEFAULT_GOAL := test
STAMP := node_modules/.install-stamp
DEMO_DIR ?= .demo/journal
VITEST := npx vitest run --config test/vitest.config.ts

$(STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(STAMP)

.PHONY: install build typecheck lint test torture reliability-fast demo bench fixtures clean

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

bench: build
	node dist/test/bench/append-bench.js
	node --expose-gc dist/test/bench/replay-bench.js
	node dist/test/bench/checkpoint-bench.js
	node dist/test/bench/snapshot-bench.js
	node dist/test/bench/codec-bench.js

fixtures: build
	node dist/test/tools/make-fixtures.js fixtures/v1

clean:
	rm -rf dist .demo
