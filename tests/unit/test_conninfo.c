/* Unit tests: removing the shim's parameters from connection strings and arrays. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

#include "conninfo.h"

#define U MODE_UNNAMED
#define D MODE_DEDUPE

/* out NULL: passed through untouched, opts zeroed. source NULL: no mode decided. */
struct row {
	const char *in;
	const char *out;
	enum shim_mode mode;
	const char *source;
	const char *dropped;
	const char *bad;
};

static const struct row rows[] = {
	/* URIs: percent-encoding in host, password and the shim's own key */
	{ "postgresql://u:p%40ss@h%2Dx:5432/db?pgbouncer=true&connection_limit=1",
	  "postgresql://u:p%40ss@h%2Dx:5432/db", U, "pgbouncer", "pgbouncer,connection_limit", "" },
	{ "postgresql://h/db?prepared%5Fstatements=false&sslmode=require",
	  "postgresql://h/db?sslmode=require", U, "prepared_statements", "prepared_statements", "" },
	{ "postgresql://h/db?pqshim_mode=%75nnamed", "postgresql://h/db", U, "pqshim_mode",
	  "pqshim_mode", "" },
	{ "postgresql://h/db?application_name=a%26b%3Dc&pgbouncer=true",
	  "postgresql://h/db?application_name=a%26b%3Dc", U, "pgbouncer", "pgbouncer", "" },
	/* first, middle, last, only; a trailing '&' stays with what is kept */
	{ "postgresql://h/db?pgbouncer=true&sslmode=disable&application_name=x",
	  "postgresql://h/db?sslmode=disable&application_name=x", U, "pgbouncer", "pgbouncer", "" },
	{ "postgresql://h/db?sslmode=disable&pgbouncer=true&application_name=x",
	  "postgresql://h/db?sslmode=disable&application_name=x", U, "pgbouncer", "pgbouncer", "" },
	{ "postgresql://h/db?sslmode=disable&pgbouncer=true", "postgresql://h/db?sslmode=disable", U,
	  "pgbouncer", "pgbouncer", "" },
	{ "postgresql://h/db?pgbouncer=true", "postgresql://h/db", U, "pgbouncer", "pgbouncer", "" },
	{ "postgresql://h/db?sslmode=disable&pgbouncer=true&", "postgresql://h/db?sslmode=disable&", U,
	  "pgbouncer", "pgbouncer", "" },
	{ "postgresql://h/db?pgbouncer=true&pool_timeout=3&", "postgresql://h/db", U, "pgbouncer",
	  "pgbouncer,pool_timeout", "" },
	{ "postgres://h/db?pool_timeout=10&connect_timeout=5", "postgres://h/db?connect_timeout=5", 0,
	  NULL, "pool_timeout", "" },
	{ "postgresql://h1:1,h2:2/db?pgbouncer=true", "postgresql://h1:1,h2:2/db", U, "pgbouncer",
	  "pgbouncer", "" },
	{ "postgresql://[::1]:5432/db?pgbouncer=true&target_session_attrs=any",
	  "postgresql://[::1]:5432/db?target_session_attrs=any", U, "pgbouncer", "pgbouncer", "" },
	{ "postgresql://[::1]?pgbouncer=true", "postgresql://[::1]", U, "pgbouncer", "pgbouncer", "" },
	{ "postgresql://h?pgbouncer=true", "postgresql://h", U, "pgbouncer", "pgbouncer", "" },
	{ "postgresql://?pgbouncer=true", "postgresql://", U, "pgbouncer", "pgbouncer", "" },
	/* a '?' in a password (an '@' comes before any '/') does not start the query */
	{ "postgresql://u:p?pgbouncer=true@h/db?pgbouncer=true",
	  "postgresql://u:p?pgbouncer=true@h/db", U, "pgbouncer", "pgbouncer", "" },
	/* precedence, last occurrence wins, empty and bad values */
	{ "postgresql://h/db?prepared_statements=false&prepared_statements=true", "postgresql://h/db",
	  D, "prepared_statements", "prepared_statements", "" },
	{ "postgresql://h/db?prepared_statements=bogus&pgbouncer=true", "postgresql://h/db", U,
	  "pgbouncer", "prepared_statements,pgbouncer", "prepared_statements" },
	{ "postgresql://h/db?prepared_statements=true&pqshim_mode=unnamed", "postgresql://h/db", U,
	  "pqshim_mode", "pqshim_mode,prepared_statements", "" },
	{ "postgresql://h/db?pgbouncer=&sslmode=disable", "postgresql://h/db?sslmode=disable", 0, NULL,
	  "pgbouncer", "" },
	{ "postgresql://h/db?pgbouncer=false", "postgresql://h/db", 0, NULL, "pgbouncer", "" },
	{ "postgresql://h/db?pgbouncer=bogus&pgbouncer=true", "postgresql://h/db", U, "pgbouncer",
	  "pgbouncer", "" },
	{ "postgresql://h/db?pgbouncer=true&pgbouncer=bogus", "postgresql://h/db", 0, NULL,
	  "pgbouncer", "pgbouncer" },
	/* not ours: case-sensitive keys, no query, an empty query */
	{ "postgresql://h/db?PgBouncer=true", NULL, 0, NULL, "", "" },
	{ "postgresql://h/db?", NULL, 0, NULL, "", "" },
	{ "postgresql://h/db", NULL, 0, NULL, "", "" },
	{ "postgresql://h/db?sslmode=disable&application_name=pgbouncer", NULL, 0, NULL, "", "" },
	/* malformed URIs: libpq's own error must stay */
	{ "postgresql://h/db?pgbouncer=true&&a=b", NULL, 0, NULL, "", "" },
	{ "postgresql://h/db?&pgbouncer=true", NULL, 0, NULL, "", "" },
	{ "postgresql://h/db?pgbouncer", NULL, 0, NULL, "", "" },
	{ "postgresql://h/db?pgbouncer=true=1", NULL, 0, NULL, "", "" },
	{ "postgresql://h/db?pgbouncer=%zz", NULL, 0, NULL, "", "" },
	{ "postgresql://h/db?pgbouncer=%00", NULL, 0, NULL, "", "" },
	{ "postgresql://h/db?pgbouncer=true&application_name=%2", NULL, 0, NULL, "", "" },
	{ "postgresql://h/db?pgbouncer%=true", NULL, 0, NULL, "", "" },
	{ "postgresql://[::1/db?pgbouncer=true", NULL, 0, NULL, "", "" },
	{ "postgresql://[]/db?pgbouncer=true", NULL, 0, NULL, "", "" },
	{ "postgresql://[::1]x/db?pgbouncer=true", NULL, 0, NULL, "", "" },
	{ "postgresql://u:p%4@h/db?pgbouncer=true", NULL, 0, NULL, "", "" },
	{ "postgresql://h/d%zzb?pgbouncer=true", NULL, 0, NULL, "", "" },
	{ "POSTGRESQL://h/db?pgbouncer=true", NULL, 0, NULL, "", "" },
	/* key/value: first, middle, last, only; whitespace goes with the pair */
	{ "pgbouncer=true host=h", "host=h", U, "pgbouncer", "pgbouncer", "" },
	{ "host=h pgbouncer=true dbname=d", "host=h dbname=d", U, "pgbouncer", "pgbouncer", "" },
	{ "host=h  pgbouncer=true  ", "host=h", U, "pgbouncer", "pgbouncer", "" },
	{ "pgbouncer=true", "", U, "pgbouncer", "pgbouncer", "" },
	{ "  prepared_statements = false   host=h", "  host=h", U, "prepared_statements",
	  "prepared_statements", "" },
	{ "host=h\tpgbouncer=true\n options='-c x=1'  connection_limit=5 sslmode=disable",
	  "host=h\toptions='-c x=1'  sslmode=disable", U, "pgbouncer", "pgbouncer,connection_limit", "" },
	/* quoted values and escapes, in ours and in others' */
	{ "password='a b\\'c' prepared_statements='false' user=u", "password='a b\\'c' user=u", U,
	  "prepared_statements", "prepared_statements", "" },
	{ "password='x'pgbouncer=true user=u", "password='x'user=u", U, "pgbouncer", "pgbouncer", "" },
	{ "password=a\\ b pgbouncer=true", "password=a\\ b", U, "pgbouncer", "pgbouncer", "" },
	{ "pqshim_mode=un\\named host=h", "host=h", U, "pqshim_mode", "pqshim_mode", "" },
	{ "pqshim_mode='off' host=h", "host=h", MODE_OFF, "pqshim_mode", "pqshim_mode", "" },
	{ "pgbouncer='' host=h", "host=h", 0, NULL, "pgbouncer", "" },
	/* whitespace after '=' is skipped: here "pgbouncer=true" is host's value */
	{ "host= pgbouncer=true", NULL, 0, NULL, "", "" },
	{ "application_name=pgbouncer=true", NULL, 0, NULL, "", "" },
	{ "host=h dbname=d", NULL, 0, NULL, "", "" },
	{ "", NULL, 0, NULL, "", "" },
	{ "PGBOUNCER=true", NULL, 0, NULL, "", "" },
	/* what is left starts like a URI: a blank keeps it key/value (found by fuzz_conninfo) */
	{ "pqshim_mode=unnamed postgresql://h/db?a=b", " postgresql://h/db?a=b", U, "pqshim_mode",
	  "pqshim_mode", "" },
	{ "pgbouncer=true\tpostgres://h?pgbouncer=true", " postgres://h?pgbouncer=true", U,
	  "pgbouncer", "pgbouncer", "" },
	{ "pgbouncer=true host=h postgresql://x=1", "host=h postgresql://x=1", U, "pgbouncer",
	  "pgbouncer", "" },
	/* precedence, repeats, empty and bad values */
	{ "prepared_statements=true", "", D, "prepared_statements", "prepared_statements", "" },
	{ "prepared_statements=false", "", U, "prepared_statements", "prepared_statements", "" },
	{ "prepared_statements=bogus", "", 0, NULL, "prepared_statements", "prepared_statements" },
	{ "pqshim_mode=unnamed prepared_statements=true", "", U, "pqshim_mode",
	  "pqshim_mode,prepared_statements", "" },
	{ "pqshim_mode=bogus prepared_statements=true", "", D, "prepared_statements",
	  "pqshim_mode,prepared_statements", "pqshim_mode" },
	{ "pgbouncer=true pgbouncer=false", "", 0, NULL, "pgbouncer", "" },
	{ "pgbouncer=false pgbouncer=on", "", U, "pgbouncer", "pgbouncer", "" },
	{ "pgbouncer=true pgbouncer=", "", 0, NULL, "pgbouncer", "" },
	/* malformed key/value strings */
	{ "pgbouncer=true host='abc", NULL, 0, NULL, "", "" },
	{ "pgbouncer=true host", NULL, 0, NULL, "", "" },
	{ "pgbouncer=true a='x\\", NULL, 0, NULL, "", "" },
	{ "pgbouncer", NULL, 0, NULL, "", "" },
};

START_TEST(test_rows)
{
	const struct row *r = &rows[_i];
	struct conninfo_opts o;
	char *got = conninfo_rewrite(r->in, &o);

	if (r->out) {
		ck_assert_msg(got != NULL, "row %d: %s: expected a rewrite", _i, r->in);
		ck_assert_str_eq(got, r->out);
	} else {
		ck_assert_msg(got == NULL, "row %d: %s: expected NULL, got %s", _i, r->in, got);
	}
	ck_assert_int_eq(o.mode_set, r->source != NULL);
	if (r->source) {
		ck_assert_int_eq(o.mode, r->mode);
		ck_assert_str_eq(o.mode_source, r->source);
	}
	ck_assert_str_eq(o.dropped, r->dropped);
	ck_assert_str_eq(o.bad, r->bad);
	free(got);
}
END_TEST

START_TEST(test_null_inputs)
{
	struct conninfo_opts o;

	memset(&o, 0xff, sizeof(o));
	ck_assert_ptr_null(conninfo_rewrite(NULL, &o));
	ck_assert(!o.mode_set);
	ck_assert_str_eq(o.dropped, "");
	free(conninfo_rewrite("pgbouncer=true", NULL)); /* opts is optional */
}
END_TEST

START_TEST(test_values_never_in_opts)
{
	static const char *const in[] = {
		"postgresql://u:s3cr3t@h/db?prepared_statements=s3cr3t&pqshim_mode=s3cr3t&pgbouncer=s3cr3t",
		"password=s3cr3t pqshim_mode='s3cr3t' prepared_statements=s3cr3t pgbouncer=s3cr3t "
		"connection_limit=s3cr3t pool_timeout=s3cr3t",
		"pgbouncer=s3cr3txxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	};

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct conninfo_opts o;
		char *got = conninfo_rewrite(in[i], &o);

		ck_assert_ptr_nonnull(got);
		ck_assert_ptr_null(memmem(&o, sizeof(o), "s3cr3t", 6));
		ck_assert_ptr_null(strstr(o.dropped, "s3cr3t"));
		ck_assert_ptr_null(strstr(o.bad, "s3cr3t"));
		ck_assert(!o.mode_set);
		ck_assert_ptr_nonnull(strstr(o.bad, "pgbouncer"));
		free(got);
	}
}
END_TEST

START_TEST(test_is_connstr)
{
	ck_assert(conninfo_is_connstr("postgresql://"));
	ck_assert(conninfo_is_connstr("postgres://h/db"));
	ck_assert(conninfo_is_connstr("host=h"));
	ck_assert(conninfo_is_connstr("my=db"));
	ck_assert(!conninfo_is_connstr("mydb"));
	ck_assert(!conninfo_is_connstr(""));
	ck_assert(!conninfo_is_connstr(NULL));
	ck_assert(!conninfo_is_connstr("POSTGRESQL://h"));
	ck_assert(!conninfo_is_connstr("postgresq://h"));
	ck_assert(!conninfo_is_connstr("postgres:/h"));
}
END_TEST

/* Checks out's arrays against the expected NULL-terminated lists. */
static void check_arrays(const struct conninfo_params *p, const char *const *kw, const char *const *val)
{
	size_t i;

	for (i = 0; kw[i]; i++) {
		ck_assert_ptr_nonnull(p->keywords[i]);
		ck_assert_str_eq(p->keywords[i], kw[i]);
		if (val[i])
			ck_assert_str_eq(p->values[i], val[i]);
		else
			ck_assert_ptr_null(p->values[i]);
	}
	ck_assert_ptr_null(p->keywords[i]);
	ck_assert_ptr_null(p->values[i]);
}

START_TEST(test_params_plain)
{
	const char *kw[] = { "host", "pgbouncer", "dbname", "pool_timeout", NULL };
	const char *val[] = { "h", "true", "postgresql://h/db?pqshim_mode=off", NULL, NULL };
	struct conninfo_params p;
	struct conninfo_opts o;

	ck_assert(conninfo_rewrite_params(kw, val, 0, &p, &o));
	check_arrays(&p, (const char *[]){ "host", "dbname", NULL },
		     (const char *[]){ "h", "postgresql://h/db?pqshim_mode=off", NULL });
	ck_assert_ptr_eq(p.values[1], val[2]); /* not expanded: borrowed as it was */
	ck_assert_ptr_null(p.owned_dbname);
	ck_assert(o.mode_set);
	ck_assert_int_eq(o.mode, MODE_UNNAMED);
	ck_assert_str_eq(o.mode_source, "pgbouncer");
	ck_assert_str_eq(o.dropped, "pgbouncer,pool_timeout");
	conninfo_params_release(&p);
	ck_assert_ptr_null(p.keywords);

	/* nothing of ours: the caller passes the originals */
	ck_assert(!conninfo_rewrite_params((const char *[]){ "dbname", "host", NULL },
					   (const char *[]){ "postgresql://h/db?pgbouncer=true", "h", NULL }, 0,
					   &p, &o));
	ck_assert_ptr_null(p.keywords);
	ck_assert(!o.mode_set);
	ck_assert_str_eq(o.dropped, "");
	ck_assert(!conninfo_rewrite_params(NULL, NULL, 1, &p, &o));
}
END_TEST

START_TEST(test_params_null_and_empty_values)
{
	const char *kw[] = { "pgbouncer", "host", "pgbouncer", "prepared_statements", NULL };
	const char *val[] = { "true", "h", NULL, "", NULL };
	struct conninfo_params p;
	struct conninfo_opts o;

	/* NULL and "" mean "not set" in arrays: removed, but pgbouncer=true still stands */
	ck_assert(conninfo_rewrite_params(kw, val, 1, &p, &o));
	check_arrays(&p, (const char *[]){ "host", NULL }, (const char *[]){ "h", NULL });
	ck_assert(o.mode_set);
	ck_assert_str_eq(o.mode_source, "pgbouncer");
	ck_assert_str_eq(o.dropped, "prepared_statements,pgbouncer");
	ck_assert_str_eq(o.bad, "");
	conninfo_params_release(&p);

	ck_assert(conninfo_rewrite_params((const char *[]){ "pqshim_mode", NULL }, (const char *[]){ NULL, NULL },
					  0, &p, &o));
	ck_assert_ptr_null(p.keywords[0]);
	ck_assert(!o.mode_set);
	ck_assert_str_eq(o.dropped, "pqshim_mode");
	conninfo_params_release(&p);
}
END_TEST

START_TEST(test_params_expand_dbname)
{
	const char *kw[] = { "prepared_statements", "dbname", "user", NULL };
	const char *val[] = { "false", "postgresql://h/db?prepared_statements=true&sslmode=disable", "u",
			      NULL };
	struct conninfo_params p;
	struct conninfo_opts o;

	ck_assert(conninfo_rewrite_params(kw, val, 1, &p, &o));
	check_arrays(&p, (const char *[]){ "dbname", "user", NULL },
		     (const char *[]){ "postgresql://h/db?sslmode=disable", "u", NULL });
	ck_assert_ptr_eq(p.values[0], p.owned_dbname);
	/* the expanded string's options come where dbname is: after the array's false */
	ck_assert_int_eq(o.mode, MODE_DEDUPE);
	ck_assert_str_eq(o.dropped, "prepared_statements");
	conninfo_params_release(&p);

	/* a later array entry overrides what the string said */
	ck_assert(conninfo_rewrite_params((const char *[]){ "dbname", "prepared_statements", NULL },
					  (const char *[]){ "host=h prepared_statements=true", "false", NULL },
					  1, &p, &o));
	check_arrays(&p, (const char *[]){ "dbname", NULL }, (const char *[]){ "host=h", NULL });
	ck_assert_int_eq(o.mode, MODE_UNNAMED);
	conninfo_params_release(&p);

	/* only shim pairs in it: dbname becomes "" (not set), never dropped or left blank */
	ck_assert(conninfo_rewrite_params((const char *[]){ "dbname", "dbname", NULL },
					  (const char *[]){ " pgbouncer=true ", "postgresql://x?pgbouncer=true", NULL },
					  1, &p, &o));
	check_arrays(&p, (const char *[]){ "dbname", "dbname", NULL },
		     (const char *[]){ "", "postgresql://x?pgbouncer=true", NULL });
	ck_assert_str_eq(o.mode_source, "pgbouncer");
	conninfo_params_release(&p);

	/* libpq expands the first dbname that is not NULL */
	ck_assert(conninfo_rewrite_params((const char *[]){ "dbname", "dbname", NULL },
					  (const char *[]){ NULL, "pgbouncer=true host=h", NULL }, 1, &p, &o));
	check_arrays(&p, (const char *[]){ "dbname", "dbname", NULL },
		     (const char *[]){ NULL, "host=h", NULL });
	conninfo_params_release(&p);
	/* ... and an empty first one stops the search: nothing is expanded */
	ck_assert(!conninfo_rewrite_params((const char *[]){ "dbname", "dbname", NULL },
					   (const char *[]){ "", "pgbouncer=true host=h", NULL }, 1, &p, &o));
	/* a plain database name is not a connection string */
	ck_assert(!conninfo_rewrite_params((const char *[]){ "dbname", NULL },
					   (const char *[]){ "pgbouncer", NULL }, 1, &p, &o));
	/* malformed: libpq will report it, so the arrays pass as they are */
	ck_assert(!conninfo_rewrite_params((const char *[]){ "pgbouncer", "dbname", NULL },
					   (const char *[]){ "true", "host='h", NULL }, 1, &p, &o));
	ck_assert_ptr_null(p.keywords);
	ck_assert(!o.mode_set);
	ck_assert_str_eq(o.dropped, "");
}
END_TEST

static Suite *conninfo_suite(void)
{
	Suite *s = suite_create("conninfo");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_rows, 0, (int)(sizeof(rows) / sizeof(rows[0])));
	tcase_add_test(tc, test_null_inputs);
	tcase_add_test(tc, test_values_never_in_opts);
	tcase_add_test(tc, test_is_connstr);
	tcase_add_test(tc, test_params_plain);
	tcase_add_test(tc, test_params_null_and_empty_values);
	tcase_add_test(tc, test_params_expand_dbname);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(conninfo_suite(), "conninfo");
}
