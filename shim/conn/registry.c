/* PGconn* -> connection state; see conn.h for the locking rules. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "conn.h"
#include "real/guard.h"
#include "base/log.h"
#include "base/stats.h"
#include "names.h"
#include "real/real.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn_state *map;
static atomic_ulong epoch = 1;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* a small per-thread cache: threads with several connections (pgbench -j) stay lock-free */
#define CACHE_BITS 5
static HOT_TLS struct cache_slot {
	PGconn *conn;
	struct conn_state *state;
	unsigned long epoch;
} cache[1u << CACHE_BITS];

static inline struct cache_slot *slot_for(PGconn *conn)
{
	return &cache[((uintptr_t)conn * 0x9E3779B97F4A7C15ull) >> (64 - CACHE_BITS)];
}

static void clear_result(PGresult *r)
{
	CALL_REAL_VOID(real.PQclear(r));
}

void conn_state_reset(struct conn_state *cs)
{
	stmt_table_clear(&cs->stmts);
	content_table_clear(&cs->contents);
	pending_clear(&cs->q, clear_result);
	if (cs->has_stash && cs->stash)
		clear_result(cs->stash);
	cs->stash = NULL;
	cs->has_stash = false;
	if (cs->bundle_error)
		clear_result(cs->bundle_error);
	cs->bundle_error = NULL;
	cs->private_pipeline = false;
	cs->block_known = false;
	conn_keep_error(cs, NULL);
}

void conn_keep_error(struct conn_state *cs, const char *msg)
{
	size_t n;

	free(cs->err_msg);
	cs->err_msg = NULL;
	if (msg && (n = strlen(msg)) > 0 && (cs->err_msg = shim_malloc(n + 1)))
		memcpy(cs->err_msg, msg, n + 1);
}

void conn_set_mode(struct conn_state *cs, enum shim_mode mode)
{
	cs->auto_pooled = mode == MODE_AUTO;
	cs->mode = mode == MODE_AUTO ? MODE_DEDUPE : mode;
}

void conn_switch_pooled(struct conn_state *cs, const char *evidence, const char *name)
{
	if (!cs->auto_pooled)
		return;
	cs->auto_pooled = false;
	cs->mode = MODE_POOLED;
	stmt_table_make_virtual(&cs->stmts);
	stats_add(ST_SWITCHED);
	log_once(LOG_ONCE_AUTO_SWITCH, LOG_WARN,
		 "auto mode: a transaction pooler shares this connection's server connections "
		 "(%s for statement \"%.63s\"); pooled mode from now on (logged once per process)",
		 evidence, name);
	log_msg(LOG_DEBUG, "auto mode: connection %p now in pooled mode (%s for \"%.63s\")",
		(void *)cs->conn, evidence, name);
}

/* fork: the child gets the map in a consistent state and new generated names */
static void before_fork(void)
{
	pthread_mutex_lock(&lock);
}

static void after_fork_parent(void)
{
	pthread_mutex_unlock(&lock);
}

static void after_fork_child(void)
{
	pthread_mutex_unlock(&lock);
	atomic_fetch_add(&epoch, 1);
	names_reseed();
}

static void install_atfork(void)
{
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

static struct conn_state *find_locked(PGconn *conn)
{
	struct conn_state *cs;

	HASH_FIND_PTR(map, &conn, cs);
	return cs;
}

static struct conn_state *lookup(PGconn *conn, bool create)
{
	unsigned long e = atomic_load_explicit(&epoch, memory_order_acquire);
	struct cache_slot *c = slot_for(conn);
	struct conn_state *cs;

	if (c->conn == conn && c->epoch == e && (c->state || !create))
		return c->state;
	pthread_once(&atfork_once, install_atfork);
	pthread_mutex_lock(&lock);
	cs = find_locked(conn);
	if (!cs && create) {
		cs = shim_calloc(1, sizeof(*cs));
		if (cs) {
			cs->conn = conn;
			conn_set_mode(cs, config_get()->mode);
			stmt_table_init(&cs->stmts);
			content_table_init(&cs->contents);
			if (!UTHASH_ADD_OK(HASH_ADD_PTR(map, conn, cs))) {
				free(cs);
				cs = NULL;
			} else {
				atomic_fetch_add_explicit(&epoch, 1, memory_order_release);
			}
		}
		if (!cs)
			log_once(LOG_ONCE_NO_MEMORY, LOG_WARN,
				 "out of memory: passing calls through untouched");
		else
			log_once(LOG_ONCE_ACTIVE, LOG_INFO, "active; %s mode (%s)",
				 config_mode_name(cs->mode), config_get()->mode_source);
	}
	c->conn = conn;
	c->state = cs;
	c->epoch = atomic_load_explicit(&epoch, memory_order_relaxed);
	pthread_mutex_unlock(&lock);
	return cs;
}

struct conn_state *registry_find(PGconn *conn)
{
	return conn ? lookup(conn, false) : NULL;
}

struct conn_state *registry_get(PGconn *conn)
{
	return conn ? lookup(conn, true) : NULL;
}

void registry_new_session(PGconn *conn)
{
	struct conn_state *cs = registry_find(conn);

	if (cs)
		conn_state_reset(cs);
}

void registry_drop(PGconn *conn)
{
	struct conn_state *cs;

	if (!conn)
		return;
	pthread_mutex_lock(&lock);
	cs = find_locked(conn);
	if (cs) {
		HASH_DEL(map, cs);
		atomic_fetch_add_explicit(&epoch, 1, memory_order_release);
	}
	pthread_mutex_unlock(&lock);
	if (cs) {
		conn_state_reset(cs);
		free(cs);
	}
}
