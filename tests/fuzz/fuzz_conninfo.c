/*
 * libFuzzer target: conninfo_rewrite() and conninfo_rewrite_params().
 *
 * Input: byte 0 selects the entry point; the rest is a connection string,
 * or (params) lines "keyword=value" ('\n'-separated; no '=' gives a NULL
 * value), with bit 1 of byte 0 as expand_dbname.
 *
 * Properties (abort on violation):
 * (a) a string that, with backslashes dropped and percent-decoding applied
 *     until nothing changes, contains none of pqshim_mode,
 *     prepared_statements, pgbouncer, connection_limit, pool_timeout comes
 *     back NULL (passed through byte for byte), with opts zeroed;
 * (b) a rewritten string is shorter than the input and rewriting it again
 *     gives NULL (no shim keyword is left as a key: idempotent);
 * (c) opts.dropped and opts.bad list only those keyword names (never other
 *     input text), bad only names that are in dropped; mode_source is one of
 *     the deciding keywords when mode_set;
 * (d) params: false leaves *out and opts zeroed; true gives arrays without
 *     the shim's keywords, every other pair kept in order (the same
 *     pointers), only the expanded dbname value replaced, itself idempotent.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conninfo.h"

#define FUZZ_TARGET "fuzz_conninfo"
#include "fuzz.h"

static const char *const keys[] = { "pqshim_mode", "prepared_statements", "pgbouncer",
				    "connection_limit", "pool_timeout" };
#define N_KEYS 5

static bool is_key(const char *s, size_t n)
{
	for (int k = 0; k < N_KEYS; k++)
		if (strlen(keys[k]) == n && memcmp(keys[k], s, n) == 0)
			return true;
	return false;
}

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* True when s could name a shim keyword however it is escaped or encoded. */
static bool may_name_key(const char *s)
{
	size_t n = strlen(s);
	char *a = malloc(n + 1);
	bool changed = true, found = false;

	if (!a)
		abort();
	/* backslashes dropped (escapes in key/value values) */
	{
		size_t j = 0;
		for (size_t i = 0; i < n; i++)
			if (s[i] != '\\')
				a[j++] = s[i];
		a[j] = '\0';
	}
	while (!found) {
		for (int k = 0; k < N_KEYS && !found; k++)
			found = strstr(a, keys[k]) != NULL;
		if (found || !changed)
			break;
		/* one round of percent-decoding (%00 would cut the string: keep it) */
		changed = false;
		{
			size_t j = 0;
			for (size_t i = 0; a[i]; i++) {
				int h, l;
				if (a[i] == '%' && (h = hexv(a[i + 1])) >= 0 && (l = hexv(a[i + 2])) >= 0 &&
				    (h || l)) {
					a[j++] = (char)(h * 16 + l);
					i += 2;
					changed = true;
				} else {
					a[j++] = a[i];
				}
			}
			a[j] = '\0';
		}
	}
	free(a);
	return found;
}

static void check_list(const char *list, size_t size, const char *what)
{
	const char *p = list;

	CHECK(memchr(list, '\0', size) != NULL, "%s not terminated", what);
	if (!*p)
		return;
	for (;;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);

		CHECK(is_key(p, n), "%s holds '%.*s' (not a shim keyword): '%s'", what, (int)n, p, list);
		if (!c)
			break;
		p = c + 1;
	}
}

static bool in_list(const char *list, const char *name, size_t n)
{
	const char *p = list;

	while (*p) {
		const char *c = strchr(p, ',');
		size_t m = c ? (size_t)(c - p) : strlen(p);

		if (m == n && memcmp(p, name, n) == 0)
			return true;
		if (!c)
			break;
		p = c + 1;
	}
	return false;
}

static void check_opts(const struct conninfo_opts *o)
{
	check_list(o->dropped, sizeof(o->dropped), "dropped");
	check_list(o->bad, sizeof(o->bad), "bad");
	for (const char *p = o->bad; *p;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);

		CHECK(in_list(o->dropped, p, n), "bad '%.*s' not in dropped '%s'", (int)n, p,
		      o->dropped);
		if (!c)
			break;
		p = c + 1;
	}
	if (o->mode_set) {
		CHECK(o->mode_source && (strcmp(o->mode_source, "pqshim_mode") == 0 ||
					 strcmp(o->mode_source, "prepared_statements") == 0 ||
					 strcmp(o->mode_source, "pgbouncer") == 0),
		      "mode_source '%s'", o->mode_source ? o->mode_source : "(null)");
		CHECK(o->mode == MODE_OFF || o->mode == MODE_DEDUPE || o->mode == MODE_UNNAMED ||
			      o->mode == MODE_POOLED || o->mode == MODE_AUTO,
		      "mode %d", (int)o->mode);
	}
}

static bool opts_zero(const struct conninfo_opts *o)
{
	return !o->mode_set && !o->mode_source && !o->dropped[0] && !o->bad[0];
}

static void fuzz_string(const char *s)
{
	struct conninfo_opts o, o2;
	char *out, *again;

	memset(&o, 0xa5, sizeof(o));
	out = conninfo_rewrite(s, &o);
	check_opts(&o);
	if (!out) {
		CHECK(opts_zero(&o), "NULL but opts not zeroed: %s", s);
		return;
	}
	CHECK(may_name_key(s), "rewrote a string without any shim keyword:\n  in:  %s\n  out: %s", s,
	      out);
	CHECK(o.dropped[0], "rewritten but nothing dropped: %s", s);
	CHECK(strlen(out) < strlen(s), "output not shorter:\n  in:  %s\n  out: %s", s, out);
	again = conninfo_rewrite(out, &o2);
	CHECK(!again, "not idempotent:\n  in:   %s\n  out:  %s\n  out2: %s\n  dropped again: %s", s,
	      out, again, o2.dropped);
	free(out);
}

static void fuzz_params(char *text, int expand)
{
	const char *kw[65], *val[65];
	int n = 0, dbi = -1;
	char *p = text;
	struct conninfo_params out;
	struct conninfo_opts o;
	bool owned = false, any_db_key = false, r;

	while (p && n < 64) {
		char *nl = strchr(p, '\n');
		char *eq;

		if (nl)
			*nl = '\0';
		eq = strchr(p, '=');
		if (eq)
			*eq = '\0';
		kw[n] = p;
		val[n] = eq ? eq + 1 : NULL;
		if (is_key(kw[n], strlen(kw[n])))
			owned = true;
		if (dbi < 0 && val[n] && strcmp(kw[n], "dbname") == 0)
			dbi = n;
		n++;
		p = nl ? nl + 1 : NULL;
	}
	kw[n] = val[n] = NULL;
	if (expand && dbi >= 0 && may_name_key(val[dbi]))
		any_db_key = true;

	memset(&o, 0xa5, sizeof(o));
	r = conninfo_rewrite_params(kw, val, expand, &out, &o);
	check_opts(&o);
	if (!r) {
		CHECK(!out.keywords && !out.values && !out.owned_dbname, "false but *out not zeroed");
		CHECK(opts_zero(&o), "false but opts not zeroed");
		return;
	}
	CHECK(owned || any_db_key, "params without a shim keyword were rewritten");
	{
		int j = 0;

		for (int i = 0; i < n; i++) {
			if (is_key(kw[i], strlen(kw[i])))
				continue;
			CHECK(out.keywords[j] == kw[i], "pair %d: keyword %s not kept in order", i, kw[i]);
			if (i == dbi && expand && out.owned_dbname)
				CHECK(out.values[j] == out.owned_dbname || strcmp(out.values[j], "") == 0,
				      "dbname value neither the rewritten one nor \"\"");
			else
				CHECK(out.values[j] == val[i], "pair %d (%s): value changed", i, kw[i]);
			j++;
		}
		CHECK(out.keywords[j] == NULL && out.values[j] == NULL, "arrays not terminated at %d", j);
	}
	if (out.owned_dbname) {
		struct conninfo_opts o2;
		char *again = conninfo_rewrite(out.owned_dbname, &o2);

		CHECK(expand && dbi >= 0, "owned dbname without expand_dbname");
		CHECK(!again, "dbname rewrite not idempotent: %s -> %s -> %s", val[dbi],
		      out.owned_dbname, again);
	}
	conninfo_params_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] & 1)
		fuzz_params(s, (data[0] >> 1) & 1);
	else
		fuzz_string(s);
	free(s);
	return 0;
}
