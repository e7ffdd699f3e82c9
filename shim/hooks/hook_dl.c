/*
 * Reaching libpq users that plain LD_PRELOAD does not reach:
 * - PHP loads pdo_pgsql/pgsql with RTLD_DEEPBIND, so they bind to their own
 *   libpq first: for objects whose DT_NEEDED includes libpq (and only those)
 *   the flag is dropped, and their calls reach the shim like everyone's;
 * - psycopg 3 (ctypes) does dlsym(handle, "PQprepare") on its libpq handle,
 *   which never searches the preloaded shim: for the functions the shim
 *   replaces, when the handle's answer is the very libpq the shim uses, the
 *   shim's definition is returned instead.
 * Everything else is forwarded untouched by the stubs in dl_tramp_*.S, which
 * keep the caller's identity. PQSHIM_HOOK_DLOPEN=0 / PQSHIM_HOOK_DLSYM=0 turn
 * either off.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "real/compat.h"
#include "elf_needed.h"
#include "base/log.h"
#include "real/real.h"

/* read by the stubs */
void *pqshim_real_dlsym;
void *pqshim_real_dlopen;

void *pqshim_dlsym_decide(void *handle, const char *name, void *caller);
int pqshim_dlopen_mode(const char *file, int mode);

/*
 * No locks and no pthread calls: the first dlsym may come from a sanitizer's
 * own start-up (ThreadSanitizer looks up mmap before it can run anything),
 * before any interceptor works. Racing threads store the same values.
 */
static void init(void)
{
	/* dlvsym is not ours: RTLD_NEXT from here is libc's own dlsym */
	static const char *const versions[] = { "GLIBC_2.34", "GLIBC_2.2.5", "GLIBC_2.17" };
	void *(*real_dlsym)(void *, const char *) = NULL;
	void *found = NULL;

	if (__atomic_load_n(&pqshim_real_dlopen, __ATOMIC_ACQUIRE))
		return;
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]) && !found; i++)
		found = dlvsym(RTLD_NEXT, "dlsym", versions[i]);
	*(void **)&real_dlsym = found;
	__atomic_store_n(&pqshim_real_dlsym, found, __ATOMIC_RELEASE);
	if (real_dlsym)
		__atomic_store_n(&pqshim_real_dlopen, real_dlsym(RTLD_NEXT, "dlopen"),
				 __ATOMIC_RELEASE);
}

/* The shim's definition and the real table's entry, by name. */
struct replaced {
	const char *name;
	size_t real_off;
};

static const struct replaced replaced[] = {
#define REPLACED(ret, name, params, args) { #name, offsetof(struct real_libpq, name) },
	REAL_FUNCS(REPLACED, REPLACED)
#undef REPLACED
};

/* Our exported definition of name, when we export one (found like the app would). */
static void *our_definition(const char *name)
{
	void *(*real_dlsym)(void *, const char *);
	void *ours;
	Dl_info self, where;

	*(void **)&real_dlsym = pqshim_real_dlsym;
	ours = real_dlsym(RTLD_DEFAULT, name);
	if (!ours || !dladdr((void *)init, &self) || !dladdr(ours, &where) ||
	    self.dli_fbase != where.dli_fbase)
		return NULL;
	return ours;
}

void *pqshim_dlsym_decide(void *handle, const char *name, void *caller)
{
	void *(*real_dlsym)(void *, const char *);
	void *theirs;

	(void)caller;
	init();
	if (handle == RTLD_NEXT || handle == RTLD_DEFAULT || !name || name[0] != 'P' ||
	    name[1] != 'Q' || real_resolving() || !config_get()->hook_dlsym)
		return NULL;
	for (size_t i = 0; i < sizeof(replaced) / sizeof(replaced[0]); i++) {
		if (strcmp(replaced[i].name, name) != 0)
			continue;
		*(void **)&real_dlsym = pqshim_real_dlsym;
		theirs = real_dlsym(handle, name);
		/* only for the libpq the shim itself calls: never mix two copies */
		if (!theirs || !real_ready() ||
		    theirs != *(void **)((char *)&real + replaced[i].real_off))
			return NULL;
		log_once(LOG_ONCE_DLSYM, LOG_INFO,
			 "libpq functions looked up with dlsym (ctypes, psycopg 3): answered with the shim's");
		return our_definition(name);
	}
	return NULL;
}

int pqshim_dlopen_mode(const char *file, int mode)
{
	init();
	if (!(mode & RTLD_DEEPBIND) || !file || !strchr(file, '/') || !config_get()->hook_dlopen ||
	    !elf_needs(file, "libpq.so"))
		return mode;
	log_once(LOG_ONCE_DEEPBIND, LOG_INFO,
		 "loading %s without RTLD_DEEPBIND so its libpq calls reach the shim", file);
	return mode & ~RTLD_DEEPBIND;
}
