/* Removing the shim's own parameters from libpq connection strings; see conninfo.h. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "conninfo.h"

enum key { K_MODE, K_PREPARED, K_PGBOUNCER, K_LIMIT, K_TIMEOUT, K_N };
#define K_DECIDING 3 /* keys before this one can choose a mode, in precedence order */

static const char *const key_names[K_N] = {
	[K_MODE] = "pqshim_mode",
	[K_PREPARED] = "prepared_statements",
	[K_PGBOUNCER] = "pgbouncer",
	[K_LIMIT] = "connection_limit",
	[K_TIMEOUT] = "pool_timeout",
};

/* No valid mode or boolean is this long: a longer value is bad without being copied whole. */
#define VALUE_MAX 64
/* Longer than any owned keyword: a decoded URI key this long is someone else's. */
#define KEY_MAX 32

static const char uri_long[] = "postgresql://";
static const char uri_short[] = "postgres://";
static size_t uri_prefix(const char *s);

/* V_KEPT: a valid value that chooses nothing (pgbouncer=false) */
enum vstate { V_UNSET, V_KEPT, V_DECIDES, V_BAD };

/*
 * What each owned keyword's effective (last) value decides so far. Values
 * are reduced to a verdict as soon as they are read, so none is kept.
 */
struct seen {
	bool dropped[K_N];
	enum vstate state[K_DECIDING];
	enum shim_mode mode[K_DECIDING];
};

static int key_lookup(const char *s, size_t n)
{
	for (int k = 0; k < K_N; k++)
		if (strlen(key_names[k]) == n && memcmp(key_names[k], s, n) == 0)
			return k;
	return -1;
}

/*
 * One occurrence of keyword k. value is NUL-terminated when len < VALUE_MAX;
 * len counts the whole decoded value even when it did not fit. A later
 * occurrence replaces an earlier one, as libpq's conninfo_storeval does.
 */
static void note(struct seen *st, int k, const char *value, size_t len)
{
	bool on;

	st->dropped[k] = true;
	if (k >= K_DECIDING)
		return; /* pool-side parameters: their values mean nothing here */
	if (len == 0) {
		st->state[k] = V_UNSET; /* libpq stores "": set to nothing */
	} else if (len >= VALUE_MAX) {
		st->state[k] = V_BAD;
	} else if (k == K_MODE) {
		st->state[k] = config_parse_mode(value, &st->mode[k]) ? V_DECIDES : V_BAD;
	} else if (!config_parse_bool(value, &on)) {
		st->state[k] = V_BAD;
	} else {
		/* pgbouncer=false says nothing about prepared statements */
		st->state[k] = k == K_PREPARED || on ? V_DECIDES : V_KEPT;
		st->mode[k] = k == K_PREPARED && on ? MODE_DEDUPE : MODE_UNNAMED;
	}
}

static void append_name(char *list, size_t size, const char *name)
{
	size_t used = strlen(list);

	/* all five names fit in size, so nothing is ever cut */
	snprintf(list + used, size - used, "%s%s", used ? "," : "", name);
}

static void finish(const struct seen *st, struct conninfo_opts *opts)
{
	for (int k = 0; k < K_N; k++)
		if (st->dropped[k])
			append_name(opts->dropped, sizeof(opts->dropped), key_names[k]);
	for (int k = 0; k < K_DECIDING; k++)
		if (st->state[k] == V_BAD)
			append_name(opts->bad, sizeof(opts->bad), key_names[k]);
	for (int k = 0; k < K_DECIDING; k++) {
		if (st->state[k] == V_DECIDES) {
			opts->mode_set = true;
			opts->mode = st->mode[k];
			opts->mode_source = key_names[k];
			break;
		}
	}
}

/* ---- key/value strings: libpq's conninfo_parse ---- */

/* libpq tests whitespace with isspace() in the same process, hence the same locale */
static bool is_space(char c)
{
	return isspace((unsigned char)c) != 0;
}

/* One keyword=value pair; [start, end) covers it, value quotes included. */
struct kv {
	size_t start, key_end, val, end;
};

/* The next pair from *i: 1 found, 0 none left, -1 where libpq reports a syntax error. */
static int kv_next(const char *s, size_t *i, struct kv *kv)
{
	size_t p = *i;

	while (is_space(s[p]))
		p++;
	if (!s[p])
		return 0;
	kv->start = p;
	while (s[p] && s[p] != '=' && !is_space(s[p]))
		p++; /* a keyword has no escapes: quotes and backslashes are literal */
	kv->key_end = p;
	while (is_space(s[p]))
		p++;
	if (s[p] != '=')
		return -1; /* missing "=" after keyword */
	p++;
	while (is_space(s[p]))
		p++; /* so "host= a=b" gives host the value "a=b" */
	kv->val = p;
	if (s[p] != '\'') {
		while (s[p] && !is_space(s[p]))
			p += s[p] == '\\' && s[p + 1] ? 2 : 1;
	} else {
		for (p++;; p++) {
			if (!s[p])
				return -1; /* unterminated quoted string */
			if (s[p] == '\\' && s[p + 1])
				p++;
			else if (s[p] == '\'')
				break;
		}
		p++; /* no whitespace needed after the closing quote: a='x'b=y is two pairs */
	}
	kv->end = p;
	*i = p;
	return 1;
}

/* The value of a pair with quotes and backslash escapes undone; returns its full length. */
static size_t kv_value(const char *s, const struct kv *kv, char *out, size_t size)
{
	size_t p = kv->val, end = kv->end, n = 0;

	if (s[p] == '\'') {
		p++;
		end--;
	}
	while (p < end) {
		if (s[p] == '\\')
			p++; /* kv_next never ends a value on a lone backslash but at the string end */
		if (p >= end)
			break;
		if (n + 1 < size)
			out[n] = s[p];
		n++;
		p++;
	}
	if (size)
		out[n < size ? n : size - 1] = '\0';
	return n;
}

/*
 * Copies the kept pairs, each with the whitespace that followed it; a
 * removed pair goes with its own trailing whitespace, and when the string
 * ends in removed pairs, the whitespace after the last kept pair goes too.
 */
static char *kv_rewrite(const char *s, struct seen *st, bool *failed)
{
	size_t len = strlen(s), i = 0, n = 0, mark;
	bool removed = false, tail_removed = false;
	char *out = shim_malloc(len + 2); /* + the blank that may keep it key/value below */
	char value[VALUE_MAX];
	struct kv kv;
	int r;

	if (!out) {
		*failed = true;
		return NULL;
	}
	while (is_space(s[n]))
		n++;
	memcpy(out, s, n);
	mark = n;
	while ((r = kv_next(s, &i, &kv)) > 0) {
		int k = key_lookup(s + kv.start, kv.key_end - kv.start);
		size_t gap = kv.end;

		while (is_space(s[gap]))
			gap++;
		if (k >= 0) {
			note(st, k, value, kv_value(s, &kv, value, sizeof(value)));
			removed = tail_removed = true;
			continue;
		}
		memcpy(out + n, s + kv.start, kv.end - kv.start);
		n += kv.end - kv.start;
		mark = n;
		memcpy(out + n, s + kv.end, gap - kv.end);
		n += gap - kv.end;
		tail_removed = false;
	}
	if (r < 0 || !removed) {
		*failed = r < 0;
		free(out);
		return NULL;
	}
	out[tail_removed ? mark : n] = '\0';
	/*
	 * libpq takes a string that starts with "postgresql://" for a URI.
	 * "pqshim_mode=x postgresql://h/db?a=b" is key/value (its second key is
	 * "postgresql://h/db?a", which libpq rejects): a leading blank keeps the
	 * rewritten string key/value, so libpq still rejects that key.
	 */
	if (uri_prefix(out)) {
		memmove(out + 1, out, strlen(out) + 1);
		out[0] = ' ';
	}
	return out;
}

/* ---- URIs: libpq's conninfo_uri_parse_options, _params and conninfo_uri_decode ---- */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Decodes n bytes of percent-encoding into out (truncated to size, NULL to
 * only check). Returns the decoded length, or -1 where libpq's decoder fails:
 * a '%' without two hex digits, or %00.
 */
static long uri_decode(const char *s, size_t n, char *out, size_t size)
{
	size_t i = 0, o = 0;

	while (i < n) {
		int c = (unsigned char)s[i++];

		if (c == '%') {
			int hi = i < n ? hex_value(s[i]) : -1;
			int lo = i + 1 < n ? hex_value(s[i + 1]) : -1;

			if (hi < 0 || lo < 0 || (hi | lo) == 0)
				return -1;
			c = hi << 4 | lo;
			i += 2;
		}
		if (out && o + 1 < size)
			out[o] = (char)c;
		o++;
	}
	if (out && size)
		out[o < size ? o : size - 1] = '\0';
	return (long)o;
}

static size_t uri_prefix(const char *s)
{
	if (strncmp(s, uri_long, sizeof(uri_long) - 1) == 0)
		return sizeof(uri_long) - 1;
	if (strncmp(s, uri_short, sizeof(uri_short) - 1) == 0)
		return sizeof(uri_short) - 1;
	return 0;
}

/*
 * Checking the percent-encoding of the whole part before the query at once
 * is the same as libpq decoding user, password, hosts, ports and dbname one
 * by one: no separator it cuts at is a hex digit, so a token never spans two.
 *
 * Finds the query as libpq does: user:password@ only when an '@' comes
 * before any '/' (so a '?' in a password does not start the query), then
 * host[:port] lists with [IPv6] literals, then /dbname up to the first '?'.
 * Sets *q to the '?' or the string end; false on libpq's bracket errors.
 */
static bool uri_query_at(const char *s, size_t p, size_t *q)
{
	size_t at = p;

	while (s[at] && s[at] != '@' && s[at] != '/')
		at++;
	if (s[at] == '@')
		p = at + 1;
	for (;;) {
		if (s[p] == '[') {
			size_t host = ++p;

			while (s[p] && s[p] != ']')
				p++;
			if (!s[p] || p == host)
				return false; /* no matching ']', or an empty IPv6 address */
			p++;
			if (s[p] && !strchr(":/?,", s[p]))
				return false;
		} else {
			while (s[p] && !strchr(":/?,", s[p]))
				p++;
		}
		if (s[p] == ':')
			while (s[++p] && !strchr("/?,", s[p]))
				;
		if (s[p] != ',')
			break;
		p++;
	}
	if (s[p] == '/')
		while (s[p] && s[p] != '?')
			p++;
	*q = p;
	return true;
}

/*
 * The query is key=value pairs joined by single '&' (libpq rejects "&&",
 * a leading '&' and pairs without or with two '='), perhaps with one
 * trailing '&'. Joining the kept pairs with '&' therefore equals removing
 * each owned pair with one adjacent '&'; the '?' goes when none is kept.
 */
static char *uri_rewrite(const char *s, struct seen *st, bool *failed)
{
	size_t len = strlen(s), q, n, i, kept = 0;
	bool removed = false;
	char key[KEY_MAX], value[VALUE_MAX];
	char *out;

	*failed = true;
	if (!uri_query_at(s, uri_prefix(s), &q) || uri_decode(s, q, NULL, 0) < 0)
		return NULL; /* libpq decodes every byte before the query, a piece at a time */
	if (!s[q]) {
		*failed = false;
		return NULL;
	}
	out = shim_malloc(len + 1);
	if (!out)
		return NULL;
	memcpy(out, s, q);
	n = q;
	for (i = q + 1; s[i];) {
		size_t start = i, eq = SIZE_MAX, end;
		long klen, vlen;
		int k;

		for (; s[i] && s[i] != '&'; i++) {
			if (s[i] == '=' && eq != SIZE_MAX)
				goto malformed; /* extra key/value separator */
			if (s[i] == '=')
				eq = i;
		}
		if (eq == SIZE_MAX)
			goto malformed; /* missing key/value separator */
		end = i;
		if (s[i])
			i++;
		klen = uri_decode(s + start, eq - start, key, sizeof(key));
		k = klen >= 0 && klen < KEY_MAX ? key_lookup(key, (size_t)klen) : -1;
		vlen = uri_decode(s + eq + 1, end - eq - 1, k >= 0 ? value : NULL, sizeof(value));
		if (klen < 0 || vlen < 0)
			goto malformed;
		if (k >= 0) {
			note(st, k, value, (size_t)vlen);
			removed = true;
			continue;
		}
		out[n++] = kept++ ? '&' : '?';
		memcpy(out + n, s + start, end - start);
		n += end - start;
	}
	*failed = false;
	if (removed) {
		if (kept && s[len - 1] == '&')
			out[n++] = '&';
		out[n] = '\0';
		return out;
	}
malformed:
	free(out);
	return NULL;
}

/* NULL when nothing was removed (*failed false) or on malformed input / no memory (*failed true). */
static char *rewrite_str(const char *s, struct seen *st, bool *failed)
{
	*failed = false;
	return uri_prefix(s) ? uri_rewrite(s, st, failed) : kv_rewrite(s, st, failed);
}

bool conninfo_is_connstr(const char *s)
{
	return s && (uri_prefix(s) || strchr(s, '='));
}

char *conninfo_rewrite(const char *conninfo, struct conninfo_opts *opts)
{
	struct conninfo_opts scratch;
	struct seen st;
	bool failed;
	char *r;

	if (!opts)
		opts = &scratch;
	memset(opts, 0, sizeof(*opts));
	memset(&st, 0, sizeof(st));
	if (!conninfo)
		return NULL;
	r = rewrite_str(conninfo, &st, &failed);
	if (r)
		finish(&st, opts);
	return r;
}

void conninfo_params_release(struct conninfo_params *p)
{
	if (!p)
		return;
	free(p->keywords);
	free(p->values);
	free(p->owned_dbname);
	memset(p, 0, sizeof(*p));
}

bool conninfo_rewrite_params(const char *const *keywords, const char *const *values,
			     int expand_dbname, struct conninfo_params *out, struct conninfo_opts *opts)
{
	struct conninfo_opts scratch;
	struct seen st;
	size_t n, j = 0, di = SIZE_MAX;
	bool owned_key = false, dbname_seen = !expand_dbname, failed = false;

	if (!opts)
		opts = &scratch;
	memset(opts, 0, sizeof(*opts));
	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	if (!keywords || !values)
		return false;
	/* libpq expands the first dbname whose value is not NULL, if it is a connection string */
	for (n = 0; keywords[n]; n++) {
		if (!dbname_seen && values[n] && strcmp(keywords[n], "dbname") == 0) {
			dbname_seen = true;
			if (conninfo_is_connstr(values[n]))
				di = n;
		}
	}
	/* in libpq's order: array entries in turn, the expanded string's options where dbname is */
	for (size_t i = 0; i < n && !failed; i++) {
		int k = key_lookup(keywords[i], strlen(keywords[i]));

		if (i == di)
			out->owned_dbname = rewrite_str(values[i], &st, &failed);
		if (k < 0)
			continue;
		owned_key = true;
		if (values[i] && values[i][0])
			note(&st, k, values[i], strlen(values[i]));
		else
			st.dropped[k] = true; /* libpq would skip it: NULL or "" means not set */
	}
	if (failed || (!owned_key && !out->owned_dbname))
		goto pass;
	out->keywords = shim_malloc((n + 1) * sizeof(*out->keywords));
	out->values = shim_malloc((n + 1) * sizeof(*out->values));
	if (!out->keywords || !out->values)
		goto pass;
	for (size_t i = 0; i < n; i++) {
		if (key_lookup(keywords[i], strlen(keywords[i])) >= 0)
			continue;
		out->keywords[j] = keywords[i];
		out->values[j] = values[i];
		/*
		 * When all its pairs were ours, "" (not set) keeps libpq from
		 * expanding a later dbname instead, as dropping the entry would,
		 * and from taking the leftover blanks for a database name.
		 */
		if (i == di && out->owned_dbname)
			out->values[j] = conninfo_is_connstr(out->owned_dbname) ? out->owned_dbname : "";
		j++;
	}
	out->keywords[j] = NULL;
	out->values[j] = NULL;
	finish(&st, opts);
	return true;
pass:
	conninfo_params_release(out);
	return false;
}
