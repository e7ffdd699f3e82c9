#!/usr/bin/env bash
# Runs the tests of the pqshim tool (make tool-test): every tests/tool/t_*.sh
# in turn, each printing "ok   NAME" / "FAIL NAME" lines; a file that exits
# with an error without saying FAIL counts as one failure (`run.sh FILE...`:
# only those).  Ends with the line "tool: N passed, M failed" and exits
# nonzero when anything failed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log=$(mktemp /tmp/pqshim-tooltest-log.XXXXXXXX)
trap 'rm -f -- "$log"' EXIT

pass=0
failed=0
files=("$here"/t_*.sh)
(($# == 0)) || files=("${@/#/$here/}")
for t in "${files[@]}"; do
    name=${t##*/}
    echo "== tool/$name"
    # Output is shown as it comes and kept for counting; no stdin, so a test
    # can never wait on the terminal.
    timeout 120 bash "$t" </dev/null 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^FAIL ' "$log")
    if ((rc != 0 && f == 0)); then
        echo "FAIL $name exited with status $rc"
        f=1
    fi
    pass=$((pass + p))
    failed=$((failed + f))
done
echo "tool: $pass passed, $failed failed"
((failed == 0))
