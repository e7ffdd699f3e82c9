#!/usr/bin/env bash
# make bench-sql (and part of make bench): SQL-level statements behind a transaction pooler,
# pooled mode against unnamed mode, side by side in one run (issue 15).
#
# PostgreSQL 15 and PgBouncer 1.18 in transaction mode (pool 4), servers of its own
# (tests/lib/servers.sh); pgbench -s 10, 8 clients (-j 8), ROUNDS rounds (default 3) of
# SECONDS s (default 10) per run, the variants' order rotated each round:
#   sql-unnamed, sql-pooled   bench/sql_select.sql and bench/sql_plan_heavy.sql: PREPARE once
#                             per connection, EXECUTE with literal arguments per transaction
#                             (the way Qt's QPSQL driver writes statements), -M simple
#   proto-unnamed, proto-pooled  the same queries as protocol prepares (-b select-only,
#                             bench/plan_heavy.sql, -M prepared): what the SQL-level path is
#                             compared with
# Without the shim the SQL-level scripts fail behind a transaction pooler (26000 / 42P05), so
# there is no no-shim variant. Every run must end with 0 failed transactions and nothing on
# stderr; a run that does not is reported, never counted. Prints the median tps per variant
# and the ratios; writes the table to bench/results_sql.md.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-${ROUNDS:-3}}
seconds=${SECONDS_PER_RUN:-10}
shim=$root/build/libpqshim.so
work=$(mktemp -d /tmp/pqshim-bench-sql.XXXXXX)
out=$root/bench/results_sql.md
# shellcheck source=tests/lib/servers.sh
source "$root/tests/lib/servers.sh"
servers_init >/dev/null && servers_start_pg >/dev/null &&
	servers_start_pgbouncer tx transaction 4 >/dev/null || exit 1
env -u LD_PRELOAD pgbench -i -q -s 10 "$PQT_PG_DSN" >"$work/init.log" 2>&1 || {
	cat "$work/init.log"
	exit 1
}
variants=(sql-unnamed sql-pooled proto-unnamed proto-pooled)
workloads=(select plan)

args() { # WORKLOAD VARIANT: pgbench's arguments, one per line
	case $1.$2 in
	select.sql-*) printf '%s\n' -M simple -D prepared=0 -f "$root/bench/sql_select.sql" -s 10 ;;
	plan.sql-*) printf '%s\n' -M simple -D prepared=0 -f "$root/bench/sql_plan_heavy.sql" -s 10 ;;
	select.proto-*) printf '%s\n' -M prepared -b select-only ;;
	plan.proto-*) printf '%s\n' -M prepared -f "$root/bench/plan_heavy.sql" -s 10 ;;
	esac
}

for ((r = 1; r <= rounds; r++)); do
	for w in "${workloads[@]}"; do
		n=${#variants[@]}
		for ((i = 0; i < n; i++)); do
			v=${variants[(i + r - 1) % n]}
			mapfile -t a < <(args "$w" "$v")
			o=$(LD_PRELOAD=$shim PQSHIM_MODE=${v#*-} timeout $((seconds + 60)) pgbench -n "${a[@]}" \
				-c 8 -j 8 -T "$seconds" "$PQT_BOUNCER_TX_DSN" 2>"$work/err")
			rc=$?
			tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time).*/\1/p' <<<"$o")
			failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$o")
			nerr=$(grep -c . "$work/err")
			if ((rc != 0)) || [[ -z $tps || ${failed:-0} != 0 ]] || ((nerr)); then
				echo "bench-sql: $w $v round $r: exit $rc, tps '${tps}', failed ${failed:-?}, $nerr lines on stderr:" >&2
				head -n 5 "$work/err" | sed 's/^/bench-sql:   /' >&2
				continue
			fi
			echo "$w $v $tps" >>"$work/tps"
			echo "bench-sql: $w $v round $r: $tps tps" >&2
		done
	done
done
servers_stop >/dev/null 2>&1
python3 - "$work/tps" "$rounds" "$seconds" >"$work/table" <<'PY'
import collections, statistics, sys
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    w, v, t = line.split()
    d[(w, v)].append(float(t))
med = {k: statistics.median(v) for k, v in d.items()}
def ratio(w, a, b):
    return "%.2f" % (med[(w, a)] / med[(w, b)]) if (w, a) in med and (w, b) in med else "n/a"
print("SQL-level statements through PgBouncer 1.18 (transaction mode, pool 4), 8 clients, "
      "%s round(s) of %s s, median tps:" % (sys.argv[2], sys.argv[3]))
print()
print("| workload | sql-unnamed | sql-pooled | proto-unnamed | proto-pooled | sql pooled / unnamed | proto pooled / unnamed | sql pooled / proto pooled |")
print("|---|---|---|---|---|---|---|---|")
for w, name in (("select", "select-only"), ("plan", "plan-heavy")):
    cells = ["%.0f" % med[(w, v)] if (w, v) in med else "n/a"
             for v in ("sql-unnamed", "sql-pooled", "proto-unnamed", "proto-pooled")]
    print("| %s | %s | %s | %s | %s |" % (name, " | ".join(cells),
          ratio(w, "sql-pooled", "sql-unnamed"), ratio(w, "proto-pooled", "proto-unnamed"),
          ratio(w, "sql-pooled", "proto-pooled")))
print()
print("Targets (issue 15): sql pooled / unnamed >= 1.3 on select-only; on plan-heavy at least "
      "what protocol-level pooled mode reaches (its pooled / unnamed).")
PY
cat "$work/table"
{
	echo "# SQL-level statements behind a transaction pooler (bench/sql_level.sh)"
	echo
	cat "$work/table"
} >"$out"
echo "bench-sql: written to $out" >&2
rm -rf "$work"
