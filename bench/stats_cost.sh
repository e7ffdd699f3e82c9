#!/usr/bin/env bash
# The cost of the live statistics file's time check (PQSHIM_STATS_DIR) on the
# call path: percall exec_prepared against the fake libpq (no server), with
# and without PQSHIM_STATS_DIR, side by side in one run:
#   instructions per call (callgrind; deterministic: the difference of two
#   run lengths, so start-up cancels out), and
#   ns per call (ROUNDS interleaved rounds of 1 and 8 threads; the median).
# Reports, never fails. Usage: bench/stats_cost.sh [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shim=$root/build/libpqshim.so
percall=$root/build/bench/percall
rounds=${1:-5}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

run() { # off|on ARGS...
    local v=$1
    shift
    if [[ $v == on ]]; then
        PQSHIM_STATS_DIR=$dir PQSHIM_MODE=dedupe LD_PRELOAD=$shim "$@"
    else
        env -u PQSHIM_STATS_DIR PQSHIM_MODE=dedupe LD_PRELOAD=$shim "$@"
    fi
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "live statistics: the time check per call (percall exec_prepared, fake libpq, dedupe mode)"
if command -v valgrind >/dev/null; then
    declare -A ir
    for v in off on; do
        for n in 100000 200000; do
            run "$v" valgrind --tool=callgrind --callgrind-out-file="$dir/cg.$v.$n" \
                "$percall" --case exec_prepared --calls "$n" --warmup 0 >/dev/null 2>&1
            ir[$v.$n]=$(sed -n 's/^summary: //p' "$dir/cg.$v.$n")
            rm -f "$dir/cg.$v.$n"
        done
    done
    off=$(((${ir[off.200000]} - ${ir[off.100000]}) / 100000))
    on=$(((${ir[on.200000]} - ${ir[on.100000]}) / 100000))
    printf '  instructions per call: %d without, %d with PQSHIM_STATS_DIR (+%d)\n' "$off" "$on" $((on - off))
else
    echo "  instructions per call: valgrind is not installed (apt-get install valgrind)"
fi
for t in 1 8; do
    : >"$dir/off" && : >"$dir/on"
    for ((r = 0; r < rounds; r++)); do
        for v in off on; do
            run "$v" "$percall" --case exec_prepared --threads "$t" --calls 2000000 |
                sed -n 's/.* cpu_ns=\([0-9.]*\).*/\1/p' >>"$dir/$v"
        done
    done
    a=$(median <"$dir/off")
    b=$(median <"$dir/on")
    printf '  %d thread(s), cpu ns per call, median of %d: %s without, %s with (ratio %s)\n' \
        "$t" "$rounds" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')"
done
