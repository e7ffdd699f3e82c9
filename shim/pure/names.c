/* Generated and content statement names; the formats and their length bounds live in names.h. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "names.h"
#include "sha256.h"

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

void names_copy_server(char out[STMT_NAME_MAX + 1], const char *name)
{
	size_t len = names_server_len(name);

	memcpy(out, name, len);
	out[len] = '\0';
}

void names_clip_ident(char *name)
{
	size_t n = strlen(name), k = n;
	unsigned char lead;

	if (n != STMT_NAME_MAX)
		return;
	while (k > 0 && ((unsigned char)name[k - 1] & 0xC0) == 0x80)
		k--;
	if (k == 0 || ((unsigned char)name[k - 1] & 0xC0) != 0xC0)
		return;
	lead = (unsigned char)name[k - 1];
	if (n - (k - 1) < (size_t)(lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2))
		name[k - 1] = '\0';
}

size_t names_raise_missing(const char *name, char *out, size_t size)
{
	static const char head[] = " BEGIN RAISE EXCEPTION USING ERRCODE = '26000', MESSAGE = "
				   "E'prepared statement \"";
	static const char tail[] = "\" does not exist'; END $";
	char tag[16] = "pqsh";
	size_t need, o, tl;

	for (int i = 0; strstr(name, tag) && i < 1000; i++)
		snprintf(tag, sizeof(tag), "pqsh%d", i);
	tl = strlen(tag);
	need = 4 + tl + 1 + (sizeof(head) - 1) + (sizeof(tail) - 1) + tl + 1;
	for (const char *p = name; *p; p++)
		need += (*p == '\'' || *p == '\\') ? 2 : 1;
	if (need >= size)
		return need;
	o = (size_t)sprintf(out, "DO $%s$%s", tag, head);
	for (const char *p = name; *p; p++) {
		if (*p == '\'' || *p == '\\')
			out[o++] = '\\';
		out[o++] = *p;
	}
	o += (size_t)sprintf(out + o, "%s%s$", tail, tag);
	return o;
}

_Static_assert(NAMES_CONTENT_LEN == sizeof(NAMES_CONTENT_PREFIX) - 1 + 32, "prefix + 32 hex digits");
_Static_assert(NAMES_CONTENT_LEN <= STMT_NAME_MAX, "a content name is never truncated");

static void put_be(struct sha256 *c, uint64_t v, int bytes)
{
	unsigned char b[8];

	for (int i = 0; i < bytes; i++)
		b[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
	sha256_update(c, b, (size_t)bytes);
}

void names_content(char out[NAMES_CONTENT_LEN + 1], const char *text, size_t len, int nparams,
		   const unsigned int *types)
{
	static const char hex[] = "0123456789abcdef";
	static const char version[] = "pqshim-pooled-v1"; /* hashed with its NUL */
	const size_t plen = sizeof(NAMES_CONTENT_PREFIX) - 1;
	unsigned char d[SHA256_LEN];
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, version, sizeof(version));
	put_be(&c, len, 8);
	sha256_update(&c, text, len);
	put_be(&c, (uint32_t)nparams, 4);
	for (int i = 0; i < nparams; i++)
		put_be(&c, types ? types[i] : 0, 4);
	sha256_final(&c, d);

	memcpy(out, NAMES_CONTENT_PREFIX, plen);
	for (size_t i = 0; i < 16; i++) {
		out[plen + 2 * i] = hex[d[i] >> 4];
		out[plen + 2 * i + 1] = hex[d[i] & 15];
	}
	out[NAMES_CONTENT_LEN] = '\0';
}

bool names_is_content(const char *name)
{
	const size_t plen = sizeof(NAMES_CONTENT_PREFIX) - 1;

	if (strncmp(name, NAMES_CONTENT_PREFIX, plen) != 0)
		return false;
	for (size_t i = plen; i < NAMES_CONTENT_LEN; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return name[NAMES_CONTENT_LEN] == '\0';
}
