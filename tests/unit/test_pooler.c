/* Unit tests: what is in front of a connection (pooler.h), and the mode that follows. */
#include <check.h>
#include <string.h>

#include "check_main.h"

#include "pooler.h"

START_TEST(parameters_of_pgbouncer_126)
{
	ck_assert_int_eq(pooler_from_params(NULL, NULL), POOLER_UNKNOWN);
	ck_assert_int_eq(pooler_from_params("session", "200"), POOLER_SESSION);
	ck_assert_int_eq(pooler_from_params("transaction", "200"), POOLER_TRACKING);
	ck_assert_int_eq(pooler_from_params("statement", "1"), POOLER_TRACKING);
	ck_assert_int_eq(pooler_from_params("transaction", "0"), POOLER_SHARED);
	ck_assert_int_eq(pooler_from_params("transaction", NULL), POOLER_SHARED);
	ck_assert_int_eq(pooler_from_params("transaction", "lots"), POOLER_UNKNOWN);
}
END_TEST

START_TEST(probe_answers)
{
	ck_assert_int_eq(pooler_from_probe(42, 42, "pqshim_probe_1", "pqshim_probe_1"), POOLER_NONE);
	ck_assert_int_eq(pooler_from_probe(7, 42, "pqshim_probe_1", "pqshim_probe_1"), POOLER_SHARED);
	ck_assert_int_eq(pooler_from_probe(7, 42, "pqshim_probe_1", "PGBOUNCER_12"), POOLER_TRACKING);
	ck_assert_int_eq(pooler_from_probe(42, 42, "pqshim_probe_1", "PGBOUNCER_12"), POOLER_TRACKING);
	ck_assert_int_eq(pooler_from_probe(7, 42, "pqshim_probe_1", "odyssey_3"), POOLER_TRACKING);
	/* nothing seen, no pid: no conclusion, never a guess */
	ck_assert_int_eq(pooler_from_probe(7, 42, "pqshim_probe_1", NULL), POOLER_UNKNOWN);
	ck_assert_int_eq(pooler_from_probe(7, 0, "pqshim_probe_1", "pqshim_probe_1"), POOLER_UNKNOWN);
}
END_TEST

START_TEST(modes_that_follow)
{
	bool watch;

	ck_assert(pooler_needed(MODE_AUTO) && pooler_needed(MODE_POOLED));
	ck_assert(!pooler_needed(MODE_DEDUPE) && !pooler_needed(MODE_UNNAMED) && !pooler_needed(MODE_OFF));
	/* seen directly: dedupe, and no guessing from errors the app may have caused */
	ck_assert_int_eq(pooler_mode(MODE_AUTO, POOLER_NONE, &watch), MODE_DEDUPE);
	ck_assert(!watch);
	ck_assert_int_eq(pooler_mode(MODE_AUTO, POOLER_SESSION, &watch), MODE_DEDUPE);
	ck_assert(watch);
	ck_assert_int_eq(pooler_mode(MODE_AUTO, POOLER_TRACKING, &watch), MODE_DEDUPE);
	ck_assert(!watch);
	ck_assert_int_eq(pooler_mode(MODE_AUTO, POOLER_SHARED, &watch), MODE_POOLED);
	ck_assert_int_eq(pooler_mode(MODE_AUTO, POOLER_UNKNOWN, &watch), MODE_UNNAMED);
	ck_assert_int_eq(pooler_mode(MODE_POOLED, POOLER_TRACKING, &watch), MODE_DEDUPE);
	ck_assert_int_eq(pooler_mode(MODE_POOLED, POOLER_SHARED, &watch), MODE_POOLED);
	ck_assert_int_eq(pooler_mode(MODE_POOLED, POOLER_UNKNOWN, &watch), MODE_POOLED);
	ck_assert_int_eq(pooler_mode(MODE_UNNAMED, POOLER_TRACKING, &watch), MODE_UNNAMED);
	ck_assert_int_eq(pooler_mode(MODE_DEDUPE, POOLER_SHARED, &watch), MODE_DEDUPE);
}
END_TEST

START_TEST(probe_names)
{
	char name[POOLER_PROBE_NAME_MAX], text[POOLER_PROBE_NAME_MAX + 16];

	pooler_probe_name(name, 0xffffffffffffffffUL);
	ck_assert_str_eq(name, "pqshim_probe_ffffffffffffffff");
	ck_assert_uint_lt(strlen(name), 64); /* never cut by the server */
	pooler_probe_text(text, name);
	ck_assert_str_eq(text, "SELECT 1 AS pqshim_probe_ffffffffffffffff");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pooler");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parameters_of_pgbouncer_126);
	tcase_add_test(tc, probe_answers);
	tcase_add_test(tc, modes_that_follow);
	tcase_add_test(tc, probe_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite(), "pooler");
}
