# Allocation-failure injection (test builds only): the shim compiled with
# -DPQSHIM_FAULTS into build/faults/, and a client run once per allocation
# with that allocation failing (tests/oom/run.sh). Part of `make test`.

FAULTS_O := $(patsubst $(B)/shim/%.o,$(B)/faults/shim/%.o,$(SHIM_O))
EXTRA_TESTS += oom-test

.PHONY: oom-test

$(B)/faults/shim/%.o: shim/%.c $(SHIM_HDRS) Makefile mk/oom.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -DPQSHIM_FAULTS -fPIC -fvisibility=hidden -c -o $@ $<

$(B)/faults/shim/%.o: shim/%.S Makefile
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) -c -o $@ $<

$(B)/faults/libpqshim.so: $(FAULTS_O) shim/exports.map
	$(call quiet,CC,$@)$(CC) -shared -o $@ $(FAULTS_O) -Wl,--version-script=shim/exports.map -Wl,-z,defs -ldl -lpthread

$(B)/tests/oom/oom_client: tests/oom/oom_client.c tests/integ/util.c tests/integ/pqtest.h
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -Itests/integ -o $@ tests/oom/oom_client.c tests/integ/util.c $(PG_LIBS)

oom-test: $(B)/faults/libpqshim.so $(B)/tests/oom/oom_client
	@tests/oom/run.sh
