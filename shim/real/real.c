/*
 * Finding the real libpq. RTLD_NEXT covers apps linked against libpq and
 * extensions loaded RTLD_GLOBAL. Python (psycopg2) and Perl (DBD::Pg) load
 * their extension RTLD_LOCAL: its calls still reach our definitions through
 * the global scope, but RTLD_NEXT sees no libpq. Then we walk the loaded
 * objects for one that defines PQprepare (binary wheels rename their libpq,
 * so no file name is assumed) and take every symbol from it.
 */
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "base/log.h"
#include "guard.h"
#include "real.h"

struct real_libpq real;
HOT_TLS unsigned guard_depth;

static pthread_mutex_t resolve_lock = PTHREAD_MUTEX_INITIALIZER;
_Atomic bool real_resolved;
static HOT_TLS bool resolving;

bool real_resolving(void)
{
	return resolving;
}

/* True when addr lies in the shim itself (a dlsym that found our own hook). */
static bool is_ours(void *addr)
{
	Dl_info self, other;

	if (!dladdr((void *)real_resolve, &self) || !dladdr(addr, &other))
		return false;
	return self.dli_fbase == other.dli_fbase;
}

static void *lookup(void *handle, const char *name)
{
	void *p = dlsym(handle, name);

	return (p && !is_ours(p)) ? p : NULL;
}

/*
 * Names are collected first and opened after the walk: dl_iterate_phdr holds
 * the loader's list lock, and dlopen inside its callback is not promised safe.
 */
#define WALK_MAX 512
#define WALK_BYTES 65536

struct walk {
	int n;
	size_t used;
	const char *name[WALK_MAX];
	char buf[WALK_BYTES];
};

static int walk_object(struct dl_phdr_info *info, size_t size, void *data)
{
	struct walk *w = data;
	size_t len;

	(void)size;
	if (!info->dlpi_name || !info->dlpi_name[0])
		return 0; /* the main program: already covered by RTLD_NEXT */
	len = strlen(info->dlpi_name) + 1;
	if (w->n == WALK_MAX || w->used + len > WALK_BYTES)
		return 1;
	memcpy(w->buf + w->used, info->dlpi_name, len);
	w->name[w->n++] = w->buf + w->used;
	w->used += len;
	return 0;
}

/* A handle on the loaded object that defines PQprepare, or NULL. */
static void *find_loaded_libpq(void)
{
	static struct walk w; /* 70 KB: not on the app's stack; used under resolve_lock */
	void *h, *p;

	w.n = 0;
	w.used = 0;
	dl_iterate_phdr(walk_object, &w);
	for (int i = 0; i < w.n; i++) {
		h = dlopen(w.name[i], RTLD_LAZY | RTLD_NOLOAD);
		if (!h)
			continue;
		p = dlsym(h, "PQprepare");
		if (p && !is_ours(p))
			return h; /* keep the reference: libpq stays loaded while we use it */
		dlclose(h);
	}
	return NULL;
}

static bool fill(void *handle)
{
	struct real_libpq t;
	bool ok = true;

	memset(&t, 0, sizeof(t));
#define REAL_REQ(ret, name, params, args) \
	*(void **)&t.name = lookup(handle, #name); \
	ok = ok && t.name != NULL;
#define REAL_OPT(ret, name, params, args) *(void **)&t.name = lookup(handle, #name);
	REAL_FUNCS(REAL_REQ, REAL_OPT)
#undef REAL_REQ
#undef REAL_OPT
	if (ok)
		real = t;
	return ok;
}

bool real_resolve(void)
{
	void *handle;
	bool ok;

	pthread_mutex_lock(&resolve_lock);
	resolving = true;
	ok = atomic_load_explicit(&real_resolved, memory_order_relaxed);
	if (!ok) {
		ok = fill(RTLD_NEXT);
		if (!ok) {
			handle = find_loaded_libpq();
			ok = handle && fill(handle);
		}
		if (ok)
			atomic_store_explicit(&real_resolved, true, memory_order_release);
		else
			log_once(LOG_ONCE_NO_LIBPQ, LOG_ERROR,
				 "no loaded libpq found; calls fail until one is loaded");
	}
	resolving = false;
	pthread_mutex_unlock(&resolve_lock);
	return ok;
}
