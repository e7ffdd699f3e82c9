"""psycopg 3's way of reaching libpq: ctypes dlopen("libpq.so.5"), then dlsym
on that handle, which never searches a preloaded library. Re-prepares py0
identically and with another text, then describes and executes it.
PQdescribePrepared matters here: libpq sends its Describe with a static
function, so only the shim's own PQdescribePrepared can map the name."""
import ctypes
import os
import sys

pq = ctypes.CDLL("libpq.so.5")
vp, cp, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
for fn, res, args in [
    ("PQconnectdb", vp, [cp]), ("PQprepare", vp, [vp, cp, cp, i, vp]),
    ("PQexecPrepared", vp, [vp, cp, i, vp, vp, vp, i]), ("PQdescribePrepared", vp, [vp, cp]),
    ("PQresultStatus", i, [vp]), ("PQresultErrorMessage", cp, [vp]), ("PQfname", cp, [vp, i]),
    ("PQgetvalue", cp, [vp, i, i]), ("PQclear", None, [vp]), ("PQfinish", None, [vp]),
]:
    getattr(pq, fn).restype = res
    getattr(pq, fn).argtypes = args
COMMAND_OK, TUPLES_OK = 1, 2


def check(r, want, what):
    if pq.PQresultStatus(r) != want:
        print(what, "failed:", (pq.PQresultErrorMessage(r) or b"").decode().strip())
        sys.exit(1)


c = pq.PQconnectdb(os.environ["PQT_DSN"].encode())
check(pq.PQprepare(c, b"py0", b"select 1 as a", 0, None), COMMAND_OK, "prepare")
check(pq.PQprepare(c, b"py0", b"select 1 as a", 0, None), COMMAND_OK, "identical prepare")
check(pq.PQprepare(c, b"py0", b"select 2 as b", 0, None), COMMAND_OK, "conflicting prepare")
r = pq.PQdescribePrepared(c, b"py0")
check(r, COMMAND_OK, "describe")
if pq.PQfname(r, 0) != b"b":
    print("describe shows the old statement:", pq.PQfname(r, 0))
    sys.exit(1)
r = pq.PQexecPrepared(c, b"py0", 0, None, None, None, 0)
check(r, TUPLES_OK, "exec")
if pq.PQgetvalue(r, 0, 0) != b"2":
    print("exec ran the old statement:", pq.PQgetvalue(r, 0, 0))
    sys.exit(1)
pq.PQfinish(c)
print("ok")
