/*
 * Unit tests for shim/pure/sqlscan.c (Check framework).
 *
 * Most cases are rows of scan_rows[]: the SQL, the expected statement count
 * and the expected references, each given by the name the server would see,
 * the name token as written and (for PREPARE) the body text.
 */
#include "sqlscan.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

struct xref {
	enum sql_kind kind;
	int stmt;
	const char *name; /* as the server sees it */
	const char *tok;  /* name token as written; NULL: expect 0/0 */
	const char *body; /* PREPARE body; NULL: expect 0/0 */
};

struct row {
	const char *sql;
	bool nostd; /* standard_conforming_strings = off */
	int n_stmts, n_refs;
	struct xref r[3];
};

#define P SQL_PREPARE
#define X SQL_EXECUTE
#define D SQL_DEALLOCATE
#define DA SQL_DEALLOCATE_ALL
#define DC SQL_DISCARD_ALL

static const struct row scan_rows[] = {
	/* each kind */
	{"PREPARE p AS SELECT 1", 0, 1, 1, {{P, 0, "p", "p", " AS SELECT 1"}}},
	{"EXECUTE p", 0, 1, 1, {{X, 0, "p", "p", NULL}}},
	{"EXECUTE p(1, 'a')", 0, 1, 1, {{X, 0, "p", "p", NULL}}},
	{"DEALLOCATE p", 0, 1, 1, {{D, 0, "p", "p", NULL}}},
	{"DEALLOCATE PREPARE p", 0, 1, 1, {{D, 0, "p", "p", NULL}}},
	{"deallocate prepare P", 0, 1, 1, {{D, 0, "p", "P", NULL}}},
	{"DEALLOCATE prepare", 0, 1, 1, {{D, 0, "prepare", "prepare", NULL}}},
	{"DEALLOCATE ALL", 0, 1, 1, {{DA, 0, "", NULL, NULL}}},
	{"Deallocate Prepare aLL", 0, 1, 1, {{DA, 0, "", NULL, NULL}}},
	{"DEALLOCATE \"ALL\"", 0, 1, 1, {{D, 0, "ALL", "\"ALL\"", NULL}}},
	{"DEALLOCATE PREPARE \"all\"", 0, 1, 1, {{D, 0, "all", "\"all\"", NULL}}},
	{"DISCARD ALL", 0, 1, 1, {{DC, 0, "", NULL, NULL}}},
	{"discard all", 0, 1, 1, {{DC, 0, "", NULL, NULL}}},
	{"DISCARD PLANS", 0, 1, 0, {{0}}},
	{"DISCARD SEQUENCES", 0, 1, 0, {{0}}},
	{"DISCARD TEMP", 0, 1, 0, {{0}}},
	{"DISCARD \"all\"", 0, 1, 0, {{0}}},
	/* case folding, quoting, high-bit bytes */
	{"PrePare MyStmt As select 1", 0, 1, 1, {{P, 0, "mystmt", "MyStmt", " As select 1"}}},
	{"EXECUTE \"My\"\"Stmt\"", 0, 1, 1, {{X, 0, "My\"Stmt", "\"My\"\"Stmt\"", NULL}}},
	{"EXECUTE \"\"\"\"", 0, 1, 1, {{X, 0, "\"", "\"\"\"\"", NULL}}},
	{"EXECUTE u&\"A\"\"b\\0041\"", 0, 1, 1, {{X, 0, "A\"b\\0041", "u&\"A\"\"b\\0041\"", NULL}}},
	{"EXECUTE \xc3\x84" "Bc", 0, 1, 1, {{X, 0, "\xc3\x84" "bc", "\xc3\x84" "Bc", NULL}}},
	{"\"EXECUTE\" p", 0, 1, 0, {{0}}},
	/* statements and empty statements */
	{"PREPARE a AS SELECT 1; EXECUTE a; DEALLOCATE a", 0, 3, 3,
	 {{P, 0, "a", "a", " AS SELECT 1"}, {X, 1, "a", "a", NULL}, {D, 2, "a", "a", NULL}}},
	{"SELECT 1; EXECUTE a; SELECT 2; DISCARD ALL;", 0, 4, 2,
	 {{X, 1, "a", "a", NULL}, {DC, 3, "", NULL, NULL}}},
	{";;EXECUTE a;; -- c\n; /* x */ ; DEALLOCATE b;", 0, 2, 2,
	 {{X, 0, "a", "a", NULL}, {D, 1, "b", "b", NULL}}},
	{"", 0, 0, 0, {{0}}},
	{" ; \t\n;", 0, 0, 0, {{0}}},
	{"-- only a comment", 0, 0, 0, {{0}}},
	{"/* a */ -- b\n /* c /* d */ */", 0, 0, 0, {{0}}},
	/* fake references inside literals and comments */
	{"SELECT '; DEALLOCATE x'; EXECUTE y", 0, 2, 1, {{X, 1, "y", "y", NULL}}},
	{"SELECT 'it''s; DEALLOCATE x'", 0, 1, 0, {{0}}},
	{"SELECT E'\\'; DEALLOCATE x; --'; EXECUTE y", 0, 2, 1, {{X, 1, "y", "y", NULL}}},
	{"SELECT e'\\\\'; DEALLOCATE x", 0, 2, 1, {{D, 1, "x", "x", NULL}}},
	{"SELECT '\\'; DEALLOCATE x; --'", 0, 2, 1, {{D, 1, "x", "x", NULL}}},
	{"SELECT '\\'; DEALLOCATE x; --'", 1, 1, 0, {{0}}},
	{"SELECT N'\\'; DEALLOCATE x; --'", 1, 1, 0, {{0}}},
	{"SELECT N'\\'; DEALLOCATE x; --'", 0, 2, 1, {{D, 1, "x", "x", NULL}}},
	{"SELECT B'\\'; DEALLOCATE x", 1, 2, 1, {{D, 1, "x", "x", NULL}}},
	{"SELECT X'\\'; DEALLOCATE x", 1, 2, 1, {{D, 1, "x", "x", NULL}}},
	{"SELECT U&'\\'; DEALLOCATE x", 1, 2, 1, {{D, 1, "x", "x", NULL}}},
	{"SELECT $$; DEALLOCATE x$$; EXECUTE y", 0, 2, 1, {{X, 1, "y", "y", NULL}}},
	{"SELECT $fn$ $$; DEALLOCATE x; $f$ $fn$; EXECUTE y", 0, 2, 1, {{X, 1, "y", "y", NULL}}},
	{"SELECT $a1\xc3\xa9$;$a1$;$a1\xc3\xa9$; EXECUTE y", 0, 2, 1, {{X, 1, "y", "y", NULL}}},
	{"SELECT $q$ $$q $q$; EXECUTE y", 0, 2, 1, {{X, 1, "y", "y", NULL}}},
	{"/* a /* b */ ; DEALLOCATE x */ EXECUTE y", 0, 1, 1, {{X, 0, "y", "y", NULL}}},
	{"/*/ ; DEALLOCATE x */ EXECUTE y", 0, 1, 1, {{X, 0, "y", "y", NULL}}},
	{"EXECUTE y -- ; DEALLOCATE x\n", 0, 1, 1, {{X, 0, "y", "y", NULL}}},
	{"SELECT 1-- ; DEALLOCATE x\r; EXECUTE y", 0, 2, 1, {{X, 1, "y", "y", NULL}}},
	{"SELECT \"a;DEALLOCATE x\"; EXECUTE y", 0, 2, 1, {{X, 1, "y", "y", NULL}}},
	/* string continuation across a newline keeps the E'' escapes */
	{"SELECT E'a'\n'\\'; DEALLOCATE x; --'; EXECUTE y", 0, 2, 1, {{X, 1, "y", "y", NULL}}},
	{"SELECT E'a' -- c\n  '\\'; DEALLOCATE x; --'; EXECUTE y", 0, 2, 1, {{X, 1, "y", "y", NULL}}},
	{"SELECT E'a' '\\'; DEALLOCATE x", 0, 2, 1, {{D, 1, "x", "x", NULL}}},
	/* the same prefixes after a statement's first tokens (skip()'s look-back) */
	{"SELECT x, e'\\'; DEALLOCATE x; --'; EXECUTE y", 0, 2, 1, {{X, 1, "y", "y", NULL}}},
	{"SELECT a$e'\\'; DEALLOCATE x", 0, 2, 1, {{D, 1, "x", "x", NULL}}},
	{"SELECT xe'\\'; DEALLOCATE x", 0, 2, 1, {{D, 1, "x", "x", NULL}}},
	{"SELECT 1.5e'\\'; DEALLOCATE x; --'", 0, 1, 0, {{0}}},
	{"1.5e'\\'; DEALLOCATE x; --'", 0, 1, 0, {{0}}},
	{"SELECT (u&'\\'); DEALLOCATE x", 1, 2, 1, {{D, 1, "x", "x", NULL}}},
	{"SELECT 1 -u&'\\'; DEALLOCATE x", 1, 2, 1, {{D, 1, "x", "x", NULL}}},
	{"SELECT 1 -nu&'\\'; DEALLOCATE x; --'", 1, 1, 0, {{0}}},
	/* parameters and '$' in identifiers */
	{"EXECUTE p($1, $2); DEALLOCATE q", 0, 2, 2, {{X, 0, "p", "p", NULL}, {D, 1, "q", "q", NULL}}},
	{"SELECT $1$$; DEALLOCATE x$$; EXECUTE y", 0, 2, 1, {{X, 1, "y", "y", NULL}}},
	{"SELECT foo$bar; DEALLOCATE x", 0, 2, 1, {{D, 1, "x", "x", NULL}}},
	{"SELECT foo$$; DEALLOCATE x$$", 0, 2, 1, {{D, 1, "x$$", "x$$", NULL}}},
	{"EXECUTE S$1", 0, 1, 1, {{X, 0, "s$1", "S$1", NULL}}},
	{"SELECT $ a; SELECT $b; EXECUTE y", 0, 3, 1, {{X, 2, "y", "y", NULL}}},
	/* PREPARE bodies: trailing blanks and comments are not part of them */
	{"PREPARE p(int, text) AS SELECT $1", 0, 1, 1, {{P, 0, "p", "p", "(int, text) AS SELECT $1"}}},
	{"PREPARE p AS SELECT 1 -- c\n /* d */ ; ", 0, 1, 1, {{P, 0, "p", "p", " AS SELECT 1"}}},
	{"PREPARE \"P\"AS SELECT ';'", 0, 1, 1, {{P, 0, "P", "\"P\"", "AS SELECT ';'"}}},
	{"PREPARE p", 0, 1, 1, {{P, 0, "p", "p", ""}}},
	{"PREPARE p AS SELECT 'a' /* c */", 0, 1, 1, {{P, 0, "p", "p", " AS SELECT 'a'"}}},
	{"PREPARE p AS SELECT a$b  \n", 0, 1, 1, {{P, 0, "p", "p", " AS SELECT a$b"}}},
	{"PREPARE p AS SELECT $$x$$ -- c", 0, 1, 1, {{P, 0, "p", "p", " AS SELECT $$x$$"}}},
	{"PREPARE p AS SELECT (1)\t;PREPARE q AS SELECT\n2", 0, 2, 2,
	 {{P, 0, "p", "p", " AS SELECT (1)"}, {P, 1, "q", "q", " AS SELECT\n2"}}},
	/* PREPARE TRANSACTION is two-phase commit */
	{"PREPARE TRANSACTION 'gid'", 0, 1, 0, {{0}}},
	{"prepare transaction $g$x$g$; COMMIT PREPARED 'x'", 0, 2, 0, {{0}}},
	{"PREPARE transaction AS SELECT 1", 0, 1, 1, {{P, 0, "transaction", "transaction", " AS SELECT 1"}}},
	{"PREPARE TRANSACTION(int) AS SELECT $1", 0, 1, 1,
	 {{P, 0, "transaction", "TRANSACTION", "(int) AS SELECT $1"}}},
	{"PREPARE \"transaction\" AS SELECT 1", 0, 1, 1,
	 {{P, 0, "transaction", "\"transaction\"", " AS SELECT 1"}}},
	/* EXECUTE inside EXPLAIN and CREATE TABLE AS */
	{"EXPLAIN EXECUTE s1(1)", 0, 1, 1, {{X, 0, "s1", "s1", NULL}}},
	{"EXPLAIN ANALYZE VERBOSE EXECUTE s1", 0, 1, 1, {{X, 0, "s1", "s1", NULL}}},
	{"explain analyse execute S1", 0, 1, 1, {{X, 0, "s1", "S1", NULL}}},
	{"EXPLAIN (ANALYZE, BUFFERS) EXECUTE s1", 0, 1, 1, {{X, 0, "s1", "s1", NULL}}},
	{"EXPLAIN (FORMAT JSON) CREATE TABLE t AS EXECUTE s1", 0, 1, 1, {{X, 0, "s1", "s1", NULL}}},
	{"EXPLAIN SELECT execute FROM t", 0, 1, 0, {{0}}},
	{"CREATE TABLE t AS EXECUTE s1", 0, 1, 1, {{X, 0, "s1", "s1", NULL}}},
	{"CREATE TEMP TABLE t AS EXECUTE s1(1, 'a')", 0, 1, 1, {{X, 0, "s1", "s1", NULL}}},
	{"create unlogged table if not exists t (a, b) with (fillfactor=50) as execute \"S1\"", 0, 1, 1,
	 {{X, 0, "S1", "\"S1\"", NULL}}},
	{"CREATE TABLE t AS SELECT 1 AS execute FROM x", 0, 1, 0, {{0}}},
	{"CREATE TABLE t (a int GENERATED ALWAYS AS (1) STORED, execute int)", 0, 1, 0, {{0}}},
	{"CREATE VIEW v AS SELECT x AS execute FROM t", 0, 1, 0, {{0}}},
	/* EXECUTE that is not a prepared statement */
	{"CREATE TRIGGER trg AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", 0, 1, 0, {{0}}},
	{"CREATE TRIGGER trg AFTER INSERT ON t EXECUTE PROCEDURE f()", 0, 1, 0, {{0}}},
	{"CREATE EVENT TRIGGER e ON ddl_command_end EXECUTE FUNCTION f()", 0, 1, 0, {{0}}},
	{"GRANT EXECUTE ON FUNCTION f() TO u", 0, 1, 0, {{0}}},
	{"REVOKE EXECUTE ON FUNCTION f() FROM u", 0, 1, 0, {{0}}},
	{"ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO u", 0, 1, 0, {{0}}},
	{"SELECT execute FROM t; SELECT deallocate, prepare FROM t", 0, 2, 0, {{0}}},
	{"DO $$BEGIN EXECUTE 'DEALLOCATE x'; END$$", 0, 1, 0, {{0}}},
	/* ';' that does not end a statement */
	{"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; "
	 "SELECT CASE WHEN true THEN 1 END; END; DEALLOCATE x", 0, 2, 1, {{D, 1, "x", "x", NULL}}},
	{"CREATE OR REPLACE PROCEDURE p() BEGIN ATOMIC SELECT 1; END; EXECUTE y", 0, 2, 1,
	 {{X, 1, "y", "y", NULL}}},
	{"CREATE FUNCTION begin() RETURNS int AS 'select 1' LANGUAGE sql; EXECUTE y", 0, 2, 1,
	 {{X, 1, "y", "y", NULL}}},
	{"CREATE RULE r AS ON INSERT TO t DO ALSO (NOTIFY a; NOTIFY b); EXECUTE y", 0, 2, 1,
	 {{X, 1, "y", "y", NULL}}},
	/* unterminated input: no crash, nothing reported from inside */
	{"EXECUTE a; SELECT 'abc; DEALLOCATE x", 0, 2, 1, {{X, 0, "a", "a", NULL}}},
	{"EXECUTE a; SELECT E'abc\\", 0, 2, 1, {{X, 0, "a", "a", NULL}}},
	{"EXECUTE a; SELECT 'x'\n", 0, 2, 1, {{X, 0, "a", "a", NULL}}},
	{"EXECUTE a; SELECT 'x'\n -- c", 0, 2, 1, {{X, 0, "a", "a", NULL}}},
	{"EXECUTE a; /* ; DEALLOCATE x", 0, 1, 1, {{X, 0, "a", "a", NULL}}},
	{"EXECUTE a; /* /* */ ; DEALLOCATE x", 0, 1, 1, {{X, 0, "a", "a", NULL}}},
	{"EXECUTE a; SELECT $q$ ; DEALLOCATE x $q", 0, 2, 1, {{X, 0, "a", "a", NULL}}},
	{"EXECUTE a; DEALLOCATE \"abc", 0, 2, 1, {{X, 0, "a", "a", NULL}}},
	{"EXECUTE a; DEALLOCATE U&\"abc\"\"", 0, 2, 1, {{X, 0, "a", "a", NULL}}},
	{"EXECUTE a; SELECT $", 0, 2, 1, {{X, 0, "a", "a", NULL}}},
	{"EXECUTE a; SELECT $b", 0, 2, 1, {{X, 0, "a", "a", NULL}}},
	{"EXECUTE a; SELECT U&", 0, 2, 1, {{X, 0, "a", "a", NULL}}},
	{"EXECUTE a; SELECT 1e", 0, 2, 1, {{X, 0, "a", "a", NULL}}},
	{"EXECUTE a; -", 0, 2, 1, {{X, 0, "a", "a", NULL}}},
	{"EXECUTE a; /", 0, 2, 1, {{X, 0, "a", "a", NULL}}},
	{"EXECUTE", 0, 1, 0, {{0}}},
	{"PREPARE", 0, 1, 0, {{0}}},
	{"DEALLOCATE PREPARE", 0, 1, 1, {{D, 0, "prepare", "PREPARE", NULL}}},
};

static void check_ref(const char *sql, bool std, const struct sql_ref *r, const struct xref *x)
{
	struct sql_scan tail;

	ck_assert_int_eq(r->kind, x->kind);
	ck_assert_int_eq(r->stmt_index, x->stmt);
	ck_assert_str_eq(r->name, x->name);
	if (x->tok) {
		ck_assert_uint_eq(r->name_len, strlen(x->tok));
		ck_assert_msg(memcmp(sql + r->name_off, x->tok, r->name_len) == 0,
			      "name token is '%.*s'", (int)r->name_len, sql + r->name_off);
	} else {
		ck_assert_uint_eq(r->name_off, 0);
		ck_assert_uint_eq(r->name_len, 0);
	}
	/* stmt_off is the statement's first token: the text from there on
	 * starts with the same reference */
	sqlscan(sql + r->stmt_off, strlen(sql) - r->stmt_off, std, &tail);
	ck_assert_int_ge(tail.n_refs, 1);
	ck_assert_uint_eq(tail.refs[0].stmt_off, 0);
	ck_assert_int_eq(tail.refs[0].stmt_index, 0);
	ck_assert_int_eq(tail.refs[0].kind, r->kind);
	ck_assert_str_eq(tail.refs[0].name, r->name);
	if (x->body) {
		ck_assert_uint_eq(r->body_off, r->name_off + r->name_len);
		ck_assert_msg(r->body_len == strlen(x->body) &&
			      memcmp(sql + r->body_off, x->body, r->body_len) == 0,
			      "body is '%.*s'", (int)r->body_len, sql + r->body_off);
	} else {
		ck_assert_uint_eq(r->body_off, 0);
		ck_assert_uint_eq(r->body_len, 0);
	}
}

START_TEST(test_rows)
{
	const struct row *w = &scan_rows[_i];
	struct sql_scan sc;
	int k;

	sqlscan(w->sql, strlen(w->sql), !w->nostd, &sc);
	ck_assert_msg(sc.n_stmts == w->n_stmts && sc.n_refs == w->n_refs,
		      "row %d [%s]: %d stmts %d refs", _i, w->sql, sc.n_stmts, sc.n_refs);
	ck_assert(!sc.overflow);
	for (k = 0; k < sc.n_refs; k++)
		check_ref(w->sql, !w->nostd, &sc.refs[k], &w->r[k]);
}
END_TEST

START_TEST(test_prepare_offsets)
{
	static const char a[] = "PREPARE p (int, text) AS SELECT $1";
	static const char b[] = "  prepare p(int) AS SELECT 1 ;\n prepare q as select 2\n";
	static const char c[] = "/* c */ EXECUTE a; SELECT 1; -- x\n EXPLAIN EXECUTE b";
	struct sql_scan sc;

	sqlscan(a, strlen(a), true, &sc);
	ck_assert_int_eq(sc.n_refs, 1);
	ck_assert_uint_eq(sc.refs[0].name_off, 8);
	ck_assert_uint_eq(sc.refs[0].name_len, 1);
	ck_assert_uint_eq(sc.refs[0].body_off, 9);
	ck_assert_uint_eq(sc.refs[0].body_len, strlen(a) - 9); /* " (int, text) AS SELECT $1" */

	ck_assert_uint_eq(sc.refs[0].stmt_off, 0);

	sqlscan(b, strlen(b), true, &sc);
	ck_assert_int_eq(sc.n_refs, 2);
	ck_assert_uint_eq(sc.refs[0].stmt_off, 2);
	ck_assert_uint_eq(sc.refs[1].stmt_off, 32);
	ck_assert_uint_eq(sc.refs[0].name_off, 10);
	ck_assert_uint_eq(sc.refs[0].body_off, 11);
	ck_assert_uint_eq(sc.refs[0].body_len, 17); /* "(int) AS SELECT 1" */
	ck_assert_uint_eq(sc.refs[1].name_off, 40);
	ck_assert_uint_eq(sc.refs[1].body_off, 41);
	ck_assert_uint_eq(sc.refs[1].body_len, 12); /* " as select 2" */
	ck_assert_int_eq(sc.refs[1].stmt_index, 1);

	sqlscan(c, strlen(c), true, &sc);
	ck_assert_int_eq(sc.n_refs, 2);
	ck_assert_uint_eq(sc.refs[0].stmt_off, 8);  /* EXECUTE, after the comment */
	ck_assert_uint_eq(sc.refs[1].stmt_off, 35); /* EXPLAIN */
}
END_TEST

/* 63-byte truncation of a long DEALLOCATE name. */
struct trunc_row {
	const char *tail; /* the name is 'A' * npre + tail */
	int npre;
	bool quote;
	int keep_a; /* expected: 'a' (or 'A' when quoted) * keep_a + expect */
	const char *expect;
};

static const struct trunc_row trunc_rows[] = {
	{"BCDEFGHIJ", 63, false, 63, ""},           /* ASCII: 72 bytes */
	{"", 63, false, 63, ""},                    /* exactly 63: untouched */
	{"\xc3\xa9x", 62, false, 62, ""},           /* é at bytes 62-63 */
	{"\xe2\x82\xac", 61, false, 61, ""},        /* € at 61-63 */
	{"\xe2\x82\xac" "b", 60, false, 60, "\xe2\x82\xac"}, /* € at 60-62 fits */
	{"\xf0\x9f\x98\x80", 60, false, 60, ""},    /* 4-byte char at 60-63 */
	{"\xc3" "bc", 62, false, 62, "\xc3"},       /* not UTF-8: cut at 63 */
	{"\xff\xff", 62, false, 62, "\xff"},
	{"\"\"bbb", 62, true, 62, "\""},            /* "" unescaped first */
	{"\xc3\xa9", 62, true, 62, ""},
};

START_TEST(test_truncation)
{
	const struct trunc_row *w = &trunc_rows[_i];
	char sql[256], want[128];
	struct sql_scan sc;
	int n = 0;

	n += snprintf(sql + n, sizeof(sql) - n, "DEALLOCATE %s", w->quote ? "\"" : "");
	memset(sql + n, 'A', w->npre);
	n += w->npre;
	n += snprintf(sql + n, sizeof(sql) - n, "%s%s;", w->tail, w->quote ? "\"" : "");
	memset(want, w->quote ? 'A' : 'a', w->keep_a);
	strcpy(want + w->keep_a, w->expect);

	sqlscan(sql, (size_t)n, true, &sc);
	ck_assert_int_eq(sc.n_refs, 1);
	ck_assert_str_eq(sc.refs[0].name, want);
	ck_assert_uint_eq(sc.refs[0].name_off, 11);
	ck_assert_uint_eq(sc.refs[0].name_len, (size_t)n - 12);
}
END_TEST

START_TEST(test_nul_bytes)
{
	static const char a[] = "DEALLOCATE a\0b";
	static const char b[] = "SELECT '\0; DEALLOCATE x'; EXECUTE y";
	static const char c[] = "DEALLOCATE \"a\0b\"; \0";
	struct sql_scan sc;

	sqlscan(a, sizeof(a) - 1, true, &sc);
	ck_assert_int_eq(sc.n_stmts, 1);
	ck_assert_int_eq(sc.n_refs, 1);
	ck_assert_str_eq(sc.refs[0].name, "a");

	sqlscan(b, sizeof(b) - 1, true, &sc);
	ck_assert_int_eq(sc.n_stmts, 2);
	ck_assert_int_eq(sc.n_refs, 1);
	ck_assert_str_eq(sc.refs[0].name, "y");

	sqlscan(c, sizeof(c) - 1, true, &sc);
	ck_assert_int_eq(sc.n_stmts, 2); /* a lone NUL is a token */
	ck_assert_int_eq(sc.n_refs, 1);
	ck_assert_uint_eq(sc.refs[0].name_len, 5);
	ck_assert(memcmp(sc.refs[0].name, "a\0b", 4) == 0);

	sqlscan(NULL, 0, true, &sc);
	ck_assert_int_eq(sc.n_stmts, 0);
}
END_TEST

static void overflow_case(int n, int other_every)
{
	char sql[1024], want[16];
	struct sql_scan sc;
	int i, len = 0, stmts = 0;

	for (i = 0; i < n; i++) {
		if (other_every && i % other_every == 0) {
			len += snprintf(sql + len, sizeof(sql) - len, "SELECT 1;");
			stmts++;
		}
		len += snprintf(sql + len, sizeof(sql) - len, "EXECUTE s%d;", i);
		stmts++;
	}
	sqlscan(sql, (size_t)len, true, &sc);
	ck_assert_int_eq(sc.n_stmts, stmts);
	ck_assert_int_eq(sc.n_refs, n < SQL_MAX_REFS ? n : SQL_MAX_REFS);
	ck_assert(sc.overflow == (n > SQL_MAX_REFS));
	for (i = 0; i < sc.n_refs; i++) {
		snprintf(want, sizeof(want), "s%d", i);
		ck_assert_str_eq(sc.refs[i].name, want);
		ck_assert_int_eq(sc.refs[i].stmt_index, other_every ? i + i / other_every + 1 : i);
	}
}

START_TEST(test_overflow)
{
	overflow_case(16, 0);
	overflow_case(17, 0);
	overflow_case(40, 0);
	overflow_case(17, 3);
}
END_TEST

START_TEST(test_apply_roundtrip)
{
	static const char sql[] = "PREPARE MyStmt AS SELECT ';'; EXECUTE MyStmt(1); DEALLOCATE \"MyStmt\"";
	struct sql_scan sc, sc2;
	struct sql_edit ed[SQL_MAX_REFS];
	char q[64];
	char *out;
	size_t out_len = 0;
	int k;

	ck_assert(sqlscan_quote_ident("pq\"shim_7", q, sizeof(q)));
	ck_assert_str_eq(q, "\"pq\"\"shim_7\"");
	sqlscan(sql, strlen(sql), true, &sc);
	ck_assert_int_eq(sc.n_refs, 3);
	for (k = 0; k < sc.n_refs; k++) {
		ed[k].off = sc.refs[k].name_off;
		ed[k].len = sc.refs[k].name_len;
		ed[k].text = q;
	}
	out = sqlscan_apply(sql, strlen(sql), ed, sc.n_refs, &out_len);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "PREPARE \"pq\"\"shim_7\" AS SELECT ';'; EXECUTE \"pq\"\"shim_7\"(1); "
			      "DEALLOCATE \"pq\"\"shim_7\"");
	ck_assert_uint_eq(out_len, strlen(out));
	sqlscan(out, out_len, true, &sc2);
	ck_assert_int_eq(sc2.n_stmts, 3);
	ck_assert_int_eq(sc2.n_refs, 3);
	for (k = 0; k < 3; k++) {
		ck_assert_int_eq(sc2.refs[k].kind, sc.refs[k].kind);
		ck_assert_str_eq(sc2.refs[k].name, "pq\"shim_7");
	}
	ck_assert_uint_eq(sc2.refs[0].body_len, sc.refs[0].body_len);
	free(out);
}
END_TEST

START_TEST(test_apply_edges)
{
	static const char sql[] = "abcdef";
	const struct sql_edit ins[] = {{0, 0, "<"}, {3, 1, NULL}, {6, 0, ">"}};
	const struct sql_edit unsorted[] = {{3, 1, "x"}, {1, 1, "y"}};
	const struct sql_edit overlap[] = {{1, 3, "x"}, {3, 1, "y"}};
	const struct sql_edit past[] = {{7, 0, "x"}};
	const struct sql_edit toolong[] = {{4, 3, "x"}};
	const struct sql_edit adjacent[] = {{0, 2, "X"}, {2, 2, ""}, {4, 2, "YZ"}};
	size_t n = 99;
	char *out;

	out = sqlscan_apply(sql, 6, ins, 3, &n);
	ck_assert_str_eq(out, "<abcef>");
	ck_assert_uint_eq(n, 7);
	free(out);
	out = sqlscan_apply(sql, 6, adjacent, 3, NULL);
	ck_assert_str_eq(out, "XYZ");
	free(out);
	out = sqlscan_apply(sql, 6, NULL, 0, &n);
	ck_assert_str_eq(out, "abcdef");
	ck_assert_uint_eq(n, 6);
	free(out);
	out = sqlscan_apply("", 0, NULL, 0, &n);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_ptr_null(sqlscan_apply(sql, 6, unsorted, 2, &n));
	ck_assert_ptr_null(sqlscan_apply(sql, 6, overlap, 2, &n));
	ck_assert_ptr_null(sqlscan_apply(sql, 6, past, 1, &n));
	ck_assert_ptr_null(sqlscan_apply(sql, 6, toolong, 1, &n));
	ck_assert_ptr_null(sqlscan_apply(sql, 6, ins, -1, &n));
	ck_assert_ptr_null(sqlscan_apply(sql, 6, NULL, 1, &n));
}
END_TEST

/* Which texts may end a transaction block (pooled mode keeps what it knows of the block otherwise). */
static const struct {
	const char *sql;
	bool ends;
} block_rows[] = {
	{ "SAVEPOINT x", false },
	{ "release savepoint x", false },
	{ "RELEASE x; SAVEPOINT y", false },
	{ "ROLLBACK TO x", false },
	{ "ROLLBACK TO SAVEPOINT x", false },
	{ "rollback work to savepoint x", false },
	{ "ROLLBACK TRANSACTION TO x", false },
	{ "SET LOCAL work_mem = '8MB'", false },
	{ "set transaction isolation level serializable", false },
	{ "RESET ALL", false },
	{ "SELECT 1; INSERT INTO t VALUES (1); UPDATE t SET a = 1; DELETE FROM t", false },
	{ "WITH x AS (SELECT 1) SELECT * FROM x", false },
	{ "PREPARE q AS SELECT 1; EXECUTE q; EXPLAIN EXECUTE q", false },
	{ "/* COMMIT */ SELECT 'COMMIT' -- COMMIT", false },
	{ "", false },
	{ " ; ; ", false },
	{ "COMMIT", true },
	{ "END", true },
	{ "ROLLBACK", true },
	{ "ROLLBACK WORK", true },
	{ "ROLLBACK AND CHAIN", true },
	{ "ABORT", true },
	{ "PREPARE TRANSACTION 'gid'", true },
	{ "SAVEPOINT x; COMMIT", true },
	{ "COMMIT; BEGIN", true },
	{ "DEALLOCATE ALL", true },
	{ "DISCARD ALL", true },
	{ "CALL p()", true },
	{ "DO $$ BEGIN NULL; END $$", true },
	{ "(SELECT 1)", true },
};

START_TEST(test_may_end_block)
{
	struct sql_scan scan;
	const char *sql = block_rows[_i].sql;
	bool ends = sqlscan_may_end_block(sql, strlen(sql), true);

	ck_assert_msg(ends == block_rows[_i].ends, "%s: may end a block: %d", sql, ends);
	sqlscan(sql, strlen(sql), true, &scan);
	ck_assert(!scan.may_end_block); /* not worked out there */
}
END_TEST

static const struct {
	const char *sql;
	bool exit, txn_free;
} exit_rows[] = {
	{ "ROLLBACK", true, false },
	{ "  abort ;  ", true, false },
	{ "COMMIT WORK", true, false },
	{ "end transaction and no chain", true, false },
	{ "ROLLBACK AND CHAIN;", true, false },
	{ "ROLLBACK TO a", true, false },
	{ "rollback transaction to savepoint \"x\"\"y\"", true, false },
	{ "ROLLBACK TO savepoint", true, false }, /* a savepoint named so */
	{ "ROLLBACK TO", false, false },
	{ "COMMIT TO a", false, false },
	{ "COMMIT; COMMIT", false, false },
	{ "COMMIT -- done", false, false }, /* no comments: kept simple */
	{ "COMMIT PREPARED 'x'", false, false },
	{ "ROLLBACK TO a b", false, false },
	{ "ROLLBACK AND", false, false },
	{ "SAVEPOINT a", false, false },
	{ "RELEASE a", false, false },
	{ "select 1; execute q (1)", false, true },
	{ "SET x = 1; LOCK t; EXPLAIN EXECUTE q", false, true },
	{ "select 'rollback'; /* commit */ select 2", false, true },
	{ "BEGIN", false, false },
	{ "CALL p()", false, false },
	{ "", false, true },
};

START_TEST(test_block_exit_and_txn_free)
{
	const char *sql = exit_rows[_i].sql;

	ck_assert_msg(sqlscan_is_block_exit(sql, strlen(sql)) == exit_rows[_i].exit, "%s: exit", sql);
	ck_assert_msg(sqlscan_txn_free(sql, strlen(sql), true) == exit_rows[_i].txn_free,
		      "%s: no transaction control", sql);
}
END_TEST

START_TEST(test_quote_ident)
{
	char buf[16];

	ck_assert(sqlscan_quote_ident("abc", buf, 6));
	ck_assert_str_eq(buf, "\"abc\"");
	ck_assert(!sqlscan_quote_ident("abc", buf, 5));
	ck_assert_str_eq(buf, "");
	ck_assert(sqlscan_quote_ident("", buf, 3));
	ck_assert_str_eq(buf, "\"\"");
	ck_assert(!sqlscan_quote_ident("", buf, 2));
	ck_assert(!sqlscan_quote_ident("", buf, 1));
	ck_assert(!sqlscan_quote_ident("", buf, 0));
	ck_assert(sqlscan_quote_ident("a\"b", buf, 7));
	ck_assert_str_eq(buf, "\"a\"\"b\"");
	ck_assert(!sqlscan_quote_ident("a\"b", buf, 6));
	ck_assert(sqlscan_quote_ident("\"\"", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "\"\"\"\"\"\"");
	ck_assert(sqlscan_quote_ident("MiXed \xc3\xa9", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "\"MiXed \xc3\xa9\"");
	ck_assert(!sqlscan_quote_ident(NULL, buf, sizeof(buf)));
	ck_assert(!sqlscan_quote_ident("a", NULL, 10));
}
END_TEST

static Suite *sqlscan_suite(void)
{
	Suite *s = suite_create("sqlscan");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_rows, 0, (int)(sizeof(scan_rows) / sizeof(scan_rows[0])));
	tcase_add_test(tc, test_prepare_offsets);
	tcase_add_loop_test(tc, test_truncation, 0, (int)(sizeof(trunc_rows) / sizeof(trunc_rows[0])));
	tcase_add_test(tc, test_nul_bytes);
	tcase_add_test(tc, test_overflow);
	tcase_add_test(tc, test_apply_roundtrip);
	tcase_add_test(tc, test_apply_edges);
	tcase_add_test(tc, test_quote_ident);
	tcase_add_loop_test(tc, test_block_exit_and_txn_free, 0,
			    (int)(sizeof(exit_rows) / sizeof(exit_rows[0])));
	tcase_add_loop_test(tc, test_may_end_block, 0, (int)(sizeof(block_rows) / sizeof(block_rows[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(sqlscan_suite(), "sqlscan");
}
