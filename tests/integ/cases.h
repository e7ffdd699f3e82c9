/* The groups of integration cases, each a NULL-terminated list. */
#ifndef PQTEST_CASES_H
#define PQTEST_CASES_H

#include "pqtest.h"

extern const struct pqt_case *const cases_prepare_list[];
extern const struct pqt_case *const cases_sql_list[];
extern const struct pqt_case *const cases_async_list[];
extern const struct pqt_case *const cases_conn_list[];
extern const struct pqt_case *const cases_unnamed_list[];
extern const struct pqt_case *const cases_edges_list[];
extern const struct pqt_case *const cases_conninfo_list[];
extern const struct pqt_case *const cases_pooled_list[];
extern const struct pqt_case *const cases_pooled_sql_list[];
extern const struct pqt_case *const cases_blocks_list[];
extern const struct pqt_case *const cases_heal_list[];
extern const struct pqt_case *const cases_auto_list[];

#define PQT_CASE(id, fix, text) \
	static int id(void); \
	static const struct pqt_case id##_case = { #id, id, fix, text }

#endif
