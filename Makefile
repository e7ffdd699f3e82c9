# pqshim: an LD_PRELOAD shim for libpq. `make` builds build/libpqshim.so;
# `make test` installs what is missing, builds and runs every test;
# `make demo` shows the failure without the shim and the fix with it.

CC       ?= gcc
# quiet builds: one line per target ("CC build/shim/ops/pump.o"); V=1 shows the commands
V        ?= 0
quiet     = $(if $(filter 1,$(V)),,@printf '  %-5s %s\n' '$(1)' '$(2)';)
PREFIX   ?= /usr/local
DESTDIR  ?=
LIBDIR   ?= $(PREFIX)/lib/pqshim
B        := build

PG_CFLAGS := $(shell pkg-config --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql)
PG_LIBS   := $(shell pkg-config --libs libpq 2>/dev/null || echo -lpq)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
            -Wundef -Wpointer-arith -Werror
CFLAGS   ?= -O2 -g
# CPPFLAGS and LDFLAGS reach every compile and link (make deb passes Debian's
# hardening flags through them)
VERSION  := $(shell cat VERSION)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CPPFLAGS) $(CFLAGS) -Iinclude -Ishim $(PG_CFLAGS) \
             -DPQSHIM_VERSION='"$(VERSION)"'


# the layers of shim/, lowest first (ARCHITECTURE.md); pure is unit-tested on its own
LAYERS   := pure base real conn ops hooks
SHIM_HDRS := $(wildcard include/*.h shim/*/*.h)
CORE_O   := $(patsubst shim/%.c,$(B)/shim/%.o,$(wildcard shim/pure/*.c))
SHIM_O   := $(patsubst shim/%.c,$(B)/shim/%.o,$(foreach l,$(LAYERS),$(wildcard shim/$(l)/*.c)))

UNIT     := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(wildcard tests/unit/test_*.c))
INTEG_SRC := $(wildcard tests/integ/*.c)
INTEG    := $(B)/tests/integ/pqtest

.PHONY: all test unit integ check-exports check-layers install uninstall demo clean deps

# Fragments add their own targets; EXTRA_TESTS names targets `make test` runs too.
EXTRA_TESTS :=

all: $(B)/libpqshim.so

$(B)/shim/%.o: shim/%.c $(SHIM_HDRS) Makefile VERSION
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(B)/shim/%.o: shim/%.S Makefile
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) -c -o $@ $<

# the dlopen/dlsym stubs of the target (each .S is empty on other targets)
SHIM_O += $(B)/shim/hooks/dl_tramp_x86_64.o $(B)/shim/hooks/dl_tramp_aarch64.o

$(B)/libpqshim.so: $(SHIM_O) shim/exports.map
	$(call quiet,CC,$@)$(CC) -shared $(LDFLAGS) -o $@ $(SHIM_O) -Wl,--version-script=shim/exports.map \
		-Wl,-z,defs -Wl,--as-needed -ldl -lpthread

$(B)/libcore.a: $(CORE_O)
	$(call quiet,AR,$@)$(AR) rcs $@ $^

$(B)/tests/unit/%: tests/unit/%.c tests/unit/check_main.h $(B)/libcore.a
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -Itests/unit -DPQT_EXT_LOCAL='"$(B)/tests/integ/ext_local.so"' \
		-o $@ $< $(B)/libcore.a $(CHECK_LIBS) -lpthread

$(INTEG): $(INTEG_SRC) $(wildcard tests/integ/*.h) Makefile
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -o $@ $(INTEG_SRC) $(PG_LIBS) -lpthread -ldl

$(B)/tests/integ/ext_local.so: tests/integ/ext/ext_local.c
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -fPIC -shared -o $@ $< $(PG_LIBS)

# no -lpq here: libpq arrives only privately, through ext_local.so
$(B)/tests/integ/rtld_main: tests/integ/ext/rtld_main.c
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -o $@ $< -ldl

deps:
	@scripts/deps.sh

check-exports: $(B)/libpqshim.so
	@scripts/check-exports.sh $(B)/libpqshim.so

# no include points to a layer above, no circle between files of shim/
check-layers:
	@python3 scripts/check-layers.py

unit: $(UNIT) $(B)/tests/integ/ext_local.so
	@scripts/run-unit.sh $(UNIT)

# the shim's dlopen/dlsym must leave other interposers, RUNPATHs and DEEPBIND alone
DLT := $(B)/tests/integ
$(DLT)/libinterpose.so: tests/integ/ext/interpose_getpid.c
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -fPIC -shared -o $@ $< -ldl
$(DLT)/plugins/libplugin.so: tests/integ/ext/plugin.c
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -fPIC -shared -o $@ $<
$(DLT)/libloader.so: tests/integ/ext/loader.c $(DLT)/plugins/libplugin.so
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -fPIC -shared -o $@ $< -ldl -Wl,--enable-new-dtags,-rpath,'$$ORIGIN/plugins'
$(DLT)/libdeep.so: tests/integ/ext/deep.c
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -fPIC -shared -o $@ $<
$(DLT)/dl_safety: tests/integ/ext/dl_safety.c
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -rdynamic -o $@ $< -ldl
DL_TESTS := $(DLT)/libinterpose.so $(DLT)/libloader.so $(DLT)/libdeep.so $(DLT)/dl_safety

integ: all $(INTEG) $(B)/tests/integ/ext_local.so $(B)/tests/integ/rtld_main $(DL_TESTS)
	@CASE='$(CASE)' tests/run-integ.sh

# every suite, each summed up in one line, then the grand total (scripts/run-tests.sh)
test: deps
	@$(MAKE) --no-print-directory all
	@V=$(V) scripts/run-tests.sh check-layers check-exports unit integ $(EXTRA_TESTS)

$(B)/demo/%: tests/demo/%.c
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -o $@ $< $(PG_LIBS)

demo: deps
	@$(MAKE) --no-print-directory all $(B)/demo/reprepare $(B)/demo/workers
	@scripts/demo.sh

install: $(B)/libpqshim.so
	install -d $(DESTDIR)$(LIBDIR)
	install -m 0644 $(B)/libpqshim.so $(DESTDIR)$(LIBDIR)/libpqshim.so

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libpqshim.so
	-rmdir $(DESTDIR)$(LIBDIR) 2>/dev/null

clean:
	rm -rf $(B)

include $(sort $(wildcard mk/*.mk))
