#!/usr/bin/env bash
# make oom-test: the shim built with allocation-failure injection
# (build/faults/libpqshim.so); a client pass counts the allocations the shim
# makes, then runs once per allocation with that one failing. Every run must
# end with right values (or the errors plain libpq gives), no crash, no hang.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
shim=$root/build/faults/libpqshim.so
client=$root/build/tests/oom/oom_client
# shellcheck source=tests/lib/servers.sh
source "$root/tests/lib/servers.sh"
servers_init
servers_start_pg
export PQT_DSN=$PQT_PG_DSN
unset PQSHIM_MODE PQSHIM_LOG

run() { # N (0: none fails)
	psql -Xqc 'DEALLOCATE ALL' >/dev/null 2>&1
	timeout 30 env LD_PRELOAD="$shim" PQSHIM_FAULT_ALLOC="$1" PQSHIM_FAULT_COUNT=1 "$client"
}

out=$(run 0 2>&1)
rc=$?
total=$(sed -n 's/^pqshim-faults: \([0-9]*\) allocations$/\1/p' <<<"$out")
pass=0
fail=0
if [ "$rc" -ne 0 ] || [ -z "$total" ]; then
	echo "FAIL baseline (no failing allocation): exit $rc"
	echo "$out" | sed 's/^/     /'
	echo "oom: 0 passed, 1 failed"
	exit 1
fi
for ((n = 1; n <= total; n++)); do
	out=$(run "$n" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL allocation $n of $total failing: exit $rc"
		echo "$out" | grep -v '^pqshim-faults' | sed 's/^/     /'
	fi
done
echo "ok   each of the shim's $total allocations failed in turn: $pass runs with right results"
echo "oom: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
