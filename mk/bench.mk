# Benchmarks: `make bench` builds the drivers, runs bench/run.sh (about 5
# minutes: per-call cost against the fake libpq, scaling, pgbench and a
# re-prepare client against throwaway PostgreSQL 15 / PgBouncer 1.18),
# prints a table and writes bench/results.md. Benchmarks report, they never
# fail the build. Not part of `make test`. `make bench-bins` only builds.

BENCH_B      := $(B)/bench
BENCH_CFLAGS  = $(ALL_CFLAGS) -Wno-unused-parameter
BENCH_DEPS   := bench/bench_util.h mk/bench.mk
# the drivers link the fake libpq (tests/fake, lenient) by its soname, next to themselves
BENCH_STUB_LINK = -L$(BENCH_B) -lpq -Wl,-rpath,'$$ORIGIN'
BENCH_BINS   := $(BENCH_B)/libpq.so.5 $(BENCH_B)/percall $(BENCH_B)/scale $(BENCH_B)/reprepare

.PHONY: bench bench-bins bench-tls-ie bench-probe bench-stats bench-sql

# SQL-level PREPARE/EXECUTE behind a transaction pooler, pooled vs unnamed (bench/sql_level.sh)
bench-sql: all
	@bench/sql_level.sh $(SQL_ROUNDS)

# the live statistics file's time check on the call path (bench/stats_cost.sh)
bench-stats: all bench-bins
	@bench/stats_cost.sh $(STATS_ROUNDS)

# auto mode's connect-time probe, measured (bench/probe_cost.sh)
$(BENCH_B)/conncost: bench/conncost.c mk/bench.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(BENCH_CFLAGS) -o $@ $< $(PG_LIBS)

bench-probe: all $(BENCH_B)/conncost
	@bench/probe_cost.sh $(PROBE_N)

$(BENCH_B)/libpq.so.5: tests/fake/fake_libpq.c tests/fake/fake.h mk/bench.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(BENCH_CFLAGS) -Itests/fake -fPIC -shared -Wl,-soname,libpq.so.5 -o $@ $<
	@ln -sf libpq.so.5 $(BENCH_B)/libpq.so

$(BENCH_B)/percall: bench/percall.c $(BENCH_DEPS) $(BENCH_B)/libpq.so.5
	$(call quiet,CC,$@)$(CC) $(BENCH_CFLAGS) -o $@ $< $(BENCH_STUB_LINK) -lpthread

$(BENCH_B)/scale: bench/scale.c $(BENCH_DEPS) $(BENCH_B)/libpq.so.5
	$(call quiet,CC,$@)$(CC) $(BENCH_CFLAGS) -o $@ $< $(BENCH_STUB_LINK)

# the real libpq: a client of real servers
$(BENCH_B)/reprepare: bench/reprepare.c $(BENCH_DEPS)
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(BENCH_CFLAGS) -o $@ $< $(PG_LIBS)

# An experiment, not a product: the same shim sources built with
# -ftls-model=initial-exec (its __thread variables then cost one %fs-relative
# access instead of a __tls_get_addr call), to show what that flag alone buys.
bench-tls-ie:
	@$(MAKE) --no-print-directory B=$(BENCH_B)/tls-ie CFLAGS="$(CFLAGS) -ftls-model=initial-exec" \
		$(BENCH_B)/tls-ie/libpqshim.so

bench-bins: $(BENCH_BINS)

bench: all
	@$(MAKE) --no-print-directory bench-bins
	@$(MAKE) --no-print-directory bench-tls-ie || echo "bench: the initial-exec experiment did not build; skipped" >&2
	@bench/run.sh || echo "bench: the harness stopped early (exit $$?); see above" >&2
	@bench/stats_cost.sh || echo "bench: the statistics cost did not run (exit $$?)" >&2
	@bench/sql_level.sh || echo "bench: the SQL-level comparison did not run (exit $$?)" >&2
