#!/usr/bin/env bash
# make bench-probe: what auto mode's connect-time probe costs, side by side.
# Starts PostgreSQL and PgBouncer (tests/lib/servers.sh); N fresh processes
# (default 300) per target, each: first connect, first query, second connect
# (the target's answer cached); PQSHIM_MODE=dedupe and auto alternated.
# Prints the medians in microseconds.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/bench/conncost
n=${1:-300}
out=$(mktemp /tmp/pqshim-probe-cost.XXXXXX)
# shellcheck source=tests/lib/servers.sh
source "$root/tests/lib/servers.sh"
servers_init >/dev/null && servers_start_pg >/dev/null && servers_start_pgbouncer tx transaction 2 >/dev/null || exit 1
for target in direct pooler; do
	dsn=$PQT_PG_DSN
	[ "$target" = pooler ] && dsn=$PQT_BOUNCER_TX_DSN
	for ((i = 0; i < n; i++)); do
		for m in dedupe auto; do
			LD_PRELOAD=$root/build/libpqshim.so PQSHIM_MODE=$m "$bin" "$dsn host=127.0.0.1" |
				sed "s/^/$target $m /"
		done
	done
done >"$out"
servers_stop >/dev/null 2>&1
python3 - "$out" <<'PY'
import collections, statistics, sys
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    t, m, *v = line.split()
    d[(t, m)].append([float(x) for x in v])
print("probe cost (TCP to 127.0.0.1; medians of %d fresh processes, us):" % len(next(iter(d.values()))))
print("%-8s %-7s %14s %12s %15s" % ("target", "mode", "first connect", "first query", "second connect"))
for (t, m), v in sorted(d.items()):
    print("%-8s %-7s %14.0f %12.0f %15.0f" % (t, m, *(statistics.median(x[i] for x in v) for i in range(3))))
PY
rm -f "$out"
