#!/usr/bin/env bash
# bench/run.sh - every pqshim benchmark in one run; `make bench` calls it after
# building the shim and the drivers (build/bench/*). Prints the tables and
# writes bench/results.md. Benchmarks report, they never fail: the exit
# status is 0 unless the harness itself breaks (missing drivers).
#
#   1. per-call cost against a stub libpq (no server): percall, 1 and 8 threads,
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
#   4. the machine, versions and exact commands
#
# Timings on a shared machine are noisy: every A/B pair runs alternated inside
# this one run (A B, then B A, ...), and the tables give medians; "added" and
# ratios are medians of the per-round paired differences / ratios.
#
# Knobs (environment): BENCH_QUICK=1 (a short smoke run: fewer rounds, shorter
# runs; its numbers are not for results), BENCH_SKIP_E2E=1 (no servers),
# BENCH_SECONDS (pgbench / re-prepare run length, default 3), BENCH_ROUNDS
# (end-to-end rounds, default 8: many short alternated runs resist the bursts
# of other load better than a few long ones), BENCH_REPS (per-call
# repetitions, default 7), BENCH_PARTS (which parts to run, default "1 2 3 3b";
# BENCH_PARTS=3b runs the pooler section alone), BENCH_POOL_SECONDS and
# BENCH_POOL_ROUNDS (part 3b's run length and rounds, default 10 s x 3; with
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
RAW=$WORK/samples.tsv   # key <TAB> value, one line per measurement
CMDS=$WORK/commands.txt # the exact commands, first use of each
ERRLOG=$WORK/stderr.log # stderr of every run
STATE=$WORK/state.env   # what the report needs besides the samples
REPORT_ONLY=0
if [[ ${1:-} == --report ]]; then
	# write the report again from the last run's build/bench/run (after editing bench/analysis.md)
	REPORT_ONLY=1
	[[ -f $STATE ]] || {
		echo "bench: no earlier run in $WORK" >&2
		exit 2
	}
else
	rm -rf "$WORK"
	mkdir -p "$WORK"
	: >"$RAW"
	: >"$CMDS"
	: >"$ERRLOG"
fi
T_START=$(date +%s)

say() { printf 'bench: %s\n' "$*" >&2; }

# ---- numbers -----------------------------------------------------------------

add() { printf '%s\t%s\n' "$1" "$2" >>"$RAW"; }

# median of the samples of key $1 ("nan" when none)
med() {
	awk -F'\t' -v k="$1" '$1 == k && $2 ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ { print $2 }' "$RAW" |
		sort -g | awk '{ a[NR] = $1 } END { if (!NR) { print "nan"; exit }
			print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# the last sample of a key
last() { awk -F'\t' -v k="$1" '$1 == k { v = $2 } END { print (v == "" ? "nan" : v) }' "$RAW"; }

# "min-max" of the samples of key $1
range() {
	awk -F'\t' -v k="$1" '$1 == k && $2 ~ /^[0-9.]+$/ { if (n++ == 0 || $2 < lo) lo = $2; if ($2 > hi) hi = $2 }
		END { if (n) printf "%.2f-%.2f", lo, hi; else printf "n/a" }' "$RAW"
}

# f EXPR [DECIMALS]: evaluate an awk expression; "n/a" if it names a nan
f() {
	case $1 in *nan* | *inf*)
		echo "n/a"
		return
		;;
	esac
	awk "BEGIN { v = ($1); printf \"%.${2:-1}f\", v }"
}

# true when the awk condition holds (false for n/a)
holds() {
	case $1 in *nan* | *n/a*) return 1 ;; esac
	awk "BEGIN { exit !($1) }"
}

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

# ---- report ------------------------------------------------------------------

REPORT=$WORK/results.md
: >"$REPORT"
out() { printf '%s\n' "$*" >>"$REPORT"; }

declare -a TARGETS=() # "| target | measured | met |" rows

# "1.23x", or "n/a"
fx() {
	local v
	v=$(f "$1" 2)
	if [[ $v == n/a ]]; then echo n/a; else echo "${v}x"; fi
}

# tps-ratio target: on the quiet rounds when there are 3 or more, else on all rounds
e2e_target() { # name pair threshold
	local k=p3.$2.ratio_quiet which="quiet rounds"
	if (($(nsamples "$k") < 3)); then
		k=p3.$2.ratio
		which="all rounds (fewer than 3 quiet)"
	fi
	target "$1" "$(f "$(med "$k")" 3) on $which, n=$(nsamples "$k") [$(range "$k")]; all rounds $(f "$(med "p3.$2.ratio")" 3)" "$(med "$k") >= $3"
}

target() { # name, measured text, condition (awk)
	local verdict
	if holds "$3"; then verdict="**met**"; else verdict="**missed**"; fi
	case $2 in *n/a*) verdict="not measured" ;; esac
	TARGETS+=("| $1 | $2 | $verdict |")
}

# ---- part 1: per-call cost -----------------------------------------------------

CASES=(exec_prepared prepare_dup unnamed_exec async exec_short exec_10k deallocate exec_rr)
BRIEF_CASES=7 # the first 7 are the brief's; exec_rr goes beyond it
declare -A CASE_DESC=(
	[exec_prepared]="PQexecPrepared of a known name (dedupe)"
	[prepare_dup]="PQprepare of an identical duplicate (answered locally)"
	[unnamed_exec]="PQexecPrepared in unnamed mode (sent as PQexecParams)"
	[async]="PQsendQueryPrepared + PQgetResult x2"
	[exec_short]="PQexec of a short SELECT (lexer)"
	[exec_10k]="PQexec of a 10 KB SELECT (lexer)"
	[deallocate]="PQexec(\"DEALLOCATE x\"), x unknown to the shim"
	[exec_rr]="PQexecPrepared on 16 connections per thread in turn"
)
declare -A CASE_CALLS=(
	[exec_prepared]=2000000 [prepare_dup]=2000000 [unnamed_exec]=2000000 [async]=2000000
	[exec_short]=1000000 [exec_10k]=50000 [deallocate]=1000000 [exec_rr]=1000000
)
case_mode() { if [[ $1 == unnamed_exec ]]; then echo unnamed; else echo dedupe; fi; }

part1() {
	local rep c t v line calls
	say "per-call cost: ${#CASES[@]} cases x 1 and 8 threads x without/with, $REPS rounds"
	for ((rep = 1; rep <= REPS; rep++)); do
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
				# the paired difference of this round
				local a b
				a=$(awk -F'\t' -v k="p1.$c.$t.with.cpu" '$1 == k { v = $2 } END { print v }' "$RAW")
				b=$(awk -F'\t' -v k="p1.$c.$t.without.cpu" '$1 == k { v = $2 } END { print v }' "$RAW")
				[[ -n $a && -n $b ]] && add "p1.$c.$t.added" "$(f "$a - $b" 3)"
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
		order="without with tlsie"
		((rep % 2)) || order="tlsie with without"
		for v in $order; do
			line=$(run "$v" dedupe "$BB/percall" --case exec_prepared --calls $((2000000 / SCALE_DIV)) | grep '^RESULT')
			[[ -n $line ]] && add "px.$v" "$(field cpu_ns <<<"$line")"
		done
		add "px.with.added" "$(f "$(last px.with) - $(last px.without)" 3)"
		add "px.tlsie.added" "$(f "$(last px.tlsie) - $(last px.without)" 3)"
	done
	if ((CG_OK)); then
		cg_run tlsie exec_prepared 20000 "$WORK/callgrind.exec_prepared.tlsie.out"
		add "cg.exec_prepared.tlsie" "$(f "$(cg_total "$WORK/callgrind.exec_prepared.tlsie.out") / 20000" 1)"
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

cg_total() { # file -> total Ir
	callgrind_annotate --show-percs=no "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }'
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
			add "cg.$c.$v" "$(f "$(cg_total "$file") / $n" 1)"
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
declare -A SCALE_DESC=(
	[s1]="1 statement, 1 connection"
	[s1000]="1,000 statements, names in turn"
	[s100000]="100,000 statements, names in turn (cache-cold)"
	[s100000hot]="100,000 statements, one name (cache-hot)"
	[c1000]="1,000 connections, calls on one"
	[c1000rr]="1,000 connections, round robin"
)
declare -A SCALE_CALLS=([s1]=1000000 [s1000]=1000000 [s100000]=500000 [s100000hot]=1000000
	[c1000]=1000000 [c1000rr]=1000000)

part2() {
	local rep k v line
	say "scaling: lookup cost (${#SCALE_CFGS[@]} configurations x without/with, $((REPS > 5 ? 5 : REPS)) rounds)"
	for ((rep = 1; rep <= (REPS > 5 ? 5 : REPS); rep++)); do
		for k in "${SCALE_CFGS[@]}"; do
			for v in $(pair_order "$rep"); do
				# shellcheck disable=SC2086 # word splitting of the arguments is intended
				line=$(run "$v" dedupe "$BB/scale" lookup ${SCALE_ARGS[$k]} \
					--calls $((SCALE_CALLS[$k] / SCALE_DIV)) | grep '^RESULT')
				[[ -n $line ]] && add "p2.$k.$v" "$(field cpu_ns <<<"$line")"
			done
			local a b
			a=$(awk -F'\t' -v k="p2.$k.with" '$1 == k { v = $2 } END { print v }' "$RAW")
			b=$(awk -F'\t' -v k="p2.$k.without" '$1 == k { v = $2 } END { print v }' "$RAW")
			[[ -n $a && -n $b ]] && add "p2.$k.added" "$(f "$a - $b" 3)"
		done
	done

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
				awk -v k="$k.$v" '/PROGRAM TOTALS/ { gsub(",", ""); printf "cgs.%s.ir\t%.1f\ncgs.%s.d1\t%.2f\n", k, $1 / 100000, k, ($2 + $3) / 100000; exit }' >>"$RAW"
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
	if [[ -n $tx && $tx -gt 0 ]]; then
		cu=$(awk '{ print $1 + $2 }' "$tf" 2>/dev/null)
		[[ -n $cu ]] && add "$key.cpu_client" "$(f "$cu * 1e6 / $tx" 2)"
		add "$key.cpu_server" "$(f "($s1 - $s0) / $TICK * 1e6 / $tx" 2)"
		# the share of the machine's CPU time that went to other processes meanwhile
		if [[ -n $cu ]]; then
			local other
			other=$(f "(${m1% *} - ${m0% *} - ($s1 - $s0) - $cu * $TICK) / (${m1#* } - ${m0#* })" 3)
			add "p3.other_share" "$other"
			add "$key.other" "$other"
		fi
	fi
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
nsamples() { awk -F'\t' -v k="$1" '$1 == k { n++ } END { print n + 0 }' "$RAW"; }

pair_ratio() { # name keyA keyB: adds p3.<name>.ratio, and .ratio_quiet when quiet
	local r
	r=$(f "$(last "$2.tps") / $(last "$3.tps")" 4)
	add "p3.$1.ratio" "$r"
	if holds "$(last "$2.other") <= $QUIET && $(last "$3.other") <= $QUIET"; then
		add "p3.$1.ratio_quiet" "$r"
	fi
}

pair_unix() { # round
	local v
	for v in $(pair_order "$1"); do
		pgbench_run "p3.unix.$v" "$v" dedupe -M prepared "${E2E_PG[@]}"
	done
	pair_ratio unix p3.unix.with p3.unix.without
}

pair_bouncer() { # round [simple]: the simple-protocol reference run too
	local v order=(shim extended)
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
	pair_ratio bouncer p3.bouncer.shim p3.bouncer.extended
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
		a=$(awk '/^totals:/ { print $2 }' "$WORK/callgrind.pgbench.$v.1000.out")
		b=$(awk '/^totals:/ { print $2 }' "$WORK/callgrind.pgbench.$v.4000.out")
		[[ -n $a && -n $b ]] && add "cgp.$v" "$(f "($b - $a) / 3000" 0)"
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
		for v in $(pair_order "$r"); do
			if [[ $v == with ]]; then
				reprepare_run p3.reprepare.with with --seconds "$S" "$unix_dsn"
			else
				reprepare_run p3.reprepare.without without --seconds "$S" --deallocate "$unix_dsn"
			fi
		done
		add "p3.reprepare.ratio" "$(f "$(last p3.reprepare.with) / $(last p3.reprepare.without)" 4)"
	done
	# Extra pairs while fewer than 5 of them ran quiet, within the time budget (the
	# pgbench callgrind runs after this need about 20 s).
	local nextra=0 qu qb
	while ((!QUICK && nextra < 12)); do
		qu=$(nsamples p3.unix.ratio_quiet)
		qb=$(nsamples p3.bouncer.ratio_quiet)
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
declare -A POOL_DESC=([select]="select-only (\`-b select-only\`)" [tpcb]="TPC-B (\`-b tpcb-like\`)"
	[plan]="plan-heavy (\`-f bench/plan_heavy.sql\`)"
	[block]="plan-heavy in a transaction block (\`-f bench/plan_heavy_block.sql\`)")
declare -A POOL_SHORT=([select]=select-only [tpcb]=TPC-B [plan]=plan-heavy [block]=plan-heavy-block)
declare -A POOL_VDESC=([extended]="no shim, \`-M extended\`" [unnamed]="shim unnamed, \`-M prepared\`"
	[pooled]="shim pooled, \`-M prepared\`")
POOL_DONE=0
POOL_NOTE=""
POOL_INIT_SECONDS='?'
POOL_CHECK="" # what the plan_heavy.sql check saw: executions= min= max= mean= zero=

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

# sum of the samples of key $1
sumk() { awk -F'\t' -v k="$1" '$1 == k && $2 ~ /^[0-9.]+$/ { s += $2 } END { print s + 0 }' "$RAW"; }

# "min-max" of the samples of key $1, no decimals
range0() {
	awk -F'\t' -v k="$1" '$1 == k && $2 ~ /^[0-9.]+$/ { if (n++ == 0 || $2 < lo) lo = $2; if ($2 > hi) hi = $2 }
		END { if (n) printf "%.0f-%.0f", lo, hi; else printf "n/a" }' "$RAW"
}

# pool_run WORKLOAD VARIANT ROUND: one pgbench run through the pooler. Adds p3b.<w>.<v>.tps,
# .failed (pgbench's "number of failed transactions"), .aborted (1 when pgbench exited
# non-zero: clients aborted, or the timeout hit), .errlines (lines on stderr), .cpu (client and
# servers, µs per transaction) and .other (share of the machine's CPU other processes took).
# Its stderr goes to pool-errors/<w>.<v>.r<round>.txt (and stderr.log), and is shown.
pool_run() {
	local w=$1 v=$2 r=$3 key=p3b.$1.$2 variant=with mode=$2 m=prepared tf=$WORK/time.txt
	local o rc tps tx failed cu s0 s1 m0 m1 nerr sf other what="${POOL_SHORT[$1]}, $2 (round $3)"
	local errf=$WORK/pool-errors/$w.$v.r$r.txt all_err=$ERRLOG
	local ERRLOG=$errf # run() appends the command's stderr to $ERRLOG
	local -a args timer=()
	mapfile -t args < <(pool_args "$w")
	[[ $v == extended ]] && variant=without mode=dedupe m=extended
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
	if [[ -n $tx && $tx -gt 0 ]]; then
		cu=$(tail -n 1 "$tf" 2>/dev/null | awk 'NF == 2 { print $1 + $2 }')
		if [[ -n $cu ]]; then
			add "$key.cpu" "$(f "($cu + ($s1 - $s0) / $TICK) * 1e6 / $tx" 2)"
			other=$(f "(${m1% *} - ${m0% *} - ($s1 - $s0) - $cu * $TICK) / (${m1#* } - ${m0#* })" 3)
			add "$key.other" "$other"
			add p3b.other_share "$other"
		fi
	fi
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
		order="extended prepared"
		((r == 2)) && order="prepared extended"
		for v in $order; do
			o=$(run without dedupe "$PGBENCH" -n -M "$v" -f "$root/bench/plan_heavy.sql" -s "$POOL_SCALE" -c 1 -j 1 -T "$ref_s" "$PQT_PG_DSN")
			tps=$(printf '%s\n' "$o" | sed -n 's/^tps = \([0-9.]*\) (without initial connection time).*/\1/p' | head -n 1)
			[[ -z $tps ]] && say "pooler: the plan-heavy reference run (-M $v) gave no tps (see $ERRLOG)"
			add "p3b.ref.$v" "${tps:-nan}"
		done
		tps=$(f "$(last p3b.ref.prepared) / $(last p3b.ref.extended)" 4)
		[[ $tps != n/a ]] && add p3b.ref.ratio "$tps"
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
		for w in "${POOL_WORKLOADS[@]}"; do
			for v in $(pool_order "$r"); do
				pool_run "$w" "$v" "$r"
			done
			v=$(f "$(last "p3b.$w.pooled.tps") / $(last "p3b.$w.unnamed.tps")" 4)
			[[ $v != n/a ]] && add "p3b.$w.pu" "$v"
			v=$(f "$(last "p3b.$w.pooled.tps") / $(last "p3b.$w.extended.tps")" 4)
			[[ $v != n/a ]] && add "p3b.$w.pe" "$v"
		done
	done
	servers_stop
	POOL_DONE=1
}

# ---- run ----------------------------------------------------------------------------

SQL10K_BYTES=10240
INIT_SECONDS='?'
SERVER_VERSION='?'
LIBPQ_RUNTIME='?'
PGBOUNCER_VERSION='?'
RUN_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
GIT_DESC="$(git -C "$root" rev-parse --short HEAD 2>/dev/null)$(git -C "$root" diff --quiet HEAD -- shim include 2>/dev/null || echo ' + uncommitted changes in shim/ or include/')"
PARTS=" ${BENCH_PARTS:-1 2 3 3b} "
((REPORT_ONLY)) && PARTS=""
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
T_TOTAL=$(($(date +%s) - T_START))
if ((REPORT_ONLY)); then
	P1_DONE=1 P2_DONE=1 # a state file older than these flags
	# shellcheck source=/dev/null
	source "$STATE"
else
	declare -p SQL10K_BYTES INIT_SECONDS SERVER_VERSION LIBPQ_RUNTIME PGBOUNCER_VERSION RUN_DATE \
		GIT_DESC E2E_DONE E2E_NOTE TLS_DONE CG_OK CG_PGBENCH T_TOTAL EXTRA_ROUNDS QUIET REPS ROUNDS SECONDS_E2E QUICK \
		P1_DONE P2_DONE POOL_DONE POOL_NOTE POOL_SECONDS POOL_ROUNDS POOL_INIT_SECONDS POOL_CHECK |
		sed 's/^declare -[-a-zA-Z]* //' >"$STATE"
fi

# ---- write the report -----------------------------------------------------------------

mem_val() { field "$2" 2>/dev/null <"$WORK/$1"; }

# The report in pieces, one per part; write_report (below) puts them together.
report_head() {
	out "# pqshim benchmarks"
	out ""
	out "Written by \`make bench\` (bench/run.sh) on $RUN_DATE, in ${T_TOTAL} s (pqshim $GIT_DESC)."
	((QUICK)) && out "" && out "**BENCH_QUICK=1: a short smoke run; these numbers are not results.**"
	out "Every A/B pair ran alternated in this one run (A B, then B A, ...); the tables give medians,"
	out "and \"added\" and ratios are medians of the per-round paired differences and ratios."
	out "The machine is a shared 2-core VM: wall-clock numbers move with whatever else runs on it."
	out ""
}

report_part1() {
	# -- part 1
	out "## 1. Per-call cost, no server (stub libpq)"
	out ""
	out "\`build/bench/percall\` linked against the stub \`build/bench/libpq.so.5\` (bench/stub_libpq.c: every"
	out "call answers a canned result at once, and like libpq its PQexec* call PQgetResult through the PLT,"
	out "so the shim's pass-through of libpq's inner calls is paid too). Without the shim and with"
	out "\`LD_PRELOAD=build/libpqshim.so\` (whose \`dlsym(RTLD_NEXT)\` then finds the stub). ns = CPU time per"
	out "call (CLOCK_THREAD_CPUTIME_ID, summed over threads, divided by calls; unaffected by other"
	out "processes taking turns on the CPUs), median of $REPS rounds; 8 threads each with their own"
	out "connection, the same total number of calls. The unnamed case runs with PQSHIM_MODE=unnamed."
	out "The last row goes beyond the brief: each thread uses 16 connections in turn."
	out ""
	out "| call | 1 thread: without | with | added | 8 threads: without | with | added | 8T/1T added |"
	out "|---|---:|---:|---:|---:|---:|---:|---:|"
	for c in "${CASES[@]}"; do
		local row="| ${CASE_DESC[$c]} "
		for t in 1 8; do
			row+="| $(f "$(med "p1.$c.$t.without.cpu")") | $(f "$(med "p1.$c.$t.with.cpu")") | **$(f "$(med "p1.$c.$t.added")")** "
		done
		row+="| $(f "$(med "p1.$c.8.added") / $(med "p1.$c.1.added")" 2) |"
		out "$row"
	done
	out ""
	local bad vc
	bad=$(awk -F'\t' '$1 ~ /^p1\..*\.bad$/ { s += $2 } END { print s + 0 }' "$RAW")
	vc=$(awk -F'\t' '$1 ~ /^p1\..*\.8\.with\.vcsw$/ && $1 !~ /exec_rr/ { s += $2; n++ } END { printf "%.0f", n ? s / n : 0 }' "$RAW")
	out "Results checked on every call: $bad unexpected. With 8 threads and one connection each, the"
	out "threads blocked (voluntary context switches during the timed calls, a thread waiting for a"
	out "lock) $vc times per run on average, over the first seven calls; with 16 connections per thread"
	out "(exec_rr) $(f "$(med p1.exec_rr.8.with.vcsw)" 0) times per run with the shim, $(f "$(med p1.exec_rr.8.without.vcsw)" 0) without."
	out "The 10 KB text is $SQL10K_BYTES bytes: $(f "$(med "p1.exec_10k.1.added") / $SQL10K_BYTES" 2) ns per byte for the lexer."
	out ""
	out "<details><summary>Wall-clock view (8 threads: wall time x min(threads, CPUs) / calls; inflated when other processes run)</summary>"
	out ""
	out "| call | 1T without | 1T with | 8T without | 8T with |"
	out "|---|---:|---:|---:|---:|"
	for c in "${CASES[@]}"; do
		out "| $c | $(f "$(med "p1.$c.1.without.wall")") | $(f "$(med "p1.$c.1.with.wall")") | $(f "$(med "p1.$c.8.without.wall")") | $(f "$(med "p1.$c.8.with.wall")") |"
	done
	out ""
	out "</details>"
	out ""

	if ((CG_OK)); then
		out "### Instructions per call (valgrind --tool=callgrind, exact, no noise)"
		out ""
		out "Counted inside the timed loop only (\`--toggle-collect=timed_calls\`), the driver's loop and the"
		out "stub included in both columns, so the difference is the shim's."
		out ""
		out "| call | without | with | added by the shim |"
		out "|---|---:|---:|---:|"
		for c in "${CASES[@]}"; do
			a=$(med "cg.$c.without")
			b=$(med "cg.$c.with")
			out "| $c | $(f "$a" 0) | $(f "$b" 0) | **$(f "$b - $a" 0)** |"
		done
		out ""
		for c in exec_prepared exec_rr deallocate exec_10k; do
			out "#### Where the instructions go: $c, with the shim (per call)"
			out ""
			out "| function | object | calls | self instructions |"
			out "|---|---|---:|---:|"
			awk -F'\t' '$1 >= 0.5 { printf "| %s | %s | %.2f | %.0f |\n", $3, $4, $2, $1 }' \
				"$WORK/functions.$c.with.tsv" | head -n 18 >>"$REPORT"
			out ""
		done
	fi

	if ((TLS_DONE)); then
		out "### Experiment: the same sources built with \`-ftls-model=initial-exec\`"
		out ""
		out "\`make bench-tls-ie\` builds build/bench/tls-ie/libpqshim.so from the same sources with only that"
		out "flag added (a preloaded library may use the initial-exec TLS model). PQexecPrepared, 1 thread,"
		out "$REPS alternated rounds:"
		out ""
		out "| shim | ns/call | added | instructions added |"
		out "|---|---:|---:|---:|"
		out "| none | $(f "$(med px.without)") | | |"
		out "| as built by \`make\` | $(f "$(med px.with)") | $(f "$(med px.with.added)") | $(f "$(med cg.exec_prepared.with) - $(med cg.exec_prepared.without)" 0) |"
		out "| \`-ftls-model=initial-exec\` | $(f "$(med px.tlsie)") | $(f "$(med px.tlsie.added)") | $(f "$(med cg.exec_prepared.tlsie) - $(med cg.exec_prepared.without)" 0) |"
		out ""
	fi
}

report_part2() {
	# -- part 2
	out "## 2. Scaling (stub libpq)"
	out ""
	out "\`build/bench/scale lookup\`: PQexecPrepared of a known name with N statements prepared on the"
	out "connection, or with 1,000 connections open; ns = CPU time per call (single thread), median of"
	out "$((REPS > 5 ? 5 : REPS)) alternated rounds. Names are visited in a scattered order, each once per round."
	out ""
	out "| configuration | without | with | added | added vs 1 statement |"
	out "|---|---:|---:|---:|---:|"
	base=$(med "p2.s1.added") # write_report's, for the targets
	for k in "${SCALE_CFGS[@]}"; do
		out "| ${SCALE_DESC[$k]} | $(f "$(med "p2.$k.without")") | $(f "$(med "p2.$k.with")") | **$(f "$(med "p2.$k.added")")** | $(f "$(med "p2.$k.added") / $base" 2)x |"
	done
	out ""
	if ((CG_OK)); then
		out "Per lookup, counted by callgrind (\`--cache-sim=yes\`, 100,000 calls, inside the loop only):"
		out ""
		out "| configuration | instructions without | with | L1d misses without | with |"
		out "|---|---:|---:|---:|---:|"
		for k in s1 s100000; do
			out "| ${SCALE_DESC[$k]} | $(f "$(med "cgs.$k.without.ir")" 0) | $(f "$(med "cgs.$k.with.ir")" 0) | $(f "$(med "cgs.$k.without.d1")" 2) | $(f "$(med "cgs.$k.with.d1")" 2) |"
		done
		out ""
	fi

	local hs ht hw n per_stmt per_text hc hcw per_conn # over: write_report's, for the targets
	n=100000
	hw=$(mem_val mem.stmts.with.txt heap_bytes)
	hs=$(mem_val mem.stmts.without.txt heap_bytes)
	ht=$(mem_val mem.stmts.with.txt text_bytes)
	per_stmt=$(f "(${hw:-nan} - ${hs:-nan}) / $n" 1)
	per_text=$(f "${ht:-nan} / $n" 1)
	over=$(f "(${hw:-nan} - ${hs:-nan} - ${ht:-nan}) / $n" 1)
	local hw1 hs1 ht1 over1
	hw1=$(mem_val mem.stmts1000.with.txt heap_bytes)
	hs1=$(mem_val mem.stmts1000.without.txt heap_bytes)
	ht1=$(mem_val mem.stmts1000.with.txt text_bytes)
	over1=$(f "(${hw1:-nan} - ${hs1:-nan} - ${ht1:-nan}) / 1000" 1)
	hc=$(mem_val mem.conns.without.txt heap_bytes)
	hcw=$(mem_val mem.conns.with.txt heap_bytes)
	per_conn=$(f "(${hcw:-nan} - ${hc:-nan}) / 1000" 1)
	out "Heap (\`build/bench/scale mem\`: mallinfo2() uordblks + hblkhd before and after, so malloc's"
	out "chunk headers and the hash tables' bucket arrays count; names \"s0\"..., queries \"SELECT \$1::int + i\"):"
	out ""
	out "| | 1,000 statements | 100,000 statements |"
	out "|---|---:|---:|"
	out "| heap bytes per statement (with - without) | $(f "(${hw1:-nan} - ${hs1:-nan}) / 1000" 1) | $per_stmt |"
	out "| of which the name and query text themselves (strlen) | $(f "${ht1:-nan} / 1000" 1) | $per_text |"
	out "| **overhead per statement** | **$over1** | **$over** |"
	out ""
	out "Blocks the shim keeps per 100,000 statements (net live blocks by usable size; a block costs"
	out "usable + 8 bytes of chunk header):"
	out ""
	out "| usable bytes | blocks | bytes per statement (with header) |"
	out "|---:|---:|---:|"
	sed -n 's/^SIZE usable=\([0-9]*\) count=\([0-9]*\)/\1 \2/p' "$WORK/mem.stmts.with.txt" |
		awk -v n=$n '{ printf "| %d | %d | %.1f |\n", $1, $2, ($1 + 8) * $2 / n }' >>"$REPORT"
	out ""
	out "Per connection: **$per_conn bytes** (1,000 connections; with - without, the stub's own PGconn"
	out "subtracted). Blocks the shim adds per 1,000 connections:"
	out ""
	out "| usable bytes | blocks |"
	out "|---:|---:|"
	# blocks of the with-run that the without-run does not have
	awk 'NR == FNR { if (/^SIZE/) { split($2, u, "="); split($3, c, "="); base[u[2]] = c[2] } next }
		/^SIZE/ { split($2, u, "="); split($3, c, "="); d = c[2] - base[u[2]]; if (d > 0) printf "| %d | %d |\n", u[2], d }' \
		"$WORK/mem.conns.without.txt" "$WORK/mem.conns.with.txt" >>"$REPORT"
	out ""
}

report_part3() {
	# -- part 3
	out "## 3. End to end: PostgreSQL 15, PgBouncer 1.18 (transaction mode, pool size 2)"
	out ""
	if ((!E2E_DONE)); then
		out "Not run: $E2E_NOTE."
		out ""
	else
		out "pgbench scale 10 (\`pgbench -i -s 10\`, ${INIT_SECONDS} s), $ROUNDS alternated rounds of ${SECONDS_E2E} s runs,"
		out "then $EXTRA_ROUNDS extra rounds of the two pairs below while fewer than 5 of their rounds were quiet;"
		out "all runs \`-n -S -c 8 -j 2 -T $SECONDS_E2E\`. tps excludes connection time. Medians; ratio = median of the"
		out "per-round ratios (their range in brackets). While pgbench ran, processes other than this"
		out "benchmark's client and servers used a median $(f "$(med p3.other_share) * 100" 0)% of the machine's CPU time (up to"
		out "$(awk -F'\t' '$1 == "p3.other_share" && $2 > m { m = $2 } END { printf "%.0f", m * 100 }' "$RAW")%; from /proc/stat): that is the noise these ratios carry. A round is *quiet*"
		out "when other processes used at most $(f "$QUIET * 100" 0)% during both runs of its pair."
		out ""
		out "| workload | A | B | A tps | B tps | ratio A/B, all rounds | quiet rounds |"
		out "|---|---|---|---:|---:|---:|---:|"
		out "| unix socket, \`-M prepared\` | shim (dedupe) | no shim | $(f "$(med p3.unix.with.tps)") | $(f "$(med p3.unix.without.tps)") | $(f "$(med p3.unix.ratio)" 3) [$(range p3.unix.ratio)] n=$(nsamples p3.unix.ratio) | **$(f "$(med p3.unix.ratio_quiet)" 3)** [$(range p3.unix.ratio_quiet)] n=$(nsamples p3.unix.ratio_quiet) |"
		out "| PgBouncer tx | shim (unnamed), \`-M prepared\` | no shim, \`-M extended\` | $(f "$(med p3.bouncer.shim.tps)") | $(f "$(med p3.bouncer.extended.tps)") | $(f "$(med p3.bouncer.ratio)" 3) [$(range p3.bouncer.ratio)] n=$(nsamples p3.bouncer.ratio) | **$(f "$(med p3.bouncer.ratio_quiet)" 3)** [$(range p3.bouncer.ratio_quiet)] n=$(nsamples p3.bouncer.ratio_quiet) |"
		out "| PgBouncer tx (reference) | no shim, \`-M simple\` | no shim, \`-M extended\` | $(f "$(med p3.bouncer.simple.tps)") | $(f "$(med p3.bouncer.extended.tps)") | $(f "$(med p3.bouncer.simple.tps) / $(med p3.bouncer.extended.tps)" 3) | |"
		out ""
		out "CPU time per transaction, which other load on the machine does not inflate the way it"
		out "moves tps: the client (pgbench, from \`/usr/bin/time\`) and the servers (the postmaster with"
		out "all its children, exited ones included, and PgBouncer, from /proc). On a machine where"
		out "client and servers share the CPUs, tps follows 1 / total, so no-shim total / shim total is"
		out "the tps ratio the CPU cost predicts."
		out ""
		out "| run | client µs/tx | servers µs/tx | total µs/tx |"
		out "|---|---:|---:|---:|"
		local k
		for k in unix.without unix.with bouncer.extended bouncer.shim bouncer.simple; do
			out "| $k | $(f "$(med "p3.$k.cpu_client")" 2) | $(f "$(med "p3.$k.cpu_server")" 2) | $(f "$(med "p3.$k.cpu_client") + $(med "p3.$k.cpu_server")" 2) |"
		done
		CPU_RATIO_UNIX=$(f "($(med p3.unix.without.cpu_client) + $(med p3.unix.without.cpu_server)) / ($(med p3.unix.with.cpu_client) + $(med p3.unix.with.cpu_server))" 3)
		CPU_RATIO_BOUNCER=$(f "($(med p3.bouncer.extended.cpu_client) + $(med p3.bouncer.extended.cpu_server)) / ($(med p3.bouncer.shim.cpu_client) + $(med p3.bouncer.shim.cpu_server))" 3)
		out ""
		out "Predicted by CPU: unix socket shim/no shim **$CPU_RATIO_UNIX**; PgBouncer shim (unnamed) / -M extended **$CPU_RATIO_BOUNCER**."
		out ""
		if ((CG_PGBENCH)); then
			out "pgbench's own instructions per transaction (callgrind, one client, \`-t 4000\` minus \`-t 1000\`,"
			out "user space only: the client's libpq, the shim and pgbench; exact, no noise):"
			out ""
			out "| workload | without the shim | with | added by the shim |"
			out "|---|---:|---:|---:|"
			out "| unix socket, \`-M prepared\` (dedupe) | $(f "$(med cgp.unix.without)" 0) | $(f "$(med cgp.unix.with)" 0) | **$(f "$(med cgp.unix.with) - $(med cgp.unix.without)" 0)** |"
			out "| PgBouncer: \`-M extended\` / shim unnamed \`-M prepared\` | $(f "$(med cgp.bouncer.extended)" 0) | $(f "$(med cgp.bouncer.shim)" 0) | **$(f "$(med cgp.bouncer.shim) - $(med cgp.bouncer.extended)" 0)** |"
			out ""
			out "Where the added instructions go (unix socket, per transaction; functions whose count"
			out "changed by 5 or more; stripped binaries show addresses):"
			out ""
			out "| function | object | calls with | instructions without | with | added |"
			out "|---|---|---:|---:|---:|---:|"
			join -t$'\t' -a 1 -a 2 -e 0 -o 0,1.2,1.3,2.2 \
				<(sort -t$'\t' -k1,1 "$WORK/pgbench-functions.unix.with.tsv") \
				<(sort -t$'\t' -k1,1 "$WORK/pgbench-functions.unix.without.tsv") |
				awk -F'\t' '{ d = $2 - $4; if (d >= 5 || d <= -5) { split($1, p, "@"); printf "%.1f\t| %s | %s | %.2f | %.0f | %.0f | %.0f |\n", d, p[1], p[2], $3, $4, $2, d } }' |
				sort -t$'\t' -k1,1 -gr | cut -f2- | head -n 16 >>"$REPORT"
			out ""
		fi
		local e_with e_without broken
		e_with=$(awk -F'\t' '$1 == "p3.reprepare.with.errors" { s += $2 } END { print s + 0 }' "$RAW")
		e_without=$(awk -F'\t' '$1 == "p3.reprepare.without.errors" { s += $2 } END { print s + 0 }' "$RAW")
		broken=$(grep '^RESULT' "$WORK/reprepare-broken.txt" 2>/dev/null)
		out "Re-prepare client (\`build/bench/reprepare\`, one connection over the unix socket; each request"
		out "prepares the same statement and executes it):"
		out ""
		out "| client | requests/s | errors |"
		out "|---|---:|---:|"
		out "| with the shim: prepare (answered locally) + exec | $(f "$(med p3.reprepare.with)") | $e_with |"
		out "| without: prepare + exec + \`DEALLOCATE\` | $(f "$(med p3.reprepare.without)") | $e_without |"
		out "| **speedup** | **$(f "$(med p3.reprepare.ratio)" 2)x** | |"
		out ""
		out "Without the shim and without DEALLOCATE the same client fails: $(field requests <<<"$broken") requests in"
		out "0.5 s, $(field errors <<<"$broken") errors (first: SQLSTATE $(field first_error <<<"$broken"))."
		out ""
	fi
}

# PQSHIM_STATS_FILE of workload $1's pooled run in round $2: "key<TAB>value" lines, in the
# order the shim wrote them, numbers summed over the processes that wrote a file, other
# values listed; the first line is "files<TAB>N". Nothing when no file appeared.
pool_stats() {
	local -a files=("$WORK/pool-stats/r$2/$1".*.json)
	[[ -e ${files[0]} ]] || return 0
	printf 'files\t%s\n' "${#files[@]}"
	cat -- "${files[@]}" | awk '{ t = t " " $0 } END {
		while (match(t, /"[^"]*"[ \t]*:[ \t]*("[^"]*"|-?[0-9][0-9.eE+-]*|true|false|null)/)) {
			p = substr(t, RSTART, RLENGTH); t = substr(t, RSTART + RLENGTH)
			k = p; sub(/"[ \t]*:.*/, "", k); k = substr(k, 2)
			v = p; sub(/^"[^"]*"[ \t]*:[ \t]*/, "", v)
			if (k == "pid") continue
			if (!(k in seen)) { seen[k] = 1; o[++n] = k }
			if (v ~ /^-?[0-9]/ && !(k in txt)) num[k] += v
			else if (index(" " txt[k] " ", " " v " ") == 0) txt[k] = (txt[k] == "" ? v : txt[k] " " v)
		}
		for (i = 1; i <= n; i++) { k = o[i]; printf "%s\t%s\n", k, (k in txt) ? txt[k] : num[k] } }'
}

report_part3b() {
	local w v k ab
	out "## 3b. Behind a transaction pooler: PgBouncer 1.18 (transaction mode, pool size $POOL_SIZE), $POOL_CLIENTS clients"
	out ""
	if ((!POOL_DONE)); then
		out "Not run: $POOL_NOTE."
		out ""
		return
	fi
	out "pgbench scale $POOL_SCALE (\`pgbench -i -s $POOL_SCALE -q\` directly against PostgreSQL, ${POOL_INIT_SECONDS} s), every run"
	out "\`-n -c $POOL_CLIENTS -j $POOL_CLIENTS -T $POOL_SECONDS\` through PgBouncer in transaction mode with $POOL_SIZE server connections"
	out "(fewer than the clients: server connections are shared). $POOL_ROUNDS round(s); in each, every workload runs"
	out "under the three variants in turn, their order rotated each round (ABC, BCA, CAB). Before every run,"
	out "directly against PostgreSQL, \`VACUUM pgbench_branches, pgbench_tellers; TRUNCATE pgbench_history\`"
	out "(pgbench's own vacuum step). tps excludes connection time; medians [min-max]; the ratios are"
	out "medians of the per-round ratios. Variants: **extended** = no shim, \`-M extended\`; **unnamed** ="
	out "\`LD_PRELOAD=build/libpqshim.so PQSHIM_MODE=unnamed\`, \`-M prepared\`; **pooled** = the same with"
	out "\`PQSHIM_MODE=pooled\`. Target: pooled at least 1.3x unnamed on select-only, ahead of it on TPC-B"
	out "and the plan-heavy script."
	out ""
	out "| workload | extended tps | unnamed tps | pooled tps | pooled / unnamed | pooled / extended |"
	out "|---|---:|---:|---:|---:|---:|"
	for w in "${POOL_WORKLOADS[@]}"; do
		local row="| ${POOL_DESC[$w]} "
		for v in "${POOL_VARIANTS[@]}"; do
			row+="| $(f "$(med "p3b.$w.$v.tps")" 0) [$(range0 "p3b.$w.$v.tps")]"
			ab=$(sumk "p3b.$w.$v.aborted")
			((ab)) && row+=" ($ab aborted)"
			row+=" "
		done
		row+="| **$(f "$(med "p3b.$w.pu")" 3)** [$(range "p3b.$w.pu")] "
		row+="| **$(f "$(med "p3b.$w.pe")" 3)** [$(range "p3b.$w.pe")] |"
		out "$row"
	done
	out ""
	out "Per cell, over its $POOL_ROUNDS run(s): failed transactions (pgbench's \"number of failed transactions\","
	out "summed), runs pgbench ended with a non-zero status (clients aborted, or the timeout), lines the runs"
	out "wrote to stderr, and CPU time per transaction of pgbench and of the servers (postmaster and"
	out "children, PgBouncer), median:"
	out ""
	out "| workload | variant | failed transactions | runs aborted | stderr lines | CPU µs/tx |"
	out "|---|---|---:|---:|---:|---:|"
	for w in "${POOL_WORKLOADS[@]}"; do
		for v in "${POOL_VARIANTS[@]}"; do
			out "| ${POOL_SHORT[$w]} | $v: ${POOL_VDESC[$v]} | $(sumk "p3b.$w.$v.failed") | $(sumk "p3b.$w.$v.aborted") | $(sumk "p3b.$w.$v.errlines") | $(f "$(med "p3b.$w.$v.cpu")" 1) |"
		done
	done
	out ""
	out "While pgbench ran, processes other than this benchmark's client and servers used a median"
	out "$(f "$(med p3b.other_share) * 100" 0)% of the machine's CPU time (up to $(awk -F'\t' '$1 == "p3b.other_share" && $2 > m { m = $2 } END { printf "%.0f", m * 100 }' "$RAW")%; from /proc/stat)."
	out ""
	out "\`bench/plan_heavy.sql\` (one SELECT joining pgbench_accounts, pgbench_branches and pgbench_tellers"
	out "on keys, a range and balance conditions; index lookups and one-page tables), checked directly"
	out "against PostgreSQL with its SELECT wrapped in \`count(*)\`: $(field executions <<<" $POOL_CHECK") executions, $(field min <<<" $POOL_CHECK")-$(field max <<<" $POOL_CHECK") rows each"
	out "(mean $(field mean <<<" $POOL_CHECK"), $(field zero <<<" $POOL_CHECK") without rows). What skipping parse and plan buys on it at most,"
	out "directly against PostgreSQL, 1 client, no shim: \`-M prepared\` / \`-M extended\` = **$(f "$(med p3b.ref.ratio)" 2)x**"
	out "($(f "$(med p3b.ref.prepared)" 0) / $(f "$(med p3b.ref.extended)" 0) tps, median of $(nsamples p3b.ref.ratio) alternated pairs)."
	out ""

	# stderr, every cell that wrote any
	local -a errfiles=() cellfiles
	for w in "${POOL_WORKLOADS[@]}"; do
		for v in "${POOL_VARIANTS[@]}"; do
			cellfiles=()
			for k in "$WORK/pool-errors/$w.$v".r*.txt; do
				[[ -s $k ]] && cellfiles+=("$k")
			done
			((${#cellfiles[@]})) || continue
			errfiles+=("$w.$v")
			out "stderr of ${POOL_SHORT[$w]}, $v (${#cellfiles[@]} of $POOL_ROUNDS runs; distinct lines with their counts):"
			out ""
			out '```text'
			distinct_lines 8 "${cellfiles[@]}" >>"$REPORT"
			out '```'
			out ""
		done
	done
	if [[ -s $WORK/pool-errors/plan_heavy_check.txt ]]; then
		out "stderr of the plan_heavy.sql check and reference runs:"
		out ""
		out '```text'
		distinct_lines 8 "$WORK/pool-errors/plan_heavy_check.txt" >>"$REPORT"
		out '```'
		out ""
	fi
	if ((${#errfiles[@]})); then
		out "All of it: build/bench/run/pool-errors/ (one file per run); pgbench's output: build/bench/run/pool-pgbench.log."
	else
		out "No pgbench run through the pooler wrote to stderr."
	fi
	out ""

	# the shim's counters, the last round's pooled run of each workload
	local -a keys=()
	local -A sv=()
	local any=0 line
	for w in "${POOL_WORKLOADS[@]}"; do
		while IFS=$'\t' read -r k line; do
			any=1
			[[ -v "sv[k:$k]" ]] || {
				keys+=("$k")
				sv["k:$k"]=1
			}
			sv["$w:$k"]=$line
		done < <(pool_stats "$w" "$POOL_ROUNDS")
	done
	if ((any)); then
		out "The shim's counters (\`PQSHIM_STATS_FILE\`, written at exit) for the pooled run of each workload in"
		out "round $POOL_ROUNDS, summed over the processes that wrote one (\"files\"):"
		out ""
		line="| counter |"
		for w in "${POOL_WORKLOADS[@]}"; do line+=" ${POOL_SHORT[$w]} |"; done
		out "$line"
		line="|---|"
		for w in "${POOL_WORKLOADS[@]}"; do line+="---:|"; done
		out "$line"
		for k in "${keys[@]}"; do
			line="| $k |"
			for w in "${POOL_WORKLOADS[@]}"; do line+=" ${sv[$w:$k]:-} |"; done
			out "$line"
		done
		out ""
		if [[ ! -v "sv[k:pooled_by_name]" && ! -v "sv[k:pooled_created]" ]]; then
			out "No pooled_* counters: this shim does not seem to implement \`PQSHIM_MODE=pooled\` yet (it keeps its"
			out "default mode for a mode it does not know), so the pooled column measures that default mode."
			out ""
		fi
	else
		out "No pooled run wrote \`PQSHIM_STATS_FILE\` (the shim writes it at exit, when it did something)."
		out ""
	fi
}

pool_targets() {
	local w ab fl cond
	for w in "${POOL_WORKLOADS[@]}"; do
		ab=$(sumk "p3b.$w.pooled.aborted")
		cond="> 1"
		[[ $w == select ]] && cond=">= 1.3"
		target "PgBouncer tx, pool $POOL_SIZE, $POOL_CLIENTS clients: pooled / unnamed, ${POOL_SHORT[$w]} tps ($cond)" \
			"$(f "$(med "p3b.$w.pu")" 3) [$(range "p3b.$w.pu")] n=$(nsamples "p3b.$w.pu")$( ((ab)) && echo "; $ab pooled runs aborted")" \
			"$(med "p3b.$w.pu") $cond && $ab == 0"
	done
	ab=0 fl=0
	for w in "${POOL_WORKLOADS[@]}"; do
		ab=$((ab + $(sumk "p3b.$w.pooled.aborted")))
		fl=$((fl + $(sumk "p3b.$w.pooled.failed")))
	done
	target "the same, pooled runs: no failed transactions, no aborted runs" "$fl failed, $ab aborted" "$fl == 0 && $ab == 0"
}

# a part that did not run: its heading (the targets go before "## 1.") and why
report_not_run() { # heading note
	out "## $1"
	out ""
	out "Not run: $2."
	out ""
}

report_end() {
	# -- targets
	target "PQexecPrepared, shim's added cost, 1 thread" "$(f "$(med p1.exec_prepared.1.added)") ns (callgrind: $(f "$(med cg.exec_prepared.with) - $(med cg.exec_prepared.without)" 0) instructions)" "$(med p1.exec_prepared.1.added) <= 50"
	local worst=0 worst_case=""
	for c in "${CASES[@]:0:BRIEF_CASES}"; do
		local r
		r=$(f "$(med "p1.$c.8.added") / $(med "p1.$c.1.added")" 3)
		if [[ $r != n/a ]] && holds "$r > $worst"; then
			worst=$r
			worst_case=$c
		fi
	done
	[[ -z $worst_case ]] && worst=nan
	target "8 threads / 1 thread, shim's added cost per call (worst case: $worst_case)" "$(fx "$worst")" "$worst <= 2"
	target "the same with 16 connections per thread in turn (exec_rr)" "$(fx "$(med p1.exec_rr.8.added) / $(med p1.exec_rr.1.added)")" "$(med p1.exec_rr.8.added) / $(med p1.exec_rr.1.added) <= 2"
	target "overhead per statement beyond name and query text (100,000 statements)" "$over bytes" "$over <= 64"
	target "lookup flat: 100,000 statements (one name) vs 1" "$(fx "$(med p2.s100000hot.added) / $base")" "$(med p2.s100000hot.added) / $base <= 1.5"
	target "lookup flat: 100,000 statements (every name in turn) vs 1" "$(fx "$(med p2.s100000.added) / $base")" "$(med p2.s100000.added) / $base <= 1.5"
	target "lookup flat: 1,000 connections (round robin) vs 1" "$(fx "$(med p2.c1000rr.added) / $base")" "$(med p2.c1000rr.added) / $base <= 1.5"
	if ((E2E_DONE)); then
		e2e_target "pgbench -M prepared -S, unix socket: shim / no shim, tps" unix 0.98
		target "the same, CPU per transaction (no shim / shim)" "$CPU_RATIO_UNIX" "$CPU_RATIO_UNIX >= 0.98"
		e2e_target "PgBouncer tx: shim unnamed -M prepared / no shim -M extended, tps" bouncer 0.97
		target "the same, CPU per transaction (no shim / shim)" "$CPU_RATIO_BOUNCER" "$CPU_RATIO_BOUNCER >= 0.97"
	fi
	((POOL_DONE)) && pool_targets

	# -- part 4
	out "## 4. Machine and commands"
	out ""
	out "- CPU: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores ($(getconf _NPROCESSORS_ONLN) online)"
	# shellcheck disable=SC1091
	out "- Kernel: $(uname -srm); OS: $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
	out "- Compiler: $(${CC:-cc} --version 2>/dev/null | head -n 1); shim built by \`make all\` (CFLAGS default -O2 -g)"
	out "- libpq: $(pkg-config --modversion libpq 2>/dev/null || echo ?) (pkg-config), PQlibVersion() = $LIBPQ_RUNTIME"
	out "- Server: PostgreSQL $SERVER_VERSION; ${PGBOUNCER_VERSION:-PgBouncer ?}; valgrind: $(valgrind --version 2>/dev/null || echo none)"
	out "- pqshim: git $GIT_DESC"
	out ""
	out "Reproduce everything: \`make deps && make bench\` (valgrind optional: \`apt-get install valgrind\`)."
	out "The servers come from tests/lib/servers.sh (\`servers_init; servers_start_pg;"
	out "servers_start_pgbouncer tx transaction 2\`, random ports, a temp dir, trust auth, fsync off);"
	out "section 3b starts its own (\`servers_start_pgbouncer pool transaction $POOL_SIZE\`) and runs alone"
	out "with \`BENCH_PARTS=3b bench/run.sh\`."
	out "Commands as run (paths relative to the repository; the shim's variables were unset first):"
	out ""
	out '```sh'
	sed -e "s#$root/##g" -e "s#$WORK/#build/bench/run/#g" "$CMDS" >>"$REPORT"
	out '```'
	out ""
	out "Raw samples: build/bench/run/samples.tsv; stderr of every run: build/bench/run/stderr.log."
	out ""

	# targets go first: rebuild the file with them after the header
	local body
	body=$(cat "$REPORT")
	{
		printf '%s\n' "$body" | sed -n '1,/^## 1\./p' | sed '$d'
		printf '## Targets\n\n| target | measured | |\n|---|---|---|\n'
		printf '%s\n' "${TARGETS[@]}"
		printf '\n'
		printf '%s\n' "$body" | sed -n '/^## 1\./,$p'
		if [[ -f $root/bench/analysis.md ]]; then
			printf '\n'
			cat "$root/bench/analysis.md"
		fi
	} >"$REPORT.new"
	mv "$REPORT.new" "$REPORT"
}

write_report() {
	# base and over are set by report_part2 and read by the targets in report_end
	local c t a b base=nan over=n/a
	report_head
	if ((P1_DONE)); then report_part1; else report_not_run "1. Per-call cost, no server (stub libpq)" "skipped (BENCH_PARTS)"; fi
	if ((P2_DONE)); then report_part2; else report_not_run "2. Scaling (stub libpq)" "skipped (BENCH_PARTS)"; fi
	report_part3
	report_part3b
	report_end
}

write_report
cp "$REPORT" "$OUT"
say "wrote ${OUT#"$root/"} (${T_TOTAL} s)"
# the tables, on the terminal (the hand-written analysis stays in the file)
sed -n '1,/^## 4\./p' "$OUT" | sed '$d' | grep -v '^<' | grep -v '^</' 
exit 0
