/* See log.h. The destination is opened once, on the first line logged. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char *const level_tag[] = { "error", "warning", "info", "debug" };
static atomic_uint once_done;
static pthread_once_t open_once = PTHREAD_ONCE_INIT;
static int log_fd = 2;

static void write_line(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(log_fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static void emit(enum log_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "pqshim[%ld]: %s: ", (long)getpid(), level_tag[level]);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);

	if (m < 0)
		m = 0;
	if ((size_t)(n + m) > sizeof(line) - 2)
		m = (int)sizeof(line) - 2 - n;
	line[n + m] = '\n';
	write_line(line, (size_t)(n + m + 1));
}

static void emit_fmt(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(level, fmt, ap);
	va_end(ap);
}

static void open_dest(void)
{
	const struct config *cfg = config_get();

	if (cfg->log_file[0]) {
		int fd = open(cfg->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

		if (fd >= 0)
			log_fd = fd;
		else
			emit_fmt(LOG_WARN, "cannot open PQSHIM_LOG_FILE: %s; logging to stderr",
				 strerror(errno));
	}
	for (int i = 0; i < cfg->n_warnings; i++)
		emit_fmt(LOG_WARN, "%s", cfg->warnings[i]);
}

bool log_enabled(enum log_level level)
{
	return level <= config_get()->log_level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	pthread_once(&open_once, open_dest);
	va_start(ap, fmt);
	emit(level, fmt, ap);
	va_end(ap);
}

void log_force(const char *fmt, ...)
{
	va_list ap;

	pthread_once(&open_once, open_dest);
	va_start(ap, fmt);
	emit(LOG_INFO, fmt, ap);
	va_end(ap);
}

void log_once(enum log_once_id id, enum log_level level, const char *fmt, ...)
{
	va_list ap;
	unsigned bit = 1u << id;

	if (!log_enabled(level) || (atomic_fetch_or(&once_done, bit) & bit))
		return;
	pthread_once(&open_once, open_dest);
	va_start(ap, fmt);
	emit(level, fmt, ap);
	va_end(ap);
}
