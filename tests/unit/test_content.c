/* Pooled mode's per-connection texts: threshold, cap, tracking limit. */
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "content.h"

START_TEST(same_text_same_entry)
{
	struct content_table t;
	Oid types[2] = { 23, 0 };
	struct content *a, *b, *c;

	content_table_init(&t);
	a = content_table_get(&t, "select $1", 1, types, 10);
	b = content_table_get(&t, "select $1", 1, types, 10);
	c = content_table_get(&t, "select $1", 1, NULL, 10);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_eq(a, b);
	ck_assert_ptr_ne(a, c); /* another parameter type: another statement */
	ck_assert(names_is_content(a->name));
	ck_assert_uint_eq(t.count, 2);
	content_table_clear(&t);
	ck_assert_uint_eq(t.count, 0);
	ck_assert_ptr_null(t.by_name);
}
END_TEST

START_TEST(named_after_threshold_runs)
{
	struct content_table t;
	struct content *c;

	content_table_init(&t);
	c = content_table_get(&t, "select 1", 0, NULL, 10);
	ck_assert(!content_run(&t, c, 3, 10));
	ck_assert(!content_run(&t, c, 3, 10));
	ck_assert(content_run(&t, c, 3, 10));
	ck_assert(content_run(&t, c, 3, 10));
	ck_assert_uint_eq(t.named, 1);
	content_table_clear(&t);
}
END_TEST

START_TEST(threshold_one_names_at_once)
{
	struct content_table t;
	struct content *c;

	content_table_init(&t);
	c = content_table_get(&t, "select 1", 0, NULL, 10);
	ck_assert(content_run(&t, c, 1, 10));
	content_table_clear(&t);
}
END_TEST

START_TEST(cap_limits_names)
{
	struct content_table t;
	char sql[32];
	struct content *c;
	int named = 0;

	content_table_init(&t);
	for (int i = 0; i < 10; i++) {
		snprintf(sql, sizeof(sql), "select %d", i);
		c = content_table_get(&t, sql, 0, NULL, 4);
		ck_assert_ptr_nonnull(c);
		named += content_run(&t, c, 1, 4);
	}
	ck_assert_int_eq(named, 4);
	ck_assert_uint_eq(t.named, 4);
	/* a named one stays named */
	c = content_table_get(&t, "select 0", 0, NULL, 4);
	ck_assert(content_run(&t, c, 1, 4));
	content_table_clear(&t);
}
END_TEST

START_TEST(cap_zero_never_names)
{
	struct content_table t;
	struct content *c;

	content_table_init(&t);
	c = content_table_get(&t, "select 1", 0, NULL, 0);
	ck_assert_ptr_nonnull(c);
	for (int i = 0; i < 5; i++)
		ck_assert(!content_run(&t, c, 1, 0));
	content_table_clear(&t);
}
END_TEST

START_TEST(endless_distinct_sql_is_bounded)
{
	struct content_table t;
	char sql[32];
	unsigned tracked = 0;

	content_table_init(&t);
	for (int i = 0; i < CONTENT_TRACK_MIN + 500; i++) {
		snprintf(sql, sizeof(sql), "select %d", i);
		tracked += content_table_get(&t, sql, 0, NULL, 4) != NULL;
	}
	ck_assert_uint_eq(tracked, CONTENT_TRACK_MIN);
	ck_assert_uint_eq(t.count, CONTENT_TRACK_MIN);
	/* texts already tracked are still found */
	ck_assert_ptr_nonnull(content_table_get(&t, "select 7", 0, NULL, 4));
	content_table_clear(&t);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("content");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, same_text_same_entry);
	tcase_add_test(tc, named_after_threshold_runs);
	tcase_add_test(tc, threshold_one_names_at_once);
	tcase_add_test(tc, cap_limits_names);
	tcase_add_test(tc, cap_zero_never_names);
	tcase_add_test(tc, endless_distinct_sql_is_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite(), "content");
}
