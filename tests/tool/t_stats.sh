#!/usr/bin/env bash
# `pqshim stats` on files written by hand (tests/stats/run.sh reads real
# ones): sums over live processes only, a dead pid is stale, another host's
# file is counted as unknown, a file that is not Prometheus text exits 1, no
# directory exits 2, and the wrapper passes --json and the directory through.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

host=$(hostname | tr -c 'A-Za-z0-9._\n-' _)
d=$tmp/stats
mkdir -p "$d"
# start time of this shell, as the shim writes it (btime + starttime ticks)
start=$(awk -v hz="$(getconf CLK_TCK)" 'NR == FNR { if ($1 == "btime") b = $2; next }
    { sub(/.*\) /, ""); split($0, f, " "); printf "%.3f\n", b + f[20] / hz }' /proc/stat /proc/$$/stat)
row() { # PID METRIC VALUE
    printf 'pqshim_%s_total{pid="%s",configured="auto",mode="pooled",target="db:6432/app"} %s\n' "$2" "$1" "$3"
}
file() { # NAME PID START BY_NAME
    {
        printf '# HELP pqshim_info x\n# TYPE pqshim_info gauge\n'
        printf 'pqshim_info{pid="%s",version="0.1.0",configured="auto"} 1\n' "$2"
        printf 'pqshim_process_start_time_seconds{pid="%s"} %s\n' "$2" "$3"
        printf 'pqshim_last_update_timestamp_seconds{pid="%s"} %s\n' "$2" "$(date +%s)"
        row "$2" sessions 1
        row "$2" pooled_by_name "$4"
    } >"$d/$1"
}
file "pqshim-$host-$$.prom" $$ "$start" 10
file "pqshim-$host-999999999.prom" 999999999 "$start" 1000
file "pqshim-$host-1.prom" 1 1.000 100000 # pid 1 runs, but started at another time
file "pqshim-otherbox-$$.prom" $$ 5.000 7
printf 'not a metric file\n' >"$d/README"

capture "$pqshim" stats "$d"
check "stats: exit 0" eval '((rc == 0))'
check_has "stats: this shell's file is live" "$out" "pid $$ "
check "stats: a dead pid is stale" eval '[[ $out =~ pid\ 999999999\ +stale ]]'
check "stats: a reused pid is stale" eval '[[ $out =~ pid\ 1\ +stale ]]'
check "stats: another host's file is unknown" eval '[[ $out =~ pid\ $$\ +unknown ]]'
check "stats: sums live and unknown, not stale" \
    eval '[[ $out =~ auto\ +pooled\ +db:6432/app\ +2\ +2\ +17\  ]]'

capture "$pqshim" stats --json "$d"
check "stats --json through the wrapper: exit 0, JSON" \
    eval '((rc == 0)) && [[ $out == "{\"dir\": "* && $out == *"\"pooled_by_name\": 17"* ]]'
if command -v python3 >/dev/null; then
    check "stats --json parses as JSON" eval 'python3 -c "import json,sys; json.load(sys.stdin)" <<<"$out"'
fi

capture env PQSHIM_STATS_DIR="$d" "$pqshim" stats
check "stats: the directory from PQSHIM_STATS_DIR" eval '((rc == 0)) && [[ $out == "$d:"* ]]'
capture "$pqshim" --stats-dir "$d" stats
check "stats: the directory from --stats-dir" eval '((rc == 0)) && [[ $out == "$d:"* ]]'

printf 'pqshim_x{pid="1" 2\n' >"$d/pqshim-$host-$$.prom"
capture "$pqshim" stats "$d"
check "stats: a file that is not Prometheus text exits 1" \
    eval '((rc == 1)) && [[ $err == *"not Prometheus text"* ]]'

capture "$pqshim" stats "$tmp/none"
check "stats: no directory exits 2" eval '((rc == 2))'
capture env -u PQSHIM_STATS_DIR "$pqshim" stats
check "stats: no directory named exits 2" eval '((rc == 2)) && [[ $err == *PQSHIM_STATS_DIR* ]]'
capture "$pqshim" stats --bogus "$d"
check "stats: an unknown option exits 2" eval '((rc == 2))'
