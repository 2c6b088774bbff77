/* test-policy.c - trust policy decoding (Go rules), validation messages, levels, overrides, selection. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notation/policy.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/limits.h"
#include "util/mem.h"

static struct nv_policy *parse_ok(const char *json)
{
	struct ferry_err e;
	struct nv_policy *p;

	ferr_clear(&e);
	if (nv_policy_parse(json, strlen(json), &p, &e) < 0)
		fail_msg("parse failed: %s (%s)", e.msg, json);
	return p;
}

static void expect_parse_error(const char *json, const char *msg)
{
	struct ferry_err e;
	struct nv_policy *p = NULL;

	ferr_clear(&e);
	if (nv_policy_parse(json, strlen(json), &p, &e) == 0) {
		nv_policy_free(p);
		fail_msg("parse of %s unexpectedly succeeded", json);
	}
	assert_null(p);
	assert_string_equal(e.msg, msg);
}

static void test_parse_syntax_errors(void **state)
{
	expect_parse_error("", "unexpected end of JSON input");
	expect_parse_error("  {\"version\":\"1.0\"", "unexpected end of JSON input");
	expect_parse_error("{\"version\":\"1.0\",}", "invalid character '}' looking for beginning of object key string");
	expect_parse_error("{\"trustPolicies\":[{}}]}", "invalid character '}' after array element");
	expect_parse_error("{\"version\" \"1.0\"}", "invalid character '\"' after object key");
	expect_parse_error("{\"version\":\"1.0\" \"x\":1}", "invalid character '\"' after object key:value pair");
	expect_parse_error("{} x", "invalid character 'x' after top-level value");
	expect_parse_error("{\"a\":tru}", "invalid character '}' in literal true (expecting 'e')");
	expect_parse_error("{\"a\":nul}", "invalid character '}' in literal null (expecting 'l')");
	expect_parse_error("{\"a\":-x}", "invalid character 'x' in numeric literal");
	expect_parse_error("{\"a\":1.}", "invalid character '}' after decimal point in numeric literal");
	expect_parse_error("{\"a\":1e+}", "invalid character '}' in exponent of numeric literal");
	expect_parse_error("{\"a\":01}", "invalid character '1' after object key:value pair");
	expect_parse_error("{\"a\":\"\\x\"}", "invalid character 'x' in string escape code");
	expect_parse_error("{\"a\":\"\\u12g4\"}", "invalid character 'g' in \\u hexadecimal character escape");
	expect_parse_error("{\"a\":\"\t\"}", "invalid character '\\t' in string literal");
	expect_parse_error("'x'", "invalid character '\\'' looking for beginning of value");
	expect_parse_error("\xef\xbb\xbf{}", "invalid character 'ï' looking for beginning of value");
}

static void test_parse_type_errors(void **state)
{
	expect_parse_error("[]", "json: cannot unmarshal array into Go value of type trustpolicy.Document");
	expect_parse_error("{\"version\":1.0}",
			   "json: cannot unmarshal number into Go struct field Document.version of type string");
	expect_parse_error("{\"trustPolicies\":{}}", "json: cannot unmarshal object into Go struct field "
						 "Document.trustPolicies of type []trustpolicy.TrustPolicy");
	expect_parse_error("{\"trustPolicies\":[\"x\"]}", "json: cannot unmarshal string into Go struct field "
							"Document.trustPolicies of type trustpolicy.TrustPolicy");
	expect_parse_error("{\"trustPolicies\":[{\"name\":true}]}",
			   "json: cannot unmarshal bool into Go struct field TrustPolicy.trustPolicies.name of type "
			   "string");
	expect_parse_error("{\"trustPolicies\":[{\"registryScopes\":[1]}]}",
			   "json: cannot unmarshal number into Go struct field TrustPolicy.trustPolicies.registryScopes "
			   "of type string");
	expect_parse_error("{\"trustPolicies\":[{\"trustStores\":\"ca:x\"}]}",
			   "json: cannot unmarshal string into Go struct field TrustPolicy.trustPolicies.trustStores of "
			   "type []string");
	expect_parse_error("{\"trustPolicies\":[{\"signatureVerification\":{\"level\":[]}}]}",
			   "json: cannot unmarshal array into Go struct field "
			   "SignatureVerification.trustPolicies.signatureVerification.level of type string");
	expect_parse_error("{\"trustPolicies\":[{\"signatureVerification\":{\"override\":{\"expiry\":1}}}]}",
			   "json: cannot unmarshal number into Go struct field "
			   "SignatureVerification.trustPolicies.signatureVerification.override of type "
			   "trustpolicy.ValidationAction");
	expect_parse_error("{\"trustPolicies\":[{\"signatureVerification\":{\"verifyTimestamp\":false}}]}",
			   "json: cannot unmarshal bool into Go struct field "
			   "SignatureVerification.trustPolicies.signatureVerification.verifyTimestamp of type "
			   "trustpolicy.TimestampOption");
	/* the first mismatch is reported even when later members decode */
	expect_parse_error("{\"version\":2,\"trustPolicies\":3}",
			   "json: cannot unmarshal number into Go struct field Document.version of type string");
}

static void test_parse_go_quirks(void **state)
{
	struct nv_policy *p;

	/* keys match case-insensitively; unknown fields are ignored; last duplicate wins */
	p = parse_ok("{\"VERSION\":\"0.9\",\"Version\":\"1.0\",\"extra\":{\"deep\":[1,2]},"
		     "\"TrustPolicies\":[{\"NAME\":\"a\",\"RegistryScopes\":[\"*\"],"
		     "\"signatureverification\":{\"LEVEL\":\"audit\",\"verifytimestamp\":\"always\"},"
		     "\"trustStores\":[\"ca:x\"],\"trustedidentities\":[\"*\"],\"globalPolicy\":true}]}");
	assert_string_equal(p->version, "1.0");
	assert_int_equal(p->n_statements, 1);
	assert_string_equal(p->statements[0].name, "a");
	assert_string_equal(p->statements[0].level, "audit");
	assert_string_equal(p->statements[0].verify_timestamp, "always");
	assert_int_equal(p->statements[0].n_registry_scopes, 1);
	assert_int_equal(p->statements[0].n_trust_stores, 1);
	nv_policy_free(p);

	/* Go folds the Kelvin sign and the long s when matching field names */
	p = parse_ok("{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"n\",\"trust\xc5\xbftores\":[\"ca:x\"]}]}");
	assert_int_equal(p->statements[0].n_trust_stores, 1);
	nv_policy_free(p);

	/* null leaves a value alone; duplicated members merge into what was decoded */
	p = parse_ok("{\"version\":\"1.0\",\"version\":null,\"trustPolicies\":[{\"name\":\"a\","
		     "\"signatureVerification\":{\"level\":\"strict\",\"override\":{\"expiry\":\"log\"}}}],"
		     "\"trustPolicies\":[{\"signatureVerification\":{\"override\":{\"revocation\":\"skip\"}}}]}");
	assert_string_equal(p->version, "1.0");
	assert_int_equal(p->n_statements, 1);
	assert_string_equal(p->statements[0].name, "a");
	assert_string_equal(p->statements[0].level, "strict");
	assert_int_equal(p->statements[0].n_overrides, 2);
	assert_string_equal(p->statements[0].overrides[0].type, "expiry");
	assert_string_equal(p->statements[0].overrides[1].type, "revocation");
	nv_policy_free(p);

	/* "null" is an empty document (Flux then reports the missing version) */
	p = parse_ok("null");
	assert_string_equal(p->version, "");
	assert_int_equal(p->n_statements, 0);
	nv_policy_free(p);

	/* escapes decode as Go does, invalid UTF-8 becomes U+FFFD */
	p = parse_ok("{\"version\":\"1\\u002e0\",\"trustPolicies\":[{\"name\":\"\xff\\ud800x\"}]}");
	assert_string_equal(p->version, "1.0");
	assert_string_equal(p->statements[0].name, "\xef\xbf\xbd\xef\xbf\xbdx");
	nv_policy_free(p);

	expect_parse_error("{\"version\":\"1.0\\u0000\"}", "json: a string holding a NUL character is not supported");
}

static void expect_invalid(const char *json, const char *msg)
{
	struct nv_policy *p = parse_ok(json);
	struct ferry_err e;

	ferr_clear(&e);
	if (nv_policy_validate(p, &e) == 0)
		fail_msg("validation of %s unexpectedly passed", json);
	assert_string_equal(e.msg, msg);
	assert_string_equal(e.reason, "VerificationError");
	nv_policy_free(p);
}

static void expect_valid(const char *json)
{
	struct nv_policy *p = parse_ok(json);
	struct ferry_err e;

	ferr_clear(&e);
	if (nv_policy_validate(p, &e) < 0)
		fail_msg("validation of %s failed: %s", json, e.msg);
	nv_policy_free(p);
}

#define DOC(stmts) "{\"version\":\"1.0\",\"trustPolicies\":[" stmts "]}"
#define ST(name, scopes, sv, stores, ids)                                                              \
	"{\"name\":\"" name "\",\"registryScopes\":[" scopes "],\"signatureVerification\":" sv            \
	",\"trustStores\":[" stores "],\"trustedIdentities\":[" ids "]}"
#define STRICT "{\"level\":\"strict\"}"
#define OK_ST(name, scope) ST(name, "\"" scope "\"", STRICT, "\"ca:x\"", "\"*\"")

static void test_validate_document(void **state)
{
	expect_valid(DOC(OK_ST("a", "*")));
	expect_invalid("{}", "trust policy document has empty version, version must be specified");
	expect_invalid("{\"version\":\"2.0\"}", "trust policy document uses unsupported version \"2.0\"");
	expect_invalid("{\"version\":\"1.0\"}", "trust policy document can not have zero trust policy statements");
	expect_invalid("{\"version\":\"1.0\",\"trustPolicies\":[]}",
		       "trust policy document can not have zero trust policy statements");
	expect_invalid(DOC(OK_ST("e2e", "localhost:5000/test-repo10") "," OK_ST("e2e", "localhost:5000/test-repo11")),
		       "multiple trust policy statements use the same name \"e2e\", statement names must be unique");
	expect_invalid(DOC(OK_ST("", "*")),
		       "trust policy: a trust policy statement is missing a name, every statement requires a name");
}

static void test_validate_levels(void **state)
{
	expect_invalid(DOC(ST("e2e", "\"*\"", "{}", "\"ca:x\"", "\"*\"")),
		       "trust policy: trust policy statement \"e2e\" has invalid signatureVerification: signature "
		       "verification level is empty or missing in the trust policy statement");
	expect_invalid(DOC(ST("e2e", "\"*\"", "{\"level\":\"Strict\"}", "\"ca:x\"", "\"*\"")),
		       "trust policy: trust policy statement \"e2e\" has invalid signatureVerification: invalid "
		       "signature verification level \"Strict\"");
	expect_invalid(DOC(ST("e2e", "\"*\"", "{\"level\":\"skip\",\"override\":{\"revocation\":\"log\"}}", "", "")),
		       "trust policy: trust policy statement \"e2e\" has invalid signatureVerification: signature "
		       "verification level \"skip\" can't be used to customize signature verification");
	expect_invalid(DOC(ST("e2e", "\"*\"", "{\"level\":\"strict\",\"override\":{\"signature\":\"log\"}}",
			      "\"ca:x\"", "\"*\"")),
		       "trust policy: trust policy statement \"e2e\" has invalid signatureVerification: verification "
		       "type \"signature\" in custom signature verification is not supported, supported values are "
		       "[\"integrity\" \"authenticity\" \"authenticTimestamp\" \"expiry\" \"revocation\"]");
	expect_invalid(DOC(ST("e2e", "\"*\"", "{\"level\":\"strict\",\"override\":{\"expiry\":\"warn\"}}",
			      "\"ca:x\"", "\"*\"")),
		       "trust policy: trust policy statement \"e2e\" has invalid signatureVerification: verification "
		       "action \"warn\" in custom signature verification is not supported, supported values are "
		       "[\"enforce\" \"log\" \"skip\"]");
	expect_invalid(DOC(ST("e2e", "\"*\"", "{\"level\":\"strict\",\"override\":{\"expiry\":null}}",
			      "\"ca:x\"", "\"*\"")),
		       "trust policy: trust policy statement \"e2e\" has invalid signatureVerification: verification "
		       "action \"\" in custom signature verification is not supported, supported values are "
		       "[\"enforce\" \"log\" \"skip\"]");
	expect_invalid(DOC(ST("e2e", "\"*\"", "{\"level\":\"permissive\",\"override\":{\"integrity\":\"enforce\"}}",
			      "\"ca:x\"", "\"*\"")),
		       "trust policy: trust policy statement \"e2e\" has invalid signatureVerification: "
		       "\"integrity\" verification can not be overridden in custom signature verification");
	expect_invalid(DOC(ST("e2e", "\"*\"", "{\"level\":\"strict\",\"override\":{\"authenticity\":\"skip\"}}",
			      "\"ca:x\"", "\"*\"")),
		       "trust policy: trust policy statement \"e2e\" has invalid signatureVerification: "
		       "\"authenticity\" verification can not be skipped in custom signature verification");
	expect_invalid(DOC(ST("e2e", "\"*\"", "{\"level\":\"strict\",\"override\":{\"expiry\":\"skip\"}}",
			      "\"ca:x\"", "\"*\"")),
		       "trust policy: trust policy statement \"e2e\" has invalid signatureVerification: \"expiry\" "
		       "verification can not be skipped in custom signature verification");
	expect_valid(DOC(ST("e2e", "\"*\"", "{\"level\":\"strict\",\"override\":{\"revocation\":\"skip\"}}",
			    "\"ca:x\"", "\"*\"")));
	expect_valid(DOC(ST("e2e", "\"*\"", "{\"level\":\"strict\",\"override\":{}}", "\"ca:x\"", "\"*\"")));
	expect_invalid(DOC(ST("e2e", "\"*\"", "{\"level\":\"strict\",\"verifyTimestamp\":\"never\"}", "\"ca:x\"",
			      "\"*\"")),
		       "trust policy: trust policy statement \"e2e\" has invalid signatureVerification: "
		       "verifyTimestamp must be \"always\" or \"afterCertExpiry\", but got \"never\"");
	expect_valid(DOC(ST("e2e", "\"*\"", "{\"level\":\"strict\",\"verifyTimestamp\":\"afterCertExpiry\"}",
			    "\"ca:x\",\"tsa:t\"", "\"*\"")));
}

static void test_validate_stores_identities(void **state)
{
	expect_invalid(DOC(ST("e2e", "\"*\"", "{\"level\":\"skip\"}", "\"ca:x\"", "")),
		       "trust policy: trust policy statement \"e2e\" is set to skip signature verification but "
		       "configured with trust stores and/or trusted identities, remove them if signature "
		       "verification needs to be skipped");
	expect_valid(DOC(ST("e2e", "\"*\"", "{\"level\":\"skip\"}", "", "")));
	expect_invalid(DOC(ST("e2e", "\"*\"", STRICT, "", "\"*\"")),
		       "trust policy: trust policy statement \"e2e\" is either missing trust stores or trusted "
		       "identities, both must be specified");
	expect_invalid(DOC(ST("e2e", "\"*\"", STRICT, "\"ca:x\"", "")),
		       "trust policy: trust policy statement \"e2e\" is either missing trust stores or trusted "
		       "identities, both must be specified");
	expect_invalid(DOC(ST("e2e", "\"*\"", STRICT, "\"*\"", "\"*\"")),
		       "trust policy: trust policy statement \"e2e\" has malformed trust store value \"*\". The "
		       "required format is <TrustStoreType>:<TrustStoreName>");
	expect_invalid(DOC(ST("e2e", "\"*\"", STRICT, "\"CA:x\"", "\"*\"")),
		       "trust policy: trust policy statement \"e2e\" uses an unsupported trust store type \"CA\" in "
		       "trust store value \"CA:x\"");
	expect_invalid(DOC(ST("e2e", "\"*\"", STRICT, "\"ca:\"", "\"*\"")),
		       "trust policy: trust policy statement \"e2e\" uses an unsupported trust store name \"\" in "
		       "trust store value \"ca:\". Named store name needs to follow [a-zA-Z0-9_.-]+ format");
	expect_invalid(DOC(ST("e2e", "\"*\"", STRICT, "\"signingAuthority:a/b\"", "\"*\"")),
		       "trust policy: trust policy statement \"e2e\" uses an unsupported trust store name \"a/b\" in "
		       "trust store value \"signingAuthority:a/b\". Named store name needs to follow "
		       "[a-zA-Z0-9_.-]+ format");
	expect_valid(DOC(ST("e2e", "\"*\"", STRICT, "\"ca:a-B_1.c\",\"signingAuthority:s\",\"tsa:t\"", "\"*\"")));
	expect_invalid(DOC(ST("e2e", "\"*\"", STRICT, "\"ca:x\"", "\"x509.subject: CN=e2e,O=Notary,L=Seattle,C=US\"")),
		       "trust policy: trust policy statement \"e2e\" has trusted identity \"x509.subject: "
		       "CN=e2e,O=Notary,L=Seattle,C=US\" with invalid identity value: distinguished name (DN) \" "
		       "CN=e2e,O=Notary,L=Seattle,C=US\" has no mandatory RDN attribute for \"ST\", it must contain "
		       "'C', 'ST' or 'S', and 'O' RDN attributes at a minimum");
	expect_invalid(DOC(ST("e2e", "\"*\"", STRICT, "\"ca:x\"", "\"*\",\"x509.subject:C=US,ST=WA,O=x\"")),
		       "trust policy: trust policy statement \"e2e\" uses a wildcard trusted identity '*', a "
		       "wildcard identity cannot be used in conjunction with other values");
}

static void test_validate_scopes(void **state)
{
	/* notation-go's TestValidRegistryScopes / TestInvalidRegistryScopes, and more */
	static const char *valid[] = { "example.com/rep", "example.com:8080/rep/rep2", "example.com/rep/subrep/subsub",
				       "10.10.10.10:8080/rep/rep2", "domain/rep", "domain:1234/rep", "local/myoci",
				       "a.b-c.d/x__y/z---w/v.u" };
	static const char *invalid[] = { "", "1:1", "a,b", "abcd", "1111", "1,2", "example.com/rep:tag",
					 "example.com/rep/subrep/sub:latest", "example.com", "rep/rep2:latest",
					 "repository", "10.10.10.10", "10.10.10.10:8080/rep/rep2:latest",
					 "local/myOCILayout", "-a.com/rep", "a.com:/rep", "a.com/", "/rep", "a.com/rep/",
					 "a.com/a._b", "a.com/a___b", "a.com/a-" };
	static const char *wildcards[] = { "example.com/*", "*/", "example*/", "ex*test" };
	struct ferry_err e;
	char msg[512];

	for (size_t i = 0; i < ARRAY_SIZE(valid); i++)
		if (nv_scope_validate(valid[i], &e) < 0)
			fail_msg("%s: %s", valid[i], e.msg);
	for (size_t i = 0; i < ARRAY_SIZE(invalid); i++) {
		assert_int_equal(nv_scope_validate(invalid[i], &e), -1);
		snprintf(msg, sizeof(msg), "registry scope \"%s\" is not valid, make sure it is a fully qualified "
					   "repository without the scheme, protocol or tag. For example "
					   "domain.com/my/repository or a local scope like local/myOCILayout", invalid[i]);
		assert_string_equal(e.msg, msg);
	}
	for (size_t i = 0; i < ARRAY_SIZE(wildcards); i++) {
		assert_int_equal(nv_scope_validate(wildcards[i], &e), -1);
		snprintf(msg, sizeof(msg), "registry scope \"%s\" with wild card(s) is not valid, make sure it is a "
					   "fully qualified repository without the scheme, protocol or tag. For example "
					   "domain.com/my/repository or a local scope like local/myOCILayout", wildcards[i]);
		assert_string_equal(e.msg, msg);
	}
	/* scopes are quoted as Go's %q does */
	assert_int_equal(nv_scope_validate("localhost:5000\\test-repo", &e), -1);
	assert_non_null(strstr(e.msg, "registry scope \"localhost:5000\\\\test-repo\" is not valid"));

	expect_invalid(DOC(ST("e2e", "", STRICT, "\"ca:x\"", "\"*\"")),
		       "trust policy statement \"e2e\" has zero registry scopes, it must specify registry scopes with "
		       "at least one value");
	expect_invalid(DOC(ST("e2e", "\"*\",\"a.io/b\"", STRICT, "\"ca:x\"", "\"*\"")),
		       "trust policy statement \"e2e\" uses wildcard registry scope '*', a wildcard scope cannot be "
		       "used in conjunction with other scope values");
	expect_invalid(DOC(OK_ST("a", "*") "," OK_ST("b", "*")),
		       "registry scope \"*\" is present in multiple trust policy statements, one registry scope value "
		       "can only be associated with one statement");
	expect_invalid(DOC(ST("e2e", "\"a.io/b\",\"a.io/b\"", STRICT, "\"ca:x\"", "\"*\"")),
		       "registry scope \"a.io/b\" is present in multiple trust policy statements, one registry scope "
		       "value can only be associated with one statement");
	expect_invalid(DOC(OK_ST("a", "a.io/B")),
		       "registry scope \"a.io/B\" is not valid, make sure it is a fully qualified repository without "
		       "the scheme, protocol or tag. For example domain.com/my/repository or a local scope like "
		       "local/myOCILayout");
	expect_valid(DOC(OK_ST("a", "a.io/b") "," OK_ST("b", "a.io/c") "," OK_ST("c", "*")));
}

static void test_validate_order(void **state)
{
	/* statement rules are checked statement by statement before any scope rule */
	expect_invalid(DOC(ST("a", "", STRICT, "\"ca:x\"", "\"*\"") "," ST("b", "\"*\"", "{}", "\"ca:x\"", "\"*\"")),
		       "trust policy: trust policy statement \"b\" has invalid signatureVerification: signature "
		       "verification level is empty or missing in the trust policy statement");
}

static void level_of(const char *sv, const char *name, const enum nv_action want[NV_CHECK_COUNT])
{
	char json[512];
	struct nv_policy *p;
	struct ferry_err e;
	enum nv_action got[NV_CHECK_COUNT];
	const char *got_name;

	snprintf(json, sizeof(json), DOC(ST("s", "\"*\"", "%s", "\"ca:x\"", "\"*\"")), sv);
	p = parse_ok(json);
	if (nv_statement_level(&p->statements[0], &got_name, got, &e) < 0)
		fail_msg("%s: %s", sv, e.msg);
	assert_string_equal(got_name, name);
	for (int i = 0; i < NV_CHECK_COUNT; i++)
		if (got[i] != want[i])
			fail_msg("%s: %s is %s, want %s", sv, nv_check_name(i), nv_action_name(got[i]),
				 nv_action_name(want[i]));
	nv_policy_free(p);
}

static void test_levels(void **state)
{
	const enum nv_action E = NV_ACTION_ENFORCE, L = NV_ACTION_LOG, S = NV_ACTION_SKIP;
	const enum nv_action strict[] = { E, E, E, E, E };
	const enum nv_action permissive[] = { E, E, L, L, L };
	const enum nv_action audit[] = { E, L, L, L, L };
	const enum nv_action skip[] = { S, S, S, S, S };
	const enum nv_action override_strict[] = { E, L, L, L, L };
	const enum nv_action override_permissive[] = { E, L, E, E, E };
	const enum nv_action override_audit[] = { E, E, E, E, E };
	const enum nv_action revocation_skip[] = { E, E, E, E, S };

	level_of("{\"level\":\"strict\"}", "strict", strict);
	level_of("{\"level\":\"permissive\"}", "permissive", permissive);
	level_of("{\"level\":\"audit\"}", "audit", audit);
	level_of("{\"level\":\"skip\"}", "skip", skip);
	level_of("{\"level\":\"strict\",\"override\":{\"revocation\":\"log\",\"expiry\":\"log\","
		 "\"authenticTimestamp\":\"log\",\"authenticity\":\"log\"}}", "custom", override_strict);
	level_of("{\"level\":\"permissive\",\"override\":{\"revocation\":\"enforce\",\"expiry\":\"enforce\","
		 "\"authenticTimestamp\":\"enforce\",\"authenticity\":\"log\"}}", "custom", override_permissive);
	level_of("{\"level\":\"audit\",\"override\":{\"revocation\":\"enforce\",\"expiry\":\"enforce\","
		 "\"authenticTimestamp\":\"enforce\",\"authenticity\":\"enforce\"}}", "custom", override_audit);
	level_of("{\"level\":\"strict\",\"override\":{\"revocation\":\"skip\"}}", "custom", revocation_skip);
	level_of("{\"level\":\"strict\",\"override\":{}}", "strict", strict);
}

static void test_select(void **state)
{
	struct nv_policy *p;
	const struct nv_statement *st;
	struct ferry_err e;

	p = parse_ok(DOC(OK_ST("wild", "*") "," ST("exact", "\"registry.acme-rockets.io/software/net-monitor\","
							    "\"docker.io/library/alpine\"", STRICT, "\"ca:x\"", "\"*\"")));
	assert_int_equal(nv_policy_select(p, "registry.acme-rockets.io/software/net-monitor@sha256:abc", &st, &e), 0);
	assert_string_equal(st->name, "exact");
	/* no normalisation: another spelling of the same repository gets the wildcard */
	assert_int_equal(nv_policy_select(p, "index.docker.io/library/alpine@sha256:abc", &st, &e), 0);
	assert_string_equal(st->name, "wild");
	assert_int_equal(nv_policy_select(p, "registry.acme-rockets.io/software/net-monitor", &st, &e), -1);
	assert_string_equal(e.msg, "artifact URI \"registry.acme-rockets.io/software/net-monitor\" could not be parsed, "
				   "make sure it is the fully qualified oci artifact URI without the scheme/protocol. "
				   "e.g domain.com:80/my/repository@sha256:digest");
	assert_int_equal(nv_policy_select(p, "Registry.io/x@sha256:abc", &st, &e), 0);
	assert_int_equal(nv_policy_select(p, "registry.io/X@sha256:abc", &st, &e), -1);
	assert_non_null(strstr(e.msg, "registry scope \"registry.io/X\" is not valid"));
	nv_policy_free(p);

	p = parse_ok(DOC(OK_ST("e2e", "localhost:5000/test-repo")));
	assert_int_equal(nv_policy_select(p, "localhost:5000/test-repo@sha256:abc", &st, &e), 0);
	assert_int_equal(nv_policy_select(p, "localhost:5000/test-repo2@sha256:abc", &st, &e), -1);
	assert_string_equal(e.msg, "artifact \"localhost:5000/test-repo2@sha256:abc\" has no applicable trust policy "
				   "statement. Trust policy applicability for a given artifact is determined by "
				   "registryScopes. To create a trust policy, see: "
				   "https://notaryproject.dev/docs/quickstart/#create-a-trust-policy");
	assert_string_equal(e.reason, "VerificationError");
	nv_policy_free(p);
}

static void test_clean(void **state)
{
	struct nv_policy *p;
	struct ferry_err e;

	p = parse_ok(DOC(ST("skipper", "\"*\"", "{\"level\":\"skip\"}", "\"ca:x\"", "\"*\"") ","
			 OK_ST("kept", "a.io/b")));
	assert_int_equal(nv_policy_validate(p, &e), -1);
	assert_int_equal(nv_policy_clean(p), 1);
	assert_int_equal(p->statements[0].n_trust_stores, 0);
	assert_int_equal(p->statements[0].n_trusted_identities, 0);
	assert_int_equal(p->statements[1].n_trust_stores, 1);
	assert_int_equal(nv_policy_validate(p, &e), 0);
	assert_int_equal(nv_policy_clean(p), 0);
	nv_policy_free(p);
}

static void test_store_types_and_canonical(void **state)
{
	struct nv_policy *p, *q;
	char *a, *b;

	p = parse_ok(DOC(ST("s", "\"*\"", STRICT, "\"ca:x\",\"tsa:t\"", "\"*\"")));
	assert_true(nv_statement_has_store_type(&p->statements[0], "ca"));
	assert_true(nv_statement_has_store_type(&p->statements[0], "tsa"));
	assert_false(nv_statement_has_store_type(&p->statements[0], "signingAuthority"));
	/* the canonical form ignores spelling (key case, unknown fields, spacing) */
	q = parse_ok("{ \"trustpolicies\" : [ {\"Name\":\"s\",\"registryScopes\":[\"*\"],\"x\":1,"
		     "\"signatureVerification\":{\"level\":\"strict\"},\"trustStores\":[\"ca:x\",\"tsa:t\"],"
		     "\"trustedIdentities\":[\"*\"]} ], \"version\":\"1.0\" }");
	a = nv_policy_canonical(p);
	b = nv_policy_canonical(q);
	assert_string_equal(a, b);
	free(b);
	nv_policy_free(q);
	/* ... but not content */
	q = parse_ok(DOC(ST("s", "\"*\"", STRICT, "\"ca:x\"", "\"*\"")));
	b = nv_policy_canonical(q);
	assert_string_not_equal(a, b);
	free(a);
	free(b);
	nv_policy_free(q);
	nv_policy_free(p);
}

static void test_size_limits(void **state)
{
	struct buf b;
	char *json;

	/* LIMIT_TRUST_POLICY_STATEMENTS + 1 statements */
	buf_init(&b, 0);
	buf_append_str(&b, "{\"version\":\"1.0\",\"trustPolicies\":[");
	for (int i = 0; i <= LIMIT_TRUST_POLICY_STATEMENTS; i++)
		buf_printf(&b, "%s{\"name\":\"s%d\"}", i ? "," : "", i);
	buf_append_str(&b, "]}");
	json = buf_cstr(&b);
	expect_parse_error(json, "trust policy document has more than 1024 trust policy statements");
	buf_free(&b);

	/* LIMIT_TRUST_POLICY_VALUES + 1 scopes in one statement */
	buf_init(&b, 0);
	buf_append_str(&b, "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"s\",\"registryScopes\":[");
	for (int i = 0; i <= LIMIT_TRUST_POLICY_VALUES; i++)
		buf_printf(&b, "%s\"r.io/x%d\"", i ? "," : "", i);
	buf_append_str(&b, "]}]}");
	json = buf_cstr(&b);
	expect_parse_error(json, "trust policy document has more than 4096 registry scopes, trust stores and trusted "
				 "identities");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_syntax_errors),
		cmocka_unit_test(test_parse_type_errors),
		cmocka_unit_test(test_parse_go_quirks),
		cmocka_unit_test(test_validate_document),
		cmocka_unit_test(test_validate_levels),
		cmocka_unit_test(test_validate_stores_identities),
		cmocka_unit_test(test_validate_scopes),
		cmocka_unit_test(test_validate_order),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_store_types_and_canonical),
		cmocka_unit_test(test_size_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
