/*
 * Describing a statement the shim recorded only as a text (unnamed and
 * pooled mode): Parse of the unnamed statement + Describe of it under one
 * Sync, so a pooler cannot put the two on different server connections.
 */
#ifndef PQSHIM_DESCRIBE_H
#define PQSHIM_DESCRIBE_H

#include "conn/conn.h"
#include "policy.h"

/* Sends the bundle for text t: 1 sent, 0 failed, -1 no pipelines in this libpq. */
int describe_send_unnamed(struct conn_state *cs, const struct prep_inflight *t);
/* Without pipelines: Parse, then Describe, two round trips (a blocking call). */
PGresult *describe_unnamed_twice(struct conn_state *cs, const struct prep_inflight *t);

#endif
