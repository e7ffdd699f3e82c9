# The operation layer's tests (tests/ops/, see tests/README.md): in process,
# against the scripted fake libpq (tests/fake/), no server; part of
# `make test`. `make ops-test CASE=name` runs one case.

FAKE_B   := $(B)/tests/fake
OPS_B    := $(B)/tests/ops

.PHONY: ops-test fake

EXTRA_TESTS := ops-test $(EXTRA_TESTS)

# the soname of the real one: programs linked against it get it instead of libpq
$(FAKE_B)/libpq.so.5: tests/fake/fake_libpq.c tests/fake/fake.h mk/ops.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -Itests/fake -fPIC -shared -Wl,-soname,libpq.so.5 -o $@ $<
	@ln -sf libpq.so.5 $(FAKE_B)/libpq.so

fake: $(FAKE_B)/libpq.so.5

$(OPS_B)/ops: tests/ops/ops.c tests/fake/fake.h tests/integ/pqtest.h $(FAKE_B)/libpq.so.5 \
		$(B)/libcore.a mk/ops.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -Itests/fake -Itests/integ -o $@ $< $(B)/libcore.a \
		-L$(FAKE_B) -lpq -Wl,-rpath,'$$ORIGIN/../fake'

ops-test: all $(OPS_B)/ops
	@CASE='$(CASE)' tests/ops/run.sh
