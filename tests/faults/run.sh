#!/usr/bin/env bash
# Server-fault tests for pqshim: each scenario of build/faults/faults (see
# tests/faults/faults.c) runs once without the shim and once with it; both runs
# must finish in time, pass their own checks (after PQreset every re-prepared
# name runs its newest text), and print the same "cmp" lines (result status,
# SQLSTATE, connection status, values, step by step).
#
#   tests/faults/run.sh [SCENARIO...]     (default: all; SCENARIO is a name
#   of faults.c, bouncer-restart, or unnamed / pooled for the unnamed- and
#   pooled-mode repeats)
#
# Starts its own PostgreSQL 15 and two PgBouncers (session pool 2, transaction
# pool 1) with tests/lib/servers.sh, which always stops them (EXIT trap).
# Prints ok/FAIL per test and ends with `faults: N passed, M failed`; exits 1
# on any failure.  Transcripts are kept in build/faults/last-run.
#
# Internally the client calls back `run.sh --hook restart-pg|restart-bouncer`
# (without LD_PRELOAD) to restart a server under it.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
B=$root/build
F=$B/faults
shim=$B/libpqshim.so
self=$root/tests/faults/run.sh

# ---- hook mode: restart a server, called from inside the test client ----
as_server() {
	if [ "$PQT_SERVER_USER" = "$(id -un)" ]; then
		env LC_ALL=C LANG=C "$@"
	else
		runuser -u "$PQT_SERVER_USER" -- env LC_ALL=C LANG=C "$@"
	fi
}

hook() {
	cd "$PQT_TMPDIR" || exit 1
	case $1 in
	restart-pg)
		as_server timeout -k 2 30 "$PQT_PG_BIN/pg_ctl" -D "$PQT_PGDATA" -l "$PQT_PG_LOG" \
			-w -t 20 -s restart -m fast </dev/null >/dev/null 2>&1
		;;
	restart-bouncer)
		local dir=$PQT_TMPDIR/bouncer-$PQF_BOUNCER_NAME pid i
		pid=$(cat "$dir/pgbouncer.pid" 2>/dev/null)
		[[ $pid =~ ^[0-9]+$ ]] || { echo "no pgbouncer pid in $dir" >&2; exit 1; }
		kill -TERM "$pid"
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			# a zombie (reparented to a slow init) counts as gone
			grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null && break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null &&
			kill -KILL "$pid"
		rm -f "$dir/pgbouncer.pid"
		as_server "$PQT_PGBOUNCER" -d "$dir/pgbouncer.ini" </dev/null >/dev/null 2>&1 || exit 1
		for ((i = 0; i < 100; i++)); do
			if psql -X -Aqt -d "$PQF_BOUNCER_ADMIN_DSN connect_timeout=2" -c 'SHOW VERSION' \
				>/dev/null 2>&1; then
				exit 0
			fi
			sleep 0.1
		done
		echo "pgbouncer did not come back" >&2
		exit 1
		;;
	*)
		echo "unknown hook $1" >&2
		exit 1
		;;
	esac
}

if [ "${1:-}" = --hook ]; then
	: "${PQT_PG_BIN:=/usr/lib/postgresql/15/bin}" "${PQT_PGBOUNCER:=/usr/sbin/pgbouncer}"
	hook "$2"
	exit $?
fi

# ---- the runner ----
for f in "$shim" "$F/faults"; do
	if [ ! -x "$f" ] && [ ! -f "$f" ]; then
		echo "missing $f (run make faults-test)"
		echo "faults: 0 passed, 1 failed"
		exit 1
	fi
done

start=$(date +%s.%N)
# shellcheck source=tests/lib/servers.sh
source "$root/tests/lib/servers.sh"
servers_init || exit 1
servers_start_pg || exit 1
servers_start_pgbouncer fsess session 2 || exit 1
servers_start_pgbouncer ftx1 transaction 1 || exit 1
export PQT_PG_BIN PQT_PGBOUNCER
unset PQSHIM_MODE PQSHIM_PREPARED_STATEMENTS prepared_statements PQSHIM_LOG PQSHIM_LOG_FILE \
	PQSHIM_POOLED_THRESHOLD PQSHIM_POOLED_MAX PQSHIM_POOLED_IN_BLOCKS
unset LD_PRELOAD PQF_BOUNCER_NAME PQF_BOUNCER_ADMIN_DSN

work=$PQT_TMPDIR/faults
mkdir -p "$work"
chmod 0755 "$work"
pass=0
fail=0

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

result() {
	local name=$1 secs=$2 problem=$3 doc=$4
	if [ -z "$problem" ]; then
		pass=$((pass + 1))
		printf 'ok   %-36s %s (%ss)\n' "$name" "$doc" "$secs"
	else
		fail=$((fail + 1))
		printf 'FAIL %-36s %s (%ss)\n%s\n' "$name" "$doc" "$secs" "$problem" | sed '2,$s/^/     /'
	fi
}

# one_run OUT SHIM(0|1) SCENARIO: runs the client, bounded; prints a problem or nothing
one_run() {
	local out=$1 use_shim=$2 sc=$3 rc=0
	local -a pre=()
	[ "$use_shim" = 1 ] && pre=(LD_PRELOAD="$shim")
	# through a bouncer: start from fresh server connections (server_reset_query is
	# empty, so a session pool hands back the previous run's statements)
	if [ -n "${PQF_BOUNCER_ADMIN_DSN:-}" ]; then
		timeout -k 2 10 psql -X -Aqt -d "$PQF_BOUNCER_ADMIN_DSN" -c 'KILL postgres' \
			-c 'RESUME postgres' >/dev/null 2>&1 || echo "KILL/RESUME on the bouncer failed"
	fi
	(timeout -k 3 40 env "${pre[@]}" PQF_HOOK="$self" "$F/faults" "$sc" || exit $?) \
		>"$out.out" 2>"$out.err" || rc=$?
	case $rc in
	0) ;;
	3) echo "HANG (watchdog) $(grep -h HANG "$out.err" | head -n 1)" ;;
	124 | 137) echo "timed out (hang): last step: $(tail -n 1 "$out.out")" ;;
	1) echo "checks failed: $(grep -h 'CHECK FAILED' "$out.err" | head -n 5)" ;;
	*) echo "exit $rc (crash?): $(tail -n 5 "$out.err")" ;;
	esac
}

# pair NAME SCENARIO TARGET_DSN SHIM_MODE [BOUNCER]: without and with the shim
pair() {
	local name=$1 sc=$2 dsn=$3 mode=$4 bouncer=${5:-} t p0 p1 problem='' base
	t=$(now)
	base=$work/$name
	# shellcheck disable=SC2153 # PQT_PG_DSN comes from servers.sh
	export PQF_DSN=$dsn PQF_PG_DSN=$PQT_PG_DSN PQSHIM_MODE=$mode
	if [ -n "$bouncer" ]; then
		local u=${bouncer^^} v
		v=PQT_BOUNCER_${u}_ADMIN_DSN
		export PQF_BOUNCER_NAME=$bouncer PQF_BOUNCER_ADMIN_DSN=${!v}
	fi
	# Through a transaction pooler that prepares statements itself (the
	# version matrix: PQT_BOUNCER_TRACKS=1) the run without the shim is no
	# oracle: the pooler closes the connection over a name it does not know
	# after the fault. The run with the shim must then pass its own checks.
	local tracking=0
	[[ -n $bouncer && $bouncer != fsess && ${PQT_BOUNCER_TRACKS:-0} == 1 ]] && tracking=1
	export PQF_TRACKING=$tracking
	p0=$(one_run "$base.plain" 0 "$sc")
	p1=$(one_run "$base.shim" 1 "$sc")
	if ((tracking)); then
		[ -n "$p0" ] && echo "     info: without the shim (the pooler's own statements): $p0"
		p0=
	fi
	[ -n "$p0" ] && problem+="without the shim: $p0"$'\n'
	[ -n "$p1" ] && problem+="with the shim: $p1"$'\n'
	grep '^cmp ' "$base.plain.out" >"$base.plain.cmp"
	grep '^cmp ' "$base.shim.out" >"$base.shim.cmp"
	if ((tracking)); then
		: # no oracle without the shim: the checks of the run with it decide
	elif ! cmp -s "$base.plain.cmp" "$base.shim.cmp"; then
		problem+="the app sees something else with the shim (< without, > with):"$'\n'
		problem+="$(diff "$base.plain.cmp" "$base.shim.cmp" | grep '^[<>]' | head -n 20)"$'\n'
	fi
	if [ ! -s "$base.plain.cmp" ]; then
		problem+="empty transcript: the test proves nothing"$'\n'
	fi
	result "$name" "$(since "$t")" "${problem%$'\n'}" "$sc ($mode, $(grep -c . "$base.plain.cmp") steps)"
	unset PQF_BOUNCER_NAME PQF_BOUNCER_ADMIN_DSN PQSHIM_MODE PQF_TRACKING
}

declare -A want=()
for a in "$@"; do want[$a]=1; done
sel() { [ $# -gt 0 ] && { [ ${#want[@]} -eq 0 ] || [ -n "${want[$1]:-}" ]; }; }

pg=$PQT_PG_DSN
sess=$PQT_BOUNCER_FSESS_DSN
tx1=$PQT_BOUNCER_FTX1_DSN
sel pg-restart && pair pg-restart pg-restart "$pg" dedupe
sel term-idle && pair term-idle term-idle "$pg" dedupe
sel term-async-new && pair term-async-new term-async-new "$pg" dedupe
sel term-async-diff && pair term-async-diff term-async-diff "$pg" dedupe
sel term-async-same && pair term-async-same term-async-same "$pg" dedupe
sel term-pipeline && pair term-pipeline term-pipeline "$pg" dedupe
sel net-drop && pair net-drop net-drop "$pg" dedupe
sel net-drop-async && pair net-drop-async net-drop-async "$pg" dedupe
sel bouncer-restart && {
	pair bouncer-restart-session-dedupe bouncer-restart "$sess" dedupe fsess
	pair bouncer-restart-session-unnamed bouncer-restart "$sess" unnamed fsess
	pair bouncer-restart-tx1-unnamed bouncer-restart "$tx1" unnamed ftx1
}
sel unnamed && {
	pair pg-restart-unnamed pg-restart "$pg" unnamed
	pair term-idle-unnamed term-idle "$pg" unnamed
	pair term-async-new-unnamed term-async-new "$pg" unnamed
	pair term-async-diff-unnamed term-async-diff "$pg" unnamed
	pair term-pipeline-unnamed term-pipeline "$pg" unnamed
	pair net-drop-unnamed net-drop "$pg" unnamed
	pair net-drop-async-unnamed net-drop-async "$pg" unnamed
}
# pooled mode, every execution by its content name from the first one on
sel pooled && {
	export PQSHIM_POOLED_THRESHOLD=1
	pair pg-restart-pooled pg-restart "$pg" pooled
	pair term-idle-pooled term-idle "$pg" pooled
	pair term-async-new-pooled term-async-new "$pg" pooled
	pair term-async-diff-pooled term-async-diff "$pg" pooled
	pair term-pipeline-pooled term-pipeline "$pg" pooled
	pair net-drop-pooled net-drop "$pg" pooled
	pair net-drop-async-pooled net-drop-async "$pg" pooled
	pair bouncer-restart-tx1-pooled bouncer-restart "$tx1" pooled ftx1
	unset PQSHIM_POOLED_THRESHOLD
}

rm -rf "$F/last-run"
cp -r "$work" "$F/last-run" 2>/dev/null
servers_stop
echo "faults: total time $(since "$start")s; transcripts kept in ${F#"$root"/}/last-run"
echo "faults: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
