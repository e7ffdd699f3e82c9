/* The Prometheus text format of the live statistics; see prom.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

/* The length of the valid UTF-8 character at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t k = s[0] < 0x80 ? 1 : s[0] < 0xc2 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3
		 : s[0] < 0xf5 ? 4 : 0;

	if (k == 0 || k > n)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong 3- and 4-byte forms, surrogates, beyond U+10FFFF */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return k;
}

char *prom_escape(char *out, size_t size, const char *in)
{
	const unsigned char *s = (const unsigned char *)(in ? in : "");
	size_t n = strlen((const char *)s), o = 0, used = 0;

	while (*s) {
		size_t k = utf8_len(s, n);
		const char *rep = NULL;
		char one[5];

		if (k == 0) { /* the collector rejects a file that is not UTF-8 */
			rep = "?";
			k = 1;
		} else if (*s == '\\') {
			rep = "\\\\";
		} else if (*s == '"') {
			rep = "\\\"";
		} else if (*s == '\n') {
			rep = "\\n";
		} else {
			memcpy(one, s, k);
			one[k] = '\0';
			rep = one;
		}
		if (used + k > PROM_VALUE_MAX || o + strlen(rep) + 1 > size)
			break;
		memcpy(out + o, rep, strlen(rep));
		o += strlen(rep);
		used += k;
		s += k;
		n -= k;
	}
	out[o] = '\0';
	return out;
}

struct sink {
	char *buf;
	size_t size, len;
	bool full;
};

__attribute__((format(printf, 2, 3))) static void put(struct sink *k, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (k->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(k->buf + k->len, k->size - k->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= k->size - k->len)
		k->full = true;
	else
		k->len += (size_t)n;
}

static void head(struct sink *k, const char *name, const char *type, const char *help)
{
	put(k, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

#define LABELS_MAX (3 * (PROM_VALUE_MAX * 2 + 1) + 64)

/* A series' labels after pid, escaped, into out (LABELS_MAX bytes); returns out. */
static char *labels(char *out, const struct prom_series *a)
{
	char c[PROM_VALUE_MAX * 2 + 1], m[PROM_VALUE_MAX * 2 + 1], t[PROM_VALUE_MAX * 2 + 1];

	snprintf(out, LABELS_MAX, "configured=\"%s\",mode=\"%s\",target=\"%s\"",
		 prom_escape(c, sizeof(c), a->configured), prom_escape(m, sizeof(m), a->mode),
		 prom_escape(t, sizeof(t), a->target));
	return out;
}

size_t prom_render(char *buf, size_t size, const struct prom_proc *p,
		   const struct prom_series *s, int n)
{
	struct sink k = { buf, size, 0, size == 0 };
	char ver[PROM_VALUE_MAX * 2 + 1], conf[PROM_VALUE_MAX * 2 + 1];

	prom_escape(ver, sizeof(ver), p->version);
	prom_escape(conf, sizeof(conf), p->configured);
	head(&k, "pqshim_info", "gauge", "The pqshim library in this process (always 1).");
	put(&k, "pqshim_info{pid=\"%ld\",version=\"%s\",configured=\"%s\"} 1\n", p->pid, ver, conf);
	if (p->start_ms > 0) {
		head(&k, "pqshim_process_start_time_seconds", "gauge",
		     "When the process started, in seconds since the epoch.");
		put(&k, "pqshim_process_start_time_seconds{pid=\"%ld\"} %lld.%03lld\n", p->pid,
		    p->start_ms / 1000, p->start_ms % 1000);
	}
	head(&k, "pqshim_last_update_timestamp_seconds", "gauge",
	     "When the process last wrote this file, in seconds since the epoch.");
	put(&k, "pqshim_last_update_timestamp_seconds{pid=\"%ld\"} %lld.%03lld\n", p->pid,
	    p->updated_ms / 1000, p->updated_ms % 1000);
	for (int id = 0; id < ST_COUNT; id++) {
		char metric[96];

		snprintf(metric, sizeof(metric), "pqshim_%s_total", counter_defs[id].key);
		head(&k, metric, "counter", counter_defs[id].help);
		for (int i = 0; i < n; i++) {
			char li[LABELS_MAX], lj[LABELS_MAX];
			unsigned long long v = s[i].c[id];
			bool dup = false;

			/* compared as written: two names that escape alike are one label set */
			labels(li, &s[i]);
			for (int j = 0; j < i && !dup; j++)
				dup = strcmp(labels(lj, &s[j]), li) == 0;
			if (dup)
				continue; /* summed into its first appearance */
			for (int j = i + 1; j < n; j++)
				if (strcmp(labels(lj, &s[j]), li) == 0)
					v += s[j].c[id];
			put(&k, "%s{pid=\"%ld\",%s} %llu\n", metric, p->pid, li, v);
		}
	}
	return k.full ? 0 : k.len;
}

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

static const char *skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* A label value after its opening quote into out; returns the byte after the closing quote. */
static const char *read_value(const char *s, char *out, size_t size)
{
	size_t o = 0;

	for (; *s && *s != '"'; s++) {
		char c = *s;

		if (c == '\\') {
			s++;
			c = *s == 'n' ? '\n' : *s;
			if (*s != 'n' && *s != '\\' && *s != '"')
				return NULL;
		}
		if (o + 1 >= size)
			return NULL;
		out[o++] = c;
	}
	if (*s != '"')
		return NULL;
	out[o] = '\0';
	return s + 1;
}

int prom_parse_line(const char *line, struct prom_sample *out)
{
	const char *s = skip_blank(line);
	size_t n = 0;
	char *end;

	memset(out, 0, sizeof(*out));
	if (*s == '\0' || *s == '#')
		return 0;
	if (!name_char(*s, true))
		return -1;
	while (name_char(s[n], n == 0))
		n++;
	if (n >= sizeof(out->name))
		return -1;
	memcpy(out->name, s, n);
	s += n;
	if (*s == '{') {
		s = skip_blank(s + 1);
		while (*s != '}') {
			size_t kn = 0;

			if (out->n_labels == PROM_LABELS_MAX || !name_char(*s, true))
				return -1;
			while (name_char(s[kn], kn == 0) && s[kn] != ':')
				kn++;
			if (kn >= sizeof(out->labels[0].key))
				return -1;
			memcpy(out->labels[out->n_labels].key, s, kn);
			s = skip_blank(s + kn);
			if (*s++ != '=')
				return -1;
			s = skip_blank(s);
			if (*s++ != '"')
				return -1;
			s = read_value(s, out->labels[out->n_labels].value,
				       sizeof(out->labels[0].value));
			if (!s)
				return -1;
			out->n_labels++;
			s = skip_blank(s);
			if (*s == ',')
				s = skip_blank(s + 1);
			else if (*s != '}')
				return -1;
		}
		s++;
	}
	if (*s != ' ' && *s != '\t')
		return -1;
	s = skip_blank(s);
	out->value = strtod(s, &end);
	if (end == s)
		return -1;
	s = skip_blank(end);
	if (*s) { /* an optional timestamp: an integer */
		(void)strtoll(s, &end, 10);
		if (end == s || *skip_blank(end))
			return -1;
	}
	return 1;
}

const char *prom_label(const struct prom_sample *s, const char *key)
{
	for (int i = 0; i < s->n_labels; i++)
		if (strcmp(s->labels[i].key, key) == 0)
			return s->labels[i].value;
	return NULL;
}
