/*
 * pqtest: runs one integration case by name (`pqtest NAME`), or lists them
 * (`pqtest --list`: name, whether it must fail without the shim, what it proves).
 */
#include <stdlib.h>
#include <string.h>

#include "cases.h"

static const struct pqt_case *const *groups[] = { cases_prepare_list, cases_sql_list,
						  cases_async_list, cases_conn_list,
						  cases_unnamed_list, cases_edges_list,
						  cases_conninfo_list, cases_pooled_list,
						  cases_pooled_sql_list, cases_blocks_list,
						  cases_heal_list, cases_auto_list };

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
			for (const struct pqt_case *const *c = groups[g]; *c; c++)
				printf("%s %s %s\n", (*c)->name,
				       pqt_kind_name((*c)->fails_without_shim), (*c)->doc);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: pqtest --list | pqtest CASE\n");
		return 2;
	}
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (const struct pqt_case *const *c = groups[g]; *c; c++)
			if (strcmp((*c)->name, argv[1]) == 0)
				return (*c)->run() == 0 ? 0 : 1;
	fprintf(stderr, "no case %s\n", argv[1]);
	return 2;
}
