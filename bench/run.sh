#!/usr/bin/env bash
# bench/run.sh - every pqshim benchmark in one run; `make bench` calls it after
# building the shim and the drivers (build/bench/*). Prints the tables and
# writes bench/results.md. Benchmarks report, they never fail: the exit
# status is 0 unless the harness itself breaks (missing drivers).
#
#   1. per-call cost against the fake libpq (tests/fake, lenient; no server): percall, 1 and 8 threads,
#      without and with LD_PRELOAD=build/libpqshim.so, alternated; and the same
#      calls counted in instructions with valgrind --tool=callgrind
#   2. scaling: lookup cost with 1 / 1,000 / 100,000 statements and 1,000
#      connections; heap bytes per statement and per connection
#   3. end to end against PostgreSQL 15 and PgBouncer 1.18 (tests/lib/servers.sh):
#      pgbench -S over the unix socket and through PgBouncer transaction mode,
#      and the re-prepare client (bench/reprepare.c)
#   3b. behind a transaction pooler: PgBouncer 1.18 transaction mode, pool size 4,
#      8 clients: select-only, TPC-B and bench/plan_heavy.sql, each without the shim
#      (-M extended), with PQSHIM_MODE=unnamed and with PQSHIM_MODE=pooled (-M prepared)
#   3c. behind PgBouncer 1.25.2 with max_prepared_statements = 200 (it prepares
#      statements itself): select-only and TPC-B, no shim -M prepared (the anchor)
#      next to the shim's default and auto mode (-M prepared)
#   4. the machine, versions and exact commands
#
# Timings on a shared machine are noisy: every A/B pair runs alternated inside
# this one run (A B, then B A, ...), and the tables give medians; "added" and
# ratios are medians of the per-round paired differences / ratios.
#
# This script only runs things and records what they printed, one sample per
# line (build/bench/run/samples.tsv: key, value, round); bench/report.py does
# every computation and writes the report (`bench/report.py --work
# build/bench/run` writes it again from the last run, e.g. after editing
# bench/analysis.md).
#
# Knobs (environment): BENCH_QUICK=1 (a short smoke run: fewer rounds, shorter
# runs; its numbers are not for results), BENCH_SKIP_E2E=1 (no servers),
# BENCH_SECONDS (pgbench / re-prepare run length, default 3), BENCH_ROUNDS
# (end-to-end rounds, default 8: many short alternated runs resist the bursts
# of other load better than a few long ones), BENCH_REPS (per-call
# repetitions, default 7), BENCH_PARTS (which parts to run, default "1 2 3 3b 3c";
# BENCH_PARTS=3b runs the pooler section alone), BENCH_POOL_SECONDS and
# BENCH_POOL_ROUNDS (parts 3b and 3c: run length and rounds, default 10 s x 3; with
# BENCH_QUICK=1 2 s x 1), BENCH_OUT (where to write the report, default
# bench/results.md; a partial run overwrites it too, so point it elsewhere).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
BB=$root/build/bench
SHIM=$root/build/libpqshim.so
OUT=${BENCH_OUT:-$root/bench/results.md}
QUICK=${BENCH_QUICK:-0}
if ((QUICK)); then
	REPS=${BENCH_REPS:-2} ROUNDS=${BENCH_ROUNDS:-2} SECONDS_E2E=${BENCH_SECONDS:-2} SCALE_DIV=10
	POOL_SECONDS=${BENCH_POOL_SECONDS:-2} POOL_ROUNDS=${BENCH_POOL_ROUNDS:-1}
else
	REPS=${BENCH_REPS:-7} ROUNDS=${BENCH_ROUNDS:-8} SECONDS_E2E=${BENCH_SECONDS:-3} SCALE_DIV=1
	POOL_SECONDS=${BENCH_POOL_SECONDS:-10} POOL_ROUNDS=${BENCH_POOL_ROUNDS:-3}
fi
PG_BIN=${PQT_PG_BIN:-/usr/lib/postgresql/15/bin}
PGBENCH=$PG_BIN/pgbench # not /usr/bin/pgbench: that is a perl wrapper, and LD_PRELOAD would load the shim into perl

for f in "$SHIM" "$BB/percall" "$BB/scale" "$BB/reprepare" "$BB/libpq.so.5"; do
	if [[ ! -e $f ]]; then
		echo "bench: $f is missing (run: make bench)" >&2
		exit 2
	fi
done

WORK=$BB/run
RAW=$WORK/samples.tsv   # key <TAB> value <TAB> round, one line per measurement
CMDS=$WORK/commands.txt # the exact commands, first use of each
ERRLOG=$WORK/stderr.log # stderr of every run
STATE=$WORK/state.tsv   # what the report needs besides the samples: key <TAB> value
if [[ ${1:-} == --report ]]; then
	exec python3 "$root/bench/report.py" --work "$WORK" --out "$OUT" --root "$root"
fi
rm -rf "$WORK"
mkdir -p "$WORK"
: >"$RAW"
: >"$CMDS"
: >"$ERRLOG"
T_START=$(date +%s)

say() { printf 'bench: %s\n' "$*" >&2; }

# ---- samples -----------------------------------------------------------------

ROUND=0 # the round the samples being taken belong to (pairs are matched by it)
add() { printf '%s\t%s\t%s\n' "$1" "$2" "$ROUND" >>"$RAW"; }
# state KEY VALUE: a fact for the report
state() { printf '%s\t%s\n' "$1" "$2" >>"$STATE"; }

field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" | head -n 1; }

# note the command once for the report
cmd_note() {
	local line="$*"
	grep -qxF -- "$line" "$CMDS" || printf '%s\n' "$line" >>"$CMDS"
}

# env that starts clean of every shim setting the caller may have exported
CLEAN_ENV=(env -u LD_PRELOAD -u PQSHIM_MODE -u PQSHIM_PREPARED_STATEMENTS -u prepared_statements
	-u PQSHIM_LOG -u PQSHIM_LOG_FILE -u PQSHIM_STATS -u PQSHIM_STATS_FILE)

# run VARIANT MODE CMD...: VARIANT "without", "with" (LD_PRELOAD=the shim, PQSHIM_MODE=MODE)
# or "tlsie" (the same with the -ftls-model=initial-exec build of the shim). With the shim,
# the VAR=value words in RUN_ENV are set too (e.g. PQSHIM_STATS_FILE).
SHIM_IE=$BB/tls-ie/libpqshim.so
RUN_ENV=()
run() {
	local variant=$1 mode=$2 lib
	shift 2
	if [[ $variant == with || $variant == tlsie ]]; then
		lib=$SHIM
		[[ $variant == tlsie ]] && lib=$SHIM_IE
		cmd_note "LD_PRELOAD=${lib#"$root/"} PQSHIM_MODE=$mode ${RUN_ENV[*]+${RUN_ENV[*]} }${*#"$root/"}"
		"${CLEAN_ENV[@]}" LD_PRELOAD="$lib" PQSHIM_MODE="$mode" ${RUN_ENV[@]+"${RUN_ENV[@]}"} "$@" 2>>"$ERRLOG"
	else
		cmd_note "${*#"$root/"}"
		"${CLEAN_ENV[@]}" "$@" 2>>"$ERRLOG"
	fi
}

# order of a pair in round $1: A B in odd rounds, B A in even ones
pair_order() { if (($1 % 2)); then echo "without with"; else echo "with without"; fi; }

# ---- part 1: per-call cost -----------------------------------------------------

CASES=(exec_prepared prepare_dup unnamed_exec async exec_short exec_10k deallocate exec_rr)
declare -A CASE_CALLS=(
	[exec_prepared]=2000000 [prepare_dup]=2000000 [unnamed_exec]=2000000 [async]=2000000
	[exec_short]=1000000 [exec_10k]=50000 [deallocate]=1000000 [exec_rr]=1000000
)
case_mode() { if [[ $1 == unnamed_exec ]]; then echo unnamed; else echo dedupe; fi; }

part1() {
	local rep c t v line calls
	say "per-call cost: ${#CASES[@]} cases x 1 and 8 threads x without/with, $REPS rounds"
	for ((rep = 1; rep <= REPS; rep++)); do
		ROUND=$rep
		for c in "${CASES[@]}"; do
			calls=$((CASE_CALLS[$c] / SCALE_DIV))
			for t in 1 8; do
				for v in $(pair_order "$rep"); do
					line=$(run "$v" "$(case_mode "$c")" "$BB/percall" --case "$c" --threads "$t" \
						--calls "$calls" | grep '^RESULT')
					if [[ -z $line ]]; then
						say "percall $c $t $v failed (see $ERRLOG)"
						continue
					fi
					add "p1.$c.$t.$v.cpu" "$(field cpu_ns <<<"$line")"
					add "p1.$c.$t.$v.wall" "$(field ns <<<"$line")"
					add "p1.$c.$t.$v.vcsw" "$(field vcsw <<<"$line")"
					add "p1.$c.$t.$v.bad" "$(field bad <<<"$line")"
					[[ $c == exec_10k ]] && SQL10K_BYTES=$(field sql_bytes <<<"$line")
				done
			done
		done
	done
}

# The shim built with -ftls-model=initial-exec (make bench-tls-ie): exec_prepared, 1 thread
part1_tls() {
	local rep v line order
	[[ -e $SHIM_IE ]] || return
	say "experiment: the shim built with -ftls-model=initial-exec ($REPS rounds)"
	for ((rep = 1; rep <= REPS; rep++)); do
		ROUND=$rep
		order="without with tlsie"
		((rep % 2)) || order="tlsie with without"
		for v in $order; do
			line=$(run "$v" dedupe "$BB/percall" --case exec_prepared --calls $((2000000 / SCALE_DIV)) | grep '^RESULT')
			[[ -n $line ]] && add "px.$v" "$(field cpu_ns <<<"$line")"
		done
	done
	ROUND=0
	if ((CG_OK)); then
		cg_run tlsie exec_prepared 20000 "$WORK/callgrind.exec_prepared.tlsie.out"
		add "cg.exec_prepared.tlsie" "$(cg_total "$WORK/callgrind.exec_prepared.tlsie.out" 20000)"
	fi
	TLS_DONE=1
}
TLS_DONE=0

# callgrind: instructions per call, counted inside timed_calls() only
CG_OK=0
command -v valgrind >/dev/null 2>&1 && command -v callgrind_annotate >/dev/null 2>&1 && CG_OK=1

cg_run() { # variant case calls outfile
	local mode
	mode=$(case_mode "$2")
	run "$1" "$mode" valgrind --tool=callgrind --collect-atstart=no --toggle-collect=timed_calls \
		--callgrind-out-file="$4" "$BB/percall" --case "$2" --calls "$3" --warmup 0 >/dev/null
}

cg_total() { # file calls -> Ir per call
	callgrind_annotate --show-percs=no "$1" 2>/dev/null |
		awk -v n="$2" '/PROGRAM TOTALS/ { gsub(",", "", $1); printf "%.1f\n", $1 / n; exit }'
}

# Function table of a callgrind file: "self_Ir calls function object", per timed call
cg_functions() { # file calls
	awk -v n="$2" -f "$root/bench/callgrind_functions.awk" "$1" | sort -t$'\t' -k1,1 -gr
}

part1_callgrind() {
	local c v n file
	((CG_OK)) || {
		say "valgrind not installed: no instruction counts (apt-get install valgrind)"
		return
	}
	say "instruction counts with callgrind (${#CASES[@]} cases x without/with)"
	for c in "${CASES[@]}"; do
		n=20000
		[[ $c == exec_10k ]] && n=2000
		for v in without with; do
			file=$WORK/callgrind.$c.$v.out
			cg_run "$v" "$c" "$n" "$file"
			add "cg.$c.$v" "$(cg_total "$file" "$n")"
			cg_functions "$file" "$n" >"$WORK/functions.$c.$v.tsv"
		done
	done
}

# ---- part 2: scaling -------------------------------------------------------------

SCALE_CFGS=(s1 s1000 s100000 s100000hot c1000 c1000rr)
declare -A SCALE_ARGS=(
	[s1]="--stmts 1" [s1000]="--stmts 1000" [s100000]="--stmts 100000"
	[s100000hot]="--stmts 100000 --hot" [c1000]="--conns 1000" [c1000rr]="--conns 1000 --rr"
)
declare -A SCALE_CALLS=([s1]=1000000 [s1000]=1000000 [s100000]=500000 [s100000hot]=1000000
	[c1000]=1000000 [c1000rr]=1000000)

part2() {
	local rep k v line
	say "scaling: lookup cost (${#SCALE_CFGS[@]} configurations x without/with, $((REPS > 5 ? 5 : REPS)) rounds)"
	for ((rep = 1; rep <= (REPS > 5 ? 5 : REPS); rep++)); do
		ROUND=$rep
		for k in "${SCALE_CFGS[@]}"; do
			for v in $(pair_order "$rep"); do
				# shellcheck disable=SC2086 # word splitting of the arguments is intended
				line=$(run "$v" dedupe "$BB/scale" lookup ${SCALE_ARGS[$k]} \
					--calls $((SCALE_CALLS[$k] / SCALE_DIV)) | grep '^RESULT')
				[[ -n $line ]] && add "p2.$k.$v" "$(field cpu_ns <<<"$line")"
			done
		done
	done
	ROUND=0

	say "scaling: heap bytes per statement and per connection"
	for v in without with; do
		run "$v" dedupe "$BB/scale" mem --stmts 100000 >"$WORK/mem.stmts.$v.txt"
		run "$v" dedupe "$BB/scale" mem --stmts 1000 >"$WORK/mem.stmts1000.$v.txt"
		run "$v" dedupe "$BB/scale" mem --conns 1000 >"$WORK/mem.conns.$v.txt"
	done

	((CG_OK)) || return
	say "scaling: instructions and L1 data-cache misses per lookup (callgrind --cache-sim)"
	local extra=()
	[[ -e /usr/include/valgrind/callgrind.h ]] && extra=(--instr-atstart=no)
	for k in s1 s100000; do
		for v in without with; do
			# shellcheck disable=SC2086
			run "$v" dedupe valgrind --tool=callgrind --cache-sim=yes "${extra[@]}" \
				--collect-atstart=no --toggle-collect=lookup_loop \
				--callgrind-out-file="$WORK/callgrind.scale.$k.$v.out" \
				"$BB/scale" lookup ${SCALE_ARGS[$k]} --calls 100000 --warmup 0 >/dev/null
			callgrind_annotate --show=Ir,D1mr,D1mw --show-percs=no "$WORK/callgrind.scale.$k.$v.out" 2>/dev/null |
				awk -v k="$k.$v" '/PROGRAM TOTALS/ { gsub(",", ""); printf "cgs.%s.ir\t%.1f\t0\ncgs.%s.d1\t%.2f\t0\n", k, $1 / 100000, k, ($2 + $3) / 100000; exit }' >>"$RAW"
		done
	done
}

# ---- part 3: end to end ------------------------------------------------------------

E2E_DONE=0
E2E_NOTE=""

# CPU clock ticks used so far by our servers: the postmaster and its children
# (live ones, and exited ones through the postmaster's cutime/cstime) and PgBouncer
SERVER_PIDS=""
server_ticks() {
	[[ -n $SERVER_PIDS ]] || {
		echo 0
		return
	}
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v pids=" $SERVER_PIDS " '{
		pid = $1; s = $0; sub(/.*\) /, "", s); split(s, f, " ")
		if (index(pids, " " pid " ") || index(pids, " " f[2] " ")) t += f[12] + f[13] + f[14] + f[15]
	} END { print t + 0 }'
}
TICK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# "busy total" clock ticks of the whole machine (all CPUs), from /proc/stat
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat; }
HAVE_TIME=0
[[ -x /usr/bin/time ]] && HAVE_TIME=1

# pgbench_run KEY VARIANT MODE ARGS...: adds KEY.tps, KEY.cpu_client and KEY.cpu_server
# (CPU microseconds per transaction of pgbench, and of the postmaster's processes + PgBouncer)
pgbench_run() {
	local key=$1 v=$2 mode=$3 o tf=$WORK/time.txt s0 s1 tps failed tx cu
	shift 3
	local timer=()
	((HAVE_TIME)) && timer=(/usr/bin/time -o "$tf" -f '%U %S')
	local m0 m1
	: >"$tf"
	m0=$(machine_ticks)
	s0=$(server_ticks)
	o=$(run "$v" "$mode" "${timer[@]}" timeout $((SECONDS_E2E + 60)) "$PGBENCH" "$@" 2>&1)
	sleep 0.3 # let the backends exit and be reaped, so their CPU time is in the postmaster's
	s1=$(server_ticks)
	m1=$(machine_ticks)
	printf '%s\n' "$o" >>"$WORK/pgbench.log"
	tps=$(printf '%s\n' "$o" | sed -n 's/^tps = \([0-9.]*\) (without initial connection time).*/\1/p' | head -n 1)
	tx=$(printf '%s\n' "$o" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' | head -n 1)
	failed=$(printf '%s\n' "$o" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' | head -n 1)
	[[ -n $failed && $failed != 0 ]] && say "pgbench reported $failed failed transactions ($v, $*)"
	[[ -z $tps ]] && say "pgbench gave no tps ($v, $*): see $WORK/pgbench.log"
	add "$key.tps" "${tps:-nan}"
	add "$key.failed" "${failed:-0}"
	cpu_samples "$key" "$tx" "$tf" "$s0" "$s1" "$m0" "$m1"
}

# cpu_samples KEY TX TIMEFILE S0 S1 M0 M1: what the CPU-time figures are made of (the
# report divides): transactions, the client's CPU seconds (/usr/bin/time), the servers' clock
# ticks, and the whole machine's busy and total ticks meanwhile (others = busy - ours)
cpu_samples() {
	local cu
	[[ -n $2 && $2 -gt 0 ]] || return 0
	cu=$(tail -n 1 "$3" 2>/dev/null | awk 'NF == 2 { print $1 + $2 }')
	[[ -n $cu ]] || return 0
	add "$1.tx" "$2"
	add "$1.client_s" "$cu"
	add "$1.server_ticks" "$(($5 - $4))"
	add "$1.machine_busy" "$((${7% *} - ${6% *}))"
	add "$1.machine_total" "$((${7#* } - ${6#* }))"
}

reprepare_run() { # key variant args...
	local key=$1 v=$2 line
	shift 2
	line=$(run "$v" dedupe timeout $((SECONDS_E2E + 60)) "$BB/reprepare" "$@" | grep '^RESULT')
	printf '%s\n' "$line" >>"$WORK/reprepare.log"
	add "$key.errors" "$(field errors <<<"$line")"
	add "$key" "$(field rps <<<"$line")"
}

# A pair counts as quiet when other processes used at most QUIET of the machine's CPU
# time during both of its runs.
QUIET=0.05
BUDGET=${BENCH_BUDGET:-330}
EXTRA_ROUNDS=0
# pairs of part 3 whose both runs were quiet (bench/report.py decides)
quiet_pairs() { python3 "$root/bench/report.py" --work "$WORK" --quiet-pairs "$1"; }

pair_unix() { # round
	local v
	ROUND=$1
	for v in $(pair_order "$1"); do
		pgbench_run "p3.unix.$v" "$v" dedupe -M prepared "${E2E_PG[@]}"
	done
}

pair_bouncer() { # round [simple]: the simple-protocol reference run too
	local v order=(shim extended)
	ROUND=$1
	[[ ${2:-} == simple ]] && order=(shim extended simple)
	if [[ ${2:-} == simple ]]; then
		case $(($1 % 3)) in
		2) order=(extended simple shim) ;;
		0) order=(simple shim extended) ;;
		esac
	elif (($1 % 2 == 0)); then
		order=(extended shim)
	fi
	for v in "${order[@]}"; do
		case $v in
		shim) pgbench_run p3.bouncer.shim with unnamed -M prepared "${E2E_PG[@]}" "$E2E_BOUNCER" ;;
		extended) pgbench_run p3.bouncer.extended without dedupe -M extended "${E2E_PG[@]}" "$E2E_BOUNCER" ;;
		simple) pgbench_run p3.bouncer.simple without dedupe -M simple "${E2E_PG[@]}" "$E2E_BOUNCER" ;;
		esac
	done
}

# pgbench's own instructions per transaction (one client, -t 1000 and -t 4000, the
# difference / 3000): the shim's cost in the client with the real libpq, without the noise
# that moves tps. Per-function tables go to $WORK/pgbench-functions.<variant>.tsv.
CG_PGBENCH=0
part3_callgrind() {
	local unix_dsn=$1 bouncer_dsn=$2 v t variant mode m dsn a b
	((CG_OK)) || return
	say "pgbench's client instructions per transaction (callgrind, 1 client)"
	for v in unix.without unix.with bouncer.extended bouncer.shim; do
		case $v in
		unix.without) variant=without mode=dedupe m=prepared dsn=$unix_dsn ;;
		unix.with) variant=with mode=dedupe m=prepared dsn=$unix_dsn ;;
		bouncer.extended) variant=without mode=dedupe m=extended dsn=$bouncer_dsn ;;
		bouncer.shim) variant=with mode=unnamed m=prepared dsn=$bouncer_dsn ;;
		esac
		for t in 1000 4000; do
			run "$variant" "$mode" valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.pgbench.$v.$t.out" \
				"$PGBENCH" -n -M "$m" -S -c 1 -j 1 -t "$t" "$dsn" >/dev/null 2>&1
		done
		add "cgp.$v.t1000" "$(awk '/^totals:/ { print $2 }' "$WORK/callgrind.pgbench.$v.1000.out")"
		add "cgp.$v.t4000" "$(awk '/^totals:/ { print $2 }' "$WORK/callgrind.pgbench.$v.4000.out")"
		# per function, per transaction: the 4000 run minus the 1000 run
		join -t$'\t' -a 1 -e 0 -o 0,1.2,1.3,2.2,2.3 \
			<(awk -v n=1 -f "$root/bench/callgrind_functions.awk" "$WORK/callgrind.pgbench.$v.4000.out" |
				awk -F'\t' '{ print $3 "@" $4 "\t" $1 "\t" $2 }' | sort -t$'\t' -k1,1) \
			<(awk -v n=1 -f "$root/bench/callgrind_functions.awk" "$WORK/callgrind.pgbench.$v.1000.out" |
				awk -F'\t' '{ print $3 "@" $4 "\t" $1 "\t" $2 }' | sort -t$'\t' -k1,1) |
			awk -F'\t' '{ printf "%s\t%.1f\t%.2f\n", $1, ($2 - $4) / 3000, ($3 - $5) / 3000 }' \
				>"$WORK/pgbench-functions.$v.tsv"
	done
	CG_PGBENCH=1
}

part3() {
	if [[ ${BENCH_SKIP_E2E:-0} == 1 ]]; then
		E2E_NOTE="skipped (BENCH_SKIP_E2E=1)"
		return
	fi
	if [[ ! -x $PG_BIN/initdb || ! -x $PGBENCH || ! -x ${PQT_PGBOUNCER:-/usr/sbin/pgbouncer} ]]; then
		E2E_NOTE="skipped: PostgreSQL 15 or PgBouncer not installed (run: make deps)"
		say "$E2E_NOTE"
		return
	fi
	# shellcheck source=tests/lib/servers.sh disable=SC1091
	source "$root/tests/lib/servers.sh"
	if ! servers_init || ! servers_start_pg || ! servers_start_pgbouncer tx transaction 2; then
		E2E_NOTE="skipped: the servers did not start (see the messages above)"
		servers_stop
		return
	fi
	local unix_dsn=$PQT_PG_DSN bouncer_dsn=$PQT_BOUNCER_TX_DSN
	say "pgbench -i -s 10"
	cmd_note "pgbench -i -s 10 -q   (PGHOST=<socket dir> PGPORT=<port> PGUSER=postgres PGDATABASE=postgres)"
	local t0=$SECONDS
	if ! "${CLEAN_ENV[@]}" "$PGBENCH" -i -s 10 -q >"$WORK/pgbench-init.log" 2>&1; then
		E2E_NOTE="skipped: pgbench -i failed (see $WORK/pgbench-init.log)"
		servers_stop
		return
	fi
	INIT_SECONDS=$((SECONDS - t0))
	"${CLEAN_ENV[@]}" "$BB/reprepare" --info "$unix_dsn" >"$WORK/info.txt" 2>&1
	PGBOUNCER_VERSION=$("${PQT_PGBOUNCER:-/usr/sbin/pgbouncer}" --version 2>/dev/null | head -n 1)

	# correctness, once: without the shim and without DEALLOCATE the client fails
	run without dedupe "$BB/reprepare" --seconds 0.5 "$unix_dsn" >"$WORK/reprepare-broken.txt"

	SERVER_PIDS="$(head -n 1 "$PQT_PGDATA/postmaster.pid" 2>/dev/null) $(cat "$PQT_TMPDIR/bouncer-tx/pgbouncer.pid" 2>/dev/null)"
	local S=$SECONDS_E2E r v
	E2E_PG=(-n -S -c 8 -j 2 -T "$S")
	E2E_BOUNCER=$bouncer_dsn
	say "end to end: $ROUNDS rounds of 7 runs x ${S} s (about $((ROUNDS * 7 * (S + 1) / 60 + 1)) min)"
	for ((r = 1; r <= ROUNDS; r++)); do
		say "  round $r/$ROUNDS"
		# A: unix socket, -M prepared, without / with the shim (dedupe)
		pair_unix "$r"
		# B: PgBouncer transaction mode: shim unnamed -M prepared / -M extended, and -M simple
		pair_bouncer "$r" simple
		# C: re-prepare client: with the shim / without it (+ DEALLOCATE per request)
		ROUND=$r
		for v in $(pair_order "$r"); do
			if [[ $v == with ]]; then
				reprepare_run p3.reprepare.with with --seconds "$S" "$unix_dsn"
			else
				reprepare_run p3.reprepare.without without --seconds "$S" --deallocate "$unix_dsn"
			fi
		done
	done
	# Extra pairs while fewer than 5 of them ran quiet, within the time budget (the
	# pgbench callgrind runs after this need about 20 s).
	local nextra=0 qu qb
	while ((!QUICK && nextra < 12)); do
		qu=$(quiet_pairs unix)
		qb=$(quiet_pairs bouncer)
		((qu >= 5 && qb >= 5)) && break
		(($(date +%s) - T_START + 2 * (S + 2) + 25 > BUDGET)) && break
		nextra=$((nextra + 1))
		say "  extra round $nextra (quiet pairs so far: unix $qu, PgBouncer $qb)"
		((qu < 5)) && pair_unix $((ROUNDS + nextra))
		((qb < 5)) && pair_bouncer $((ROUNDS + nextra))
	done
	EXTRA_ROUNDS=$nextra
	part3_callgrind "$unix_dsn" "$bouncer_dsn"
	SERVER_VERSION=$(sed -n 's/.*server_version=\(.*\)/\1/p' "$WORK/info.txt")
	LIBPQ_RUNTIME=$(sed -n 's/.*libpq=\([0-9]*\).*/\1/p' "$WORK/info.txt")
	servers_stop
	E2E_DONE=1
}

# ---- part 3b: behind a transaction pooler ------------------------------------------------
#
# One run through PgBouncer 1.18 in transaction mode, servers of its own (so it runs alone
# with BENCH_PARTS=3b): three workloads x three variants, interleaved, 8 clients.
#   extended: no shim, pgbench -M extended (what works behind a transaction pooler today)
#   unnamed:  the shim, PQSHIM_MODE=unnamed, -M prepared (re-parsed through the unnamed statement)
#   pooled:   the shim, PQSHIM_MODE=pooled, -M prepared (content-addressed named statements,
#             created on demand on each server connection)
# Pool size 4 for 8 clients: fewer server connections than clients, so a client's next
# transaction often lands on a server connection it has not used (a statement exists there
# only if someone created it there: the case pooled mode is for), and it still leaves 2 busy
# backends per core on this 2-core machine so PostgreSQL, not the pool, sets the pace.
# -j 8 = -c 8: with -M prepared and TPC-B behind a pool smaller than the client count, a
# pgbench thread driving several clients deadlocks (its prepares block).
POOL_SIZE=4
POOL_CLIENTS=8
POOL_SCALE=10
# block: plan_heavy.sql's SELECT twice and one UPDATE inside BEGIN/END (bench/plan_heavy_block.sql),
# where pooled mode goes by name only through its in-block lookup (PQSHIM_POOLED_IN_BLOCKS)
POOL_WORKLOADS=(select tpcb plan block)
POOL_VARIANTS=(extended unnamed pooled)
declare -A POOL_SHORT=([select]=select-only [tpcb]=TPC-B [plan]=plan-heavy [block]=plan-heavy-block)
POOL_DONE=0
POOL_NOTE=""
POOL_INIT_SECONDS='?'
POOL_CHECK="" # what the plan_heavy.sql check saw: executions= min= max= mean= zero=
POOL_KEY=p3b  # the section whose keys pool_run writes (p3b, p3c)

# pool_args WORKLOAD: its pgbench arguments, one per line (-s for the custom script: pgbench
# sets :scale from pgbench_branches for its built-in scripts only)
pool_args() {
	case $1 in
	select) printf '%s\n' -b select-only ;;
	tpcb) printf '%s\n' -b tpcb-like ;;
	plan) printf '%s\n' -f "$root/bench/plan_heavy.sql" -s "$POOL_SCALE" ;;
	block) printf '%s\n' -f "$root/bench/plan_heavy_block.sql" -s "$POOL_SCALE" ;;
	esac
}

# the variants in round $1: rotated each round (ABC, BCA, CAB, ...), so in every 3 rounds
# each variant runs once first, once second and once third
pool_order() {
	local i n=${#POOL_VARIANTS[@]}
	for ((i = 0; i < n; i++)); do
		printf '%s ' "${POOL_VARIANTS[(i + $1 - 1) % n]}"
	done
}

# Before every run, directly against PostgreSQL, what pgbench's own vacuum step does (the
# runs use -n): TPC-B's updates would otherwise bloat the one-page tables whatever runs next.
pool_reset() {
	"${CLEAN_ENV[@]}" psql -X -q -v ON_ERROR_STOP=1 -d "$PQT_PG_DSN" -c 'VACUUM pgbench_branches, pgbench_tellers' \
		-c 'TRUNCATE pgbench_history' >>"$WORK/pool-reset.log" 2>&1 ||
		say "pooler: resetting the tables failed (see $WORK/pool-reset.log)"
}

# distinct non-empty lines of the files, first seen first, each with its count; at most $1
distinct_lines() {
	local max=$1
	shift
	awk -v max="$max" 'NF { if (!($0 in n)) o[++k] = $0; n[$0]++ }
		END { for (i = 1; i <= k && i <= max; i++) printf "%5d x %s\n", n[o[i]], o[i]
			if (k > max) printf "        ... and %d more distinct lines\n", k - max }' "$@"
}

# pool_run WORKLOAD VARIANT ROUND: one pgbench run through the pooler. Adds p3b.<w>.<v>.tps,
# .failed (pgbench's "number of failed transactions"), .aborted (1 when pgbench exited
# non-zero: clients aborted, or the timeout hit), .errlines (lines on stderr), .cpu (client and
# servers, µs per transaction) and .other (share of the machine's CPU other processes took).
# Its stderr goes to pool-errors/<w>.<v>.r<round>.txt (and stderr.log), and is shown.
pool_run() {
	local w=$1 v=$2 r=$3 key variant=with mode=$2 m=prepared tf=$WORK/time.txt
	local o rc tps tx failed s0 s1 m0 m1 nerr sf what="${POOL_SHORT[$1]}, $2 (round $3)"
	local errf=$WORK/pool-errors/$w.$v.r$r.txt all_err=$ERRLOG
	local ERRLOG=$errf # run() appends the command's stderr to $ERRLOG
	local -a args timer=()
	mapfile -t args < <(pool_args "$w")
	[[ $v == extended ]] && variant=without mode=dedupe m=extended
	[[ $v == anchor ]] && variant=without mode=dedupe # section 3c: no shim, -M prepared
	[[ $v == default ]] && mode=                      # the shim with only LD_PRELOAD set
	key=$POOL_KEY.$1.$2
	[[ $v == pooled ]] && RUN_ENV=("PQSHIM_STATS_FILE=$WORK/pool-stats/$w.%p.json")
	((HAVE_TIME)) && timer=(/usr/bin/time -o "$tf" -f '%U %S')
	pool_reset
	: >"$tf"
	: >"$errf"
	m0=$(machine_ticks)
	s0=$(server_ticks)
	o=$(run "$variant" "$mode" "${timer[@]}" timeout $((POOL_SECONDS + 60)) "$PGBENCH" -n -M "$m" "${args[@]}" \
		-c "$POOL_CLIENTS" -j "$POOL_CLIENTS" -T "$POOL_SECONDS" "$POOL_DSN")
	rc=$?
	RUN_ENV=()
	sleep 0.3 # let the backends' CPU time reach the postmaster's counters
	s1=$(server_ticks)
	m1=$(machine_ticks)
	printf '==== %s: exit %s\n%s\n' "$what" "$rc" "$o" >>"$WORK/pool-pgbench.log"
	cat "$errf" >>"$all_err"
	tps=$(printf '%s\n' "$o" | sed -n 's/^tps = \([0-9.]*\) (without initial connection time).*/\1/p' | head -n 1)
	tx=$(printf '%s\n' "$o" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' | head -n 1)
	failed=$(printf '%s\n' "$o" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' | head -n 1)
	nerr=$(grep -c . "$errf")
	add "$key.tps" "${tps:-nan}"
	add "$key.failed" "${failed:-0}"
	add "$key.aborted" "$((rc != 0))"
	add "$key.errlines" "$nerr"
	cpu_samples "$key" "$tx" "$tf" "$s0" "$s1" "$m0" "$m1"
	# nothing hidden: every problem on the terminal now, and in the report
	((rc == 124)) && say "  $what: pgbench timed out after $((POOL_SECONDS + 60)) s"
	((rc != 0 && rc != 124)) && say "  $what: pgbench exited with status $rc"
	[[ -n $failed && $failed != 0 ]] && say "  $what: $failed failed transactions"
	[[ -z $tps ]] && say "  $what: pgbench gave no tps (see $WORK/pool-pgbench.log)"
	if ((nerr)); then
		say "  $what: $nerr lines on stderr:"
		distinct_lines 6 "$errf" | sed 's/^/bench:     /' >&2
	fi
	if [[ $v == pooled ]]; then
		mkdir -p "$WORK/pool-stats/r$r"
		for sf in "$WORK/pool-stats/$w".*.json; do
			[[ -e $sf ]] && mv -- "$sf" "$WORK/pool-stats/r$r/"
		done
	fi
	return 0
}

# bench/plan_heavy.sql returns rows: its SELECT wrapped in count(*) and echoed, 50 executions
# directly against PostgreSQL. Then what skipping parse and plan buys on it at most: -M
# prepared / -M extended, directly against PostgreSQL, 1 client.
pool_check() {
	local chk=$WORK/plan_heavy_check.sql o r v tps order ref_s=$((POOL_SECONDS < 3 ? POOL_SECONDS : 3))
	local errf=$WORK/pool-errors/plan_heavy_check.txt all_err=$ERRLOG
	local ERRLOG=$errf # run() appends the command's stderr to $ERRLOG
	: >"$errf"
	# \set lines kept, the SQL joined on one line, comment lines dropped
	awk '/^[[:space:]]*--/ { next } /^\\/ { print; next } { sub(/--.*/, ""); sql = sql " " $0 }
		END { sub(/;[[:space:]]*$/, "", sql); print "SELECT count(*) AS plan_rows FROM (" sql " ) AS q \\gset"
			print "\\shell echo plan_rows :plan_rows" }' "$root/bench/plan_heavy.sql" >"$chk"
	o=$(run without dedupe "$PGBENCH" -n -M extended -f "$chk" -s "$POOL_SCALE" -c 1 -j 1 -t 50 "$PQT_PG_DSN")
	POOL_CHECK=$(printf '%s\n' "$o" | awk '$1 == "plan_rows" { n++; if (n == 1 || $2 < lo) lo = $2; if ($2 > hi) hi = $2; if ($2 == 0) z++; s += $2 }
		END { printf "executions=%d min=%d max=%d mean=%.1f zero=%d", n, lo, hi, n ? s / n : 0, z }')
	if [[ $POOL_CHECK != *"executions=50 "* || $POOL_CHECK != *" zero=0" ]]; then
		say "pooler: bench/plan_heavy.sql check: $POOL_CHECK (expected 50 executions, none without rows)"
	fi
	for r in 1 2; do
		ROUND=$r
		order="extended prepared"
		((r == 2)) && order="prepared extended"
		for v in $order; do
			o=$(run without dedupe "$PGBENCH" -n -M "$v" -f "$root/bench/plan_heavy.sql" -s "$POOL_SCALE" -c 1 -j 1 -T "$ref_s" "$PQT_PG_DSN")
			tps=$(printf '%s\n' "$o" | sed -n 's/^tps = \([0-9.]*\) (without initial connection time).*/\1/p' | head -n 1)
			[[ -z $tps ]] && say "pooler: the plan-heavy reference run (-M $v) gave no tps (see $ERRLOG)"
			add "p3b.ref.$v" "${tps:-nan}"
		done
	done
	if [[ -s $errf ]]; then
		say "pooler: the plan_heavy.sql check and reference runs wrote to stderr:"
		distinct_lines 6 "$errf" | sed 's/^/bench:     /' >&2
		cat "$errf" >>"$all_err"
	fi
}

part3b() {
	if [[ ${BENCH_SKIP_E2E:-0} == 1 ]]; then
		POOL_NOTE="skipped (BENCH_SKIP_E2E=1)"
		return
	fi
	if [[ ! -x $PG_BIN/initdb || ! -x $PGBENCH || ! -x ${PQT_PGBOUNCER:-/usr/sbin/pgbouncer} ]]; then
		POOL_NOTE="skipped: PostgreSQL 15 or PgBouncer not installed (run: make deps)"
		say "$POOL_NOTE"
		return
	fi
	# shellcheck source=tests/lib/servers.sh disable=SC1091
	source "$root/tests/lib/servers.sh"
	# servers_init's EXIT/INT/TERM traps stop the servers however this script ends
	if ! servers_init || ! servers_start_pg || ! servers_start_pgbouncer pool transaction "$POOL_SIZE"; then
		POOL_NOTE="skipped: the servers did not start (see the messages above)"
		servers_stop
		return
	fi
	POOL_DSN=$PQT_BOUNCER_POOL_DSN
	mkdir -p "$WORK/pool-errors" "$WORK/pool-stats"
	say "pooler: pgbench -i -s $POOL_SCALE"
	cmd_note "pgbench -i -s $POOL_SCALE -q   (section 3b; PGHOST=<socket dir> PGPORT=<port> PGUSER=postgres PGDATABASE=postgres)"
	local t0=$SECONDS r w v
	if ! "${CLEAN_ENV[@]}" "$PGBENCH" -i -s "$POOL_SCALE" -q >"$WORK/pool-init.log" 2>&1; then
		POOL_NOTE="skipped: pgbench -i failed (see $WORK/pool-init.log)"
		say "$POOL_NOTE"
		tail -n 20 "$WORK/pool-init.log" >&2
		servers_stop
		return
	fi
	POOL_INIT_SECONDS=$((SECONDS - t0))
	cmd_note "psql -c 'VACUUM pgbench_branches, pgbench_tellers' -c 'TRUNCATE pgbench_history'   (section 3b, before every run, directly)"
	if [[ $SERVER_VERSION == '?' ]]; then
		"${CLEAN_ENV[@]}" "$BB/reprepare" --info "$PQT_PG_DSN" >"$WORK/pool-info.txt" 2>&1
		SERVER_VERSION=$(sed -n 's/.*server_version=\(.*\)/\1/p' "$WORK/pool-info.txt")
		LIBPQ_RUNTIME=$(sed -n 's/.*libpq=\([0-9]*\).*/\1/p' "$WORK/pool-info.txt")
	fi
	PGBOUNCER_VERSION=$("${PQT_PGBOUNCER:-/usr/sbin/pgbouncer}" --version 2>/dev/null | head -n 1)
	SERVER_PIDS="$(head -n 1 "$PQT_PGDATA/postmaster.pid" 2>/dev/null) $(cat "$PQT_TMPDIR/bouncer-pool/pgbouncer.pid" 2>/dev/null)"

	pool_check
	say "behind a transaction pooler: $POOL_ROUNDS round(s) of ${#POOL_WORKLOADS[@]} workloads x ${#POOL_VARIANTS[@]} variants x ${POOL_SECONDS} s (about $((POOL_ROUNDS * ${#POOL_WORKLOADS[@]} * ${#POOL_VARIANTS[@]} * (POOL_SECONDS + 2) / 60 + 1)) min)"
	for ((r = 1; r <= POOL_ROUNDS; r++)); do
		say "  round $r/$POOL_ROUNDS"
		ROUND=$r
		for w in "${POOL_WORKLOADS[@]}"; do
			for v in $(pool_order "$r"); do
				pool_run "$w" "$v" "$r"
			done
		done
	done
	servers_stop
	POOL_DONE=1
}

# ---- part 3c: behind a PgBouncer that prepares statements itself ------------------------
#
# PgBouncer 1.25.2 (built by scripts/matrix-build.sh, cached) with max_prepared_statements =
# 200, transaction mode, the same pool, clients and scale as 3b: no shim -M prepared (the
# anchor: the pooler does the work) next to the shim with only LD_PRELOAD set and in auto
# mode, -M prepared. Target: the shim costs nothing there (>= 0.97x the anchor).
TRACK_WORKLOADS=(select tpcb)
TRACK_VARIANTS=(anchor default auto)
TRACK_DONE=0
TRACK_NOTE=""
TRACK_VERSION='?'

part3c() {
	local cache bouncer r w v i n
	if [[ ${BENCH_SKIP_E2E:-0} == 1 ]]; then
		TRACK_NOTE="skipped (BENCH_SKIP_E2E=1)"
		return
	fi
	cache=$("$root/scripts/matrix-build.sh" 2>>"$WORK/matrix-build.log" | tail -n 1)
	bouncer=$cache/pgbouncer125/bin/pgbouncer
	if [[ ! -x $bouncer ]]; then
		TRACK_NOTE="skipped: PgBouncer 1.25.2 could not be built (see $WORK/matrix-build.log)"
		say "$TRACK_NOTE"
		return
	fi
	# shellcheck source=tests/lib/servers.sh disable=SC1091
	source "$root/tests/lib/servers.sh"
	if ! servers_init || ! servers_start_pg ||
		! PQT_PGBOUNCER=$bouncer PQT_PGB_MPS=200 servers_start_pgbouncer track transaction "$POOL_SIZE"; then
		TRACK_NOTE="skipped: the servers did not start (see the messages above)"
		servers_stop
		return
	fi
	TRACK_VERSION=$("$bouncer" --version 2>/dev/null | head -n 1)
	POOL_DSN=$PQT_BOUNCER_TRACK_DSN
	POOL_KEY=p3c
	mkdir -p "$WORK/pool-errors" "$WORK/pool-stats"
	if ! "${CLEAN_ENV[@]}" "$PGBENCH" -i -s "$POOL_SCALE" -q >"$WORK/track-init.log" 2>&1; then
		TRACK_NOTE="skipped: pgbench -i failed (see $WORK/track-init.log)"
		servers_stop
		return
	fi
	SERVER_PIDS="$(head -n 1 "$PQT_PGDATA/postmaster.pid" 2>/dev/null) $(cat "$PQT_TMPDIR/bouncer-track/pgbouncer.pid" 2>/dev/null)"
	n=${#TRACK_VARIANTS[@]}
	say "behind $TRACK_VERSION (max_prepared_statements = 200): $POOL_ROUNDS round(s) of ${#TRACK_WORKLOADS[@]} workloads x $n variants x ${POOL_SECONDS} s"
	for ((r = 1; r <= POOL_ROUNDS; r++)); do
		say "  round $r/$POOL_ROUNDS"
		ROUND=$r
		for w in "${TRACK_WORKLOADS[@]}"; do
			for ((i = 0; i < n; i++)); do
				v=${TRACK_VARIANTS[(i + r - 1) % n]}
				pool_run "$w" "$v" "$r"
			done
		done
	done
	POOL_KEY=p3b
	servers_stop
	TRACK_DONE=1
}

# ---- run ----------------------------------------------------------------------------

SQL10K_BYTES=10240
INIT_SECONDS='?'
SERVER_VERSION='?'
LIBPQ_RUNTIME='?'
PGBOUNCER_VERSION='?'
RUN_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
GIT_DESC="$(git -C "$root" rev-parse --short HEAD 2>/dev/null)$(git -C "$root" diff --quiet HEAD -- shim include 2>/dev/null || echo ' + uncommitted changes in shim/ or include/')"
PARTS=" ${BENCH_PARTS:-1 2 3 3b 3c} "
P1_DONE=0 P2_DONE=0
if [[ $PARTS == *" 1 "* ]]; then
	part1
	part1_callgrind
	part1_tls
	P1_DONE=1
fi
if [[ $PARTS == *" 2 "* ]]; then
	part2
	P2_DONE=1
fi
if [[ $PARTS == *" 3 "* ]]; then part3; else E2E_NOTE="skipped (BENCH_PARTS)"; fi
if [[ $PARTS == *" 3b "* ]]; then part3b; else POOL_NOTE="skipped (BENCH_PARTS)"; fi
if [[ $PARTS == *" 3c "* ]]; then part3c; else TRACK_NOTE="skipped (BENCH_PARTS)"; fi
T_TOTAL=$(($(date +%s) - T_START))
for v in SQL10K_BYTES INIT_SECONDS SERVER_VERSION LIBPQ_RUNTIME PGBOUNCER_VERSION RUN_DATE GIT_DESC \
	E2E_DONE E2E_NOTE TLS_DONE CG_OK CG_PGBENCH T_TOTAL EXTRA_ROUNDS QUIET REPS ROUNDS SECONDS_E2E \
	QUICK P1_DONE P2_DONE POOL_DONE POOL_NOTE POOL_SECONDS POOL_ROUNDS POOL_INIT_SECONDS POOL_CHECK \
	POOL_SIZE POOL_CLIENTS POOL_SCALE TICK TRACK_DONE TRACK_NOTE TRACK_VERSION; do
	state "$v" "${!v}"
done

# ---- the report: bench/report.py (statistics and writing) -----------------------------

python3 "$root/bench/report.py" --work "$WORK" --out "$OUT" --root "$root"
exit 0
