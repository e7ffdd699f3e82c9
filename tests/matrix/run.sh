#!/usr/bin/env bash
# The matrix's own cases (tests/matrix/cases_libpq17.c, libpq 17+), against a
# throwaway PostgreSQL and a PgBouncer in transaction mode with one server
# connection, each without and with the shim (tests/lib/cases.sh). Run by
# `make test-matrix` in every combination. Ends with "matrix: N passed, N failed".
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/servers.sh
source "$root/tests/lib/servers.sh"
# shellcheck source=tests/lib/cases.sh
source "$root/tests/lib/cases.sh"
servers_init
servers_start_pg
servers_start_pgbouncer tx1 transaction 1
export PQT_DSN=$PQT_PG_DSN PQT_BOUNCER_DSN=$PQT_BOUNCER_TX1_DSN
pass=0
fail=0
cases_run "$root/build/tests/matrix/pqtest17" "$root/build/libpqshim.so" "$PQT_TMPDIR/case.log" "${CASE:-}"
echo "matrix: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
