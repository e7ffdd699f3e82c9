/* Unit tests: reading DT_NEEDED from files on disk, including broken ones. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"

#include "elf_needed.h"

static char tmp[] = "/tmp/elfneedXXXXXX";

static const char *write_tmp(const void *data, size_t len)
{
	int fd = mkstemp(tmp);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return tmp;
}

START_TEST(real_objects)
{
	/* the Makefile builds this test after ext_local.so (of its own build dir), which links libpq */
	ck_assert(elf_needs(PQT_EXT_LOCAL, "libpq.so"));
	ck_assert(!elf_needs(PQT_EXT_LOCAL, "libnothing.so"));
	ck_assert(!elf_needs("/bin/sh", "libpq.so"));
	ck_assert(elf_needs("/bin/sh", "libc.so"));
}
END_TEST

START_TEST(broken_inputs)
{
	static const char text[] = "not an ELF file at all";
	unsigned char buf[4096];
	FILE *f = fopen("/bin/sh", "rb");
	size_t n;

	ck_assert(!elf_needs("/nonexistent/file.so", "libpq.so"));
	ck_assert(!elf_needs("/", "libpq.so"));
	ck_assert(!elf_needs(write_tmp(text, sizeof(text)), "libpq.so"));
	unlink(tmp);
	strcpy(tmp, "/tmp/elfneedXXXXXX");
	/* a real ELF header whose program headers and dynamic section are cut off */
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, 100, f);
	fclose(f);
	ck_assert(!elf_needs(write_tmp(buf, n), "libc.so"));
	unlink(tmp);
	strcpy(tmp, "/tmp/elfneedXXXXXX");
	/* garbage after a valid magic number */
	memset(buf, 0xff, sizeof(buf));
	memcpy(buf, "\177ELF\2\1\1", 7);
	ck_assert(!elf_needs(write_tmp(buf, sizeof(buf)), "libc.so"));
	unlink(tmp);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("elf_needed");
	TCase *tc = tcase_create("files");

	tcase_add_test(tc, real_objects);
	tcase_add_test(tc, broken_inputs);
	suite_add_tcase(s, tc);
	return run_suite(s, "elf_needed");
}
