#!/usr/bin/env bash
# Robustness tests for pqshim: threads, ThreadSanitizer, fork, memory (ASan +
# UBSan + LeakSanitizer, valgrind, flat RSS), bad input compared with plain
# libpq, processes that never use libpq, secrets in logs, setuid.
#
#   tests/robust/run.sh [quick|all|PART...]
#
# quick (the default, `make robust-test`, part of `make test`) runs every part
# at CI size; all (`make check-all`) adds the long versions. PARTs: threads
# tsan fork probes conns valgrind noshim secrets secure asan asan-probes, and
# the long ones threads-long tsan-long fork-long conns-10k.
#
# Starts its own PostgreSQL 15 and PgBouncer (transaction mode, pools of 1
# and 2) with tests/lib/servers.sh and always stops them. Prints ok/FAIL per
# test and ends with `robust: N passed, M failed`; exits 1 on any failure.
# The programs come from mk/robust.mk (build/robust, build/asan, build/tsan).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
B=$root/build
R=$B/robust
shim=$B/libpqshim.so
asan_shim=$B/asan/libpqshim.so
tsan_shim=$B/tsan/libpqshim.so

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(quick)
quick=(threads tsan fork probes conns valgrind noshim secrets secure asan asan-probes)
long=(threads-long tsan-long fork-long conns-10k)
expanded=()
for p in "${parts[@]}"; do
	case $p in
	quick) expanded+=("${quick[@]}") ;;
	all) expanded+=("${quick[@]}" "${long[@]}") ;;
	*) expanded+=("$p") ;;
	esac
done

# shellcheck source=tests/lib/servers.sh
source "$root/tests/lib/servers.sh"
servers_init || exit 1
servers_start_pg || exit 1
servers_start_pgbouncer rtx1 transaction 1 || exit 1
servers_start_pgbouncer rtx2 transaction 2 || exit 1
export PQT_DSN=$PQT_PG_DSN PQT_BOUNCER_DSN=$PQT_BOUNCER_RTX1_DSN PQT_BOUNCER2_DSN=$PQT_BOUNCER_RTX2_DSN
export PQT_BIN_DIR=$B/tests/integ
unset PQSHIM_MODE PQSHIM_PREPARED_STATEMENTS prepared_statements PQSHIM_LOG PQSHIM_LOG_FILE
unset LD_PRELOAD

work=$PQT_TMPDIR/robust
mkdir -p "$work"
chmod 0755 "$work"
log=$work/test.log
pass=0
fail=0

# result NAME SECONDS PROBLEM DOC: prints the ok/FAIL line (and the problem, indented)
result() {
	local name=$1 secs=$2 problem=$3 doc=$4
	if [ -z "$problem" ]; then
		pass=$((pass + 1))
		printf 'ok   %-34s %s (%ss)\n' "$name" "$doc" "$secs"
	else
		fail=$((fail + 1))
		printf 'FAIL %-34s %s (%ss)\n%s\n' "$name" "$doc" "$secs" "$problem" | sed '2,$s/^/     /'
	fi
}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# run_test NAME DOC LIMIT CMD...: the command must exit 0 within LIMIT seconds
run_test() {
	local name=$1 doc=$2 limit=$3 t rc=0 problem=
	shift 3
	t=$(now)
	# in a subshell that waits (no exec): a crash is reported in the log, as an exit status
	(timeout -k 5 "$limit" "$@" || exit $?) >"$log" 2>&1 || rc=$?
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		problem="timed out after ${limit}s (a hang or a deadlock)"$'\n'"$(tail -n 30 "$log")"
	elif [ "$rc" -ne 0 ]; then
		problem="exit $rc"$'\n'"$(tail -n 30 "$log")"
	fi
	result "$name" "$(since "$t")" "$problem" "$doc$(summary)"
}

# the last line a program printed on stdout, as a short suffix for the ok line
summary() {
	local s
	s=$(grep -E '^(ops|forks|connections|r_small)' "$log" | tail -n 1)
	[ -n "$s" ] && printf ': %s' "$s"
}

need() {
	local f
	for f in "$@"; do
		if [ ! -e "$f" ]; then
			result "build" 0 "missing $f (run make robust-test)" "programs built"
			return 1
		fi
	done
}

# ---- 1. threads ----
part_threads() {
	need "$R/r_threads" || return
	run_test threads-own "16 threads with 3 connections each, 2 churn threads" 120 \
		env LD_PRELOAD="$shim" "$R/r_threads" own 300
	run_test threads-pool "4 pooled connections shared by 16 threads" 120 \
		env LD_PRELOAD="$shim" "$R/r_threads" pool 300
}
part_threads-long() {
	need "$R/r_threads" || return
	run_test threads-own-long "threads, 2000 rounds each" 600 \
		env LD_PRELOAD="$shim" "$R/r_threads" own 2000
	run_test threads-pool-long "pool, 2000 uses per thread" 600 \
		env LD_PRELOAD="$shim" "$R/r_threads" pool 2000
}

# ThreadSanitizer: the shim and the client both built with -fsanitize=thread;
# the tsan shim is preloaded into the tsan client (one runtime, in the client).
# The tsan shim leaves out the dlsym/dlopen hooks (hook_dl.c, dl_tramp_*.S):
# they crash any TSan program at start-up (see noshim:hello-tsan, and mk/robust.mk).
tsan_env=(env "TSAN_OPTIONS=halt_on_error=0 exitcode=66 second_deadlock_stack=1 history_size=4")
part_tsan() {
	need "$tsan_shim" "$B/tsan/r_threads" "$B/tsan/r_fork" || return
	run_test tsan-threads-own "ThreadSanitizer: threads with their own connections" 300 \
		"${tsan_env[@]}" LD_PRELOAD="$tsan_shim" "$B/tsan/r_threads" own 150
	run_test tsan-threads-pool "ThreadSanitizer: pooled connections" 300 \
		"${tsan_env[@]}" LD_PRELOAD="$tsan_shim" "$B/tsan/r_threads" pool 150
	run_test tsan-fork "ThreadSanitizer: fork while threads are in the shim" 300 \
		"${tsan_env[@]}" LD_PRELOAD="$tsan_shim" "$B/tsan/r_fork" 20
}
part_tsan-long() {
	need "$tsan_shim" "$B/tsan/r_threads" "$B/tsan/r_fork" || return
	run_test tsan-threads-own-long "ThreadSanitizer: 1000 rounds" 900 \
		"${tsan_env[@]}" LD_PRELOAD="$tsan_shim" "$B/tsan/r_threads" own 1000
	run_test tsan-threads-pool-long "ThreadSanitizer: 1000 uses" 900 \
		"${tsan_env[@]}" LD_PRELOAD="$tsan_shim" "$B/tsan/r_threads" pool 1000
	run_test tsan-fork-long "ThreadSanitizer: 200 forks" 900 \
		"${tsan_env[@]}" LD_PRELOAD="$tsan_shim" "$B/tsan/r_fork" 200
}

# ---- 3. fork ----
part_fork() {
	need "$R/r_fork" || return
	run_test fork "50 forks while 2 threads are inside the shim" 120 \
		env LD_PRELOAD="$shim" "$R/r_fork" 50
}
part_fork-long() {
	need "$R/r_fork" || return
	run_test fork-long "1000 forks while 2 threads are inside the shim" 600 \
		env LD_PRELOAD="$shim" "$R/r_fork" 1000
}

# ---- 4. bad input, compared with plain libpq ----
# probe_once OUT with|without [MODE]: stdout to OUT, stderr to OUT.err; echoes the exit code
probe_once() {
	local out=$1 how=$2 mode=${3:-} name=$4 rc=0
	(
		ulimit -v 4194304 2>/dev/null
		if [ "$how" = with ]; then
			timeout -k 5 120 env ${mode:+PQSHIM_MODE=$mode} LD_PRELOAD="$shim" "$R/r_probe" "$name" || exit $?
		else
			timeout -k 5 120 env ${mode:+PQSHIM_MODE=$mode} "$R/r_probe" "$name" || exit $?
		fi
	) >"$out" 2>"$out.err" || rc=$?
	echo "$rc"
}

probe() {
	local name=$1 mode=$2 doc=$3 t rc0 rc1 problem='' label
	label=probe:$name
	[ -n "$mode" ] && label=probe-$mode:$name
	t=$(now)
	rc0=$(probe_once "$work/$label.without" without "$mode" "$name")
	rc1=$(probe_once "$work/$label.with" with "$mode" "$name")
	if [ "$rc0" -ne 0 ]; then
		problem="the probe fails without the shim (exit $rc0): fix the probe"$'\n'"$(tail -n 5 "$work/$label.without.err")"
	elif [ "$rc1" -ne 0 ]; then
		problem="exit $rc1 with the shim (0 without)"$'\n'"$(tail -n 20 "$work/$label.with.err")"
	elif ! cmp -s "$work/$label.without" "$work/$label.with"; then
		problem="differs from plain libpq (< without the shim, > with it):"$'\n'"$(diff "$work/$label.without" "$work/$label.with" | cut -c1-300 | head -n 40)"
	fi
	result "$label" "$(since "$t")" "$problem" "$doc"
}

part_probes() {
	need "$R/r_probe" || return
	local name modes doc
	while read -r name modes doc; do
		probe "$name" "" "$doc"
		[ "$modes" = both ] && probe "$name" unnamed "$doc (unnamed mode)"
	done < <("$R/r_probe" --list)
}

# ---- 2. memory ----
part_conns() {
	need "$R/r_conns" || return
	run_test conns-rss "2,000 connections: RSS flat after the first 500" 300 \
		env LD_PRELOAD="$shim" "$R/r_conns" 2000 2 512 500
}
part_conns-10k() {
	need "$R/r_conns" || return
	run_test conns-rss-10k "10,000 connections: RSS flat after the first 1,000" 900 \
		env LD_PRELOAD="$shim" "$R/r_conns" 10000 2 1024 1000
}

part_valgrind() {
	need "$R/r_small" "$R/r_threads" || return
	if ! command -v valgrind >/dev/null; then
		result valgrind 0 "valgrind is not installed (apt-get install valgrind)" "memcheck"
		return
	fi
	# shellcheck disable=SC2054 # commas inside option values
	local vg=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
		--errors-for-leak-kinds=definite,indirect --track-origins=yes)
	run_test valgrind-small "memcheck: one client through most shim paths" 300 \
		env LD_PRELOAD="$shim" "${vg[@]}" "$R/r_small"
	run_test valgrind-threads "memcheck: 16 threads, 10 rounds" 300 \
		env LD_PRELOAD="$shim" "${vg[@]}" "$R/r_threads" own 10
	run_test valgrind-conns "memcheck: 200 connections" 300 \
		env LD_PRELOAD="$shim" "${vg[@]}" "$R/r_conns" 200 1 1000000 50
}

# The integration suite's client, built with -fsanitize=address,undefined
# (preloading libasan into the plain pqtest hangs at exit in p11-kit's
# destructor, so the client carries the runtime), with the asan shim preloaded
# after libasan, LeakSanitizer on. deepbind_load is skipped: ASan refuses
# RTLD_DEEPBIND.
part_asan() {
	need "$asan_shim" "$B/asan/integ/pqtest" "$B/asan/integ/rtld_main" "$B/asan/integ/ext_local.so" || return
	local libasan name doc t rc problem
	libasan=$(readlink -f "$(${CC:-gcc} -print-file-name=libasan.so)")
	while read -r name _ doc; do
		if [ "$name" = deepbind_load ]; then
			continue
		fi
		t=$(now)
		rc=0
		problem=
		(timeout -k 5 120 env PQT_BIN_DIR="$B/asan/integ" LD_PRELOAD="$libasan $asan_shim" \
			ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23 \
			UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			"$B/asan/integ/pqtest" "$name" || exit $?) >"$log" 2>&1 || rc=$?
		if [ "$rc" -ne 0 ] || grep -qE 'Sanitizer|runtime error' "$log"; then
			problem="exit $rc"$'\n'"$(grep -vE '^ *$' "$log" | head -n 60)"
		fi
		result "asan:$name" "$(since "$t")" "$problem" "ASan+UBSan+LSan: $doc"
	done < <("$B/asan/integ/pqtest" --list)
}

# The bad-input probes again, built with ASan+UBSan, against the ASan shim:
# no comparison here, only "no crash, no sanitizer report, no leak".
part_asan-probes() {
	need "$asan_shim" "$B/asan/r_probe" || return
	local libasan name modes doc mode t rc problem
	libasan=$(readlink -f "$(${CC:-gcc} -print-file-name=libasan.so)")
	while read -r name modes doc; do
		for mode in dedupe unnamed; do
			[ "$mode" = unnamed ] && [ "$modes" != both ] && continue
			t=$(now)
			rc=0
			problem=
			# an allocation over 2 GiB is reported (with its stack), never attempted
			(timeout -k 5 300 env PQSHIM_MODE=$mode LD_PRELOAD="$libasan $asan_shim" \
				ASAN_OPTIONS=detect_leaks=1:exitcode=23:max_allocation_size_mb=2048 \
				UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
				"$B/asan/r_probe" "$name" || exit $?) >"$log" 2>&1 || rc=$?
			if [ "$rc" -ne 0 ] || grep -qE 'Sanitizer|runtime error' "$log"; then
				problem="exit $rc"$'\n'"$(grep -E -A12 'ERROR: |runtime error|SUMMARY' "$log" | head -n 40)"
			fi
			result "asan-probe-$mode:$name" "$(since "$t")" "$problem" "ASan+UBSan+LSan: $doc"
		done
	done < <("$B/asan/r_probe" --list)
}

# ---- 5. processes that never use libpq ----
noshim_one() {
	local name=$1 t problem='' rc0=0 rc1=0 dyn=$2
	shift 2
	t=$(now)
	rm -f "$work/noshim.log"
	(cd "$work" && timeout -k 5 60 env -u LD_PRELOAD "$@" || exit $?) >"$work/n0.out" 2>"$work/n0.err" || rc0=$?
	(cd "$work" && timeout -k 5 60 env LD_PRELOAD="${preload_first:+$preload_first }$shim" \
		PQSHIM_LOG=debug PQSHIM_LOG_FILE="$work/noshim.log" "$@" || exit $?) \
		>"$work/n1.out" 2>"$work/n1.err" || rc1=$?
	(cd "$work" && timeout -k 5 60 env LD_PRELOAD="${preload_first:+$preload_first }$shim" \
		LD_DEBUG=files PQSHIM_LOG=debug "$@" || exit $?) >/dev/null 2>"$work/n2.err" || true
	if [ "$rc0" -ne "$rc1" ]; then
		problem="exit status $rc0 without the shim, $rc1 with it"$'\n'"$(head -n 5 "$work/n1.err")"
	elif ! cmp -s "$work/n0.out" "$work/n1.out"; then
		problem="stdout differs:"$'\n'"$(diff "$work/n0.out" "$work/n1.out" | head -n 20)"
	elif ! cmp -s "$work/n0.err" "$work/n1.err"; then
		problem="stderr differs:"$'\n'"$(diff "$work/n0.err" "$work/n1.err" | head -n 20)"
	elif [ -s "$work/noshim.log" ]; then
		problem="the shim logged:"$'\n'"$(head -n 5 "$work/noshim.log")"
	elif [ -n "$(grep -E 'libpq\.so|libpq[-.][0-9]' "$work/n2.err" | grep -v libpqshim)" ]; then
		problem="libpq was loaded:"$'\n'"$(grep -E 'libpq' "$work/n2.err" | grep -v libpqshim | head -n 5)"
	elif grep -q 'pqshim\[' "$work/n2.err"; then
		problem="a log line on stderr with PQSHIM_LOG=debug"
	elif [ "$dyn" = dynamic ] && ! grep -q 'libpqshim.so' "$work/n2.err"; then
		problem="the shim was not even loaded (LD_DEBUG=files does not show it): the test proves nothing"
	fi
	result "noshim:$name" "$(since "$t")" "$problem" "same output and status, no log, no libpq"
}

part_noshim() {
	need "$R/r_hello" "$R/r_hello_static" || return
	noshim_one "sh-echo" dynamic sh -c 'echo ok'
	noshim_one "sh-exit-3" dynamic sh -c 'echo to stderr >&2; exit 3'
	noshim_one "ls" dynamic ls /
	if command -v python3 >/dev/null; then
		noshim_one "python3" dynamic python3 -c 'print(1)'
		# dlopen/dlsym through ctypes: the shim's dlsym hook sees them
		noshim_one "python3-ctypes" dynamic python3 -c \
			'import ctypes, ctypes.util; c = ctypes.CDLL(ctypes.util.find_library("c")); print(c.getpid() > 0, c.strlen(b"abc"))'
	fi
	noshim_one "hello" dynamic "$R/r_hello" an-argument
	# LD_PRELOAD means nothing to a static binary: it must simply run the same
	noshim_one "hello-static" static "$R/r_hello_static" an-argument
	# programs that carry a sanitizer runtime (a developer's ASan/TSan build of an app);
	# ASan wants its runtime first among preloads, as for any preloaded library
	if [ -x "$B/tsan/r_hello" ]; then
		noshim_one "hello-tsan" dynamic "$B/tsan/r_hello" an-argument
	fi
	if [ -x "$B/asan/r_hello" ]; then
		preload_first=$(readlink -f "$(${CC:-gcc} -print-file-name=libasan.so)")
		noshim_one "hello-asan" dynamic "$B/asan/r_hello" an-argument
		preload_first=
	fi
}
preload_first=

# ---- 6. secrets ----
part_secrets() {
	need "$R/r_secret" || return
	local t problem='' s f rc slog=$work/secrets.log serr=$work/secrets.err
	local uri_base="postgresql://postgres"
	local sock=$PQT_SOCKDIR port=$PQT_PG_PORT
	local secrets=(S3cretKV S3cretURI 'S3cret%40Pct' 'S3cret@Pct' S3cretParams S3cretSetdb
		S3cretSetdbArg S3cretMal S3cretMalURI 'S3cret%21Bad' 'S3cret!Bad' S3cretStart
		ParamValue123 ParamValue456 ParamValue789)
	local runs=(
		"conninfo|$PQT_DSN password=S3cretKV pqshim_mode=dedupe"
		"conninfo|host=$sock port=$port user=postgres password='S3cretKV' prepared_statements=false connection_limit=2"
		"conninfo|$uri_base:S3cretURI@/postgres?host=$sock&port=$port&connection_limit=5&pool_timeout=3&pgbouncer=false"
		"conninfo|$uri_base:S3cret%40Pct@/postgres?host=$sock&port=$port&prepared_statements=maybe"
		"conninfo|$uri_base:S3cret%40Pct@/postgres?host=$sock&port=$port&pgbouncer=true"
		"start|$PQT_DSN password=S3cretStart prepared_statements=false"
		"params|$PQT_DSN|S3cretParams"
		"setdb|$PQT_DSN prepared_statements=true password=S3cretSetdb|S3cretSetdbArg"
		"fail|host=$sock password=S3cretMal prepared_statements=false 'unterminated"
		"fail|$uri_base:S3cretMalURI@/postgres?host=$sock&port=$port&prepared_statements=bogus&%zz"
		"fail|host=$sock port=$port password=S3cret!Bad pqshim_mode=dedupe nosuchoption=1"
		"fail|$uri_base:S3cret%21Bad@/nosuchdb?host=$sock&port=$port&pgbouncer=true"
	)
	t=$(now)
	rm -f "$slog" "$serr"
	for f in "${runs[@]}"; do
		IFS='|' read -r -a args <<<"$f"
		rc=0
		# a log file, and again with the log on stderr
		env LD_PRELOAD="$shim" PQSHIM_LOG=debug PQSHIM_LOG_FILE="$slog" \
			timeout -k 5 60 "$R/r_secret" "${args[@]}" >>"$work/secrets.out" 2>>"$serr" || rc=$?
		env LD_PRELOAD="$shim" PQSHIM_LOG=debug \
			timeout -k 5 60 "$R/r_secret" "${args[@]}" >>"$work/secrets.out" 2>>"$serr" || rc=$?
		[ "$rc" -eq 0 ] || problem+="r_secret ${args[0]} failed (exit $rc): $(tail -n 3 "$serr")"$'\n'
	done
	if ! grep -q 'removed from the connection string' "$slog" 2>/dev/null ||
		! grep -q 'pqshim\[.*debug' "$serr"; then
		problem+="the shim logged less than expected at debug level: the test proves nothing"$'\n'
	fi
	for s in "${secrets[@]}"; do
		if grep -qF -- "$s" "$slog" "$serr" 2>/dev/null; then
			problem+="'$s' appears in the log:"$'\n'"$(grep -hF -- "$s" "$slog" "$serr" | head -n 3)"$'\n'
		fi
	done
	result secrets "$(since "$t")" "${problem%$'\n'}" "no password or parameter value in debug logs ($(wc -l <"$slog") file lines, $(grep -c 'pqshim\[' "$serr") stderr lines)"
}

# ---- setuid: the shim's configuration ignores the environment ----
part_secure() {
	need "$R/r_secure" || return
	local t problem='' d out
	t=$(now)
	if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
		result setuid 0 "" "skipped: needs root and setpriv to make a setuid program"
		return
	fi
	d=$(mktemp -d "$work/secure.XXXXXX")
	chmod 0755 "$d"
	cp "$R/r_secure" "$d/r_setuid"
	cp "$R/r_secure" "$d/r_plain"
	chown root: "$d/r_setuid" "$d/r_plain"
	chmod 4755 "$d/r_setuid"
	chmod 0755 "$d/r_plain"
	local as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups
		env PQSHIM_MODE=off PQSHIM_LOG=debug PQSHIM_LOG_FILE=/tmp/pqshim-secure-test.log)
	out=$("${as_user[@]}" "$d/r_plain" 2>&1)
	[ "$out" = "secure=0 mode=off log=debug log_file=/tmp/pqshim-secure-test.log" ] ||
		problem+="control (not setuid): $out"$'\n'
	out=$("${as_user[@]}" "$d/r_setuid" 2>&1)
	[ "$out" = "secure=1 mode=auto log=warn log_file=(stderr)" ] ||
		problem+="setuid root run by nobody: $out (the environment must be ignored)"$'\n'
	rm -rf "$d"
	result setuid "$(since "$t")" "${problem%$'\n'}" "a setuid program ignores PQSHIM_* (secure_getenv)"
}

start=$(now)
for p in "${expanded[@]}"; do
	if declare -F "part_$p" >/dev/null; then
		"part_$p"
	else
		result "$p" 0 "no such part" "usage: run.sh [quick|all|PART...]"
	fi
done
# keep the outputs (probe transcripts, logs) for a look after the run, then stop the
# servers now, so that the summary is the last line even when a test failed
rm -rf "$R/last-run"
cp -r "$work" "$R/last-run" 2>/dev/null
servers_stop
echo "robust: total time $(since "$start")s; outputs kept in ${R#"$root"/}/last-run"
echo "robust: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
