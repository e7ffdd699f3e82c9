/* PGconn* -> connection state; see registry.h for the locking rules. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/log.h"
#include "hot_tls.h"
#include "names.h"
#include "registry.h"

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

/* A new state for conn in the map (the lock held); NULL on no memory. */
static struct conn_state *add_locked(PGconn *conn)
{
	struct conn_state *cs = conn_new(conn);

	if (cs && !UTHASH_ADD_OK(HASH_ADD_PTR(map, conn, cs))) {
		conn_free(cs);
		cs = NULL;
	}
	if (!cs) {
		log_once(LOG_ONCE_NO_MEMORY_PASS, LOG_WARN,
			 "out of memory: passing calls through untouched");
		return NULL;
	}
	atomic_fetch_add_explicit(&epoch, 1, memory_order_release);
	/* the configured mode: in auto mode the working one is only known after
	 * the connection's look at what is in front (logged then) */
	log_once(LOG_ONCE_ACTIVE, LOG_INFO, "active; %s mode (%s)%s",
		 config_mode_name(cs->configured), config_get()->mode_source,
		 cs->decided ? "" : ", decided for each connection when it is made");
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
	if (!cs && create)
		cs = add_locked(conn);
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
		conn_reset(cs);
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
	if (cs)
		conn_free(cs);
}
