#!/usr/bin/env bash
# psql 15.
#
#   psql.sh dedupe   # straight to PostgreSQL: SQL PREPARE / EXECUTE / DEALLOCATE,
#                    # re-PREPAREs of the same name; dedupe mode (default)
#   psql.sh gdesc    # \gdesc through PgBouncer in transaction mode with
#                    # server_round_robin=1 (PQT_BOUNCER_RR_DSN, two warm server
#                    # connections), so psql's PQprepare("") and its
#                    # PQdescribePrepared("") land on different server
#                    # connections (26000 without the shim); PQSHIM_MODE=unnamed
#
# psql sends everything through PQsendQuery; \gdesc is PQprepare("") then
# PQdescribePrepared("").  In unnamed mode the app's own SQL PREPARE goes
# through as written (here inside a transaction block, so it works either way).
#
# Exit 0: "PASS: ..."; exit 1: "FAILURE: <SQLSTATE> (<what psql said>)".
set -euo pipefail

what=${1:-}
run_psql() { # DSN, script on stdin -> stdout in $out, stderr in $err, exit code in $rc
    local e
    e=$(mktemp)
    rc=0
    out=$(timeout 30 psql -X -Atq -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -d "$1" 2>"$e") || rc=$?
    err=$(cat "$e")
    rm -f "$e"
}

compare() { # expected output, description
    local first
    if [ "$rc" -ne 0 ]; then
        first=$(grep -m1 'ERROR' <<<"$err" || true)
        [ -n "$first" ] || first=$(head -n1 <<<"$err")
        echo "$err" | sed 's/^/  psql: /'
        # "ERROR:  42P05: prepared statement ..." (VERBOSITY verbose)
        state=$(sed -n 's/.*ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' <<<"$first")
        echo "FAILURE: ${state:--} (psql exit $rc: ${first#*ERROR:  })"
        exit 1
    fi
    if [ "$out" != "$1" ]; then
        echo "--- expected"; echo "$1"; echo "--- got"; echo "$out"
        echo "FAILURE: - ($2: wrong output: $(echo "$out" | tr '\n' ' '))"
        exit 1
    fi
}

case $what in
dedupe)
    run_psql "$PQT_PG_DSN" <<'SQL'
\set VERBOSITY verbose
PREPARE q(int) AS SELECT 10 + $1 AS v;
EXECUTE q(1);
-- the same statement again: 42P05 without the shim
PREPARE q(int) AS SELECT 10 + $1 AS v;
EXECUTE q(2);
-- the same name, another text
PREPARE q(int) AS SELECT 20 + $1 AS v;
EXECUTE q(3);
BEGIN;
PREPARE q(int) AS SELECT 20 + $1 AS v;
EXECUTE q(4);
PREPARE q(int) AS SELECT 30 + $1 AS v;
EXECUTE q(5);
COMMIT;
EXPLAIN (COSTS OFF) EXECUTE q(6);
PREPARE r AS SELECT 'r1'::text \; PREPARE r AS SELECT 'r1'::text \; EXECUTE r;
DEALLOCATE q;
\set ON_ERROR_STOP 0
EXECUTE q(7);
\set ON_ERROR_STOP 1
PREPARE q AS SELECT 'back'::text;
EXECUTE q;
DEALLOCATE ALL;
PREPARE q AS SELECT 'after all'::text;
EXECUTE q;
SQL
    compare "$(printf '%s\n' 11 12 23 24 35 Result r1 back 'after all')" "SQL PREPARE/EXECUTE"
    # exactly one error: the EXECUTE after DEALLOCATE, 26000 (the shim names
    # "_pqs_gone" there: the server still has the replaced text under "q")
    if [ "$(grep -c 'ERROR' <<<"$err")" -ne 1 ] || ! grep -q 'ERROR:  26000: prepared statement ".*" does not exist' <<<"$err"; then
        echo "$err" | sed 's/^/  psql: /'
        echo "FAILURE: - (EXECUTE after DEALLOCATE: wanted one 26000 error, got: $(echo "$err" | grep ERROR | tr '\n' ' '))"
        exit 1
    fi
    echo "PASS: psql: re-PREPAREs (identical, different, in a block, two in one query string), EXECUTE, EXPLAIN EXECUTE, DEALLOCATE, DEALLOCATE ALL"
    ;;
gdesc)
    run_psql "$PQT_BOUNCER_RR_DSN" <<'SQL'
\set VERBOSITY verbose
select 1 as one, 'x'::text as two \gdesc
select 2 as three \gdesc
select 3.0 as four, now() as five \gdesc
select 42 as answer;
select 'seven'::text as six \gdesc
BEGIN;
PREPARE p AS SELECT 'as written'::text AS w;
EXECUTE p;
DEALLOCATE p;
COMMIT;
select 1 as a, 2 as b, 3 as c \gdesc
SQL
    compare "$(printf '%s\n' 'one|integer' 'two|text' 'three|integer' 'four|numeric' \
        'five|timestamp with time zone' 42 'six|text' 'as written' 'a|integer' 'b|integer' 'c|integer')" '\gdesc'
    echo "PASS: psql \\gdesc x5 across two server connections, a query, SQL PREPARE/EXECUTE/DEALLOCATE in a block"
    ;;
*)
    echo "usage: psql.sh dedupe|gdesc" >&2
    exit 2
    ;;
esac
