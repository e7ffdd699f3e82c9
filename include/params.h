/*
 * The app's extended-protocol parameters (PQexecPrepared, PQexecParams and
 * their PQsend* forms), passed along unchanged, and the two things the shim
 * ever does with them: pad a recorded statement's types to the number of
 * values given, and keep a copy for a command it may send again later.
 *
 * Invariants: pure (no libpq calls); values, lengths and formats are never
 * changed or reordered;
 * a copy holds every byte libpq would send (binary: its length; text: up to
 * its NUL) in one allocation, freed with params_release.
 */
#ifndef PQSHIM_PARAMS_H
#define PQSHIM_PARAMS_H

#include <stdbool.h>
#include <libpq-fe.h>

struct params {
	int n;
	const Oid *types;
	const char *const *values;
	const int *lengths;
	const int *formats;
	int result_format;
	void *owned; /* params_copy's allocation, or NULL: the arrays are borrowed */
};

/*
 * Parameter types for running a recorded text of nparams parameters with n
 * values: the recorded ones, padded with 0 (unspecified) when the call passes
 * more. Out of range (n > 65535): types as they are, libpq refuses the call.
 */
struct types_buf {
	Oid small[32];
	Oid *heap; /* to free */
};
const Oid *params_pad_types(const Oid *types, int nparams, int n, struct types_buf *b);

/* Makes p own a copy of its values, lengths and formats; false on no memory (p unchanged). */
bool params_copy(struct params *p);
void params_release(struct params *p);

#endif
