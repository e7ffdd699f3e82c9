#!/usr/bin/env bash
# Runs each libFuzzer target in build/fuzz for a bounded time, starting from a
# temporary copy of its committed seed corpus (tests/fuzz/corpus/<target>),
# so the repository is never modified. New crashes go to build/fuzz/artifacts.
#
# Usage: tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# Prints ok/FAIL per target, then "fuzz: N passed, M failed"; exit 1 on failure.
set -u
cd "$(dirname "$0")/../.." || exit 2
secs=${1:-10}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(fuzz_sqlscan fuzz_rewrite fuzz_conninfo)
bin=build/fuzz
art=$bin/artifacts
mkdir -p "$art"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
for t in "${targets[@]}"; do
    mkdir -p "$tmp/$t"
    cp -r tests/fuzz/corpus/"$t"/. "$tmp/$t/" 2>/dev/null || true
    log=$tmp/$t.log
    if [[ ! -x $bin/$t ]]; then
        echo "FAIL $t (not built: make fuzz)"
        fail=$((fail + 1))
        continue
    fi
    if "$bin/$t" -max_total_time="$secs" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$art/$t-" "$tmp/$t" >"$log" 2>&1; then
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "ok   $t (${execs:-?} executions in ${secs}s)"
        pass=$((pass + 1))
    else
        echo "FAIL $t"
        grep -a -m1 -A3 'property violated\|ERROR:' "$log" | sed 's/^/    /'
        grep -a 'Test unit written to' "$log" | sed 's/^/    /'
        fail=$((fail + 1))
    fi
done
echo "fuzz: $pass passed, $fail failed"
((fail == 0))
