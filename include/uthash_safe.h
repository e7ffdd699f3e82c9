/*
 * uthash, configured for a library inside someone else's process: out of
 * memory never exits; an add that could not allocate leaves the table as it
 * was and sets uthash_oom, which the caller checks (see UTHASH_ADD_OK).
 */
#ifndef PQSHIM_UTHASH_SAFE_H
#define PQSHIM_UTHASH_SAFE_H

#include <stdbool.h>

#include "hot_tls.h"

extern HOT_TLS bool uthash_oom;

#include "alloc.h"

#define HASH_NONFATAL_OOM 1
#define uthash_malloc(sz) shim_malloc(sz)
#define uthash_nonfatal_oom(obj) (uthash_oom = true)
#include <uthash.h>

/* Runs an add statement; evaluates to true when the element went in. */
#define UTHASH_ADD_OK(add_stmt) \
	({ \
		uthash_oom = false; \
		add_stmt; \
		!uthash_oom; \
	})

#endif
