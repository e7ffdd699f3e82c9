# Robustness tests (tests/robust/run.sh): threads and ThreadSanitizer, fork,
# ASan + UBSan + LeakSanitizer over the integration client, valgrind, flat
# memory over thousands of connections, bad input compared with plain libpq,
# processes that never use libpq, secrets in logs, setuid.
#
#   make robust-test   CI size: about 1 minute on 2 cores (15 s of it building
#                      the sanitizer variants); part of `make test`
#   make check-all     robust-test plus the long runs (10,000 connections,
#                      1000 forks, long thread and TSan runs): about 4 minutes
#   make robust-bins   only builds
#
# The sanitizer builds compile the shim's own object list (SHIM_O from the
# main Makefile) again into $(B)/asan and $(B)/tsan.

RB          := $(B)/robust
RB_CFLAGS    = $(ALL_CFLAGS) -Itests/integ
RB_DEPS     := tests/robust/rutil.c tests/integ/util.c tests/integ/pqtest.h mk/robust.mk
RB_CLIENTS  := r_threads r_fork r_probe r_conns r_small r_secret
RB_BINS     := $(RB_CLIENTS:%=$(RB)/%) $(RB)/r_hello $(RB)/r_hello_static $(RB)/r_secure

ASAN_FLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined
TSAN_FLAGS  := -O1 -g -fsanitize=thread
# every object of libpqshim.so, rebuilt per sanitizer
RB_SHIM_O   := $(if $(SHIM_O),$(SHIM_O),$(patsubst shim/%.c,$(B)/shim/%.o,$(wildcard shim/*/*.c)))
ASAN_SHIM_O := $(patsubst $(B)/shim/%,$(B)/asan/shim/%,$(RB_SHIM_O))
# The shim's dlsym/dlopen hooks (hook_dl.c + dl_tramp_*.S) run inside the
# sanitizer runtimes' own start-up (they look up mmap & co with
# dlsym(RTLD_NEXT) before their shadow memory and thread state exist):
# - ASan: hooks/hook_dl.c is compiled without instrumentation (instrumented, it
#   faults on the not-yet-mapped shadow); everything else is checked;
# - TSan: the hooks call pthread_once, which TSan intercepts, so any TSan
#   program with them preloaded crashes at start-up (run.sh's noshim part
#   shows it with the normal shim). The TSan shim is built without them; the
#   dlsym/dlopen paths are not exercised by the thread and fork tests anyway.
TSAN_SHIM_O := $(patsubst $(B)/shim/%,$(B)/tsan/shim/%,\
               $(filter-out $(B)/shim/hooks/hook_dl.o $(B)/shim/hooks/dl_tramp_%.o,$(RB_SHIM_O)))
ASAN_OBJ_FLAGS = $(ASAN_FLAGS)
$(B)/asan/shim/hooks/hook_dl.o: ASAN_OBJ_FLAGS := -O1 -g
SAN_LINK    := -Wl,--version-script=shim/exports.map -ldl -lpthread
ASAN_INTEG  := $(B)/asan/integ/pqtest $(B)/asan/integ/rtld_main $(B)/asan/integ/ext_local.so
SAN_BINS    := $(B)/asan/libpqshim.so $(ASAN_INTEG) $(B)/asan/r_hello $(B)/asan/r_probe \
               $(B)/tsan/libpqshim.so $(B)/tsan/r_threads $(B)/tsan/r_fork $(B)/tsan/r_hello

.PHONY: robust-test check-all robust-bins robust-deps

EXTRA_TESTS += robust-test

# ---- the test clients ----

$(RB)/r_%: tests/robust/r_%.c $(RB_DEPS)
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(RB_CFLAGS) -o $@ $< tests/integ/util.c $(PG_LIBS) -lpthread -ldl

# never linked with libpq: for the "processes that never use libpq" part
$(RB)/r_hello: tests/robust/r_hello.c mk/robust.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(RB_CFLAGS) -o $@ $<

$(RB)/r_hello_static: tests/robust/r_hello.c mk/robust.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(RB_CFLAGS) -static -o $@ $<

# the shim's configuration module alone (secure_getenv in a setuid program)
$(RB)/r_secure: tests/robust/r_secure.c $(B)/libcore.a mk/robust.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(RB_CFLAGS) -o $@ $< $(B)/libcore.a -lpthread

# ---- sanitizer builds of the shim ----

$(B)/asan/shim/%.o: shim/%.c $(SHIM_HDRS) mk/robust.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) $(ASAN_OBJ_FLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(B)/tsan/shim/%.o: shim/%.c $(SHIM_HDRS) mk/robust.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) $(TSAN_FLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(B)/asan/shim/%.o: shim/%.S mk/robust.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) -c -o $@ $<

$(B)/tsan/shim/%.o: shim/%.S mk/robust.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) -c -o $@ $<

$(B)/asan/libpqshim.so: $(ASAN_SHIM_O) shim/exports.map
	$(call quiet,CC,$@)$(CC) -shared -fsanitize=address,undefined -o $@ $(ASAN_SHIM_O) $(SAN_LINK)

$(B)/tsan/libpqshim.so: $(TSAN_SHIM_O) shim/exports.map
	$(call quiet,CC,$@)$(CC) -shared -fsanitize=thread -o $@ $(TSAN_SHIM_O) $(SAN_LINK)

# ---- sanitizer builds of the clients ----

# The integration client carries the ASan runtime itself: preloading libasan
# into the uninstrumented pqtest hangs at exit (p11-kit's destructor, from
# libpq's dependencies, deadlocks on the locale lock under the preloaded runtime).
$(B)/asan/integ/pqtest: $(wildcard tests/integ/*.c tests/integ/*.h) mk/robust.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -o $@ $(wildcard tests/integ/*.c) $(PG_LIBS) -lpthread -ldl

$(B)/asan/integ/rtld_main: tests/integ/ext/rtld_main.c mk/robust.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -o $@ $< -ldl

$(B)/asan/integ/ext_local.so: tests/integ/ext/ext_local.c mk/robust.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -fPIC -shared -o $@ $< $(PG_LIBS)

# the bad-input probes, to run against the ASan shim (no allocator hook of their own)
$(B)/asan/r_probe: tests/robust/r_probe.c $(RB_DEPS)
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(RB_CFLAGS) $(ASAN_FLAGS) -DR_NO_ALLOC_HOOK -o $@ $< tests/integ/util.c $(PG_LIBS) -lpthread -ldl

# programs that never use libpq but carry a sanitizer runtime (noshim part)
$(B)/tsan/r_hello: tests/robust/r_hello.c mk/robust.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(RB_CFLAGS) $(TSAN_FLAGS) -o $@ $<

$(B)/asan/r_hello: tests/robust/r_hello.c mk/robust.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(RB_CFLAGS) $(ASAN_FLAGS) -o $@ $<

$(B)/tsan/r_%: tests/robust/r_%.c $(RB_DEPS)
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(RB_CFLAGS) $(TSAN_FLAGS) -o $@ $< tests/integ/util.c $(PG_LIBS) -lpthread -ldl

# ---- targets ----

robust-deps:
	@scripts/deps.sh valgrind

robust-bins: all $(B)/tests/integ/pqtest $(RB_BINS) $(SAN_BINS)

robust-test: robust-deps
	@$(MAKE) --no-print-directory robust-bins
	@tests/robust/run.sh quick

check-all: robust-deps
	@$(MAKE) --no-print-directory robust-bins
	@tests/robust/run.sh all
