/*
 * Bad and extreme input: the shim must give exactly what plain libpq gives,
 * and never crash. `r_probe NAME` runs one probe and prints what every call
 * returned (NULL-ness, status, SQLSTATE, the error message, values, whether
 * the connection still works, notices); tests/robust/run.sh runs each probe
 * once without the shim and once with it and compares the two outputs and
 * exit statuses byte for byte.
 *
 * Where the shim is documented to differ (it exists to turn 42P05 into
 * success; it handles names over 10,000 bytes that make the server drop the
 * connection), the probe checks each side against its documented behaviour
 * and prints only "as documented" (or "UNEXPECTED ..."), so the outputs stay
 * comparable.
 *
 * `r_probe --list` prints: NAME MODES DOC, where MODES is "both" (also run
 * with PQSHIM_MODE=unnamed) or "dedupe".
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>

#include "rutil.c"

static bool shim;      /* the shim is preloaded */
static bool unnamed;   /* the probe runs in unnamed mode (PQSHIM_MODE=unnamed) */

/*
 * The process's malloc and calloc (the shim's calls land here too): a request
 * over 1 GiB is counted and refused, so a probe can tell that a call tried
 * to allocate absurd amounts without the machine paying for it.
 */
static size_t huge_requests;
#ifndef R_NO_ALLOC_HOOK /* sanitizer builds keep their runtime's allocator */
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
#define HUGE_REQUEST ((size_t)1 << 30)

void *malloc(size_t size)
{
	if (size > HUGE_REQUEST) {
		huge_requests++;
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	if (size && n > HUGE_REQUEST / size) {
		huge_requests++;
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(n, size);
}
#endif
static bool unnamed;   /* run with PQSHIM_MODE=unnamed (both sides: libpq ignores it) */

/* ---- output ---- */

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* A message as one line: long or multi-line text as a prefix, its length and a hash. */
static void put_text(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!s) {
		fputs("(null)", stdout);
		return;
	}
	while (n > 0 && s[n - 1] == '\n')
		n--;
	if (n <= 160 && !memchr(s, '\n', n)) {
		fputc('"', stdout);
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
				printf("\\x%02x", (unsigned char)s[i]);
			else
				fputc(s[i], stdout);
		fputc('"', stdout);
		return;
	}
	fputc('"', stdout);
	for (size_t i = 0; i < 60 && i < n && s[i] != '\n'; i++)
		fputc((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i], stdout);
	printf("...\" (%zu bytes, hash %016llx)", n, (unsigned long long)fnv(s, n));
}

/* One line per call: what the result was, and the connection's state after it. */
static void show(const char *label, PGconn *c, PGresult *r)
{
	printf("%s: ", label);
	if (!r) {
		printf("NULL; conn error ");
		put_text(c ? PQerrorMessage(c) : NULL);
	} else {
		ExecStatusType st = PQresultStatus(r);
		const char *ss = PQresultErrorField(r, PG_DIAG_SQLSTATE);

		printf("%s", PQresStatus(st));
		/*
		 * Documented (README, unnamed mode): a wrong number of parameter
		 * values is reported for the unnamed statement the shim executes
		 * ("" in the message, or 42P18 for values beyond the recorded types).
		 */
		if (unnamed && ss &&
		    ((strcmp(ss, "08P01") == 0 &&
		      strstr(PQresultErrorMessage(r), "bind message supplies")) ||
		     strcmp(ss, "42P18") == 0)) {
			printf(" wrong number of parameters (as documented for unnamed mode)");
			ss = NULL;
			st = PGRES_EMPTY_QUERY; /* the message is not compared */
		}
		if (ss)
			printf(" %s", ss);
		if (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR) {
			printf(" ");
			put_text(PQresultErrorMessage(r));
		}
		printf(" tag=%s", PQcmdStatus(r));
		if (st == PGRES_TUPLES_OK) {
			printf(" rows=%d cols=%d", PQntuples(r), PQnfields(r));
			if (PQntuples(r) > 0 && PQnfields(r) > 0) {
				printf(" v=");
				put_text(PQgetvalue(r, 0, 0));
			}
		} else if (st == PGRES_COMMAND_OK) {
			printf(" params=%d cols=%d", PQnparams(r), PQnfields(r));
		}
	}
	if (c)
		printf(" | status=%d tx=%d", (int)PQstatus(c), (int)PQtransactionStatus(c));
	putchar('\n');
	PQclear(r);
}

static void show_int(const char *label, PGconn *c, int v)
{
	printf("%s: %d", label, v);
	if (c && v <= 0) {
		printf(" conn error ");
		put_text(PQerrorMessage(c));
	}
	if (c)
		printf(" | status=%d", (int)PQstatus(c));
	putchar('\n');
}

/* Every result of the command in progress, then the NULL that ends it. */
static void show_all(const char *label, PGconn *c)
{
	char l[256];
	PGresult *r;

	for (int i = 0; i < 100000; i++) {
		r = PQgetResult(c);
		snprintf(l, sizeof(l), "%s result %d", label, i);
		if (!r) {
			printf("%s: end\n", l);
			return;
		}
		show(l, c, r);
		if (PQresultStatus(r) == PGRES_COPY_IN || PQresultStatus(r) == PGRES_COPY_OUT)
			return;
	}
}

static void notice(void *arg, const PGresult *r)
{
	const char *ss = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	(void)arg;
	/*
	 * Documented (README, unnamed mode): a DEALLOCATE of a name the shim
	 * recorded never sends that name, so the server's "identifier will be
	 * truncated" notice for a long one does not come.
	 */
	if (unnamed && ss && strcmp(ss, "42622") == 0)
		return;
	printf("  notice %s ", ss ? ss : "-");
	put_text(PQresultErrorMessage(r));
	putchar('\n');
}

/* A connection to PQT_DSN with notices printed in line; exits 3 if none. */
static PGconn *conn(void)
{
	PGconn *c = r_connect();

	if (!c)
		exit(3);
	PQsetNoticeReceiver(c, notice, NULL);
	return c;
}

static void alive(const char *label, PGconn *c)
{
	PGresult *r = PQexec(c, "SELECT 'alive'");

	printf("%s: %s | status=%d\n", label,
	       PQresultStatus(r) == PGRES_TUPLES_OK ? "alive" : "not alive", (int)PQstatus(c));
	PQclear(r);
}

/*
 * A step where the shim is documented to differ: each side is checked
 * against its own documented behaviour, and only the verdict is printed.
 */
static void documented(const char *label, bool holds, const char *detail)
{
	if (holds)
		printf("%s: as documented\n", label);
	else
		printf("%s: UNEXPECTED %s (%s)\n", label, detail, shim ? "with the shim" : "without");
}

/* A re-prepare: success with the shim, 42P05 without (the reason the shim exists). */
static void reprepare(const char *label, PGconn *c, const char *name, const char *sql,
		      int n, const Oid *types)
{
	PGresult *r = PQprepare(c, name, sql, n, types);
	char detail[600];

	snprintf(detail, sizeof(detail), "%s %s %s", r ? PQresStatus(PQresultStatus(r)) : "NULL",
		 pqt_sqlstate(r), r ? PQresultErrorMessage(r) : PQerrorMessage(c));
	documented(label,
		   shim ? PQresultStatus(r) == PGRES_COMMAND_OK :
			  strcmp(pqt_sqlstate(r), "42P05") == 0,
		   detail);
	PQclear(r);
}

static char *repeat(char ch, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		exit(4);
	memset(s, ch, n);
	s[n] = '\0';
	return s;
}

static const char *const one_value[] = { "7" };

/* ---- probes ---- */

static int p_null_conn(void)
{
	show("PQprepare(NULL)", NULL, PQprepare(NULL, "s", "SELECT 1", 0, NULL));
	show_int("PQsendPrepare(NULL)", NULL, PQsendPrepare(NULL, "s", "SELECT 1", 0, NULL));
	show("PQexec(NULL)", NULL, PQexec(NULL, "SELECT 1"));
	show("PQexec(NULL, PREPARE)", NULL, PQexec(NULL, "PREPARE s AS SELECT 1"));
	show_int("PQsendQuery(NULL)", NULL, PQsendQuery(NULL, "SELECT 1"));
	show_int("PQsendQuery(NULL, PREPARE)", NULL, PQsendQuery(NULL, "PREPARE s AS SELECT 1"));
	show("PQexecParams(NULL)", NULL, PQexecParams(NULL, "SELECT 1", 0, NULL, NULL, NULL, NULL, 0));
	show_int("PQsendQueryParams(NULL)", NULL,
		 PQsendQueryParams(NULL, "EXECUTE s", 0, NULL, NULL, NULL, NULL, 0));
	show("PQexecPrepared(NULL)", NULL, PQexecPrepared(NULL, "s", 0, NULL, NULL, NULL, 0));
	show_int("PQsendQueryPrepared(NULL)", NULL,
		 PQsendQueryPrepared(NULL, "s", 0, NULL, NULL, NULL, 0));
	show("PQdescribePrepared(NULL)", NULL, PQdescribePrepared(NULL, "s"));
	show_int("PQsendDescribePrepared(NULL)", NULL, PQsendDescribePrepared(NULL, "s"));
	show_int("PQsendDescribePortal(NULL)", NULL, PQsendDescribePortal(NULL, ""));
	show("PQgetResult(NULL)", NULL, PQgetResult(NULL));
	show_int("PQisBusy(NULL)", NULL, PQisBusy(NULL));
	show_int("PQconsumeInput(NULL)", NULL, PQconsumeInput(NULL));
	show_int("PQpipelineSync(NULL)", NULL, PQpipelineSync(NULL));
	show_int("PQresetStart(NULL)", NULL, PQresetStart(NULL));
	show_int("PQresetPoll(NULL)", NULL, (int)PQresetPoll(NULL));
	show_int("PQconnectPoll(NULL)", NULL, (int)PQconnectPoll(NULL));
	PQreset(NULL);
	printf("PQreset(NULL): returned\n");
	PQfinish(NULL);
	printf("PQfinish(NULL): returned\n");
	return 0;
}

static int p_null_name(void)
{
	PGconn *c = conn();

	show("PQprepare(name NULL)", c, PQprepare(c, NULL, "SELECT 1", 0, NULL));
	show_int("PQsendPrepare(name NULL)", c, PQsendPrepare(c, NULL, "SELECT 1", 0, NULL));
	show("PQexecPrepared(name NULL)", c, PQexecPrepared(c, NULL, 0, NULL, NULL, NULL, 0));
	show_int("PQsendQueryPrepared(name NULL)", c,
		 PQsendQueryPrepared(c, NULL, 0, NULL, NULL, NULL, 0));
	/* libpq describes the unnamed statement for a NULL name */
	show("PQprepare('')", c, PQprepare(c, "", "SELECT 1 AS one", 0, NULL));
	show("PQdescribePrepared(name NULL)", c, PQdescribePrepared(c, NULL));
	show_int("PQsendDescribePrepared(name NULL)", c, PQsendDescribePrepared(c, NULL));
	show_all("  after it", c);
	show_int("PQsendDescribePortal(name NULL)", c, PQsendDescribePortal(c, NULL));
	show_all("  after it", c);
	alive("then", c);
	PQfinish(c);
	return 0;
}

static int p_empty_name(void)
{
	PGconn *c = conn();

	show("prepare ''", c, PQprepare(c, "", "SELECT 'first'", 0, NULL));
	show("exec ''", c, PQexecPrepared(c, "", 0, NULL, NULL, NULL, 0));
	show("describe ''", c, PQdescribePrepared(c, ""));
	show("prepare '' again, other text", c, PQprepare(c, "", "SELECT 'second', 2", 0, NULL));
	show("exec ''", c, PQexecPrepared(c, "", 0, NULL, NULL, NULL, 0));
	show("prepare '' again, same text", c, PQprepare(c, "", "SELECT 'second', 2", 0, NULL));
	show("describe ''", c, PQdescribePrepared(c, ""));
	show_int("send prepare ''", c, PQsendPrepare(c, "", "SELECT 'third'", 0, NULL));
	show_all("  after it", c);
	show_int("send exec ''", c, PQsendQueryPrepared(c, "", 0, NULL, NULL, NULL, 0));
	show_all("  after it", c);
	show("exec '' with a parameter too many", c,
	     PQexecPrepared(c, "", 1, one_value, NULL, NULL, 0));
	show("SQL EXECUTE \"\"", c, PQexec(c, "EXECUTE \"\""));
	show("SQL PREPARE \"\"", c, PQexec(c, "PREPARE \"\" AS SELECT 1"));
	show("SQL DEALLOCATE \"\"", c, PQexec(c, "DEALLOCATE \"\""));
	alive("then", c);
	PQfinish(c);
	return 0;
}

static int p_null_query(void)
{
	PGconn *c = conn();

	show("PQprepare(query NULL)", c, PQprepare(c, "s", NULL, 0, NULL));
	show_int("PQsendPrepare(query NULL)", c, PQsendPrepare(c, "s", NULL, 0, NULL));
	show("PQprepare('', query NULL)", c, PQprepare(c, "", NULL, 0, NULL));
	show("PQexec(NULL)", c, PQexec(c, NULL));
	show_int("PQsendQuery(NULL)", c, PQsendQuery(c, NULL));
	show("PQexecParams(NULL)", c, PQexecParams(c, NULL, 0, NULL, NULL, NULL, NULL, 0));
	show_int("PQsendQueryParams(NULL)", c, PQsendQueryParams(c, NULL, 0, NULL, NULL, NULL, NULL, 0));
	show("then prepare s", c, PQprepare(c, "s", "SELECT 's'", 0, NULL));
	show("exec s", c, PQexecPrepared(c, "s", 0, NULL, NULL, NULL, 0));
	show("empty query text", c, PQprepare(c, "e", "", 0, NULL));
	show("exec e", c, PQexecPrepared(c, "e", 0, NULL, NULL, NULL, 0));
	show("PQexec('')", c, PQexec(c, ""));
	show("PQexec(';;')", c, PQexec(c, ";;"));
	alive("then", c);
	PQfinish(c);
	return 0;
}

static int p_nparams(void)
{
	static const int bad[] = { -1, 65536, INT_MAX, INT_MIN };
	Oid types[4] = { 23, 23, 23, 23 };
	PGconn *c = conn();
	char l[128], name[16];

	show("prepare s (1 int param)", c, PQprepare(c, "s", "SELECT $1::int + 1", 1, types));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int n = bad[i];

		snprintf(name, sizeof(name), "b%zu", i);
		snprintf(l, sizeof(l), "prepare %s nParams=%d types NULL", name, n);
		show(l, c, PQprepare(c, name, "SELECT 1", n, NULL));
		snprintf(l, sizeof(l), "prepare %s nParams=%d types[4]", name, n);
		show(l, c, PQprepare(c, name, "SELECT 1", n, types));
		snprintf(l, sizeof(l), "send prepare %s nParams=%d", name, n);
		show_int(l, c, PQsendPrepare(c, name, "SELECT 1", n, types));
		show_all("  after it", c);
		snprintf(l, sizeof(l), "prepare s again nParams=%d", n);
		show(l, c, PQprepare(c, "s", "SELECT $1::int + 1", n, types));
		snprintf(l, sizeof(l), "exec s nParams=%d values NULL", n);
		show(l, c, PQexecPrepared(c, "s", n, NULL, NULL, NULL, 0));
		snprintf(l, sizeof(l), "send exec s nParams=%d", n);
		show_int(l, c, PQsendQueryPrepared(c, "s", n, NULL, NULL, NULL, 0));
		show_all("  after it", c);
		snprintf(l, sizeof(l), "exec params nParams=%d", n);
		show(l, c, PQexecParams(c, "SELECT $1::int", n, NULL, NULL, NULL, NULL, 0));
		snprintf(l, sizeof(l), "exec params EXECUTE s nParams=%d", n);
		show(l, c, PQexecParams(c, "EXECUTE s(1)", n, NULL, NULL, NULL, NULL, 0));
	}
	show("exec s with its 1 value", c, PQexecPrepared(c, "s", 1, one_value, NULL, NULL, 0));
	show("exec s with no value", c, PQexecPrepared(c, "s", 0, NULL, NULL, NULL, 0));
	show("exec s with 2 values", c, PQexecPrepared(c, "s", 2, (const char *const[]){ "1", "2" },
						       NULL, NULL, 0));
	alive("then", c);
	PQfinish(c);
	return 0;
}

/*
 * Unnamed mode pads the recorded parameter types to the call's nParams: an
 * out-of-range nParams must still get libpq's own error, and cheaply.
 */
static int p_nparams_memory(void)
{
	static const int bad[] = { 65536, INT_MAX };
	Oid types[1] = { 23 };
	PGconn *c = conn();
	char l[128];

	show("prepare s (1 int param)", c, PQprepare(c, "s", "SELECT $1::int + 1", 1, types));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		huge_requests = 0;
		snprintf(l, sizeof(l), "exec s nParams=%d", bad[i]);
		show(l, c, PQexecPrepared(c, "s", bad[i], NULL, NULL, NULL, 0));
		snprintf(l, sizeof(l), "send exec s nParams=%d", bad[i]);
		show_int(l, c, PQsendQueryPrepared(c, "s", bad[i], NULL, NULL, NULL, 0));
		show_all("  after it", c);
		printf("allocations of over 1 GiB tried: %zu\n", huge_requests);
	}
	alive("then", c);
	PQfinish(c);
	return 0;
}

static int p_types_null(void)
{
	PGconn *c = conn();
	const char *const two[] = { "1", "2" };

	show("prepare 2 params types NULL", c, PQprepare(c, "s", "SELECT $1::int + $2::int", 2, NULL));
	show("exec", c, PQexecPrepared(c, "s", 2, two, NULL, NULL, 0));
	show("describe", c, PQdescribePrepared(c, "s"));
	show("prepare 3 params types NULL, text with 2", c,
	     PQprepare(c, "t", "SELECT $1::int + $2::int", 3, NULL));
	show("describe t", c, PQdescribePrepared(c, "t"));
	show("prepare 65535 params types NULL", c, PQprepare(c, "u", "SELECT 1", 65535, NULL));
	show("describe u", c, PQdescribePrepared(c, "u"));
	show("prepare untyped $1", c, PQprepare(c, "v", "SELECT $1", 1, NULL));
	show("exec v", c, PQexecPrepared(c, "v", 1, one_value, NULL, NULL, 0));
	show("prepare undeterminable $1", c, PQprepare(c, "w", "SELECT $1 + $1", 0, NULL));
	alive("then", c);
	PQfinish(c);
	return 0;
}

/* name as a SQL quoted identifier (malloc'd), with room for a suffix of 32 bytes. */
static char *quoted(const char *name)
{
	size_t n = strlen(name), j = 0;
	char *q = malloc(2 * n + 3 + 32);

	if (!q)
		exit(4);
	q[j++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '"')
			q[j++] = '"';
		q[j++] = name[i];
	}
	q[j++] = '"';
	q[j] = '\0';
	return q;
}

static void show_sql(const char *label, PGconn *c, const char *verb, const char *name,
		     const char *suffix)
{
	char *q = quoted(name);
	char *sql = malloc(strlen(q) + 64);

	if (!sql)
		exit(4);
	sprintf(sql, "%s %s%s", verb, q, suffix);
	show(label, c, PQexec(c, sql));
	free(sql);
	free(q);
}

/* One name through prepare, exec, describe, async, SQL EXECUTE and DEALLOCATE. */
static void name_round(PGconn *c, const char *label, const char *name)
{
	char l[256];

	snprintf(l, sizeof(l), "%s: prepare", label);
	show(l, c, PQprepare(c, name, "SELECT $1::int * 2", 1, NULL));
	if (PQstatus(c) != CONNECTION_OK)
		return;
	snprintf(l, sizeof(l), "%s: exec", label);
	show(l, c, PQexecPrepared(c, name, 1, one_value, NULL, NULL, 0));
	snprintf(l, sizeof(l), "%s: exec with no parameter", label);
	show(l, c, PQexecPrepared(c, name, 0, NULL, NULL, NULL, 0));
	snprintf(l, sizeof(l), "%s: describe", label);
	show(l, c, PQdescribePrepared(c, name));
	snprintf(l, sizeof(l), "%s: send exec", label);
	show_int(l, c, PQsendQueryPrepared(c, name, 1, one_value, NULL, NULL, 0));
	show_all("  after it", c);
	snprintf(l, sizeof(l), "%s: send describe", label);
	show_int(l, c, PQsendDescribePrepared(c, name));
	show_all("  after it", c);
	/* documented: in unnamed mode SQL EXECUTE does not reach protocol-prepared statements */
	if (!unnamed) {
		snprintf(l, sizeof(l), "%s: SQL EXECUTE quoted", label);
		show_sql(l, c, "EXECUTE", name, "(3)");
		snprintf(l, sizeof(l), "%s: SQL EXECUTE quoted, 2 arguments", label);
		show_sql(l, c, "EXECUTE", name, "(3, 4)");
	}
	snprintf(l, sizeof(l), "%s: SQL DEALLOCATE quoted", label);
	show_sql(l, c, "DEALLOCATE", name, "");
	snprintf(l, sizeof(l), "%s: exec after DEALLOCATE", label);
	show(l, c, PQexecPrepared(c, name, 1, one_value, NULL, NULL, 0));
}

static int p_names_length(void)
{
	static const size_t lens[] = { 62, 63, 64, 100, 1000, 9994 };
	PGconn *c = conn();
	char l[64];

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char *name = repeat('a' + (char)i, lens[i]);

		snprintf(l, sizeof(l), "name of %zu bytes", lens[i]);
		name_round(c, l, name);
		free(name);
		alive("then", c);
		if (PQstatus(c) != CONNECTION_OK) {
			PQfinish(c);
			c = conn();
		}
	}
	PQfinish(c);
	return 0;
}

/* Two names sharing their first 63 bytes are one statement on the server. */
static int p_names_shared_prefix(void)
{
	PGconn *c = conn();
	char *a = repeat('p', 80), *b = repeat('p', 70);

	a[75] = 'A';
	show("prepare the 80-byte name", c, PQprepare(c, a, "SELECT 'first'", 0, NULL));
	show("exec the 70-byte name (same first 63 bytes)", c,
	     PQexecPrepared(c, b, 0, NULL, NULL, NULL, 0));
	show("describe the 63-byte prefix", c, (b[63] = '\0', PQdescribePrepared(c, b)));
	show("exec the 63-byte prefix", c, PQexecPrepared(c, b, 0, NULL, NULL, NULL, 0));
	show("DEALLOCATE the prefix in SQL (notice: truncated)", c,
	     PQexec(c, "DEALLOCATE ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"));
	show("exec the 80-byte name after it", c, PQexecPrepared(c, a, 0, NULL, NULL, NULL, 0));
	alive("then", c);
	free(a);
	free(b);
	PQfinish(c);
	return 0;
}

/* Names nobody prepared: the server's "does not exist" names them. */
static int p_names_unknown(void)
{
	static const size_t lens[] = { 63, 64, 200, 9000 };
	PGconn *c = conn();
	char l[96];

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char *name = repeat('u', lens[i]);

		snprintf(l, sizeof(l), "exec unknown %zu-byte name", lens[i]);
		show(l, c, PQexecPrepared(c, name, 0, NULL, NULL, NULL, 0));
		snprintf(l, sizeof(l), "describe unknown %zu-byte name", lens[i]);
		show(l, c, PQdescribePrepared(c, name));
		snprintf(l, sizeof(l), "send exec unknown %zu-byte name", lens[i]);
		show_int(l, c, PQsendQueryPrepared(c, name, 0, NULL, NULL, NULL, 0));
		show_all("  after it", c);
		free(name);
	}
	alive("then", c);
	PQfinish(c);
	return 0;
}

/*
 * A Describe of a statement name over 10,000 bytes makes the server drop
 * the connection (documented); the shim sends a generated name instead.
 */
static int p_names_16k(void)
{
	static const size_t lens[] = { 9995, 16384 };

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		PGconn *c = conn();
		char *name = repeat('z', lens[i]);
		char l[96];
		PGresult *r;
		bool ok;

		r = PQprepare(c, name, "SELECT $1::int * 3", 1, NULL);
		printf("prepare %zu-byte name: %s\n", lens[i], PQresStatus(PQresultStatus(r)));
		PQclear(r);
		r = PQexecPrepared(c, name, 1, one_value, NULL, NULL, 0);
		printf("exec: %s %s\n", PQresStatus(PQresultStatus(r)), pqt_value(r));
		PQclear(r);
		r = PQdescribePrepared(c, name);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK && PQnparams(r) == 1;
		PQclear(r);
		snprintf(l, sizeof(l), "describe %zu-byte name", lens[i]);
		documented(l, shim ? ok && PQstatus(c) == CONNECTION_OK : PQstatus(c) == CONNECTION_BAD,
			   shim ? "describe failed" : "the connection survived");
		if (shim) {
			r = PQexecPrepared(c, name, 1, one_value, NULL, NULL, 0);
			documented("exec after describe", strcmp(pqt_value(r), "21") == 0,
				   pqt_sqlstate(r));
			PQclear(r);
			reprepare("identical re-prepare", c, name, "SELECT $1::int * 3", 1, NULL);
			r = PQexecPrepared(c, name, 1, one_value, NULL, NULL, 0);
			documented("exec again", strcmp(pqt_value(r), "21") == 0, pqt_sqlstate(r));
			PQclear(r);
			ok = PQsendDescribePrepared(c, name);
			r = ok ? r_async_one(c) : NULL;
			documented("send describe", r && PQresultStatus(r) == PGRES_COMMAND_OK,
				   PQerrorMessage(c));
			PQclear(r);
		} else {
			printf("exec after describe: as documented\n");
			printf("identical re-prepare: as documented\n");
			printf("exec again: as documented\n");
			printf("send describe: as documented\n");
		}
		free(name);
		PQfinish(c);
	}
	return 0;
}

static int p_names_odd(void)
{
	static const char *const names[] = {
		"with space", "with \"double\" quotes", "with 'single' quotes", "semi;colon",
		"back\\slash", "new\nline", "tab\there", "MixedCase", "mixedcase", "$1", "--dash",
		"/*comment*/", "_pqs_00000000_1", "_pqs_gone", "\xc3\xa9t\xc3\xa9", "\xff\xfe",
		"ok\x80", "\xe2\x82",
	};
	PGconn *c = conn();
	char l[128], *straddle, *bad70;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(l, sizeof(l), "name #%zu", i);
		name_round(c, l, names[i]);
		alive("then", c);
	}
	/* 62 bytes + a 2-byte character: the 63-byte cut splits it */
	straddle = malloc(80);
	if (!straddle)
		return 4;
	memset(straddle, 's', 62);
	strcpy(straddle + 62, "\xc3\xa9");
	show("exec unknown name whose 63-byte cut splits a character", c,
	     PQexecPrepared(c, straddle, 0, NULL, NULL, NULL, 0));
	name_round(c, "62 bytes + e-acute", straddle);
	alive("then", c);
	/* over 63 bytes and not valid UTF-8 */
	bad70 = repeat('x', 70);
	bad70[10] = '\xff';
	name_round(c, "70 bytes, not UTF-8", bad70);
	alive("then", c);
	free(straddle);
	free(bad70);
	PQfinish(c);
	return 0;
}

static int p_query_1mib(void)
{
	const size_t mib = 1u << 20;
	PGconn *c = conn();
	char *big = malloc(mib + 64), *stmts;
	PGresult *r;

	if (!big)
		return 4;
	strcpy(big, "SELECT length('");
	memset(big + strlen(big), 'q', mib);
	strcpy(big + 15 + mib, "')");
	show("prepare 1 MiB query", c, PQprepare(c, "big", big, 0, NULL));
	show("exec", c, PQexecPrepared(c, "big", 0, NULL, NULL, NULL, 0));
	show("describe", c, PQdescribePrepared(c, "big"));
	show("exec params 1 MiB", c, PQexecParams(c, big, 0, NULL, NULL, NULL, NULL, 0));
	/* the same text under SQL PREPARE */
	memmove(big + 19, big, strlen(big) + 1);
	memcpy(big, "PREPARE sbig AS    ", 19);
	show("SQL PREPARE of 1 MiB", c, PQexec(c, big));
	show("EXECUTE it", c, PQexec(c, "EXECUTE sbig"));
	/* 1 MiB of statements */
	stmts = malloc(mib + 64);
	if (!stmts)
		return 4;
	stmts[0] = '\0';
	for (size_t off = 0; off + 40 < mib;)
		off += (size_t)sprintf(stmts + off, "SELECT %zu;", off);
	show("PQexec of 1 MiB of statements (the last result)", c, PQexec(c, stmts));
	/* many PREPAREs and EXECUTEs in one text: more references than the shim tracks */
	stmts[0] = '\0';
	for (size_t i = 0, off = 0; i < 2000; i++)
		off += (size_t)sprintf(stmts + off, "PREPARE m%zu AS SELECT %zu; EXECUTE m%zu;", i, i, i);
	show("PQexec of 2000 PREPARE + EXECUTE pairs", c, PQexec(c, stmts));
	show("exec m1999", c, PQexecPrepared(c, "m1999", 0, NULL, NULL, NULL, 0));
	show("SQL EXECUTE m5", c, PQexec(c, "EXECUTE m5"));
	/* unterminated: 1,000 nested comments (the server's lexer is quadratic in
	   the depth, so not 1 MiB of them), a 1 MiB string, a 1 MiB dollar quote */
	strcpy(stmts, "PREPARE nc AS SELECT 1 ");
	for (size_t i = 0, off = strlen(stmts); i < 1000; i++, off += 2)
		memcpy(stmts + off, "/*", 3);
	show("1,000 unterminated nested comments", c, PQexec(c, stmts));
	strcpy(stmts, "PREPARE us AS SELECT '");
	memset(stmts + strlen(stmts), 'x', mib - 64);
	stmts[mib - 64 + 22] = '\0';
	show("1 MiB unterminated string", c, PQexec(c, stmts));
	memcpy(stmts, "PREPARE ud AS SELECT $q$", 24);
	show("1 MiB unterminated dollar quote", c, PQexec(c, stmts));
	{
		size_t off = 0;

		for (; off + 40 < mib; off += 20)
			memcpy(stmts + off, "-- PREPARE x AS 1\n  ", 20);
		strcpy(stmts + off, "SELECT 'end'");
	}
	show("1 MiB of comment lines", c, PQexec(c, stmts));
	/* 100,000 nested parentheses */
	strcpy(stmts, "PREPARE np AS SELECT ");
	for (size_t i = 0, off = strlen(stmts); i < 100000; i++, off++)
		stmts[off] = '(';
	strcpy(stmts + strlen("PREPARE np AS SELECT ") + 100000, "1");
	show("100,000 open parentheses", c, PQexec(c, stmts));
	/* a text the shim does not follow reaches the server as written, in every mode */
	r = PQexec(c, "SELECT count(*) FROM pg_prepared_statements WHERE name IN ('m5','m1999')");
	show("SQL statements of an untracked text on the server", c, r);
	/* unnamed mode records a SQL PREPARE and leaves nothing under its name (README) */
	r = PQexec(c, "SELECT count(*) FROM pg_prepared_statements WHERE name = 'sbig'");
	documented("a SQL PREPARE on the server", strcmp(pqt_value(r), shim && unnamed ? "0" : "1") == 0,
		   pqt_value(r));
	PQclear(r);
	alive("then", c);
	free(big);
	free(stmts);
	PQfinish(c);
	return 0;
}

static int p_many_statements(void)
{
	const int total = 100000;
	PGconn *c = conn();
	char name[32], sql[64], want[32];
	int bad_prep = 0, bad_exec = 0;
	PGresult *r;

	for (int i = 0; i < total; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		r = PQprepare(c, name, sql, 0, NULL);
		bad_prep += PQresultStatus(r) != PGRES_COMMAND_OK;
		PQclear(r);
	}
	for (int i = 0; i < total; i += 997) {
		snprintf(name, sizeof(name), "s%d", i);
		snprintf(want, sizeof(want), "%d", i);
		r = PQexecPrepared(c, name, 0, NULL, NULL, NULL, 0);
		bad_exec += strcmp(pqt_value(r), want) != 0;
		PQclear(r);
	}
	printf("%d prepares: %d failed; sampled execs: %d wrong\n", total, bad_prep, bad_exec);
	show("statements on the server", c,
	     PQexec(c, "SELECT count(*) FROM pg_prepared_statements"));
	reprepare("identical re-prepare s5", c, "s5", "SELECT 5", 0, NULL);
	reprepare("identical re-prepare s99999", c, "s99999", "SELECT 99999", 0, NULL);
	reprepare("conflicting re-prepare s6", c, "s6", "SELECT 'six'", 0, NULL);
	reprepare("conflicting re-prepare s70000", c, "s70000", "SELECT 'seventy'", 0, NULL);
	r = PQexecPrepared(c, "s5", 0, NULL, NULL, NULL, 0);
	documented("exec s5", strcmp(pqt_value(r), "5") == 0, pqt_value(r));
	PQclear(r);
	r = PQexecPrepared(c, "s6", 0, NULL, NULL, NULL, 0);
	documented("exec s6", strcmp(pqt_value(r), shim ? "six" : "6") == 0, pqt_value(r));
	PQclear(r);
	r = PQexecPrepared(c, "s70000", 0, NULL, NULL, NULL, 0);
	documented("exec s70000", strcmp(pqt_value(r), shim ? "seventy" : "70000") == 0,
		   pqt_value(r));
	PQclear(r);
	show("exec s99998", c, PQexecPrepared(c, "s99998", 0, NULL, NULL, NULL, 0));
	show("DEALLOCATE ALL", c, PQexec(c, "DEALLOCATE ALL"));
	show("prepare s6 after DEALLOCATE ALL", c, PQprepare(c, "s6", "SELECT 6", 0, NULL));
	show("exec s6", c, PQexecPrepared(c, "s6", 0, NULL, NULL, NULL, 0));
	alive("then", c);
	PQfinish(c);
	return 0;
}

static bool wait_readable(PGconn *c)
{
	struct pollfd p = { .fd = PQsocket(c), .events = POLLIN };

	return poll(&p, 1, 10000) == 1;
}

static int p_idle_calls(void)
{
	PGconn *c = conn();
	int busy, loops = 0;

	show("PQgetResult with nothing pending", c, PQgetResult(c));
	show_int("PQisBusy with nothing pending", c, PQisBusy(c));
	show_int("PQconsumeInput with nothing pending", c, PQconsumeInput(c));
	show_int("PQsetnonblocking(1)", c, PQsetnonblocking(c, 1) == 0);
	show_int("PQisnonblocking", c, PQisnonblocking(c));
	show_int("send prepare (non-blocking)", c, PQsendPrepare(c, "n", "SELECT 'nb'", 0, NULL));
	while (PQflush(c) == 1)
		loops++;
	while ((busy = PQisBusy(c)) && wait_readable(c))
		if (!PQconsumeInput(c))
			break;
	show_int("busy after the loop", c, busy);
	show_all("  results", c);
	show("PQgetResult after the end", c, PQgetResult(c));
	show("and again", c, PQgetResult(c));
	show_int("send exec (non-blocking)", c, PQsendQueryPrepared(c, "n", 0, NULL, NULL, NULL, 0));
	show_int("send another while busy", c, PQsendQuery(c, "SELECT 2"));
	show_int("send prepare while busy", c, PQsendPrepare(c, "n2", "SELECT 2", 0, NULL));
	while (PQflush(c) == 1)
		loops++;
	while (PQisBusy(c) && wait_readable(c))
		if (!PQconsumeInput(c))
			break;
	show_all("  results", c);
	show_int("PQsetnonblocking(0)", c, PQsetnonblocking(c, 0) == 0);
	show_int("send exec, then a blocking prepare with its results unread", c,
		 PQsendQueryPrepared(c, "n", 0, NULL, NULL, NULL, 0));
	show("blocking prepare n3", c, PQprepare(c, "n3", "SELECT 3", 0, NULL));
	show("PQgetResult after it", c, PQgetResult(c));
	show_int("send query, then PQexec with its results unread", c, PQsendQuery(c, "SELECT 1; SELECT 2"));
	show("PQexec", c, PQexec(c, "SELECT 'after'"));
	show_int("PQisBusy at rest", c, PQisBusy(c));
	alive("then", c);
	PQfinish(c);
	return 0;
}

static int p_bad_conn(void)
{
	PGconn *c = PQconnectdb("host=/nonexistent-pqshim-dir port=1 connect_timeout=2");

	PQsetNoticeReceiver(c, notice, NULL);
	show_int("status", c, (int)PQstatus(c));
	show("prepare", c, PQprepare(c, "s", "SELECT 1", 0, NULL));
	show("prepare again", c, PQprepare(c, "s", "SELECT 1", 0, NULL));
	show("exec", c, PQexecPrepared(c, "s", 0, NULL, NULL, NULL, 0));
	show("describe", c, PQdescribePrepared(c, "s"));
	show("PQexec PREPARE", c, PQexec(c, "PREPARE s AS SELECT 1"));
	show_int("send prepare", c, PQsendPrepare(c, "s", "SELECT 1", 0, NULL));
	show_int("send query", c, PQsendQuery(c, "DEALLOCATE ALL"));
	show("PQgetResult", c, PQgetResult(c));
	show_int("PQisBusy", c, PQisBusy(c));
	show_int("PQconsumeInput", c, PQconsumeInput(c));
	show_int("PQenterPipelineMode", c, PQenterPipelineMode(c));
	show_int("PQpipelineSync", c, PQpipelineSync(c));
	PQreset(c);
	show_int("after PQreset", c, (int)PQstatus(c));
	show_int("PQresetStart", c, PQresetStart(c));
	show_int("PQresetPoll", c, (int)PQresetPoll(c));
	show("prepare after reset", c, PQprepare(c, "s", "SELECT 1", 0, NULL));
	PQfinish(c);
	return 0;
}

/* The server ends the session while the app holds statements. */
static int p_terminated(void)
{
	PGconn *c = conn(), *killer = conn();
	char sql[96];
	PGresult *r;

	show("prepare s", c, PQprepare(c, "s", "SELECT 's'", 0, NULL));
	show("prepare t", c, PQprepare(c, "t", "SELECT 't'", 0, NULL));
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d, 5000)", PQbackendPID(c));
	r = PQexec(killer, sql);
	printf("terminated: %s\n", pqt_value(r));
	PQclear(r);
	/*
	 * Documented: an identical re-prepare is answered without a round trip,
	 * so the shim reports success where libpq learns the session is gone.
	 */
	r = PQprepare(c, "t", "SELECT 't'", 0, NULL);
	documented("identical re-prepare t on the ended session (libpq does not know yet)",
		   shim ? PQresultStatus(r) == PGRES_COMMAND_OK && PQstatus(c) == CONNECTION_OK
			: PQresultStatus(r) != PGRES_COMMAND_OK,
		   r ? PQresStatus(PQresultStatus(r)) : "NULL");
	PQclear(r);
	/* the shim's session learns it here, libpq's one call earlier: only the outcome compares */
	r = PQexecPrepared(c, "s", 0, NULL, NULL, NULL, 0);
	printf("exec s on the ended session: %s | status=%d\n",
	       PQresultStatus(r) == PGRES_TUPLES_OK ? "worked" : "failed", (int)PQstatus(c));
	PQclear(r);
	show("prepare u", c, PQprepare(c, "u", "SELECT 'u'", 0, NULL));
	show("identical re-prepare t (libpq knows now)", c, PQprepare(c, "t", "SELECT 't'", 0, NULL));
	show_int("send exec", c, PQsendQueryPrepared(c, "s", 0, NULL, NULL, NULL, 0));
	show("PQgetResult", c, PQgetResult(c));
	PQreset(c);
	show_int("after PQreset", c, (int)PQstatus(c));
	show("exec s after reset", c, PQexecPrepared(c, "s", 0, NULL, NULL, NULL, 0));
	show("prepare s after reset", c, PQprepare(c, "s", "SELECT 's2'", 0, NULL));
	show("exec s", c, PQexecPrepared(c, "s", 0, NULL, NULL, NULL, 0));
	/* terminated while an async execute is running (known to be running: no race) */
	show("prepare v", c, PQprepare(c, "v", "SELECT pg_sleep(30)", 0, NULL));
	show_int("send exec v", c, PQsendQueryPrepared(c, "v", 0, NULL, NULL, NULL, 0));
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM pg_stat_activity WHERE pid = %d AND wait_event = 'PgSleep'",
		 PQbackendPID(c));
	for (int i = 0; i < 1000; i++) {
		struct timespec pause = { 0, 10000000 };

		r = PQexec(killer, sql);
		if (strcmp(pqt_value(r), "1") == 0) {
			PQclear(r);
			break;
		}
		PQclear(r);
		nanosleep(&pause, NULL);
	}
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d, 5000)", PQbackendPID(c));
	PQclear(PQexec(killer, sql));
	show_all("  results", c);
	show("exec v", c, PQexecPrepared(c, "v", 0, NULL, NULL, NULL, 0));
	PQfinish(killer);
	PQfinish(c);
	return 0;
}

static int p_aborted_tx(void)
{
	PGconn *c = conn();

	show("prepare s", c, PQprepare(c, "s", "SELECT 's'", 0, NULL));
	show("BEGIN", c, PQexec(c, "BEGIN"));
	show("error", c, PQexec(c, "SELECT 1/0"));
	show("prepare new n", c, PQprepare(c, "n", "SELECT 'n'", 0, NULL));
	show("identical re-prepare s", c, PQprepare(c, "s", "SELECT 's'", 0, NULL));
	show("conflicting re-prepare s", c, PQprepare(c, "s", "SELECT 'other'", 0, NULL));
	show("exec s", c, PQexecPrepared(c, "s", 0, NULL, NULL, NULL, 0));
	show("SQL PREPARE s", c, PQexec(c, "PREPARE s AS SELECT 's'"));
	show("SQL EXECUTE s", c, PQexec(c, "EXECUTE s"));
	show_int("send prepare s", c, PQsendPrepare(c, "s", "SELECT 's'", 0, NULL));
	show_all("  results", c);
	show("ROLLBACK", c, PQexec(c, "ROLLBACK"));
	show("exec s", c, PQexecPrepared(c, "s", 0, NULL, NULL, NULL, 0));
	show("exec n", c, PQexecPrepared(c, "n", 0, NULL, NULL, NULL, 0));
	show("prepare n", c, PQprepare(c, "n", "SELECT 'n'", 0, NULL));
	show("exec n", c, PQexecPrepared(c, "n", 0, NULL, NULL, NULL, 0));
	show("BEGIN", c, PQexec(c, "BEGIN"));
	show("prepare in a block", c, PQprepare(c, "b", "SELECT 'b'", 0, NULL));
	show("bad prepare in a block", c, PQprepare(c, "b2", "SELEKT", 0, NULL));
	show("COMMIT (a rollback)", c, PQexec(c, "COMMIT"));
	show("exec b (survives the rollback)", c, PQexecPrepared(c, "b", 0, NULL, NULL, NULL, 0));
	show("DISCARD ALL in a block", c, (PQclear(PQexec(c, "BEGIN")), PQexec(c, "DISCARD ALL")));
	show("ROLLBACK", c, PQexec(c, "ROLLBACK"));
	show("exec b", c, PQexecPrepared(c, "b", 0, NULL, NULL, NULL, 0));
	alive("then", c);
	PQfinish(c);
	return 0;
}

static int p_copy(void)
{
	PGconn *c = conn();

	show("create", c, PQexec(c, "CREATE TEMP TABLE t (x int)"));
	show("prepare s", c, PQprepare(c, "s", "SELECT 's'", 0, NULL));
	show("COPY FROM STDIN", c, PQexec(c, "COPY t FROM STDIN"));
	show("prepare during COPY IN", c, PQprepare(c, "p", "SELECT 'p'", 0, NULL));
	show("exec s during COPY IN", c, PQexecPrepared(c, "s", 0, NULL, NULL, NULL, 0));
	show_all("  leftovers", c);
	show("COPY FROM STDIN again", c, PQexec(c, "COPY t FROM STDIN"));
	show_int("put data", c, PQputCopyData(c, "1\n", 2));
	show("first prepare of s2 during COPY IN", c, PQprepare(c, "s2", "SELECT 's2'", 0, NULL));
	show_all("  leftovers", c);
	show("COPY TO STDOUT", c, PQexec(c, "COPY (SELECT generate_series(1,3)) TO STDOUT"));
	show("exec s during COPY OUT", c, PQexecPrepared(c, "s", 0, NULL, NULL, NULL, 0));
	show_all("  leftovers", c);
	show("SQL PREPARE q during nothing", c, PQexec(c, "PREPARE q AS SELECT 'q'"));
	show("COPY TO STDOUT", c, PQexec(c, "COPY (SELECT 1) TO STDOUT"));
	show("PQexec EXECUTE during COPY OUT", c, PQexec(c, "EXECUTE q"));
	show_all("  leftovers", c);
	show("exec s", c, PQexecPrepared(c, "s", 0, NULL, NULL, NULL, 0));
	show("count", c, PQexec(c, "SELECT count(*) FROM t"));
	alive("then", c);
	PQfinish(c);
	return 0;
}

static int p_pipeline_sync_calls(void)
{
	PGconn *c = conn();

	show("prepare s", c, PQprepare(c, "s", "SELECT 's'", 0, NULL));
	show_int("enter pipeline", c, PQenterPipelineMode(c));
	show("blocking prepare in a pipeline", c, PQprepare(c, "p", "SELECT 'p'", 0, NULL));
	show("identical blocking re-prepare in a pipeline", c, PQprepare(c, "s", "SELECT 's'", 0, NULL));
	show("blocking exec in a pipeline", c, PQexecPrepared(c, "s", 0, NULL, NULL, NULL, 0));
	show("PQexec in a pipeline", c, PQexec(c, "SELECT 1"));
	show("PQdescribePrepared in a pipeline", c, PQdescribePrepared(c, "s"));
	show_int("send PREPARE as SQL in a pipeline", c, PQsendQuery(c, "PREPARE a AS SELECT 1; SELECT 2"));
	show_int("send exec with 2 statements", c, PQsendQueryParams(c, "SELECT 1; SELECT 2", 0, NULL, NULL, NULL, NULL, 0));
	show_int("sync", c, PQpipelineSync(c));
	show_all("  results", c);
	show_all("  results", c);
	show_all("  results", c);
	show_int("exit pipeline", c, PQexitPipelineMode(c));
	show("exec s", c, PQexecPrepared(c, "s", 0, NULL, NULL, NULL, 0));
	alive("then", c);
	PQfinish(c);
	return 0;
}

/* SQL texts that are odd, broken or tricky for a lexer; each name prepared once. */
static int p_sql_texts(void)
{
	static const char *const texts[] = {
		"PREPARE", "PREPARE p1", "PREPARE p2 AS", "EXECUTE", "EXECUTE ;", "DEALLOCATE",
		"DEALLOCATE PREPARE", "DEALLOCATE ALL ALL", "DISCARD", "DISCARD ALL ALL",
		"PREPARE \"unterminated AS SELECT 1", "PREPARE p3 AS SELECT 'unterminated",
		"PREPARE p4 AS SELECT $$unterminated", "PREPARE p5 AS SELECT $a$x$b$",
		"/* unterminated", "PREPARE p6 AS SELECT 1 /* /* */", "PREPARE p7 AS SELECT E'\\'' ",
		"EXECUTE p7", "PREPARE p8 AS SELECT U&'\\0041'", "EXECUTE p8",
		"PREPARE \"p\"\"q\" AS SELECT 1; EXECUTE \"p\"\"q\"", "PREPARE pp (int, text) AS SELECT $1",
		"EXECUTE pp(1, 'a')", "EXECUTE pp(1)", "DEALLOCATE PREPARE pp", "EXECUTE pp(1, 'a')",
		"PREPARE p9 AS SELECT 9;;;", "EXECUTE p9", "PREPARE p10 AS SELECT '\xff'",
		"PREPARE P11 AS SELECT 11; EXECUTE p11", "EXECUTE P11", "EXECUTE \"P11\"",
		"EXECUTE nonexistent", "DEALLOCATE nonexistent", "DEALLOCATE PREPARE ALL",
		"PREPARE p12 AS SELECT 12 -- comment", "EXECUTE p12 -- comment",
		"PREPARE p13 AS SELECT $1::int", "EXECUTE p13", "EXECUTE p13(1, 2)",
		"EXPLAIN EXECUTE p13(1)", "CREATE TEMP TABLE ct AS EXECUTE p13(5)", "SELECT * FROM ct",
		"PREPARE p14 AS PREPARE x AS SELECT 1", "PREPARE p15 AS EXECUTE p13(1)",
		"PREPARE p16 AS DEALLOCATE ALL", "PREPARE p17(int) AS SELECT $1; EXECUTE p17(17); DEALLOCATE p17; EXECUTE p17(17)",
		"SELECT 'PREPARE x AS SELECT 1'", "SELECT $$EXECUTE p13$$", "SELECT \"EXECUTE\" FROM (SELECT 1 AS \"EXECUTE\") s",
		"PREPARE aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa AS SELECT 'long'",
		"EXECUTE aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
		"PREPARE \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9x\" AS SELECT 'mb'",
		"SELECT name FROM pg_prepared_statements WHERE name LIKE '\xc3\xa9%'",
		"BEGIN; PREPARE pt AS SELECT 1; COMMIT", "EXECUTE pt",
		"BEGIN; PREPARE pu AS SELECT 1; ROLLBACK", "EXECUTE pu",
		"SET standard_conforming_strings = off", "PREPARE p18 AS SELECT 'a\\' PREPARE p19 AS SELECT 1 '",
		"EXECUTE p18", "EXECUTE p19", "SET standard_conforming_strings = on",
		"PREPARE p20 AS SELECT 'a\\' PREPARE p21 AS SELECT 1 --'", "EXECUTE p21",
		"CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END",
		"SELECT count(*) FROM pg_prepared_statements",
	};
	PGconn *c = conn();
	char l[32];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		printf("text %zu: ", i);
		put_text(texts[i]);
		putchar('\n');
		snprintf(l, sizeof(l), "  PQexec %zu", i);
		show(l, c, PQexec(c, texts[i]));
	}
	/* the same through the extended protocol (one statement per message) */
	show("exec params PREPARE", c, PQexecParams(c, "PREPARE x1 AS SELECT 'x1'", 0, NULL, NULL, NULL, NULL, 0));
	show("exec params EXECUTE", c, PQexecParams(c, "EXECUTE x1", 0, NULL, NULL, NULL, NULL, 0));
	show("exec params two statements", c, PQexecParams(c, "PREPARE x2 AS SELECT 1; EXECUTE x2", 0, NULL, NULL, NULL, NULL, 0));
	show("exec params DEALLOCATE", c, PQexecParams(c, "DEALLOCATE x1", 0, NULL, NULL, NULL, NULL, 0));
	show("exec params DEALLOCATE again", c, PQexecParams(c, "DEALLOCATE x1", 0, NULL, NULL, NULL, NULL, 0));
	show_int("send query PREPARE;EXECUTE;DEALLOCATE", c,
		 PQsendQuery(c, "PREPARE y AS SELECT 'y'; EXECUTE y; DEALLOCATE y; EXECUTE y; SELECT 'not reached'"));
	show_all("  results", c);
	alive("then", c);
	PQfinish(c);
	return 0;
}

static int p_connect_strings(void)
{
	static const char *const strs[] = {
		"host=", "=x", "host='unterminated", "postgresql://[::1", "postgresql://h:99999999/",
		"port=abc", "host=/nonexistent-pqshim-dir", "dbname=nosuchdb", "user=nosuchuser",
		"postgresql://%zz@localhost/", "postgres:///nosuchdb?host=/nonexistent-pqshim-dir",
		"postgresql://?bogus=1", "bogus=1", "host=/nonexistent-pqshim-dir password=Secr3t",
		"options='-c statement_timeout=bogus'",
	};
	const char *const kw[] = { "dbname", "host", NULL };
	const char *const vals[] = { "postgres", NULL, NULL };
	PGconn *c;

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		c = PQconnectdb(strs[i]);
		printf("connect %zu status=%d: ", i, (int)PQstatus(c));
		put_text(PQerrorMessage(c));
		putchar('\n');
		if (PQstatus(c) == CONNECTION_OK)
			alive("  then", c);
		PQfinish(c);
	}
	c = PQconnectdb("");
	printf("connect '' (environment) status=%d\n", (int)PQstatus(c));
	PQfinish(c);
	c = PQconnectdbParams(kw, vals, 0);
	printf("connect params with a NULL value status=%d\n", (int)PQstatus(c));
	PQfinish(c);
	c = PQconnectdbParams(kw, vals, 1);
	printf("connect params expand_dbname status=%d\n", (int)PQstatus(c));
	PQfinish(c);
	c = PQsetdbLogin(NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	printf("PQsetdbLogin(all NULL) status=%d\n", (int)PQstatus(c));
	PQfinish(c);
	c = PQsetdbLogin(NULL, NULL, NULL, NULL, "dbname=nosuchdb", NULL, NULL);
	printf("PQsetdbLogin(dbName a connection string) status=%d: ", (int)PQstatus(c));
	put_text(PQerrorMessage(c));
	putchar('\n');
	PQfinish(c);
	c = PQconnectStart("host=/nonexistent-pqshim-dir");
	printf("PQconnectStart status=%d poll=%d\n", (int)PQstatus(c), (int)PQconnectPoll(c));
	PQfinish(c);
	return 0;
}

struct probe {
	const char *name;
	int (*run)(void);
	const char *modes;
	const char *doc;
};

static const struct probe probes[] = {
	{ "null_conn", p_null_conn, "both", "every hooked call with a NULL PGconn" },
	{ "null_name", p_null_name, "both", "NULL statement names" },
	{ "empty_name", p_empty_name, "both", "the unnamed statement \"\"" },
	{ "null_query", p_null_query, "both", "NULL and empty query texts" },
	{ "nparams", p_nparams, "both", "nParams -1, 65536, INT_MAX, INT_MIN" },
	{ "nparams_memory", p_nparams_memory, "both", "out-of-range nParams stays cheap" },
	{ "types_null", p_types_null, "both", "NULL paramTypes with nParams > 0" },
	{ "names_length", p_names_length, "both", "names of 62 to 9994 bytes (the longest a Describe carries)" },
	{ "names_shared_prefix", p_names_shared_prefix, "dedupe", "names sharing 63 bytes" },
	{ "names_unknown", p_names_unknown, "both", "long names never prepared" },
	{ "names_16k", p_names_16k, "dedupe", "names of 9995 bytes and 16 KiB (documented: the shim handles them)" },
	{ "names_odd", p_names_odd, "both", "quotes, spaces, generated-looking, non-UTF-8 names" },
	{ "query_1mib", p_query_1mib, "both", "1 MiB query texts, many statements, deep nesting" },
	{ "many_statements", p_many_statements, "dedupe", "100,000 statements on one connection" },
	{ "idle_calls", p_idle_calls, "both", "non-blocking mode, idle and busy connections" },
	{ "bad_conn", p_bad_conn, "both", "a connection that never connected" },
	{ "terminated", p_terminated, "dedupe", "the server ends the session" },
	{ "aborted_tx", p_aborted_tx, "dedupe", "prepares in an aborted transaction block" },
	{ "copy", p_copy, "both", "prepares while COPY is in progress" },
	{ "pipeline_sync_calls", p_pipeline_sync_calls, "both", "blocking calls in pipeline mode" },
	{ "sql_texts", p_sql_texts, "dedupe", "odd and broken SQL for the lexer" },
	{ "connect_strings", p_connect_strings, "both", "malformed and failing connection strings" },
};

int main(int argc, char **argv)
{
	const char *mode = getenv("PQSHIM_MODE");

	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
			printf("%s %s %s\n", probes[i].name, probes[i].modes, probes[i].doc);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: r_probe --list | r_probe NAME\n");
		return 2;
	}
	shim = r_shim_loaded();
	unnamed = mode && strcmp(mode, "unnamed") == 0;
	unnamed = mode && strcmp(mode, "unnamed") == 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	r_watchdog(300);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (strcmp(probes[i].name, argv[1]) == 0)
			return probes[i].run();
	fprintf(stderr, "no probe %s\n", argv[1]);
	return 2;
}
