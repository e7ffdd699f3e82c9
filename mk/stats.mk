# Live statistics (PQSHIM_STATS_DIR, `pqshim stats`) with a real PostgreSQL,
# PgBouncer and node_exporter: `make stats-test` (about 20 s), part of
# `make test`.

STATS_B := $(B)/tests/stats

.PHONY: stats-test

EXTRA_TESTS += stats-test

$(STATS_B)/stats_client: tests/stats/client.c mk/stats.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -o $@ $< $(PG_LIBS)

stats-test: all tool $(STATS_B)/stats_client
	@tests/stats/run.sh
