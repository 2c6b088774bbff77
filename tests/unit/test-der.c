/* test-der.c - the strict DER reader: lengths, nesting, integers, bit
 * strings, OIDs, Go's time rules and the directory string types. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "notation/der.h"
#include "util/limits.h"
#include "util/timeutil.h"

#define TLV(...) ((const unsigned char[]){ __VA_ARGS__ })

static int parse(const unsigned char *p, size_t n, struct der_tlv *t)
{
	return der_parse_tlv(p, n, t);
}

static void test_lengths(void **state)
{
	struct der_tlv t;
	unsigned char big[300];

	assert_int_equal(parse(TLV(0x04, 0x02, 0xaa, 0xbb), 4, &t), 0);
	assert_int_equal(t.tag, DER_OCTET_STRING);
	assert_int_equal(t.val_len, 2);
	assert_int_equal(t.raw_len, 4);

	memset(big, 0, sizeof(big));
	big[0] = 0x04;
	big[1] = 0x82;
	big[2] = 0x01;
	big[3] = 0x00; /* 256 */
	assert_int_equal(parse(big, 260, &t), 0);
	assert_int_equal(t.val_len, 256);
	/* truncated: header says 256, only 255 follow */
	assert_int_equal(parse(big, 259, &t), -1);

	/* indefinite length */
	assert_int_equal(parse(TLV(0x30, 0x80, 0x00, 0x00), 4, &t), -1);
	/* long form where short would do, and leading zero length octet */
	assert_int_equal(parse(TLV(0x04, 0x81, 0x05, 1, 2, 3, 4, 5), 8, &t), -1);
	assert_int_equal(parse(TLV(0x04, 0x82, 0x00, 0x90), 4, &t), -1);
	/* huge lengths never read past the input */
	assert_int_equal(parse(TLV(0x04, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00), 7, &t), -1);
	assert_int_equal(parse(TLV(0x04, 0x88, 0, 0, 0, 0, 0, 0, 0, 1, 0), 11, &t), -1);
	/* high tag number form */
	assert_int_equal(parse(TLV(0x1f, 0x81, 0x00, 0x00), 4, &t), -1);
	/* too short for a header */
	assert_int_equal(parse(TLV(0x04), 1, &t), -1);
}

static void test_cursor(void **state)
{
	const unsigned char seq[] = { 0x30, 0x06, 0x02, 0x01, 0x05, 0x01, 0x01, 0xff };
	struct der d = der_init(seq, sizeof(seq)), in;
	struct der_tlv t, i, b;
	bool present, v;
	int64_t n;

	assert_int_equal(der_read_tag(&d, DER_SEQUENCE, &t), 0);
	assert_true(der_empty(&d));
	in = der_contents(&t);
	assert_int_equal(der_read_optional(&in, DER_CTX_CONS(0), &i, &present), 0);
	assert_false(present);
	assert_int_equal(der_read_tag(&in, DER_BOOLEAN, &i), -1); /* wrong tag: not consumed */
	assert_int_equal(der_read_tag(&in, DER_INTEGER, &i), 0);
	assert_int_equal(der_integer_i64(&i, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(der_peek_tag(&in), DER_BOOLEAN);
	assert_int_equal(der_read(&in, &b), 0);
	assert_int_equal(der_boolean(&b, &v), 0);
	assert_true(v);
	assert_int_equal(der_peek_tag(&in), -1);
	assert_int_equal(der_read(&in, &b), -1);
}

static void test_tree_depth(void **state)
{
	unsigned char buf[2 * 64];
	size_t depth, i;

	/* depth nested empty-ended SEQUENCEs: 30 (2*(d-1)) 30 ... 30 00 */
	for (depth = 1; depth <= 40; depth++) {
		for (i = 0; i < depth; i++) {
			buf[2 * i] = 0x30;
			buf[2 * i + 1] = (unsigned char)(2 * (depth - 1 - i));
		}
		if (depth <= LIMIT_DER_DEPTH)
			assert_int_equal(der_check_tree(buf, 2 * depth, LIMIT_DER_DEPTH), 0);
		else
			assert_int_equal(der_check_tree(buf, 2 * depth, LIMIT_DER_DEPTH), -1);
	}
	/* trailing bytes after the top element */
	assert_int_equal(der_check_tree(TLV(0x30, 0x00, 0x00), 3, 4), -1);
	/* malformed child inside a constructed element */
	assert_int_equal(der_check_tree(TLV(0x30, 0x03, 0x04, 0x05, 0x00), 5, 4), -1);
}

static void test_integers(void **state)
{
	struct der_tlv t;
	int64_t v;

	assert_true(der_integer_valid(TLV(0x00), 1));
	assert_true(der_integer_valid(TLV(0x00, 0x80), 2));
	assert_false(der_integer_valid(TLV(0x00, 0x7f), 2)); /* redundant leading zero */
	assert_false(der_integer_valid(TLV(0xff, 0x80), 2)); /* redundant leading 0xff */
	assert_false(der_integer_valid(NULL, 0));
	assert_true(der_integer_negative(TLV(0x80), 1));
	assert_false(der_integer_negative(TLV(0x00, 0x80), 2));

	assert_int_equal(parse(TLV(0x02, 0x01, 0xff), 3, &t), 0);
	assert_int_equal(der_integer_i64(&t, &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(parse(TLV(0x02, 0x02, 0x01, 0x00), 4, &t), 0);
	assert_int_equal(der_integer_i64(&t, &v), 0);
	assert_int_equal(v, 256);
	assert_int_equal(parse(TLV(0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0), 11, &t), 0);
	assert_int_equal(der_integer_i64(&t, &v), -1); /* does not fit */
}

static void test_boolean_bitstring(void **state)
{
	struct der_tlv t;
	const unsigned char *bits;
	size_t n;
	unsigned unused;
	bool b;

	assert_int_equal(parse(TLV(0x01, 0x01, 0x00), 3, &t), 0);
	assert_int_equal(der_boolean(&t, &b), 0);
	assert_false(b);
	assert_int_equal(parse(TLV(0x01, 0x01, 0x01), 3, &t), 0);
	assert_int_equal(der_boolean(&t, &b), -1); /* DER: only 0x00 / 0xff */

	/* keyUsage digitalSignature + keyCertSign: 03 02 02 84 */
	assert_int_equal(parse(TLV(0x03, 0x02, 0x02, 0x84), 4, &t), 0);
	assert_int_equal(der_bit_string(&t, &bits, &n, &unused), 0);
	assert_int_equal(unused, 2);
	assert_true(der_bit_at(bits, n, unused, 0));
	assert_false(der_bit_at(bits, n, unused, 1));
	assert_true(der_bit_at(bits, n, unused, 5));
	assert_false(der_bit_at(bits, n, unused, 8));
	/* padding bits must be zero, at most 7, and none on an empty string */
	assert_int_equal(parse(TLV(0x03, 0x02, 0x02, 0x85), 4, &t), 0);
	assert_int_equal(der_bit_string(&t, &bits, &n, &unused), -1);
	assert_int_equal(parse(TLV(0x03, 0x02, 0x08, 0x00), 4, &t), 0);
	assert_int_equal(der_bit_string(&t, &bits, &n, &unused), -1);
	assert_int_equal(parse(TLV(0x03, 0x01, 0x01), 3, &t), 0);
	assert_int_equal(der_bit_string(&t, &bits, &n, &unused), -1);
}

static void test_oids(void **state)
{
	char s[DER_OID_STR_MAX];

	assert_int_equal(der_oid_string(TLV(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b), 9, s), 0);
	assert_string_equal(s, "1.2.840.113549.1.1.11");
	assert_int_equal(der_oid_string(TLV(0x55, 0x04, 0x03), 3, s), 0);
	assert_string_equal(s, "2.5.4.3");
	assert_int_equal(der_oid_string(TLV(0x88, 0x37, 0x03), 3, s), 0);
	assert_string_equal(s, "2.999.3");
	assert_int_equal(der_oid_string(TLV(0x2a, 0x80, 0x01), 3, s), -1); /* non-minimal component */
	assert_int_equal(der_oid_string(TLV(0x2a, 0x86), 2, s), -1);       /* truncated */
	assert_int_equal(der_oid_string(NULL, 0, s), -1);
	/* a component above 31 bits */
	assert_int_equal(der_oid_string(TLV(0x2a, 0x88, 0x80, 0x80, 0x80, 0x00), 6, s), -1);
}

static int64_t tm(const char *rfc3339)
{
	int64_t s;

	assert_int_equal(ftime_parse_rfc3339(rfc3339, &s, NULL), 0);
	return s;
}

static int der_time_of(unsigned tag, const char *text, int64_t *out)
{
	unsigned char buf[64];
	struct der_tlv t;
	size_t n = strlen(text);

	buf[0] = (unsigned char)tag;
	buf[1] = (unsigned char)n;
	memcpy(buf + 2, text, n);
	assert_int_equal(der_parse_tlv(buf, n + 2, &t), 0);
	return der_time(&t, out);
}

static void test_times(void **state)
{
	int64_t v;

	assert_int_equal(der_time_of(DER_UTC_TIME, "491231235959Z", &v), 0);
	assert_int_equal(v, tm("2049-12-31T23:59:59Z"));
	assert_int_equal(der_time_of(DER_UTC_TIME, "500101000000Z", &v), 0);
	assert_int_equal(v, tm("1950-01-01T00:00:00Z"));
	assert_int_equal(der_time_of(DER_UTC_TIME, "2306270610Z", &v), 0); /* minute precision */
	assert_int_equal(v, tm("2023-06-27T06:10:00Z"));
	assert_int_equal(der_time_of(DER_UTC_TIME, "230627061000+0130", &v), 0);
	assert_int_equal(v, tm("2023-06-27T04:40:00Z"));
	assert_int_equal(der_time_of(DER_UTC_TIME, "230627061000+0000", &v), -1); /* zero offset is "Z" */
	assert_int_equal(der_time_of(DER_UTC_TIME, "230229000000Z", &v), -1);     /* not a leap year */
	assert_int_equal(der_time_of(DER_UTC_TIME, "230627061000", &v), -1);
	assert_int_equal(der_time_of(DER_UTC_TIME, "2306270610000Z", &v), -1);
	assert_int_equal(der_time_of(DER_GENERALIZED_TIME, "21220905070000Z", &v), 0);
	assert_int_equal(v, tm("2122-09-05T07:00:00Z"));
	assert_int_equal(der_time_of(DER_GENERALIZED_TIME, "20240229120000Z", &v), 0);
	assert_int_equal(v, tm("2024-02-29T12:00:00Z"));
	assert_int_equal(der_time_of(DER_GENERALIZED_TIME, "20240101000000.5Z", &v), -1);
	assert_int_equal(der_time_of(DER_GENERALIZED_TIME, "202401010000Z", &v), -1);
	assert_int_equal(der_time_of(DER_GENERALIZED_TIME, "20241301000000Z", &v), -1);
	assert_int_equal(der_time_of(DER_GENERALIZED_TIME, "20240101246000Z", &v), -1);
	assert_int_equal(der_time_of(DER_OCTET_STRING, "20240101000000Z", &v), -1);
}

static int str_of(unsigned tag, const unsigned char *v, size_t n, char **out, const char **why)
{
	unsigned char buf[128];
	struct der_tlv t;

	buf[0] = (unsigned char)tag;
	buf[1] = (unsigned char)n;
	memcpy(buf + 2, v, n);
	assert_int_equal(der_parse_tlv(buf, n + 2, &t), 0);
	return der_string_utf8(&t, out, why);
}

static void expect_str(unsigned tag, const unsigned char *v, size_t n, const char *want)
{
	const char *why = NULL;
	char *s = NULL;

	assert_int_equal(str_of(tag, v, n, &s, &why), 0);
	assert_string_equal(s, want);
	free(s);
}

static void expect_bad(unsigned tag, const unsigned char *v, size_t n, const char *want)
{
	const char *why = NULL;
	char *s = NULL;

	assert_int_equal(str_of(tag, v, n, &s, &why), -1);
	assert_null(s);
	assert_string_equal(why, want);
}

static void test_strings(void **state)
{
	expect_str(DER_PRINTABLE_STRING, (const unsigned char *)"Some-State", 10, "Some-State");
	expect_str(DER_PRINTABLE_STRING, (const unsigned char *)"*.a&b", 5, "*.a&b"); /* Go tolerates * and & */
	expect_bad(DER_PRINTABLE_STRING, (const unsigned char *)"a@b", 3, "invalid PrintableString");
	expect_str(DER_IA5_STRING, (const unsigned char *)"a@b.c", 5, "a@b.c");
	expect_bad(DER_IA5_STRING, TLV('a', 0xe9), 2, "invalid IA5String");
	expect_str(DER_UTF8_STRING, TLV(0xc3, 0xa9, 't', 0xc3, 0xa9), 5, "\xc3\xa9t\xc3\xa9");
	expect_bad(DER_UTF8_STRING, TLV(0xc0, 0xaf), 2, "invalid UTF-8 string");        /* overlong */
	expect_bad(DER_UTF8_STRING, TLV(0xed, 0xa0, 0x80), 3, "invalid UTF-8 string");  /* surrogate */
	expect_str(DER_T61_STRING, TLV('c', 'a', 'f', 0xe9), 4, "caf\xc3\xa9");          /* Latin-1 */
	expect_str(DER_BMP_STRING, TLV(0x00, 'h', 0x00, 0xe9, 0x20, 0xac, 0x00, 0x00), 8,
		   "h\xc3\xa9\xe2\x82\xac"); /* terminator stripped */
	expect_bad(DER_BMP_STRING, TLV(0xd8, 0x3d, 0xde, 0x00), 4, "invalid BMPString"); /* UCS-2 only */
	expect_bad(DER_BMP_STRING, TLV(0xff, 0xfe), 2, "invalid BMPString");              /* noncharacter */
	expect_bad(DER_BMP_STRING, TLV(0x00, 'h', 0x00), 3, "invalid BMPString");
	expect_str(DER_UNIVERSAL_STRING, TLV(0, 0, 0, 'A', 0, 1, 0xf6, 0x00), 8, "A\xf0\x9f\x98\x80");
	expect_bad(DER_UNIVERSAL_STRING, TLV(0, 0x11, 0, 0), 4, "invalid UniversalString");
	expect_str(DER_NUMERIC_STRING, (const unsigned char *)"12 34", 5, "12 34");
	expect_bad(DER_NUMERIC_STRING, (const unsigned char *)"12a", 3, "invalid NumericString");
	expect_bad(DER_UTF8_STRING, TLV('a', 0x00, 'b'), 3, "string contains a NUL character");
	expect_bad(DER_INTEGER, TLV(0x01), 1, "unsupported string type: 2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_cursor),
		cmocka_unit_test(test_tree_depth),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_boolean_bitstring),
		cmocka_unit_test(test_oids),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
