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
run "with the shim: LD_PRELOAD=$shim" LD_PRELOAD="$shim" PQSHIM_LOG=info "$app" "$PQT_PG_DSN"

echo
echo "Behind PgBouncer (transaction mode, one server connection), a statement"
echo "left by an earlier client is in the way of the next one:"
env -u LD_PRELOAD "$app" "$PQT_BOUNCER_DEMO_DSN" >/dev/null 2>&1 || true
run "without the shim, the next client" -u LD_PRELOAD "$app" "$PQT_BOUNCER_DEMO_DSN"
run "with the shim, the next client" LD_PRELOAD="$shim" PQSHIM_LOG=info "$app" "$PQT_BOUNCER_DEMO_DSN"
echo
