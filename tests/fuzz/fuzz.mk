# fuzz.mk — coverage-guided fuzzing with clang + libFuzzer (ASan, LSan, UBSan).
# Included by the main Makefile.
#
#   make fuzz              each target for FUZZ_SECONDS (default 60), one after another
#   make fuzz-smoke        each target for FUZZ_SMOKE_SECONDS (default 3): for make test
#   make fuzz-regressions  every file of tests/fuzz/regressions/<target>/ once
#   make build/fuzz/<t>    one harness (t: config openrtb auction stats waterfall consent reports)
#
# Seeds stay in tests/fuzz/corpus/<t>/; the growing corpus is a copy under
# build/fuzz/corpus/<t>/, new crashes land in build/fuzz/crashes/<t>/. A crash
# becomes a regression case by copying its file to tests/fuzz/regressions/<t>/.

FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_TARGETS        = config openrtb auction stats waterfall consent reports
FUZZ_JSON_TARGETS   = config openrtb auction stats
FUZZ_CFLAGS         = -std=c11 -Wall -Wextra -Werror -Ibuild/include -Ic_src -g -O1 \
                      -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# Leak detection stays on: the engine must not leak.
FUZZ_ENV            = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
FUZZ_BINS           = $(addprefix build/fuzz/,$(FUZZ_TARGETS))

fuzz_dict = $(if $(filter $(1),$(FUZZ_JSON_TARGETS)),-dict=tests/fuzz/json.dict)

.PHONY: fuzz fuzz-build fuzz-smoke fuzz-regressions

fuzz-build: $(FUZZ_BINS)

# The engine is compiled once for every harness (instrumented, without libFuzzer's main).
FUZZ_OBJ = $(patsubst c_src/%.c,build/fuzz/obj/%.o,$(ENGINE_SRC))
build/fuzz/obj/%.o: c_src/%.c $(ENGINE_HDR)
	@mkdir -p build/fuzz/obj
	$(FUZZ_CC) $(subst -fsanitize=fuzzer$(comma),-fsanitize=fuzzer-no-link$(comma),$(FUZZ_CFLAGS)) -c -o $@ $<

build/fuzz/%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_OBJ)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_OBJ)

# $(1): target, $(2): seconds
define fuzz_run
	@mkdir -p build/fuzz/corpus/$(1) build/fuzz/crashes/$(1)
	@cp -n tests/fuzz/corpus/$(1)/* build/fuzz/corpus/$(1)/ 2>/dev/null || true
	@echo "== fuzz $(1) for $(2) s"
	$(FUZZ_ENV) build/fuzz/$(1) -max_total_time=$(2) -print_final_stats=1 $(call fuzz_dict,$(1)) \
	  -artifact_prefix=build/fuzz/crashes/$(1)/ build/fuzz/corpus/$(1)

endef

fuzz: fuzz-regressions
	$(foreach t,$(FUZZ_TARGETS),$(call fuzz_run,$(t),$(FUZZ_SECONDS)))

fuzz-smoke: fuzz-regressions
	$(foreach t,$(FUZZ_TARGETS),$(call fuzz_run,$(t),$(FUZZ_SMOKE_SECONDS)))

# libFuzzer runs the files it is given as arguments once each, then exits.
fuzz-regressions: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  files=$$(find tests/fuzz/regressions/$$t -type f ! -name '.*' 2>/dev/null | sort); \
	  if [ -n "$$files" ]; then echo "== regressions $$t"; $(FUZZ_ENV) build/fuzz/$$t $$files; fi; \
	done
