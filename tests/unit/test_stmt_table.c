/* Unit tests: the per-session statement table and generated names. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

#include "names.h"
#include "stmt_table.h"

static struct stmt_table t;

static void setup(void)
{
	stmt_table_init(&t);
}

static void teardown(void)
{
	stmt_table_clear(&t);
}

START_TEST(put_find_same)
{
	Oid types[2] = { 23, 0 };
	struct stmt *s;

	ck_assert(stmt_table_put(&t, "s0", "s0", STMT_PROTOCOL, "select $1", 9, 2, types));
	s = stmt_table_find(&t, "s0");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(stmt_server_name(s), "s0");
	ck_assert(!stmt_is_renamed(s));
	ck_assert(stmt_same(s, STMT_PROTOCOL, "select $1", 9, 2, types));
	ck_assert(!stmt_same(s, STMT_PROTOCOL, "select $2", 9, 2, types));
	ck_assert(!stmt_same(s, STMT_SQL, "select $1", 9, 2, types));
	ck_assert(!stmt_same(s, STMT_PROTOCOL, "select $1", 9, 1, types));
	types[1] = 25;
	ck_assert(!stmt_same(s, STMT_PROTOCOL, "select $1", 9, 2, types));
	ck_assert_uint_eq(stmt_table_count(&t), 1);
	ck_assert(stmt_table_taken(&t, "s0"));
}
END_TEST

START_TEST(null_types_equal_zero_types)
{
	Oid zeros[3] = { 0, 0, 0 };
	struct stmt *s;

	ck_assert(stmt_table_put(&t, "z", "z", STMT_PROTOCOL, "q", 1, 3, NULL));
	s = stmt_table_find(&t, "z");
	ck_assert(stmt_same(s, STMT_PROTOCOL, "q", 1, 3, zeros));
	ck_assert(stmt_same(s, STMT_PROTOCOL, "q", 1, 3, NULL));
	ck_assert_ptr_null(stmt_types(s));
}
END_TEST

START_TEST(names_cut_at_63_bytes)
{
	char a[100], b[100];

	memset(a, 'x', 63);
	strcpy(a + 63, "AAA");
	memset(b, 'x', 63);
	strcpy(b + 63, "BBB");
	ck_assert(stmt_table_put(&t, a, "gen", STMT_PROTOCOL, "q", 1, 0, NULL));
	ck_assert_ptr_nonnull(stmt_table_find(&t, b));
	b[62] = 'y';
	ck_assert_ptr_null(stmt_table_find(&t, b));
}
END_TEST

START_TEST(replace_keeps_old_server_name_taken)
{
	struct stmt *s;

	ck_assert(stmt_table_put(&t, "s0", "s0", STMT_PROTOCOL, "a", 1, 0, NULL));
	ck_assert(stmt_table_put(&t, "s0", "_pqs_1_1", STMT_PROTOCOL, "b", 1, 0, NULL));
	s = stmt_table_find(&t, "s0");
	ck_assert_str_eq(stmt_server_name(s), "_pqs_1_1");
	ck_assert(stmt_is_renamed(s));
	ck_assert(stmt_table_taken(&t, "s0"));
	ck_assert(!stmt_table_is_stale(&t, "s0")); /* the app still has s0 */
	stmt_table_remove(&t, "s0");
	ck_assert_ptr_null(stmt_table_find(&t, "s0"));
	ck_assert(!stmt_table_taken(&t, "_pqs_1_1"));
	ck_assert(stmt_table_taken(&t, "s0"));     /* the old text is still on the server */
	ck_assert(stmt_table_is_stale(&t, "s0"));  /* and the app must not reach it */
	stmt_table_release(&t, "s0");
	ck_assert(!stmt_table_taken(&t, "s0"));
}
END_TEST

START_TEST(foreign_names_are_not_stale)
{
	ck_assert(stmt_table_mark_taken(&t, "theirs"));
	ck_assert(stmt_table_taken(&t, "theirs"));
	ck_assert(!stmt_table_is_stale(&t, "theirs"));
	ck_assert_ptr_null(stmt_table_find(&t, "theirs"));
}
END_TEST

START_TEST(put_on_a_name_owned_by_another_entry)
{
	ck_assert(stmt_table_put(&t, "a", "shared", STMT_PROTOCOL, "x", 1, 0, NULL));
	ck_assert(stmt_table_put(&t, "b", "shared", STMT_PROTOCOL, "y", 1, 0, NULL));
	ck_assert_ptr_null(stmt_table_find(&t, "a"));
	ck_assert_str_eq(stmt_server_name(stmt_table_find(&t, "b")), "shared");
}
END_TEST

START_TEST(clear_forgets_everything)
{
	for (int i = 0; i < 1000; i++) {
		char n[16];

		snprintf(n, sizeof(n), "n%d", i);
		ck_assert(stmt_table_put(&t, n, n, STMT_SQL, n, strlen(n), 0, NULL));
	}
	ck_assert_uint_eq(stmt_table_count(&t), 1000);
	stmt_table_clear(&t);
	ck_assert_uint_eq(stmt_table_count(&t), 0);
	ck_assert(!stmt_table_taken(&t, "n5"));
}
END_TEST

static bool taken_all_but_third(const char *name, void *arg)
{
	int *calls = arg;

	(void)name;
	return ++*calls < 3;
}

START_TEST(generated_names)
{
	char a[NAMES_MAX_LEN + 1], b[NAMES_MAX_LEN + 1];
	int calls = 0;

	names_format(a, 0xffffffffu, UINT64_MAX);
	ck_assert_uint_eq(strlen(a), NAMES_MAX_LEN);
	ck_assert(strlen(a) <= STMT_NAME_MAX);
	ck_assert(names_is_generated(a));
	for (const char *p = a; *p; p++)
		ck_assert((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
	ck_assert(names_next(a, NULL, NULL));
	ck_assert(names_next(b, NULL, NULL));
	ck_assert_str_ne(a, b);
	ck_assert(names_next(a, taken_all_but_third, &calls));
	ck_assert_int_eq(calls, 3);
	ck_assert(!names_is_generated("s0"));
	ck_assert_uint_eq(names_server_len("abc"), 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stmt_table");
	TCase *tc = tcase_create("table");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, put_find_same);
	tcase_add_test(tc, null_types_equal_zero_types);
	tcase_add_test(tc, names_cut_at_63_bytes);
	tcase_add_test(tc, replace_keeps_old_server_name_taken);
	tcase_add_test(tc, foreign_names_are_not_stale);
	tcase_add_test(tc, put_on_a_name_owned_by_another_entry);
	tcase_add_test(tc, clear_forgets_everything);
	tcase_add_test(tc, generated_names);
	suite_add_tcase(s, tc);
	return run_suite(s, "stmt_table");
}
