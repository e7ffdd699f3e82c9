/*
 * Logging: one line per message, "pqshim[pid]: level: text", written with a
 * single write() so lines from several threads or processes never interleave.
 * Callers never pass passwords or parameter values; statement names and
 * (short prefixes of) query texts are allowed.
 */
#ifndef PQSHIM_LOG_H
#define PQSHIM_LOG_H

#include <stdbool.h>
#include "config.h"

/* Things logged at most once per process. */
enum log_once_id {
	LOG_ONCE_NO_LIBPQ,
	LOG_ONCE_NO_MEMORY,
	LOG_ONCE_IN_BLOCK_HINT,
	LOG_ONCE_QUEUE_LOST,
	LOG_ONCE_SQL_OVERFLOW,
	LOG_ONCE_ACTIVE,
	LOG_ONCE_DLSYM,
	LOG_ONCE_DEEPBIND,
	LOG_ONCE_AUTO_SWITCH,
	LOG_ONCE_BUSY,
	LOG_ONCE_COUNT
};

bool log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logged whatever PQSHIM_LOG says (the exit report the user asked for). */
void log_force(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_once(enum log_once_id id, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
