/*
 * sqlscan: finds PREPARE / EXECUTE / DEALLOCATE / DISCARD ALL in SQL text.
 * See include/sqlscan.h for the contract.
 *
 * The lexer follows PostgreSQL 15's scan.l wherever the extent of a literal
 * or comment is at stake (that decides whether "; DEALLOCATE x" is real SQL),
 * including E'' escapes carried across a newline-joined continuation. Tokens
 * in which no reference can start (operators, numbers, parameters) are left
 * coarse; they only differ from scan.l on input the server rejects.
 *
 * Rules worth knowing:
 * - PREPARE body span: from the first byte after the name token to the end
 *   of the statement's last token. Leading whitespace is kept; trailing
 *   whitespace and comments before the ';' (or the end of input) are not:
 *   "PREPARE p (int) AS SELECT $1 -- c\n;" gives " (int) AS SELECT $1".
 * - Splitting: like psql, and like the server's grammar for valid SQL, a ';'
 *   inside parentheses (CREATE RULE ... DO (a; b)) or inside the BEGIN ATOMIC
 *   ... END body of CREATE [OR REPLACE] FUNCTION/PROCEDURE does not end the
 *   statement. Invalid SQL may split differently, but the server rejects
 *   such a text as a whole before running any of it.
 * - Unterminated literals, quoted identifiers and comments run to the end of
 *   the input and are never a name. A NUL byte outside them is a token.
 *
 * Speed: the recogniser sees only a statement's first few tokens; after that
 * skip() passes over words, numbers, blanks, operators, parentheses and
 * plain '' literals in bulk, stopping only where a ';' could hide or end.
 */
#include "alloc.h"
#include "sqlscan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum tok { T_IDENT, T_QIDENT, T_STRING, T_LPAREN, T_RPAREN, T_OTHER };

/* Up to S_PREP_BODY the recogniser needs no more tokens (outside routines). */
enum state {
	S_DONE, S_PREP_BODY, S_START, S_PREP_NAME, S_PREP_TXN, S_EXEC_NAME,
	S_DEALLOC, S_DEALLOC_PREP, S_DISCARD, S_EXPLAIN, S_EXPLAIN_PAREN,
	S_CREATE, S_CREATE_TABLE, S_CREATE_AS, S_ROLLBACK, S_ROLLBACK_TO,
};

struct stmt {
	enum state state;
	size_t depth;       /* parentheses */
	size_t begin_depth; /* BEGIN ATOMIC / CASE ... END in a routine body */
	bool nonempty, routine, after_begin, pending;
	bool ends;          /* may end a transaction block (sql_scan.may_end_block) */
	bool savepoint;     /* SAVEPOINT, RELEASE or ROLLBACK ... TO (sql_scan.txn_control) */
	size_t first;       /* start of the statement's first token */
	size_t last_end;    /* end of the statement's last token */
	struct sql_ref ref; /* a reset clears only what precedes it */
	bool want_ends;     /* after ref, kept: classify statements (sqlscan_may_end_block) */
};

/* Byte classes: a kind in the low bits plus flags. */
enum {
	K_OTHER, K_SPACE, K_IDENT, K_DIGIT, K_QUOTE, K_DQUOTE, K_DOLLAR,
	K_LPAREN, K_RPAREN, K_SEMI, K_DASH, K_SLASH, K_MASK = 15,
	F_ID = 16,   /* ident_cont in scan.l */
	F_TAG = 32,  /* dolq_cont: ident_cont without '$' */
	F_STOP = 64, /* skip() must look at it */
};
#define L (K_IDENT | F_ID | F_TAG)
#define D (K_DIGIT | F_ID | F_TAG)
#define L8 L, L, L, L, L, L, L, L
#define L64 L8, L8, L8, L8, L8, L8, L8, L8
/* PG 15 whitespace is [ \t\n\r\f]; \v joined it only in PG 16 */
static const unsigned char cls[256] = {
	['\t'] = K_SPACE, ['\n'] = K_SPACE, ['\f'] = K_SPACE, ['\r'] = K_SPACE,
	[' '] = K_SPACE, ['"'] = K_DQUOTE | F_STOP, ['$'] = K_DOLLAR | F_ID | F_STOP,
	['\''] = K_QUOTE | F_STOP, ['('] = K_LPAREN | F_STOP, [')'] = K_RPAREN | F_STOP,
	['-'] = K_DASH | F_STOP, ['/'] = K_SLASH | F_STOP, [';'] = K_SEMI | F_STOP,
	['0'] = D, D, D, D, D, D, D, D, D, D,
	['A'] = L8, L8, L8, L, L, ['_'] = L,
	['a'] = L8, L8, L8, L, L,
	[0x80] = L64, L64,
};
#undef L
#undef D
#define KIND(c) (cls[c] & K_MASK)

/* w is lower case; the server folds only ASCII for keyword lookup too. */
static bool kw(const unsigned char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 'a' - 'A' : s[i]) != (unsigned char)w[i])
			return false; /* also stops at w's NUL */
	return w[i] == '\0';
}

/* Where to cut a name of k > 63 bytes: before the UTF-8 character crossing
 * byte 63, or at 63 when the bytes up to there are not UTF-8. */
static size_t utf8_cut(const unsigned char *b, size_t k)
{
	size_t i = 0, n, j;

	while (i < SQL_NAME_MAX) {
		n = b[i] < 0x80 ? 1 : b[i] < 0xc2 ? 0 : b[i] < 0xe0 ? 2 : b[i] < 0xf0 ? 3 : b[i] < 0xf5 ? 4 : 0;
		if (n == 0 || i + n > k)
			return SQL_NAME_MAX;
		for (j = 1; j < n; j++)
			if ((b[i + j] & 0xc0) != 0x80)
				return SQL_NAME_MAX;
		if (i + n > SQL_NAME_MAX)
			return i;
		i += n;
	}
	return SQL_NAME_MAX;
}

/* Records the statement's reference; t == T_OTHER (with 0/0) for no name. */
static void set_ref(struct stmt *st, enum sql_kind kind, const unsigned char *s,
		    size_t off, size_t end, enum tok t)
{
	unsigned char tmp[SQL_NAME_MAX + 4]; /* lets utf8_cut see all of byte 63's character */
	size_t k = 0, i, cut, from = off, to = end;
	struct sql_ref *r = &st->ref;

	r->kind = kind;
	r->name_off = off;
	r->name_len = end - off;
	r->body_off = r->body_len = 0;
	if (t == T_QIDENT) {
		from += s[off] == '"' ? 1 : 3; /* "x" or U&"x" */
		to--;
	}
	for (i = from; i < to && k < sizeof(tmp); i++) {
		unsigned char c = s[i];

		if (t == T_QIDENT && c == '"')
			i++; /* the lexer only lets "" through */
		else if (c >= 'A' && c <= 'Z' && t == T_IDENT)
			c += 'a' - 'A';
		tmp[k++] = c;
	}
	cut = k <= SQL_NAME_MAX ? k : utf8_cut(tmp, k);
	memcpy(r->name, tmp, cut);
	r->name[cut] = '\0';
	st->pending = true;
}

/* Advances the statement's recogniser by one token s[off, end). */
static void feed(struct stmt *st, const unsigned char *s, enum tok t, size_t off, size_t end)
{
	const unsigned char *w = s + off;
	size_t n = end - off;
	bool id = t == T_IDENT, name = id || t == T_QIDENT;

#define KW(word) (id && kw(w, n, word))
	if (st->routine && st->depth == 0) {
		/* CASE also ends with END; it only matters inside a body */
		if (st->after_begin && KW("atomic"))
			st->begin_depth++;
		else if (st->begin_depth > 0 && KW("case"))
			st->begin_depth++;
		else if (st->begin_depth > 0 && KW("end"))
			st->begin_depth--;
	}
	st->after_begin = st->routine && st->depth == 0 && KW("begin");

	switch (st->state) {
	case S_START:
		/* statements that cannot end a block (PREPARE TRANSACTION: below); only when
		   asked, as it costs a dozen keyword tests per statement */
		st->ends = st->want_ends &&
			   !(KW("savepoint") || KW("release") || KW("set") || KW("reset") ||
			     KW("select") || KW("insert") || KW("update") || KW("delete") ||
			     KW("with") || KW("values") || KW("table") || KW("show") || KW("lock") ||
			     KW("prepare") || KW("execute") || KW("explain"));
		st->savepoint = st->want_ends && (KW("savepoint") || KW("release") || KW("rollback"));
		st->state = KW("prepare") ? S_PREP_NAME : KW("execute") ? S_EXEC_NAME
			  : KW("deallocate") ? S_DEALLOC : KW("discard") ? S_DISCARD
			  : KW("explain") ? S_EXPLAIN : KW("create") ? S_CREATE
			  : st->want_ends && KW("rollback") ? S_ROLLBACK : S_DONE;
		break;
	case S_ROLLBACK: /* ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name keeps the block */
		st->ends = !KW("to");
		st->state = KW("work") || KW("transaction") ? S_ROLLBACK_TO : S_DONE;
		break;
	case S_ROLLBACK_TO:
		st->ends = !KW("to");
		st->state = S_DONE;
		break;
	case S_PREP_NAME:
		st->state = S_DONE;
		if (name) {
			set_ref(st, SQL_PREPARE, s, off, end, t);
			/* PREPARE TRANSACTION 'gid' is two-phase commit */
			st->state = KW("transaction") ? S_PREP_TXN : S_PREP_BODY;
		}
		break;
	case S_PREP_TXN:
		st->pending = t != T_STRING;
		st->ends = st->want_ends && !st->pending; /* PREPARE TRANSACTION 'gid' ends the block */
		st->state = st->pending ? S_PREP_BODY : S_DONE;
		break;
	case S_EXEC_NAME:
		if (name)
			set_ref(st, SQL_EXECUTE, s, off, end, t);
		st->state = S_DONE;
		break;
	case S_DEALLOC:
	case S_DEALLOC_PREP:
		if (KW("all"))
			set_ref(st, SQL_DEALLOCATE_ALL, s, 0, 0, T_OTHER);
		else if (name)
			set_ref(st, SQL_DEALLOCATE, s, off, end, t);
		/* PREPARE is unreserved: a lone "DEALLOCATE prepare" names it */
		st->state = st->state == S_DEALLOC && KW("prepare") ? S_DEALLOC_PREP : S_DONE;
		break;
	case S_DISCARD:
		if (KW("all"))
			set_ref(st, SQL_DISCARD_ALL, s, 0, 0, T_OTHER);
		st->state = S_DONE;
		break;
	case S_EXPLAIN: /* EXPLAIN [ANALYZE] [VERBOSE] | EXPLAIN (options) */
		if (t == T_LPAREN)
			st->state = S_EXPLAIN_PAREN;
		else if (!(KW("analyze") || KW("analyse") || KW("verbose")))
			st->state = KW("execute") ? S_EXEC_NAME : KW("create") ? S_CREATE : S_DONE;
		break;
	case S_EXPLAIN_PAREN:
		if (st->depth == 0)
			st->state = S_EXPLAIN;
		break;
	case S_CREATE: /* CREATE [OR REPLACE] [TEMP|...] {TABLE|FUNCTION|PROCEDURE} */
		if (KW("table")) {
			st->state = S_CREATE_TABLE;
		} else if (KW("function") || KW("procedure")) {
			st->routine = true;
			st->state = S_DONE;
		} else if (!(KW("temp") || KW("temporary") || KW("local") || KW("global") ||
			     KW("unlogged") || KW("or") || KW("replace"))) {
			st->state = S_DONE;
		}
		break;
	case S_CREATE_TABLE: /* the first top-level AS ends the target; later ones are aliases */
		if (KW("as") && st->depth == 0)
			st->state = S_CREATE_AS;
		break;
	case S_CREATE_AS:
		st->state = KW("execute") ? S_EXEC_NAME : S_DONE;
		break;
	case S_DONE:
	case S_PREP_BODY:
		break;
	}
#undef KW
}

static void finish(struct sql_scan *out, struct stmt *st)
{
	struct sql_ref *r = &st->ref;

	if (st->nonempty && st->pending) {
		if (r->kind == SQL_PREPARE) {
			r->body_off = r->name_off + r->name_len;
			r->body_len = st->last_end - r->body_off;
		}
		r->stmt_index = out->n_stmts;
		r->stmt_off = st->first;
		r->stmt_end = st->last_end;
		if (out->n_refs < SQL_MAX_REFS)
			out->refs[out->n_refs++] = *r;
		else
			out->overflow = true;
	}
	out->n_stmts += st->nonempty;
	out->may_end_block |= st->nonempty && st->ends;
	out->txn_control |= st->nonempty && (st->ends || st->savepoint);
	memset(st, 0, offsetof(struct stmt, ref));
	st->state = S_START;
}

/* After a closing ': blanks and -- comments holding a newline, then a ',
 * continue the literal (scan.l's quotecontinue). Returns the offset after
 * that quote, or 0. */
static size_t str_continue(const unsigned char *s, size_t i, size_t len)
{
	bool nl = false;

	for (; i < len; i++) {
		if (s[i] == '\n' || s[i] == '\r')
			nl = true;
		else if (s[i] == '-' && i + 1 < len && s[i + 1] == '-')
			while (i + 1 < len && s[i + 1] != '\n' && s[i + 1] != '\r')
				i++;
		else if (s[i] != ' ' && s[i] != '\t' && s[i] != '\f')
			break;
	}
	return nl && i < len && s[i] == '\'' ? i + 1 : 0;
}

/* A literal or quoted identifier body from i, closed by q, with qq for q.
 * esc: backslash escapes apply (E'', or '' with standard_conforming_strings
 * off). Returns its end; *t = ok, or T_OTHER when it runs off the input. */
static size_t scan_quoted(const unsigned char *s, size_t i, size_t len, unsigned char q,
			  bool esc, enum tok ok, enum tok *t)
{
	const unsigned char *p;
	size_t c;

	for (;;) {
		if (esc) {
			while (i < len && s[i] != q)
				i += s[i] == '\\' ? 2 : 1;
		} else {
			p = memchr(s + i, q, len - i);
			i = p ? (size_t)(p - s) : len;
		}
		if (i >= len) {
			*t = T_OTHER;
			return len;
		}
		if (++i < len && s[i] == q)
			i++;
		else if (q == '\'' && (c = str_continue(s, i, len)) != 0)
			i = c;
		else
			break;
	}
	*t = ok;
	return i;
}

/* s[i] == '$' at a token start: a parameter, a dollar quote or a lone '$'. */
static size_t scan_dollar(const unsigned char *s, size_t i, size_t len, enum tok *t)
{
	size_t j = i + 1, tl, p;
	const unsigned char *d;

	*t = T_OTHER;
	if (j < len && KIND(s[j]) == K_DIGIT) {
		while (j < len && KIND(s[j]) == K_DIGIT)
			j++;
		return j;
	}
	if (j < len && KIND(s[j]) == K_IDENT)
		while (j < len && (cls[s[j]] & F_TAG))
			j++;
	if (j >= len || s[j] != '$')
		return i + 1;
	tl = j + 1 - i; /* the delimiter, both '$' included */
	for (p = j + 1; (d = memchr(s + p, '$', len - p)) != NULL; p++) {
		p = (size_t)(d - s);
		if (len - p >= tl && memcmp(s + p, s + i, tl) == 0) {
			*t = T_STRING;
			return p + tl;
		}
	}
	return len;
}

/* Numbers end where scan.l ends them before a letter: 1e'x' is 1, E'x'. */
static size_t num_end(const unsigned char *s, size_t i, size_t len)
{
	size_t e;

	while (i < len && (KIND(s[i]) == K_DIGIT || s[i] == '.'))
		i++;
	if (i + 1 < len && (s[i] | 0x20) == 'e') {
		e = i + 1 + (s[i + 1] == '+' || s[i + 1] == '-');
		if (e < len && KIND(s[e]) == K_DIGIT)
			for (i = e; i < len && KIND(s[i]) == K_DIGIT; i++)
				;
	}
	return i;
}

/* Does a token start at p? One starts at seg and [seg, p) holds only bytes
 * skip() passes over, so only identifier bytes just before p can say no:
 * p is inside their word unless numbers (1$$, 1e'') take it all. */
static bool starts_token(const unsigned char *s, size_t seg, size_t p, size_t len)
{
	size_t q = p;

	while (q > seg && (cls[s[q - 1]] & F_ID))
		q--;
	while (q < p && KIND(s[q]) == K_DIGIT)
		q = num_end(s, q, len);
	return q == p;
}

/* Where the token holding the ' at i starts: E'', B'', X'', N'' and U&''
 * begin before it when their prefix is not the tail of a longer word. */
static size_t quote_start(const unsigned char *s, size_t seg, size_t i, size_t len)
{
	unsigned char lc = i > seg ? s[i - 1] | 0x20 : 0;

	if ((lc == 'e' || lc == 'b' || lc == 'x' || lc == 'n') && starts_token(s, seg, i - 1, len))
		return i - 1;
	if (lc == '&' && i - seg >= 2 && (s[i - 2] | 0x20) == 'u' && starts_token(s, seg, i - 2, len))
		return i - 2;
	return i;
}

/* Runs over a statement the recogniser is done with, up to a byte that can
 * end it or hide a ';' (comments, quotes other than plain '') and returns
 * where that byte's token starts. */
static size_t skip(const unsigned char *s, size_t i, size_t len, bool std_strings, struct stmt *st)
{
	size_t seg = i, e, q = 0;
	enum tok t;

	while (i < len) {
		while (i + 8 <= len && !((cls[s[i]] | cls[s[i + 1]] | cls[s[i + 2]] | cls[s[i + 3]] |
					  cls[s[i + 4]] | cls[s[i + 5]] | cls[s[i + 6]] | cls[s[i + 7]]) & F_STOP))
			i += 8;
		while (i < len && !(cls[s[i]] & F_STOP))
			i++;
		if (i >= len)
			break;
		if (s[i] == '(' || s[i] == ')') {
			st->depth = s[i++] == '(' ? st->depth + 1 : st->depth - (st->depth > 0);
		} else if (s[i] == '$' && !starts_token(s, seg, i, len)) {
			i++; /* foo$bar: the '$' is part of a word */
		} else if (s[i] == '\'' && (q = quote_start(s, seg, i, len)) == i) {
			i = scan_quoted(s, i + 1, len, '\'', !std_strings, T_STRING, &t);
			st->last_end = seg = i;
		} else {
			break;
		}
	}
	/* the statement's last token so far (a PREPARE's body, a reference's statement) */
	for (e = i; e > seg && KIND(s[e - 1]) == K_SPACE; e--)
		;
	if (e > seg)
		st->last_end = e;
	return i < len && s[i] == '\'' ? q : i;
}

static void scan(const char *sql, size_t len, bool std_strings, bool want_ends,
		 struct sql_scan *out)
{
	const unsigned char *s = (const unsigned char *)sql;
	struct stmt st;
	size_t i = 0, start, nest;
	unsigned char c, c1, lc;
	enum tok t;

	out->n_stmts = out->n_refs = 0;
	out->overflow = false;
	out->may_end_block = false;
	out->txn_control = false;
	memset(&st, 0, offsetof(struct stmt, ref));
	st.want_ends = want_ends;
	st.state = S_START;
	if (!s)
		len = 0;
	while (i < len) {
		if (st.state <= S_PREP_BODY && !st.routine && (i = skip(s, i, len, std_strings, &st)) >= len)
			break;
		c = s[i];
		c1 = i + 1 < len ? s[i + 1] : 0;
		lc = c | 0x20;
		start = i++;
		t = T_OTHER;
		switch (KIND(c)) {
		case K_SPACE:
			while (i < len && KIND(s[i]) == K_SPACE)
				i++;
			continue;
		case K_DASH:
			if (c1 != '-')
				break;
			while (i < len && s[i] != '\n' && s[i] != '\r')
				i++;
			continue;
		case K_SLASH: /* comments nest, as in the server */
			if (c1 != '*')
				break;
			for (nest = 1, i++; i < len && nest > 0; i++) {
				if (i + 1 < len && s[i] == '*' && s[i + 1] == '/')
					nest--, i++;
				else if (i + 1 < len && s[i] == '/' && s[i + 1] == '*')
					nest++, i++;
			}
			continue;
		case K_SEMI:
			if (st.depth > 0 || st.begin_depth > 0)
				break;
			finish(out, &st);
			continue;
		case K_QUOTE:
			i = scan_quoted(s, i, len, '\'', !std_strings, T_STRING, &t);
			break;
		case K_DQUOTE:
			i = scan_quoted(s, i, len, '"', false, T_QIDENT, &t);
			break;
		case K_DOLLAR:
			i = scan_dollar(s, start, len, &t);
			break;
		case K_LPAREN:
			st.depth++;
			t = T_LPAREN;
			break;
		case K_RPAREN:
			st.depth -= st.depth > 0;
			t = T_RPAREN;
			break;
		case K_DIGIT:
			i = num_end(s, start, len);
			break;
		case K_IDENT:
			if (c1 == '\'' && (lc == 'e' || lc == 'b' || lc == 'x' || lc == 'n')) {
				/* E'' always has escapes, B''/X'' never, N'' like '' */
				i = scan_quoted(s, i + 1, len, '\'', lc == 'e' || (lc == 'n' && !std_strings),
						T_STRING, &t);
			} else if (lc == 'u' && c1 == '&' && i + 1 < len && (s[i + 1] == '\'' || s[i + 1] == '"')) {
				/* U& literals take no backslash escapes in the lexer */
				i = scan_quoted(s, i + 2, len, s[i + 1], false,
						s[i + 1] == '"' ? T_QIDENT : T_STRING, &t);
			} else {
				while (i < len && (cls[s[i]] & F_ID))
					i++;
				t = T_IDENT;
			}
			break;
		}
		if (!st.nonempty)
			st.first = start;
		st.nonempty = true;
		st.last_end = i;
		if (st.state > S_PREP_BODY || st.routine)
			feed(&st, s, t, start, i);
	}
	finish(out, &st);
}

void sqlscan(const char *sql, size_t len, bool std_strings, struct sql_scan *out)
{
	scan(sql, len, std_strings, false, out);
}

bool sqlscan_may_end_block(const char *sql, size_t len, bool std_strings)
{
	static __thread struct sql_scan out; /* large: not on the caller's stack */

	scan(sql, len, std_strings, true, &out);
	return out.may_end_block;
}

bool sqlscan_txn_free(const char *sql, size_t len, bool std_strings)
{
	static __thread struct sql_scan out;

	scan(sql, len, std_strings, true, &out);
	return !out.txn_control;
}

/* A word (keyword or plain identifier) or "quoted identifier" at s[*i], blanks
 * before it skipped: its start (*w, *n bytes; *quoted), *i moved past. False: none. */
static bool token_at(const char *s, size_t len, size_t *i, const unsigned char **w, size_t *n,
		     bool *quoted)
{
	size_t b;

	while (*i < len && KIND((unsigned char)s[*i]) == K_SPACE)
		(*i)++;
	b = *i;
	*w = (const unsigned char *)s + b;
	*quoted = b < len && s[b] == '"';
	if (*quoted) {
		for ((*i)++; *i < len; (*i)++) {
			if (s[*i] != '"')
				continue;
			if (*i + 1 < len && s[*i + 1] == '"')
				(*i)++;
			else
				break;
		}
		if (*i >= len)
			return false;
		(*i)++;
	} else if (b < len && KIND((unsigned char)s[b]) == K_IDENT) {
		while (*i < len && (cls[(unsigned char)s[*i]] & F_ID))
			(*i)++;
	}
	*n = *i - b;
	return *n > 0;
}

bool sqlscan_is_block_exit(const char *sql, size_t len)
{
	const unsigned char *w;
	size_t i = 0, n = 0;
	bool q, more, rollback;

#define WORD(word) (more && !q && kw(w, n, word))
#define NEXT() (more = token_at(sql, len, &i, &w, &n, &q))
	NEXT();
	rollback = WORD("rollback");
	if (!rollback && !WORD("abort") && !WORD("commit") && !WORD("end"))
		return false;
	NEXT();
	if (WORD("work") || WORD("transaction"))
		NEXT();
	if (rollback && WORD("to")) {
		if (!NEXT())
			return false;
		if (WORD("savepoint")) /* SAVEPOINT, or a savepoint of that name */
			NEXT();
		more = false; /* the name */
		NEXT();
	} else if (WORD("and")) {
		NEXT();
		if (WORD("no"))
			NEXT();
		if (!WORD("chain"))
			return false;
		NEXT();
	}
#undef WORD
#undef NEXT
	if (more)
		return false; /* a word the grammar has no place for */
	if (i < len && sql[i] == ';')
		i++;
	while (i < len && KIND((unsigned char)sql[i]) == K_SPACE)
		i++;
	return i == len;
}

char *sqlscan_apply(const char *sql, size_t len, const struct sql_edit *edits, int n_edits,
		    size_t *out_len)
{
	size_t total = len, pos = 0, o = 0, tl;
	char *buf;
	int k;

	if (n_edits < 0 || (n_edits > 0 && !edits) || (len > 0 && !sql))
		return NULL;
	if (!sql)
		sql = "";
	for (k = 0; k < n_edits; k++) {
		if (edits[k].off < pos || edits[k].off > len || edits[k].len > len - edits[k].off)
			return NULL;
		tl = edits[k].text ? strlen(edits[k].text) : 0; /* NULL text deletes */
		if (tl > SIZE_MAX - 1 - (total - edits[k].len))
			return NULL;
		total = total - edits[k].len + tl;
		pos = edits[k].off + edits[k].len;
	}
	if (!(buf = shim_malloc(total + 1)))
		return NULL;
	for (pos = 0, k = 0; k < n_edits; k++) {
		memcpy(buf + o, sql + pos, edits[k].off - pos);
		o += edits[k].off - pos;
		tl = edits[k].text ? strlen(edits[k].text) : 0;
		memcpy(buf + o, edits[k].text ? edits[k].text : "", tl);
		o += tl;
		pos = edits[k].off + edits[k].len;
	}
	memcpy(buf + o, sql + pos, len - pos);
	buf[total] = '\0';
	if (out_len)
		*out_len = total;
	return buf;
}

/* On failure out is left as "" (when outsz > 0), never half-written. */
bool sqlscan_quote_ident(const char *name, char *out, size_t outsz)
{
	size_t o = 1;

	if (!out || outsz == 0)
		return false;
	out[0] = '\0';
	if (!name || outsz < 3)
		return false;
	for (; *name; name++) {
		if (o + (*name == '"') + 3 > outsz) /* this byte, its double, '"', NUL */
			return false; /* out[0] is still NUL */
		if (*name == '"')
			out[o++] = '"';
		out[o++] = *name;
	}
	out[0] = out[o++] = '"';
	out[o] = '\0';
	return true;
}
