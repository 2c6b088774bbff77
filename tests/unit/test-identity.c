/* test-identity.c - x509.subject DN parsing, overlap detection and leaf matching. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notation/cert.h"
#include "notation/gojson.h"
#include "notation/identity.h"
#include "util/err.h"
#include "util/mem.h"

/* Render a parsed DN the way the failure message does, to compare maps. */
static char *parse_fmt(const char *dn_text, struct ferry_err *e)
{
	struct nv_dn dn;
	char *s;

	ferr_clear(e);
	if (nv_dn_parse(dn_text, &dn, e) < 0)
		return NULL;
	s = nv_dn_format(&dn);
	nv_dn_free(&dn);
	return s;
}

static void expect_dn(const char *in, const char *map)
{
	struct ferry_err e;
	char *s = parse_fmt(in, &e);

	if (!s)
		fail_msg("parse of %s failed: %s", in, e.msg);
	assert_string_equal(s, map);
	free(s);
}

static void expect_dn_error(const char *in, const char *msg)
{
	struct ferry_err e;
	char *s = parse_fmt(in, &e);

	if (s)
		fail_msg("parse of %s unexpectedly gave %s", in, s);
	assert_string_equal(e.msg, msg);
	assert_string_equal(e.reason, "VerificationError");
}

static void test_dn_valid(void **state)
{
	expect_dn("C=US,ST=WA,O=Notary", "map[\"C\":\"US\" \"O\":\"Notary\" \"ST\":\"WA\"]");
	expect_dn(" CN=e2e,O=Notary,L=Seattle,ST=WA,C=US",
		  "map[\"C\":\"US\" \"CN\":\"e2e\" \"L\":\"Seattle\" \"O\":\"Notary\" \"ST\":\"WA\"]");
	/* ';' separates RDNs too; spaces around types and values are trimmed */
	expect_dn("C = US ; ST=WA;  O=Notary Inc ", "map[\"C\":\"US\" \"O\":\"Notary Inc\" \"ST\":\"WA\"]");
	/* S is ST */
	expect_dn("C=US,S=WA,O=Notary", "map[\"C\":\"US\" \"O\":\"Notary\" \"ST\":\"WA\"]");
	/* escapes: specials and hex pairs */
	expect_dn("C=US,ST=WA,O=Acme\\, Inc.", "map[\"C\":\"US\" \"O\":\"Acme, Inc.\" \"ST\":\"WA\"]");
	expect_dn("C=US,ST=WA,O=A\\2bB", "map[\"C\":\"US\" \"O\":\"A+B\" \"ST\":\"WA\"]");
	/* an escaped trailing space is kept */
	expect_dn("C=US,ST=WA,O=Sp\\ ", "map[\"C\":\"US\" \"O\":\"Sp \" \"ST\":\"WA\"]");
	/* later '=' belong to the value */
	expect_dn("C=US,ST=WA,O=a=b", "map[\"C\":\"US\" \"O\":\"a=b\" \"ST\":\"WA\"]");
	/* an empty value may be given again (Go only refuses a non-empty duplicate) */
	expect_dn("C=,C=US,ST=WA,O=x", "map[\"C\":\"US\" \"O\":\"x\" \"ST\":\"WA\"]");
	/* values are quoted as Go's %q does */
	expect_dn("C=US,ST=WA,O=say \\\"hi\\\"", "map[\"C\":\"US\" \"O\":\"say \\\"hi\\\"\" \"ST\":\"WA\"]");
}

static void test_dn_invalid(void **state)
{
	expect_dn_error("C=US,ST=WA,O=#04024869",
			"unsupported distinguished name (DN) \"C=US,ST=WA,O=#04024869\": notation does not support "
			"x509.subject identities containing \"=#\"");
	expect_dn_error("C=US+ST=WA,O=Notary",
			"distinguished name (DN) \"C=US+ST=WA,O=Notary\" has multi-valued RDN attributes, remove "
			"multi-valued RDN attributes as they are not supported");
	expect_dn_error("C=US,ST=WA,S=OR,O=Notary",
			"distinguished name (DN) \"C=US,ST=WA,S=OR,O=Notary\" has duplicate RDN attribute for \"ST\", "
			"DN can only have unique RDN attributes");
	expect_dn_error(" CN=e2e,O=Notary,L=Seattle,ST=WA",
			"distinguished name (DN) \" CN=e2e,O=Notary,L=Seattle,ST=WA\" has no mandatory RDN attribute "
			"for \"C\", it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum");
	/* mandatory types are case-sensitive */
	expect_dn_error("c=US,ST=WA,O=Notary",
			"distinguished name (DN) \"c=US,ST=WA,O=Notary\" has no mandatory RDN attribute for \"C\", it "
			"must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum");
	expect_dn_error("C=US,O=Notary",
			"distinguished name (DN) \"C=US,O=Notary\" has no mandatory RDN attribute for \"ST\", it must "
			"contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum");
	expect_dn_error("C=US,ST=WA,O=",
			"distinguished name (DN) \"C=US,ST=WA,O=\" has no mandatory RDN attribute for \"O\", it must "
			"contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum");
	expect_dn_error("   ", "distinguished name (DN) \"   \" has no mandatory RDN attribute for \"C\", it must "
			       "contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum");
	expect_dn_error("C=US,ST",
			"parsing distinguished name (DN) \"C=US,ST\" failed with err: DN ended with incomplete type, "
			"value pair. A valid DN must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum, "
			"and follow RFC 4514 standard");
	expect_dn_error("C=US,,ST=WA",
			"parsing distinguished name (DN) \"C=US,,ST=WA\" failed with err: incomplete type, value "
			"pair. A valid DN must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum, and "
			"follow RFC 4514 standard");
	expect_dn_error("C=US,ST=WA,O=a\\",
			"parsing distinguished name (DN) \"C=US,ST=WA,O=a\\\\\" failed with err: got corrupted escaped "
			"character: 'a\\'. A valid DN must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a "
			"minimum, and follow RFC 4514 standard");
	expect_dn_error("C=US,ST=WA,O=a\\zz",
			"parsing distinguished name (DN) \"C=US,ST=WA,O=a\\\\zz\" failed with err: failed to decode "
			"escaped character: encoding/hex: invalid byte: U+007A 'z'. A valid DN must contain 'C', 'ST' "
			"or 'S', and 'O' RDN attributes at a minimum, and follow RFC 4514 standard");
	expect_dn_error("C=US,ST=WA,O=a\\4",
			"parsing distinguished name (DN) \"C=US,ST=WA,O=a\\\\4\" failed with err: failed to decode "
			"escaped character: encoding/hex: invalid byte: 4. A valid DN must contain 'C', 'ST' or 'S', "
			"and 'O' RDN attributes at a minimum, and follow RFC 4514 standard");
}

static void parse_ok(const char *s, struct nv_dn *dn)
{
	struct ferry_err e;

	if (nv_dn_parse(s, dn, &e) < 0)
		fail_msg("%s: %s", s, e.msg);
}

static void test_dn_subset(void **state)
{
	struct nv_dn small, big, other;

	parse_ok("C=US,ST=WA,O=Notary", &small);
	parse_ok("CN=e2e,O=Notary,L=Seattle,ST=WA,C=US", &big);
	parse_ok("C=US,ST=WA,O=notary", &other);
	assert_true(nv_dn_is_subset(&small, &big));
	assert_false(nv_dn_is_subset(&big, &small));
	assert_true(nv_dn_is_subset(&small, &small));
	/* values compare exactly (case-sensitive) */
	assert_false(nv_dn_is_subset(&other, &big));
	nv_dn_free(&small);
	nv_dn_free(&big);
	nv_dn_free(&other);
}

static int validate(const char **ids, size_t n, struct ferry_err *e)
{
	ferr_clear(e);
	return nv_identities_validate("e2e", (char *const *)ids, n, e);
}

static void test_identities_validate(void **state)
{
	struct ferry_err e;
	const char *ok1[] = { "*" };
	const char *ok2[] = { "x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA,C=US",
			      "x509.subject: O=Internet Widgits Pty Ltd,ST=Some-State,C=AU" };
	const char *ok3[] = { "nonX509Prefix:anything goes", "x509.subject:C=US,ST=WA,O=x" };
	const char *wild[] = { "*", "x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA,C=US" };
	const char *empty[] = { "" };
	const char *nosep[] = { "x509.subject CN=e2e,O=Notary,L=Seattle,ST=WA,C=US" };
	const char *novalue[] = { "x509.subject:" };
	const char *bad[] = { "x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA" };
	const char *overlap[] = { "x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA,C=US",
				  "x509.subject: CN=e2e,O=Notary,ST=WA,C=US" };

	assert_int_equal(validate(ok1, 1, &e), 0);
	assert_int_equal(validate(ok2, 2, &e), 0);
	assert_int_equal(validate(ok3, 2, &e), 0);

	assert_int_equal(validate(wild, 2, &e), -1);
	assert_string_equal(e.msg, "trust policy statement \"e2e\" uses a wildcard trusted identity '*', a wildcard "
				   "identity cannot be used in conjunction with other values");
	assert_int_equal(validate(empty, 1, &e), -1);
	assert_string_equal(e.msg, "trust policy statement \"e2e\" has an empty trusted identity");
	assert_int_equal(validate(nosep, 1, &e), -1);
	assert_string_equal(e.msg, "trust policy statement \"e2e\" has trusted identity \"x509.subject "
				   "CN=e2e,O=Notary,L=Seattle,ST=WA,C=US\" missing separator");
	assert_int_equal(validate(novalue, 1, &e), -1);
	assert_string_equal(e.msg, "trust policy statement \"e2e\" has trusted identity \"x509.subject:\" without "
				   "an identity value");
	assert_int_equal(validate(bad, 1, &e), -1);
	assert_string_equal(e.msg, "trust policy statement \"e2e\" has trusted identity \"x509.subject: "
				   "CN=e2e,O=Notary,L=Seattle,ST=WA\" with invalid identity value: distinguished name "
				   "(DN) \" CN=e2e,O=Notary,L=Seattle,ST=WA\" has no mandatory RDN attribute for \"C\", "
				   "it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum");
	assert_int_equal(validate(overlap, 2, &e), -1);
	assert_string_equal(e.msg, "trust policy statement \"e2e\" has overlapping x509 trustedIdentities, "
				   "\"x509.subject: CN=e2e,O=Notary,ST=WA,C=US\" overlaps with \"x509.subject: "
				   "CN=e2e,O=Notary,L=Seattle,ST=WA,C=US\"");
}

static int match(const char *subject, const char **ids, size_t n, struct ferry_err *e)
{
	struct nv_cert leaf;

	memset(&leaf, 0, sizeof(leaf));
	leaf.subject_string = (char *)subject;
	ferr_clear(e);
	return nv_identities_match("test-statement-name", (char *const *)ids, n, &leaf, e);
}

static void test_identities_match(void **state)
{
	static const char subject[] = "CN=SomeCN,OU=SomeOU,O=SomeOrg,L=Seattle,ST=WA,C=US";
	struct ferry_err e;
	const char *m1[] = { "x509.subject:C=US,O=SomeOrg,ST=WA" };
	const char *m2[] = { "x509.subject:C=IND,O=SomeOrg,ST=TS", "x509.subject:C=US,O=SomeOrg,ST=WA" };
	const char *m3[] = { "*" };
	const char *none[] = { "nonX509Prefix:my-custom-identity" };
	const char *miss[] = { "x509.subject:C=IND,O=SomeOrg,ST=TS", "nonX509Prefix:my-custom-identity" };
	const char *badid[] = { "x509.subject:C=bad=#identity,O=LOL,ST=LOL" };

	assert_int_equal(match(subject, m1, 1, &e), 0);
	assert_int_equal(match(subject, m2, 2, &e), 0);
	assert_int_equal(match(subject, m3, 1, &e), 0);

	assert_int_equal(match(subject, none, 1, &e), -1);
	assert_string_equal(e.msg, "no x509 trusted identities are configured in the trust policy "
				   "\"test-statement-name\"");
	assert_int_equal(match(subject, miss, 2, &e), -1);
	assert_string_equal(e.msg, "signing certificate from the digital signature does not match the X.509 "
				   "trusted identities [map[\"C\":\"IND\" \"O\":\"SomeOrg\" \"ST\":\"TS\"]] defined in "
				   "the trust policy \"test-statement-name\"");
	assert_int_equal(match(subject, m2 + 0, 1, &e), -1);
	assert_int_equal(match(subject, badid, 1, &e), -1);
	assert_string_equal(e.msg, "unsupported distinguished name (DN) \"C=bad=#identity,O=LOL,ST=LOL\": notation "
				   "does not support x509.subject identities containing \"=#\"");

	/* a leaf subject Go renders with an OID (=#hex) cannot be matched */
	assert_int_equal(match("1.2.840.113549.1.9.1=#0c0161,CN=x,O=SomeOrg,ST=WA,C=US", m1, 1, &e), -1);
	assert_string_equal(e.msg, "error while parsing the certificate subject from the digital signature. "
				   "error : \"unsupported distinguished name (DN) "
				   "\\\"1.2.840.113549.1.9.1=#0c0161,CN=x,O=SomeOrg,ST=WA,C=US\\\": notation does not "
				   "support x509.subject identities containing \\\"=#\\\"\"");
	/* ... unless the identity is the wildcard */
	assert_int_equal(match("1.2.840.113549.1.9.1=#0c0161,CN=x,O=SomeOrg,ST=WA,C=US", m3, 1, &e), 0);
	/* a leaf without the mandatory attributes never matches */
	assert_int_equal(match("CN=only", m1, 1, &e), -1);
	assert_non_null(strstr(e.msg, "error while parsing the certificate subject"));
}

static void test_go_quote(void **state)
{
	char *q;

	q = gj_quote("a\"b\\c\n\x01\xff\xc3\xa9");
	assert_string_equal(q, "\"a\\\"b\\\\c\\n\\x01\\xffé\"");
	free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dn_valid),
		cmocka_unit_test(test_dn_invalid),
		cmocka_unit_test(test_dn_subset),
		cmocka_unit_test(test_identities_validate),
		cmocka_unit_test(test_identities_match),
		cmocka_unit_test(test_go_quote),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
