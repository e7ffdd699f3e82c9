/* Generated statement names; the format and its length bound live in names.h. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "names.h"

static atomic_uint_fast32_t proc_tag;
static atomic_uint_fast64_t next_seq = 1;

void names_format(char *out, uint32_t tag, uint64_t seq)
{
	snprintf(out, NAMES_MAX_LEN + 1, NAMES_PREFIX "%08x_%llx", (unsigned)tag,
		 (unsigned long long)seq);
}

bool names_is_generated(const char *name)
{
	return strncmp(name, NAMES_PREFIX, sizeof(NAMES_PREFIX) - 1) == 0;
}

static uint32_t fresh_tag(void)
{
	uint32_t t = 0;
	struct timespec ts;

	if (getrandom(&t, sizeof(t), GRND_NONBLOCK) != (ssize_t)sizeof(t)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		t = (uint32_t)getpid() * 2654435761u ^ (uint32_t)ts.tv_nsec;
	}
	return t ? t : 1; /* 0 means "not chosen yet" */
}

static uint32_t tag(void)
{
	uint_fast32_t t = atomic_load(&proc_tag);
	uint_fast32_t want;

	if (t)
		return (uint32_t)t;
	want = fresh_tag();
	if (!atomic_compare_exchange_strong(&proc_tag, &t, want))
		return (uint32_t)t;
	return (uint32_t)want;
}

bool names_next(char *out, bool (*taken)(const char *name, void *arg), void *arg)
{
	for (int tries = 0; tries < 8; tries++) {
		names_format(out, tag(), atomic_fetch_add(&next_seq, 1));
		if (!taken || !taken(out, arg))
			return true;
	}
	return false;
}

void names_reseed(void)
{
	atomic_store(&proc_tag, fresh_tag());
	atomic_store(&next_seq, 1);
}

size_t names_server_len(const char *name)
{
	return strnlen(name, STMT_NAME_MAX);
}
