#!/usr/bin/env bash
# An A/B of pooled mode's by-name execution inside transaction blocks alone:
# PQSHIM_POOLED_IN_BLOCKS=true vs false, both PQSHIM_MODE=pooled, pgbench -M prepared
# through PgBouncer 1.18 in transaction mode (pool 4, 8 clients, -j 8, scale 10), in
# alternated order each round. Prints tps per run and the per-round ratio on / off.
#
#   bench/ab_in_blocks.sh [WORKLOAD] [ROUNDS] [SECONDS]
#   WORKLOAD: tpcb (default), or a pgbench script such as bench/plan_heavy_block.sql
# After `make`. Starts and always stops its own servers (tests/lib/servers.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
workload=${1:-tpcb} rounds=${2:-5} seconds=${3:-10}
# shellcheck source=tests/lib/servers.sh
source "$root/tests/lib/servers.sh"
servers_init
servers_start_pg
servers_start_pgbouncer pool transaction 4
pgbench -i -s 10 -q "$PQT_PG_DSN" >/dev/null 2>&1
if [[ $workload == tpcb ]]; then args=(-b tpcb-like); else args=(-s 10 -f "$workload"); fi
declare -A tps
for ((r = 1; r <= rounds; r++)); do
	order="true false"
	((r % 2)) || order="false true"
	for v in $order; do
		psql -X -q -d "$PQT_PG_DSN" -c "VACUUM pgbench_branches, pgbench_tellers" \
			-c "TRUNCATE pgbench_history" >/dev/null
		out=$(LD_PRELOAD=$root/build/libpqshim.so PQSHIM_MODE=pooled PQSHIM_POOLED_IN_BLOCKS=$v \
			timeout $((seconds + 60)) pgbench -n -M prepared "${args[@]}" -c 8 -j 8 -T "$seconds" \
			"$PQT_BOUNCER_POOL_DSN" 2>&1) || { echo "$out"; exit 1; }
		tps[$v]=$(sed -n 's/^tps = \([0-9.]*\) (without.*/\1/p' <<<"$out")
		echo "round $r in_blocks=$v tps=${tps[$v]} $(grep 'number of failed' <<<"$out")"
	done
	echo "round $r on/off = $(awk -v a="${tps[true]}" -v b="${tps[false]}" 'BEGIN { printf "%.3f", a / b }')"
done
