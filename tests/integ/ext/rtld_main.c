/* Loads ext_local.so with RTLD_LOCAL (like python and perl do) and runs it. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	const char *dir = getenv("PQT_BIN_DIR"), *dsn = getenv("PQT_DSN");
	char path[1024];
	void *h;
	int (*run)(const char *);

	if (!dir || !dsn)
		return 2;
	snprintf(path, sizeof(path), "%s/ext_local.so", dir);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "  dlopen: %s\n", dlerror());
		return 2;
	}
	*(void **)&run = dlsym(h, "ext_run");
	if (!run)
		return 2;
	if (dlsym(RTLD_DEFAULT, "PQlibVersion")) {
		fprintf(stderr, "  libpq is globally visible: the test proves nothing\n");
		return 2;
	}
	return run(dsn) == 0 ? 0 : 1;
}
