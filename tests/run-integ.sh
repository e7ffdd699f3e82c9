#!/usr/bin/env bash
# Runs every integration case against a throwaway PostgreSQL 15 and a
# PgBouncer 1.18 (transaction mode, one server connection) that it starts
# and always stops. A case marked "fix" must fail without the shim (exit 1:
# a check failed, not a crash) and pass with it; a "keep" case must pass both
# ways (the shim must not break it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/tests/integ/pqtest
shim=$root/build/libpqshim.so
# shellcheck source=tests/lib/servers.sh
source "$root/tests/lib/servers.sh"

servers_init
servers_start_pg
servers_start_pgbouncer tx1 transaction 1
export PQT_DSN=$PQT_PG_DSN PQT_BOUNCER_DSN=$PQT_BOUNCER_TX1_DSN
export PQT_BIN_DIR=$root/build/tests/integ

pass=0
fail=0
log=$PQT_TMPDIR/case.log

# run_case NAME WITH_SHIM -> exit code of the case
run_case() {
	local rc=0
	if [ "$2" = with ]; then
		LD_PRELOAD=$shim timeout 120 "$bin" "$1" >"$log" 2>&1 || rc=$?
	else
		env -u LD_PRELOAD timeout 120 "$bin" "$1" >"$log" 2>&1 || rc=$?
	fi
	return "$rc"
}

while read -r name kind doc; do
	problem=
	rc=0
	run_case "$name" with || rc=$?
	if [ "$rc" -ne 0 ]; then
		problem="with the shim: exit $rc"$'\n'"$(cat "$log")"
	elif [ "$kind" = fix ]; then
		rc=0
		run_case "$name" without || rc=$?
		if [ "$rc" -eq 0 ]; then
			problem="passes without the shim too: it proves nothing"
		elif [ "$rc" -ne 1 ]; then
			problem="without the shim: exit $rc (expected 1, a failed check)"$'\n'"$(cat "$log")"
		fi
	fi
	if [ -z "$problem" ]; then
		pass=$((pass + 1))
		printf 'ok   %-30s %s%s\n' "$name" "$doc" "$([ "$kind" = fix ] && echo ' [fails without the shim]')"
	else
		fail=$((fail + 1))
		printf 'FAIL %-30s %s\n%s\n' "$name" "$doc" "$problem" | sed '2,$s/^/     /'
	fi
done < <("$bin" --list)

echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
