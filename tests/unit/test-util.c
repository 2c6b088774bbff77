/* test-util.c - durations, timestamps, base64, digests, UTF-8, buffers, state-dir files. */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/b64.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/jsonutil.h"
#include "util/mem.h"
#include "util/timeutil.h"
#include "util/utf8.h"

static void test_duration_parse(void **state)
{
	int64_t ms;

	assert_int_equal(ftime_parse_duration("5m0s", true, &ms), 0);
	assert_int_equal(ms, 300000);
	assert_int_equal(ftime_parse_duration("1h30m", true, &ms), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(ftime_parse_duration("1.5s", true, &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(ftime_parse_duration("250ms", true, &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(ftime_parse_duration("1h", false, &ms), -1);
	assert_int_equal(ftime_parse_duration("5 minutes", true, &ms), -1);
	assert_int_equal(ftime_parse_duration("", true, &ms), -1);
	assert_int_equal(ftime_parse_duration("10", true, &ms), -1);
	assert_int_equal(ftime_parse_duration(".5s", true, &ms), -1);
	assert_int_equal(ftime_parse_duration("5s ", true, &ms), -1);
	assert_int_equal(ftime_parse_duration("-5s", true, &ms), -1);
}

static void test_duration_format(void **state)
{
	char b[32];

	ftime_format_duration(300000, b, sizeof(b));
	assert_string_equal(b, "5m0s");
	ftime_format_duration(3600000, b, sizeof(b));
	assert_string_equal(b, "1h0m0s");
	ftime_format_duration(1500, b, sizeof(b));
	assert_string_equal(b, "1.5s");
	ftime_format_duration(250, b, sizeof(b));
	assert_string_equal(b, "250ms");
	ftime_format_duration(60000, b, sizeof(b));
	assert_string_equal(b, "1m0s");
}

static void test_rfc3339(void **state)
{
	int64_t s;
	int32_t ns;
	char b[40];

	assert_int_equal(ftime_parse_rfc3339("2023-06-27T13:21:21+08:00", &s, &ns), 0);
	ftime_format_rfc3339(s, b, sizeof(b));
	assert_string_equal(b, "2023-06-27T05:21:21Z");
	assert_int_equal(ftime_parse_rfc3339("2024-04-04T15:03:06.123456789-07:00", &s, &ns), 0);
	assert_int_equal(ns, 123456789);
	ftime_format_rfc3339(s, b, sizeof(b));
	assert_string_equal(b, "2024-04-04T22:03:06Z");
	assert_int_equal(ftime_parse_rfc3339("1970-01-01T00:00:00Z", &s, NULL), 0);
	assert_int_equal(s, 0);
	assert_int_equal(ftime_parse_rfc3339("2023-02-29T00:00:00Z", &s, NULL), -1);
	assert_int_equal(ftime_parse_rfc3339("2023-06-27t13:21:21Z", &s, NULL), -1);
	assert_int_equal(ftime_parse_rfc3339("2023-06-27T13:21:21z", &s, NULL), -1);
	assert_int_equal(ftime_parse_rfc3339("2023-06-27T13:21:21", &s, NULL), -1);
	assert_int_equal(ftime_parse_rfc3339("2023-06-27T13:21:21+0800", &s, NULL), -1);
	ftime_format_rfc1123z(1687843260, b, sizeof(b));
	assert_string_equal(b, "Tue, 27 Jun 2023 05:21:00 +0000");
}

static void test_b64(void **state)
{
	struct buf out;
	size_t bad = 0;
	char *enc;

	assert_int_equal(b64_decode_std("aGVsbG8=", 8, 0, &out, NULL), 0);
	assert_int_equal(out.len, 5);
	assert_memory_equal(out.data, "hello", 5);
	buf_free(&out);
	assert_int_equal(b64_decode_std("aGVs\r\nbG8=\n", 11, 0, &out, NULL), 0);
	assert_int_equal(out.len, 5);
	buf_free(&out);
	assert_int_equal(b64_decode_std("aGVsbG8", 7, 0, &out, &bad), -1);
	assert_int_equal(b64_decode_std("aGVs*G8=", 8, 0, &out, &bad), -1);
	assert_int_equal(bad, 4);
	assert_int_equal(b64_decode_url_raw("aGVsbG8", 7, 0, &out, NULL), 0);
	assert_int_equal(out.len, 5);
	buf_free(&out);
	assert_int_equal(b64_decode_url_raw("aGVsbG8=", 8, 0, &out, &bad), -1);
	assert_int_equal(bad, 7);
	assert_int_equal(b64_decode_url_raw("_-8", 3, 0, &out, NULL), 0);
	assert_int_equal(out.len, 2);
	assert_int_equal(out.data[0], 0xff);
	buf_free(&out);
	assert_int_equal(b64_decode_std("aGVsbG8gd29ybGQ=", 16, 4, &out, NULL), -1);
	assert_int_equal(errno, EFBIG);
	enc = b64_encode_std("hello", 5);
	assert_string_equal(enc, "aGVsbG8=");
	free(enc);
	enc = b64_encode_url_raw("\xff\xef", 2);
	assert_string_equal(enc, "_-8");
	free(enc);
}

static void test_digest(void **state)
{
	char hex[65];

	sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("{}", 2, hex);
	assert_string_equal(hex, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
	assert_true(digest_is_valid("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"));
	assert_false(digest_is_valid("sha256:44136FA355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"));
	assert_false(digest_is_valid("sha512:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"));
	assert_false(digest_is_valid("sha256:44136fa3"));
	assert_false(digest_is_valid(NULL));
	assert_int_equal(hex_digit('0'), 0);
	assert_int_equal(hex_digit('f'), 15);
	assert_int_equal(hex_digit('F'), 15);
	assert_int_equal(hex_digit('g'), -1);
	assert_int_equal(hex_digit('\0'), -1);
}

static void test_buf_limit(void **state)
{
	struct buf b;

	buf_init(&b, 8);
	assert_int_equal(buf_append(&b, "12345678", 8), 0);
	assert_int_equal(buf_append(&b, "9", 1), -1);
	assert_int_equal(errno, EFBIG);
	assert_string_equal(buf_cstr(&b), "12345678");
	buf_free(&b);
}

static void test_err_prefix(void **state)
{
	struct ferry_err e;

	ferr_clear(&e);
	ferr_set(&e, "OCIArtifactPullFailed", "MANIFEST_UNKNOWN: manifest unknown");
	ferr_prefix(&e, "failed to determine artifact digest");
	assert_string_equal(e.reason, "OCIArtifactPullFailed");
	assert_string_equal(e.msg, "failed to determine artifact digest: MANIFEST_UNKNOWN: manifest unknown");
}

static void test_fs_atomic_and_nofollow(void **state)
{
	char tmpl[] = "/tmp/ferry-test-util-XXXXXX";
	char *dir = mkdtemp(tmpl);
	struct buf b;
	int dfd, sub;

	assert_non_null(dir);
	dfd = fs_open_dir(dir, false, 0700);
	assert_true(dfd >= 0);
	sub = fs_open_dir_at(dfd, "a/b/c", true, 0700);
	assert_true(sub >= 0);
	assert_int_equal(fs_write_atomic_at(sub, "x.json", "{}", 2, 0644), 0);
	assert_int_equal(fs_read_file_at(sub, "x.json", 100, &b), 0);
	assert_string_equal(buf_cstr(&b), "{}");
	buf_free(&b);
	assert_int_equal(fs_read_file_at(sub, "x.json", 1, &b), -1);
	assert_int_equal(errno, EFBIG);
	close(sub);
	/* a symlink in the path is refused, never followed */
	assert_int_equal(symlinkat("/etc", dfd, "link"), 0);
	assert_int_equal(fs_open_dir_at(dfd, "link", true, 0700), -1);
	assert_int_equal(fs_open_dir_at(dfd, "a/../a", true, 0700), -1);
	assert_int_equal(fs_remove_tree_at(dfd, "link"), 0);
	assert_true(access("/etc/passwd", F_OK) == 0);
	assert_int_equal(fs_remove_tree_at(dfd, "a"), 0);
	assert_false(fs_exists_at(dfd, "a"));
	close(dfd);
	assert_int_equal(rmdir(dir), 0);
}

static void test_fs_empty_dir_twice(void **state)
{
	char tmpl[] = "/tmp/ferry-test-util-XXXXXX";
	char *dir = mkdtemp(tmpl);
	int dfd = fs_open_dir(dir, false, 0700);

	for (int round = 0; round < 2; round++) {
		int sub = fs_open_dir_at(dfd, "x/y", true, 0700);
		assert_true(sub >= 0);
		assert_int_equal(fs_write_atomic_at(sub, "f", "1", 1, 0600), 0);
		close(sub);
		assert_int_equal(fs_write_atomic_at(dfd, "top", "1", 1, 0600), 0);
		assert_int_equal(fs_empty_dir_at(dfd), 0);
		assert_false(fs_exists_at(dfd, "x"));
		assert_false(fs_exists_at(dfd, "top"));
	}
	close(dfd);
	assert_int_equal(rmdir(dir), 0);
}

static void test_utf8(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		uint32_t rune;
		size_t width;
	} cases[] = {
		{ "A", 1, 'A', 1 },
		{ "\xc3\xa9", 2, 0xE9, 2 },
		{ "\xe2\x82\xac", 3, 0x20AC, 3 },
		{ "\xef\xbf\xbd", 3, UTF8_RUNE_ERROR, 3 },      /* an encoded U+FFFD is valid */
		{ "\xf0\x9f\x98\x80", 4, 0x1F600, 4 },
		{ "\xf4\x8f\xbf\xbf", 4, 0x10FFFF, 4 },
		{ "\xc0\xaf", 2, UTF8_RUNE_ERROR, 1 },          /* overlong */
		{ "\xe0\x80\xaf", 3, UTF8_RUNE_ERROR, 1 },      /* overlong */
		{ "\xed\xa0\x80", 3, UTF8_RUNE_ERROR, 1 },      /* surrogate */
		{ "\xf4\x90\x80\x80", 4, UTF8_RUNE_ERROR, 1 }, /* above U+10FFFF */
		{ "\xe2\x82", 2, UTF8_RUNE_ERROR, 1 },          /* truncated */
		{ "\xe2\x28\xa1", 3, UTF8_RUNE_ERROR, 1 },      /* bad continuation */
		{ "\x80", 1, UTF8_RUNE_ERROR, 1 },
		{ "\xff", 1, UTF8_RUNE_ERROR, 1 },
	};
	unsigned char enc[UTF8_MAX];
	size_t w;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t r = utf8_decode(cases[i].in, cases[i].len, &w);
		bool valid = !(cases[i].rune == UTF8_RUNE_ERROR && cases[i].width == 1);

		assert_int_equal(r, cases[i].rune);
		assert_int_equal(w, cases[i].width);
		assert_int_equal(utf8_valid(cases[i].in, cases[i].len), valid);
		if (valid) {
			assert_int_equal(utf8_encode(r, enc), w);
			assert_memory_equal(enc, cases[i].in, w);
		}
	}
	assert_int_equal(utf8_decode("", 0, &w), UTF8_RUNE_ERROR);
	assert_int_equal(w, 0);
	assert_true(utf8_valid("d\xc3\xa9j\xc3\xa0 vu", 9));
	assert_false(utf8_valid("d\xc3\xa9j\xc3", 5));
}

static void test_json_strict(void **state)
{
	struct ferry_err e;
	json_t *j;
	int64_t v;
	char deep[200];

	ferr_clear(&e);
	assert_null(fjson_parse("{\"a\":1,\"a\":2}", 13, "manifest", &e));
	assert_non_null(strstr(e.msg, "manifest: duplicate object key"));
	j = fjson_parse_lax("{\"a\":1,\"a\":2}", 13, "x", &e);
	assert_non_null(j);
	assert_int_equal(fjson_uint(j, "a", &v), 0);
	assert_int_equal(v, 2);
	json_decref(j);
	j = fjson_parse("{\"s\":1.5}", 9, "x", &e);
	assert_int_equal(fjson_uint(j, "s", &v), -1);
	json_decref(j);
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_null(fjson_parse(deep, 200, "x", &e));
	j = json_object();
	fjson_set_str(j, "a", "b");
	fjson_set_str(j, "absent", NULL);
	assert_string_equal(fjson_str(j, "a"), "b");
	assert_null(json_object_get(j, "absent"));
	json_decref(j);
	assert_non_null(strstr(e.msg, "nesting deeper"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_duration_format),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_buf_limit),
		cmocka_unit_test(test_err_prefix),
		cmocka_unit_test(test_fs_atomic_and_nofollow),
		cmocka_unit_test(test_fs_empty_dir_twice),
		cmocka_unit_test(test_json_strict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
