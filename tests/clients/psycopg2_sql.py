"""psycopg2 2.9 (Debian's python3-psycopg2) with SQL PREPARE / EXECUTE.

    /usr/bin/python3 psycopg2_sql.py dedupe     # straight to PostgreSQL: dedupe mode (default)
    /usr/bin/python3 psycopg2_sql.py leftover   # PgBouncer, pool size 1: dedupe mode (default)

psycopg2 never prepares at the protocol level: the app writes PREPARE and
EXECUTE itself, and psycopg2 sends them with PQexec (parameters are
interpolated on the client).  Its extension loads libpq privately
(RTLD_LOCAL), so dlsym(RTLD_NEXT) from the shim finds no libpq.

"leftover": behind a pool-size-1 PgBouncer in transaction mode, an earlier
client left a statement named q on the one server connection; our
PREPARE q gets 42P05 without the shim.  In unnamed mode the app's SQL PREPARE
goes through as written, so this runs in dedupe mode, which retries a
colliding prepare under a generated name outside transaction blocks (hence
autocommit).

Exit 0: "PASS: ..."; exit 1: "FAILURE: <class> (<SQLSTATE>): <message>".
"""
import os
import sys

import psycopg2
import psycopg2.errors

checks = 0


class CheckFailed(Exception):
    pass


def check(cond, what):
    global checks
    if not cond:
        raise CheckFailed(what)
    checks += 1


def one(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchone()


def dedupe(dsn):
    # inside psycopg2's implicit transaction block (autocommit off)
    conn = psycopg2.connect(dsn)
    cur = conn.cursor()
    cur.execute("PREPARE q(int) AS SELECT 10 + $1 AS v")
    check(one(cur, "EXECUTE q(%s)", (1,)) == (11,), "EXECUTE q(1)")
    cur.execute("PREPARE q(int) AS SELECT 10 + $1 AS v")  # 42P05 without the shim
    check(one(cur, "EXECUTE q(%s)", (2,)) == (12,), "EXECUTE q(2) after the identical re-PREPARE")
    conn.commit()
    cur.execute("PREPARE q(int) AS SELECT 20 + $1 AS v")
    got = one(cur, "EXECUTE q(%s)", (3,))
    check(got == (23,), f"EXECUTE q(3) after PREPARE q with another text returned {got}, wanted (23,)")
    got = one(cur, "EXPLAIN (COSTS OFF) EXECUTE q(%s)", (4,))
    check(got is not None and "Result" in got[0], f"EXPLAIN EXECUTE q: {got}")
    conn.rollback()  # statements survive ROLLBACK
    check(one(cur, "EXECUTE q(%s)", (5,)) == (25,), "EXECUTE q(5) after ROLLBACK")
    conn.commit()

    # autocommit, several statements, one per PQexec and two in one string
    conn.autocommit = True
    cur.execute("PREPARE q(int) AS SELECT 20 + $1 AS v")
    cur.execute("PREPARE r AS SELECT 'r'::text; PREPARE r AS SELECT 'r'::text")
    check(one(cur, "EXECUTE r") == ("r",), "EXECUTE r after PREPARE r twice in one query string")
    check(one(cur, "EXECUTE q(%s)", (6,)) == (26,), "EXECUTE q(6)")
    cur.execute("DEALLOCATE q")
    try:
        cur.execute("EXECUTE q(7)")
        check(False, "EXECUTE after DEALLOCATE succeeded")
    except psycopg2.errors.InvalidSqlStatementName:
        check(True, "")
    cur.execute("DEALLOCATE ALL")
    cur.execute("PREPARE r AS SELECT 'again'::text")
    check(one(cur, "EXECUTE r") == ("again",), "PREPARE r after DEALLOCATE ALL")
    conn.close()


def leftover(dsn):
    # another client leaves q behind on the (only) server connection
    other = psycopg2.connect(dsn)
    other.autocommit = True
    other.cursor().execute("PREPARE q(int) AS SELECT -1000 + $1 AS v")
    other.close()

    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("PREPARE q(int) AS SELECT 1000 + $1 AS v")  # 42P05 without the shim
    for i in range(5):
        got = one(cur, "EXECUTE q(%s)", (i,))
        check(got == (1000 + i,), f"EXECUTE q({i}) returned {got}, wanted ({1000 + i},) (not the other client's)")
    cur.execute("DEALLOCATE q")
    conn.close()


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "dedupe":
        dedupe(os.environ["PQT_PG_DSN"])
    elif what == "leftover":
        leftover(os.environ["PQT_BOUNCER_TX1_DSN"])
    else:
        print("usage: psycopg2_sql.py dedupe|leftover", file=sys.stderr)
        return 2
    print(f"PASS: psycopg2 {psycopg2.__version__.split()[0]} (libpq {psycopg2.__libpq_version__}), {checks} checks")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # noqa: BLE001
        state = getattr(e, "pgcode", None) or "-"
        first = (str(e).strip().splitlines() or [""])[0]
        print(f"FAILURE: {type(e).__module__}.{type(e).__name__} ({state}): {first}")
        sys.exit(1)
