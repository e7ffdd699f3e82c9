/* Unit tests: SHA-256 (FIPS 180-4 / NIST vectors) and pooled-mode content names. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"

#include "names.h"
#include "sha256.h"

static void hex(char out[2 * SHA256_LEN + 1], const unsigned char d[SHA256_LEN])
{
	for (int i = 0; i < SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void digest_hex(char out[2 * SHA256_LEN + 1], const void *msg, size_t len)
{
	struct sha256 c;
	unsigned char d[SHA256_LEN];

	sha256_init(&c);
	sha256_update(&c, msg, len);
	sha256_final(&c, d);
	hex(out, d);
}

START_TEST(sha256_nist_short)
{
	char h[2 * SHA256_LEN + 1];

	digest_hex(h, "abc", 3);
	ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	digest_hex(h, "", 0);
	ck_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	digest_hex(h, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56);
	ck_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(sha256_million_a_uneven_chunks)
{
	static const size_t chunks[] = { 1, 63, 64, 65, 1000 };
	static unsigned char a[1000];
	struct sha256 c;
	unsigned char d[SHA256_LEN];
	char h[2 * SHA256_LEN + 1];
	size_t left = 1000000;

	memset(a, 'a', sizeof(a));
	sha256_init(&c);
	for (size_t i = 0; left; i++) {
		size_t n = chunks[i % 5] < left ? chunks[i % 5] : left;

		sha256_update(&c, a, n);
		left -= n;
	}
	sha256_final(&c, d);
	hex(h, d);
	ck_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/* Lengths 0..200 cross the padding boundaries at 55/56 and the block ones at 63/64/128. */
START_TEST(sha256_byte_by_byte_equals_whole)
{
	unsigned char msg[200], whole[SHA256_LEN], bytes[SHA256_LEN];
	struct sha256 c;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)(i * 131 + 7);
	for (size_t len = 0; len <= sizeof(msg); len++) {
		sha256_init(&c);
		sha256_update(&c, msg, len);
		sha256_final(&c, whole);
		sha256_init(&c);
		for (size_t i = 0; i < len; i++)
			sha256_update(&c, msg + i, 1);
		sha256_update(&c, msg, 0);
		sha256_final(&c, bytes);
		ck_assert_msg(memcmp(whole, bytes, SHA256_LEN) == 0, "length %zu", len);
	}
}
END_TEST

static bool lower_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}

START_TEST(content_name_format)
{
	char n[NAMES_CONTENT_LEN + 1];

	names_content(n, "select 1", 8, 0, NULL);
	ck_assert_uint_eq(strlen(n), NAMES_CONTENT_LEN);
	ck_assert_uint_eq(strlen(n), 38);
	ck_assert(strlen(n) <= STMT_NAME_MAX);
	ck_assert_uint_eq(names_server_len(n), NAMES_CONTENT_LEN);
	ck_assert(strncmp(n, "_pqsh_", 6) == 0);
	for (int i = 6; i < NAMES_CONTENT_LEN; i++)
		ck_assert_msg(lower_hex(n[i]), "byte %d of %s", i, n);
	ck_assert(names_is_content(n));
	ck_assert(!names_is_generated(n));
}
END_TEST

/* Computed independently with python3 hashlib over the encoding in names.h. */
START_TEST(content_name_pinned)
{
	unsigned int types[2] = { 23, 25 };
	char n[NAMES_CONTENT_LEN + 1];

	names_content(n, "select 1", 8, 0, NULL);
	ck_assert_str_eq(n, "_pqsh_9b87e039b8cc20bbc404636bc533d9a3");
	names_content(n, "select $1, $2", 13, 2, types);
	ck_assert_str_eq(n, "_pqsh_4c6190d5b71e0601e9a44215b62e355f");
}
END_TEST

START_TEST(content_name_depends_on_everything)
{
	unsigned int zeros[3] = { 0, 0, 0 }, types[3] = { 23, 25, 0 }, other[3] = { 23, 26, 0 };
	char a[NAMES_CONTENT_LEN + 1], b[NAMES_CONTENT_LEN + 1];

	names_content(a, "select $1", 9, 3, types);
	names_content(b, "select $1", 9, 3, types);
	ck_assert_str_eq(a, b);

	names_content(a, "q", 1, 3, NULL);
	names_content(b, "q", 1, 3, zeros);
	ck_assert_str_eq(a, b);

	names_content(a, "select $1", 9, 3, types);
	names_content(b, "select $2", 9, 3, types);
	ck_assert_str_ne(a, b);
	names_content(b, "select $1", 9, 2, types);
	ck_assert_str_ne(a, b);
	names_content(b, "select $1", 9, 3, other);
	ck_assert_str_ne(a, b);
	names_content(b, "select $1", 9, 3, NULL);
	ck_assert_str_ne(a, b);

	/* bytes after len do not count; embedded NULs do */
	names_content(a, "select 1", 8, 0, NULL);
	names_content(b, "select 1; junk", 8, 0, NULL);
	ck_assert_str_eq(a, b);
	names_content(a, "a\0b", 3, 0, NULL);
	names_content(b, "a\0c", 3, 0, NULL);
	ck_assert_str_ne(a, b);
}
END_TEST

/*
 * Without the length prefix, text "ab" with 0 parameters and text "a" with
 * 'b' then the parameter fields shifted by one byte could hash the same
 * bytes; with it they cannot.
 */
START_TEST(content_name_unambiguous)
{
	unsigned int t1[1] = { 0x62000000u }; /* 'b' then three zero bytes */
	char a[NAMES_CONTENT_LEN + 1], b[NAMES_CONTENT_LEN + 1];

	names_content(a, "ab", 2, 0, NULL);
	names_content(b, "a", 1, 0, NULL);
	ck_assert_str_ne(a, b);
	names_content(b, "a", 1, 1, t1);
	ck_assert_str_ne(a, b);
	names_content(a, "", 0, 1, NULL);
	names_content(b, "", 0, 0, NULL);
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(is_content)
{
	char n[NAMES_CONTENT_LEN + 1], g[NAMES_MAX_LEN + 1], t[NAMES_CONTENT_LEN + 2];

	names_content(n, "x", 1, 0, NULL);
	ck_assert(names_is_content(n));
	ck_assert(!names_is_generated(n));

	names_format(g, 0x3f9a0c12u, 0x1b);
	ck_assert(names_is_generated(g));
	ck_assert(!names_is_content(g));
	ck_assert(!names_is_content(NAMES_GONE));
	ck_assert(!names_is_content(""));
	ck_assert(!names_is_content("s0"));
	ck_assert(!names_is_content("_pqsh_"));

	memcpy(t, n, sizeof(n));
	t[NAMES_CONTENT_LEN - 1] = '\0'; /* one digit short */
	ck_assert(!names_is_content(t));
	memcpy(t, n, sizeof(n));
	t[NAMES_CONTENT_LEN] = '0'; /* one digit too many */
	t[NAMES_CONTENT_LEN + 1] = '\0';
	ck_assert(!names_is_content(t));
	memcpy(t, n, sizeof(n));
	t[10] = 'A'; /* upper case */
	ck_assert(!names_is_content(t));
	t[10] = 'g';
	ck_assert(!names_is_content(t));
	ck_assert(!names_is_content("_PQSH_0123456789abcdef0123456789abcdef"));
	ck_assert(names_is_content("_pqsh_0123456789abcdef0123456789abcdef"));
}
END_TEST

/* The DO block's text: the name escaped for E'', a dollar tag the name does not contain. */
START_TEST(raise_missing_text)
{
	char out[256];
	size_t n = names_raise_missing("it's\\x", out, sizeof(out)), m;

	ck_assert_uint_eq(n, strlen(out));
	ck_assert_str_eq(out, "DO $pqsh$ BEGIN RAISE EXCEPTION USING ERRCODE = '26000', MESSAGE = "
			      "E'prepared statement \"it\\'s\\\\x\" does not exist'; END $pqsh$");
	m = names_raise_missing("a$pqsh$b", out, sizeof(out));
	ck_assert_uint_eq(m, strlen(out));
	ck_assert_ptr_nonnull(strstr(out, "DO $pqsh0$"));
	ck_assert_ptr_nonnull(strstr(out, "END $pqsh0$"));
	/* too small: the size it needs, nothing written */
	out[0] = '\0';
	ck_assert_uint_eq(names_raise_missing("it's\\x", out, 10), n);
	ck_assert_str_eq(out, "");
}
END_TEST

/* 63 bytes cut as the server cuts an identifier: never half a character. */
START_TEST(clip_ident_on_characters)
{
	char n[80];

	memset(n, 's', 62);
	strcpy(n + 62, "\xc3"); /* 62 + the lead byte of a 2-byte character: cut before it */
	names_clip_ident(n);
	ck_assert_uint_eq(strlen(n), 62);
	memset(n, 's', 61);
	strcpy(n + 61, "\xc3\xa9"); /* a whole character at the end: kept */
	names_clip_ident(n);
	ck_assert_uint_eq(strlen(n), 63);
	memset(n, 's', 61);
	strcpy(n + 61, "\xe2\x82"); /* two of three bytes: cut */
	names_clip_ident(n);
	ck_assert_uint_eq(strlen(n), 61);
	strcpy(n, "short\xe2\x82");
	names_clip_ident(n); /* not at the limit: the server keeps it whole (and checks it) */
	ck_assert_str_eq(n, "short\xe2\x82");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("names");
	TCase *sha = tcase_create("sha256");
	TCase *content = tcase_create("content");

	tcase_add_test(sha, sha256_nist_short);
	tcase_add_test(sha, sha256_million_a_uneven_chunks);
	tcase_add_test(sha, sha256_byte_by_byte_equals_whole);
	tcase_add_test(content, content_name_format);
	tcase_add_test(content, content_name_pinned);
	tcase_add_test(content, content_name_depends_on_everything);
	tcase_add_test(content, content_name_unambiguous);
	tcase_add_test(content, is_content);
	tcase_add_test(content, raise_missing_text);
	tcase_add_test(content, clip_ident_on_characters);
	suite_add_tcase(s, sha);
	suite_add_tcase(s, content);
	return run_suite(s, "names");
}
