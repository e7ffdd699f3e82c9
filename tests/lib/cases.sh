# shellcheck shell=bash
# tests/lib/cases.sh - runs the cases a test binary lists (`BIN --list`:
# "name fix|keep|tracked doc" per line) once with the shim and, for "fix"
# cases, once without: a fix case must fail without the shim with exit 1 (a
# failed check, not a crash) and pass with it; a keep case must pass both
# ways; a tracked case is a fix the PgBouncer under test answers itself (it
# tracks prepared statements): it must pass both ways, and says so.
#
#   cases_start_servers               PostgreSQL and PgBouncers tx1 (pool 1) and
#                                     tx2 (pool 2), transaction mode, and the
#                                     PQT_DSN, PQT_BOUNCER_DSN, PQT_BOUNCER2_DSN
#                                     the cases read (tests/lib/servers.sh sourced)
#   cases_run BIN SHIM LOG [ONLY]     adds to $pass / $fail, prints ok/FAIL lines
#   cases_report NAME KIND DOC PROBLEM    one such line (for cases run otherwise)
#
# ONLY, when set, runs that case alone. PQT_EMULATOR runs BIN under an
# emulator (tests/lib/preload.sh).

# shellcheck source=tests/lib/preload.sh
source "$(dirname "${BASH_SOURCE[0]}")/preload.sh"

cases_start_servers() {
	servers_init
	servers_start_pg
	servers_start_pgbouncer tx1 transaction 1
	servers_start_pgbouncer tx2 transaction 2
	export PQT_DSN=$PQT_PG_DSN PQT_BOUNCER_DSN=$PQT_BOUNCER_TX1_DSN PQT_BOUNCER2_DSN=$PQT_BOUNCER_TX2_DSN
}

# cases_one BIN SHIM LOG NAME with|without -> the case's exit code
cases_one() {
	local rc=0 preload=
	[ "$5" = without ] || preload=$2
	preload_argv "$preload" "$1" "$4"
	timeout 120 "${PRELOAD_ARGV[@]}" >"$3" 2>&1 || rc=$?
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
	local bin=$1 shim=$2 log=$3 only=${4:-} name kind doc problem rc list
	preload_argv '' "$bin" --list
	list=$("${PRELOAD_ARGV[@]}") || {
		cases_report "$(basename "$bin") --list" keep "the cases" "exit $?"$'\n'"$list"
		return 0
	}
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
	done <<<"$list"
}
