#!/usr/bin/env bash
# Live statistics (PQSHIM_STATS_DIR) with real parts: a throwaway PostgreSQL
# 15 and PgBouncer 1.18 in transaction mode (auto mode goes pooled there),
# long-running clients (tests/stats/client.c), node_exporter's textfile
# collector reading the directory, and `pqshim stats`.
#
# Cases: the file changes while the client runs (1 s interval); node_exporter
# reads it without a scrape error and serves its counters; no password and no
# parameter value in it; two processes keep two files; a forked child keeps
# its own, counted from zero; a normal exit removes the file; a killed
# process's file is reported stale and left out of the sums; --json.
#
# node_exporter: Debian's prometheus-node-exporter, unpacked (not installed:
# no service) into /var/cache/pqshim-tools when it is not on the machine.
# Prints ok/FAIL per case and "stats: N passed, M failed".
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
shim=${PQSHIM_SO:-$root/build/libpqshim.so}
client=$root/build/tests/stats/stats_client
stats=$root/build/pqshim-stats
# shellcheck source=tests/lib/servers.sh
source "$root/tests/lib/servers.sh"
# shellcheck source=tests/lib/report.sh
source "$root/tests/lib/report.sh"

node_exporter() { # the binary's path, fetched once; empty when it cannot be had
    local cache=/var/cache/pqshim-tools bin
    for bin in "$(command -v prometheus-node-exporter 2>/dev/null || true)" \
        "$cache/usr/bin/prometheus-node-exporter"; do
        [[ -n $bin && -x $bin ]] && { echo "$bin"; return 0; }
    done
    [[ $(id -u) == 0 ]] || return 0
    mkdir -p "$cache/deb"
    (cd "$cache/deb" && apt-get download prometheus-node-exporter >/dev/null 2>&1 ||
        { apt-get update >/dev/null 2>&1 && apt-get download prometheus-node-exporter >/dev/null 2>&1; }) || true
    dpkg -x "$cache"/deb/prometheus-node-exporter_*.deb "$cache" 2>/dev/null || true
    [[ -x $cache/usr/bin/prometheus-node-exporter ]] && echo "$cache/usr/bin/prometheus-node-exporter"
    return 0
}

counter() { # FILE METRIC -> its value summed over the file's series (0 when absent)
    awk -v m="$2" '$1 ~ "^"m"[{ ]" || $1 == m { s += $NF } END { printf "%d\n", s }' "$1"
}

ne=$(node_exporter) # first: fetching it takes longer than the client runs
servers_init
servers_start_pg
servers_start_pgbouncer tx transaction 2
dir=$PQT_TMPDIR/stats
mkdir -p "$dir"
secret=pw_$RANDOM$RANDOM
value=param_$RANDOM$RANDOM
dsn="$PQT_BOUNCER_TX_DSN password=$secret"
export PQSHIM_STATS_DIR=$dir PQSHIM_STATS_INTERVAL=1
log=$PQT_TMPDIR/client.log

# 1. the file changes while the client runs; 2. no secret in it; 3. exit removes it
LD_PRELOAD=$shim "$client" "$dsn" 4 "$value" >"$log" 2>&1 &
cpid=$!
f=$(printf '%s/pqshim-%s-%s.prom' "$dir" "$(hostname | tr -c 'A-Za-z0-9._\n-' _)" "$cpid")
sleep 1.5
a=$( [[ -f $f ]] && counter "$f" pqshim_pooled_by_name_total || echo -1)
sleep 1.5
b=$( [[ -f $f ]] && counter "$f" pqshim_pooled_by_name_total || echo -1)
problem=
((a > 0 && b > a)) || problem="pooled_by_name_total in $f: $a at 1.5 s, $b at 3 s (want > 0, growing)"
report "file changes while the process runs (1 s interval)" "$problem"

problem=
if [[ -f $f ]]; then
    grep -q -- "$secret" "$f" && problem="the password is in $f"
    grep -q -- "$value" "$f" && problem="${problem:+$problem; }the parameter value is in $f"
    grep -q 'user=\|postgres@' "$f" && problem="${problem:+$problem; }a user name is in $f"
    grep -q "target=\"127.0.0.1:$PQT_BOUNCER_TX_PORT/postgres\"" "$f" ||
        problem="${problem:+$problem; }no target label for the bouncer in $f"
    grep -q 'configured="auto",mode="pooled"' "$f" ||
        problem="${problem:+$problem; }auto mode behind the pooler is not counted as pooled"
else
    problem="no file $f"
fi
report "no password, parameter value or user in the file" "$problem"

# node_exporter's textfile collector reads it as it is
problem=
if [[ -z $ne ]]; then
    problem="node_exporter is not on this machine and could not be fetched (apt-get download prometheus-node-exporter)"
else
    port=$(_pqt_free_port)
    "$ne" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
        --collector.textfile --collector.textfile.directory="$dir" >"$PQT_TMPDIR/ne.log" 2>&1 &
    nepid=$!
    out=
    for _ in $(seq 50); do
        out=$(curl -fsS "http://127.0.0.1:$port/metrics" 2>/dev/null) && break
        sleep 0.1
    done
    printf '%s\n' "$out" >"$PQT_TMPDIR/node_exporter.out"
    kill "$nepid" 2>/dev/null || true
    wait "$nepid" 2>/dev/null || true
    grep -q '^node_textfile_scrape_error 0' <<<"$out" || problem="scrape error: $(grep textfile <<<"$out" | head -5) $(tail -3 "$PQT_TMPDIR/ne.log")"
    grep -q "^pqshim_pooled_by_name_total{.*pid=\"$cpid\".*} [1-9]" <<<"$out" ||
        problem="${problem:+$problem; }node_exporter does not serve pqshim_pooled_by_name_total for pid $cpid"
fi
report "node_exporter's textfile collector reads the file" "$problem"

rc=0
wait "$cpid" || rc=$?
problem=
((rc == 0)) || problem="client exit $rc: $(tail -3 "$log")"
[[ -e $f ]] && problem="${problem:+$problem; }$f still there after a normal exit"
report "a normal exit removes the file" "$problem"

# two processes, two files; a forked child has its own file, from zero
LD_PRELOAD=$shim "$client" "$dsn" 2.5 "$value" fork >"$log" 2>&1 &
p1=$!
LD_PRELOAD=$shim "$client" "$dsn" 2.5 "$value" >"$log.2" 2>&1 &
p2=$!
sleep 1.8
files=("$dir"/pqshim-*.prom)
problem=
((${#files[@]} == 3)) || problem="${#files[@]} files for 3 processes: ${files[*]##*/}"
child=
for x in "${files[@]}"; do
    p=${x##*-}
    p=${p%.prom}
    [[ $p != "$p1" && $p != "$p2" ]] && child=$x
done
if [[ -n $child ]]; then
    s=$(counter "$child" pqshim_sessions_total)
    ((s == 1)) || problem="${problem:+$problem; }the forked child counts $s sessions (its own: 1; the parent's are not its)"
else
    problem="${problem:+$problem; }no file for the forked child"
fi
js=$("$stats" --json "$dir")
n=$(grep -o '"state": "live"' <<<"$js" | wc -l)
((n == 3)) || problem="${problem:+$problem; }pqshim stats --json: $n live processes, want 3: $js"
report "two processes and a forked child keep three files" "$problem"
wait "$p1" "$p2" || true

# a killed process leaves its file: stale for pqshim stats, left out of the sums
LD_PRELOAD=$shim "$client" "$dsn" 30 "$value" >"$log" 2>&1 &
kpid=$!
sleep 1.5
kill -9 "$kpid"
wait "$kpid" 2>/dev/null || true
LD_PRELOAD=$shim "$client" "$dsn" 3 "$value" >"$log.2" 2>&1 &
lpid=$!
sleep 1.5
out=$("$stats" "$dir")
problem=
grep -Eq "pid $kpid +stale" <<<"$out" || problem="the killed process $kpid is not reported stale"
grep -Eq "pid $lpid +live" <<<"$out" || problem="${problem:+$problem; }the running process $lpid is not reported live"
grep -Eq '^auto +pooled +127\.0\.0\.1:[0-9]+/postgres +1 ' <<<"$out" ||
    problem="${problem:+$problem; }the sums are not of the one live process"
[[ -n $problem ]] && problem="$problem
$out"
report "a killed process's file is stale and left out" "$problem"
wait "$lpid" || true
printf '%s\n' "$out" >"$PQT_TMPDIR/stats-output.txt"
[[ -n ${PQT_SHOW:-} ]] && printf '%s\n' "$out"

servers_stop
report_summary stats
