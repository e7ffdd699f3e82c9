#!/usr/bin/env bash
# Real clients against a throwaway PostgreSQL 15 and PgBouncer 1.18 in
# transaction mode, each run without and with the shim:
#
#   pgbench -M prepared (plain and pipelined scripts), psql (SQL PREPARE,
#   \gdesc), ruby-pg, ActiveRecord 6.1, PHP 8.2 PDO pgsql, psycopg 3, psycopg2,
#   Qt 5's QPSQL driver (a C++ client built here)
#
# Every case proves a fix: without the shim it must fail with the error it is
# about (its "FAILURE: ..." line must match the case's pattern: an SQLSTATE,
# an exception class, or another client's row), and with the shim (in the
# case's mode) it must pass, every returned value checked.
#
# Servers (tests/lib/servers.sh):
#   tx   transaction mode, pool size 2   (concurrent clients)
#   tx1  transaction mode, pool size 1   (deterministic: every client shares one
#        server connection, so names collide and leftovers stay)
#   rr   transaction mode, pool size 2, server_round_robin=1, both server
#        connections opened before each run: consecutive transactions of one
#        client alternate between them
# Before each run every bouncer drops its server connections (RECONNECT), so
# no statement is left over from the previous run.
#
# Environment: PQSHIM_SO (default build/libpqshim.so), PQT_PYTHON (default
# /usr/bin/python3: Debian's python3-psycopg* are for the system python),
# PQT_RUBY, PQT_PHP, PQT_CLIENTS_ONLY (an ERE: run only the matching cases),
# PQT_EMULATOR (the clients run under it: make test-arm64's arm64 python).
# Prints "ok"/"FAIL" per case with what was seen without and with the shim,
# and ends with "clients: N passed, M failed".
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/clients
shim=${PQSHIM_SO:-$root/build/libpqshim.so}
python=${PQT_PYTHON:-/usr/bin/python3}
ruby=${PQT_RUBY:-/usr/bin/ruby}
php=${PQT_PHP:-/usr/bin/php}
only=${PQT_CLIENTS_ONLY:-}
# shellcheck source=tests/lib/servers.sh
source "$root/tests/lib/servers.sh"
# shellcheck source=tests/lib/preload.sh
source "$root/tests/lib/preload.sh"

if [ ! -f "$shim" ]; then
	echo "clients: $shim is not built (make all)" >&2
	exit 1
fi
start=$SECONDS

servers_init
servers_start_pg
servers_start_pgbouncer tx transaction 2
servers_start_pgbouncer tx1 transaction 1
servers_start_pgbouncer rr transaction 2 server_round_robin=1
logdir=$PQT_TMPDIR/clients
mkdir -p "$logdir"

admin() { # bouncer NAME, command
	local v=PQT_BOUNCER_${1^^}_ADMIN_DSN
	psql -X -Atq -d "${!v}" -c "$2"
}

servers_of() { # bouncer NAME -> number of its server connections
	admin "$1" 'SHOW SERVERS' | grep -c '|postgres|postgres|' || true
}

# Fresh server connections on every bouncer (RECONNECT closes idle ones a
# moment later: wait for it), then two open ones on rr.
fresh() {
	local b i n
	for b in tx tx1 rr; do
		admin "$b" RECONNECT >/dev/null
	done
	for b in tx tx1 rr; do
		for ((i = 0; i < 50; i++)); do
			[ "$(servers_of "$b")" -eq 0 ] && break
			sleep 0.1
		done
	done
	for ((i = 0; i < 5; i++)); do
		psql -X -Atq -d "$PQT_BOUNCER_RR_DSN" -c 'select pg_sleep(0.2)' >/dev/null &
		psql -X -Atq -d "$PQT_BOUNCER_RR_DSN" -c 'select pg_sleep(0.2)' >/dev/null &
		wait
		n=$(servers_of rr)
		[ "$n" -eq 2 ] && return 0
	done
	echo "clients: could not open two server connections on pgbouncer rr" >&2
}

# run NAME with|without MODE CMD... -> exit code; output in $logdir/NAME.<with|without>
run() {
	local name=$1 how=$2 mode=$3 rc=0 preload=
	shift 3
	fresh
	[ "$how" = without ] || preload=$shim
	preload_argv "$preload" "$@"
	PQSHIM_MODE=$mode timeout 90 "${PRELOAD_ARGV[@]}" >"$logdir/$name.$how" 2>&1 || rc=$?
	return "$rc"
}

# The line a run ends with: its FAILURE/PASS line, else its last line.
verdict() {
	local out=$1 line
	line=$(grep -E '^(FAILURE|PASS): ' "$out" | tail -n 1 || true)
	[ -n "$line" ] || line=$(tail -n 1 "$out")
	printf '%s' "${line:-(no output)}"
}

pass=0
fail=0
# client NAME MODE EXPECT DOC -- CMD...
#   MODE: PQSHIM_MODE of both runs (it only matters with the shim)
#   EXPECT: ERE that the FAILURE line of the run without the shim must match
client() {
	local name=$1 mode=$2 expect=$3 doc=$4 rc_without=0 rc_with=0 problem='' seen_without seen_with tracked
	shift 5
	if [ -n "$only" ] && ! [[ $name =~ $only ]]; then
		return 0
	fi
	run "$name" without "$mode" "$@" || rc_without=$?
	run "$name" with "$mode" "$@" || rc_with=$?
	seen_without=$(verdict "$logdir/$name.without")
	seen_with=$(verdict "$logdir/$name.with")
	# Behind a PgBouncer that prepares statements itself (the version matrix,
	# PQT_BOUNCER_TRACKS=1) the pooler cases may pass without the shim, or fail
	# with the pooler's own disconnect: what counts then is that the shim
	# keeps them working.
	tracked=0
	if ((${PQT_BOUNCER_TRACKS:-0})) && [ "$mode" = unnamed ]; then
		tracked=1
		expect="$expect|prepared statement name is already in use|prepared statement did not exist"
		((rc_without != 0)) || doc+=" [passes without the shim too: the pooler tracks statements]"
	fi
	if [ "$rc_without" -eq 0 ] && ((tracked)); then
		: # the shim must only keep it working (checked below)
	elif [ "$rc_without" -eq 0 ]; then
		problem="passes without the shim too: it proves nothing"
	elif [ "$rc_without" -ne 1 ] || ! [[ $(grep -E '^FAILURE: ' "$logdir/$name.without") =~ $expect ]]; then
		problem="without the shim: exit $rc_without, not the expected failure /$expect/"
		problem+=$'\n'"$(tail -n 15 "$logdir/$name.without")"
	fi
	if [ "$rc_with" -ne 0 ]; then
		[ -z "$problem" ] || problem+=$'\n'
		problem+="with the shim: exit $rc_with"$'\n'"$(tail -n 15 "$logdir/$name.with")"
	fi
	if [ -z "$problem" ]; then
		pass=$((pass + 1))
		printf 'ok   %-19s %s\n' "$name" "$doc"
	else
		fail=$((fail + 1))
		printf 'FAIL %-19s %s\n' "$name" "$doc"
	fi
	printf '       without: %s\n' "$seen_without"
	printf '       with:    %s (PQSHIM_MODE=%s)\n' "$seen_with" "$mode"
	if [ -n "$problem" ]; then
		printf '%s\n' "$problem" | sed 's/^/       | /'
	fi
}

pool=42P05\|26000\|08P01\|22012
client pgbench_prepared unnamed "^FAILURE: ($pool)" \
	"pgbench -M prepared, 2 runs x 3 clients, same names, other texts (PgBouncer pool 2)" -- \
	"$here/pgbench.sh" prepared
client pgbench_pipeline unnamed "^FAILURE: ($pool)" \
	"pgbench -M prepared, a script with \\startpipeline ... \\endpipeline (pool 2)" -- \
	"$here/pgbench.sh" pipeline
client psql_dedupe dedupe '^FAILURE: 42P05 ' \
	"psql to PostgreSQL: PREPARE q twice, another text, in a block, EXECUTE, DEALLOCATE" -- \
	"$here/psql.sh" dedupe
client psql_gdesc unnamed '^FAILURE: 26000 ' \
	"psql \\gdesc, prepare and describe on two server connections (round robin)" -- \
	"$here/psql.sh" gdesc
client ruby_pg_unnamed unnamed 'PG::DuplicatePstatement \(42P05\)' \
	"ruby-pg async/sync/pipeline, 2 connections on pool 1, then 4 threads on pool 2" -- \
	"$ruby" "$here/ruby_pg.rb" unnamed
client ruby_pg_dedupe dedupe 'PG::DuplicatePstatement \(42P05\)' \
	"ruby-pg to PostgreSQL: prepare s twice, another text, DEALLOCATE" -- \
	"$ruby" "$here/ruby_pg.rb" dedupe
client activerecord unnamed 'PG::(DuplicatePstatement|InvalidSqlStatementName|ProtocolViolation)|another client' \
	"ActiveRecord 6.1, prepared_statements: true, 8 threads on a pool of 3 (pool 2)" -- \
	"$ruby" "$here/activerecord.rb"
client php_pdo_unnamed unnamed "another client's row|\\((42P05|26000|08P01)\\)" \
	"PDO pgsql: 2 connections in lockstep (pool 1), 4 php processes (pool 2)" -- \
	"$php" "$here/php_pdo.php" unnamed
client php_pdo_dedupe dedupe 'PDOException \(42P05\)' \
	"PDO pgsql to PostgreSQL: SQL PREPARE q twice, another text, PDO statements" -- \
	"$php" "$here/php_pdo.php" dedupe
client psycopg3_unnamed unnamed 'DuplicatePreparedStatement \(42P05\)' \
	"psycopg 3 prepare_threshold=0: pool 1 pair, threads with pipelines, asyncio" -- \
	"$python" "$here/psycopg3.py" unnamed
client psycopg3_dedupe dedupe 'DuplicatePreparedStatement \(42P05\)' \
	"psycopg 3 to PostgreSQL: SQL PREPARE q twice (thresholds 5 and 0), async" -- \
	"$python" "$here/psycopg3.py" dedupe
client psycopg2_dedupe dedupe 'DuplicatePreparedStatement \(42P05\)' \
	"psycopg2 to PostgreSQL: SQL PREPARE q twice, in a block and in autocommit" -- \
	"$python" "$here/psycopg2_sql.py" dedupe
client psycopg2_leftover dedupe 'DuplicatePreparedStatement \(42P05\)' \
	"psycopg2 SQL PREPARE q where another client left q (pool 1)" -- \
	"$python" "$here/psycopg2_sql.py" leftover

# Qt 5's QPSQL driver: SQL PREPARE qpsqlpstmt_<n> / EXECUTE / DEALLOCATE, one counter per
# process; built here (Debian's qtbase5-dev) unless the case is filtered out
qt=$root/build/clients/qt_sql
if [ -z "$only" ] || [[ qt_sql =~ $only ]]; then
	if [ ! -x "$qt" ] || [ "$here/qt_sql.cpp" -nt "$qt" ]; then
		mkdir -p "$(dirname "$qt")"
		# shellcheck disable=SC2046 # pkg-config's flags are words
		g++ -std=c++17 -O1 -Wall -Wextra -Werror -fPIC -o "$qt" "$here/qt_sql.cpp" \
			$(pkg-config --cflags --libs Qt5Sql)
	fi
	export PQT_QT_TX=$PQT_BOUNCER_TX_DSN PQT_QT_TX1=$PQT_BOUNCER_TX1_DSN
	qtfail="^FAILURE: (42P05|26000|another client)"
	client qt_sql_pooled pooled "$qtfail" \
		"Qt 5 QPSQL (SQL PREPARE/EXECUTE/DEALLOCATE), 4 processes, 5 query objects each (pool 2)" -- \
		"$qt" PQT_QT_TX 4 5
	client qt_sql_pooled_pool1 pooled "$qtfail" \
		"the same through one server connection (pool 1)" -- "$qt" PQT_QT_TX1 4 5
	client qt_sql_unnamed unnamed "$qtfail" "the same in unnamed mode (pool 2)" -- \
		"$qt" PQT_QT_TX 4 5
fi

echo "clients: took $((SECONDS - start))s; each run's output is in $logdir (removed with the servers unless PQT_KEEP=1)"
# stop the servers here: their logs (full of the errors provoked above) are
# not worth dumping on a failure
servers_stop
echo "clients: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
