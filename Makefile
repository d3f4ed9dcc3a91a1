# Makefile — every build, test, bench and demo target of mediation.
#
#   make            native CLI, the Wasm engine and dist/ (mediation.mjs, mediation.js)
#   make test       C unit tests under ASan/UBSan, golden cases through CLI and Wasm, node tests
#   make bench      speed, size and memory figures
#   make example    one example auction through the CLI

CC      ?= cc
EMCC    ?= emcc
CSTD     = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Ibuild/include -Ic_src
CFLAGS  ?= -O2
SAN      = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

ENGINE_SRC = c_src/arena.c c_src/error.c c_src/json.c c_src/isotime.c c_src/country.c c_src/currency.c c_src/consent.c c_src/gpp.c c_src/partners.c c_src/reports.c c_src/suggest.c c_src/symtab.c \
             c_src/sort.c c_src/config.c c_src/config_load.c c_src/openrtb.c c_src/targeting.c c_src/plan.c c_src/auction.c \
             c_src/macros.c c_src/result.c c_src/engine.c c_src/waterfall.c c_src/stats.c c_src/api.c
ENGINE_HDR = $(wildcard c_src/*.h) build/include/jsmn.h
C_TESTS    = $(patsubst tests/c/%.c,build/tests/%,$(wildcard tests/c/test_*.c))
# The Wasm exports, from c_src/exports.txt: all of them for Node, those not marked
# "server" for the page.
comma := ,
empty :=
space := $(empty) $(empty)
EXPORTS_ALL  = $(shell sed -n 's/^\(med_[a-z0-9_]*\).*/_\1/p' c_src/exports.txt)
EXPORTS_PAGE = $(shell sed -n 's/^\(med_[a-z0-9_]*\)$$/_\1/p' c_src/exports.txt)
# The page's own Wasm: the waterfall state machine alone (the auction engine is
# dist/mediation-auction.js, fetched when a page runs an auction itself).
EXPORTS_WF   = $(filter _med_wf_%,$(EXPORTS_PAGE))
HOST_JS = web/engine/core.js web/engine/engine.js web/page/consent.js web/page/auction-loader.js web/page/runtime.js web/node/node.js build/constants.js web/frame/boot.js web/frame/noad.js

.PHONY: all native wasm dist test test-c test-node lint bench simulate example demo cluster-demo clean deps

all: native dist

# ---- dependencies (Debian packages and npm) ----
deps:
	@./scripts/install-deps

# jsmn comes from Debian's libjsmn-dev. The engine was tested with the header whose
# SHA-256 is below (Debian 12's 1.1.0-2); another one is used, with a warning to
# run `make test` before trusting it.
JSMN_SHA256 = 1ed6154dedf009212a08a397e9c4ed50a0ce31d5a8301bb294e137ae3188c13b
build/include/jsmn.h:
	@test -f /usr/include/jsmn.h || ./scripts/install-deps
	@mkdir -p build/include && cp /usr/include/jsmn.h $@
	@echo "$(JSMN_SHA256)  $@" | sha256sum --check --status || \
	  echo "warning: /usr/include/jsmn.h is not the version the engine was tested with (sha256 $(JSMN_SHA256)); run make test" >&2

# ---- native ----
native: build/mediate
build/mediate: $(ENGINE_SRC) c_src/cli.c $(ENGINE_HDR)
	@mkdir -p build
	$(CC) $(CSTD) $(CFLAGS) -o $@ $(ENGINE_SRC) c_src/cli.c

# The engine under ASan and UBSan, compiled once for the sanitized CLI and every C test.
ASAN_OBJ = $(patsubst c_src/%.c,build/asan/%.o,$(ENGINE_SRC))
build/asan/%.o: c_src/%.c $(ENGINE_HDR)
	@mkdir -p build/asan
	$(CC) $(CSTD) $(SAN) -c -o $@ $<

build/mediate-asan: $(ASAN_OBJ) c_src/cli.c
	$(CC) $(CSTD) $(SAN) -o $@ $(ASAN_OBJ) c_src/cli.c

build/tests/%: tests/c/%.c tests/c/check.h tests/c/check_engine.h $(ASAN_OBJ)
	@mkdir -p build/tests
	$(CC) $(CSTD) $(SAN) -Itests/c -o $@ $< $(ASAN_OBJ)

# ---- wasm ----
WASM_FLAGS = $(CSTD) --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=2MB -sTOTAL_STACK=128KB \
  -sMALLOC=emmalloc -sERROR_ON_UNDEFINED_SYMBOLS=1 --js-library c_src/imports.js

# Two builds of one engine: fast for Node and the ES module, small for the page's
# classic script (it travels inside mediation.js to every visitor; it leaves out
# the statistics, which servers compute).
wasm: build/engine.wasm build/engine-small.wasm
build/engine.wasm: $(ENGINE_SRC) $(ENGINE_HDR) c_src/exports.txt c_src/imports.js
	@mkdir -p build
	NODE_PATH=/usr/share/nodejs $(EMCC) $(WASM_FLAGS) -sEXPORTED_FUNCTIONS=$(subst $(space),$(comma),$(EXPORTS_ALL)) \
	  -O3 -msimd128 -o $@ $(ENGINE_SRC)
build/engine-small.wasm: $(ENGINE_SRC) $(ENGINE_HDR) c_src/exports.txt c_src/imports.js
	@mkdir -p build
	NODE_PATH=/usr/share/nodejs $(EMCC) $(WASM_FLAGS) -sEXPORTED_FUNCTIONS=$(subst $(space),$(comma),$(EXPORTS_PAGE)) \
	  -DMED_NO_STATS -Oz -flto -o $@ $(filter-out c_src/stats.c c_src/reports.c c_src/suggest.c,$(ENGINE_SRC))

build/engine-wf.wasm: $(ENGINE_SRC) $(ENGINE_HDR) c_src/exports.txt c_src/imports.js c_src/wf_heap.c
	@mkdir -p build
	NODE_PATH=/usr/share/nodejs $(EMCC) $(WASM_FLAGS) -sEXPORTED_FUNCTIONS=$(subst $(space),$(comma),$(EXPORTS_WF)) \
	  -sINITIAL_MEMORY=1MB -sMALLOC=none -DMED_NO_STATS -Oz -flto -o $@ \
	  $(filter-out c_src/stats.c c_src/reports.c c_src/suggest.c,$(ENGINE_SRC)) c_src/wf_heap.c

# The numbers JS shares with C (bounds, enums), printed by a program built on the headers.
build/constants.js: scripts/gen-constants.c c_src/bounds.h c_src/waterfall.h c_src/waterfall.c
	@mkdir -p build
	$(CC) $(CSTD) -O1 -o build/gen-constants scripts/gen-constants.c c_src/waterfall.c
	./build/gen-constants > $@

# The known partners and their parameters (c_src/partners.c), for the Mediation tab's forms.
dist/partners.json: scripts/gen-partners.c c_src/partners.c c_src/partners.h $(ENGINE_HDR)
	@mkdir -p build dist
	$(CC) $(CSTD) -O1 -o build/gen-partners scripts/gen-partners.c c_src/partners.c \
	  c_src/json.c c_src/arena.c c_src/error.c
	./build/gen-partners > $@

# ---- dist: the Wasm embedded in JS, from mediation.js.in ----
dist: dist/mediation.mjs dist/mediation.js dist/mediation-auction.js dist/mediation.d.ts dist/mediation.d.mts dist/frame.html \
  dist/partners.json
dist/mediation.mjs dist/mediation.js dist/mediation-auction.js dist/frame.html: mediation.js.in build/engine.wasm \
  build/engine-small.wasm build/engine-wf.wasm $(HOST_JS) scripts/build-dist.mjs c_src/exports.txt
	@mkdir -p dist
	node scripts/build-dist.mjs
dist/mediation.d.ts: web/types/mediation.d.ts
	@mkdir -p dist && cp $< $@
dist/mediation.d.mts: web/types/mediation.d.mts
	@mkdir -p dist && cp $< $@

# ---- tests ----
test: deps
	$(MAKE) lint test-c fuzz-smoke test-node

# The JS is formatted by prettier (.prettierrc.json): lines of 120 at most, one style.
lint:
	node_modules/.bin/prettier --check --log-level warn 'web/**/*.{js,mjs,ts,mts}' 'tests/**/*.{mjs,ts}' \
	  'bench/*.mjs' 'scripts/*.mjs' 'c_src/*.js'

test-c: $(C_TESTS) build/simulate
	@set -e; for t in $(C_TESTS); do echo "== $$t"; $$t; done
	@echo "== build/simulate (a short run: the engine takes every learned config it is given)"; \
	  ./build/simulate --impressions 20000 --seed 1 --scenario right > build/simulate.out; rc=$$?; \
	  tail -1 build/simulate.out; test $$rc -le 1

# node --test does not expand globs: the shell does, and each file is named.
test-node: dist build/mediate build/mediate-asan
	node --test --test-concurrency=1 tests/node/*.test.mjs

# ---- fuzzing: make fuzz, make fuzz-smoke (in make test), make fuzz-regressions ----
include tests/fuzz/fuzz.mk

# Objects shared by several programs are kept, not deleted as intermediates.
.SECONDARY: $(ASAN_OBJ) $(FUZZ_OBJ)

# ---- bench ----
# Every bench runs; a missed target fails the whole at the end (after all the figures).
bench: deps build/bench-native build/mediate dist
	@fail=0; for b in bench report browser taghost adserver manage clickhouse; do node bench/$$b.mjs || fail=1; done; \
	  if [ $$fail = 1 ]; then echo "make bench: a target was missed (MISSED above)" >&2; exit 1; fi

build/bench-native: bench/bench_native.c $(ENGINE_SRC) $(ENGINE_HDR)
	@mkdir -p build
	$(CC) $(CSTD) -O2 -o $@ $< $(ENGINE_SRC)

# The market simulator: static against planned waterfalls (README "Planning the
# waterfall by expected value"); SIM_ARGS to change seeds, size or scenarios.
SIM_ARGS ?=
simulate: build/simulate
	./build/simulate $(SIM_ARGS)

build/simulate: bench/simulate.c $(ENGINE_SRC) $(ENGINE_HDR)
	@mkdir -p build
	$(CC) $(CSTD) $(CFLAGS) -Wno-format-nonliteral -o $@ $< $(ENGINE_SRC) -lm

# Two ad servers, a two-shard ClickHouse cluster and HAProxy in front, on loopback
# (README "Beyond one machine"); PORT for the load balancer's port (8080).
cluster-demo: deps dist
	node scripts/cluster.mjs

# The demo: the ad server, the demo page and the report on 127.0.0.1:8080 (PORT
# to change; --config / MEDIATION_CONFIG for another config; data in data/).
demo: deps dist
	node web/server/server.mjs --demo

example: build/mediate
	./build/mediate auction < tests/fixtures/example.input.json

clean:
	rm -rf build dist
