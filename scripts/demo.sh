#!/usr/bin/env bash
# make demo: a throwaway PostgreSQL 15 and PgBouncer 1.18, and one small app
# that re-prepares its statements, run without and with the shim.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
app=$root/build/demo/reprepare
shim=$root/build/libpqshim.so
# shellcheck source=tests/lib/servers.sh
source "$root/tests/lib/servers.sh"

servers_init
servers_start_pg
servers_start_pgbouncer demo transaction 1
servers_start_pgbouncer pool transaction 2

run() { # title, env..., then the app's arguments after --
	local title=$1
	shift
	echo
	echo "== $title"
	env "$@" || true
}

echo
echo "The app prepares s0 and q twice, as apps do after losing track of them."
run "without the shim (direct to PostgreSQL)" -u LD_PRELOAD "$app" "$PQT_PG_DSN"
run "with the shim: LD_PRELOAD=$shim (nothing else set)" LD_PRELOAD="$shim" PQSHIM_LOG=info "$app" "$PQT_PG_DSN"

echo
echo "Behind PgBouncer (transaction mode, one server connection), a statement"
echo "left by an earlier client is in the way of the next one:"
env -u LD_PRELOAD "$app" "$PQT_BOUNCER_DEMO_DSN" >/dev/null 2>&1 || true
run "without the shim, the next client" -u LD_PRELOAD "$app" "$PQT_BOUNCER_DEMO_DSN"
run "with the shim, the next client" LD_PRELOAD="$shim" PQSHIM_LOG=info "$app" "$PQT_BOUNCER_DEMO_DSN"

echo
echo "== pgbench -M prepared, 8 clients through PgBouncer transaction mode (2 server connections)"
pgbench -i -s 1 -q >/dev/null 2>&1
bench() { # label, env...
	local label=$1 out errors failed tps
	shift
	out=$(env "$@" pgbench -n -M prepared -c 8 -j 2 -T 5 -f "$root/tests/integ/pgbench_multi.sql" \
		"$PQT_BOUNCER_POOL_DSN" 2>&1 || true)
	errors=$(grep -c 'error' <<<"$out" || true)
	failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
	tps=$(sed -n 's/^tps = \([0-9]*\).*/\1/p' <<<"$out")
	printf '  %-44s %8s %10s %8s\n' "$label" "$errors" "${failed:-?}" "${tps:-?}"
	grep -m1 'error' <<<"$out" | sed 's/^/      first error: /' || true
}
printf '  %-44s %8s %10s %8s\n' "" "errors" "failed tx" "tps"
bench "without the shim" -u LD_PRELOAD
bench "with the shim, only LD_PRELOAD (auto: pooled here)" LD_PRELOAD="$shim"
bench "with the shim, prepared_statements=false" LD_PRELOAD="$shim" prepared_statements=false
echo
echo "(without the shim, errors are logged and a client may run another client's"
echo " statement of the same name. With only LD_PRELOAD set, the shim sees the"
echo " pooler when each connection is made and runs pooled mode: statements under"
echo " names derived from their text, made on each server connection when missing,"
echo " so the server's plan cache is kept. prepared_statements=false forces unnamed"
echo " mode: every statement through the unnamed statement, planned every time.)"
echo
