/* The app's parameters; see params.h. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "params.h"

const Oid *params_pad_types(const Oid *types, int nparams, int n, struct types_buf *b)
{
	Oid *out;

	b->heap = NULL;
	if (!types || n <= nparams || n > 65535)
		return types; /* out of range: libpq refuses it before reading any type */
	out = n <= 32 ? b->small : (b->heap = shim_calloc((size_t)n, sizeof(Oid)));
	if (!out)
		return NULL; /* no memory: let the server infer every type */
	memset(out, 0, sizeof(Oid) * (size_t)n);
	memcpy(out, types, sizeof(Oid) * (size_t)nparams);
	return out;
}

/* The bytes of parameter i (binary: its length; text: up to its NUL, kept). */
static size_t param_size(const struct params *p, int i)
{
	if (!p->values[i])
		return 0;
	if (p->formats && p->formats[i])
		return p->lengths && p->lengths[i] > 0 ? (size_t)p->lengths[i] : 0;
	return strlen(p->values[i]) + 1;
}

bool params_copy(struct params *p)
{
	size_t n = p->n > 0 ? (size_t)p->n : 0, total, off;
	char **values;
	int *lengths, *formats;
	char *data;

	if (n == 0 || !p->values) {
		p->values = NULL;
		p->lengths = p->formats = NULL;
		return true;
	}
	total = n * (sizeof(char *) + 2 * sizeof(int));
	for (size_t i = 0; i < n; i++)
		total += param_size(p, (int)i);
	if (!(p->owned = shim_malloc(total)))
		return false;
	values = p->owned;
	lengths = (int *)(values + n);
	formats = lengths + n;
	data = (char *)(formats + n);
	off = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = param_size(p, (int)i);

		lengths[i] = p->lengths ? p->lengths[i] : 0;
		formats[i] = p->formats ? p->formats[i] : 0;
		values[i] = p->values[i] ? memcpy(data + off, p->values[i], len) : NULL;
		off += len;
	}
	p->values = (const char *const *)values;
	p->lengths = lengths;
	p->formats = formats;
	return true;
}

void params_release(struct params *p)
{
	free(p->owned);
	p->owned = NULL;
}
