/*
 * pqshim-stats: a summary of the live statistics files that processes with
 * the shim keep in PQSHIM_STATS_DIR (prom.h), as `pqshim stats [DIR]` runs it.
 *
 *   pqshim-stats [--json] [DIR]     DIR: default $PQSHIM_STATS_DIR
 *
 * Prints the processes (pid, live or stale, age of the file), then one line
 * per configured mode, mode and target with the counters summed over the
 * live processes. A file is stale when its process is gone: this host's pid
 * no longer runs, or runs but started at another time (a reused pid). Files
 * written on another host (a shared volume) are counted, their liveness
 * unknown. Stale files are listed and left out of the sums; remove them with
 * `rm` (or let the process's exit do it).
 *
 * Exit status: 0 printed; 1 a file could not be read or parsed; 2 usage, or
 * no directory.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "counters.h"
#include "prom.h"

#define MAX_FILES 4096
#define MAX_ROWS 256

struct proc {
	char file[300];
	char host[80];
	long pid;
	double start, updated;
	char state[16]; /* live, stale, unknown */
	char version[40], configured[16];
};

struct row {
	char configured[16], mode[16], target[PROM_VALUE_MAX + 1];
	int procs;
	unsigned long long c[ST_COUNT];
};

static struct proc procs[MAX_FILES];
static int n_procs;
static struct row rows[MAX_ROWS];
static int n_rows;

static void my_host(char *out, size_t size)
{
	if (gethostname(out, size - 1) != 0)
		out[0] = '\0';
	out[size - 1] = '\0';
	for (char *c = out; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			*c = '_';
	if (!out[0])
		snprintf(out, size, "localhost");
}

/* When pid started (seconds since the epoch, as the shim computes it); 0: not running. */
static double start_of(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks = 0, btime = 0;
	long hz = sysconf(_SC_CLK_TCK);
	int field;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "re")))
		return 0;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	if (!p)
		return 0;
	for (field = 2, p++; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field != 22 || sscanf(p, "%llu", &ticks) != 1 || hz <= 0)
		return 0;
	if (!(f = fopen("/proc/stat", "re")))
		return 0;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "btime %llu", &btime) == 1)
			break;
	fclose(f);
	return (double)(btime * 1000ULL + ticks * 1000ULL / (unsigned long long)hz) / 1000.0;
}

static struct row *row_for(const char *configured, const char *mode, const char *target)
{
	for (int i = 0; i < n_rows; i++)
		if (!strcmp(rows[i].configured, configured) && !strcmp(rows[i].mode, mode) &&
		    !strcmp(rows[i].target, target))
			return &rows[i];
	if (n_rows == MAX_ROWS)
		return NULL;
	snprintf(rows[n_rows].configured, sizeof(rows[0].configured), "%s", configured);
	snprintf(rows[n_rows].mode, sizeof(rows[0].mode), "%s", mode);
	snprintf(rows[n_rows].target, sizeof(rows[0].target), "%s", target);
	return &rows[n_rows++];
}

static const char *label(const struct prom_sample *s, const char *key)
{
	const char *v = prom_label(s, key);

	return v ? v : "";
}

static int counter_of(const char *metric)
{
	for (int i = 0; i < ST_COUNT; i++) {
		char want[96];

		snprintf(want, sizeof(want), "pqshim_%s_total", counter_defs[i].key);
		if (!strcmp(want, metric))
			return i;
	}
	return -1;
}

/* Reads one file's samples; the counters go to rows only when count is set. */
static bool read_file(const char *dir, struct proc *p, bool count)
{
	char path[600], line[1024];
	struct prom_sample s;
	bool ok = true, seen[MAX_ROWS] = { false };
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, p->file);
	if (!(f = fopen(path, "re"))) {
		if (errno == ENOENT) { /* its process exited meanwhile: nothing to count */
			snprintf(p->state, sizeof(p->state), "gone");
			return true;
		}
		fprintf(stderr, "pqshim stats: %s: %s\n", path, strerror(errno));
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		int id, rc;
		struct row *r;

		line[strcspn(line, "\n")] = '\0';
		rc = prom_parse_line(line, &s);
		if (rc < 0) {
			fprintf(stderr, "pqshim stats: %s: not Prometheus text: %.80s\n", path, line);
			ok = false;
			continue;
		}
		if (rc == 0)
			continue;
		if (!strcmp(s.name, "pqshim_info")) {
			snprintf(p->version, sizeof(p->version), "%s", label(&s, "version"));
			snprintf(p->configured, sizeof(p->configured), "%s", label(&s, "configured"));
		} else if (!strcmp(s.name, "pqshim_process_start_time_seconds")) {
			p->start = s.value;
		} else if (!strcmp(s.name, "pqshim_last_update_timestamp_seconds")) {
			p->updated = s.value;
		} else if (count && (id = counter_of(s.name)) >= 0 &&
			   (r = row_for(label(&s, "configured"), label(&s, "mode"),
					label(&s, "target")))) {
			r->c[id] += (unsigned long long)s.value;
			if (!seen[r - rows]) {
				seen[r - rows] = true;
				r->procs++;
			}
		}
	}
	fclose(f);
	return ok;
}

/* pqshim-<host>-<pid>.prom: host and pid; false for other names. */
static bool parse_name(const char *name, struct proc *p)
{
	size_t n = strlen(name);
	const char *dash;
	char *end;

	if (strncmp(name, "pqshim-", 7) != 0 || n < 13 || strcmp(name + n - 5, ".prom") != 0)
		return false;
	dash = name + n - 5;
	while (dash > name + 7 && dash[-1] != '-')
		dash--;
	if (dash <= name + 7)
		return false;
	p->pid = strtol(dash, &end, 10);
	if (end != name + n - 5 || p->pid <= 0)
		return false;
	snprintf(p->host, sizeof(p->host), "%.*s", (int)(dash - 1 - (name + 7)), name + 7);
	snprintf(p->file, sizeof(p->file), "%s", name);
	return true;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_json(const char *dir)
{
	printf("{\"dir\": ");
	json_str(dir);
	printf(", \"processes\": [");
	for (int i = 0; i < n_procs; i++) {
		printf("%s{\"pid\": %ld, \"host\": ", i ? ", " : "", procs[i].pid);
		json_str(procs[i].host);
		printf(", \"state\": \"%s\", \"file\": ", procs[i].state);
		json_str(procs[i].file);
		printf(", \"version\": ");
		json_str(procs[i].version);
		printf(", \"updated\": %.3f}", procs[i].updated);
	}
	printf("], \"series\": [");
	for (int i = 0; i < n_rows; i++) {
		printf("%s{\"configured\": ", i ? ", " : "");
		json_str(rows[i].configured);
		printf(", \"mode\": ");
		json_str(rows[i].mode);
		printf(", \"target\": ");
		json_str(rows[i].target);
		printf(", \"processes\": %d", rows[i].procs);
		for (int k = 0; k < ST_COUNT; k++)
			printf(", \"%s\": %llu", counter_defs[k].key, rows[i].c[k]);
		printf("}");
	}
	printf("]}\n");
}

/* The columns of the table, in the order an operator reads them. */
static const int columns[] = { ST_SESSIONS, ST_BY_NAME, ST_CREATED, ST_RETRIED, ST_RENAMED,
			       ST_LOCAL, ST_UNNAMED, ST_SQL_REWRITTEN, ST_FALLBACK, ST_HEALED,
			       ST_SWITCHED, ST_PASSED };

static void print_text(const char *dir)
{
	double now = (double)time(NULL);
	int live = 0, stale = 0;

	for (int i = 0; i < n_procs; i++)
		live += strcmp(procs[i].state, "stale") != 0, stale += !strcmp(procs[i].state, "stale");
	printf("%s: %d process%s with the shim, %d stale file%s\n", dir, live,
	       live == 1 ? "" : "es", stale, stale == 1 ? "" : "s");
	for (int i = 0; i < n_procs; i++) {
		/* a file written within the current second is 0 s old, never "-0" */
		double age = procs[i].updated > 0 ? now - procs[i].updated : -1.0;

		if (procs[i].updated > 0 && age < 0)
			age = 0;
		printf("  pid %-8ld %-8s updated %4.0f s ago  %s", procs[i].pid, procs[i].state, age,
		       procs[i].file);
		if (!strcmp(procs[i].state, "stale"))
			printf("  (process gone: remove the file)");
		putchar('\n');
	}
	if (n_rows == 0) {
		printf("no counts yet\n");
		return;
	}
	printf("\n%-10s %-8s %-32s %5s", "configured", "mode", "target", "procs");
	for (size_t k = 0; k < sizeof(columns) / sizeof(columns[0]); k++)
		printf(" %9s", counter_defs[columns[k]].title);
	putchar('\n');
	for (int i = 0; i < n_rows; i++) {
		printf("%-10s %-8s %-32s %5d", rows[i].configured, rows[i].mode, rows[i].target,
		       rows[i].procs);
		for (size_t k = 0; k < sizeof(columns) / sizeof(columns[0]); k++)
			printf(" %9llu", rows[i].c[columns[k]]);
		putchar('\n');
	}
}

static int by_pid(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int main(int argc, char **argv)
{
	const char *dir = getenv("PQSHIM_STATS_DIR");
	bool json = false, ok = true;
	char host[80];
	struct dirent *e;
	DIR *d;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("Usage: pqshim stats [--json] [DIR]\n"
			       "Sums the live counters of the processes that keep files in DIR\n"
			       "(default: $PQSHIM_STATS_DIR); see pqshim(1).\n");
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "pqshim stats: unknown option %s\n", argv[i]);
			return 2;
		} else {
			dir = argv[i];
		}
	}
	if (!dir || !dir[0]) {
		fprintf(stderr, "pqshim stats: no directory: name one, or set PQSHIM_STATS_DIR\n");
		return 2;
	}
	if (!(d = opendir(dir))) {
		fprintf(stderr, "pqshim stats: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	my_host(host, sizeof(host));
	while ((e = readdir(d)) && n_procs < MAX_FILES)
		if (parse_name(e->d_name, &procs[n_procs]))
			n_procs++;
	closedir(d);
	qsort(procs, (size_t)n_procs, sizeof(procs[0]), by_pid);
	for (int i = 0; i < n_procs; i++) {
		struct proc *p = &procs[i];
		double st;

		ok &= read_file(dir, p, false);
		if (strcmp(p->host, host) != 0) {
			snprintf(p->state, sizeof(p->state), "unknown"); /* another host's pid */
		} else {
			st = start_of(p->pid);
			/* a reused pid started at another time; 1 s: the clock tick's rounding */
			snprintf(p->state, sizeof(p->state), "%s",
				 st > 0 && (p->start == 0 || (st - p->start < 1 && p->start - st < 1))
					 ? "live"
					 : "stale");
		}
		if (strcmp(p->state, "stale") != 0)
			ok &= read_file(dir, p, true);
	}
	if (json)
		print_json(dir);
	else
		print_text(dir);
	return ok ? 0 : 1;
}
