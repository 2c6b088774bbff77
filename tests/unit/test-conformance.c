/* test-conformance.c - every Notation vector of the shared MANIFEST.md whose verdict needs no network,
 * with ferry's verdict and message (the RFC 3161 token vectors are in test-tst.c and test-timestamp.c).
 *
 * Vectors are read at run time from $FERRY_SHARED_DIR/vectors/notation. The
 * e2e OCI layouts and the reconstructed alpine signature manifest are served
 * through the registry client calls nv_verify makes, replaced at link time
 * (-Wl,--wrap) by a registry that reads blobs from the vector directories.
 * "now" is pinned to 2026-06-01 so verdicts do not drift.
 *
 * Trust material follows Flux: every certificate of the Secret serves every
 * trust store the policy lists (store names are ignored, types matter).
 * Messages are notation-go v1.3.2's (the version Flux pins).
 */
#include "unit.h"
#include "oci-wrap.h"
#include "vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "notation/bundle.h"
#include "notation/envelope.h"
#include "notation/identity.h"
#include "notation/notation.h"
#include "notation/policy.h"
#include "notation/verify.h"
#include "oci/manifest.h"
#include "oci/oci.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/mem.h"

#define NOW 1780272000 /* 2026-06-01T00:00:00Z */

/* ---- trust material ---------------------------------------------------------------- */

/* The leaf of an envelope's chain (to trust a signer the vectors ship no store for). */
static void certs_add_leaf_of(struct certs *c, const char *media_type, const char *rel)
{
	size_t len;
	unsigned char *data = read_vector(rel, &len);
	struct nv_envelope *env;
	struct nv_cert *leaf;
	struct ferry_err e;

	if (nv_envelope_verify(media_type, data, len, &env, &e) < 0)
		fail_msg("%s: %s", rel, e.msg);
	if (nv_cert_parse_der(env->chain[0]->der, env->chain[0]->der_len, &leaf, &e) < 0)
		fail_msg("%s", e.msg);
	certs_add(c, &leaf, 1);
	nv_envelope_free(env);
	free(data);
}

static struct nv_bundle *make_bundle(const char *policy_json, struct certs *c)
{
	struct nv_bundle *b = make_test_bundle("conformance/vectors", policy_json, c->v, NULL, c->n);

	c->v = NULL;
	c->n = 0;
	return b;
}

/* ---- one envelope against one statement ------------------------------------------------ */

struct expect {
	enum nv_result result;      /* NV_FAILED: msg is the error; otherwise msg is the logged list (or NULL) */
	const char *msg;
};

static void check_signature(const struct nv_bundle *b, const char *reference, const char *media_type,
			    const char *envelope_rel, const struct nv_target *target, struct expect want,
			    const char *what)
{
	const struct nv_statement *st;
	struct nv_sig_result r;
	struct ferry_err e;
	size_t len;
	unsigned char *env = read_vector(envelope_rel, &len);
	char *logged = NULL;
	int rc;

	if (nv_policy_select(b->policy, reference, &st, &e) < 0)
		fail_msg("%s: %s", what, e.msg);
	ferr_clear(&e);
	rc = nv_verify_signature(st, b->certs, b->n_certs, media_type, env, len, target, NOW, &r, &e);
	if (want.result == NV_FAILED) {
		if (rc == 0)
			fail_msg("%s: verified, want failure: %s", what, want.msg);
		if (want.msg && strcmp(e.msg, want.msg) != 0)
			fail_msg("%s:\n got: %s\nwant: %s", what, e.msg, want.msg);
		assert_string_equal(e.reason, "VerificationError");
	} else {
		enum nv_result got;

		if (rc < 0)
			fail_msg("%s: failed: %s", what, e.msg);
		got = nv_sig_result_outcome(&r, &logged);
		if (got != want.result)
			fail_msg("%s: result %d, want %d (logged: %s)", what, got, want.result, str_or(logged, "-"));
		if (!str_eq(logged, want.msg))
			fail_msg("%s:\n logged: %s\n  want: %s", what, str_or(logged, "(none)"), str_or(want.msg, "(none)"));
	}
	free(logged);
	nv_sig_result_free(&r);
	free(env);
}

/* ---- CTX-MOCK: notation-go internal/mock/testdata envelopes ------------------------------ */

#define MOCK_DIR "notation-go/internal/mock/testdata/"
#define STORES "notation-go/verifier/testdata/truststore/x509/"
#define MOCK_REF "registry.acme-rockets.io/software/net-monitor@sha256:" \
		 "60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e"
#define MOCK_IDENTITY "x509.subject:CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US"
#define NOT_TRUSTED "the signature's certificate chain does not contain any trusted certificate"
#define INVALID_B64 "signature is invalid. Error: illegal base64 data at input byte 242"
#define MOCK_EXPIRED "digital signature has expired on \"Fri, 29 Jul 2022 23:59:00 +0000\""

static const struct nv_target desc_mock = { "application/vnd.docker.distribution.manifest.v2+json",
					    "sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e", 528 };
static const struct nv_target desc_meta = { "application/vnd.docker.distribution.manifest.v2+json",
					    "sha256:5a07385af4e6b6af81b0ebfd435aedccdfa3507f0609c658209e1aba57159b2b", 942 };

/* notation-go verifier/helpers_test.go dummyOCIPolicyDocument() at a level */
static char *mock_policy(const char *sv, const char *identity)
{
	return xasprintf("{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"test-statement-name\",\"registryScopes\":"
			 "[\"registry.acme-rockets.io/software/net-monitor\"],\"signatureVerification\":%s,"
			 "\"trustStores\":[\"ca:valid-trust-store\",\"signingAuthority:valid-trust-store\"],"
			 "\"trustedIdentities\":[\"%s\"]}]}", sv, identity);
}

static struct nv_bundle *mock_bundle(const char *sv, const char *identity, const char *store)
{
	struct certs c = { 0 };
	char *json = mock_policy(sv, identity);
	char *ca = xasprintf(STORES "ca/%s", store), *sa = xasprintf(STORES "signingAuthority/%s", store);
	struct nv_bundle *b;

	certs_add_dir(&c, ca);
	certs_add_dir(&c, sa);
	b = make_bundle(json, &c);
	free(json);
	free(ca);
	free(sa);
	return b;
}

static void mock_case(const char *sv, const char *identity, const char *store, const char *file,
		      const struct nv_target *target, struct expect want)
{
	struct nv_bundle *b = mock_bundle(sv, identity, store);
	char *rel = xasprintf(MOCK_DIR "%s", file);
	char *what = xasprintf("%s %s %s", file, sv, store);

	check_signature(b, MOCK_REF, "application/jose+json", rel, target, want, what);
	free(rel);
	free(what);
	nv_bundle_free(b);
}

static const char *const levels_nonskip[] = { "{\"level\":\"strict\"}", "{\"level\":\"permissive\"}",
					       "{\"level\":\"audit\"}" };

static void test_mock_valid(void **state)
{
	need_vectors();
	for (size_t i = 0; i < ARRAY_SIZE(levels_nonskip); i++) {
		mock_case(levels_nonskip[i], MOCK_IDENTITY, "valid-trust-store", "ca_valid_sig_env.json", &desc_mock,
			  (struct expect){ NV_VERIFIED, NULL });
		mock_case(levels_nonskip[i], MOCK_IDENTITY, "valid-trust-store", "sa_valid_sig_env.json", &desc_mock,
			  (struct expect){ NV_VERIFIED, NULL });
	}
	/* the payload must name the artifact */
	mock_case("{\"level\":\"strict\"}", MOCK_IDENTITY, "valid-trust-store", "ca_valid_sig_env.json", &desc_meta,
		  (struct expect){ NV_FAILED, "content descriptor mismatch" });
}

static void test_mock_wrong_anchor(void **state)
{
	need_vectors();
	for (size_t f = 0; f < 2; f++) {
		const char *file = f ? "sa_valid_sig_env.json" : "ca_valid_sig_env.json";

		mock_case("{\"level\":\"strict\"}", MOCK_IDENTITY, "valid-trust-store-2", file, &desc_mock,
			  (struct expect){ NV_FAILED, NOT_TRUSTED });
		mock_case("{\"level\":\"permissive\"}", MOCK_IDENTITY, "valid-trust-store-2", file, &desc_mock,
			  (struct expect){ NV_FAILED, NOT_TRUSTED });
		mock_case("{\"level\":\"audit\"}", MOCK_IDENTITY, "valid-trust-store-2", file, &desc_mock,
			  (struct expect){ NV_AUDIT_ONLY, "authenticity: " NOT_TRUSTED });
		mock_case("{\"level\":\"strict\",\"override\":{\"authenticity\":\"log\"}}", MOCK_IDENTITY,
			  "valid-trust-store-2", file, &desc_mock,
			  (struct expect){ NV_AUDIT_ONLY, "authenticity: " NOT_TRUSTED });
	}
}

/* Store names are ignored (Flux), but the type must match the signing scheme. */
static void store_type_case(const char *stores, const char *file, const char *sv, struct expect want)
{
	struct certs c = { 0 };
	char *json = xasprintf("{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"test-statement-name\","
			       "\"registryScopes\":[\"*\"],\"signatureVerification\":%s,\"trustStores\":[%s],"
			       "\"trustedIdentities\":[\"*\"]}]}", sv, stores);
	char *rel = xasprintf(MOCK_DIR "%s", file);
	char *what = xasprintf("%s [%s] %s", file, stores, sv);
	struct nv_bundle *b;

	certs_add_dir(&c, STORES "ca/valid-trust-store");
	b = make_bundle(json, &c);
	check_signature(b, MOCK_REF, "application/jose+json", rel, &desc_mock, want, what);
	nv_bundle_free(b);
	free(json);
	free(rel);
	free(what);
}

static void test_store_types(void **state)
{
	static const char none[] = "no trusted certificates are found to verify authenticity";

	need_vectors();
	store_type_case("\"ca:anything\"", "ca_valid_sig_env.json", "{\"level\":\"strict\"}",
			(struct expect){ NV_VERIFIED, NULL });
	store_type_case("\"signingAuthority:anything\"", "sa_valid_sig_env.json", "{\"level\":\"strict\"}",
			(struct expect){ NV_VERIFIED, NULL });
	store_type_case("\"signingAuthority:x\",\"tsa:y\"", "ca_valid_sig_env.json", "{\"level\":\"strict\"}",
			(struct expect){ NV_FAILED, none });
	store_type_case("\"ca:x\",\"tsa:y\"", "sa_valid_sig_env.json", "{\"level\":\"permissive\"}",
			(struct expect){ NV_FAILED, none });
	store_type_case("\"ca:x\"", "sa_valid_sig_env.json", "{\"level\":\"audit\"}",
			(struct expect){ NV_AUDIT_ONLY, "authenticity: no trusted certificates are found to verify "
							"authenticity" });
}

static void test_mock_identity_mismatch(void **state)
{
	static const char id[] = "x509.subject:CN=LOL,O=DummyOrg,L=Hyderabad,ST=TG,C=IN";
	static const char msg[] = "signing certificate from the digital signature does not match the X.509 trusted "
				  "identities [map[\"C\":\"IN\" \"CN\":\"LOL\" \"L\":\"Hyderabad\" \"O\":\"DummyOrg\" "
				  "\"ST\":\"TG\"]] defined in the trust policy \"test-statement-name\"";

	need_vectors();
	mock_case("{\"level\":\"strict\"}", id, "valid-trust-store", "ca_valid_sig_env.json", &desc_mock,
		  (struct expect){ NV_FAILED, msg });
	mock_case("{\"level\":\"permissive\"}", id, "valid-trust-store", "ca_valid_sig_env.json", &desc_mock,
		  (struct expect){ NV_FAILED, msg });
	mock_case("{\"level\":\"audit\"}", id, "valid-trust-store", "ca_valid_sig_env.json", &desc_mock,
		  (struct expect){ NV_AUDIT_ONLY, "authenticity: signing certificate from the digital signature does not "
						  "match the X.509 trusted identities [map[\"C\":\"IN\" \"CN\":\"LOL\" "
						  "\"L\":\"Hyderabad\" \"O\":\"DummyOrg\" \"ST\":\"TG\"]] defined in the "
						  "trust policy \"test-statement-name\"" });
}

static void test_mock_expired(void **state)
{
	need_vectors();
	for (size_t f = 0; f < 2; f++) {
		const char *file = f ? "sa_expired_sig_env.json" : "ca_expired_sig_env.json";

		mock_case("{\"level\":\"strict\"}", MOCK_IDENTITY, "valid-trust-store", file, &desc_mock,
			  (struct expect){ NV_FAILED, MOCK_EXPIRED });
		mock_case("{\"level\":\"permissive\"}", MOCK_IDENTITY, "valid-trust-store", file, &desc_mock,
			  (struct expect){ NV_VERIFIED, "expiry: " MOCK_EXPIRED });
		mock_case("{\"level\":\"audit\"}", MOCK_IDENTITY, "valid-trust-store", file, &desc_mock,
			  (struct expect){ NV_VERIFIED, "expiry: " MOCK_EXPIRED });
		mock_case("{\"level\":\"strict\",\"override\":{\"expiry\":\"log\"}}", MOCK_IDENTITY, "valid-trust-store",
			  file, &desc_mock, (struct expect){ NV_VERIFIED, "expiry: " MOCK_EXPIRED });
		mock_case("{\"level\":\"audit\",\"override\":{\"expiry\":\"enforce\"}}", MOCK_IDENTITY,
			  "valid-trust-store", file, &desc_mock, (struct expect){ NV_FAILED, MOCK_EXPIRED });
	}
}

static void test_mock_integrity_and_plugins(void **state)
{
	static const char plugin[] = "error while locating the verification plugin \"plugin-name\", make sure the "
				     "plugin is installed successfully before verifying the signature. error: plugin "
				     "not found";
	static const char mock_plugin[] = "error while locating the verification plugin "
					  "\"io.cncf.notary.plugin.unittest.mock\", make sure the plugin is installed "
					  "successfully before verifying the signature. error: plugin not found";

	need_vectors();
	for (size_t i = 0; i < ARRAY_SIZE(levels_nonskip); i++) {
		const char *sv = levels_nonskip[i];

		mock_case(sv, MOCK_IDENTITY, "valid-trust-store", "ca_invalid_sig_env.json", &desc_mock,
			  (struct expect){ NV_FAILED, INVALID_B64 });
		mock_case(sv, MOCK_IDENTITY, "valid-trust-store", "sa_invalid_sig_env.json", &desc_mock,
			  (struct expect){ NV_FAILED, INVALID_B64 });
		/* ferry runs no verification plugin: a signature that needs one fails at every level */
		mock_case(sv, MOCK_IDENTITY, "valid-trust-store", "ca_plugin_sig_env.json", &desc_mock,
			  (struct expect){ NV_FAILED, plugin });
		mock_case(sv, MOCK_IDENTITY, "valid-trust-store", "sa_plugin_sig_env.json", &desc_mock,
			  (struct expect){ NV_FAILED, plugin });
		mock_case(sv, MOCK_IDENTITY, "valid-trust-store", "ca_compatible_pluginver_sig_env_1.0.0.json", &desc_mock,
			  (struct expect){ NV_FAILED, mock_plugin });
		mock_case(sv, MOCK_IDENTITY, "valid-trust-store", "ca_incompatible_pluginver_sig_env_1.0.9.json",
			  &desc_mock, (struct expect){ NV_FAILED, mock_plugin });
	}
}

static void test_mock_skip(void **state)
{
	static const char *const files[] = { "ca_valid_sig_env.json", "ca_invalid_sig_env.json", "ca_plugin_sig_env.json",
					     "sa_expired_sig_env.json" };
	struct nv_bundle *b;
	const struct nv_statement *st;
	struct ferry_err e;

	need_vectors();
	/* Flux's CleanTrustPolicy drops the stores and identities of a skip statement */
	b = mock_bundle("{\"level\":\"skip\"}", MOCK_IDENTITY, "valid-trust-store");
	assert_int_equal(nv_policy_select(b->policy, MOCK_REF, &st, &e), 0);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct nv_sig_result r;
		size_t len;
		char *rel = xasprintf(MOCK_DIR "%s", files[i]);
		unsigned char *env = read_vector(rel, &len);

		assert_int_equal(nv_verify_signature(st, b->certs, b->n_certs, "application/jose+json", env, len,
						     &desc_mock, NOW, &r, &e), 0);
		assert_string_equal(r.level, "skip");
		assert_false(r.checks[NV_CHECK_INTEGRITY].evaluated);
		nv_sig_result_free(&r);
		free(env);
		free(rel);
	}
	nv_bundle_free(b);
}

static void test_mock_metadata(void **state)
{
	need_vectors();
	/* Flux passes no user metadata: only the trust checks decide. The leaf
	 * (CN=wabbit-networks.io, 2023-01-11..12) is in no store. */
	mock_case("{\"level\":\"audit\"}", MOCK_IDENTITY, "valid-trust-store", "sig_env_with_metadata.json", &desc_meta,
		  (struct expect){ NV_AUDIT_ONLY,
				   "authenticity: signing certificate from the digital signature does not match the "
				   "X.509 trusted identities [map[\"C\":\"US\" \"CN\":\"Notation Test Root\" "
				   "\"L\":\"Seattle\" \"O\":\"Notary\" \"ST\":\"WA\"]] defined in the trust policy "
				   "\"test-statement-name\"; authenticTimestamp: verification time is after certificate "
				   "\"CN=wabbit-networks.io,O=Notary,L=Seattle,ST=WA,C=US\" validity period, it was "
				   "expired at \"Thu, 12 Jan 2023 00:52:12 +0000\"" });
	mock_case("{\"level\":\"strict\"}", MOCK_IDENTITY, "valid-trust-store", "sig_env_with_metadata.json", &desc_meta,
		  (struct expect){ NV_FAILED, NOT_TRUSTED });
}

/* ---- timestamp envelopes (offline: TSA revocation unknown) ------------------------------------ */

#define TS_DIR "notation-go/verifier/testdata/timestamp/sigEnv/"
#define TS_REF "registry.acme-rockets.io/software/net-monitor@sha256:" \
	       "c0669ef34cdc14332c0f1ab0c2c01acb91d96014b172f1a76f3a39e63d1f0bda"
#define TESTTSA "\"CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US\""

static const struct nv_target desc_ts = { "application/vnd.docker.distribution.manifest.v2+json",
					  "sha256:c0669ef34cdc14332c0f1ab0c2c01acb91d96014b172f1a76f3a39e63d1f0bda", 528 };

static void ts_case(const char *sv, const char *stores, bool trust_leaf, const char *file, const char *media_type,
		    struct expect want)
{
	struct certs c = { 0 };
	char *json = xasprintf("{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"test-timestamp\",\"registryScopes\":"
			       "[\"*\"],\"signatureVerification\":%s,\"trustStores\":[%s],\"trustedIdentities\":[\"*\"]}]}",
			       sv, stores);
	char *rel = xasprintf(TS_DIR "%s", file);
	char *what = xasprintf("%s %s [%s]", file, sv, stores);
	struct nv_bundle *b;

	certs_add_dir(&c, STORES "ca/valid-trust-store");
	if (strstr(stores, "tsa:test-timestamp"))
		certs_add_dir(&c, STORES "tsa/test-timestamp");
	if (trust_leaf)
		certs_add_leaf_of(&c, media_type, rel);
	b = make_bundle(json, &c);
	check_signature(b, TS_REF, media_type, rel, &desc_ts, want, what);
	nv_bundle_free(b);
	free(json);
	free(rel);
	free(what);
}

#define CA_ONLY "\"ca:valid-trust-store\""
#define CA_TSA "\"ca:valid-trust-store\",\"tsa:test-timestamp\""
/* Offline, the GlobalSign TSA chain's revocation status (OCSP / CRL) is unknown. */
#define TS_OFFLINE "timestamping certificate with subject \"CN=Globalsign TSA for Advanced - G4 - 202311,O=GlobalSign " \
		   "nv-sa,C=BE\" revocation status is unknown"
#define EXPIRED_TSA_LEAF "verification time is after certificate " TESTTSA " validity period, it was expired at " \
			 "\"Tue, 18 Jun 2024 07:30:31 +0000\""

static void test_timestamp_envelopes_without_tsa(void **state)
{
	static const char strict[] = "{\"level\":\"strict\"}";

	need_vectors();
	/* no tsa store: the countersignature is ignored, the chain must be valid now */
	ts_case(strict, CA_ONLY, false, "withoutTimestamp.sig", "application/jose+json", (struct expect){ NV_VERIFIED, NULL });
	ts_case(strict, CA_ONLY, false, "jwsWithTimestamp.sig", "application/jose+json", (struct expect){ NV_VERIFIED, NULL });
	ts_case(strict, CA_ONLY, false, "coseWithTimestamp.sig", "application/cose", (struct expect){ NV_VERIFIED, NULL });
	/* testTSA leaves are in no store: authenticity fails first */
	ts_case(strict, CA_ONLY, false, "jwsExpiredWithTimestamp.sig", "application/jose+json",
		(struct expect){ NV_FAILED, NOT_TRUSTED });
	/* trusted, they fail the validity check at "now" */
	ts_case(strict, CA_ONLY, true, "jwsExpiredWithTimestamp.sig", "application/jose+json",
		(struct expect){ NV_FAILED, EXPIRED_TSA_LEAF });
	ts_case(strict, CA_ONLY, true, "coseExpiredWithTimestamp.sig", "application/cose",
		(struct expect){ NV_FAILED, EXPIRED_TSA_LEAF });
	ts_case(strict, CA_ONLY, true, "timestampAfterNotAfter.sig", "application/cose",
		(struct expect){ NV_FAILED, "verification time is after certificate " TESTTSA " validity period, it was "
					    "expired at \"Tue, 18 Sep 2001 11:54:34 +0000\"" });
	ts_case(strict, CA_ONLY, false, "timestampBeforeNotBefore.sig", "application/jose+json",
		(struct expect){ NV_FAILED, "verification time is before certificate " TESTTSA " validity period, it will "
					    "be valid from \"Fri, 18 Sep 2099 11:54:34 +0000\"" });
	ts_case("{\"level\":\"permissive\"}", CA_ONLY, true, "jwsExpiredWithTimestamp.sig", "application/jose+json",
		(struct expect){ NV_VERIFIED, "authenticTimestamp: " EXPIRED_TSA_LEAF });
}

static void test_timestamp_envelopes_with_tsa(void **state)
{
	static const char always[] = "{\"level\":\"strict\",\"verifyTimestamp\":\"always\"}";
	static const char after[] = "{\"level\":\"strict\",\"verifyTimestamp\":\"afterCertExpiry\"}";

	need_vectors();
	/* notation-go's own text: a required countersignature is missing */
	ts_case(always, CA_TSA, false, "withoutTimestamp.sig", "application/jose+json",
		(struct expect){ NV_FAILED, "no timestamp countersignature was found in the signature envelope" });
	/* afterCertExpiry with an unexpired chain: no timestamp needed */
	ts_case(after, CA_TSA, false, "coseWithTimestamp.sig", "application/cose", (struct expect){ NV_VERIFIED, NULL });
	ts_case(after, CA_TSA, false, "withoutTimestamp.sig", "application/jose+json", (struct expect){ NV_VERIFIED, NULL });
	/* a verified countersignature reaches the TSA chain's revocation check, unknown offline */
	ts_case(always, CA_TSA, false, "jwsWithTimestamp.sig", "application/jose+json",
		(struct expect){ NV_FAILED, TS_OFFLINE });
	ts_case(after, CA_TSA, true, "jwsExpiredWithTimestamp.sig", "application/jose+json",
		(struct expect){ NV_FAILED, TS_OFFLINE });
	ts_case("{\"level\":\"permissive\",\"verifyTimestamp\":\"always\"}", CA_TSA, false, "coseWithTimestamp.sig",
		"application/cose", (struct expect){ NV_VERIFIED, "authenticTimestamp: " TS_OFFLINE });
}

/* ---- alpine JWS / COSE over a real manifest ------------------------------------------------- */

#define ALPINE_REF "local/oci-layout@sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0"
static const struct nv_target desc_alpine = { "application/vnd.oci.image.manifest.v1+json",
					      "sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0", 481 };

static struct nv_bundle *alpine_bundle(const char *sv)
{
	struct certs c = { 0 };
	char *json = xasprintf("{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"alpine\",\"registryScopes\":"
			       "[\"local/oci-layout\"],\"signatureVerification\":%s,\"trustStores\":[\"ca:alpine\"],"
			       "\"trustedIdentities\":[\"*\"]}]}", sv);
	struct nv_bundle *b;

	certs_add_file(&c, "notation-go/derived/alpine-selfsigned-2000-2123.pem");
	b = make_bundle(json, &c);
	free(json);
	return b;
}

static void test_alpine(void **state)
{
	struct nv_bundle *b;

	need_vectors();
	b = alpine_bundle("{\"level\":\"strict\"}");
	check_signature(b, ALPINE_REF, "application/jose+json", "notation-go/internal/testdata/jws_signature.sig",
			&desc_alpine, (struct expect){ NV_VERIFIED, NULL }, "alpine jws");
	check_signature(b, ALPINE_REF, "application/cose", "notation-go/internal/testdata/cose_signature.sig",
			&desc_alpine, (struct expect){ NV_VERIFIED, NULL }, "alpine cose");
	/* the manifest the signature names is the one in the layout */
	{
		size_t len;
		unsigned char *m = read_vector("notation-go/internal/testdata/oci-layout/blobs/sha256/"
					       "19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0", &len);
		char hex[65];

		sha256_hex(m, len, hex);
		assert_int_equal(len, desc_alpine.size);
		assert_string_equal(hex, desc_alpine.digest + 7);
		free(m);
	}
	/* swapped envelope types do not parse */
	check_signature(b, ALPINE_REF, "application/cose", "notation-go/internal/testdata/jws_signature.sig",
			&desc_alpine, (struct expect){ NV_FAILED, NULL }, "jws as cose");
	nv_bundle_free(b);
}

/* ---- a registry that serves vector files ------------------------------------------------------ */

static struct {
	char *digests[64];
	char *paths[64];
	size_t n;
	struct oci_descriptor refs[8];
	size_t n_refs;
	int blob_calls;
} lay;

static void lay_reset(void)
{
	for (size_t i = 0; i < lay.n; i++) {
		free(lay.digests[i]);
		free(lay.paths[i]);
	}
	for (size_t i = 0; i < lay.n_refs; i++)
		oci_descriptor_free(&lay.refs[i]);
	memset(&lay, 0, sizeof(lay));
}

static void lay_add(const char *digest, const char *path)
{
	lay.digests[lay.n] = xstrdup(digest);
	lay.paths[lay.n] = xstrdup(path);
	lay.n++;
}

static void lay_ref(const char *media_type, const char *digest, int64_t size, const char *artifact_type)
{
	struct oci_descriptor *d = &lay.refs[lay.n_refs++];

	memset(d, 0, sizeof(*d));
	d->media_type = xstrdup(media_type);
	d->digest = xstrdup(digest);
	d->size = size;
	d->artifact_type = artifact_type ? xstrdup(artifact_type) : NULL;
}

static json_t *load_json(const char *path)
{
	json_t *j = json_load_file(path, 0, NULL);

	if (!j)
		fail_msg("cannot parse %s", path);
	return j;
}

/* Load an OCI layout: every blob, and the referrers of target found by the
 * referrers tag index ("sha256-<hex>") or, without one, by scanning
 * manifests whose subject is the target. */
static void lay_load(const char *layout, const char *target_digest)
{
	char *rel = xasprintf("notation/test/e2e/testdata/registry/oci_layout/%s", layout);
	char *dir = vector_path(rel);
	char *blobs = xasprintf("%s/blobs/sha256", dir);
	char *index_path = xasprintf("%s/index.json", dir);
	char *tag = xasprintf("sha256-%s", target_digest + 7);
	json_t *index = load_json(index_path), *m;
	size_t i, n;
	char **names = dir_names(blobs, &n);
	bool tagged = false;

	lay_reset();
	for (size_t k = 0; k < n; k++) {
		char *d = xasprintf("sha256:%s", names[k]);
		char *p = xasprintf("%s/%s", blobs, names[k]);

		lay_add(d, p);
		free(d);
		free(p);
	}
	dir_names_free(names, n);
	json_array_foreach(json_object_get(index, "manifests"), i, m) {
		const char *ref = json_string_value(json_object_get(json_object_get(m, "annotations"),
								    "org.opencontainers.image.ref.name"));
		if (ref && strcmp(ref, tag) == 0) {
			char *p = xasprintf("%s/%s", blobs, json_string_value(json_object_get(m, "digest")) + 7);
			json_t *tix = load_json(p), *e;
			size_t j;

			json_array_foreach(json_object_get(tix, "manifests"), j, e)
				if (str_eq(json_string_value(json_object_get(e, "artifactType")), NOTARY_MT_SIGNATURE))
					lay_ref(json_string_value(json_object_get(e, "mediaType")),
						json_string_value(json_object_get(e, "digest")),
						json_integer_value(json_object_get(e, "size")), NOTARY_MT_SIGNATURE);
			json_decref(tix);
			free(p);
			tagged = true;
		}
	}
	for (size_t k = 0; !tagged && k < lay.n; k++) {
		json_t *man = json_load_file(lay.paths[k], 0, NULL);
		const char *subject = json_string_value(json_object_get(json_object_get(man, "subject"), "digest"));

		if (subject && strcmp(subject, target_digest) == 0) {
			const char *at = json_string_value(json_object_get(man, "artifactType"));
			struct stat st;

			stat(lay.paths[k], &st);
			lay_ref(json_string_value(json_object_get(man, "mediaType")), lay.digests[k], st.st_size,
				at ? at : json_string_value(json_object_get(json_object_get(man, "config"), "mediaType")));
		}
		json_decref(man);
	}
	json_decref(index);
	free(rel);
	free(dir);
	free(blobs);
	free(index_path);
	free(tag);
}

int __wrap_oci_referrers(struct oci_client *c, const char *digest, const char *artifact_type,
			 struct oci_descriptor **out, size_t *n, struct ferry_err *e)
{
	*out = xcalloc(lay.n_refs + 1, sizeof(**out));
	for (size_t i = 0; i < lay.n_refs; i++)
		oci_descriptor_copy(&(*out)[i], &lay.refs[i]);
	*n = lay.n_refs;
	return 0;
}

static int lay_serve(const char *digest, size_t max, struct buf *out, struct ferry_err *e)
{
	buf_init(out, max);
	for (size_t i = 0; i < lay.n; i++) {
		if (strcmp(lay.digests[i], digest) == 0) {
			size_t len;
			unsigned char *data = read_path(lay.paths[i], &len);
			char hex[65];
			int rc = 0;

			sha256_hex(data, len, hex);
			assert_string_equal(hex, digest + 7);
			if (buf_append(out, data, len) < 0)
				rc = ferr_set(e, "OCIArtifactPullFailed", "%s too large", digest);
			free(data);
			return rc;
		}
	}
	return ferr_set(e, "OCIArtifactPullFailed", "%s: not found", digest);
}

int __wrap_oci_get_manifest(struct oci_client *c, const char *digest, size_t max, struct buf *body,
			    char **content_type, struct ferry_err *e)
{
	*content_type = NULL;
	return lay_serve(digest, max, body, e);
}

int __wrap_oci_get_blob(struct oci_client *c, const char *digest, int64_t size, size_t max, struct buf *out,
			struct ferry_err *e)
{
	lay.blob_calls++;
	return lay_serve(digest, max, out, e);
}

void __wrap_oci_descriptors_free(struct oci_descriptor *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		oci_descriptor_free(&d[i]);
	free(d);
}

/* ---- alpine through nv_verify: the manifest notation-go pushes ----------------------------- */

static void test_alpine_signature_manifest(void **state)
{
	struct nv_bundle *b;
	struct nv_outcome o;
	struct ferry_err e;
	struct nv_verify_opts opts = { .now = NOW };
	const struct nv_artifact a = { ALPINE_REF, desc_alpine.media_type, desc_alpine.digest, desc_alpine.size };
	char *m = vector_path("notation-go/reconstructed/sha256-64300ad03f1dcd18136787363f3069c9598623221cbe76e3233d"
			      "35266b7973d6.signature-manifest.json");
	char *s = vector_path("notation-go/internal/testdata/jws_signature.sig");

	need_vectors();
	lay_reset();
	lay_add("sha256:64300ad03f1dcd18136787363f3069c9598623221cbe76e3233d35266b7973d6", m);
	{
		/* the envelope blob as the reconstructed manifest names it */
		size_t len;
		unsigned char *data = read_path(s, &len);
		char hex[65], *d;

		sha256_hex(data, len, hex);
		d = xasprintf("sha256:%s", hex);
		lay_add(d, s);
		free(d);
		free(data);
	}
	lay_ref(OCI_MT_MANIFEST, "sha256:64300ad03f1dcd18136787363f3069c9598623221cbe76e3233d35266b7973d6", 793,
		NOTARY_MT_SIGNATURE);
	b = alpine_bundle("{\"level\":\"strict\"}");
	if (nv_verify((struct oci_client *)&lay, b, &a, &opts, &o, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(o.result, NV_VERIFIED);
	assert_string_equal(o.signature_digest, "sha256:64300ad03f1dcd18136787363f3069c9598623221cbe76e3233d35266b7973d6");
	assert_string_equal(o.signer_subject, "CN=alpine,O=Notary,L=Seattle,ST=WA,C=US");
	nv_outcome_free(&o);
	nv_bundle_free(b);
	lay_reset();
	free(m);
	free(s);
}

/* ---- CTX-E2E: notation CLI e2e layouts through nv_verify ----------------------------------- */

#define E2E_TARGET "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9"
#define E2E_CRT "notation/test/e2e/testdata/config/localkeys/e2e.crt"
#define NEW_E2E_CRT "notation/test/e2e/testdata/config/localkeys/new_e2e.crt"
#define EXPIRED_E2E_CRT "notation/test/e2e/testdata/config/localkeys/expired_e2e.crt"
#define POLICIES "notation/test/e2e/testdata/config/trustpolicies/"
#define SIG_VALID "sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f"
#define SIG_EXPIRED "sha256:3829708badae8e4b14e1adbc2fac7182bc0c27c5b6f54153e8b68a12eab10a1e"
#define SIG_INVALID "sha256:321fcc674d6771dd0e5bd21e599f2df3a482de99a400fd3a3fe371221b97a9c9"
#define SIG_EXPIRED_CERT "sha256:b06e392c2d88206b492dbaf5381800578611eb24f86587bc7717cd3b736e5da7"
#define FAILED_WITH(sig, msg) "signature verification failed\nfailed to verify signature with digest " sig ", " msg
#define E2E_EXPIRY "digital signature has expired on \"Tue, 27 Jun 2023 13:21:21 +0800\""
#define E2E_CERT_EXPIRED "verification time is after certificate \"O=Internet Widgits Pty Ltd,ST=Some-State,C=AU\" " \
			 "validity period, it was expired at \"Tue, 27 Jun 2023 06:10:00 +0000\""
#define E2E_BAD_MEDIA_TYPE "unable to parse the digital signature, error : signature envelope format with media type " \
			   "\"application/vnd.oci.image.layer.v1.tar\" is not supported"

struct e2e_case {
	const char *layout;
	const char *policy;
	const char *cert;          /* NULL: the envelope's own leaf (found in the layout) */
	const char *repo;
	enum nv_result result;
	const char *text;          /* NV_FAILED: error; else logged (or NULL) */
	const char *level;         /* expected level name, or NULL */
};

static const struct e2e_case e2e_cases[] = {
	/* valid signature, e2e.crt in the Secret */
	{ "e2e-valid-signature", "trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, NULL, "strict" },
	{ "e2e-valid-signature", "any_registry_scope_trust_policy.json", E2E_CRT, "test-repo", NV_VERIFIED, NULL, NULL },
	{ "e2e-valid-signature", "valid_trusted_identity_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, NULL, NULL },
	{ "e2e-valid-signature", "multiple_trust_store_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, NULL, NULL },
	{ "e2e-valid-signature", "multiple_trusted_identity_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, NULL, NULL },
	{ "e2e-valid-signature", "multi_statements_with_wildcard_registry_scope_trustpolicy.json", E2E_CRT, "test-repo9",
	  NV_VERIFIED, NULL, NULL },
	{ "e2e-valid-signature", "registry_scope_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, NULL, NULL },
	{ "e2e-valid-signature", "multiple_registry_scope_trustpolicy.json", E2E_CRT, "test-repo2", NV_VERIFIED, NULL, NULL },
	{ "e2e-valid-signature", "permissive_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, NULL, "permissive" },
	{ "e2e-valid-signature", "audit_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, NULL, "audit" },
	{ "e2e-valid-signature", "override_strict_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, NULL, "custom" },
	{ "e2e-valid-signature", "override_permissive_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, NULL, "custom" },
	{ "e2e-valid-signature", "override_audit_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, NULL, "custom" },
	{ "e2e-valid-signature", "timestamp_after_cert_expiry_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, NULL, NULL },
	/* Flux ignores store names: every Secret certificate serves ca:<anything> */
	{ "e2e-valid-signature", "invalid_trust_store_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, NULL, NULL },
	{ "e2e-valid-signature", "quickstart_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, NULL, NULL },
	{ "e2e-valid-signature", "generate_test_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, NULL, NULL },
	{ "e2e-valid-signature", "overlapped_trust_store_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, NULL, NULL },
	{ "e2e-valid-signature", "skip_trustpolicy.json", E2E_CRT, "test-repo", NV_SKIPPED, NULL, "skip" },
	{ "e2e-valid-signature", "timestamp_trustpolicy.json", E2E_CRT, "test-repo", NV_FAILED,
	  FAILED_WITH(SIG_VALID, "no timestamp countersignature was found in the signature envelope"), NULL },
	{ "e2e-valid-signature", "invalid_trusted_identity_trustpolicy.json", E2E_CRT, "test-repo", NV_FAILED,
	  FAILED_WITH(SIG_VALID, "signing certificate from the digital signature does not match the X.509 trusted "
				 "identities [map[\"C\":\"USB\" \"CN\":\"e2e\" \"L\":\"Seattle\" \"O\":\"Notary\" \"ST\":\"WA\"]] "
				 "defined in the trust policy \"e2e\""), NULL },
	{ "e2e-valid-signature", "invalid_registry_scope_trustpolicy.json", E2E_CRT, "test-repo", NV_FAILED,
	  "artifact \"localhost:5000/test-repo@" E2E_TARGET "\" has no applicable trust policy statement. Trust policy "
	  "applicability for a given artifact is determined by registryScopes. To create a trust policy, see: "
	  "https://notaryproject.dev/docs/quickstart/#create-a-trust-policy", NULL },
	/* valid signature, wrong anchor new_e2e.crt */
	{ "e2e-valid-signature", "trustpolicy.json", NEW_E2E_CRT, "test-repo", NV_FAILED, FAILED_WITH(SIG_VALID, NOT_TRUSTED), NULL },
	{ "e2e-valid-signature", "permissive_trustpolicy.json", NEW_E2E_CRT, "test-repo", NV_FAILED,
	  FAILED_WITH(SIG_VALID, NOT_TRUSTED), NULL },
	{ "e2e-valid-signature", "audit_trustpolicy.json", NEW_E2E_CRT, "test-repo", NV_AUDIT_ONLY,
	  "authenticity: " NOT_TRUSTED, NULL },
	{ "e2e-valid-signature", "override_strict_trustpolicy.json", NEW_E2E_CRT, "test-repo", NV_AUDIT_ONLY,
	  "authenticity: " NOT_TRUSTED, NULL },
	{ "e2e-valid-signature", "override_permissive_trustpolicy.json", NEW_E2E_CRT, "test-repo", NV_AUDIT_ONLY,
	  "authenticity: " NOT_TRUSTED, NULL },
	{ "e2e-valid-signature", "override_audit_trustpolicy.json", NEW_E2E_CRT, "test-repo", NV_FAILED,
	  FAILED_WITH(SIG_VALID, NOT_TRUSTED), NULL },
	/* expired signature */
	{ "e2e-expired-signature", "trustpolicy.json", E2E_CRT, "test-repo", NV_FAILED, FAILED_WITH(SIG_EXPIRED, E2E_EXPIRY), NULL },
	{ "e2e-expired-signature", "permissive_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, "expiry: " E2E_EXPIRY, NULL },
	{ "e2e-expired-signature", "audit_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED, "expiry: " E2E_EXPIRY, NULL },
	{ "e2e-expired-signature", "override_strict_trustpolicy.json", E2E_CRT, "test-repo", NV_VERIFIED,
	  "expiry: " E2E_EXPIRY, NULL },
	{ "e2e-expired-signature", "override_permissive_trustpolicy.json", E2E_CRT, "test-repo", NV_FAILED,
	  FAILED_WITH(SIG_EXPIRED, E2E_EXPIRY), NULL },
	{ "e2e-expired-signature", "override_audit_trustpolicy.json", E2E_CRT, "test-repo", NV_FAILED,
	  FAILED_WITH(SIG_EXPIRED, E2E_EXPIRY), NULL },
	{ "e2e-expired-signature", "skip_trustpolicy.json", E2E_CRT, "test-repo", NV_SKIPPED, NULL, NULL },
	/* a signature layer that is no envelope */
	{ "e2e-invalid-signature", "trustpolicy.json", E2E_CRT, "test-repo", NV_FAILED,
	  FAILED_WITH(SIG_INVALID, E2E_BAD_MEDIA_TYPE), NULL },
	{ "e2e-invalid-signature", "permissive_trustpolicy.json", E2E_CRT, "test-repo", NV_FAILED,
	  FAILED_WITH(SIG_INVALID, E2E_BAD_MEDIA_TYPE), NULL },
	{ "e2e-invalid-signature", "audit_trustpolicy.json", E2E_CRT, "test-repo", NV_FAILED,
	  FAILED_WITH(SIG_INVALID, E2E_BAD_MEDIA_TYPE), NULL },
	{ "e2e-invalid-signature", "skip_trustpolicy.json", E2E_CRT, "test-repo", NV_SKIPPED, NULL, NULL },
	/* signed by a certificate that expired (no timestamp) */
	{ "e2e-with-expired-cert", "trustpolicy.json", EXPIRED_E2E_CRT, "test-repo", NV_FAILED,
	  FAILED_WITH(SIG_EXPIRED_CERT, E2E_CERT_EXPIRED), NULL },
	{ "e2e-with-expired-cert", "permissive_trustpolicy.json", EXPIRED_E2E_CRT, "test-repo", NV_VERIFIED,
	  "authenticTimestamp: " E2E_CERT_EXPIRED, NULL },
	{ "e2e-with-expired-cert", "audit_trustpolicy.json", EXPIRED_E2E_CRT, "test-repo", NV_VERIFIED,
	  "authenticTimestamp: " E2E_CERT_EXPIRED, NULL },
	{ "e2e-with-expired-cert", "override_strict_trustpolicy.json", EXPIRED_E2E_CRT, "test-repo", NV_VERIFIED,
	  "authenticTimestamp: " E2E_CERT_EXPIRED, NULL },
	{ "e2e-with-expired-cert", "override_permissive_trustpolicy.json", EXPIRED_E2E_CRT, "test-repo", NV_FAILED,
	  FAILED_WITH(SIG_EXPIRED_CERT, E2E_CERT_EXPIRED), NULL },
	{ "e2e-with-expired-cert", "override_audit_trustpolicy.json", EXPIRED_E2E_CRT, "test-repo", NV_FAILED,
	  FAILED_WITH(SIG_EXPIRED_CERT, E2E_CERT_EXPIRED), NULL },
};

static void run_e2e(const struct e2e_case *c, const char *target_digest, const char *target_media_type,
		    int64_t target_size, const char *envelope_for_leaf)
{
	struct certs certs = { 0 };
	char *policy_rel = xasprintf(POLICIES "%s", c->policy);
	size_t len;
	unsigned char *policy = read_vector(policy_rel, &len);
	char *ref = xasprintf("localhost:5000/%s@%s", c->repo, target_digest);
	const struct nv_artifact a = { ref, target_media_type, target_digest, target_size };
	struct nv_verify_opts opts = { .now = NOW };
	struct nv_bundle *b;
	struct nv_outcome o;
	struct ferry_err e;
	int rc;

	if (c->cert)
		certs_add_file(&certs, c->cert);
	else
		certs_add_leaf_of(&certs, "application/jose+json", envelope_for_leaf);
	b = make_bundle((const char *)policy, &certs);
	lay_load(c->layout, target_digest);
	ferr_clear(&e);
	rc = nv_verify((struct oci_client *)&lay, b, &a, &opts, &o, &e);
	if (c->result == NV_FAILED) {
		if (rc == 0)
			fail_msg("%s %s: verified, want: %s", c->layout, c->policy, c->text);
		assert_int_equal(o.result, NV_FAILED);
		if (strcmp(e.msg, c->text) != 0)
			fail_msg("%s %s:\n got: %s\nwant: %s", c->layout, c->policy, e.msg, c->text);
		assert_string_equal(e.reason, "VerificationError");
	} else {
		if (rc < 0)
			fail_msg("%s %s: %s", c->layout, c->policy, e.msg);
		if (o.result != c->result)
			fail_msg("%s %s: result %d, want %d", c->layout, c->policy, o.result, c->result);
		if (!str_eq(o.logged, c->text))
			fail_msg("%s %s:\n logged: %s\n  want: %s", c->layout, c->policy, str_or(o.logged, "(none)"),
				 str_or(c->text, "(none)"));
		if (c->result == NV_SKIPPED)
			assert_int_equal(lay.blob_calls, 0);
	}
	if (c->level)
		assert_string_equal(o.level, c->level);
	nv_outcome_free(&o);
	nv_bundle_free(b);
	free(policy);
	free(policy_rel);
	free(ref);
	lay_reset();
}

static void test_e2e_layouts(void **state)
{
	need_vectors();
	for (size_t i = 0; i < ARRAY_SIZE(e2e_cases); i++)
		run_e2e(&e2e_cases[i], E2E_TARGET, OCI_MT_MANIFEST, 517, NULL);
}

static void test_e2e_exact_scope_wins(void **state)
{
	static const struct e2e_case exact = { "e2e-valid-signature",
					       "multi_statements_with_wildcard_registry_scope_trustpolicy.json", E2E_CRT,
					       "test-repo9", NV_VERIFIED, NULL, NULL };
	struct certs certs = { 0 };
	size_t len;
	unsigned char *policy;
	struct nv_bundle *b;
	const struct nv_statement *st;
	struct ferry_err e;

	need_vectors();
	run_e2e(&exact, E2E_TARGET, OCI_MT_MANIFEST, 517, NULL);
	policy = read_vector(POLICIES "multi_statements_with_wildcard_registry_scope_trustpolicy.json", &len);
	certs_add_file(&certs, E2E_CRT);
	b = make_bundle((const char *)policy, &certs);
	assert_int_equal(nv_policy_select(b->policy, "localhost:5000/test-repo9@" E2E_TARGET, &st, &e), 0);
	assert_string_equal(st->name, "e2e");
	assert_int_equal(nv_policy_select(b->policy, "localhost:5000/test-repo@" E2E_TARGET, &st, &e), 0);
	assert_string_equal(st->name, "e2e2");
	nv_bundle_free(b);
	free(policy);
}

static void test_e2e_timestamped_layouts(void **state)
{
	/* RFC 3161 signatures whose verdict needs no timestamp verification:
	 * testcert7 is in no store (authenticity), and trusted it has expired. */
	static const struct e2e_case untrusted_ts = {
		"e2e-with-timestamped-signature", "trustpolicy.json", E2E_CRT, "test-repo", NV_FAILED,
		FAILED_WITH("sha256:6a5cd3a886707a317935dcaf13954fc80ef9aeb665262b6ae4fe469ad7ea3aea", NOT_TRUSTED), NULL
	};
	static const struct e2e_case untrusted_bad_ts = {
		"e2e-with-invalid-timestamped-signature", "trustpolicy.json", E2E_CRT, "test-repo", NV_FAILED,
		FAILED_WITH("sha256:eee3eec7d2947f77713484753bea67879ff62c08a73a49a41151ed18c4d1c000", NOT_TRUSTED), NULL
	};
	static const struct e2e_case expired_sig = {
		"e2e-with-timestamped-signature", "trustpolicy.json", NULL, "test-repo", NV_FAILED,
		FAILED_WITH("sha256:6a5cd3a886707a317935dcaf13954fc80ef9aeb665262b6ae4fe469ad7ea3aea",
			    "digital signature has expired on \"Tue, 21 Jan 2025 12:39:46 +0000\""), NULL
	};
	static const struct e2e_case bad_ts_no_tsa = {
		"e2e-with-invalid-timestamped-signature", "trustpolicy.json", NULL, "test-repo", NV_FAILED,
		FAILED_WITH("sha256:eee3eec7d2947f77713484753bea67879ff62c08a73a49a41151ed18c4d1c000",
			    "verification time is after certificate \"CN=testcert7,O=Notary,L=Seattle,ST=WA,C=US\" validity "
			    "period, it was expired at \"Wed, 22 Jan 2025 08:36:26 +0000\""), NULL
	};
	static const char *const ts_subject = "sha256:53b0191218aed9a3c1f7c661736ac40cfc8eb928642348fd843ba3f0483c0c20";
	static const char *const bad_subject = "sha256:f1da8cd70d6d851fa2313c8d6618f79508cf1e86877edf1c0bfe49a1b0a6467a";

	need_vectors();
	run_e2e(&untrusted_ts, ts_subject, OCI_MT_MANIFEST, 582, NULL);
	run_e2e(&untrusted_bad_ts, bad_subject, OCI_MT_MANIFEST, 582, NULL);
	run_e2e(&expired_sig, ts_subject, OCI_MT_MANIFEST, 582,
		"notation/test/e2e/testdata/registry/oci_layout/e2e-with-timestamped-signature/blobs/sha256/"
		"603ff134e97a79cd7a15560b76137c2c4a10451daab11327a7c6f86dac250fee");
	run_e2e(&bad_ts_no_tsa, bad_subject, OCI_MT_MANIFEST, 582,
		"notation/test/e2e/testdata/registry/oci_layout/e2e-with-invalid-timestamped-signature/blobs/sha256/"
		"8d2e70ffc2af68b7f2df6f30dfefcb7bcda1db5f9ac2566fc8c6c2248c8d4c5f");
}

/* ---- the 43 e2e trust policy documents ---------------------------------------------------------- */

struct policy_verdict {
	const char *file;
	const char *error;          /* NULL: valid */
};

static const struct policy_verdict policy_verdicts[] = {
	{ "any_registry_scope_trust_policy.json", NULL },
	{ "audit_trustpolicy.json", NULL },
	/* a blob policy has no registryScopes: invalid as an OCI document */
	{ "blob_trust_policy.json", "trust policy statement \"wabbit-networks-policy\" has zero registry scopes, it must "
				    "specify registry scopes with at least one value" },
	{ "empty_registry_scope_trustpolicy.json", "trust policy statement \"e2e\" has zero registry scopes, it must "
						   "specify registry scopes with at least one value" },
	{ "empty_trusted_identity_trustpolicy.json", "trust policy: trust policy statement \"e2e\" has an empty trusted "
						     "identity" },
	{ "generate_test_trustpolicy.json", NULL },
	{ "invalid_format_trustpolicy.json", "error occurred while parsing trustpolicy.json: invalid character '}' after "
					     "array element" },
	{ "invalid_registry_scope_trustpolicy.json", NULL },
	{ "invalid_trust_store_trustpolicy.json", NULL },
	{ "invalid_trusted_identity_trustpolicy.json", NULL },
	{ "malformed_registry_scope_trustpolicy.json", "registry scope \"localhost:5000\\\\test-repo\" is not valid, make "
						       "sure it is a fully qualified repository without the scheme, "
						       "protocol or tag. For example domain.com/my/repository or a local "
						       "scope like local/myOCILayout" },
	{ "malformed_trust_store_trustpolicy.json", "trust policy: trust policy statement \"e2e\" uses an unsupported "
						    "trust store name \"\" in trust store value \"ca:\". Named store name "
						    "needs to follow [a-zA-Z0-9_.-]+ format" },
	{ "malformed_trusted_identity_trustpolicy.json", "trust policy: trust policy statement \"e2e\" has trusted identity "
							 "\"x509.subject CN=e2e,O=Notary,L=Seattle,ST=WA,C=US\" missing "
							 "separator" },
	{ "missing_country_trusted_identity_trustpolicy.json",
	  "trust policy: trust policy statement \"e2e\" has trusted identity \"x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA\" "
	  "with invalid identity value: distinguished name (DN) \" CN=e2e,O=Notary,L=Seattle,ST=WA\" has no mandatory RDN "
	  "attribute for \"C\", it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum" },
	{ "missing_organization_trusted_identity_trustpolicy.json",
	  "trust policy: trust policy statement \"e2e\" has trusted identity \"x509.subject: CN=e2e,L=Seattle,ST=WA,C=US\" "
	  "with invalid identity value: distinguished name (DN) \" CN=e2e,L=Seattle,ST=WA,C=US\" has no mandatory RDN "
	  "attribute for \"O\", it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum" },
	{ "missing_state_trusted_identity_trustpolicy.json",
	  "trust policy: trust policy statement \"e2e\" has trusted identity \"x509.subject: CN=e2e,O=Notary,L=Seattle,C=US\" "
	  "with invalid identity value: distinguished name (DN) \" CN=e2e,O=Notary,L=Seattle,C=US\" has no mandatory RDN "
	  "attribute for \"ST\", it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum" },
	{ "multi_statements_with_multi_wildcard_registry_scope_trustpolicy.json",
	  "registry scope \"*\" is present in multiple trust policy statements, one registry scope value can only be "
	  "associated with one statement" },
	{ "multi_statements_with_the_same_name_trustpolicy.json",
	  "multiple trust policy statements use the same name \"e2e\", statement names must be unique" },
	{ "multi_statements_with_the_same_registry_scope_trustpolicy.json",
	  "registry scope \"localhost:5000/test-repo8\" is present in multiple trust policy statements, one registry scope "
	  "value can only be associated with one statement" },
	{ "multi_statements_with_wildcard_registry_scope_trustpolicy.json", NULL },
	{ "multiple_registry_scope_trustpolicy.json", NULL },
	{ "multiple_trust_store_trustpolicy.json", NULL },
	{ "multiple_trusted_identity_trustpolicy.json", NULL },
	{ "overlapped_registry_scope_trustpolicy.json",
	  "registry scope \"localhost:5000/test-repo6\" is present in multiple trust policy statements, one registry scope "
	  "value can only be associated with one statement" },
	{ "overlapped_trust_store_trustpolicy.json", NULL },
	{ "overlapped_trusted_identity_trustpolicy.json",
	  "trust policy: trust policy statement \"e2e\" has overlapping x509 trustedIdentities, \"x509.subject: "
	  "CN=e2e,O=Notary,ST=WA,C=US\" overlaps with \"x509.subject: CN=e2e,O=Notary,L=Seattle,ST=WA,C=US\"" },
	{ "override_audit_trustpolicy.json", NULL },
	{ "override_integrity_for_permissive_trustpolicy.json",
	  "trust policy: trust policy statement \"e2e\" has invalid signatureVerification: \"integrity\" verification can "
	  "not be overridden in custom signature verification" },
	{ "override_permissive_trustpolicy.json", NULL },
	{ "override_strict_trustpolicy.json", NULL },
	{ "permissive_trustpolicy.json", NULL },
	{ "quickstart_trustpolicy.json", NULL },
	{ "registry_scope_trustpolicy.json", NULL },
	{ "skip_trustpolicy.json", NULL },
	{ "timestamp_after_cert_expiry_trustpolicy.json", NULL },
	{ "timestamp_trustpolicy.json", NULL },
	{ "trustpolicy.json", NULL },
	{ "unset_trust_store_trustpolicy.json", "trust policy: trust policy statement \"e2e\" is either missing trust "
						"stores or trusted identities, both must be specified" },
	{ "unset_trusted_identity_trustpolicy.json", "trust policy: trust policy statement \"e2e\" is either missing trust "
						     "stores or trusted identities, both must be specified" },
	{ "valid_trusted_identity_trustpolicy.json", NULL },
	{ "wildcard_plus_other_registry_scope_trustpolicy.json",
	  "trust policy statement \"e2e\" uses wildcard registry scope '*', a wildcard scope cannot be used in conjunction "
	  "with other scope values" },
	{ "wildcard_plus_other_trusted_identity_trustpolicy.json",
	  "trust policy: trust policy statement \"e2e\" uses a wildcard trusted identity '*', a wildcard identity cannot be "
	  "used in conjunction with other values" },
	{ "wildcard_trust_store_trustpolicy.json",
	  "trust policy: trust policy statement \"e2e\" has malformed trust store value \"*\". The required format is "
	  "<TrustStoreType>:<TrustStoreName>" },
};

/* Each document as trustpolicy.json of a Secret with e2e.crt, through nv_bundle_load. */
static void test_trust_policy_documents(void **state)
{
	char *dir, **names;
	size_t n;
	int seen = 0;

	need_vectors();
	dir = vector_path(POLICIES);
	names = dir_names(dir, &n);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		const struct policy_verdict *v = NULL;
		struct cfg_secret s;
		struct cfg_secret_entry ent[2];
		char *rel;
		struct nv_bundle *b = NULL;
		struct ferry_err e;

		for (size_t k = 0; k < ARRAY_SIZE(policy_verdicts); k++)
			if (strcmp(policy_verdicts[k].file, names[i]) == 0)
				v = &policy_verdicts[k];
		if (!v)
			fail_msg("no verdict for %s", names[i]);
		seen++;
		memset(&s, 0, sizeof(s));
		s.ns = "e2e";
		s.name = "notation";
		s.entries = ent;
		s.n_entries = 2;
		ent[0].key = "e2e.crt";
		ent[0].value = read_vector(E2E_CRT, &ent[0].len);
		rel = xasprintf(POLICIES "%s", names[i]);
		ent[1].key = "trustpolicy.json";
		ent[1].value = read_vector(rel, &ent[1].len);
		ferr_clear(&e);
		if (v->error) {
			if (nv_bundle_load(&s, &b, &e) == 0)
				fail_msg("%s: valid, want: %s", v->file, v->error);
			if (strcmp(e.msg, v->error) != 0)
				fail_msg("%s:\n got: %s\nwant: %s", v->file, e.msg, v->error);
		} else if (nv_bundle_load(&s, &b, &e) < 0) {
			fail_msg("%s: %s", v->file, e.msg);
		}
		nv_bundle_free(b);
		free(ent[0].value);
		free(ent[1].value);
		free(rel);
	}
	dir_names_free(names, n);
	free(dir);
	assert_int_equal(seen, 43);
	assert_int_equal(ARRAY_SIZE(policy_verdicts), 43);
}

/* ---- identity certificates ------------------------------------------------------------------------ */

static int match_cert(const char *cert_rel, const char *const *ids, size_t n, struct ferry_err *e)
{
	struct certs c = { 0 };
	int rc;

	certs_add_file(&c, cert_rel);
	assert_int_equal(c.n, 1);
	ferr_clear(e);
	rc = nv_identities_match("test-statement-name", (char *const *)ids, n, c.v[0], e);
	nv_certs_free(c.v, c.n);
	return rc;
}

static void test_identity_certificates(void **state)
{
	static const char signing[] = "notation-go/verifier/testdata/verifier/signing-cert.pem";
	static const char bad[] = "notation-go/verifier/testdata/verifier/bad-cert.pem";
	const char *m1[] = { "x509.subject:C=US,O=SomeOrg,ST=WA" };
	const char *m2[] = { "x509.subject:C=US,O=SomeOrg,ST=WA", "nonX509Prefix:my-custom-identity" };
	const char *m3[] = { "x509.subject:C=US,O=SomeOrg,ST=WA", "x509.subject:C=IND,O=SomeOrg,ST=TS" };
	const char *m4[] = { "*" };
	const char *n1[] = { "nonX509Prefix:my-custom-identity" };
	const char *n2[] = { "x509.subject:C=IND,O=SomeOrg,ST=TS" };
	const char *n3[] = { "x509.subject:C=IND,O=SomeOrg,ST=TS", "nonX509Prefix:my-custom-identity" };
	const char *n4[] = { "x509.subject:C=IND,O=SomeOrg,ST=TS", "x509.subject:C=LOL,O=LOL,ST=LOL" };
	const char *n5[] = { "x509.subject:C=bad=#identity,O=LOL,ST=LOL" };
	const char *bad_ids[] = { "x509.subject:C=US,O=SomeOrg,ST=WA" };
	struct ferry_err e;

	need_vectors();
	assert_int_equal(match_cert(signing, m1, 1, &e), 0);
	assert_int_equal(match_cert(signing, m2, 2, &e), 0);
	assert_int_equal(match_cert(signing, m3, 2, &e), 0);
	assert_int_equal(match_cert(signing, m4, 1, &e), 0);
	assert_int_equal(match_cert(signing, n1, 1, &e), -1);
	assert_string_equal(e.msg, "no x509 trusted identities are configured in the trust policy \"test-statement-name\"");
	assert_int_equal(match_cert(signing, n2, 1, &e), -1);
	assert_string_equal(e.msg, "signing certificate from the digital signature does not match the X.509 trusted "
				   "identities [map[\"C\":\"IND\" \"O\":\"SomeOrg\" \"ST\":\"TS\"]] defined in the trust "
				   "policy \"test-statement-name\"");
	assert_int_equal(match_cert(signing, n3, 2, &e), -1);
	assert_int_equal(match_cert(signing, n4, 2, &e), -1);
	assert_string_equal(e.msg, "signing certificate from the digital signature does not match the X.509 trusted "
				   "identities [map[\"C\":\"IND\" \"O\":\"SomeOrg\" \"ST\":\"TS\"] map[\"C\":\"LOL\" "
				   "\"O\":\"LOL\" \"ST\":\"LOL\"]] defined in the trust policy \"test-statement-name\"");
	assert_int_equal(match_cert(signing, n5, 1, &e), -1);
	assert_string_equal(e.msg, "unsupported distinguished name (DN) \"C=bad=#identity,O=LOL,ST=LOL\": notation does "
				   "not support x509.subject identities containing \"=#\"");
	/* bad-cert.pem's subject holds "=#": matching errors even for an identity that fits */
	assert_int_equal(match_cert(bad, bad_ids, 1, &e), -1);
	assert_string_equal(e.msg, "error while parsing the certificate subject from the digital signature. error : "
				   "\"unsupported distinguished name (DN) \\\"CN=Bad=#CN,OU=SomeOU,O=SomeOrg,L=Seattle,"
				   "ST=WA,C=US\\\": notation does not support x509.subject identities containing "
				   "\\\"=#\\\"\"");
	assert_int_equal(match_cert(bad, m4, 1, &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mock_valid),
		cmocka_unit_test(test_mock_wrong_anchor),
		cmocka_unit_test(test_store_types),
		cmocka_unit_test(test_mock_identity_mismatch),
		cmocka_unit_test(test_mock_expired),
		cmocka_unit_test(test_mock_integrity_and_plugins),
		cmocka_unit_test(test_mock_skip),
		cmocka_unit_test(test_mock_metadata),
		cmocka_unit_test(test_timestamp_envelopes_without_tsa),
		cmocka_unit_test(test_timestamp_envelopes_with_tsa),
		cmocka_unit_test(test_alpine),
		cmocka_unit_test(test_alpine_signature_manifest),
		cmocka_unit_test(test_e2e_layouts),
		cmocka_unit_test(test_e2e_exact_scope_wins),
		cmocka_unit_test(test_e2e_timestamped_layouts),
		cmocka_unit_test(test_trust_policy_documents),
		cmocka_unit_test(test_identity_certificates),
	};
	return cmocka_run_group_tests(tests, vectors_setup, vectors_teardown);
}
