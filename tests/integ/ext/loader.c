/* A library with RUNPATH $ORIGIN/plugins that dlopens a plugin by relative name. */
#include <dlfcn.h>

int loader_open(void);

int loader_open(void)
{
	void *h = dlopen("libplugin.so", RTLD_NOW);
	int (*value)(void);

	if (!h)
		return -1;
	*(void **)&value = dlsym(h, "plugin_value");
	return value ? value() : -2;
}
