#!/usr/bin/env bash
# `pqshim doctor` against a throwaway PostgreSQL 15 (direct: exit 0, the
# default is enough), PgBouncer 1.18 in transaction mode with a pool of 2
# (pooling detected; exit 0 in the default auto mode, which runs pooled
# there, exit 1 in dedupe mode; behind a PgBouncer that
# prepares statements itself, as the version matrix runs it: exit 0,
# recognised, dedupe recommended), a session-mode PgBouncer whose server
# session holds a statement left by an earlier client (exit 1: leftovers,
# no pooling), and a port nobody listens on (exit 2).  Passwords
# given in the connection string never appear in the output.
# conditions in single quotes are evaluated by check, after the capture
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# not ours, checked on its own (shellcheck -x follows it)
# shellcheck source-path=SCRIPTDIR source=../lib/servers.sh disable=SC1091
source "$root/tests/lib/servers.sh"

servers_init
servers_start_pg
servers_start_pgbouncer tx transaction 2
servers_start_pgbouncer sess session 2

# ---- direct ----

capture "$pqshim" doctor "$PQT_PG_DSN"
check "direct: exit 0" eval '((rc == 0))'
check_has "direct: the connection, from libpq" "$out" "port=$PQT_PG_PORT dbname=postgres user=postgres"
check_has "direct: server version" "$out" "server:           PostgreSQL $(psql -X -At -c "SHOW server_version" "$PQT_PG_DSN" | cut -d" " -f1)"
check_has "direct: shim preloaded, auto by default" "$out" "this connection's mode: auto (the default)"
check_has "direct: backend pid constant" "$out" "backend pid:      the same"
check_has "direct: the statement survives" "$out" "named statement:  survived all 20 transactions"
check_has "direct: no pooling" "$out" "pooling:          none seen"
check_has "direct: the default is enough" "$out" \
    "recommendation:   the default (auto mode, which runs dedupe here) is enough"

capture "$pqshim" --unnamed doctor "$PQT_PG_DSN"
check_has "the wrapper's options reach the doctor's connection" "$out" \
    "this connection's mode: unnamed (from the environment variable PQSHIM_MODE)"

capture "$doctor" "$PQT_PG_DSN"
check "the doctor alone: runs, says the shim is not preloaded" \
    eval '((rc == 0)) && [[ $out == *"shim:             not preloaded"* ]]'

# ---- PgBouncer, transaction mode, pool of 2: several runs, all must see it ----

for run in 1 2 3; do
    capture "$pqshim" doctor "$PQT_BOUNCER_TX_DSN"
    if ((PQT_BOUNCER_TRACKS)); then
        # PgBouncer 1.21+ with max_prepared_statements > 0 prepares them itself
        check "tracking pooler, run $run: exit 0" eval '((rc == 0))'
        check_has "tracking pooler, run $run: recognised" "$out" \
            "named statement:  prepared by the pooler itself"
        check_has "tracking pooler, run $run: the default is enough" "$out" \
            "recommendation:   the default (auto mode, which runs dedupe here) is enough; unnamed"
        check_lacks "tracking pooler, run $run: no unnamed advice" "$out" "prepared_statements=false"
        check_has "tracking pooler, run $run: its own statement is no leftover" "$out" \
            "leftovers:        0 prepared"
        continue
    fi
    # the default, auto, is safe there: nothing to fix
    check "transaction pooler, run $run: exit 0 (auto)" eval '((rc == 0))'
    check_has "transaction pooler, run $run: pooling detected" "$out" "pooling:          detected"
    check_has "transaction pooler, run $run: the default runs pooled mode" "$out" \
        "recommendation:   the default (auto mode) is right: it runs pooled mode here"
    # earlier runs deallocated their statements (each run visits both server
    # connections, so a statement left by the run before would show here)
    check_has "transaction pooler, run $run: no statements left behind" "$out" \
        "leftovers:        0 prepared"
    check_lacks "transaction pooler, run $run: its statement deallocated" "$out" "could not deallocate"
done

# A Prisma-style URL: accepted thanks to the shim; its password is never shown.
url="postgresql://postgres:Sekr1tPw@127.0.0.1:$PQT_BOUNCER_TX_PORT/postgres?pgbouncer=true&connection_limit=5"
capture "$pqshim" doctor "$url"
check "Prisma URL (pgbouncer=true): exit 0 (unnamed is safe there)" eval '((rc == 0))'
check_has "Prisma URL: the connection is in unnamed mode" "$out" \
    "this connection's mode: unnamed (from pgbouncer in the connection string)"
((PQT_BOUNCER_TRACKS)) ||
    check_has "Prisma URL: already unnamed, says so" "$out" \
        "unnamed mode, as this connection already runs, is safe here"
check_lacks "Prisma URL: no password in the output" "$out$err" "Sekr1tPw"

capture "$pqshim" doctor "$url&pqshim_mode=dedupe"
check_has "pqshim_mode beats pgbouncer=true" "$out" \
    "this connection's mode: dedupe (from pqshim_mode in the connection string)"
if ! ((PQT_BOUNCER_TRACKS)); then
    check "dedupe behind a transaction pooler: exit 1" eval '((rc == 1))'
    check_has "dedupe behind a transaction pooler: says it is not safe" "$out" \
        "this connection runs dedupe mode, which is not safe here"
fi

# ---- a SQL PREPARE left behind the transaction pooler (Qt's way, no shim) ----

psql -X -q -v ON_ERROR_STOP=1 -c 'PREPARE qpsqlpstmt_1 AS SELECT 1' "$PQT_BOUNCER_TX_DSN"
capture "$pqshim" doctor "$PQT_BOUNCER_TX_DSN"
check "SQL PREPARE behind the pooler: exit 1 (a leftover)" eval '((rc == 1))'
check_has "SQL PREPARE behind the pooler: counted" "$out" \
    "sql prepare:      1 statement(s) in a server session made with SQL PREPARE"
check_has "SQL PREPARE behind the pooler: what the shim does about it" "$out" \
    "no pooler tracks SQL PREPARE; the shim records such statements"

# ---- leftovers: a session pooler that keeps an earlier client's statement ----

# psql prepares in the server session and leaves; with no server_reset_query
# the next client of that server connection finds the statement there.
psql -X -q -v ON_ERROR_STOP=1 -c 'PREPARE left_behind AS SELECT 1' "$PQT_BOUNCER_SESS_DSN"
capture "$pqshim" doctor "$PQT_BOUNCER_SESS_DSN"
check "session pooler with a leftover statement: exit 1" eval '((rc == 1))'
check_has "session pooler: leftovers reported" "$out" \
    "leftovers:        1 prepared statement(s) of earlier clients in a server session"
check_has "session pooler: no pooling between transactions" "$out" "pooling:          none seen"
check_has "session pooler: dedupe is enough, reset hint" "$out" "server_reset_query = DISCARD ALL"
check_has "session pooler: a SQL PREPARE leftover, counted" "$out" "sql prepare:      1 statement(s)"
check_lacks "session pooler: no pooler advice for it" "$out" "no pooler tracks SQL PREPARE"

# ---- nothing listening ----

port=$(free_port)
capture "$pqshim" doctor "host=127.0.0.1 port=$port user=u password=Sekr1tPw connect_timeout=5"
check "nothing listening: exit 2, libpq's message" \
    eval '((rc == 2)) && [[ $err == *"cannot connect"*"$port"* ]]'
check_lacks "nothing listening: no password in the output" "$out$err" "Sekr1tPw"

capture "$pqshim" doctor "postgresql://u:Sekr1tPw@[::1/x"
check "malformed URL: exit 2" eval '((rc == 2))'
check_lacks "malformed URL: libpq quotes the URL, the password is cut out" "$out$err" "Sekr1tPw"
