/*
 * libFuzzer target: sqlscan() on arbitrary bytes.
 *
 * Properties (abort on violation):
 * - every offset and span lies inside the input; n_refs <= SQL_MAX_REFS;
 *   stmt_index non-decreasing and < n_stmts; stmt_off/name_off increasing;
 *   ALL kinds have no name, named kinds have one; only PREPARE has a body,
 *   which starts right after the name; names are NUL-terminated, <= 63 bytes;
 *   a plain unquoted name is the token folded to lower case;
 * - scanning is deterministic, and without a backslash in the input the
 *   result does not depend on std_strings;
 * - a reference is never reported inside a region an independent, simpler
 *   construction knows is quoted: the input is built as
 *   SAFE_PREFIX + opener + payload + closer + SUFFIX, where the payload holds
 *   "; DEALLOCATE x; EXECUTE y ..." and none of the bytes that could end the
 *   region ('...', E'...', "...", -- to end of line, non-nested comments,
 *   $tag$...$tag$);
 * - sqlscan_may_end_block is deterministic, false for a text without
 *   statements, and true when a statement of it starts with COMMIT.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlscan.h"

#define FUZZ_TARGET "fuzz_sqlscan"
#include "fuzz.h"

static bool is_word_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_word(unsigned char c)
{
	return is_word_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static void check_scan(const char *sql, size_t len, const struct sql_scan *sc)
{
	size_t prev_stmt = 0, prev_name_end = 0;
	int prev_idx = 0;

	CHECK(sc->n_refs >= 0 && sc->n_refs <= SQL_MAX_REFS, "n_refs %d out of range", sc->n_refs);
	CHECK(sc->n_stmts >= 0, "n_stmts %d < 0", sc->n_stmts);
	CHECK(!sc->overflow || sc->n_refs == SQL_MAX_REFS, "overflow with n_refs %d", sc->n_refs);
	if (sc->n_refs > 0)
		CHECK(sc->n_stmts >= 1, "references without statements");
	for (int i = 0; i < sc->n_refs; i++) {
		const struct sql_ref *r = &sc->refs[i];
		bool named = r->kind == SQL_PREPARE || r->kind == SQL_EXECUTE ||
			     r->kind == SQL_DEALLOCATE;
		size_t nl;

		CHECK(r->kind >= SQL_PREPARE && r->kind <= SQL_DISCARD_ALL, "ref %d: kind %d", i,
		      (int)r->kind);
		CHECK(r->stmt_index >= 0 && r->stmt_index < sc->n_stmts,
		      "ref %d: stmt_index %d, n_stmts %d", i, r->stmt_index, sc->n_stmts);
		CHECK(r->stmt_index >= prev_idx, "ref %d: stmt_index decreases", i);
		CHECK(r->stmt_off < len, "ref %d: stmt_off %zu >= len %zu", i, r->stmt_off, len);
		CHECK(r->stmt_off >= prev_stmt, "ref %d: stmt_off decreases", i);
		CHECK(r->name_off <= len && r->name_len <= len - r->name_off,
		      "ref %d: name span %zu+%zu outside %zu", i, r->name_off, r->name_len, len);
		CHECK(r->body_off <= len && r->body_len <= len - r->body_off,
		      "ref %d: body span %zu+%zu outside %zu", i, r->body_off, r->body_len, len);
		nl = strnlen(r->name, sizeof(r->name));
		CHECK(nl <= SQL_NAME_MAX, "ref %d: name not terminated within 64 bytes", i);
		if (named) {
			CHECK(r->name_len > 0, "ref %d: named kind without a name token", i);
			CHECK(r->name_off > r->stmt_off, "ref %d: name before its statement", i);
			CHECK(r->name_off >= prev_name_end, "ref %d: name overlaps the previous", i);
			prev_name_end = r->name_off + r->name_len;
		} else {
			CHECK(r->name_off == 0 && r->name_len == 0 && nl == 0,
			      "ref %d: ALL kind with a name", i);
		}
		if (r->kind == SQL_PREPARE)
			CHECK(r->body_off == r->name_off + r->name_len,
			      "ref %d: body does not follow the name", i);
		else
			CHECK(r->body_off == 0 && r->body_len == 0, "ref %d: body on a non-PREPARE", i);
		/* a plain identifier token: the name is the token folded to lower case */
		if (named && is_word_start((unsigned char)sql[r->name_off])) {
			bool plain = true;
			char want[SQL_NAME_MAX + 1];
			size_t n = 0;

			for (size_t k = 0; k < r->name_len; k++)
				if (!is_word((unsigned char)sql[r->name_off + k]))
					plain = false;
			if (plain) {
				for (size_t k = 0; k < r->name_len && n < SQL_NAME_MAX; k++) {
					char c = sql[r->name_off + k];
					want[n++] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
				}
				want[n] = '\0';
				CHECK(strcmp(want, r->name) == 0, "ref %d: name '%s' for token '%.*s'", i,
				      r->name, (int)r->name_len, sql + r->name_off);
			}
		}
		prev_idx = r->stmt_index;
		prev_stmt = r->stmt_off;
	}
}

static void check_same(const struct sql_scan *a, const struct sql_scan *b, const char *what)
{
	CHECK(a->n_stmts == b->n_stmts && a->n_refs == b->n_refs && a->overflow == b->overflow,
	      "%s: n_stmts %d/%d n_refs %d/%d", what, a->n_stmts, b->n_stmts, a->n_refs, b->n_refs);
	for (int i = 0; i < a->n_refs; i++) {
		const struct sql_ref *x = &a->refs[i], *y = &b->refs[i];

		CHECK(x->kind == y->kind && x->stmt_index == y->stmt_index &&
			      x->stmt_off == y->stmt_off && x->name_off == y->name_off &&
			      x->name_len == y->name_len && x->body_off == y->body_off &&
			      x->body_len == y->body_len && strcmp(x->name, y->name) == 0,
		      "%s: ref %d differs", what, i);
	}
}

/* Scans with both settings and checks the generic properties; returns the std one. */
static void scan_all(const char *sql, size_t len, struct sql_scan *std, struct sql_scan *esc)
{
	struct sql_scan again;

	sqlscan(sql, len, true, std);
	check_scan(sql, len, std);
	sqlscan(sql, len, true, &again);
	check_same(std, &again, "deterministic (std_strings on)");
	sqlscan(sql, len, false, esc);
	check_scan(sql, len, esc);
	sqlscan(sql, len, false, &again);
	check_same(esc, &again, "deterministic (std_strings off)");
	if (!memchr(sql, '\\', len))
		check_same(std, esc, "no backslash: std_strings must not matter");
	CHECK(!std->may_end_block && !esc->may_end_block, "sqlscan worked out may_end_block");
	{
		bool ends = sqlscan_may_end_block(sql, len, true);
		char *c = malloc(len + 9);

		CHECK(ends == sqlscan_may_end_block(sql, len, true), "may_end_block: not deterministic");
		CHECK(std->n_stmts > 0 || !ends, "may_end_block without a statement");
		if (c) { /* a COMMIT after the text, as its own statement (when the text ends cleanly) */
			memcpy(c, sql, len);
			memcpy(c + len, ";\nCOMMIT", 8);
			sqlscan(c, len + 8, true, &again);
			if (again.n_stmts == std->n_stmts + 1)
				CHECK(sqlscan_may_end_block(c, len + 8, true), "a COMMIT statement");
			free(c);
		}
	}
}

static const char *const bait[] = {
	"; DEALLOCATE x; EXECUTE y; ",
	"; PREPARE z AS SELECT 1; ",
	"; DISCARD ALL; DEALLOCATE ALL; ",
	";\nEXECUTE q(1);\nDEALLOCATE PREPARE q;\n",
	"; EXPLAIN EXECUTE e; CREATE TABLE t AS EXECUTE f; ",
};

/* The quoted-region property. d[0..n) drives the construction. */
static void quoted_region(const uint8_t *d, size_t n)
{
	static const char *const open_kinds[] = { "'", "E'", "\"", "--", "/*", "$", "U&'", "B'" };
	size_t plen, qlen, tlen, i = 3;
	unsigned kind;
	char tag[16];
	char *buf, *p;
	size_t payload_off, payload_end, cap;
	struct sql_scan a, b;

	if (n < 3)
		return;
	kind = d[0] % 8;
	plen = d[1] % 32;
	tlen = d[2] % 6;
	if (plen > n - i)
		plen = n - i;
	cap = n * 2 + 256;
	buf = malloc(cap);
	if (!buf)
		return;
	p = buf;
	/* a prefix that ends at top level: none of the bytes that open or escape anything */
	for (size_t k = 0; k < plen; k++, i++) {
		unsigned char c = d[i];
		*p++ = strchr("'\"$-/*\\", c) || c == 0 ? ' ' : (char)c;
	}
	*p++ = ' ';
	/* the dollar tag: an identifier that does not start with a digit, or empty */
	for (size_t k = 0; k < tlen; k++) {
		unsigned char c = i < n ? d[i++] : 0;

		tag[k] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"[c % 63];
		if (k == 0 && tag[k] >= '0' && tag[k] <= '9')
			tag[k] = 't';
	}
	tag[tlen] = '\0';
	if (kind == 5)
		p += sprintf(p, "$%s$", tag);
	else
		p += sprintf(p, "%s", open_kinds[kind]);
	payload_off = (size_t)(p - buf);
	qlen = i < n ? d[i++] % 64 : 0;
	if (qlen > n - i)
		qlen = n - i;
	p += sprintf(p, "%s", bait[(qlen + kind) % 5]);
	memcpy(p, d + i, qlen);
	p += qlen;
	i += qlen;
	p += sprintf(p, "%s", bait[(kind + 1) % 5]);
	/* nothing in the payload may end the region early */
	for (char *q = buf + payload_off; q < p; q++) {
		unsigned char c = (unsigned char)*q;
		bool bad;

		switch (kind) {
		case 2:
			bad = c == '"';
			break;
		case 3:
			bad = c == '\n' || c == '\r';
			break;
		case 4:
			bad = c == '*' || c == '/';
			break;
		case 5:
			bad = c == '$';
			break;
		default:
			bad = c == '\'' || c == '\\';
			break;
		}
		if (bad)
			*q = ';';
	}
	payload_end = (size_t)(p - buf);
	if (kind == 5)
		p += sprintf(p, "$%s$", tag);
	else if (kind == 2)
		*p++ = '"';
	else if (kind == 3)
		*p++ = '\n';
	else if (kind == 4)
		p += sprintf(p, "*/");
	else
		*p++ = '\'';
	/* the suffix: anything (the lexer cannot look back) */
	memcpy(p, d + i, n - i);
	p += n - i;

	{
		size_t len = (size_t)(p - buf);
		char *exact = malloc(len ? len : 1); /* exact size: ASan sees any overread */

		if (!exact) {
			free(buf);
			return;
		}
		memcpy(exact, buf, len);
		scan_all(exact, len, &a, &b);
		for (int s = 0; s < 2; s++) {
			const struct sql_scan *sc = s ? &b : &a;

			for (int r = 0; r < sc->n_refs; r++) {
				const struct sql_ref *ref = &sc->refs[r];
				size_t ns = ref->name_off, ne = ref->name_off + ref->name_len;

				if (ref->stmt_off >= payload_off && ref->stmt_off < payload_end)
					FAIL("ref %d (kind %d) starts at %zu inside quoted region "
					     "[%zu,%zu) opened by '%s' (std_strings %d): %.*s",
					     r, (int)ref->kind, ref->stmt_off, payload_off, payload_end,
					     kind == 5 ? "$tag$" : open_kinds[kind], !s, (int)len, exact);
				/* a "quoted identifier" may be a name, but only as a whole token;
				 * a suffix starting with '"' doubles the closer, and the token
				 * (legitimately) goes on past it */
				if (kind == 2 && ns + 1 == payload_off && ne >= payload_end + 1)
					continue;
				if (ref->name_len && ns < payload_end && ne > payload_off)
					FAIL("ref %d name '%s' at %zu inside quoted region [%zu,%zu) "
					     "opened by '%s' (std_strings %d): %.*s",
					     r, ref->name, ns, payload_off, payload_end,
					     kind == 5 ? "$tag$" : open_kinds[kind], !s, (int)len, exact);
			}
		}
		free(exact);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sql_scan a, b;

	/* the raw bytes, as an app could hand them over */
	scan_all((const char *)data, size, &a, &b);
	/* the same bytes driving the quoted-region construction */
	quoted_region(data, size);
	return 0;
}
