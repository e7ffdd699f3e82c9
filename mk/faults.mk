# Server-fault tests (tests/faults/run.sh): PostgreSQL restarted, backends
# terminated (idle, async prepare in flight, pipeline queued), PgBouncer
# restarted, the network dropped mid-pipeline; each client run without and
# with the shim, transcripts compared step by step. Part of `make test`.
#
#   make faults-test   about 30 s
#   make faults-bins   only builds

FB := $(B)/faults

.PHONY: faults-test faults-bins

EXTRA_TESTS += faults-test

$(FB)/faults: tests/faults/faults.c mk/faults.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -o $@ tests/faults/faults.c $(PG_LIBS)

faults-bins: all $(FB)/faults

faults-test:
	@$(MAKE) --no-print-directory faults-bins
	@tests/faults/run.sh
