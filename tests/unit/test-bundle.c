/* test-bundle.c - trust bundles from Secrets: Flux's error texts, every PEM block, fingerprints. */
#include "unit.h"
#include "vectors.h"

#include <stdlib.h>
#include <string.h>

#include "config/model.h"
#include "notation/bundle.h"
#include "notation/notation.h"
#include "util/err.h"
#include "util/mem.h"

#define POLICY "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"p\",\"registryScopes\":[\"*\"]," \
	       "\"signatureVerification\":{\"level\":\"strict\"},\"trustStores\":[\"ca:anything\"]," \
	       "\"trustedIdentities\":[\"*\"]}]}"

/* A Secret with entries given as key, value pairs (value NULL-terminated
 * text, or "@path" for a vector file); keys must be given sorted. */
static struct cfg_secret *secret_new(const char *const *kv, size_t n_pairs)
{
	struct cfg_secret *s = xcalloc(1, sizeof(*s));

	s->ns = xstrdup("flux-system");
	s->name = xstrdup("notation-config");
	s->type = xstrdup("Opaque");
	s->entries = xcalloc(n_pairs + 1, sizeof(*s->entries));
	for (size_t i = 0; i < n_pairs; i++) {
		struct cfg_secret_entry *ent = &s->entries[s->n_entries++];

		ent->key = xstrdup(kv[2 * i]);
		if (kv[2 * i + 1][0] == '@') {
			ent->value = read_vector(kv[2 * i + 1] + 1, &ent->len);
		} else {
			ent->value = (unsigned char *)xstrdup(kv[2 * i + 1]);
			ent->len = strlen(kv[2 * i + 1]);
		}
	}
	return s;
}

static void secret_free(struct cfg_secret *s)
{
	for (size_t i = 0; i < s->n_entries; i++) {
		free(s->entries[i].key);
		free(s->entries[i].value);
	}
	free(s->entries);
	free(s->ns);
	free(s->name);
	free(s->type);
	free(s);
}

#define E2E_CRT "@notation/test/e2e/testdata/config/localkeys/e2e.crt"
#define NEW_E2E_CRT "@notation/test/e2e/testdata/config/localkeys/new_e2e.crt"
#define ROOT_AND_LEAF "@notation-go/verifier/testdata/truststore/x509/ca/trust-store-with-leaf-certs-in-single-file/RootAndLeafCerts.crt"
#define GLOBALSIGN_DER "@notation-go/verifier/testdata/truststore/x509/ca/valid-trust-store/GlobalSign.der"

static int load(const char *const *kv, size_t n_pairs, struct nv_bundle **b, struct ferry_err *e)
{
	struct cfg_secret *s = secret_new(kv, n_pairs);
	int rc;

	ferr_clear(e);
	rc = nv_bundle_load(s, b, e);
	secret_free(s);
	return rc;
}

static void expect_error(const char *const *kv, size_t n_pairs, const char *msg)
{
	struct nv_bundle *b = NULL;
	struct ferry_err e;

	if (load(kv, n_pairs, &b, &e) == 0) {
		nv_bundle_free(b);
		fail_msg("load unexpectedly succeeded, want: %s", msg);
	}
	assert_null(b);
	assert_string_equal(e.msg, msg);
	assert_string_equal(e.reason, "VerificationError");
}

static void test_flux_errors(void **state)
{
	const char *no_policy[] = { "ca.crt", "x" };
	const char *bad_json[] = { "ca.crt", "x", "trustpolicy.json", "" };
	const char *bad_json2[] = { "trustpolicy.json", "{\"version\":\"1.0\",}" };
	const char *no_certs[] = { "ca.txt", "junk", "trustpolicy.json", POLICY };
	const char *empty_cert[] = { "ca.pem", "", "trustpolicy.json", POLICY };

	expect_error(no_policy, 1, "'trustpolicy.json' not found in secret 'flux-system/notation-config'");
	expect_error(bad_json, 2, "error occurred while parsing trustpolicy.json: unexpected end of JSON input");
	expect_error(bad_json2, 1, "error occurred while parsing trustpolicy.json: invalid character '}' looking for "
				   "beginning of object key string");
	/* Flux checks for certificate keys before the policy is validated */
	expect_error(no_certs, 2, "no certificates found in secret 'flux-system/notation-config'");
	expect_error(empty_cert, 2, "no certificates found in secret 'flux-system/notation-config'");
}

static void test_cert_parse_error_names_key(void **state)
{
	const char *kv[] = { "broken.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
			     "trustpolicy.json", POLICY };
	struct nv_bundle *b = NULL;
	struct ferry_err e;

	assert_int_equal(load(kv, 2, &b, &e), -1);
	assert_null(b);
	assert_true(strncmp(e.msg, "failed to parse certificate 'broken.pem' in secret 'flux-system/notation-config': ",
			    strlen("failed to parse certificate 'broken.pem' in secret 'flux-system/notation-config': "))
		    == 0);
}

static void test_policy_validation_after_certs(void **state)
{
	need_vectors();
	{
		const char *kv[] = { "ca.crt", E2E_CRT, "trustpolicy.json", "{}" };
		expect_error(kv, 2, "trust policy document has empty version, version must be specified");
	}
	{
		const char *kv[] = { "ca.crt", E2E_CRT, "trustpolicy.json",
				     "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"p\",\"registryScopes\":[\"*\"],"
				     "\"signatureVerification\":{\"level\":\"strict\"},\"trustStores\":[],"
				     "\"trustedIdentities\":[\"*\"]}]}" };
		expect_error(kv, 2, "trust policy: trust policy statement \"p\" is either missing trust stores or trusted "
				    "identities, both must be specified");
	}
}

static void test_loads_every_block_and_format(void **state)
{
	struct nv_bundle *b;
	struct ferry_err e;

	need_vectors();
	{
		/* a PEM bundle (root + leaf) yields both; DER keys are read too */
		const char *kv[] = { "bundle.crt", ROOT_AND_LEAF, "gs.der", GLOBALSIGN_DER, "ignored.txt", "zzz",
				     "trustpolicy.json", POLICY };
		if (load(kv, 4, &b, &e) < 0)
			fail_msg("%s", e.msg);
		assert_int_equal(b->n_certs, 3);
		assert_string_equal(b->secret, "flux-system/notation-config");
		assert_int_equal(strlen(nv_bundle_fingerprint(b)), 64);
		nv_bundle_free(b);
	}
}

static void test_skip_statement_cleaned(void **state)
{
	struct nv_bundle *b;
	struct ferry_err e;

	need_vectors();
	{
		const char *kv[] = { "ca.crt", E2E_CRT, "trustpolicy.json",
				     "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"s\",\"registryScopes\":[\"*\"],"
				     "\"signatureVerification\":{\"level\":\"skip\"},\"trustStores\":[\"ca:x\"],"
				     "\"trustedIdentities\":[\"*\"]}]}" };
		if (load(kv, 2, &b, &e) < 0)
			fail_msg("%s", e.msg);
		assert_int_equal(b->policy->statements[0].n_trust_stores, 0);
		assert_int_equal(b->policy->statements[0].n_trusted_identities, 0);
		nv_bundle_free(b);
	}
}

static char *fingerprint_of(const char *const *kv, size_t n_pairs)
{
	struct nv_bundle *b;
	struct ferry_err e;
	char *fp;

	if (load(kv, n_pairs, &b, &e) < 0)
		fail_msg("%s", e.msg);
	fp = xstrdup(nv_bundle_fingerprint(b));
	nv_bundle_free(b);
	return fp;
}

static void test_fingerprint(void **state)
{
	const char *base[] = { "a.crt", E2E_CRT, "trustpolicy.json", POLICY };
	const char *renamed[] = { "other.pem", E2E_CRT, "trustpolicy.json",
				  "{ \"trustPolicies\":[{\"registryScopes\":[\"*\"],\"Name\":\"p\","
				  "\"signatureVerification\":{\"level\":\"strict\"},\"trustStores\":[\"ca:anything\"],"
				  "\"trustedIdentities\":[\"*\"],\"unknown\":1}],\"version\":\"1.0\" }" };
	const char *twice[] = { "a.crt", E2E_CRT, "b.crt", E2E_CRT, "trustpolicy.json", POLICY };
	const char *other_cert[] = { "a.crt", NEW_E2E_CRT, "trustpolicy.json", POLICY };
	const char *more_certs[] = { "a.crt", E2E_CRT, "b.crt", NEW_E2E_CRT, "trustpolicy.json", POLICY };
	const char *other_policy[] = { "a.crt", E2E_CRT, "trustpolicy.json",
				       "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"p\",\"registryScopes\":[\"*\"],"
				       "\"signatureVerification\":{\"level\":\"audit\"},\"trustStores\":[\"ca:anything\"],"
				       "\"trustedIdentities\":[\"*\"]}]}" };
	char *fp_base, *fp;

	need_vectors();
	fp_base = fingerprint_of(base, 2);
	/* spelling, key names and duplicates do not change what decides a verdict */
	fp = fingerprint_of(renamed, 2);
	assert_string_equal(fp, fp_base);
	free(fp);
	fp = fingerprint_of(twice, 3);
	assert_string_equal(fp, fp_base);
	free(fp);
	/* certificates and policy content do */
	fp = fingerprint_of(other_cert, 2);
	assert_string_not_equal(fp, fp_base);
	free(fp);
	fp = fingerprint_of(more_certs, 3);
	assert_string_not_equal(fp, fp_base);
	free(fp);
	fp = fingerprint_of(other_policy, 2);
	assert_string_not_equal(fp, fp_base);
	free(fp);
	free(fp_base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flux_errors),
		cmocka_unit_test(test_cert_parse_error_names_key),
		cmocka_unit_test(test_policy_validation_after_certs),
		cmocka_unit_test(test_loads_every_block_and_format),
		cmocka_unit_test(test_skip_statement_cleaned),
		cmocka_unit_test(test_fingerprint),
	};
	return cmocka_run_group_tests(tests, vectors_setup, vectors_teardown);
}
