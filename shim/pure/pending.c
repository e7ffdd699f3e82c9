/* The pending-operation FIFO; see pending.h. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "pending.h"

struct op *op_new(enum op_kind kind)
{
	struct op *op = shim_calloc(1, sizeof(*op));

	if (op)
		op->kind = kind;
	return op;
}

bool op_set_statement(struct op *op, const char *query, int nparams, const Oid *types)
{
	size_t len = strlen(query) + 1;

	op->query = shim_malloc(len);
	if (!op->query)
		return false;
	memcpy(op->query, query, len);
	op->nparams = nparams;
	if (types && nparams > 0) {
		op->types = shim_malloc(sizeof(Oid) * (size_t)nparams);
		if (!op->types)
			return false;
		memcpy(op->types, types, sizeof(Oid) * (size_t)nparams);
	}
	return true;
}

void op_free(struct op *op, void (*clear_result)(PGresult *))
{
	if (!op)
		return;
	if (op->held && clear_result)
		clear_result(op->held);
	free(op->query);
	free(op->types);
	if (op->plan) {
		sql_plan_release(op->plan);
		free(op->plan);
	}
	free(op->sql);
	if (op->x.hidden_err && clear_result)
		clear_result(op->x.hidden_err);
	params_release(&op->x.p);
	free(op);
}

void pending_push(struct pending *q, struct op *op)
{
	op->next = NULL;
	if (q->tail)
		q->tail->next = op;
	else
		q->head = op;
	q->tail = op;
}

void pending_pop(struct pending *q, void (*clear_result)(PGresult *))
{
	struct op *op = q->head;

	if (!op)
		return;
	q->head = op->next;
	if (!q->head)
		q->tail = NULL;
	op_free(op, clear_result);
}

void pending_clear(struct pending *q, void (*clear_result)(PGresult *))
{
	while (q->head)
		pending_pop(q, clear_result);
}
