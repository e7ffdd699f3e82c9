/*
 * SHA-256 (FIPS 180-4), incremental: init, any number of updates, final.
 *
 * Invariants: pure C, no allocation, no global state, no libpq; the same
 * bytes give the same digest however they are split across updates. A
 * context is one message: after sha256_final it must be re-initialized.
 * Messages are limited to 2^64 - 1 bits, as in the standard.
 */
#ifndef PQSHIM_SHA256_H
#define PQSHIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];          /* intermediate hash value H(i) */
	uint64_t len;           /* message bytes seen so far */
	unsigned char buf[64];  /* the current, incomplete block */
	size_t used;            /* bytes in buf, always < 64 between calls */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Pads, writes the 32-byte digest (big-endian words) to out. */
void sha256_final(struct sha256 *c, unsigned char out[SHA256_LEN]);

#endif
