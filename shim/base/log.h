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

/* Things logged at most once per process: one id per message. */
enum log_once_id {
	LOG_ONCE_NO_LIBPQ,          /* no loaded libpq found */
	LOG_ONCE_NO_MEMORY_PASS,    /* out of memory: a call passed through untouched */
	LOG_ONCE_NO_MEMORY_RECORD,  /* out of memory: a statement not recorded */
	LOG_ONCE_NO_MEMORY_TRACK,   /* out of memory: pipeline results not tracked */
	LOG_ONCE_IN_BLOCK_HINT,     /* a 42P05 inside a block, passed to the app */
	LOG_ONCE_QUEUE_LOST,        /* results no longer match the commands sent */
	LOG_ONCE_PIPELINE_LEAVE,    /* the shim's own pipeline could not be left */
	LOG_ONCE_SINGLE_ROW_AGAIN,  /* single-row mode could not be asked again for a retry */
	LOG_ONCE_BLOCK_MISSING,     /* a block's server connection lacked a statement it was said to have */
	LOG_ONCE_SQL_OVERFLOW,      /* a SQL text with too many references passed untracked */
	LOG_ONCE_AHEAD_OVERFLOW,    /* a SQL text planned without the pipeline's commands ahead */
	LOG_ONCE_ACTIVE,            /* the shim is active, in which mode */
	LOG_ONCE_DLSYM,             /* dlsym(handle) answered with the shim's functions */
	LOG_ONCE_DEEPBIND,          /* RTLD_DEEPBIND dropped for a libpq user */
	LOG_ONCE_AUTO_SWITCH,       /* auto mode saw a transaction pooler */
	LOG_ONCE_BUSY,              /* a command refused while the shim's pipeline runs */
	LOG_ONCE_CANCELS_FULL,      /* more cancel handles at once than the table holds */
	LOG_ONCE_POOLER_UNKNOWN,    /* auto mode could not tell what is in front */
	LOG_ONCE_STATS_DIR,         /* the live statistics file could not be written */
	LOG_ONCE_THROWAWAY_LEFT,    /* a throwaway statement stayed on a server connection */
	LOG_ONCE_COUNT
};

_Static_assert(LOG_ONCE_COUNT <= 32, "the once-bits fit one atomic word");

bool log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logged whatever PQSHIM_LOG says (the exit report the user asked for). */
void log_force(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_once(enum log_once_id id, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
