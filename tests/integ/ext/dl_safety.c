/*
 * The shim's dlopen and dlsym must leave everyone else's alone: another
 * preloaded interposer still reaches the next getpid, a library's RUNPATH
 * still finds its plugin by relative name, and an object loaded with
 * RTLD_DEEPBIND that has nothing to do with libpq keeps DEEPBIND.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int shared_fn(void);

int shared_fn(void)
{
	return 1;
}

int main(void)
{
	const char *dir = getenv("PQT_BIN_DIR");
	char path[1024];
	void *h;
	int (*fn)(void);
	int failed = 0;

	if (getpid() != (pid_t)syscall(SYS_getpid)) {
		fprintf(stderr, "  getpid through the other interposer: %d\n", (int)getpid());
		failed++;
	}
	snprintf(path, sizeof(path), "%s/libloader.so", dir ? dir : ".");
	h = dlopen(path, RTLD_NOW);
	*(void **)&fn = h ? dlsym(h, "loader_open") : NULL;
	if (!fn || fn() != 42) {
		fprintf(stderr, "  RUNPATH plugin: %d (%s)\n", fn ? fn() : -9, dlerror());
		failed++;
	}
	snprintf(path, sizeof(path), "%s/libdeep.so", dir ? dir : ".");
	h = dlopen(path, RTLD_NOW | RTLD_DEEPBIND);
	*(void **)&fn = h ? dlsym(h, "deep_call") : NULL;
	if (!fn || fn() != 2) {
		fprintf(stderr, "  RTLD_DEEPBIND object bound to %d, expected its own 2\n", fn ? fn() : -9);
		failed++;
	}
	return failed ? 1 : 0;
}
