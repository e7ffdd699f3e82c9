/*
 * Another interposer preloaded after the shim, written the usual way: its
 * getpid finds the next definition with dlsym(RTLD_NEXT). If the shim's
 * dlsym forwarded without the caller's identity, "next" would be counted
 * from the shim and this would find itself.
 */
#include <dlfcn.h>
#include <sys/types.h>
#include <unistd.h>

int interpose_calls;

pid_t getpid(void)
{
	pid_t (*next)(void);

	*(void **)&next = dlsym(RTLD_NEXT, "getpid");
	interpose_calls++;
	return next && (void *)next != (void *)getpid ? next() : -1;
}
