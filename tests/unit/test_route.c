/*
 * Unit tests: the route of an execution (route.h) in every mode, case by
 * case in the order route_exec tries them, and the block state it reads.
 */
#include <check.h>
#include <string.h>

#include "check_main.h"

#include "block.h"
#include "route.h"

static struct stmt_table t;
static struct content_table ct;
static struct block b;
static struct route r;

static void setup(void)
{
	stmt_table_init(&t);
	content_table_init(&ct);
	memset(&b, 0, sizeof(b));
	memset(&r, 0, sizeof(r));
}

static void teardown(void)
{
	stmt_table_clear(&t);
	content_table_clear(&ct);
}

/* Facts for a call: mode, blocking or not, in a pipeline, transaction status. */
static struct route_facts facts(enum shim_mode mode, bool sync, bool pipeline, enum route_txn txn)
{
	struct route_facts f = { .mode = mode, .sync = sync, .pipeline = pipeline, .txn = txn,
				 .in_blocks = true, .threshold = 2, .cap = 256 };

	return f;
}

static enum route_kind route(const struct route_facts *f, const char *name)
{
	route_exec(f, &t, &ct, &b, name, &r);
	return r.kind;
}

/* A statement recorded as a text only (unnamed and pooled mode). */
static void record_text(const char *name, const char *text)
{
	ck_assert(stmt_table_put(&t, name, NULL, STMT_PROTOCOL, text, strlen(text), 0, NULL));
}

START_TEST(dedupe_unknown_name_goes_as_written)
{
	struct route_facts f = facts(MODE_DEDUPE, true, false, ROUTE_TXN_UNKNOWN);

	ck_assert_int_eq(route(&f, "s0"), ROUTE_DIRECT);
	ck_assert_str_eq(r.server, "s0");
	ck_assert(!r.watch); /* nothing the shim made: nothing to recover */
	ck_assert_int_eq(route(&f, NULL), ROUTE_DIRECT);
	ck_assert_ptr_null(r.server);
	ck_assert_int_eq(route(&f, ""), ROUTE_DIRECT); /* the unnamed statement, untouched */
	ck_assert_str_eq(r.server, "");
}
END_TEST

START_TEST(dedupe_recorded_statement_is_watched)
{
	struct route_facts f = facts(MODE_DEDUPE, true, false, ROUTE_TXN_UNKNOWN);

	ck_assert(stmt_table_put(&t, "s0", "s0", STMT_PROTOCOL, "select 1", 8, 0, NULL));
	ck_assert_int_eq(route(&f, "s0"), ROUTE_DIRECT);
	ck_assert_str_eq(r.server, "s0");
	ck_assert(r.watch); /* a blocking call: recovered after a failure */
	ck_assert_ptr_nonnull(r.stmt);
	/* asynchronous: watched only in auto mode, outside pipelines and blocks */
	f = facts(MODE_DEDUPE, false, false, ROUTE_TXN_IDLE);
	ck_assert_int_eq(route(&f, "s0"), ROUTE_DIRECT);
	ck_assert(!r.watch);
	f.auto_watch = true;
	ck_assert_int_eq(route(&f, "s0"), ROUTE_WATCHED);
	f.txn = ROUTE_TXN_BLOCK;
	ck_assert_int_eq(route(&f, "s0"), ROUTE_DIRECT);
	f.txn = ROUTE_TXN_IDLE;
	f.pipeline = true;
	ck_assert_int_eq(route(&f, "s0"), ROUTE_DIRECT);
}
END_TEST

START_TEST(dedupe_renamed_and_given_up_names_map)
{
	struct route_facts f = facts(MODE_DEDUPE, true, false, ROUTE_TXN_UNKNOWN);

	ck_assert(stmt_table_put(&t, "s0", "_pqs_1_1", STMT_PROTOCOL, "select 2", 8, 0, NULL));
	ck_assert_int_eq(route(&f, "s0"), ROUTE_DIRECT);
	ck_assert_str_eq(r.server, "_pqs_1_1");
	/* renamed away from, then deallocated: the old statement must stay out of reach */
	ck_assert(stmt_table_put(&t, "s1", "s1", STMT_PROTOCOL, "a", 1, 0, NULL));
	ck_assert(stmt_table_put(&t, "s1", "_pqs_1_2", STMT_PROTOCOL, "b", 1, 0, NULL));
	stmt_table_remove(&t, "s1");
	/* the shim answers its 26000, naming "s1" (not the placeholder it used to send) */
	ck_assert_int_eq(route(&f, "s1"), ROUTE_MISSING);
}
END_TEST

START_TEST(dedupe_text_naming_statements_runs_as_sql)
{
	struct route_facts f = facts(MODE_DEDUPE, true, false, ROUTE_TXN_UNKNOWN);

	ck_assert(stmt_table_put(&t, "n1", "n1", STMT_PROTOCOL, "EXECUTE n0", 10, 0, NULL));
	ck_assert_int_eq(route(&f, "n1"), ROUTE_AS_SQL);
	ck_assert_str_eq(r.sql.text, "EXECUTE n0");
	ck_assert_str_eq(r.server, "n1"); /* the fallback */
	/* a SQL PREPARE's statement is the server's own: it never runs as SQL */
	ck_assert(stmt_table_put(&t, "n2", "n2", STMT_SQL, " AS EXECUTE n0", 14, 0, NULL));
	ck_assert_int_eq(route(&f, "n2"), ROUTE_DIRECT);
}
END_TEST

START_TEST(dedupe_in_flight_prepare_wins)
{
	struct route_facts f = facts(MODE_DEDUPE, false, true, ROUTE_TXN_IDLE);
	struct prep_inflight in = { .server = "_pqs_1_9", .query = "select 9" };

	ck_assert(stmt_table_put(&t, "s0", "s0", STMT_PROTOCOL, "select 1", 8, 0, NULL));
	f.inflight = &in;
	ck_assert_int_eq(route(&f, "s0"), ROUTE_DIRECT);
	ck_assert_str_eq(r.server, "_pqs_1_9");
}
END_TEST

/* contract-repro C, C2, N: what SQL in flight ahead in the app's pipeline makes a name mean */
START_TEST(in_flight_sql_decides)
{
	struct route_facts f = facts(MODE_UNNAMED, true, false, ROUTE_TXN_IDLE);
	struct prep_inflight gone = { .changed = true, .gone = true };
	struct prep_inflight sql = { .changed = true, .server = "_pqs_1_4" };

	record_text("u", "select 1");
	f.pipeline = true;
	/* DEALLOCATE u ahead: the server's 26000, from the shim, not the recorded text */
	f.inflight = &gone;
	ck_assert_int_eq(route(&f, "u"), ROUTE_MISSING);
	/* PREPARE u AS ... ahead (on the server under _pqs_1_4): that statement */
	f.inflight = &sql;
	ck_assert_int_eq(route(&f, "u"), ROUTE_DIRECT);
	ck_assert_str_eq(r.server, "_pqs_1_4");
	/* dedupe: the same statement; a deallocated name goes as written (the server's 26000) */
	f.mode = MODE_DEDUPE;
	ck_assert(stmt_table_put(&t, "c", "c", STMT_PROTOCOL, "select 1", 8, 0, NULL));
	ck_assert_int_eq(route(&f, "c"), ROUTE_DIRECT);
	ck_assert_str_eq(r.server, "_pqs_1_4");
	f.inflight = &gone;
	ck_assert_int_eq(route(&f, "c"), ROUTE_DIRECT);
	ck_assert_str_eq(r.server, "c");
	/* behind a pooler that tracks statements a deallocated name must not reach it */
	f.tracking = true;
	ck_assert_int_eq(route(&f, "c"), ROUTE_MISSING);
}
END_TEST

START_TEST(unnamed_recorded_text_goes_unnamed)
{
	struct route_facts f = facts(MODE_UNNAMED, true, false, ROUTE_TXN_IDLE);
	struct prep_inflight in = { .server = "", .query = "select 7" };

	record_text("s0", "select 1");
	ck_assert_int_eq(route(&f, "s0"), ROUTE_UNNAMED);
	ck_assert_str_eq(r.text.query, "select 1");
	/* a prepare of it in flight in the pipeline comes first */
	f.pipeline = true;
	f.inflight = &in;
	ck_assert_int_eq(route(&f, "s0"), ROUTE_UNNAMED);
	ck_assert_str_eq(r.text.query, "select 7");
	/* a name the app does not hold never reaches the server: the shim answers 26000 */
	f.inflight = NULL;
	ck_assert_int_eq(route(&f, "other"), ROUTE_MISSING);
	ck_assert_int_eq(route(&f, ""), ROUTE_DIRECT); /* the unnamed statement goes as it is */
	/* a name SQL PREPARE made (on the server, as written) is held */
	ck_assert(stmt_table_put(&t, "q", "q", STMT_SQL, " AS select 1", 12, 0, NULL));
	ck_assert_int_eq(route(&f, "q"), ROUTE_DIRECT);
	/* not UTF-8: the server rejects the name itself (22021), as for its prepare */
	ck_assert_int_eq(route(&f, "ok\x80"), ROUTE_DIRECT);
	/* SQL text the shim did not follow may have made names: the server answers */
	t.sql_names = true;
	ck_assert_int_eq(route(&f, "other"), ROUTE_DIRECT);
	stmt_table_clear(&t); /* DEALLOCATE ALL, a new session */
	ck_assert(!t.sql_names);
	ck_assert_int_eq(route(&f, "other"), ROUTE_MISSING);
}
END_TEST

START_TEST(tracking_pooler_unknown_names_missing)
{
	struct route_facts f = facts(MODE_DEDUPE, true, false, ROUTE_TXN_UNKNOWN);

	ck_assert(stmt_table_put(&t, "s0", "s0", STMT_PROTOCOL, "select 1", 8, 0, NULL));
	ck_assert_int_eq(route(&f, "x"), ROUTE_DIRECT); /* directly: the server's own 26000 */
	f.tracking = true; /* the pooler would close the connection over a Bind of it */
	ck_assert_int_eq(route(&f, "x"), ROUTE_MISSING);
	ck_assert_int_eq(route(&f, "s0"), ROUTE_DIRECT);
	ck_assert(r.watch);
}
END_TEST

START_TEST(dedupe_recorded_text_goes_unnamed)
{
	struct route_facts f = facts(MODE_DEDUPE, true, false, ROUTE_TXN_UNKNOWN);

	record_text("s0", "select 1"); /* recorded while the mode was not decided */
	ck_assert_int_eq(route(&f, "s0"), ROUTE_UNNAMED);
	ck_assert_str_eq(r.text.query, "select 1");
}
END_TEST

START_TEST(pooled_threshold_then_content_name)
{
	struct route_facts f = facts(MODE_POOLED, true, false, ROUTE_TXN_IDLE);
	char want[NAMES_CONTENT_LEN + 1];

	record_text("s0", "select 1");
	names_content(want, "select 1", 8, 0, NULL);
	ck_assert_int_eq(route(&f, "s0"), ROUTE_UNNAMED); /* first run: below the threshold */
	ck_assert_str_eq(r.text.query, "select 1");
	ck_assert_int_eq(route(&f, "s0"), ROUTE_CONTENT);
	ck_assert_str_eq(r.content->name, want);
	ck_assert_str_eq(r.text.query, "select 1"); /* the fallback */
	ck_assert_ptr_nonnull(r.stmt);
	ck_assert_int_eq(route(&f, "s0"), ROUTE_CONTENT);
}
END_TEST

START_TEST(pooled_pipelines_and_aborted_blocks_go_unnamed)
{
	struct route_facts f = facts(MODE_POOLED, false, false, ROUTE_TXN_IDLE);

	f.threshold = 1;
	record_text("s0", "select 1");
	f.pipeline = true;
	ck_assert_int_eq(route(&f, "s0"), ROUTE_UNNAMED);
	f.pipeline = false;
	f.txn = ROUTE_TXN_OTHER;
	ck_assert_int_eq(route(&f, "s0"), ROUTE_UNNAMED);
	f.txn = ROUTE_TXN_BLOCK;
	f.in_blocks = false; /* PQSHIM_POOLED_IN_BLOCKS=false */
	ck_assert_int_eq(route(&f, "s0"), ROUTE_UNNAMED);
	f.txn = ROUTE_TXN_IDLE;
	f.cap = 0; /* no names at all */
	ck_assert_int_eq(route(&f, "s0"), ROUTE_UNNAMED);
}
END_TEST

START_TEST(pooled_block_routes)
{
	struct route_facts f = facts(MODE_POOLED, true, false, ROUTE_TXN_BLOCK);
	struct content *c;

	f.threshold = 1;
	record_text("s0", "select 1");
	record_text("set", "SET LOCAL work_mem = '1MB'");
	/* no look-up yet: the first execution carries it, if it plans itself */
	ck_assert_int_eq(route(&f, "s0"), ROUTE_BLOCK_LOOKUP);
	c = r.content;
	ck_assert_int_eq(route(&f, "set"), ROUTE_UNNAMED); /* SET TRANSACTION must stay first */
	/* the look-up said: there */
	block_lookup_sent(&b);
	block_mark_present(&b, c);
	block_learned(&b, ct.count);
	ck_assert_int_eq(route(&f, "s0"), ROUTE_BLOCK_NAME);
	/* looked up and not there: made there */
	record_text("s1", "select 11");
	c->present = 0;
	ck_assert_int_eq(route(&f, "s0"), ROUTE_BLOCK_CREATE);
	/* first seen after the look-up, which saw every name: not there either */
	ck_assert_int_eq(route(&f, "s1"), ROUTE_BLOCK_CREATE);
	/* ...but after a look-up that saw names the table could not hold: not known */
	block_lookup_sent(&b);
	block_learned(&b, ct.count - 1);
	block_missed(&b);
	ck_assert_int_eq(route(&f, "s1"), ROUTE_UNNAMED);
	block_lookup_sent(&b);
	block_learned(&b, ct.count);
	/* outside a block the knowledge goes */
	f.txn = ROUTE_TXN_IDLE;
	ck_assert_int_eq(route(&f, "s0"), ROUTE_CONTENT);
	ck_assert(!b.known);
	f.txn = ROUTE_TXN_BLOCK;
	ck_assert_int_eq(route(&f, "s0"), ROUTE_BLOCK_LOOKUP);
}
END_TEST

START_TEST(pooled_statement_with_a_server_name_maps)
{
	struct route_facts f = facts(MODE_POOLED, true, false, ROUTE_TXN_IDLE);

	/* made by SQL PREPARE (goes through as written in pooled mode, for now) */
	ck_assert(stmt_table_put(&t, "q", "q", STMT_SQL, " AS select 1", 12, 0, NULL));
	ck_assert_int_eq(route(&f, "q"), ROUTE_DIRECT);
	ck_assert_str_eq(r.server, "q");
	ck_assert(!r.watch); /* watching is dedupe's */
}
END_TEST

/* issue 15: a SQL EXECUTE by content name, under pooled mode's rules but with no look-up */
START_TEST(sql_execute_routes)
{
	struct route_facts f = facts(MODE_POOLED, true, false, ROUTE_TXN_IDLE);
	struct content *c = content_table_get(&ct, "select 1", 0, NULL, 256);

	ck_assert_int_eq(route_sql_execute(&f, &ct, &b, c), -1); /* below the threshold */
	ck_assert_int_eq(route_sql_execute(&f, &ct, &b, c), ROUTE_CONTENT);
	ck_assert_int_eq(route_sql_execute(&f, &ct, &b, NULL), -1); /* not tracked */
	f.pipeline = true;
	ck_assert_int_eq(route_sql_execute(&f, &ct, &b, c), -1);
	f = facts(MODE_UNNAMED, true, false, ROUTE_TXN_IDLE);
	ck_assert_int_eq(route_sql_execute(&f, &ct, &b, c), -1);
	f = facts(MODE_POOLED, true, false, ROUTE_TXN_OTHER); /* an aborted block */
	ck_assert_int_eq(route_sql_execute(&f, &ct, &b, c), -1);
	/* in a block: no look-up rides with SQL text, so only what one already said */
	f.txn = ROUTE_TXN_BLOCK;
	ck_assert_int_eq(route_sql_execute(&f, &ct, &b, c), -1);
	block_lookup_sent(&b);
	block_learned(&b, ct.count);
	ck_assert_int_eq(route_sql_execute(&f, &ct, &b, c), ROUTE_BLOCK_CREATE);
	block_mark_present(&b, c);
	ck_assert_int_eq(route_sql_execute(&f, &ct, &b, c), ROUTE_BLOCK_NAME);
	f.in_blocks = false;
	ck_assert_int_eq(route_sql_execute(&f, &ct, &b, c), -1);
	/* outside a block the knowledge goes */
	f = facts(MODE_POOLED, true, false, ROUTE_TXN_IDLE);
	ck_assert_int_eq(route_sql_execute(&f, &ct, &b, c), ROUTE_CONTENT);
	ck_assert(!b.known);
}
END_TEST

/* a SQL PREPARE with a type list: through the unnamed statement with its types, once known */
START_TEST(sql_typed_record_routes)
{
	struct route_facts f = facts(MODE_UNNAMED, true, false, ROUTE_TXN_IDLE);
	const char *body = " (int4) AS select $1";

	ck_assert(stmt_table_put(&t, "t", NULL, STMT_SQL, body, strlen(body), 0, NULL));
	/* the types did not come back: it cannot run, and never as another statement */
	ck_assert_int_eq(route(&f, "t"), ROUTE_MISSING);
	f = facts(MODE_DEDUPE, true, false, ROUTE_TXN_UNKNOWN);
	ck_assert_int_eq(route(&f, "t"), ROUTE_MISSING);
	ck_assert(stmt_table_put(&t, "t", NULL, STMT_SQL, body, strlen(body), 1, (const Oid[]){ 23 }));
	ck_assert_int_eq(route(&f, "t"), ROUTE_UNNAMED);
	ck_assert_str_eq(r.text.query, "select $1");
	ck_assert_int_eq(r.text.nparams, 1);
	ck_assert_uint_eq(r.text.types[0], 23);
	f = facts(MODE_POOLED, true, false, ROUTE_TXN_IDLE);
	ck_assert_int_eq(route(&f, "t"), ROUTE_UNNAMED);
}
END_TEST

/* dedupe behind a tracking pooler: a SQL PREPARE in flight ahead, recorded only, runs unnamed */
START_TEST(inflight_text_only_in_dedupe)
{
	struct route_facts f = facts(MODE_DEDUPE, false, true, ROUTE_TXN_IDLE);
	struct prep_inflight in = { .server = "", .query = "select $1::int + 1" };

	f.tracking = true;
	f.inflight = &in;
	ck_assert_int_eq(route(&f, "f"), ROUTE_UNNAMED);
	ck_assert_str_eq(r.text.query, "select $1::int + 1");
	in.server = "f"; /* a real prepare ahead: by its name */
	ck_assert_int_eq(route(&f, "f"), ROUTE_DIRECT);
	ck_assert_str_eq(r.server, "f");
}
END_TEST

START_TEST(block_views)
{
	struct content c = { .seq = 0 };
	struct content later = { .seq = 5 };

	ck_assert_int_eq(block_view(&b, &c), BLOCK_UNKNOWN);
	block_lookup_sent(&b);
	block_learned(&b, 3);
	ck_assert_int_eq(block_view(&b, &c), BLOCK_LACKS);
	/* made after the look-up: it did not see it */
	ck_assert_int_eq(block_view(&b, &later), BLOCK_LACKS);
	block_missed(&b); /* ...unless it saw names the table could not hold */
	ck_assert_int_eq(block_view(&b, &later), BLOCK_UNSURE);
	ck_assert_int_eq(block_view(&b, &c), BLOCK_LACKS);
	block_mark_present(&b, &c);
	ck_assert_int_eq(block_view(&b, &c), BLOCK_HAS);
	/* a new look-up: what the old one saw is not known to be there any more */
	block_lookup_sent(&b);
	block_learned(&b, 3);
	ck_assert_int_eq(block_view(&b, &c), BLOCK_LACKS);
	block_observe(&b, true);
	ck_assert(b.known);
	block_observe(&b, false);
	ck_assert_int_eq(block_view(&b, &c), BLOCK_UNKNOWN);
	/* SQL between executions: a SAVEPOINT or SET LOCAL keeps the block, a COMMIT may end it */
	block_learned(&b, 3);
	block_mark_present(&b, &c);
	block_sql(&b, "SAVEPOINT x", true);
	block_sql(&b, "SET LOCAL work_mem = '8MB'; RELEASE x", true);
	ck_assert_int_eq(block_view(&b, &c), BLOCK_HAS);
	block_sql(&b, "COMMIT; BEGIN", true);
	ck_assert_int_eq(block_view(&b, &c), BLOCK_UNKNOWN);
	/* the epoch never wraps to 0, what a new entry says */
	b.epoch = UINT32_MAX;
	block_lookup_sent(&b);
	ck_assert_uint_eq(b.epoch, 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, dedupe_unknown_name_goes_as_written);
	tcase_add_test(tc, dedupe_recorded_statement_is_watched);
	tcase_add_test(tc, dedupe_renamed_and_given_up_names_map);
	tcase_add_test(tc, dedupe_text_naming_statements_runs_as_sql);
	tcase_add_test(tc, dedupe_in_flight_prepare_wins);
	tcase_add_test(tc, unnamed_recorded_text_goes_unnamed);
	tcase_add_test(tc, in_flight_sql_decides);
	tcase_add_test(tc, tracking_pooler_unknown_names_missing);
	tcase_add_test(tc, dedupe_recorded_text_goes_unnamed);
	tcase_add_test(tc, pooled_threshold_then_content_name);
	tcase_add_test(tc, pooled_pipelines_and_aborted_blocks_go_unnamed);
	tcase_add_test(tc, pooled_block_routes);
	tcase_add_test(tc, pooled_statement_with_a_server_name_maps);
	tcase_add_test(tc, block_views);
	tcase_add_test(tc, sql_execute_routes);
	tcase_add_test(tc, sql_typed_record_routes);
	tcase_add_test(tc, inflight_text_only_in_dedupe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite(), "route");
}
