/* The live statistics file; see stats_live.h. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "config.h"
#include "log.h"
#include "prom.h"
#include "stats.h"
#include "stats_live.h"

#ifndef PQSHIM_VERSION
#define PQSHIM_VERSION "unknown"
#endif

atomic_llong stats_live_due;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int busy;       /* a write is under way (a slow disk, a 1 s interval) */
static char path[768], tmp[800];
static long file_pid;         /* the process path names */
static bool written;          /* this process wrote path */
static unsigned long long last_total;
static long long start_ms;    /* 0: unknown */

static long long now_ns(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts) != 0)
		return 0;
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* When this process started (ms since the epoch), as /proc has it; 0 when unknown. */
static long long process_start_ms(void)
{
	char buf[1024], *p;
	unsigned long long ticks = 0, btime = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;
	int field;

	if (hz <= 0 || !(f = fopen("/proc/self/stat", "re")))
		return 0;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	if (!p)
		return 0;
	/* after the command's ")": field 3 (state) onwards; starttime is field 22 */
	for (field = 2, p++; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field != 22 || sscanf(p, "%llu", &ticks) != 1)
		return 0;
	if (!(f = fopen("/proc/stat", "re")))
		return 0;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "btime %llu", &btime) == 1)
			break;
	fclose(f);
	if (!btime)
		return 0;
	return (long long)(btime * 1000ULL + ticks * 1000ULL / (unsigned long long)hz);
}

/* The file's name for this process: <dir>/pqshim-<host>-<pid>.prom. */
static void name_file(const char *dir)
{
	char host[65] = "";

	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	for (char *c = host; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			*c = '_';
	file_pid = (long)getpid();
	snprintf(path, sizeof(path), "%s/pqshim-%s-%ld.prom", dir, host[0] ? host : "localhost",
		 file_pid);
	/* not *.prom: the collector must never read a half-written file */
	snprintf(tmp, sizeof(tmp), "%s/.pqshim-%s-%ld.prom.tmp", dir,
		 host[0] ? host : "localhost", file_pid);
	start_ms = process_start_ms();
	written = false;
	last_total = 0;
}

/*
 * A forked child: its own counts from zero, and its own file, named at its
 * first turn (write_live sees the new pid; nothing here but stores, so the
 * handler needs no lock the parent's other threads might have held).
 */
static void after_fork_child(void)
{
	stats_forget_counts();
	atomic_store(&busy, 0);
	written = false; /* the parent's file is the parent's: never removed here */
	last_total = 0;
	if (atomic_load(&stats_live_due) != 0)
		atomic_store(&stats_live_due, 1); /* due at once */
}

static void init(void)
{
	const struct config *cfg = config_get();

	pthread_atfork(NULL, NULL, after_fork_child);
	if (!cfg->stats_dir[0])
		return;
	name_file(cfg->stats_dir);
	atomic_store(&stats_live_due, 1);
}

void stats_live_start(void)
{
	pthread_once(&once, init);
}

static bool write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

static bool put_file(const char *body, size_t len)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0 && errno == EEXIST) { /* left by a process of this pid that died mid-write */
		unlink(tmp);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		return false;
	if (!write_all(fd, body, len)) {
		close(fd);
		unlink(tmp);
		return false;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return false;
	}
	return true;
}

static void write_live(void)
{
	struct prom_series s[STATS_SERIES_MAX];
	struct prom_proc p;
	unsigned long long total = 0;
	size_t size = 64 * 1024, len = 0;
	char *buf = NULL;
	int n;

	if ((long)getpid() != file_pid) /* forked without our handler (a raw clone) */
		name_file(config_get()->stats_dir);
	n = stats_snapshot(s, STATS_SERIES_MAX);
	for (int i = 0; i < n; i++)
		for (int k = 0; k < ST_COUNT; k++)
			total += s[i].c[k];
	if (written && total == last_total)
		return; /* nothing new to say */
	p.pid = file_pid;
	p.version = PQSHIM_VERSION;
	p.configured = config_mode_name(config_get()->mode);
	p.start_ms = start_ms;
	p.updated_ms = now_ns(CLOCK_REALTIME) / 1000000;
	for (; size <= 1024 * 1024 && len == 0; size *= 2) {
		free(buf);
		if (!(buf = shim_malloc(size)))
			return;
		len = prom_render(buf, size, &p, s, n);
	}
	if (len && put_file(buf, len)) {
		written = true;
		last_total = total;
	} else {
		log_once(LOG_ONCE_STATS_DIR, LOG_WARN,
			 "could not write the statistics file %.600s (PQSHIM_STATS_DIR): %s; "
			 "trying again every interval",
			 path, len ? strerror(errno) : "too large");
	}
	free(buf);
}

void stats_live_turn(void)
{
	long long now = now_ns(CLOCK_MONOTONIC_COARSE);
	long long due = atomic_load_explicit(&stats_live_due, memory_order_relaxed);
	int zero = 0, saved;

	if (due == 0 || now < due)
		return;
	if (!atomic_compare_exchange_strong(&stats_live_due, &due,
					    now + (long long)config_get()->stats_interval *
							  1000000000LL))
		return; /* another thread has this turn */
	if (!atomic_compare_exchange_strong(&busy, &zero, 1))
		return;
	saved = errno;
	write_live();
	errno = saved;
	atomic_store(&busy, 0);
}

/* At exit: a live file describes a live process. */
__attribute__((destructor)) static void stats_live_end(void)
{
	int zero = 0;

	atomic_store(&stats_live_due, 0); /* no turn after this one */
	/* wait (bounded) for a write under way, and keep the turn: no rename after the unlink */
	for (int i = 0; i < 2000 && !atomic_compare_exchange_strong(&busy, &zero, 1); i++) {
		zero = 0;
		usleep(1000);
	}
	if (written && file_pid == (long)getpid()) {
		unlink(path);
		written = false;
	}
}
