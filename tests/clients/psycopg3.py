"""psycopg 3.1 (Debian's python3-psycopg, pure-Python libpq wrapper over ctypes).

    /usr/bin/python3 psycopg3.py unnamed   # through PgBouncer transaction mode: PQSHIM_MODE=unnamed
    /usr/bin/python3 psycopg3.py dedupe    # straight to PostgreSQL, SQL PREPARE twice: dedupe mode (default)

psycopg 3 loads libpq with ctypes (dlopen, then dlsym(handle, "PQ...")), and
only uses the asynchronous calls: PQsendPrepare / PQsendQueryPrepared (names
_pg3_0, _pg3_1... per connection, prepare_threshold=0 prepares at the first
execute), PQsendQueryParams and PQsendQuery; pipeline mode with
PQsendFlushRequest; after a rollback() it sends DEALLOCATE ALL.

Exit 0: "PASS: ..."; exit 1: "FAILURE: <class> (<SQLSTATE>): <message>".
"""
import asyncio
import os
import sys
import threading

import psycopg

checks = 0
lock = threading.Lock()


class CheckFailed(Exception):
    pass


def check(cond, what):
    global checks
    if not cond:
        raise CheckFailed(what)
    with lock:
        checks += 1


def connect(dsn, **kw):
    return psycopg.connect(dsn, prepare_threshold=0, **kw)


def pair(dsn):
    """Two connections through a pool-size-1 PgBouncer share one server
    connection; both prepare _pg3_0, _pg3_1 with their own texts."""
    a = connect(dsn, autocommit=True)
    b = connect(dsn, autocommit=True)
    for i in range(15):
        ra = a.execute("select %s::int + 1000 as v, 'a' as who", (i,)).fetchall()
        rb = b.execute("select %s::int + 2000 as v, 'b' as who", (i,)).fetchall()
        check(ra == [(1000 + i, "a")], f"connection a got {ra}, wanted [({1000 + i}, 'a')]")
        check(rb == [(2000 + i, "b")], f"connection b got {rb}, wanted [({2000 + i}, 'b')]")
        ta = a.execute("select %s::text || '-a'", (str(i),)).fetchone()[0]
        tb = b.execute("select '-b' || %s::text", (str(i),)).fetchone()[0]
        check(ta == f"{i}-a" and tb == f"-b{i}", f"text statements: {ta!r} {tb!r}")
    check(a.execute("select 1").fetchone() == (1,), "unprepared query")
    a.close()
    b.close()


def pipelines(dsn, nthreads=3, rounds=15):
    """Threads with their own connection, each round a pipeline block of
    prepared statements (same names, own texts), committed or rolled back
    (rollback() sends DEALLOCATE ALL, which lands on any server connection)."""
    errors = []

    def run(t):
        try:
            with connect(dsn) as conn:
                for i in range(rounds):
                    with conn.pipeline():
                        c1 = conn.execute("select %s::int + %s as v", (i, t * 10000), prepare=True)
                        c2 = conn.execute(f"select %s::text || '/{t}' as tag", (str(i),), prepare=True)
                        c3 = conn.execute(f"select {t} as owner, %s::int * 2 as twice", (i,), prepare=True)
                        r1, r2, r3 = c1.fetchone(), c2.fetchone(), c3.fetchone()
                    check(r1 == (i + t * 10000,), f"thread {t} pipeline: got {r1}, wanted ({i + t * 10000},)")
                    check(r2 == (f"{i}/{t}",), f"thread {t} pipeline: got {r2}, wanted ('{i}/{t}',)")
                    check(r3 == (t, 2 * i), f"thread {t} pipeline: got {r3}, wanted ({t}, {2 * i})")
                    if i % 4 == 3:
                        conn.rollback()  # ROLLBACK, then DEALLOCATE ALL
                    else:
                        conn.commit()
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    ths = [threading.Thread(target=run, args=(t,)) for t in range(1, nthreads + 1)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    if errors:
        raise errors[0]


async def async_clients(dsn, ntasks=4, rounds=20):
    """asyncio: several AsyncConnections in one event loop, transactions,
    a rollback now and then."""

    async def run(t):
        conn = await psycopg.AsyncConnection.connect(dsn, prepare_threshold=0)
        async with conn:
            for i in range(rounds):
                cur = await conn.execute(f"select %s::int + {t * 1000} as v, '{t}' as who", (i,))
                row = await cur.fetchone()
                check(row == (t * 1000 + i, str(t)), f"async task {t} got {row}, wanted ({t * 1000 + i}, '{t}')")
                cur = await conn.execute("select count(*) from generate_series(1, %s::int)", (t + i,))
                n = (await cur.fetchone())[0]
                check(n == t + i, f"async task {t}: count {n}, wanted {t + i}")
                if i % 5 == 4:
                    await conn.rollback()  # ROLLBACK, then DEALLOCATE ALL
                else:
                    await conn.commit()
            async with conn.transaction():
                cur = await conn.execute(f"select %s::int + {t * 1000}", (99,))
                check((await cur.fetchone()) == (t * 1000 + 99,), f"async task {t}: in a transaction block")

    await asyncio.gather(*(run(t) for t in range(1, ntasks + 1)))


def dedupe(dsn):
    """Straight to PostgreSQL: the app runs SQL PREPARE of the same name twice.

    With psycopg's default prepare_threshold the PREPARE / EXECUTE texts go
    out as they are (PQsendQuery); with prepare_threshold=0 psycopg prepares
    them too, so the server runs Parse("_pg3_0", "PREPARE q ...") and later
    Bind/Execute of _pg3_0 again."""
    for threshold in (5, 0):
        where = f"prepare_threshold={threshold}"
        conn = psycopg.connect(dsn, autocommit=True, prepare_threshold=threshold)
        conn.execute("PREPARE q(int) AS SELECT 10 + $1 AS v")
        check(conn.execute("EXECUTE q(1)").fetchone() == (11,), f"{where}: EXECUTE q(1)")
        conn.execute("PREPARE q(int) AS SELECT 10 + $1 AS v")  # 42P05 without the shim
        got = conn.execute("EXECUTE q(2)").fetchone()
        check(got == (12,), f"{where}: EXECUTE q(2) after the identical re-PREPARE returned {got}")
        # psycopg's own prepared statements meanwhile
        for i in range(3):
            got = conn.execute("select %s::int * 3", (i,), prepare=True).fetchone()
            check(got == (3 * i,), f"{where}: a _pg3_ statement returned {got}")
        conn.execute("PREPARE q(int) AS SELECT 20 + $1 AS v")
        got = conn.execute("EXECUTE q(3)").fetchone()
        check(got == (23,), f"{where}: EXECUTE q(3) after PREPARE q with another text returned {got}, wanted (23,)")
        got = conn.execute("EXECUTE q(4)", prepare=True).fetchone()
        check(got == (24,), f"{where}: EXECUTE q(4) prepared by psycopg (Parse of 'EXECUTE q(4)') returned {got}, wanted (24,)")
        conn.execute("DEALLOCATE q")
        try:
            conn.execute("EXECUTE q(5)")
            check(False, f"{where}: EXECUTE after DEALLOCATE succeeded")
        except psycopg.errors.InvalidSqlStatementName:
            check(True, "")
        conn.close()

    async def run_async():
        aconn = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
        async with aconn:
            await aconn.execute("PREPARE r AS SELECT 'first'::text")
            await aconn.execute("PREPARE r AS SELECT 'first'::text")
            got = await (await aconn.execute("EXECUTE r")).fetchone()
            check(got == ("first",), f"async: EXECUTE r returned {got}")
            await aconn.execute("PREPARE r AS SELECT 'second'::text")
            got = await (await aconn.execute("EXECUTE r")).fetchone()
            check(got == ("second",), f"async: EXECUTE r after another PREPARE r returned {got}")

    asyncio.run(run_async())


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "unnamed":
        pair(os.environ["PQT_BOUNCER_TX1_DSN"])
        pipelines(os.environ["PQT_BOUNCER_TX_DSN"])
        asyncio.run(async_clients(os.environ["PQT_BOUNCER_TX_DSN"]))
    elif what == "dedupe":
        dedupe(os.environ["PQT_PG_DSN"])
    else:
        print("usage: psycopg3.py unnamed|dedupe", file=sys.stderr)
        return 2
    print(f"PASS: psycopg {psycopg.__version__} ({psycopg.pq.__impl__} libpq {psycopg.pq.version()}), {checks} checks")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # noqa: BLE001
        state = getattr(e, "sqlstate", None) or "-"
        first = (str(e).strip().splitlines() or [""])[0]
        print(f"FAILURE: {type(e).__module__}.{type(e).__name__} ({state}): {first}")
        sys.exit(1)
