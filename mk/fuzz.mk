# libFuzzer targets (tests/fuzz/*.c) over the pure modules, built with clang
# and ASan + UBSan straight from the shim's sources (libcore.a is gcc-built,
# uninstrumented). Each target checks properties, not only "no crash"; see
# the comment at the top of each file.
#
#   make fuzz        build build/fuzz/fuzz_{sqlscan,rewrite,conninfo}
#   make fuzz-test   10 s per target from the committed seed corpus (part of `make test`)
#   make fuzz-long   5 minutes per target
#
# A crash input is written to build/fuzz/artifacts/; reproduce with
#   build/fuzz/<target> <file>
# Inputs that once found a bug stay in the corpus as regression-* seeds.

FUZZ_CC      ?= clang
FZ           := $(B)/fuzz
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -Iinclude -Ishim $(PG_CFLAGS) -g -O1 \
                -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined
FUZZ_SECS    ?= 10
FUZZ_LONG_SECS ?= 300
FUZZ_HDRS    := $(wildcard shim/*/*.h include/*.h tests/fuzz/*.h) mk/fuzz.mk

FUZZ_SRC_fuzz_sqlscan  := shim/pure/sqlscan.c
FUZZ_SRC_fuzz_rewrite  := $(addprefix shim/pure/,sqlscan.c policy.c sql_plan.c stmt_table.c names.c sha256.c config.c)
FUZZ_SRC_fuzz_conninfo := shim/pure/conninfo.c shim/pure/config.c
FUZZ_TARGETS := fuzz_sqlscan fuzz_rewrite fuzz_conninfo
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FZ)/%)

.PHONY: fuzz fuzz-test fuzz-long fuzz-deps

EXTRA_TESTS += fuzz-test

.SECONDEXPANSION:
$(FZ)/%: tests/fuzz/%.c $$(FUZZ_SRC_%) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(call quiet,CLANG,$@)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRC_$*)

fuzz-deps:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || scripts/deps.sh clang libclang-rt-14-dev

fuzz: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

fuzz-test: fuzz
	@tests/fuzz/run.sh $(FUZZ_SECS)

fuzz-long: fuzz
	@tests/fuzz/run.sh $(FUZZ_LONG_SECS)
