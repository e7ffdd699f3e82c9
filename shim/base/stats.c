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
	atomic_ullong c[ST_COUNT]; /* one writer (its thread); read at exit */
};

static const char *const names[ST_COUNT] = {
	[ST_PREPARES] = "prepares_seen",
	[ST_LOCAL] = "answered_locally",
	[ST_RENAMED] = "renamed",
	[ST_UNNAMED] = "unnamed",
	[ST_SQL_REWRITTEN] = "sql_rewritten",
	[ST_RETRIED] = "errors_retried",
	[ST_PASSED] = "errors_passed_through",
	[ST_BY_NAME] = "pooled_by_name",
	[ST_CREATED] = "pooled_created",
	[ST_FALLBACK] = "pooled_fallback_unnamed",
	[ST_HEALED] = "plan_heals",
	[ST_SWITCHED] = "auto_switches",
	[ST_CANCELLED] = "retries_cancelled",
};

/* a list that only grows, pushed without a lock: a fork in the middle leaves nothing held */
static _Atomic(struct block *) blocks;
static HOT_TLS struct block *mine;

void stats_add(enum stat_id id)
{
	struct block *b = mine;

	if (!b) {
		b = shim_calloc(1, sizeof(*b));
		if (!b)
			return; /* counting is best effort */
		b->next = atomic_load(&blocks);
		while (!atomic_compare_exchange_weak(&blocks, &b->next, b))
			;
		mine = b;
	}
	atomic_store_explicit(&b->c[id], atomic_load_explicit(&b->c[id], memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

void stats_sum(unsigned long long out[ST_COUNT])
{
	memset(out, 0, sizeof(unsigned long long) * ST_COUNT);
	for (struct block *b = atomic_load(&blocks); b; b = b->next)
		for (int i = 0; i < ST_COUNT; i++)
			out[i] += atomic_load_explicit(&b->c[i], memory_order_relaxed);
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
		n += snprintf(body + n, sizeof(body) - (size_t)n, ", \"%s\": %llu", names[i], c[i]);
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
				      names[i], c[i]);
		log_force("stats: %s", line);
	}
	if (cfg->stats_file[0])
		write_json(cfg->stats_file, c);
}
