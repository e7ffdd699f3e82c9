# shellcheck shell=bash
# tests/lib/cases.sh - runs the cases a test binary lists (`BIN --list`:
# "name fix|keep|tracked doc" per line) once with the shim and, for "fix"
# cases, once without: a fix case must fail without the shim with exit 1 (a
# failed check, not a crash) and pass with it; a keep case must pass both
# ways; a tracked case is a fix the PgBouncer under test answers itself (it
# tracks prepared statements): it must pass both ways, and says so.
#
#   cases_run BIN SHIM LOG [ONLY]     adds to $pass / $fail, prints ok/FAIL lines
#   cases_report NAME KIND DOC PROBLEM    one such line (for cases run otherwise)
#
# ONLY, when set, runs that case alone.

# cases_one BIN SHIM LOG NAME with|without -> the case's exit code
cases_one() {
	local rc=0
	if [ "$5" = with ]; then
		LD_PRELOAD=$2 timeout 120 "$1" "$4" >"$3" 2>&1 || rc=$?
	else
		env -u LD_PRELOAD timeout 120 "$1" "$4" >"$3" 2>&1 || rc=$?
	fi
	return "$rc"
}

# cases_report NAME KIND DOC PROBLEM: one ok/FAIL line (PROBLEM empty: ok), counted
cases_report() {
	local note=
	[ "$2" = fix ] && note=' [fails without the shim]'
	[ "$2" = tracked ] && note=' [PgBouncer answers it itself: passes without the shim too]'
	if [ -z "$4" ]; then
		pass=$((pass + 1))
		printf 'ok   %-30s %s%s\n' "$1" "$3" "$note"
	else
		fail=$((fail + 1))
		printf 'FAIL %-30s %s\n%s\n' "$1" "$3" "$4" | sed '2,$s/^/     /'
	fi
}

cases_run() {
	local bin=$1 shim=$2 log=$3 only=${4:-} name kind doc problem rc
	while read -r name kind doc; do
		[[ -z $only || $name == "$only" ]] || continue
		problem=
		rc=0
		cases_one "$bin" "$shim" "$log" "$name" with || rc=$?
		if [ "$rc" -ne 0 ]; then
			problem="with the shim: exit $rc"$'\n'"$(cat "$log")"
		elif [ "$kind" = fix ]; then
			rc=0
			cases_one "$bin" "$shim" "$log" "$name" without || rc=$?
			if [ "$rc" -eq 0 ]; then
				problem="passes without the shim too: it proves nothing"
			elif [ "$rc" -ne 1 ]; then
				problem="without the shim: exit $rc (expected 1, a failed check)"$'\n'"$(cat "$log")"
			fi
		elif [ "$kind" = tracked ]; then
			rc=0
			cases_one "$bin" "$shim" "$log" "$name" without || rc=$?
			[ "$rc" -eq 0 ] ||
				problem="without the shim (PgBouncer should answer it itself): exit $rc"$'\n'"$(cat "$log")"
		fi
		cases_report "$name" "$kind" "$doc" "$problem"
	done < <("$bin" --list)
}
