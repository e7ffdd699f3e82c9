#!/usr/bin/env bash
# The operation tests (tests/ops/ops.c) against the scripted fake libpq: no
# server. Each case runs with the shim, and fix cases without it too
# (tests/lib/cases.sh). CASE=name runs one. Ends with "ops: N passed, N failed".
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/cases.sh
source "$root/tests/lib/cases.sh"
pass=0
fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cases_run "$root/build/tests/ops/ops" "$root/build/libpqshim.so" "$log" "${CASE:-}"
echo "ops: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
