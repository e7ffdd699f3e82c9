#!/usr/bin/env bash
# pgbench 15 -M prepared through PgBouncer in transaction mode (pool size 2).
#
#   pgbench.sh prepared   # a script of single statements
#   pgbench.sh pipeline   # a script with \startpipeline ... \endpipeline
#
# Two pgbench runs at the same time ("tenants" 1 and 2, 3 clients each), with
# scripts whose commands are prepared under the same names (P_0, P_1...) but
# with different texts.  Each statement checks it is its own tenant's:
# SELECT 1 / (:who = N)::int fails with "division by zero" when tenant M's
# Bind runs tenant N's statement, and \gset + \if checks a returned value.
# Without the shim: "already exists" (42P05), "does not exist" (26000) or
# another tenant's statement.  Run with PQSHIM_MODE=unnamed to pass.
#
# Needs PQT_BOUNCER_TX_DSN and PQT_TMPDIR (tests/lib/servers.sh).
# Exit 0: "PASS: ..."; exit 1: "FAILURE: <SQLSTATE> (<what pgbench said>)".
set -euo pipefail

what=${1:-}
case $what in
    prepared | pipeline) ;;
    *)
        echo "usage: pgbench.sh prepared|pipeline" >&2
        exit 2
        ;;
esac
dir=$PQT_TMPDIR/pgbench-$what
rm -rf "$dir"
mkdir -p "$dir"

for who in 1 2; do
    {
        cat <<EOF
\\set k random(1, 1000000)
SELECT :k + $who * 10000000 AS v \\gset
\\if :v != :k + $who * 10000000
\\set wrong_result 1 / 0
\\endif
SELECT 1 / (:who = $who)::int AS mine_$who;
EOF
        if [ "$what" = pipeline ]; then
            cat <<EOF
\\startpipeline
SELECT 1 / (:who = $who)::int AS first_$who;
SELECT 1 / (:who = $who)::int + :k AS second_$who;
SELECT :k + $who, 1 / (:who = $who)::int AS third_$who;
\\endpipeline
EOF
        else
            cat <<EOF
SELECT 1 / (:who = $who)::int + :k AS second_$who;
SELECT :k + $who, 1 / (:who = $who)::int AS third_$who;
EOF
        fi
    } >"$dir/tenant$who.sql"
done

pids=()
for who in 1 2; do
    timeout 60 pgbench -n -M prepared -c 3 -j 1 -T 2 -D who=$who -f "$dir/tenant$who.sql" \
        "$PQT_BOUNCER_TX_DSN" >"$dir/out$who.txt" 2>&1 &
    pids+=($!)
done
rcs=()
for pid in "${pids[@]}"; do
    rc=0
    wait "$pid" || rc=$?
    rcs+=("$rc")
done

sqlstate_of() {
    case $1 in
        *'already exists'*) echo 42P05 ;;
        *'does not exist'*) echo 26000 ;;
        *'division by zero'*) echo "22012 (another tenant's statement ran)" ;;
        *'bind message supplies'* | *'protocol'*) echo 08P01 ;;
        *) echo '-' ;;
    esac
}

total=0
for who in 1 2; do
    out=$dir/out$who.txt
    echo "--- tenant $who (exit ${rcs[$((who - 1))]})"
    grep -E '^(number of|tps|pgbench: error)' "$out" | sort | uniq -c | head -20
    err=$(grep -m1 -E 'error|ERROR' "$out" || true)
    if [ "${rcs[$((who - 1))]}" -ne 0 ] || [ -n "$err" ] ||
        ! grep -q '^number of failed transactions: 0 ' "$out"; then
        [ -n "$err" ] || err="exit ${rcs[$((who - 1))]}"
        echo "FAILURE: $(sqlstate_of "$err") (tenant $who: ${err#pgbench: error: })"
        exit 1
    fi
    n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
    if [ -z "$n" ] || [ "$n" -eq 0 ]; then
        echo "FAILURE: - (tenant $who processed no transaction)"
        exit 1
    fi
    total=$((total + n))
done
echo "PASS: pgbench -M prepared, $what script, 2 tenants x 3 clients, $total transactions, no error, every value its own"
