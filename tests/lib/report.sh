# shellcheck shell=bash
# tests/lib/report.sh - one line per check for the shell suites (sourced):
#   report NAME PROBLEM   "ok   NAME" when PROBLEM is empty, else "FAIL NAME"
#                         with PROBLEM indented under it; counted in pass, fail
#   report_suite SUITE RC OUTPUT   another suite's output, printed, its last
#                         "SUITE: N passed, M failed" line added to pass, fail
#                         (no such line, or exit status RC not 0 with M 0: one failure)
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

report_suite() {
	local line
	printf '%s\n' "$3"
	line=$(grep -E "^$1: [0-9]+ passed, [0-9]+ failed\$" <<<"$3" | tail -n 1)
	if [[ ! $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		report "$1: its summary line" "none in its output (exit $2)"
		return
	fi
	pass=$((pass + BASH_REMATCH[1]))
	fail=$((fail + BASH_REMATCH[2]))
	((BASH_REMATCH[2] > 0 || $2 == 0)) || report "$1: exit status" "exit $2 with no failure counted"
}

report_summary() {
	echo "$1: $pass passed, $fail failed"
	((fail == 0))
}
