# shellcheck shell=bash
# tests/lib/report.sh - one line per check for the shell suites (sourced):
#   report NAME PROBLEM   "ok   NAME" when PROBLEM is empty, else "FAIL NAME"
#                         with PROBLEM indented under it; counted in pass, fail
#   report_summary SUITE  prints "SUITE: N passed, M failed"; status 1 on a failure
pass=0 fail=0

report() {
	if [[ -z $2 ]]; then
		pass=$((pass + 1))
		printf 'ok   %s\n' "$1"
	else
		fail=$((fail + 1))
		printf 'FAIL %s\n%s\n' "$1" "$2" | sed '2,$s/^/     /'
	fi
}

report_summary() {
	echo "$1: $pass passed, $fail failed"
	((fail == 0))
}
