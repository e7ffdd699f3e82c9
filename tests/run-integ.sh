#!/usr/bin/env bash
# Runs every integration case against a throwaway PostgreSQL 15 and a
# PgBouncer 1.18 (transaction mode, one server connection) that it starts
# and always stops. A case marked "fix" must fail without the shim (exit 1:
# a check failed, not a crash) and pass with it; a "keep" case must pass both
# ways (the shim must not break it).
#
# CASE=name (make integ CASE=name) runs that one case (a C case or a shell
# case), still without and with the shim.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/tests/integ/pqtest
shim=$root/build/libpqshim.so
# shellcheck source=tests/lib/servers.sh
source "$root/tests/lib/servers.sh"
# shellcheck source=tests/lib/cases.sh
source "$root/tests/lib/cases.sh"

if [[ -n ${CASE:-} ]] && ! "$bin" --list | grep "^$CASE " >/dev/null && ! grep -q "^case_$CASE()" "$0"; then
	echo "integration: no case named $CASE ($bin --list and the shell_case lines here name them)"
	exit 2
fi
cases_start_servers
export PQT_BIN_DIR=$root/build/tests/integ

pass=0
fail=0
log=$PQT_TMPDIR/case.log
only=${CASE:-}
# wanted NAME: true when NAME is to run
wanted() { [[ -z $only || $1 == "$only" ]]; }

cases_run "$bin" "$shim" "$log" "$only"

# Real programs. shell_case NAME DOC [keep]: runs case_NAME without the shim
# (it must fail, unless "keep") and with it (it must pass); case_NAME gets
# "without" or "with".
shell_case() {
	local name=$1 doc=$2 kind=${3:-fix} problem=
	wanted "$name" || return 0
	# untracked: a fix, except behind a PgBouncer that tracks statements itself (it answers it)
	if [ "$kind" = untracked ]; then
		kind=fix
		[ "${PQT_BOUNCER_TRACKS:-0}" = 1 ] && kind=tracked
	fi
	if [ "$kind" = fix ] && "case_$name" without >"$log" 2>&1; then
		problem="passes without the shim too: it proves nothing"$'\n'"$(cat "$log")"
	elif [ "$kind" = tracked ] && ! "case_$name" without >"$log" 2>&1; then
		problem="without the shim (PgBouncer should answer it itself):"$'\n'"$(cat "$log")"
	elif ! "case_$name" with >"$log" 2>&1; then
		problem="with the shim:"$'\n'"$(cat "$log")"
	fi
	cases_report "$name" "$kind" "$doc" "$problem"
}

# shim_env with|without: the environment prefix for a program run
shim_env() {
	if [ "$1" = with ]; then echo "LD_PRELOAD=$shim"; else echo "LD_PRELOAD="; fi
}

bouncer2_uri="postgresql://postgres@127.0.0.1:$PQT_BOUNCER_TX2_PORT/postgres"

# pgbench -M prepared through PgBouncer in transaction mode, 8 clients on 2
# server connections: without the shim it logs "already exists" errors (and
# can run another client's statement); with it, none, zero failed transactions.
pgbench_ok() { # extra env..., then the connection string last
	local out rc=0
	out=$(env "$@" 2>&1) || rc=$?
	echo "$out" | grep -E '^(tps|number of failed|pgbench: error)' | sort | uniq -c
	[ "$rc" -eq 0 ] || return 1
	! grep -q 'error' <<<"$out" || return 1
	grep -q '^number of failed transactions: 0 ' <<<"$out"
}
pgbench_cmd=(timeout 60 pgbench -n -M prepared -c 8 -j 2 -T 3 -f "$root/tests/integ/pgbench_multi.sql")
case_pgbench_unnamed_env() {
	pgbench_ok "$(shim_env "$1")" PQSHIM_MODE=unnamed "${pgbench_cmd[@]}" "$PQT_BOUNCER_TX2_DSN"
}
case_pgbench_unnamed_uri() {
	pgbench_ok "$(shim_env "$1")" "${pgbench_cmd[@]}" "$bouncer2_uri?pgbouncer=true&connection_limit=1"
}
case_psql_prisma_url() {
	local out
	out=$(env "$(shim_env "$1")" psql -X -At -d "$bouncer2_uri?pgbouncer=true&connection_limit=1&pool_timeout=5" \
		-c "select 'connected'" 2>&1) || { echo "$out"; return 1; }
	echo "$out"
	[ "$out" = connected ]
}
case_psql_gdesc() {
	local out
	out=$(printf '%s\n' "select 1 as one, 'x'::text as two \\gdesc" "select 2 as three \\gdesc" \
		"select 3 as four \\gdesc" | env "$(shim_env "$1")" PQSHIM_MODE=unnamed \
		psql -X -At -v ON_ERROR_STOP=1 -d "$PQT_BOUNCER_TX2_DSN" 2>&1) || { echo "$out"; return 1; }
	echo "$out"
	[ "$(echo "$out" | tr '\n' ' ')" = "one|integer two|text three|integer four|integer " ]
}

# Counters after a known workload: prepare_identical prepares s0 twice (the
# second answered locally); the log line and the JSON file say so.
case_stats_report() {
	local json=$PQT_TMPDIR/stats-%p.json out
	rm -f "$PQT_TMPDIR"/stats-*.json
	out=$(env "$(shim_env "$1")" PQSHIM_STATS=1 PQSHIM_STATS_FILE="$json" "$bin" prepare_identical 2>&1) || return 1
	echo "$out"
	grep -q 'stats: prepares_seen=2 answered_locally=1 renamed=0' <<<"$out" || return 1
	cat "$PQT_TMPDIR"/stats-*.json
	grep -q '"prepares_seen": 2, "answered_locally": 1, "renamed": 0' "$PQT_TMPDIR"/stats-*.json
}
case_ctypes_dlsym() {
	env "$(shim_env "$1")" python3 "$root/tests/integ/ext/ctypes_libpq.py"
}
shell_case ctypes_dlsym "libpq through ctypes dlopen + dlsym(handle) (psycopg 3's way) is covered"

case_dl_leaves_others_alone() {
	if [ "$1" = with ]; then
		LD_PRELOAD="$shim $PQT_BIN_DIR/libinterpose.so" "$PQT_BIN_DIR/dl_safety"
	else
		LD_PRELOAD="$PQT_BIN_DIR/libinterpose.so" "$PQT_BIN_DIR/dl_safety"
	fi
}
shell_case dl_leaves_others_alone "another interposer's dlsym(RTLD_NEXT), a RUNPATH dlopen and a non-libpq DEEPBIND object behave as without the shim" keep

case_dl_switches_off() {
	# with the switches off, the shim no longer reaches these clients: they fail
	! env "$(shim_env "$1")" PQSHIM_HOOK_DLOPEN=0 "$PQT_BIN_DIR/rtld_main" deepbind &&
		! env "$(shim_env "$1")" PQSHIM_HOOK_DLSYM=0 python3 "$root/tests/integ/ext/ctypes_libpq.py"
}
shell_case dl_switches_off "PQSHIM_HOOK_DLOPEN=0 and PQSHIM_HOOK_DLSYM=0 turn those hooks off" keep

shell_case stats_report "PQSHIM_STATS=1 logs the counters at exit; PQSHIM_STATS_FILE gets them as JSON"

[[ -n $only && $only != *pgbench* && $only != pooled_stats ]] || pgbench -i -s 1 -q >/dev/null 2>&1
shell_case pgbench_unnamed_env "pgbench -M prepared -c 8 -j 2 through PgBouncer transaction mode, PQSHIM_MODE=unnamed" untracked
shell_case pgbench_unnamed_uri "the same, unnamed mode chosen by ?pgbouncer=true&connection_limit=1 in the URL"
shell_case psql_prisma_url "psql with a Prisma-style URL (pgbouncer=true, connection_limit, pool_timeout)"
# one client alone keeps landing on the same server connection, so this one
# only shows psql works in unnamed mode; unnamed_gdesc forces the other connection
shell_case psql_gdesc "psql \\gdesc in unnamed mode through PgBouncer transaction mode" keep

# Pooled mode: pgbench -M prepared through PgBouncer in transaction mode with
# 2 server connections; every statement runs under a content-addressed name
# (or unnamed), so no "already exists" / "does not exist", zero failed transactions.
pgbench_pooled=(timeout 60 pgbench -n -M prepared -c 4 -j 4)
case_pgbench_pooled_select() {
	pgbench_ok "$(shim_env "$1")" PQSHIM_MODE=pooled "${pgbench_pooled[@]}" -S -T 3 "$PQT_BOUNCER_TX2_DSN"
}
# TPC-B runs BEGIN ... END, holding a server connection for the whole block.
# -j must equal -c: pgbench -M prepared prepares with a blocking PQprepare, and
# with several clients per thread behind a pooler smaller than the client count
# it deadlocks (the thread waits in PQprepare for a server connection that
# another of its own clients holds mid-transaction, and that client waits for the thread).
case_pgbench_pooled_tpcb() {
	pgbench_ok "$(shim_env "$1")" PQSHIM_MODE=pooled "${pgbench_pooled[@]}" -b tpcb-like -T 3 "$PQT_BOUNCER_TX2_DSN"
}
case_pgbench_pooled_multi() {
	pgbench_ok "$(shim_env "$1")" PQSHIM_MODE=pooled "${pgbench_cmd[@]}" "$PQT_BOUNCER_TX2_DSN"
}
# Counters of a pooled run: statements ran by their server-side names (behind a
# PgBouncer that tracks statements itself: none, pooled mode leaves them to it).
case_pooled_stats() {
	local json=$PQT_TMPDIR/pooled-stats-%p.json
	rm -f "$PQT_TMPDIR"/pooled-stats-*.json
	pgbench_ok "$(shim_env "$1")" PQSHIM_MODE=pooled PQSHIM_STATS_FILE="$json" \
		"${pgbench_pooled[@]}" -S -T 2 "$PQT_BOUNCER_TX2_DSN" || return 1
	cat "$PQT_TMPDIR"/pooled-stats-*.json || return 1
	python3 - "$PQT_TMPDIR"/pooled-stats-*.json <<'EOF'
import json, os, sys
files = [json.load(open(path)) for path in sys.argv[1:]]
by_name = sum(f.get("pooled_by_name", 0) for f in files)
prepares = sum(f.get("prepares_seen", 0) for f in files)
print("pooled_by_name:", by_name, "prepares_seen:", prepares)
if os.environ.get("PQT_BOUNCER_TRACKS") == "1":
    # PgBouncer tracks statements itself: pooled mode leaves them to it (dedupe)
    print("behind a PgBouncer that tracks statements: no content names expected")
    sys.exit(0 if by_name == 0 and prepares > 0 else 1)
sys.exit(0 if by_name > 0 else 1)
EOF
}
shell_case pgbench_pooled_select "pgbench -M prepared -S -c 4 -j 4 through PgBouncer transaction mode (2 server connections), PQSHIM_MODE=pooled" untracked
shell_case pgbench_pooled_tpcb "the same with the built-in TPC-B script (transaction blocks)" untracked
shell_case pgbench_pooled_multi "the same with three statements per transaction (pgbench_multi.sql), -c 8 -j 2" untracked
shell_case pooled_stats "a pooled pgbench run writes pooled_by_name > 0 to PQSHIM_STATS_FILE"

# Pooled mode keeps what it knows of a block across SAVEPOINT, RELEASE, SET
# LOCAL and ROLLBACK TO: of pooled_block_savepoints' 20 executions in 4 blocks
# the 16 after each block's first go by name (they went unnamed after every
# SQL command); behind a PgBouncer that tracks statements: none, as above.
case_pooled_savepoint_stats() {
	local json=$PQT_TMPDIR/savepoint-stats-%p.json by_name
	rm -f "$PQT_TMPDIR"/savepoint-stats-*.json
	env "$(shim_env "$1")" PQSHIM_STATS_FILE="$json" "$bin" pooled_block_savepoints || return 1
	cat "$PQT_TMPDIR"/savepoint-stats-*.json || return 1
	by_name=$(sed -n 's/.*"pooled_by_name": \([0-9]*\).*/\1/p' "$PQT_TMPDIR"/savepoint-stats-*.json)
	echo "pooled_by_name: $by_name"
	if [ "${PQT_BOUNCER_TRACKS:-0}" = 1 ]; then
		[ "$by_name" = 0 ]
	else
		[ "${by_name:-0}" -ge 17 ]
	fi
}
shell_case pooled_savepoint_stats "pooled mode: executions in blocks go by name across SAVEPOINT, RELEASE, SET LOCAL, ROLLBACK TO (PQSHIM_STATS_FILE)"

if [[ -n $only && $((pass + fail)) -eq 0 ]]; then
	echo "integration: no case named $only ($bin --list names them)"
	exit 2
fi
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
