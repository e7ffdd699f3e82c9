#!/usr/bin/env bash
# Smoke test for tests/lib/servers.sh: PostgreSQL + two transaction-mode
# PgBouncers, psql through each, and a short pgbench run through one of them.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/servers.sh
. "$here/servers.sh"

servers_init
servers_start_pg
servers_start_pgbouncer tx1 transaction 1
servers_start_pgbouncer tx2 transaction 2

expect_one() {
    local what=$1 out
    shift
    out=$(psql -X -v ON_ERROR_STOP=1 -Atc 'select 1' "$@")
    if [[ $out != 1 ]]; then
        echo "smoke: $what: expected 1, got '$out'" >&2
        return 1
    fi
}
expect_one "direct (PG* env)"
expect_one "direct (PQT_PG_DSN)" "$PQT_PG_DSN"
expect_one "pgbouncer tx1" "$PQT_BOUNCER_TX1_DSN"
expect_one "pgbouncer tx2" "$PQT_BOUNCER_TX2_DSN"

out=$PQT_TMPDIR/pgbench.out
if ! pgbench -i -s 1 -q "$PQT_BOUNCER_TX2_DSN" >"$out" 2>&1 ||
    ! pgbench -n -S -T 2 -c 4 -j 2 -M extended "$PQT_BOUNCER_TX2_DSN" >>"$out" 2>&1; then
    echo "smoke: pgbench through pgbouncer tx2 failed:" >&2
    cat "$out" >&2
    exit 1
fi
grep -E '^tps' "$out" | sed 's/^/smoke: pgbench via tx2: /' >&2 || true

echo "smoke: ok"
