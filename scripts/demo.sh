#!/usr/bin/env bash
# make demo: a throwaway PostgreSQL 15 and PgBouncer 1.18, one small app that
# re-prepares its statements, and a pooled workload, each run without the
# shim, with only LD_PRELOAD set (the default, auto mode) and in unnamed mode.
# DEMO_SECONDS (default 5) is how long each pooled run lasts.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
app=$root/build/demo/reprepare
workers=$root/build/demo/workers
shim=$root/build/libpqshim.so
secs=${DEMO_SECONDS:-5}
ma=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
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

# the three ways to run, as labels and environments
labels=("without the shim" "only LD_PRELOAD (the default: auto)" "prepared_statements=false (unnamed)")
envs=("-u LD_PRELOAD" "LD_PRELOAD=$shim" "LD_PRELOAD=$shim prepared_statements=false")
row() { printf '  %-40s %8s %8s %8s\n' "$@"; }

echo
echo "== 4 apps, each with its own statement named q, through PgBouncer in"
echo "   transaction mode (2 server connections), ${secs} s each"
row "" errors "wrong" tps
for i in "${!labels[@]}"; do
	# shellcheck disable=SC2086 # envs[i] is a list of env(1) arguments
	out=$(env ${envs[i]} "$workers" "$PQT_BOUNCER_POOL_DSN" "$secs" 4 2>&1 || true)
	read -r errors wrong tps <<<"$(head -n 1 <<<"$out")"
	row "${labels[i]}" "${errors:-?}" "${wrong:-?}" "${tps:-?}"
	sed -n '2{s/^/      first error: /;p}' <<<"$out"
done
echo "  (wrong: an execution that returned another app's row, because another"
echo "   client's statement of the same name ran; tps: right answers per second)"

echo
echo "== pgbench -M prepared, 8 clients, the same pooler, ${secs} s each"
pgbench -i -s 1 -q >/dev/null 2>&1
row "" errors "failed" tps
for i in "${!labels[@]}"; do
	# shellcheck disable=SC2086 # envs[i] is a list of env(1) arguments
	out=$(env ${envs[i]} pgbench -n -M prepared -c 8 -j 2 -T "$secs" \
		-f "$root/tests/integ/pgbench_multi.sql" "$PQT_BOUNCER_POOL_DSN" 2>&1 || true)
	errors=$(grep -c 'error' <<<"$out" || true)
	failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
	tps=$(sed -n 's/^tps = \([0-9]*\).*/\1/p' <<<"$out")
	row "${labels[i]}" "$errors" "${failed:-?}" "${tps:-?}"
	grep -m1 'error' <<<"$out" | sed 's/^/      first error: /' || true
done

echo
echo "Without the shim, prepares collide and an app may silently run another"
echo "app's statement. With only LD_PRELOAD set, each connection finds the pooler"
echo "when it is made and runs pooled mode: statements under names derived from"
echo "their text, made on each server connection when missing, so plans stay"
echo "cached. prepared_statements=false forces unnamed mode: correct too, but every"
echo "statement is planned every time. Behind PgBouncer 1.21+ (which prepares"
echo "statements itself) or directly, the default only answers duplicate prepares."
echo
echo "To turn it on for a service, set one variable (the package, make deb,"
echo "installs the library as /usr/lib/<multiarch>/pqshim/libpqshim.so):"
echo "  Dockerfile:    ENV LD_PRELOAD=/usr/lib/$ma/pqshim/libpqshim.so"
echo "  systemd unit:  Environment=LD_PRELOAD=/usr/lib/$ma/pqshim/libpqshim.so"
echo "  this tree:     LD_PRELOAD=$shim"
echo
