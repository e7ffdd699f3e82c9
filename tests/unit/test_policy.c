/* Unit tests: decisions for prepares, references and SQL text; configuration. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

#include "config.h"
#include "policy.h"
#include "sql_plan.h"

static struct stmt_table t;
static struct sql_plan plan;

static void setup(void)
{
	stmt_table_init(&t);
	memset(&plan, 0, sizeof(plan));
}

static void teardown(void)
{
	sql_plan_release(&plan);
	stmt_table_clear(&t);
}

START_TEST(prepare_new_identical_conflicting)
{
	struct prep_plan p;

	ck_assert_int_eq(policy_prepare(&t, MODE_DEDUPE, "s0", "q1", 0, NULL, true, NULL, &p), PREP_SEND);
	ck_assert_str_eq(p.server_name, "s0");
	ck_assert(p.retry_on_dup);
	ck_assert_int_eq(policy_prepare(&t, MODE_DEDUPE, "s0", "q1", 0, NULL, false, NULL, &p), PREP_SEND);
	ck_assert(!p.retry_on_dup); /* in a block or a pipeline: no retry */
	stmt_table_put(&t, "s0", "s0", STMT_PROTOCOL, "q1", 2, 0, NULL);
	ck_assert_int_eq(policy_prepare(&t, MODE_DEDUPE, "s0", "q1", 0, NULL, true, NULL, &p), PREP_DUP);
	ck_assert_str_eq(p.server_name, "s0");
	ck_assert_int_eq(policy_prepare(&t, MODE_DEDUPE, "s0", "q2", 0, NULL, true, NULL, &p),
			 PREP_RENAME);
	ck_assert(names_is_generated(p.server_name));
	ck_assert(!p.retry_on_dup);
}
END_TEST

START_TEST(prepare_passes_what_libpq_rejects)
{
	struct prep_plan p;

	ck_assert_int_eq(policy_prepare(&t, MODE_DEDUPE, NULL, "q", 0, NULL, true, NULL, &p), PREP_PASS);
	ck_assert_int_eq(policy_prepare(&t, MODE_DEDUPE, "", "q", 0, NULL, true, NULL, &p), PREP_PASS);
	ck_assert_int_eq(policy_prepare(&t, MODE_DEDUPE, "s", NULL, 0, NULL, true, NULL, &p), PREP_PASS);
	ck_assert_int_eq(policy_prepare(&t, MODE_DEDUPE, "s", "q", -1, NULL, true, NULL, &p), PREP_PASS);
	ck_assert_int_eq(policy_prepare(&t, MODE_DEDUPE, "s", "q", 65536, NULL, true, NULL, &p),
			 PREP_PASS);
	ck_assert_int_eq(policy_prepare(&t, MODE_OFF, "s", "q", 0, NULL, true, NULL, &p), PREP_PASS);
}
END_TEST

START_TEST(prepare_taken_and_long_names_are_renamed)
{
	struct prep_plan p;
	static char longname[NAME_DROPS_CONNECTION + 1];

	stmt_table_mark_taken(&t, "theirs");
	ck_assert_int_eq(policy_prepare(&t, MODE_DEDUPE, "theirs", "q", 0, NULL, true, NULL, &p),
			 PREP_RENAME);
	ck_assert(!p.as_written);
	/* a long name the server can carry goes as written (it keeps 63 bytes) */
	memset(longname, 'l', 200);
	ck_assert_int_eq(policy_prepare(&t, MODE_DEDUPE, longname, "q", 0, NULL, true, NULL, &p),
			 PREP_SEND);
	ck_assert(p.as_written);
	ck_assert_str_eq(prep_wire_name(&p, longname), longname);
	/* one whose Describe would make the server drop the connection is renamed */
	memset(longname, 'l', NAME_DROPS_CONNECTION);
	ck_assert_int_eq(policy_prepare(&t, MODE_DEDUPE, longname, "q", 0, NULL, true, NULL, &p),
			 PREP_RENAME);
	ck_assert(strlen(p.server_name) <= STMT_NAME_MAX);
	/* unless it is not valid UTF-8: the server's encoding error is owed */
	longname[5] = '\xff';
	ck_assert_int_eq(policy_prepare(&t, MODE_DEDUPE, longname, "q", 0, NULL, true, NULL, &p),
			 PREP_PASS);
}
END_TEST

START_TEST(map_names)
{
	char buf[SERVER_NAME_BUF], longname[100];

	stmt_table_put(&t, "s0", "_pqs_x_1", STMT_PROTOCOL, "q", 1, 0, NULL);
	ck_assert_str_eq(policy_map_name(&t, MODE_DEDUPE, "s0", NULL, buf, NULL, NULL), "_pqs_x_1");
	ck_assert_str_eq(policy_map_name(&t, MODE_DEDUPE, "other", NULL, buf, NULL, NULL), "other");
	ck_assert_str_eq(policy_map_name(&t, MODE_OFF, "s0", NULL, buf, NULL, NULL), "s0");
	ck_assert_str_eq(policy_map_name(&t, MODE_DEDUPE, "", NULL, buf, NULL, NULL), "");
	/* unknown names go as written, unless a Describe of them would drop the connection */
	memset(longname, 'm', 99);
	longname[99] = '\0';
	ck_assert_str_eq(policy_map_name(&t, MODE_DEDUPE, longname, NULL, buf, NULL, NULL), longname);
	{
		static char huge[NAME_DROPS_CONNECTION + 10];

		memset(huge, 'h', sizeof(huge) - 1);
		ck_assert_uint_eq(strlen(policy_map_name(&t, MODE_DEDUPE, huge, NULL, buf, NULL, NULL)), 63);
		memcpy(huge + 62, "\xc3\xa9", 2); /* a character across the 63-byte cut */
		ck_assert_uint_eq(strlen(policy_map_name(&t, MODE_DEDUPE, huge, NULL, buf, NULL, NULL)), 62);
	}
	/* the app gave s1 up (renamed, then deallocated): its old text must stay out of reach */
	stmt_table_put(&t, "s1", "s1", STMT_PROTOCOL, "a", 1, 0, NULL);
	stmt_table_put(&t, "s1", "_pqs_x_2", STMT_PROTOCOL, "b", 1, 0, NULL);
	stmt_table_remove(&t, "s1");
	ck_assert_str_eq(policy_map_name(&t, MODE_DEDUPE, "s1", NULL, buf, NULL, NULL), NAMES_GONE);
}
END_TEST

static const char *planned(const char *sql)
{
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_DEDUPE, false, sql, true, true, true, &plan));
	return plan.text ? plan.text : sql;
}

START_TEST(sql_untouched)
{
	ck_assert(!sql_plan_make(&t, MODE_DEDUPE, false, "select 1", true, true, true, &plan));
	ck_assert(!sql_plan_make(&t, MODE_DEDUPE, false, "select 'PREPARE x AS y'", true, true, true, &plan));
	ck_assert(!plan.untracked);
	ck_assert(!sql_plan_make(&t, MODE_OFF, false, "PREPARE x AS select 1", true, true, true, &plan));
}
END_TEST

START_TEST(sql_prepare_new_then_identical_then_conflicting)
{
	const char *out;

	out = planned("PREPARE s AS select 1");
	ck_assert_str_eq(out, "PREPARE s AS select 1");
	ck_assert_int_eq(plan.n_fx, 1);
	ck_assert_int_eq(plan.fx[0].kind, FX_PREPARE);
	ck_assert_str_eq(plan.fx[0].server, "s");
	ck_assert(plan.retry_on_dup);
	stmt_table_put(&t, "s", "s", STMT_SQL, plan.fx[0].body, plan.fx[0].body_len, 0, NULL);

	out = planned("PREPARE s AS select 1");
	ck_assert_str_eq(out, "DEALLOCATE \"s\"; PREPARE s AS select 1");
	ck_assert_int_eq(plan.n_fx, 2);
	ck_assert(plan.fx[0].hide);
	ck_assert_int_eq(plan.fx[1].kind, FX_PREPARE);

	out = planned("PREPARE s AS select 2; EXECUTE s; DEALLOCATE s");
	ck_assert_int_eq(plan.n_fx, 2);
	ck_assert(names_is_generated(plan.fx[0].server));
	{
		char want[256];
		const char *g = plan.fx[0].server;

		snprintf(want, sizeof(want), "PREPARE \"%s\" AS select 2; EXECUTE \"%s\"; DEALLOCATE \"%s\"",
			 g, g, g);
		ck_assert_str_eq(out, want);
	}
	ck_assert(!plan.retry_on_dup);
}
END_TEST

/* Texts whose names the shim does not record make names it cannot answer for. */
/* A SQL DEALLOCATE of a name deallocated while renamed: the server's 26000, naming it. */
START_TEST(sql_deallocate_of_stale_name_raises)
{
	ck_assert(stmt_table_put(&t, "s1", "s1", STMT_PROTOCOL, "a", 1, 0, NULL));
	ck_assert(stmt_table_put(&t, "s1", "_pqs_1_2", STMT_PROTOCOL, "b", 1, 0, NULL));
	stmt_table_remove(&t, "s1");
	ck_assert_str_eq(planned("select 1; DEALLOCATE PREPARE s1; select 2"),
			 "select 1; DO $pqsh$ BEGIN RAISE EXCEPTION USING ERRCODE = '26000', MESSAGE = "
			 "E'prepared statement \"s1\" does not exist'; END $pqsh$; select 2");
	ck_assert_str_eq(planned("EXPLAIN EXECUTE s1 (1, 'a;b') /* c */"),
			 "DO $pqsh$ BEGIN RAISE EXCEPTION USING ERRCODE = '26000', MESSAGE = "
			 "E'prepared statement \"s1\" does not exist'; END $pqsh$ /* c */");
	sql_plan_release(&plan);
}
END_TEST

START_TEST(sql_makes_names)
{
	char many[4096] = "";

	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_UNNAMED, false, "PREPARE m AS select 1", true, true, true,
				&plan));
	ck_assert(!plan.makes_names); /* planned as in dedupe mode: recorded as it succeeds */
	sql_plan_release(&plan);
	sql_plan_make(&t, MODE_UNNAMED, false, "EXECUTE m", true, true, true, &plan);
	ck_assert(!plan.makes_names);
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_DEDUPE, false, "PREPARE m AS select 1", true, true, true,
				&plan));
	ck_assert(!plan.makes_names); /* dedupe records it as it succeeds */
	for (int i = 0; i < SQL_MAX_REFS + 1; i++)
		sprintf(many + strlen(many), "PREPARE m%d AS select 1;", i);
	sql_plan_release(&plan);
	ck_assert(!sql_plan_make(&t, MODE_DEDUPE, false, many, true, true, true, &plan));
	ck_assert(plan.untracked && plan.makes_names);
	sql_plan_release(&plan);
}
END_TEST

START_TEST(sql_identical_in_extended_protocol_passes)
{
	stmt_table_put(&t, "s", "s", STMT_SQL, " AS select 1", 12, 0, NULL);
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_DEDUPE, false, "PREPARE s AS select 1", true, false, true, &plan));
	/* one statement per message: its DEALLOCATE goes first, under the same Sync */
	ck_assert(plan.bundle);
	ck_assert_str_eq(plan.bundle_hidden, "DEALLOCATE \"s\"");
	ck_assert_ptr_null(plan.text);
	ck_assert_int_eq(plan.n_fx, 1);
	ck_assert_str_eq(plan.fx[0].server, "s");
	/* a second statement in the text: renamed instead */
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_DEDUPE, false, "PREPARE s AS select 1; select 2", true, false, true,
			     &plan));
	ck_assert(!plan.bundle);
	ck_assert(names_is_generated(plan.fx[0].server));
}
END_TEST

START_TEST(unnamed_deallocate_of_recorded_name)
{
	stmt_table_put(&t, "_pg3_0", NULL, STMT_PROTOCOL, "select 1", 8, 0, NULL);
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_UNNAMED, false, "DEALLOCATE _pg3_0", true, false, true, &plan));
	ck_assert(plan.bundle);
	ck_assert_ptr_nonnull(strstr(plan.bundle_hidden, "PREPARE _pqs_"));
	ck_assert_ptr_nonnull(plan.text);
	ck_assert_ptr_nonnull(strstr(plan.text, "DEALLOCATE \"_pqs_"));
	ck_assert_int_eq(plan.n_fx, 1);
	ck_assert(plan.fx[0].known);
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_UNNAMED, false, "DEALLOCATE _pg3_0", true, true, true, &plan));
	ck_assert(!plan.bundle);
	ck_assert_ptr_nonnull(strstr(plan.text, "AS SELECT; DEALLOCATE \"_pqs_"));
	ck_assert(plan.fx[0].hide && plan.fx[0].no_effect);
	/* not held: it must not reach another client's statement; the server's 26000 instead */
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_UNNAMED, false, "DEALLOCATE other", true, true, true, &plan));
	ck_assert_ptr_nonnull(strstr(plan.text, "DO $pqsh$ BEGIN RAISE EXCEPTION USING ERRCODE = '26000'"));
	ck_assert_ptr_nonnull(strstr(plan.text, "prepared statement \"other\" does not exist"));
	/* deallocated twice in one text: the second is the server's 26000 too */
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_UNNAMED, false, "DEALLOCATE _pg3_0; DEALLOCATE _pg3_0", true,
				true, true, &plan));
	ck_assert_ptr_nonnull(strstr(plan.text, "; DO $pqsh$"));
}
END_TEST

/* contract-repro A, D, H, HU: SQL planned after the commands queued ahead in a pipeline */
START_TEST(sql_after_commands_ahead)
{
	struct sql_ahead parse_a = { .key = "a", .server = "a", .protocol = true };
	struct sql_ahead clear = { 0 };
	struct sql_ahead recorded_u = { .key = "u", .server = "", .query = "select 1", .protocol = true };
	struct sql_ahead gone_u = { .key = "u" };

	/* a Parse of a ahead: the SQL PREPARE of a goes under a new name, not into 42P05 */
	ck_assert(sql_plan_make_after(&t, MODE_DEDUPE, false, "PREPARE a AS select 2", true, false,
				      false, &parse_a, 1, &plan));
	ck_assert_int_eq(plan.fx[0].kind, FX_PREPARE);
	ck_assert_str_ne(plan.fx[0].server, "a");
	ck_assert_ptr_nonnull(strstr(plan.text, plan.fx[0].server));
	sql_plan_release(&plan);
	/* DEALLOCATE ALL ahead: d is free again, no DEALLOCATE of it in front (26000) */
	stmt_table_put(&t, "d", "d", STMT_SQL, " AS select 1", 12, 0, NULL);
	ck_assert(sql_plan_make_after(&t, MODE_DEDUPE, false, "PREPARE d AS select 1", true, false,
				      false, &clear, 1, &plan));
	ck_assert(!plan.bundle);
	ck_assert_str_eq(plan.fx[0].server, "d");
	sql_plan_release(&plan);
	/* and a SQL DEALLOCATE of a name prepared ahead (renamed) reaches that statement */
	parse_a.server = "_pqs_1_7";
	ck_assert(sql_plan_make_after(&t, MODE_DEDUPE, false, "DEALLOCATE a", true, false, false,
				      &parse_a, 1, &plan));
	ck_assert(plan.fx[0].known);
	ck_assert_ptr_nonnull(strstr(plan.text, "_pqs_1_7"));
	sql_plan_release(&plan);
	/* unnamed mode: a prepare ahead, recorded only, is held: its DEALLOCATE is answered */
	ck_assert(sql_plan_make_after(&t, MODE_UNNAMED, false, "DEALLOCATE u", true, false, false,
				      &recorded_u, 1, &plan));
	ck_assert(plan.bundle && plan.fx[0].known && !plan.raises);
	sql_plan_release(&plan);
	ck_assert(sql_plan_make_after(&t, MODE_UNNAMED, false, "EXECUTE u", true, true, false,
				      &recorded_u, 1, &plan));
	ck_assert_ptr_nonnull(strstr(plan.text, " AS select 1"));
	sql_plan_release(&plan);
	/* ... and one deallocated ahead is not, even though the table still holds it */
	stmt_table_put(&t, "u", NULL, STMT_PROTOCOL, "select 1", 8, 0, NULL);
	ck_assert(sql_plan_make_after(&t, MODE_UNNAMED, false, "DEALLOCATE u", true, true, false,
				      &gone_u, 1, &plan));
	ck_assert(plan.raises);
}
END_TEST

START_TEST(sql_renamed_name_before_a_quote)
{
	const char *out;

	stmt_table_put(&t, "s0", "_pqs_1_1", STMT_SQL, " AS select 1", 12, 0, NULL);
	/* found by fuzz_rewrite: "_pqs_1_1""x" would be one identifier with an escaped quote */
	out = planned("EXECUTE s0\"x\"");
	ck_assert_str_eq(out, "EXECUTE \"_pqs_1_1\" \"x\"");
}
END_TEST

START_TEST(sql_deallocate_all_and_discard)
{
	planned("DEALLOCATE ALL");
	ck_assert_int_eq(plan.n_fx, 1);
	ck_assert_int_eq(plan.fx[0].kind, FX_DEALLOCATE_ALL);
	planned("discard all");
	ck_assert_int_eq(plan.fx[0].kind, FX_DISCARD_ALL);
	planned("DEALLOCATE unknown");
	ck_assert_int_eq(plan.fx[0].kind, FX_DEALLOCATE);
	ck_assert(!plan.fx[0].known);
	ck_assert_ptr_null(plan.text);
}
END_TEST

START_TEST(sql_in_text_order)
{
	stmt_table_put(&t, "m", "m", STMT_SQL, " AS select 1", 12, 0, NULL);
	/* after DEALLOCATE m in the same text, PREPARE m is new: but the old m is
	 * still the server's until DEALLOCATE runs, so no duplicate is sent */
	planned("DEALLOCATE m; PREPARE m AS select 1; EXECUTE m");
	ck_assert_int_eq(plan.n_fx, 2);
	ck_assert_int_eq(plan.fx[0].kind, FX_DEALLOCATE);
	ck_assert(plan.fx[0].known);
	ck_assert_int_eq(plan.fx[1].kind, FX_PREPARE);
}
END_TEST

static const char *env_mode, *env_log;

static const char *env_threshold, *env_max;

static const char *fake_env(const char *name)
{
	if (strcmp(name, "PQSHIM_POOLED_THRESHOLD") == 0)
		return env_threshold;
	if (strcmp(name, "PQSHIM_POOLED_MAX") == 0)
		return env_max;
	if (strcmp(name, "PQSHIM_MODE") == 0)
		return env_mode;
	if (strcmp(name, "PQSHIM_LOG") == 0)
		return env_log;
	return NULL;
}

START_TEST(config_values_and_defaults)
{
	struct config c;

	env_mode = NULL;
	env_log = NULL;
	config_load(&c, fake_env);
	ck_assert_int_eq(c.mode, MODE_AUTO); /* the default: decided per connection */
	ck_assert_int_eq(c.log_level, LOG_WARN);
	ck_assert_int_eq(c.n_warnings, 0);
	env_mode = "OFF";
	env_log = "debug";
	config_load(&c, fake_env);
	ck_assert_int_eq(c.mode, MODE_OFF);
	ck_assert_int_eq(c.log_level, LOG_DEBUG);
	env_mode = "bogus";
	env_log = "loud";
	config_load(&c, fake_env);
	ck_assert_int_eq(c.mode, MODE_AUTO);
	ck_assert_int_eq(c.log_level, LOG_WARN);
	ck_assert_int_eq(c.n_warnings, 2);
	ck_assert_ptr_nonnull(strstr(c.warnings[0], "PQSHIM_MODE=bogus"));
	ck_assert_str_eq(config_mode_name(MODE_DEDUPE), "dedupe");
}
END_TEST

START_TEST(pooled_and_auto_config)
{
	struct config c;

	env_log = NULL;
	env_mode = "Pooled";
	env_threshold = NULL;
	env_max = NULL;
	config_load(&c, fake_env);
	ck_assert_int_eq(c.mode, MODE_POOLED);
	ck_assert_uint_eq(c.pooled_threshold, 2);
	ck_assert_uint_eq(c.pooled_max, 256);
	ck_assert(c.pooled_in_blocks);
	env_mode = "auto";
	env_threshold = "5";
	env_max = "0";
	config_load(&c, fake_env);
	ck_assert_int_eq(c.mode, MODE_AUTO);
	ck_assert_uint_eq(c.pooled_threshold, 5);
	ck_assert_uint_eq(c.pooled_max, 0);
	ck_assert_int_eq(c.n_warnings, 0);
	env_threshold = "0"; /* at least one run */
	env_max = "-1";
	config_load(&c, fake_env);
	ck_assert_uint_eq(c.pooled_threshold, 2);
	ck_assert_uint_eq(c.pooled_max, 256);
	ck_assert_int_eq(c.n_warnings, 2);
	env_threshold = env_max = NULL;
	ck_assert(mode_records_text(MODE_POOLED) && mode_records_text(MODE_UNNAMED));
	ck_assert(!mode_records_text(MODE_DEDUPE) && !mode_records_text(MODE_AUTO));
	ck_assert_str_eq(config_mode_name(MODE_POOLED), "pooled");
}
END_TEST

START_TEST(pooled_prepare_records_text)
{
	struct prep_plan p;

	/* pooled mode prepares like unnamed mode: checked through "", only the text kept */
	ck_assert_int_eq(policy_prepare(&t, MODE_POOLED, "s0", "select 1", 0, NULL, true, NULL, &p),
			 PREP_UNNAMED);
	ck_assert_int_eq(policy_prepare(&t, MODE_POOLED, "", "select 1", 0, NULL, true, NULL, &p),
			 PREP_UNNAMED);
	sql_plan_release(&plan);
	stmt_table_put(&t, "q", NULL, STMT_PROTOCOL, "select 1", 8, 0, NULL);
	ck_assert(sql_plan_make(&t, MODE_POOLED, false, "DEALLOCATE q", true, false, true, &plan));
	ck_assert(plan.bundle && plan.fx[0].known); /* the server never had "q": a throwaway first */
}
END_TEST

/* issue 15: a text that is one EXECUTE of a recorded name may go by content name in pooled mode */
START_TEST(sql_execute_content_texts)
{
	char *by_name, *create;

	/* a SQL PREPARE of these modes: recorded, its statement after AS */
	ck_assert(sql_plan_make(&t, MODE_POOLED, false, "PREPARE q AS  select $1::int -- c\n",
				true, true, true, &plan));
	ck_assert(plan.fx[0].virtual_record);
	stmt_table_put(&t, "q", NULL, STMT_SQL, plan.fx[0].body, plan.fx[0].body_len, 0, NULL);
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_POOLED, false, "EXECUTE q (5)", true, true, true, &plan));
	ck_assert_ptr_nonnull(plan.content.stmt);
	ck_assert_int_eq((int)plan.content.len, (int)strlen("select $1::int"));
	ck_assert(memcmp(plan.content.text, "select $1::int", plan.content.len) == 0);
	ck_assert_int_eq(plan.content.nparams, 0);
	ck_assert_ptr_nonnull(strstr(plan.text, "PREPARE _pqs_")); /* the throwaway way too */
	ck_assert(sql_plan_content_texts(&plan, "EXECUTE q (5)", "_pqsh_x", &by_name, &create));
	ck_assert_str_eq(by_name, "EXECUTE  _pqsh_x  (5)");
	/* a newline after the statement: it may end with a comment */
	ck_assert_str_eq(create, "PREPARE _pqsh_x AS select $1::int\n; EXECUTE  _pqsh_x  (5)");
	free(by_name);
	free(create);
	/* EXPLAIN EXECUTE, a protocol prepare's text and count */
	stmt_table_put(&t, "p", NULL, STMT_PROTOCOL, "select $1, $2", 13, 2, NULL);
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_POOLED, false, "EXPLAIN EXECUTE \"p\"(1, 2);", true, true,
				true, &plan));
	ck_assert_ptr_nonnull(plan.content.stmt);
	ck_assert_int_eq(plan.content.nparams, 2);
	ck_assert(sql_plan_content_texts(&plan, "EXPLAIN EXECUTE \"p\"(1, 2);", "_pqsh_y", &by_name,
					 &create));
	ck_assert_str_eq(by_name, "EXPLAIN EXECUTE  _pqsh_y (1, 2);");
	ck_assert_str_eq(create, "PREPARE _pqsh_y AS select $1, $2\n; EXPLAIN EXECUTE  _pqsh_y (1, 2);");
	free(by_name);
	free(create);
	/* a name that touches the keyword and the arguments: the content name kept apart */
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_POOLED, false, "EXECUTE\"q\"(7)", true, true, true, &plan));
	ck_assert(sql_plan_content_texts(&plan, "EXECUTE\"q\"(7)", "_pqsh_x", &by_name, &create));
	ck_assert_str_eq(by_name, "EXECUTE _pqsh_x (7)");
	free(by_name);
	free(create);
	/* not the whole text, or the extended protocol, or typed: the throwaway way only */
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_POOLED, false, "EXECUTE q (1); select 1", true, true, true,
				&plan));
	ck_assert_ptr_null(plan.content.stmt);
	sql_plan_release(&plan);
	sql_plan_make(&t, MODE_POOLED, false, "EXECUTE q (1)", true, false, true, &plan);
	ck_assert_ptr_null(plan.content.stmt);
	stmt_table_put(&t, "typed", NULL, STMT_PROTOCOL, "select $1", 9, 1, (const Oid[]){ 23 });
	sql_plan_release(&plan);
	sql_plan_make(&t, MODE_POOLED, false, "EXECUTE typed (1)", true, true, true, &plan);
	ck_assert_ptr_null(plan.content.stmt);
	/* its types have no names in SQL: never as written (another client's "typed"), 26000 */
	ck_assert(plan.raises);
	ck_assert_ptr_nonnull(strstr(plan.text, "prepared statement \"typed\" does not exist"));
}
END_TEST

/* behind a pooler that tracks statements (protocol ones only) a SQL PREPARE is recorded only */
START_TEST(sql_prepare_behind_a_tracking_pooler)
{
	ck_assert(sql_plan_make(&t, MODE_DEDUPE, true, "PREPARE q AS select 1", true, true, true,
				&plan));
	ck_assert(plan.fx[0].virtual_record);
	ck_assert_ptr_nonnull(strstr(plan.text, "PREPARE \"_pqs_"));
	ck_assert_ptr_nonnull(strstr(plan.text, "; DEALLOCATE _pqs_"));
	/* without one: on the server under its name, as before */
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_DEDUPE, false, "PREPARE q AS select 1", true, true, true,
				&plan));
	ck_assert(!plan.fx[0].virtual_record);
	ck_assert_str_eq(plan.fx[0].server, "q");
}
END_TEST

/* issue 15: a SQL PREPARE with a type list, recorded with the types it resolved to */
START_TEST(sql_typed_prepare_recorded)
{
	bool typed;
	const char *q;

	q = policy_sql_body_statement(" (int, numeric(10,2), \"My)Type\") AS select 1", &typed);
	ck_assert(typed);
	ck_assert_str_eq(q, "select 1");
	ck_assert_str_eq(policy_sql_body_statement(" AS select 2", &typed), "select 2");
	ck_assert(!typed);
	ck_assert_ptr_null(policy_sql_body_statement(" (int AS select 1", &typed));
	ck_assert_ptr_null(policy_sql_body_statement(" (int) select 1", &typed));
	/* checked under a throwaway name; the types come back in between, hidden */
	ck_assert(sql_plan_make(&t, MODE_UNNAMED, false, "PREPARE t (int4, text) AS select $1, $2",
				true, true, true, &plan));
	ck_assert_int_eq(plan.n_fx, 3);
	ck_assert(plan.fx[0].kind == FX_PREPARE && plan.fx[0].virtual_record && !plan.fx[0].hide);
	ck_assert(plan.fx[1].kind == FX_TYPES && plan.fx[1].hide && plan.fx[1].no_effect);
	ck_assert_str_eq(plan.fx[1].key, "t");
	ck_assert(plan.fx[2].kind == FX_DEALLOCATE && plan.fx[2].hide);
	ck_assert_ptr_nonnull(strstr(plan.text, " (int4, text) AS select $1, $2; SELECT "));
	ck_assert_ptr_nonnull(strstr(plan.text, "parameter_types"));
	/* a SQL EXECUTE of it: the throwaway text carries the type list (no protocol types) */
	stmt_table_put(&t, "t", NULL, STMT_SQL, plan.fx[0].body, plan.fx[0].body_len, 2,
		       (const Oid[]){ 23, 25 });
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_UNNAMED, false, "EXECUTE t (1, 'x')", true, true, true,
				&plan));
	ck_assert_ptr_nonnull(strstr(plan.text, "  (int4, text) AS select $1, $2\n; EXECUTE "));
	ck_assert_ptr_null(plan.content.stmt); /* typed: not by content name (yet) */
}
END_TEST

/* a throwaway EXECUTE outside a block runs in BEGIN ... COMMIT: a failure leaves nothing */
START_TEST(sql_throwaway_wrapped_outside_blocks)
{
	char left[4][SERVER_NAME_BUF], want[512];
	const char *tmp;

	stmt_table_put(&t, "q", NULL, STMT_SQL, " AS select 1/$1", 15, 0, NULL);
	ck_assert(sql_plan_make(&t, MODE_UNNAMED, false, "EXECUTE q (0)", true, true, true, &plan));
	ck_assert(plan.wrapped);
	ck_assert_int_eq(plan.n_tmp, 1);
	tmp = plan.tmp[0].name;
	snprintf(want, sizeof(want),
		 "BEGIN; PREPARE %s  AS select 1/$1\n; EXECUTE \"%s\" (0); DEALLOCATE %s\n; COMMIT",
		 tmp, tmp, tmp);
	ck_assert_str_eq(plan.text, want);
	ck_assert_int_eq(plan.n_fx, 4);
	ck_assert(plan.fx[0].kind == FX_BEGIN && plan.fx[0].hide && plan.fx[0].no_effect);
	ck_assert(plan.fx[1].kind == FX_PREPARE && plan.fx[1].hide);
	ck_assert(plan.fx[2].kind == FX_DEALLOCATE && plan.fx[2].hide);
	ck_assert(plan.fx[3].kind == FX_COMMIT && plan.fx[3].hide);
	ck_assert_int_eq(plan.tmp[0].made, 1);
	ck_assert_int_eq(plan.tmp[0].gone, 2);
	/* what is left after results up to each point: only after PREPARE, before DEALLOCATE */
	ck_assert_int_eq(sql_plan_left(&plan, 0, left, 4), 0); /* BEGIN failed */
	ck_assert_int_eq(sql_plan_left(&plan, 1, left, 4), 0); /* PREPARE failed */
	ck_assert_int_eq(sql_plan_left(&plan, 2, left, 4), 1); /* the EXECUTE failed */
	ck_assert_str_eq(left[0], tmp);
	ck_assert_int_eq(sql_plan_left(&plan, 3, left, 4), 0);
	ck_assert_int_eq(sql_plan_left(&plan, 4, left, 4), 0);
	/* several statements, none that controls a block: wrapped too */
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_UNNAMED, false, "select 1; EXECUTE q (0) -- c", true, true,
				true, &plan));
	ck_assert(plan.wrapped);
	ck_assert(strncmp(plan.text, "BEGIN; select 1; PREPARE ", 25) == 0);
	ck_assert_ptr_nonnull(strstr(plan.text, " -- c\n; COMMIT"));
	/* in a block, in a pipeline's extended protocol, or with a statement that controls one: not */
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_UNNAMED, false, "EXECUTE q (0)", true, true, false, &plan));
	ck_assert(!plan.wrapped && plan.n_tmp == 1 && strncmp(plan.text, "PREPARE ", 8) == 0);
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_UNNAMED, false, "SAVEPOINT a; EXECUTE q (0)", true, true,
				true, &plan));
	ck_assert(!plan.wrapped);
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_UNNAMED, false, "EXECUTE q (0); COMMIT", true, true, true,
				&plan));
	ck_assert(!plan.wrapped);
	/* a SQL PREPARE checked under a throwaway name fails only if cancelled: not wrapped */
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_UNNAMED, false, "PREPARE r AS select 2", true, true, true,
				&plan));
	ck_assert(!plan.wrapped && plan.n_tmp == 1 && !plan.tmp[0].exec);
	ck_assert_int_eq(plan.tmp[0].made, 0);
	ck_assert_int_eq(plan.tmp[0].gone, 1);
}
END_TEST

/* names left in a block go with the app's statement that leaves or rolls back the block */
START_TEST(sql_left_names_ride_the_block_exit)
{
	char names[2][SERVER_NAME_BUF] = { "_pqs_a", "_pqs_b" };

	ck_assert(sql_plan_ride("ROLLBACK", true, names, 2, &plan));
	ck_assert_str_eq(plan.text, "ROLLBACK\n; DEALLOCATE _pqs_a\n; DEALLOCATE _pqs_b");
	ck_assert_int_eq(plan.n_fx, 2);
	ck_assert(plan.fx[0].kind == FX_DEALLOCATE && plan.fx[0].hide && plan.fx[0].no_effect &&
		  plan.fx[0].drops_left);
	ck_assert_str_eq(plan.fx[1].key, "_pqs_b");
	sql_plan_release(&plan);
	/* not aborted: before it (a COMMIT may fail, and the block would be over) */
	ck_assert(sql_plan_ride("commit;", false, names, 1, &plan));
	ck_assert_str_eq(plan.text, "DEALLOCATE _pqs_a; commit;");
	sql_plan_release(&plan);
	ck_assert(sql_plan_ride(" rollback work to savepoint \"a\"\"b\" ", true, names, 1, &plan));
	sql_plan_release(&plan);
	ck_assert(!sql_plan_ride("SELECT 1", true, names, 1, &plan));
	ck_assert(!sql_plan_ride("ROLLBACK; SELECT 1", true, names, 1, &plan));
	ck_assert(!sql_plan_ride("ROLLBACK", true, names, 0, &plan));
	ck_assert_ptr_null(plan.text);
}
END_TEST

/* the extended protocol (psycopg 3 sends every query so): a bundle around the one statement */
START_TEST(sql_extended_prepare_and_execute)
{
	ck_assert(sql_plan_make(&t, MODE_UNNAMED, false, "PREPARE e AS select $1::int", true, false,
				true, &plan));
	ck_assert(plan.bundle);
	ck_assert(plan.fx[0].kind == FX_PREPARE && plan.fx[0].virtual_record);
	ck_assert_int_eq(plan.n_fx, 1);
	ck_assert_str_eq(plan.bundle_hidden, "");
	ck_assert_ptr_null(plan.bundle_text);
	ck_assert_ptr_nonnull(strstr(plan.text, "PREPARE \"_pqs_"));
	ck_assert(strncmp(plan.bundle_after, "DEALLOCATE _pqs_", 16) == 0);
	stmt_table_put(&t, "e", NULL, STMT_SQL, plan.fx[0].body, plan.fx[0].body_len, 0, NULL);
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_POOLED, false, "EXECUTE e(3)", true, false, true, &plan));
	ck_assert(plan.bundle);
	ck_assert_int_eq(plan.n_fx, 0);
	ck_assert_ptr_nonnull(plan.bundle_text);
	ck_assert(strncmp(plan.bundle_text, "PREPARE _pqs_", 13) == 0);
	ck_assert_ptr_nonnull(strstr(plan.bundle_text, " AS select $1::int"));
	ck_assert(strncmp(plan.bundle_after, "DEALLOCATE _pqs_", 16) == 0);
	ck_assert(strncmp(plan.text, "EXECUTE \"_pqs_", 14) == 0);
	ck_assert_ptr_null(plan.content.stmt); /* by content name in the simple protocol only */
	/* a type list cannot come back in one statement: as in dedupe mode */
	sql_plan_release(&plan);
	ck_assert(sql_plan_make(&t, MODE_UNNAMED, false, "PREPARE f (int) AS select $1", true, false,
				true, &plan));
	ck_assert(!plan.fx[0].virtual_record);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("decisions");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, prepare_new_identical_conflicting);
	tcase_add_test(tc, prepare_passes_what_libpq_rejects);
	tcase_add_test(tc, prepare_taken_and_long_names_are_renamed);
	tcase_add_test(tc, map_names);
	tcase_add_test(tc, sql_untouched);
	tcase_add_test(tc, sql_prepare_new_then_identical_then_conflicting);
	tcase_add_test(tc, sql_identical_in_extended_protocol_passes);
	tcase_add_test(tc, sql_deallocate_all_and_discard);
	tcase_add_test(tc, sql_renamed_name_before_a_quote);
	tcase_add_test(tc, unnamed_deallocate_of_recorded_name);
	tcase_add_test(tc, sql_makes_names);
	tcase_add_test(tc, sql_deallocate_of_stale_name_raises);
	tcase_add_test(tc, sql_in_text_order);
	tcase_add_test(tc, config_values_and_defaults);
	tcase_add_test(tc, pooled_and_auto_config);
	tcase_add_test(tc, pooled_prepare_records_text);
	tcase_add_test(tc, sql_after_commands_ahead);
	tcase_add_test(tc, sql_execute_content_texts);
	tcase_add_test(tc, sql_prepare_behind_a_tracking_pooler);
	tcase_add_test(tc, sql_typed_prepare_recorded);
	tcase_add_test(tc, sql_extended_prepare_and_execute);
	tcase_add_test(tc, sql_throwaway_wrapped_outside_blocks);
	tcase_add_test(tc, sql_left_names_ride_the_block_exit);
	suite_add_tcase(s, tc);
	return run_suite(s, "policy");
}
