/*
 * The one way unit tests run their suite: each failure on a line of its own
 * (file:line: test: message), then "<suite>: N passed, N failed"; exit
 * status 1 on any failure. PQSHIM_TEST_VERBOSE=1 shows Check's own report.
 */
#ifndef PQSHIM_CHECK_MAIN_H
#define PQSHIM_CHECK_MAIN_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

static inline int run_suite(Suite *s, const char *name)
{
	const char *v = getenv("PQSHIM_TEST_VERBOSE");
	SRunner *sr = srunner_create(s);
	TestResult **failures;
	int run, failed;

	srunner_run_all(sr, v && v[0] == '1' ? CK_NORMAL : CK_SILENT);
	run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	failures = srunner_failures(sr);
	for (int i = 0; i < failed; i++)
		printf("FAIL %s:%d: %s: %s\n", tr_lfile(failures[i]), tr_lno(failures[i]),
		       tr_tcname(failures[i]), tr_msg(failures[i]));
	free(failures);
	printf("%s: %d passed, %d failed\n", name, run - failed, failed);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
