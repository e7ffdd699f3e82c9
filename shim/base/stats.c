/* Counters and the exit report; see stats.h. */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "hot_tls.h"
#include "log.h"
#include "stats.h"

struct block {
	struct block *next;
	atomic_ullong c[STATS_SERIES_MAX][ST_COUNT]; /* one writer (its thread) */
};

/* a list that only grows, pushed without a lock: a fork in the middle leaves nothing held */
static _Atomic(struct block *) blocks;
static HOT_TLS struct block *mine;

enum { SERIES_FREE, SERIES_FILLING, SERIES_READY };

struct series {
	char configured[16], mode[16], target[PROM_VALUE_MAX + 1];
};

static struct series table[STATS_SERIES_MAX] = { [0] = { "other", "other", "other" } };
static atomic_int state[STATS_SERIES_MAX] = { [0] = SERIES_READY };

static void copy(char *out, size_t size, const char *in)
{
	snprintf(out, size, "%s", in ? in : "");
}

static bool same(const struct series *s, const char *configured, const char *mode,
		 const char *target)
{
	return strncmp(s->configured, configured, sizeof(s->configured) - 1) == 0 &&
	       strncmp(s->mode, mode, sizeof(s->mode) - 1) == 0 &&
	       strncmp(s->target, target, sizeof(s->target) - 1) == 0;
}

int stats_series(const char *configured, const char *mode, const char *target)
{
	int i;

	configured = configured ? configured : "";
	mode = mode ? mode : "";
	target = target ? target : "";
	for (i = 1; i < STATS_SERIES_MAX; i++) {
		int st = atomic_load(&state[i]);

		if (st == SERIES_READY && same(&table[i], configured, mode, target))
			return i;
		if (st == SERIES_FREE)
			break;
	}
	/* two threads may both add the same labels: prom_render sums them */
	for (; i < STATS_SERIES_MAX; i++) {
		int st = SERIES_FREE;

		if (atomic_compare_exchange_strong(&state[i], &st, SERIES_FILLING)) {
			copy(table[i].configured, sizeof(table[i].configured), configured);
			copy(table[i].mode, sizeof(table[i].mode), mode);
			copy(table[i].target, sizeof(table[i].target), target);
			atomic_store(&state[i], SERIES_READY);
			return i;
		}
	}
	return 0;
}

void stats_add(int series, enum stat_id id)
{
	struct block *b = mine;
	atomic_ullong *c;

	if (!b) {
		b = shim_calloc(1, sizeof(*b));
		if (!b)
			return; /* counting is best effort */
		b->next = atomic_load(&blocks);
		while (!atomic_compare_exchange_weak(&blocks, &b->next, b))
			;
		mine = b;
	}
	if (series < 0 || series >= STATS_SERIES_MAX)
		series = 0;
	c = &b->c[series][id];
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

void stats_sum(unsigned long long out[ST_COUNT])
{
	memset(out, 0, sizeof(unsigned long long) * ST_COUNT);
	for (struct block *b = atomic_load(&blocks); b; b = b->next)
		for (int s = 0; s < STATS_SERIES_MAX; s++)
			for (int i = 0; i < ST_COUNT; i++)
				out[i] += atomic_load_explicit(&b->c[s][i], memory_order_relaxed);
}

int stats_snapshot(struct prom_series *out, int max)
{
	int n = 0;

	for (int s = 0; s < STATS_SERIES_MAX && n < max; s++) {
		struct prom_series *p = &out[n];
		bool any = false;

		if (atomic_load(&state[s]) != SERIES_READY)
			continue;
		memset(p->c, 0, sizeof(p->c));
		for (struct block *b = atomic_load(&blocks); b; b = b->next)
			for (int i = 0; i < ST_COUNT; i++)
				p->c[i] += atomic_load_explicit(&b->c[s][i], memory_order_relaxed);
		for (int i = 0; i < ST_COUNT; i++)
			any |= p->c[i] != 0;
		if (!any)
			continue;
		p->configured = table[s].configured;
		p->mode = table[s].mode;
		p->target = table[s].target;
		n++;
	}
	return n;
}

void stats_forget_counts(void)
{
	for (struct block *b = atomic_load(&blocks); b; b = b->next)
		for (int s = 0; s < STATS_SERIES_MAX; s++)
			for (int i = 0; i < ST_COUNT; i++)
				atomic_store_explicit(&b->c[s][i], 0, memory_order_relaxed);
}

/* path with %p replaced by the pid, so processes of one app do not overwrite each other */
static void expand_path(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; *in && o + 1 < size; in++) {
		if (in[0] == '%' && in[1] == 'p') {
			o += (size_t)snprintf(out + o, size - o, "%ld", (long)getpid());
			in++;
		} else {
			out[o++] = *in;
		}
	}
	out[o < size ? o : size - 1] = '\0';
}

static void write_json(const char *pattern, const unsigned long long c[ST_COUNT])
{
	char path[600], tmp[640], body[1024];
	int n = 0, fd;

	expand_path(pattern, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	n += snprintf(body + n, sizeof(body) - (size_t)n, "{\"pid\": %ld", (long)getpid());
	for (int i = 0; i < ST_COUNT; i++)
		n += snprintf(body + n, sizeof(body) - (size_t)n, ", \"%s\": %llu",
			      counter_defs[i].key, c[i]);
	n += snprintf(body + n, sizeof(body) - (size_t)n, "}\n");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, body, (size_t)n) != n || close(fd) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		log_msg(LOG_WARN, "could not write PQSHIM_STATS_FILE");
	}
}

/* At exit, only in processes where the shim did something and was asked to report. */
__attribute__((destructor)) static void stats_report(void)
{
	unsigned long long c[ST_COUNT];
	const struct config *cfg;

	if (!atomic_load(&blocks))
		return;
	cfg = config_get();
	if (!cfg->stats && !cfg->stats_file[0])
		return;
	stats_sum(c);
	if (cfg->stats) {
		char line[1024];
		int n = 0;

		for (int i = 0; i < ST_COUNT && n < (int)sizeof(line); i++)
			n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%s=%llu", i ? " " : "",
				      counter_defs[i].key, c[i]);
		log_force("stats: %s", line);
	}
	if (cfg->stats_file[0])
		write_json(cfg->stats_file, c);
}
