/*
 * Loads ext_local.so the way interpreters load their database extensions and
 * runs it: `local` with RTLD_LOCAL (python, perl), `deepbind` with
 * RTLD_LAZY|RTLD_GLOBAL|RTLD_DEEPBIND (PHP).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	int deepbind = argc > 1 && strcmp(argv[1], "deepbind") == 0;
	const char *dir = getenv("PQT_BIN_DIR"), *dsn = getenv("PQT_DSN");
	char path[1024];
	void *h;
	int (*run)(const char *);

	if (!dir || !dsn)
		return 2;
	snprintf(path, sizeof(path), "%s/ext_local.so", dir);
	h = dlopen(path, deepbind ? RTLD_LAZY | RTLD_GLOBAL | RTLD_DEEPBIND : RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "  dlopen: %s\n", dlerror());
		return 2;
	}
	*(void **)&run = dlsym(h, "ext_run");
	if (!run)
		return 2;
	if (!deepbind && dlsym(RTLD_DEFAULT, "PQlibVersion")) {
		fprintf(stderr, "  libpq is globally visible: the test proves nothing\n");
		return 2;
	}
	return run(dsn) == 0 ? 0 : 1;
}
