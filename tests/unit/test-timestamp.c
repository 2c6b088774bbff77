/* test-timestamp.c - the authenticTimestamp step of notary.x509: notation-go's timestamp envelopes and
 * countersignature tokens under CTX-TS (offline: the GlobalSign TSA chain's revocation is unknown), the
 * e2e timestamped layouts, envelopes timestamped at run time by a test TSA (expired signer saved by its
 * timestamp, range and accuracy rules, TSA chain revocation), and trust stores bound by Secret key name.
 *
 * Vectors are read from $FERRY_SHARED_DIR/vectors/notation ("now" pinned to 2026-06-01); tests that need
 * them skip when absent.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/model.h"
#include "notation/bundle.h"
#include "notation/envelope.h"
#include "notation/policy.h"
#include "notation/tst.h"
#include "notation/verify.h"
#include "nvtest-pki.h"
#include "oci/manifest.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/mem.h"
#include "vectors.h"

#define NOW 1780272000 /* 2026-06-01T00:00:00Z */

/* ---- trust material with store bindings ------------------------------------------------------ */

struct trust {
	struct nv_cert **certs;
	struct nv_cert_binding *bindings;
	size_t n;
};

static void trust_add(struct trust *t, struct nv_cert **more, size_t n, const char *type, const char *name,
		      const char *key)
{
	t->certs = xrealloc(t->certs, (t->n + n + 1) * sizeof(*t->certs));
	t->bindings = xrealloc(t->bindings, (t->n + n + 1) * sizeof(*t->bindings));
	for (size_t i = 0; i < n; i++) {
		t->certs[t->n] = more[i];
		t->bindings[t->n].type = type ? xstrdup(type) : NULL;
		t->bindings[t->n].name = name ? xstrdup(name) : NULL;
		t->bindings[t->n].key = key ? xstrdup(key) : NULL;
		t->n++;
	}
}

static void trust_add_der(struct trust *t, const void *data, size_t len, const char *type, const char *name,
			  const char *key)
{
	struct nv_cert **more;
	size_t n;
	struct ferry_err e;

	if (nv_certs_parse(data, len, &more, &n, &e) < 0)
		fail_msg("%s", e.msg);
	trust_add(t, more, n, type, name, key);
	free(more);
}

/* Every file of a vector trust-store directory, bound to type:name (type NULL: unbound, as Flux). */
static void trust_add_dir(struct trust *t, const char *rel, const char *type, const char *name)
{
	char *path = vector_path(rel);
	size_t n_files;
	char **files = dir_names(path, &n_files);

	for (size_t i = 0; i < n_files; i++) {
		char *f = xasprintf("%s/%s", rel, files[i]);
		size_t n;
		struct nv_cert **more = load_vector_certs(f, &n);

		trust_add(t, more, n, type, name, files[i]);
		free(more);
		free(f);
	}
	dir_names_free(files, n_files);
	free(path);
}

/* A bundle of the trust material and one statement. */
static struct nv_bundle *make_bundle(struct trust *t, const char *sv, const char *stores)
{
	char *json = xasprintf("{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"test-timestamp\",\"registryScopes\":"
			       "[\"*\"],\"signatureVerification\":%s,\"trustStores\":[%s],\"trustedIdentities\":[\"*\"]}]}",
			       sv, stores);
	struct nv_bundle *b = make_test_bundle("ns/test", json, t->certs, t->bindings, t->n);

	memset(t, 0, sizeof(*t));
	free(json);
	return b;
}

/* Verify an envelope with a bundle, offline. */
static int verify(const struct nv_bundle *b, const char *mt, const void *env, size_t len,
		  const struct nv_target *target, int64_t now, struct nv_sig_result *res, struct ferry_err *e)
{
	const struct nv_statement *st = &b->policy->statements[0];
	const struct nv_trust trust = nv_bundle_trust(b);
	const struct nv_sig_ctx ctx = { &trust, NULL, now };

	ferr_clear(e);
	return nv_verify_signature_ctx(st, &ctx, mt, env, len, target, res, e);
}

struct expect {
	enum nv_result result;
	const char *message;   /* NV_FAILED: the error; else the logged failures or NULL */
};

static void check(const char *what, int rc, const struct nv_sig_result *res, const struct ferry_err *e,
		  struct expect want)
{
	char *logged = NULL;
	enum nv_result got = rc < 0 ? NV_FAILED : nv_sig_result_outcome(res, &logged);
	const char *msg = rc < 0 ? e->msg : logged;

	if (got != want.result || (want.message ? !msg || strcmp(msg, want.message) : msg != NULL))
		fail_msg("%s:\n got: %d %s\nwant: %d %s", what, got, msg ? msg : "(none)", want.result,
			 want.message ? want.message : "(none)");
	free(logged);
}

/* ---- notation-go timestamp envelopes under CTX-TS -------------------------------------------- */

#define STORES "notation-go/verifier/testdata/truststore/x509/"
#define TS_DIR "notation-go/verifier/testdata/timestamp/sigEnv/"
#define CS_DIR "notation-go/verifier/testdata/timestamp/countersignature/"
#define ALWAYS "{\"level\":\"strict\",\"verifyTimestamp\":\"always\"}"
#define AFTER "{\"level\":\"strict\",\"verifyTimestamp\":\"afterCertExpiry\"}"
#define TESTTSA "\"CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US\""
#define GS_TSA "\"CN=Globalsign TSA for Advanced - G4 - 202311,O=GlobalSign nv-sa,C=BE\""
#define TS_OFFLINE "timestamping certificate with subject " GS_TSA " revocation status is unknown"

static const struct nv_target desc_ts = { "application/vnd.docker.distribution.manifest.v2+json",
					  "sha256:c0669ef34cdc14332c0f1ab0c2c01acb91d96014b172f1a76f3a39e63d1f0bda", 528 };

/* CTX-TS as notation-go's file stores see it: every store named, each certificate in its own store. */
static void ctx_ts_trust(struct trust *t)
{
	trust_add_dir(t, STORES "ca/valid-trust-store", "ca", "valid-trust-store");
	trust_add_dir(t, STORES "tsa/test-timestamp", "tsa", "test-timestamp");
	trust_add_dir(t, STORES "tsa/test-mismatch", "tsa", "test-mismatch");
}

static void leaf_of(struct trust *t, const char *mt, const unsigned char *env, size_t len, const char *type,
		    const char *name)
{
	struct nv_envelope *ev;
	struct ferry_err e;

	if (nv_envelope_verify(mt, env, len, &ev, &e) < 0)
		fail_msg("%s", e.msg);
	trust_add_der(t, ev->chain[0]->der, ev->chain[0]->der_len, type, name, "leaf.crt");
	nv_envelope_free(ev);
}

static void ts_case(const char *sv, const char *stores, bool trust_leaf, const char *file, struct expect want)
{
	char *rel = xasprintf(TS_DIR "%s", file);
	const char *mt = strstr(file, "jws") || strstr(file, "Before") || strstr(file, "without") ? "application/jose+json"
												 : "application/cose";
	size_t len;
	unsigned char *env = read_vector(rel, &len);
	struct trust t = { 0 };
	struct nv_bundle *b;
	struct nv_sig_result res;
	struct ferry_err e;
	char *what = xasprintf("%s %s [%s]", file, sv, stores);
	int rc;

	ctx_ts_trust(&t);
	if (trust_leaf)
		leaf_of(&t, mt, env, len, "ca", "valid-trust-store");
	b = make_bundle(&t, sv, stores);
	rc = verify(b, mt, env, len, &desc_ts, NOW, &res, &e);
	check(what, rc, &res, &e, want);
	nv_sig_result_free(&res);
	nv_bundle_free(b);
	free(env);
	free(rel);
	free(what);
}

#define CTX_TS "\"ca:valid-trust-store\",\"tsa:test-timestamp\""

/* coseWithTimestamp.sig with one of notation-go's invalid tsa stores. */
static void ts_bound_store_case(const char *store, const char *want)
{
	size_t len;
	unsigned char *env = read_vector(TS_DIR "coseWithTimestamp.sig", &len);
	char *dir = xasprintf(STORES "tsa/%s", store);
	char *stores = xasprintf("\"ca:valid-trust-store\",\"tsa:%s\"", store);
	struct trust t = { 0 };
	struct nv_bundle *b;
	struct nv_sig_result res;
	struct ferry_err e;

	trust_add_dir(&t, STORES "ca/valid-trust-store", "ca", "valid-trust-store");
	trust_add_dir(&t, dir, "tsa", store);
	b = make_bundle(&t, ALWAYS, stores);
	assert_int_equal(verify(b, "application/cose", env, len, &desc_ts, NOW, &res, &e), -1);
	if (strncmp(e.msg, want, strlen(want)) != 0)
		fail_msg("%s:\n got: %s\nwant: %s...", store, e.msg, want);
	nv_sig_result_free(&res);
	nv_bundle_free(b);
	free(env);
	free(dir);
	free(stores);
}

static void test_sigenv_vectors(void **state)
{
	(void)state;
	need_vectors();
	/* every step up to the TSA chain's revocation passes; offline that is unknown and strict enforces it */
	ts_case(ALWAYS, CTX_TS, false, "jwsWithTimestamp.sig", (struct expect){ NV_FAILED, TS_OFFLINE });
	ts_case(ALWAYS, CTX_TS, false, "coseWithTimestamp.sig", (struct expect){ NV_FAILED, TS_OFFLINE });
	/* an expired signer whose timestamp lies inside its validity: only the TSA revocation remains */
	ts_case(ALWAYS, CTX_TS, true, "jwsExpiredWithTimestamp.sig", (struct expect){ NV_FAILED, TS_OFFLINE });
	ts_case(AFTER, CTX_TS, true, "coseExpiredWithTimestamp.sig", (struct expect){ NV_FAILED, TS_OFFLINE });
	/* logged at permissive: the signature verifies, the failure is reported */
	ts_case("{\"level\":\"permissive\",\"verifyTimestamp\":\"always\"}", CTX_TS, false, "coseWithTimestamp.sig",
		(struct expect){ NV_VERIFIED, "authenticTimestamp: " TS_OFFLINE });
	ts_case("{\"level\":\"strict\",\"override\":{\"authenticTimestamp\":\"log\"}}", CTX_TS, true,
		"jwsExpiredWithTimestamp.sig", (struct expect){ NV_VERIFIED, "authenticTimestamp: " TS_OFFLINE });
	/* deterministic offline: the range check comes before the revocation step */
	ts_case(ALWAYS, CTX_TS, true, "timestampAfterNotAfter.sig",
		(struct expect){ NV_FAILED, "timestamp can be after certificate " TESTTSA " validity period, it was "
					    "expired at \"Tue, 18 Sep 2001 11:54:34 +0000\"" });
	ts_case(ALWAYS, CTX_TS, false, "timestampBeforeNotBefore.sig",
		(struct expect){ NV_FAILED, "timestamp can be before certificate " TESTTSA " validity period, it will "
					    "be valid from \"Fri, 18 Sep 2099 11:54:34 +0000\"" });
	ts_case(ALWAYS, CTX_TS, false, "withoutTimestamp.sig",
		(struct expect){ NV_FAILED, "no timestamp countersignature was found in the signature envelope" });
	/* afterCertExpiry with an unexpired chain: the token is not looked at */
	ts_case(AFTER, CTX_TS, false, "coseWithTimestamp.sig", (struct expect){ NV_VERIFIED, NULL });
	/* a tsa store that does not anchor GlobalSign, and one that does not exist */
	ts_case(ALWAYS, "\"ca:valid-trust-store\",\"tsa:test-mismatch\"", false, "coseWithTimestamp.sig",
		(struct expect){ NV_FAILED, "failed to verify the timestamp countersignature with error: failed to "
					    "verify signed token: cms verification failure: x509: certificate signed by "
					    "unknown authority" });
	ts_case(ALWAYS, "\"ca:valid-trust-store\",\"tsa:does-not-exist\"", false, "coseWithTimestamp.sig",
		(struct expect){ NV_FAILED, "failed to load tsa trust store with error: the trust store "
					    "\"does-not-exist\" of type \"tsa\" does not exist" });
	/* tsa stores hold root CAs only (notation-go's file stores; here: keys bound to a tsa store) */
	ts_bound_store_case("test-nonCA",
			    "failed to load tsa trust store with error: trusted certificate wabbit-networks.io.crt in trust "
			    "store test-nonCA of type tsa is invalid: certificate with subject \"CN=wabbit-networks.io,O=Notary,"
			    "L=Seattle,ST=WA,C=US\" is not a root CA certificate: x509: invalid signature: parent certificate "
			    "cannot sign this kind of certificate");
	ts_bound_store_case("test-nonSelfIssued",
			    "failed to load tsa trust store with error: trusted certificate nonSelfIssued.crt in trust store "
			    "test-nonSelfIssued of type tsa is invalid: certificate with subject ");
	/* without a tsa store the token is ignored and the chain must be valid now */
	ts_case("{\"level\":\"strict\"}", "\"ca:valid-trust-store\"", true, "jwsExpiredWithTimestamp.sig",
		(struct expect){ NV_FAILED, "verification time is after certificate " TESTTSA " validity period, it was "
					    "expired at \"Tue, 18 Jun 2024 07:30:31 +0000\"" });
}

/* The countersignature vectors, carried by withoutTimestamp.sig with a chosen "signature". */
static void countersignature_case(const char *token_file, const char *signature, const char *want)
{
	size_t len, tlen;
	unsigned char *env = read_vector(TS_DIR "withoutTimestamp.sig", &len);
	char *rel = xasprintf(CS_DIR "%s", token_file);
	unsigned char *token = read_vector(rel, &tlen);
	struct nv_envelope *ev;
	struct trust t = { 0 };
	struct nv_bundle *b;
	struct nv_trust view;
	struct nv_timestamp_outcome out;
	struct ferry_err e;
	char *msg;

	if (nv_envelope_verify("application/jose+json", env, len, &ev, &e) < 0)
		fail_msg("%s", e.msg);
	free(ev->signature);
	ev->signature = (unsigned char *)xstrdup(signature);
	ev->signature_len = strlen(signature);
	ev->timestamp_token = token;
	ev->timestamp_token_len = tlen;
	ctx_ts_trust(&t);
	b = make_bundle(&t, ALWAYS, CTX_TS);
	view = nv_bundle_trust(b);
	msg = nv_timestamp_check(ev, &b->policy->statements[0], &view, NULL, NOW, &out);
	if (!msg || strncmp(msg, want, strlen(want)) != 0)
		fail_msg("%s:\n got: %s\nwant: %s", token_file, msg ? msg : "(passed)", want);
	assert_false(out.used);
	free(msg);
	nv_bundle_free(b);
	nv_envelope_free(ev);
	free(env);
	free(rel);
}

static void test_countersignature_vectors(void **state)
{
	(void)state;
	need_vectors();
	countersignature_case("TimeStampToken.p7s", "mismatch",
			      "failed to get timestamp from timestamp countersignature with error: invalid TSTInfo: "
			      "mismatched message");
	countersignature_case("TimeStampTokenWithInvalidTSTInfo.p7s", "notation",
			      "failed to get the timestamp TSTInfo with error: cannot unmarshal TSTInfo from timestamp "
			      "token: asn1: structure error: tags don't match");
	countersignature_case("TimeStampTokenWithInvalideContentType.p7s", "notation",
			      "failed to parse timestamp countersignature with error: unexpected content type: "
			      "1.2.840.113549.1.7.1. Expected to be id-ct-TSTInfo (1.2.840.113549.1.9.16.1.4)");
	countersignature_case("TimeStampTokenWithoutCertificate.p7s", "notation",
			      "failed to verify the timestamp countersignature with error: failed to verify signed token: "
			      "signing certificate not found in the timestamp token");
	/* the valid 2021 token over "notation" anchors at R6 (its intermediate shares R6's key with the
	 * cross-signed copy it carries); then its genTime precedes the alpine signer's validity */
	countersignature_case("TimeStampToken.p7s", "notation",
			      "timestamp can be before certificate \"CN=alpine,O=Notary,L=Seattle,ST=WA,C=US\" validity "
			      "period, it will be valid from \"Tue, 09 May 2023 04:55:12 +0000\"");
}

/* ---- e2e layouts with RFC 3161 signatures ------------------------------------------------------ */

#define E2E "notation/test/e2e/testdata/registry/oci_layout/"

static void e2e_case(const char *envelope_rel, const char *sv, const char *stores, struct expect want)
{
	size_t len;
	unsigned char *env = read_vector(envelope_rel, &len);
	struct trust t = { 0 };
	struct nv_bundle *b;
	struct nv_sig_result res;
	struct ferry_err e;
	const struct nv_target target = { OCI_MT_MANIFEST, "sha256:0000000000000000000000000000000000000000000000000000"
								 "000000000000", 2 };
	int rc;

	leaf_of(&t, "application/jose+json", env, len, "ca", "e2e");
	trust_add_dir(&t, "notation/test/e2e/testdata/config/timestamp", "tsa", "e2e");
	b = make_bundle(&t, sv, stores);
	rc = verify(b, "application/jose+json", env, len, &target, NOW, &res, &e);
	check(envelope_rel, rc, &res, &e, want);
	nv_sig_result_free(&res);
	nv_bundle_free(b);
	free(env);
}

static void test_e2e_layouts(void **state)
{
	static const char *const invalid_ts =
		E2E "e2e-with-invalid-timestamped-signature/blobs/sha256/8d2e70ffc2af68b7f2df6f30dfefcb7bcda1db5f9ac2566fc8c6c2248c8d4c5f";
	static const char *const ms_ts =
		E2E "e2e-with-timestamped-signature/blobs/sha256/603ff134e97a79cd7a15560b76137c2c4a10451daab11327a7c6f86dac250fee";
	static const char *const logged_expiry = "{\"level\":\"strict\",\"verifyTimestamp\":\"always\","
						 "\"override\":{\"expiry\":\"log\"}}";

	(void)state;
	need_vectors();
	/* the token is "invalid\n": notation's parse error */
	e2e_case(invalid_ts, ALWAYS, "\"ca:e2e\",\"tsa:e2e\"",
		 (struct expect){ NV_FAILED, "failed to parse timestamp countersignature with error: cms: syntax error: "
					     "invalid signed data: failed to convert from BER to DER: asn1: syntax error: "
					     "decoding BER length octets: short form length octets value should be less or "
					     "equal to the subsequent octets length" });
	/* the Microsoft token: its root is not shipped, GlobalSign R6 does not anchor it */
	e2e_case(ms_ts, logged_expiry, "\"ca:e2e\",\"tsa:e2e\"",
		 (struct expect){ NV_FAILED, "failed to verify the timestamp countersignature with error: failed to "
					     "verify signed token: cms verification failure: x509: certificate signed by "
					     "unknown authority" });
	/* without a tsa store: testcert7 expired in January 2025 */
	e2e_case(invalid_ts, "{\"level\":\"strict\"}", "\"ca:e2e\"",
		 (struct expect){ NV_FAILED, "verification time is after certificate \"CN=testcert7,O=Notary,L=Seattle,"
					     "ST=WA,C=US\" validity period, it was expired at \"Wed, 22 Jan 2025 08:36:26 "
					     "+0000\"" });
}

/* ---- envelopes timestamped at run time ---------------------------------------------------------- */

#define T_SIGN 1700000000 /* 2023-11-14T22:13:20Z */
#define CTY "\"cty\":\"application/vnd.cncf.notary.payload.v1+json\""
#define TARGET_DIGEST "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9"
#define HEADER "{\"alg\":\"PS256\",\"crit\":[\"io.cncf.notary.signingScheme\"]," CTY ","                     \
	       "\"io.cncf.notary.signingScheme\":\"notary.x509\",\"io.cncf.notary.signingTime\":"             \
	       "\"2023-11-14T22:13:20Z\"}"
#define PAYLOAD "{\"targetArtifact\":{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" TARGET_DIGEST "\",\"size\":517}}"

static const struct nv_target target = { OCI_MT_MANIFEST, TARGET_DIGEST, 517 };
static const char *const eku_ts[] = { "1.3.6.1.5.5.7.3.8", NULL };

struct world {
	struct tkey *signer_key, *tsa_root_key, *tsa_key;
	struct buf signer, tsa_root, tsa;     /* DER certificates */
	struct buf env;                       /* JWS with the token in its header */
};

struct world_opts {
	int64_t signer_not_after;             /* 0: a day after T_SIGN */
	int64_t gen_time;                     /* 0: T_SIGN + 60 */
	int accuracy_seconds;
	const char *tsa_ocsp_url;             /* the TSA leaf names a responder */
	bool signer_issued_by_tsa_root;       /* the code-signing leaf is issued by the TSA root */
};

static void world_make(struct world *w, const struct world_opts *wo)
{
	struct tcert_opts so = { .cn = "signer", .org = "Ferry Test", .not_before = T_SIGN - 86400,
				 .not_after = wo->signer_not_after ? wo->signer_not_after : T_SIGN + 86400 };
	struct tcert_opts ro = { .cn = "TSA Root", .org = "Ferry Test", .is_ca = true, .path_len = -1,
				 .key_usage = NV_KU_KEY_CERT_SIGN | NV_KU_CRL_SIGN };
	struct tcert_opts lo = { .cn = "TSA", .org = "Ferry Test", .ekus = eku_ts, .eku_critical = true,
				 .issuer_cn = "TSA Root", .issuer_org = "Ferry Test", .ocsp_url = wo->tsa_ocsp_url };
	struct tjws j = { .protected_json = HEADER, .payload = PAYLOAD, .n_certs = 1, .hash_bits = 256 };
	struct buf plain, sig, token, certs[2];
	struct nv_envelope *ev;
	struct ferry_err e;
	char *b64, *at, *out;

	memset(w, 0, sizeof(*w));
	w->signer_key = tkey_rsa(2048);
	w->tsa_root_key = tkey_rsa(2048);
	w->tsa_key = tkey_ec(256);
	tcert_make(w->tsa_root_key, &ro, &w->tsa_root);
	lo.issuer_key = w->tsa_root_key;
	tcert_make(w->tsa_key, &lo, &w->tsa);
	if (wo->signer_issued_by_tsa_root) {
		so.issuer_key = w->tsa_root_key;
		so.issuer_cn = "TSA Root";
		so.issuer_org = "Ferry Test";
	}
	tcert_make(w->signer_key, &so, &w->signer);
	certs[0] = w->signer;
	certs[1] = w->tsa_root;
	j.certs = certs;
	j.n_certs = wo->signer_issued_by_tsa_root ? 2 : 1;
	tjws_make(w->signer_key, &j, &plain);
	/* the token covers the raw signature bytes */
	if (nv_envelope_verify("application/jose+json", plain.data, plain.len, &ev, &e) < 0)
		fail_msg("%s", e.msg);
	buf_init(&sig, 0);
	buf_append(&sig, ev->signature, ev->signature_len);
	nv_envelope_free(ev);
	certs[0] = w->tsa;
	ttst_make(w->tsa_key, &w->tsa, sig.data, sig.len,
		  &(struct ttst_opts){ .gen_time = wo->gen_time ? wo->gen_time : T_SIGN + 60,
				       .accuracy_seconds = wo->accuracy_seconds, .certs = certs, .n_certs = 2 },
		  &token);
	b64 = b64_encode_std(token.data, token.len);
	at = strstr(buf_cstr(&plain), "},\"signature\":");
	assert_non_null(at);
	out = xasprintf("%.*s,\"io.cncf.notary.timestampSignature\":\"%s\"%s", (int)(at - (char *)plain.data),
			(char *)plain.data, b64, at);
	buf_init(&w->env, 0);
	buf_append(&w->env, out, strlen(out));
	free(out);
	free(b64);
	buf_free(&plain);
	buf_free(&sig);
	buf_free(&token);
}

static void world_free(struct world *w)
{
	tkey_free(w->signer_key);
	tkey_free(w->tsa_root_key);
	tkey_free(w->tsa_key);
	buf_free(&w->signer);
	buf_free(&w->tsa_root);
	buf_free(&w->tsa);
	buf_free(&w->env);
}

struct key_cert {
	const char *key;                      /* Secret key name (binding convention) */
	const struct buf *cert;
};

/* Verify the world's envelope with the given Secret keys. */
static int world_verify_keys(const struct world *w, const char *sv, const char *stores, const struct key_cert *kc,
			     size_t n, int64_t now, struct nv_sig_result *res, struct ferry_err *e)
{
	struct trust t = { 0 };
	struct nv_bundle *b;
	int rc;

	for (size_t i = 0; i < n; i++) {
		char *type, *name;

		nv_cert_key_binding(kc[i].key, &type, &name);
		trust_add_der(&t, kc[i].cert->data, kc[i].cert->len, type, name, kc[i].key);
		free(type);
		free(name);
	}
	b = make_bundle(&t, sv, stores);
	rc = verify(b, "application/jose+json", w->env.data, w->env.len, &target, now, res, e);
	nv_bundle_free(b);
	return rc;
}

/* The signer's certificate and the TSA root under these key names (NULL: left out). */
static int world_verify(const struct world *w, const char *sv, const char *stores, const char *signer_key_name,
			const char *tsa_key_name, int64_t now, struct nv_sig_result *res, struct ferry_err *e)
{
	struct key_cert kc[2];
	size_t n = 0;

	if (signer_key_name)
		kc[n++] = (struct key_cert){ signer_key_name, &w->signer };
	if (tsa_key_name)
		kc[n++] = (struct key_cert){ tsa_key_name, &w->tsa_root };
	return world_verify_keys(w, sv, stores, kc, n, now, res, e);
}

#define AFTER_STORES "\"ca:signers\",\"tsa:ts\""

static void test_expired_signer_saved_by_timestamp(void **state)
{
	struct world w;
	struct nv_sig_result r;
	struct ferry_err e;
	const int64_t later = T_SIGN + 30 * 86400; /* the signer expired 29 days ago */

	(void)state;
	world_make(&w, &(struct world_opts){ 0 });
	/* afterCertExpiry: the expired signer is accepted because the timestamp lies in its validity */
	assert_int_equal(world_verify(&w, AFTER, AFTER_STORES, "signer.crt", "tsa-root.crt", later, &r, &e), 0);
	assert_true(r.timestamp_used);
	assert_int_equal(r.timestamp_time, T_SIGN + 60);
	assert_null(r.checks[NV_CHECK_AUTHENTIC_TIMESTAMP].error);
	nv_sig_result_free(&r);
	/* while the signer is valid, afterCertExpiry does not look at the token */
	assert_int_equal(world_verify(&w, AFTER, AFTER_STORES, "signer.crt", "tsa-root.crt", T_SIGN + 3600, &r, &e), 0);
	assert_false(r.timestamp_used);
	nv_sig_result_free(&r);
	/* always: verified now too */
	assert_int_equal(world_verify(&w, ALWAYS, AFTER_STORES, "signer.crt", "tsa-root.crt", T_SIGN + 3600, &r, &e), 0);
	assert_true(r.timestamp_used);
	nv_sig_result_free(&r);
	/* no tsa store: the token is ignored and the expired signer fails */
	assert_int_equal(world_verify(&w, "{\"level\":\"strict\"}", "\"ca:signers\"", "signer.crt", "tsa-root.crt",
				      later, &r, &e), -1);
	assert_string_equal(e.msg, "verification time is after certificate \"CN=signer,O=Ferry Test\" validity period, "
				   "it was expired at \"Wed, 15 Nov 2023 22:13:20 +0000\"");
	nv_sig_result_free(&r);
	/* the TSA root missing from the bundle: nothing anchors the token */
	assert_int_equal(world_verify(&w, AFTER, AFTER_STORES, "signer.crt", NULL, later, &r, &e), -1);
	assert_string_equal(e.msg, "failed to verify the timestamp countersignature with error: failed to verify signed "
				   "token: cms verification failure: x509: certificate signed by unknown authority");
	nv_sig_result_free(&r);
	world_free(&w);
}

static void test_timestamp_range(void **state)
{
	struct world w;
	struct nv_sig_result r;
	struct ferry_err e;

	(void)state;
	/* genTime after the signer's notAfter */
	world_make(&w, &(struct world_opts){ .gen_time = T_SIGN + 2 * 86400 });
	assert_int_equal(world_verify(&w, ALWAYS, AFTER_STORES, "signer.crt", "tsa-root.crt", T_SIGN, &r, &e), -1);
	assert_string_equal(e.msg, "timestamp can be after certificate \"CN=signer,O=Ferry Test\" validity period, it was "
				   "expired at \"Wed, 15 Nov 2023 22:13:20 +0000\"");
	nv_sig_result_free(&r);
	world_free(&w);
	/* genTime inside, but the accuracy widens the range past notAfter */
	world_make(&w, &(struct world_opts){ .gen_time = T_SIGN + 86400 - 1, .accuracy_seconds = 2 });
	assert_int_equal(world_verify(&w, ALWAYS, AFTER_STORES, "signer.crt", "tsa-root.crt", T_SIGN, &r, &e), -1);
	assert_string_equal(e.msg, "timestamp can be after certificate \"CN=signer,O=Ferry Test\" validity period, it was "
				   "expired at \"Wed, 15 Nov 2023 22:13:20 +0000\"");
	nv_sig_result_free(&r);
	world_free(&w);
	/* before notBefore, by the accuracy */
	world_make(&w, &(struct world_opts){ .gen_time = T_SIGN - 86400 + 1, .accuracy_seconds = 2 });
	assert_int_equal(world_verify(&w, ALWAYS, AFTER_STORES, "signer.crt", "tsa-root.crt", T_SIGN, &r, &e), -1);
	assert_string_equal(e.msg, "timestamp can be before certificate \"CN=signer,O=Ferry Test\" validity period, it "
				   "will be valid from \"Mon, 13 Nov 2023 22:13:20 +0000\"");
	nv_sig_result_free(&r);
	world_free(&w);
}

static void test_tsa_revocation_offline(void **state)
{
	struct world w;
	struct nv_sig_result r;
	struct ferry_err e;

	(void)state;
	world_make(&w, &(struct world_opts){ .tsa_ocsp_url = "http://127.0.0.1:9/ocsp" });
	assert_int_equal(world_verify(&w, ALWAYS, AFTER_STORES, "signer.crt", "tsa-root.crt", T_SIGN, &r, &e), -1);
	assert_string_equal(e.msg, "timestamping certificate with subject \"CN=TSA,O=Ferry Test\" revocation status is "
				   "unknown");
	assert_false(r.timestamp_used);
	nv_sig_result_free(&r);
	/* not skippable through the revocation override: it belongs to authenticTimestamp */
	assert_int_equal(world_verify(&w, "{\"level\":\"strict\",\"verifyTimestamp\":\"always\",\"override\":"
				      "{\"revocation\":\"skip\"}}", AFTER_STORES, "signer.crt", "tsa-root.crt", T_SIGN, &r,
				      &e), -1);
	nv_sig_result_free(&r);
	assert_int_equal(world_verify(&w, "{\"level\":\"permissive\",\"verifyTimestamp\":\"always\"}", AFTER_STORES,
				      "signer.crt", "tsa-root.crt", T_SIGN, &r, &e), 0);
	assert_string_equal(r.checks[NV_CHECK_AUTHENTIC_TIMESTAMP].error, "timestamping certificate with subject "
				"\"CN=TSA,O=Ferry Test\" revocation status is unknown");
	nv_sig_result_free(&r);
	world_free(&w);
}

/* ---- trust stores bound by Secret key name --------------------------------------------------------- */

static void test_key_binding_names(void **state)
{
	static const struct {
		const char *key, *type, *name;
	} cases[] = {
		{ "tsa.globalsign.crt", "tsa", "globalsign" },
		{ "ca.acme.pem", "ca", "acme" },
		{ "signingAuthority.corp.cer", "signingAuthority", "corp" },
		{ "tsa.my.store.der", "tsa", "my.store" },
		{ "ca.crt", NULL, NULL },          /* Flux's usual key: every store */
		{ "tsa..crt", NULL, NULL },
		{ "root.crt", NULL, NULL },
		{ "tsa.x.txt", NULL, NULL },
		{ "tsaroot.crt", NULL, NULL },
		{ "Ca.acme.crt", NULL, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *type, *name;
		bool bound = nv_cert_key_binding(cases[i].key, &type, &name);

		assert_int_equal(bound, cases[i].type != NULL);
		if (bound) {
			assert_string_equal(type, cases[i].type);
			assert_string_equal(name, cases[i].name);
		}
		free(type);
		free(name);
	}
}

static void test_bound_tsa_root_is_no_signing_root(void **state)
{
	struct world w;
	struct nv_sig_result r;
	struct ferry_err e;

	(void)state;
	/* a code-signing leaf issued by the TSA's root */
	world_make(&w, &(struct world_opts){ .signer_issued_by_tsa_root = true });
	/* Flux's behaviour: the unbound TSA root is also a code-signing root */
	assert_int_equal(world_verify(&w, ALWAYS, AFTER_STORES, NULL, "tsa-root.crt", T_SIGN, &r, &e), 0);
	assert_true(r.timestamp_used);
	nv_sig_result_free(&r);
	/* bound to tsa:ts it serves the timestamp only: nothing in the ca store anchors the signer */
	{
		struct tkey *k = tkey_ec(256);
		struct buf other;
		const struct key_cert kc[] = { { "tsa.ts.crt", &w.tsa_root }, { "ca.signers.crt", &other } };
		const struct key_cert bad[] = { { "tsa.ts.crt", &w.tsa_root }, { "ca.signers.crt", &w.tsa } };

		tcert_make(k, &(struct tcert_opts){ .cn = "someone else" }, &other);
		assert_int_equal(world_verify_keys(&w, ALWAYS, AFTER_STORES, kc, 2, T_SIGN, &r, &e), -1);
		assert_string_equal(e.msg, "the signature's certificate chain does not contain any trusted certificate");
		nv_sig_result_free(&r);
		/* a bound store holds what notation's trust store directories may: CA or self-signed certificates */
		assert_int_equal(world_verify_keys(&w, ALWAYS, AFTER_STORES, bad, 2, T_SIGN, &r, &e), -1);
		assert_string_equal(e.msg, "failed to validate the trusted certificate ca.signers.crt in trust store signers "
				    "of type ca");
		nv_sig_result_free(&r);
		buf_free(&other);
		tkey_free(k);
	}
	/* every certificate bound and none for the listed ca store: notation-go's missing-store error */
	assert_int_equal(world_verify(&w, ALWAYS, AFTER_STORES, NULL, "tsa.ts.crt", T_SIGN, &r, &e), -1);
	assert_string_equal(e.msg, "the trust store \"signers\" of type \"ca\" does not exist");
	nv_sig_result_free(&r);
	/* the signer's own certificate (neither a CA nor self-signed) cannot be bound to a store */
	assert_int_equal(world_verify(&w, ALWAYS, AFTER_STORES, "ca.signers.crt", "tsa.ts.crt", T_SIGN, &r, &e), -1);
	assert_string_equal(e.msg, "failed to validate the trusted certificate ca.signers.crt in trust store signers of "
			    "type ca");
	nv_sig_result_free(&r);
	/* a root meant for both uses is bound to both stores explicitly */
	{
		const struct key_cert both[] = { { "ca.signers.crt", &w.tsa_root }, { "tsa.ts.crt", &w.tsa_root } };

		assert_int_equal(world_verify_keys(&w, ALWAYS, AFTER_STORES, both, 2, T_SIGN, &r, &e), 0);
		assert_true(r.timestamp_used);
		nv_sig_result_free(&r);
	}
	world_free(&w);
}

static void test_bound_signing_root_is_no_tsa_root(void **state)
{
	struct world w;
	struct nv_sig_result r;
	struct ferry_err e;

	(void)state;
	world_make(&w, &(struct world_opts){ 0 });
	/* the TSA root bound to the ca store only: no tsa certificate at all */
	assert_int_equal(world_verify(&w, ALWAYS, "\"ca:signers\",\"tsa:ts\"", "ca.signers.crt", "ca.signers.pem", T_SIGN,
				      &r, &e), -1);
	assert_string_equal(e.msg, "failed to load tsa trust store with error: the trust store \"ts\" of type \"tsa\" "
				   "does not exist");
	nv_sig_result_free(&r);
	/* bound to a tsa store the policy does not list */
	assert_int_equal(world_verify(&w, ALWAYS, "\"ca:signers\",\"tsa:ts\",\"tsa:other\"", "ca.signers.crt",
				      "tsa.other.crt", T_SIGN, &r, &e), -1);
	assert_string_equal(e.msg, "failed to load tsa trust store with error: the trust store \"ts\" of type \"tsa\" "
				   "does not exist");
	nv_sig_result_free(&r);
	/* and to the right one */
	assert_int_equal(world_verify(&w, ALWAYS, "\"ca:signers\",\"tsa:ts\"", "ca.signers.crt", "tsa.ts.crt", T_SIGN, &r,
				      &e), 0);
	assert_true(r.timestamp_used);
	nv_sig_result_free(&r);
	world_free(&w);
}

/* Bundles loaded from a Secret: key names bind, the fingerprint follows the bindings. */
static void test_bundle_from_secret(void **state)
{
	static const char policy[] = "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"p\",\"registryScopes\":[\"*\"],"
				     "\"signatureVerification\":{\"level\":\"strict\"},\"trustStores\":[\"ca:a\",\"tsa:t\"],"
				     "\"trustedIdentities\":[\"*\"]}]}";
	struct world w;
	struct cfg_secret s;
	struct cfg_secret_entry ent[3];
	struct nv_bundle *b1, *b2;
	struct ferry_err e;
	char fp1[65];

	(void)state;
	world_make(&w, &(struct world_opts){ 0 });
	memset(&s, 0, sizeof(s));
	s.ns = "default";
	s.name = "bundle";
	s.entries = ent;
	s.n_entries = 3;
	ent[0] = (struct cfg_secret_entry){ "root.crt", w.signer.data, w.signer.len };
	ent[1] = (struct cfg_secret_entry){ "tsa.t.crt", w.tsa_root.data, w.tsa_root.len };
	ent[2] = (struct cfg_secret_entry){ "trustpolicy.json", (unsigned char *)policy, strlen(policy) };
	assert_int_equal(nv_bundle_load(&s, &b1, &e), 0);
	assert_int_equal(b1->n_certs, 2);
	assert_null(b1->bindings[0].type);
	assert_string_equal(b1->bindings[1].type, "tsa");
	assert_string_equal(b1->bindings[1].name, "t");
	snprintf(fp1, sizeof(fp1), "%s", nv_bundle_fingerprint(b1));
	/* the same certificates, the TSA root now unbound: a different verdict input */
	ent[1].key = "tsa-root.crt";
	assert_int_equal(nv_bundle_load(&s, &b2, &e), 0);
	assert_string_not_equal(nv_bundle_fingerprint(b2), fp1);
	nv_bundle_free(b1);
	nv_bundle_free(b2);
	world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigenv_vectors),
		cmocka_unit_test(test_countersignature_vectors),
		cmocka_unit_test(test_e2e_layouts),
		cmocka_unit_test(test_expired_signer_saved_by_timestamp),
		cmocka_unit_test(test_timestamp_range),
		cmocka_unit_test(test_tsa_revocation_offline),
		cmocka_unit_test(test_key_binding_names),
		cmocka_unit_test(test_bound_tsa_root_is_no_signing_root),
		cmocka_unit_test(test_bound_signing_root_is_no_tsa_root),
		cmocka_unit_test(test_bundle_from_secret),
	};
	return cmocka_run_group_tests(tests, vectors_setup, vectors_teardown);
}
