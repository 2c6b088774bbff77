/* test-verify.c - the signature discovery loop of nv_verify against an in-memory registry, and outcome mapping.
 *
 * The registry client calls nv_verify makes are replaced at link time
 * (-Wl,--wrap) by a registry held in memory: a referrers list, manifests and
 * blobs by digest, and call counters.
 */
#include "unit.h"
#include "nvtest-pki.h"
#include "oci-wrap.h"
#include "vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notation/bundle.h"
#include "notation/notation.h"
#include "notation/policy.h"
#include "notation/verify.h"
#include "oci/manifest.h"
#include "oci/oci.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/timeutil.h"

/* ---- in-memory registry ------------------------------------------------------- */

struct object {
	char digest[DIGEST_STR_LEN + 1];
	unsigned char *data;
	size_t len;
};

static struct {
	struct object objects[32];
	size_t n_objects;
	struct oci_descriptor referrers[8];
	size_t n_referrers;
	const char *referrers_error;
	int referrers_calls, manifest_calls, blob_calls;
} reg;

static const char *put(const void *data, size_t len)
{
	struct object *o = &reg.objects[reg.n_objects++];
	char hex[DIGEST_HEX_LEN + 1];

	sha256_hex(data, len, hex);
	snprintf(o->digest, sizeof(o->digest), "sha256:%s", hex);
	o->data = xmalloc(len + 1);
	memcpy(o->data, data, len);
	o->len = len;
	return o->digest;
}

static const struct object *find(const char *digest)
{
	for (size_t i = 0; i < reg.n_objects; i++)
		if (strcmp(reg.objects[i].digest, digest) == 0)
			return &reg.objects[i];
	return NULL;
}

static void add_referrer(const char *media_type, const char *digest, int64_t size)
{
	struct oci_descriptor *d = &reg.referrers[reg.n_referrers++];

	memset(d, 0, sizeof(*d));
	d->media_type = xstrdup(media_type);
	d->digest = xstrdup(digest);
	d->size = size;
	d->artifact_type = xstrdup(NOTARY_MT_SIGNATURE);
}

static void reg_reset(void)
{
	for (size_t i = 0; i < reg.n_objects; i++)
		free(reg.objects[i].data);
	for (size_t i = 0; i < reg.n_referrers; i++)
		oci_descriptor_free(&reg.referrers[i]);
	memset(&reg, 0, sizeof(reg));
}

int __wrap_oci_referrers(struct oci_client *c, const char *digest, const char *artifact_type,
			 struct oci_descriptor **out, size_t *n, struct ferry_err *e)
{
	reg.referrers_calls++;
	assert_string_equal(artifact_type, "application/vnd.cncf.notary.signature");
	*out = NULL;
	*n = 0;
	if (reg.referrers_error)
		return ferr_set(e, "OCIArtifactPullFailed", "%s", reg.referrers_error);
	*out = xcalloc(reg.n_referrers + 1, sizeof(**out));
	for (size_t i = 0; i < reg.n_referrers; i++)
		oci_descriptor_copy(&(*out)[i], &reg.referrers[i]);
	*n = reg.n_referrers;
	return 0;
}

static int serve(const char *what, const char *digest, size_t max, struct buf *out, struct ferry_err *e)
{
	const struct object *o = find(digest);

	buf_init(out, max);
	if (!o)
		return ferr_set(e, "OCIArtifactPullFailed", "GET %s %s: 404 Not Found", what, digest);
	if (buf_append(out, o->data, o->len) < 0)
		return ferr_set(e, "OCIArtifactPullFailed", "%s %s larger than %zu bytes", what, digest, max);
	return 0;
}

int __wrap_oci_get_manifest(struct oci_client *c, const char *digest, size_t max, struct buf *body,
			    char **content_type, struct ferry_err *e)
{
	reg.manifest_calls++;
	*content_type = xstrdup(OCI_MT_MANIFEST);
	return serve("manifest", digest, max, body, e);
}

int __wrap_oci_get_blob(struct oci_client *c, const char *digest, int64_t size, size_t max, struct buf *out,
			struct ferry_err *e)
{
	reg.blob_calls++;
	return serve("blob", digest, max, out, e);
}

void __wrap_oci_descriptors_free(struct oci_descriptor *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		oci_descriptor_free(&d[i]);
	free(d);
}

/* ---- fixtures ------------------------------------------------------------------------ */

#define E2E_LAYOUT "notation/test/e2e/testdata/registry/oci_layout/e2e-valid-signature/blobs/sha256/"
#define E2E_ENVELOPE E2E_LAYOUT "c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50"
#define E2E_CRT "notation/test/e2e/testdata/config/localkeys/e2e.crt"
#define NEW_E2E_CRT "notation/test/e2e/testdata/config/localkeys/new_e2e.crt"
#define E2E_EXPIRED_ENVELOPE \
	"notation/test/e2e/testdata/registry/oci_layout/e2e-expired-signature/blobs/sha256/" \
	"b5f927564088f65dad86c81bcdd0b55415a8b4c9a0a5391107210e0cdb305cc7"
#define TARGET_DIGEST "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9"
#define REF "localhost:5000/test-repo@" TARGET_DIGEST
#define NOW 1780272000 /* 2026-06-01T00:00:00Z */

static struct oci_client *const client = (struct oci_client *)&reg;

static int reset_each(void **state)
{
	reg_reset();
	return 0;
}

static struct nv_bundle *bundle(const char *level_sv, const char *scope, const char *cert)
{
	char *json = xasprintf("{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"test-statement\","
			       "\"registryScopes\":[\"%s\"],\"signatureVerification\":%s,%s}]}",
			       scope, level_sv,
			       strstr(level_sv, "\"skip\"") ? "\"trustStores\":[],\"trustedIdentities\":[]"
							    : "\"trustStores\":[\"ca:any\"],\"trustedIdentities\":[\"*\"]");
	struct nv_cert **certs = NULL;
	size_t n = 0;
	struct nv_bundle *b;

	if (cert)
		certs = load_vector_certs(cert, &n);
	b = make_test_bundle("test/bundle", json, certs, NULL, n);
	free(json);
	return b;
}

/* A signature manifest (image manifest, legacy config form) around an
 * envelope blob; returns its digest and size. */
static const char *sig_manifest(const char *layers, int64_t *size)
{
	char *m = xasprintf("{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
			    "\"application/vnd.cncf.notary.signature\",\"digest\":"
			    "\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},"
			    "\"layers\":[%s],\"subject\":{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":517}}",
			    OCI_MT_MANIFEST, layers, OCI_MT_MANIFEST, TARGET_DIGEST);
	const char *d = put(m, strlen(m));

	*size = (int64_t)strlen(m);
	free(m);
	return d;
}

static char *layer(const char *media_type, const char *digest, int64_t size)
{
	return xasprintf("{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld}", media_type, digest, (long long)size);
}

/* Publish an envelope blob and a signature manifest naming it; add it to
 * the referrers list. Returns the signature manifest digest. */
static const char *publish(const char *envelope_media_type, const void *env, size_t env_len)
{
	const char *blob = put(env, env_len);
	char *l = layer(envelope_media_type, blob, (int64_t)env_len);
	int64_t size;
	const char *d = sig_manifest(l, &size);

	free(l);
	add_referrer(OCI_MT_MANIFEST, d, size);
	return d;
}

static const char *publish_vector(const char *rel)
{
	size_t len;
	unsigned char *data = read_vector(rel, &len);
	const char *d = publish("application/jose+json", data, len);

	free(data);
	return d;
}

static const struct nv_artifact artifact = { REF, OCI_MT_MANIFEST, TARGET_DIGEST, 517 };

static int run(const struct nv_bundle *b, const struct nv_artifact *a, int max, struct nv_outcome *out,
	       struct ferry_err *e)
{
	struct nv_verify_opts opts = { .max_signatures = max, .now = NOW };

	ferr_clear(e);
	return nv_verify(client, b, a, &opts, out, e);
}

/* The per-signature error, as nv_verify_signature reports it for the same inputs. */
static char *signature_error(const struct nv_bundle *b, const char *media_type, const void *env, size_t len,
			     const struct nv_artifact *a)
{
	const struct nv_statement *st;
	struct nv_sig_result r;
	struct nv_target t = { a->media_type, a->digest, a->size };
	struct ferry_err e;
	char *msg;

	assert_int_equal(nv_policy_select(b->policy, a->reference, &st, &e), 0);
	assert_int_equal(nv_verify_signature(st, b->certs, b->n_certs, media_type, env, len, &t, NOW, &r, &e), -1);
	msg = xstrdup(r.error);
	assert_string_equal(e.msg, msg);
	nv_sig_result_free(&r);
	return msg;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_skip_makes_no_registry_call(void **state)
{
	struct nv_bundle *b;
	struct nv_outcome o;
	struct ferry_err e;

	b = bundle("{\"level\":\"skip\"}", "*", NULL);
	assert_int_equal(run(b, &artifact, 0, &o, &e), 0);
	assert_int_equal(o.result, NV_SKIPPED);
	assert_string_equal(o.level, "skip");
	assert_string_equal(o.policy_name, "test-statement");
	assert_int_equal(reg.referrers_calls + reg.manifest_calls + reg.blob_calls, 0);
	nv_outcome_free(&o);
	nv_bundle_free(b);
}

static void test_no_applicable_policy(void **state)
{
	struct nv_bundle *b;
	struct nv_outcome o;
	struct ferry_err e;

	b = bundle("{\"level\":\"skip\"}", "localhost:5000/other", NULL);
	assert_int_equal(run(b, &artifact, 0, &o, &e), -1);
	assert_int_equal(o.result, NV_FAILED);
	assert_string_equal(e.msg, "artifact \"" REF "\" has no applicable trust policy statement. Trust policy "
				   "applicability for a given artifact is determined by registryScopes. To create a trust "
				   "policy, see: https://notaryproject.dev/docs/quickstart/#create-a-trust-policy");
	assert_string_equal(e.reason, "VerificationError");
	assert_int_equal(reg.referrers_calls, 0);
	nv_outcome_free(&o);
	nv_bundle_free(b);
}

static void test_no_signature(void **state)
{
	struct nv_bundle *b;
	struct nv_outcome o;
	struct ferry_err e;

	need_vectors();
	b = bundle("{\"level\":\"strict\"}", "*", E2E_CRT);
	assert_int_equal(run(b, &artifact, 0, &o, &e), -1);
	assert_int_equal(o.result, NV_FAILED);
	assert_string_equal(e.msg, "no signature is associated with \"" REF "\", make sure the artifact was signed "
				   "successfully");
	assert_int_equal(reg.referrers_calls, 1);
	nv_outcome_free(&o);

	reg.referrers_error = "GET https://localhost:5000/v2/test-repo/referrers/x: 500 Internal Server Error";
	assert_int_equal(run(b, &artifact, 0, &o, &e), -1);
	assert_string_equal(e.msg, reg.referrers_error);
	assert_string_equal(e.reason, "VerificationError");
	nv_outcome_free(&o);
	nv_bundle_free(b);
}

static void expect_retrieval_error(const struct nv_bundle *b, const char *sig_digest, const char *inner)
{
	struct nv_outcome o;
	struct ferry_err e;
	char *want = xasprintf("unable to retrieve digital signature with digest \"%s\" associated with \"" REF
			       "\" from the Repository, error : %s", sig_digest, inner);

	assert_int_equal(run(b, &artifact, 0, &o, &e), -1);
	assert_int_equal(o.result, NV_FAILED);
	assert_string_equal(e.msg, want);
	free(want);
	nv_outcome_free(&o);
}

static void test_signature_retrieval_errors(void **state)
{
	struct nv_bundle *b;
	int64_t size;
	const char *d;
	char *l1, *l2, *two;

	need_vectors();
	b = bundle("{\"level\":\"strict\"}", "*", E2E_CRT);

	add_referrer(OCI_MT_INDEX, "sha256:0000000000000000000000000000000000000000000000000000000000000000", 10);
	expect_retrieval_error(b, "sha256:0000000000000000000000000000000000000000000000000000000000000000",
			       "sigManifestDesc.MediaType requires \"application/vnd.oci.artifact.manifest.v1+json\" or "
			       "\"application/vnd.oci.image.manifest.v1+json\", got \"application/vnd.oci.image.index.v1+json\"");
	assert_int_equal(reg.manifest_calls, 0);
	reg_reset();

	add_referrer(OCI_MT_MANIFEST, "sha256:1111111111111111111111111111111111111111111111111111111111111111",
		     4 * 1024 * 1024 + 1);
	expect_retrieval_error(b, "sha256:1111111111111111111111111111111111111111111111111111111111111111",
			       "signature manifest too large: 4194305 bytes");
	assert_int_equal(reg.manifest_calls, 0);
	reg_reset();

	l1 = layer("application/jose+json", put("a", 1), 1);
	l2 = layer("application/jose+json", put("b", 1), 1);
	two = xasprintf("%s,%s", l1, l2);
	d = sig_manifest(two, &size);
	add_referrer(OCI_MT_MANIFEST, d, size);
	expect_retrieval_error(b, d, "signature manifest requries exactly one signature envelope blob, got 2");
	assert_int_equal(reg.blob_calls, 0);
	reg_reset();

	d = sig_manifest("", &size);
	add_referrer(OCI_MT_MANIFEST, d, size);
	expect_retrieval_error(b, d, "signature manifest requries exactly one signature envelope blob, got 0");
	reg_reset();

	free(l1);
	l1 = layer("application/jose+json", "sha256:2222222222222222222222222222222222222222222222222222222222222222",
		   32 * 1024 * 1024 + 1);
	d = sig_manifest(l1, &size);
	add_referrer(OCI_MT_MANIFEST, d, size);
	expect_retrieval_error(b, d, "signature blob too large: 33554433 bytes");
	assert_int_equal(reg.blob_calls, 0);
	reg_reset();

	/* a registry error while fetching the envelope aborts the verification */
	free(l1);
	l1 = layer("application/jose+json", "sha256:3333333333333333333333333333333333333333333333333333333333333333", 5);
	d = sig_manifest(l1, &size);
	add_referrer(OCI_MT_MANIFEST, d, size);
	publish_vector(E2E_ENVELOPE);
	expect_retrieval_error(b, d, "GET blob sha256:3333333333333333333333333333333333333333333333333333333333333333: "
				     "404 Not Found");
	assert_int_equal(reg.blob_calls, 1);

	free(l1);
	free(l2);
	free(two);
	nv_bundle_free(b);
}

static void test_first_success_wins(void **state)
{
	struct nv_bundle *b;
	struct nv_outcome o;
	struct ferry_err e;
	const char *bad, *good;

	need_vectors();
	b = bundle("{\"level\":\"strict\"}", "*", E2E_CRT);
	bad = publish("application/jose+json", "{}", 2);
	good = publish_vector(E2E_ENVELOPE);
	publish_vector(E2E_ENVELOPE);
	assert_int_equal(run(b, &artifact, 0, &o, &e), 0);
	assert_int_equal(o.result, NV_VERIFIED);
	assert_string_equal(o.signature_digest, good);
	assert_string_not_equal(o.signature_digest, bad);
	assert_string_equal(o.signer_subject, "CN=e2e,O=Notary,L=Seattle,ST=WA,C=US");
	assert_string_equal(o.level, "strict");
	assert_string_equal(o.policy_name, "test-statement");
	assert_null(o.logged);
	assert_int_equal(reg.blob_calls, 2);
	nv_outcome_free(&o);
	nv_bundle_free(b);
}

static void test_all_fail_aggregate(void **state)
{
	struct nv_bundle *b;
	struct nv_outcome o;
	struct ferry_err e;
	const char *d1, *d2;
	size_t len;
	unsigned char *env;
	char *err1, *err2, *want;
	struct nv_artifact other = { "localhost:5000/test-repo@sha256:"
				     "0000000000000000000000000000000000000000000000000000000000000001",
				     OCI_MT_MANIFEST,
				     "sha256:0000000000000000000000000000000000000000000000000000000000000001", 517 };

	need_vectors();
	b = bundle("{\"level\":\"strict\"}", "*", NEW_E2E_CRT);
	env = read_vector(E2E_ENVELOPE, &len);
	d1 = publish("application/jose+json", "{}", 2);
	d2 = publish("application/jose+json", env, len);
	err1 = signature_error(b, "application/jose+json", "{}", 2, &artifact);
	err2 = signature_error(b, "application/jose+json", env, len, &artifact);
	assert_string_equal(err2, "the signature's certificate chain does not contain any trusted certificate");
	want = xasprintf("signature verification failed\nfailed to verify signature with digest %s, %s\n"
			 "failed to verify signature with digest %s, %s", d1, err1, d2, err2);
	assert_int_equal(run(b, &artifact, 0, &o, &e), -1);
	assert_int_equal(o.result, NV_FAILED);
	assert_string_equal(e.msg, want);
	assert_string_equal(e.reason, "VerificationError");
	nv_outcome_free(&o);
	free(want);
	free(err2);
	nv_bundle_free(b);

	/* the payload must name the artifact being verified */
	b = bundle("{\"level\":\"strict\"}", "*", E2E_CRT);
	assert_int_equal(run(b, &other, 0, &o, &e), -1);
	want = xasprintf("signature verification failed\nfailed to verify signature with digest %s, %s\n"
			 "failed to verify signature with digest %s, content descriptor mismatch", d1, err1, d2);
	assert_string_equal(e.msg, want);
	nv_outcome_free(&o);
	free(want);
	free(err1);
	free(env);
	nv_bundle_free(b);
}

static void test_signature_limit(void **state)
{
	struct nv_bundle *b;
	struct nv_outcome o;
	struct ferry_err e;
	const char *good;

	need_vectors();
	b = bundle("{\"level\":\"strict\"}", "*", E2E_CRT);
	publish("application/jose+json", "{}", 2);
	publish("application/jose+json", "[]", 2);
	publish("application/cose", "x", 1);
	good = publish_vector(E2E_ENVELOPE);
	/* Flux's limit of 3: the fourth signature is never fetched */
	assert_int_equal(run(b, &artifact, 0, &o, &e), -1);
	assert_string_equal(e.msg, "signature evaluation stopped. The configured limit of 3 signatures to verify per "
				   "artifact exceeded");
	assert_int_equal(reg.blob_calls, 3);
	nv_outcome_free(&o);
	/* exactly N failed signatures also hit the limit */
	reg.n_referrers--;
	oci_descriptor_free(&reg.referrers[reg.n_referrers]);
	assert_int_equal(run(b, &artifact, 3, &o, &e), -1);
	assert_string_equal(e.msg, "signature evaluation stopped. The configured limit of 3 signatures to verify per "
				   "artifact exceeded");
	nv_outcome_free(&o);
	add_referrer(OCI_MT_MANIFEST, good, (int64_t)find(good)->len);
	assert_int_equal(run(b, &artifact, 4, &o, &e), 0);
	assert_int_equal(o.result, NV_VERIFIED);
	assert_string_equal(o.signature_digest, good);
	nv_outcome_free(&o);
	nv_bundle_free(b);
}

static void test_outcome_mapping(void **state)
{
	struct nv_bundle *b;
	struct nv_outcome o;
	struct ferry_err e;

	need_vectors();
	publish_vector(E2E_ENVELOPE);

	/* audit: an untrusted signer is only logged; Flux serves the artifact without SourceVerified */
	b = bundle("{\"level\":\"audit\"}", "*", NEW_E2E_CRT);
	assert_int_equal(run(b, &artifact, 0, &o, &e), 0);
	assert_int_equal(o.result, NV_AUDIT_ONLY);
	assert_string_equal(o.logged, "authenticity: the signature's certificate chain does not contain any trusted "
				      "certificate");
	nv_outcome_free(&o);
	nv_bundle_free(b);

	/* permissive: enforced authenticity */
	b = bundle("{\"level\":\"permissive\"}", "*", NEW_E2E_CRT);
	assert_int_equal(run(b, &artifact, 0, &o, &e), -1);
	assert_int_equal(o.result, NV_FAILED);
	assert_string_equal(o.level, "permissive");
	nv_outcome_free(&o);
	nv_bundle_free(b);

	/* override authenticity=log: a custom level */
	b = bundle("{\"level\":\"strict\",\"override\":{\"authenticity\":\"log\"}}", "*", NEW_E2E_CRT);
	assert_int_equal(run(b, &artifact, 0, &o, &e), 0);
	assert_int_equal(o.result, NV_AUDIT_ONLY);
	assert_string_equal(o.level, "custom");
	nv_outcome_free(&o);
	nv_bundle_free(b);

	/* an expired signature at permissive verifies with the expiry logged */
	reg_reset();
	publish_vector(E2E_EXPIRED_ENVELOPE);
	b = bundle("{\"level\":\"permissive\"}", "*", E2E_CRT);
	assert_int_equal(run(b, &artifact, 0, &o, &e), 0);
	assert_int_equal(o.result, NV_VERIFIED);
	assert_string_equal(o.logged, "expiry: digital signature has expired on \"Tue, 27 Jun 2023 13:21:21 +0800\"");
	nv_outcome_free(&o);
	nv_bundle_free(b);
	b = bundle("{\"level\":\"strict\"}", "*", E2E_CRT);
	assert_int_equal(run(b, &artifact, 0, &o, &e), -1);
	assert_non_null(strstr(e.msg, ", digital signature has expired on \"Tue, 27 Jun 2023 13:21:21 +0800\""));
	nv_outcome_free(&o);
	nv_bundle_free(b);
}

static void test_envelope_media_type_from_layer(void **state)
{
	struct nv_bundle *b;
	struct nv_outcome o;
	struct ferry_err e;
	size_t len;
	unsigned char *env;
	const char *d;

	need_vectors();
	env = read_vector(E2E_ENVELOPE, &len);
	d = publish("application/jose+json; charset=utf-8", env, len);
	b = bundle("{\"level\":\"audit\"}", "*", E2E_CRT);
	assert_int_equal(run(b, &artifact, 0, &o, &e), -1);
	{
		char *want = xasprintf("signature verification failed\nfailed to verify signature with digest %s, unable "
				       "to parse the digital signature, error : signature envelope format with media "
				       "type \"application/jose+json; charset=utf-8\" is not supported", d);
		assert_string_equal(e.msg, want);
		free(want);
	}
	nv_outcome_free(&o);
	nv_bundle_free(b);
	free(env);
}

static void test_artifact_manifest_blobs(void **state)
{
	struct nv_bundle *b;
	struct nv_outcome o;
	struct ferry_err e;
	size_t len;
	unsigned char *env;
	char *l, *m;
	const char *d;

	need_vectors();
	env = read_vector(E2E_ENVELOPE, &len);
	l = layer("application/jose+json", put(env, len), (int64_t)len);
	m = xasprintf("{\"mediaType\":\"%s\",\"artifactType\":\"%s\",\"blobs\":[%s]}", OCI_MT_ARTIFACT,
		      NOTARY_MT_SIGNATURE, l);
	d = put(m, strlen(m));
	add_referrer(OCI_MT_ARTIFACT, d, (int64_t)strlen(m));
	b = bundle("{\"level\":\"strict\"}", "*", E2E_CRT);
	assert_int_equal(run(b, &artifact, 0, &o, &e), 0);
	assert_int_equal(o.result, NV_VERIFIED);
	nv_outcome_free(&o);
	nv_bundle_free(b);
	free(l);
	free(m);
	free(env);
}

/* ---- envelopes made at run time (steps the vectors do not reach) ---------------------------- */

#define CTY "\"cty\":\"application/vnd.cncf.notary.payload.v1+json\""
#define X509_HEADER "{\"alg\":\"ES256\",\"crit\":[\"io.cncf.notary.signingScheme\"]," CTY ","               \
		    "\"io.cncf.notary.signingScheme\":\"notary.x509\",\"io.cncf.notary.signingTime\":"            \
		    "\"2024-01-01T00:00:00Z\"}"
#define GOOD_PAYLOAD "{\"targetArtifact\":{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" TARGET_DIGEST \
		     "\",\"size\":517}}"

struct made {
	struct tkey *key;
	struct buf cert;
	struct buf env;
};

static void make_envelope(struct made *m, const char *protected_json, const char *payload)
{
	struct tcert_opts o;
	struct tjws j;

	memset(&o, 0, sizeof(o));
	o.cn = "signer";
	o.org = "Ferry Test";
	m->key = tkey_ec(256);
	tcert_make(m->key, &o, &m->cert);
	memset(&j, 0, sizeof(j));
	j.protected_json = protected_json;
	j.payload = payload;
	j.certs = &m->cert;
	j.n_certs = 1;
	j.hash_bits = 256;
	tjws_make(m->key, &j, &m->env);
}

static void made_free(struct made *m)
{
	tkey_free(m->key);
	buf_free(&m->cert);
	buf_free(&m->env);
}

/* Verify a made envelope with its own certificate in a ca and a
 * signingAuthority store; returns rc, res filled. */
static int verify_made(const struct made *m, const char *sv, struct nv_sig_result *res, struct ferry_err *e)
{
	char *json = xasprintf("{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"made\",\"registryScopes\":[\"*\"],"
			       "\"signatureVerification\":%s,\"trustStores\":[\"ca:x\",\"signingAuthority:y\"],"
			       "\"trustedIdentities\":[\"*\"]}]}", sv);
	struct nv_policy *p;
	struct nv_cert **certs;
	size_t n;
	struct nv_bundle *b;
	const struct nv_statement *st;
	const struct nv_target t = { OCI_MT_MANIFEST, TARGET_DIGEST, 517 };
	int rc;

	if (nv_policy_parse(json, strlen(json), &p, e) < 0)
		fail_msg("%s", e->msg);
	if (nv_certs_parse(m->cert.data, m->cert.len, &certs, &n, e) < 0)
		fail_msg("%s", e->msg);
	if (nv_bundle_from_parts("made", p, certs, n, &b, e) < 0)
		fail_msg("%s", e->msg);
	assert_int_equal(nv_policy_select(b->policy, REF, &st, e), 0);
	ferr_clear(e);
	rc = nv_verify_signature(st, b->certs, b->n_certs, "application/jose+json", m->env.data, m->env.len, &t, NOW,
				 res, e);
	nv_bundle_free(b);
	free(json);
	return rc;
}

static void expect_payload(const char *payload, const char *error)
{
	struct made m;
	struct nv_sig_result r;
	struct ferry_err e;
	int rc;

	make_envelope(&m, X509_HEADER, payload);
	rc = verify_made(&m, "{\"level\":\"strict\"}", &r, &e);
	if (!error) {
		if (rc < 0)
			fail_msg("%s: %s", payload, e.msg);
	} else {
		if (rc == 0)
			fail_msg("%s verified, want: %s", payload, error);
		assert_string_equal(e.msg, error);
		assert_string_equal(r.error, error);
	}
	nv_sig_result_free(&r);
	made_free(&m);
}

static void test_payload_as_go_decodes_it(void **state)
{
	expect_payload(GOOD_PAYLOAD, NULL);
	/* field names match case-insensitively, unknown fields and annotations are ignored */
	expect_payload("{\"TargetArtifact\":{\"MEDIATYPE\":\"" OCI_MT_MANIFEST "\",\"Digest\":\"" TARGET_DIGEST
		       "\",\"size\":517,\"annotations\":{\"a\":\"b\"},\"artifactType\":\"x\",\"extra\":[1]},\"x\":1}", NULL);
	/* mediaType, digest and size must equal the artifact's */
	expect_payload("{\"targetArtifact\":{\"mediaType\":\"" DOCKER_MT_MANIFEST "\",\"digest\":\"" TARGET_DIGEST
		       "\",\"size\":517}}", "content descriptor mismatch");
	expect_payload("{\"targetArtifact\":{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" TARGET_DIGEST
		       "\",\"size\":518}}", "content descriptor mismatch");
	expect_payload("{\"targetArtifact\":{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" TARGET_DIGEST
		       "\"}}", "content descriptor mismatch");
	expect_payload("{}", "content descriptor mismatch");
	/* Go's decoding errors */
	expect_payload("{\"targetArtifact\":{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" TARGET_DIGEST
		       "\",\"size\":\"517\"}}",
		       "json: cannot unmarshal string into Go struct field Descriptor.targetArtifact.size of type int64");
	expect_payload("{\"targetArtifact\":{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" TARGET_DIGEST
		       "\",\"size\":517.0}}",
		       "json: cannot unmarshal number 517.0 into Go struct field Descriptor.targetArtifact.size of type int64");
	expect_payload("{\"targetArtifact\":{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" TARGET_DIGEST
		       "\",\"size\":517,\"annotations\":{\"a\":1}}}",
		       "json: cannot unmarshal number into Go struct field Descriptor.targetArtifact.annotations of type "
		       "string");
	expect_payload("{\"targetArtifact\":[]}",
		       "json: cannot unmarshal array into Go struct field Payload.targetArtifact of type v1.Descriptor");
}

static void test_signing_authority_time(void **state)
{
	static const char inside[] = "{\"alg\":\"ES256\",\"crit\":[\"io.cncf.notary.signingScheme\","
				     "\"io.cncf.notary.authenticSigningTime\"]," CTY ",\"io.cncf.notary.authenticSigningTime\":"
				     "\"2024-06-01T10:00:00+02:00\",\"io.cncf.notary.signingScheme\":"
				     "\"notary.x509.signingAuthority\"}";
	static const char before[] = "{\"alg\":\"ES256\",\"crit\":[\"io.cncf.notary.signingScheme\","
				     "\"io.cncf.notary.authenticSigningTime\"]," CTY ",\"io.cncf.notary.authenticSigningTime\":"
				     "\"2019-06-01T10:00:00+02:00\",\"io.cncf.notary.signingScheme\":"
				     "\"notary.x509.signingAuthority\"}";
	static const char msg[] = "certificate \"CN=signer,O=Ferry Test\" was not valid when the digital signature was "
				  "produced at \"Sat, 01 Jun 2019 10:00:00 +0200\"";
	struct made m;
	struct nv_sig_result r;
	struct ferry_err e;

	make_envelope(&m, inside, GOOD_PAYLOAD);
	if (verify_made(&m, "{\"level\":\"strict\"}", &r, &e) < 0)
		fail_msg("%s", e.msg);
	assert_true(r.checks[NV_CHECK_AUTHENTIC_TIMESTAMP].evaluated);
	assert_null(r.checks[NV_CHECK_AUTHENTIC_TIMESTAMP].error);
	nv_sig_result_free(&r);
	made_free(&m);

	/* the signing authority's time must lie in every certificate's validity; "now" is not checked */
	make_envelope(&m, before, GOOD_PAYLOAD);
	assert_int_equal(verify_made(&m, "{\"level\":\"strict\"}", &r, &e), -1);
	assert_string_equal(e.msg, msg);
	nv_sig_result_free(&r);
	assert_int_equal(verify_made(&m, "{\"level\":\"permissive\"}", &r, &e), 0);
	assert_string_equal(r.checks[NV_CHECK_AUTHENTIC_TIMESTAMP].error, msg);
	assert_int_equal(r.checks[NV_CHECK_AUTHENTIC_TIMESTAMP].action, NV_ACTION_LOG);
	assert_int_equal(nv_sig_result_outcome(&r, NULL), NV_VERIFIED);
	nv_sig_result_free(&r);
	made_free(&m);
}

static void test_checks_recorded(void **state)
{
	struct made m;
	struct nv_sig_result r;
	struct ferry_err e;

	make_envelope(&m, X509_HEADER, GOOD_PAYLOAD);
	if (verify_made(&m, "{\"level\":\"strict\",\"override\":{\"revocation\":\"skip\"}}", &r, &e) < 0)
		fail_msg("%s", e.msg);
	assert_string_equal(r.level, "custom");
	assert_true(r.checks[NV_CHECK_INTEGRITY].evaluated);
	assert_true(r.checks[NV_CHECK_AUTHENTICITY].evaluated);
	assert_true(r.checks[NV_CHECK_EXPIRY].evaluated);
	assert_true(r.checks[NV_CHECK_AUTHENTIC_TIMESTAMP].evaluated);
	/* revocation skipped: not evaluated at all */
	assert_false(r.checks[NV_CHECK_REVOCATION].evaluated);
	assert_string_equal(r.signer_subject, "CN=signer,O=Ferry Test");
	nv_sig_result_free(&r);
	if (verify_made(&m, "{\"level\":\"strict\"}", &r, &e) < 0)
		fail_msg("%s", e.msg);
	/* a self-signed signer without OCSP / CRL locations is not revokable: OK offline */
	assert_true(r.checks[NV_CHECK_REVOCATION].evaluated);
	assert_null(r.checks[NV_CHECK_REVOCATION].error);
	nv_sig_result_free(&r);
	made_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_skip_makes_no_registry_call, reset_each, reset_each),
		cmocka_unit_test_setup_teardown(test_no_applicable_policy, reset_each, reset_each),
		cmocka_unit_test_setup_teardown(test_no_signature, reset_each, reset_each),
		cmocka_unit_test_setup_teardown(test_signature_retrieval_errors, reset_each, reset_each),
		cmocka_unit_test_setup_teardown(test_first_success_wins, reset_each, reset_each),
		cmocka_unit_test_setup_teardown(test_all_fail_aggregate, reset_each, reset_each),
		cmocka_unit_test_setup_teardown(test_signature_limit, reset_each, reset_each),
		cmocka_unit_test_setup_teardown(test_outcome_mapping, reset_each, reset_each),
		cmocka_unit_test_setup_teardown(test_envelope_media_type_from_layer, reset_each, reset_each),
		cmocka_unit_test_setup_teardown(test_artifact_manifest_blobs, reset_each, reset_each),
		cmocka_unit_test(test_payload_as_go_decodes_it),
		cmocka_unit_test(test_signing_authority_time),
		cmocka_unit_test(test_checks_recorded),
	};
	return cmocka_run_group_tests(tests, vectors_setup, vectors_teardown);
}
