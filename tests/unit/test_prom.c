/* Unit tests: the live statistics file's Prometheus text (prom.h). */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"

#include "prom.h"

START_TEST(label_values_escaped_and_valid_utf8)
{
	char out[PROM_VALUE_MAX * 2 + 1], big[400];

	ck_assert_str_eq(prom_escape(out, sizeof(out), "a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
	ck_assert_str_eq(prom_escape(out, sizeof(out), NULL), "");
	/* LATIN1 bytes in a database name: the collector would reject the whole file */
	ck_assert_str_eq(prom_escape(out, sizeof(out), "caf\xe9/db"), "caf?/db");
	ck_assert_str_eq(prom_escape(out, sizeof(out), "caf\xc3\xa9"), "caf\xc3\xa9");
	ck_assert_str_eq(prom_escape(out, sizeof(out), "\xed\xa0\x80"), "???"); /* a surrogate */
	/* cut at PROM_VALUE_MAX bytes, never inside a character */
	memset(big, 'x', sizeof(big));
	big[PROM_VALUE_MAX - 1] = '\xc3';
	big[PROM_VALUE_MAX] = '\xa9';
	big[sizeof(big) - 1] = '\0';
	prom_escape(out, sizeof(out), big);
	ck_assert_uint_eq(strlen(out), PROM_VALUE_MAX - 1);
	/* a small buffer cuts too, and terminates */
	ck_assert_str_eq(prom_escape(out, 4, "abcdef"), "abc");
	ck_assert_str_eq(prom_escape(out, 3, "\"\"\""), "\\\"");
}
END_TEST

static const struct prom_proc proc = { 4242, "0.1.0", "auto", 1796243193490LL, 1796243195021LL };

START_TEST(render_parses_back)
{
	struct prom_series s[2] = { { "auto", "pooled", "127.0.0.1:6432/app", { 0 } },
				    { "auto", "dedupe", "/run/postgresql:5432/x\"y", { 0 } } };
	static char buf[65536];
	struct prom_sample smp;
	size_t len;
	int samples = 0, helps = 0, by_name = -1;
	char *line, *save;

	s[0].c[ST_BY_NAME] = 12345678901ULL;
	s[1].c[ST_SESSIONS] = 2;
	len = prom_render(buf, sizeof(buf), &proc, s, 2);
	ck_assert_uint_gt(len, 0);
	ck_assert_uint_eq(strlen(buf), len);
	ck_assert(strstr(buf, "pqshim_process_start_time_seconds{pid=\"4242\"} 1796243193.490\n"));
	ck_assert(strstr(buf, "pqshim_last_update_timestamp_seconds{pid=\"4242\"} 1796243195.021\n"));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int rc = prom_parse_line(line, &smp);

		ck_assert_msg(rc >= 0, "malformed: %s", line);
		helps += strncmp(line, "# HELP ", 7) == 0;
		if (rc == 1) {
			samples++;
			ck_assert_str_eq(prom_label(&smp, "pid"), "4242");
			if (!strcmp(smp.name, "pqshim_pooled_by_name_total") &&
			    !strcmp(prom_label(&smp, "mode"), "pooled"))
				by_name = (int)(smp.value == 12345678901.0);
			if (!strcmp(prom_label(&smp, "mode") ? prom_label(&smp, "mode") : "", "dedupe"))
				ck_assert_str_eq(prom_label(&smp, "target"), "/run/postgresql:5432/x\"y");
		}
	}
	ck_assert_int_eq(helps, 3 + ST_COUNT);
	ck_assert_int_eq(samples, 3 + 2 * ST_COUNT);
	ck_assert_int_eq(by_name, 1);
}
END_TEST

START_TEST(same_labels_summed_once)
{
	struct prom_series s[3] = { { "auto", "pooled", "h:1/d", { 0 } },
				    { "auto", "dedupe", "h:1/d", { 0 } },
				    { "auto", "pooled", "h:1/d", { 0 } } };
	static char buf[65536];
	const char *p;
	int n = 0;

	s[0].c[ST_RETRIED] = 2;
	s[2].c[ST_RETRIED] = 3;
	/* LATIN1 names that both escape to "caf?": one label set, summed */
	s[1].target = "h:1/caf\xe9";
	s[1].mode = "pooled";
	s[2].target = "h:1/caf\xe8";
	s[0].target = "h:1/caf?";
	ck_assert_uint_gt(prom_render(buf, sizeof(buf), &proc, s, 3), 0);
	for (p = buf; (p = strstr(p, "pqshim_errors_retried_total{")); p++)
		n++;
	ck_assert_int_eq(n, 1);
	ck_assert(strstr(buf, "pqshim_errors_retried_total{pid=\"4242\",configured=\"auto\","
			      "mode=\"pooled\",target=\"h:1/caf?\"} 5\n"));
}
END_TEST

START_TEST(too_small_renders_nothing)
{
	char buf[100];

	ck_assert_uint_eq(prom_render(buf, sizeof(buf), &proc, NULL, 0), 0);
	ck_assert_uint_eq(prom_render(buf, 0, &proc, NULL, 0), 0);
}
END_TEST

START_TEST(lc_numeric_does_not_matter)
{
	static char a[65536], b[65536];

	prom_render(a, sizeof(a), &proc, NULL, 0);
	/* apps (Qt, PHP, Perl) set the locale; a comma in a number breaks the file */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "C.UTF-8")) {
		prom_render(b, sizeof(b), &proc, NULL, 0);
		setlocale(LC_NUMERIC, "C");
		ck_assert_str_eq(a, b);
	}
	ck_assert(strstr(a, "1796243195.021"));
}
END_TEST

START_TEST(parse_lines)
{
	struct prom_sample s;

	ck_assert_int_eq(prom_parse_line("", &s), 0);
	ck_assert_int_eq(prom_parse_line("# TYPE x counter", &s), 0);
	ck_assert_int_eq(prom_parse_line("x 1", &s), 1);
	ck_assert_str_eq(s.name, "x");
	ck_assert_int_eq(s.n_labels, 0);
	ck_assert_int_eq(prom_parse_line("x_total{a=\"1\", b=\"q\\\"\\n\\\\\"} 2.5 1700000000000", &s), 1);
	ck_assert_str_eq(prom_label(&s, "b"), "q\"\n\\");
	ck_assert(s.value == 2.5);
	ck_assert_ptr_null(prom_label(&s, "c"));
	ck_assert_int_eq(prom_parse_line("x{a=\"1\"}", &s), -1);     /* no value */
	ck_assert_int_eq(prom_parse_line("x{a=1} 2", &s), -1);       /* unquoted */
	ck_assert_int_eq(prom_parse_line("x{a=\"1} 2", &s), -1);     /* unterminated */
	ck_assert_int_eq(prom_parse_line("x{a=\"\\t\"} 2", &s), -1); /* unknown escape */
	ck_assert_int_eq(prom_parse_line("1x 2", &s), -1);
	ck_assert_int_eq(prom_parse_line("x 2 junk", &s), -1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("prom");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, label_values_escaped_and_valid_utf8);
	tcase_add_test(tc, render_parses_back);
	tcase_add_test(tc, same_labels_summed_once);
	tcase_add_test(tc, too_small_renders_nothing);
	tcase_add_test(tc, lc_numeric_does_not_matter);
	tcase_add_test(tc, parse_lines);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite(), "prom");
}
