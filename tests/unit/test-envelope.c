/* test-envelope.c - JWS and COSE envelopes: every upstream envelope vector,
 * the conformance encodings, and envelopes signed at run time to pin the
 * header rules, salt lengths, ECDSA and hostile encodings. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "notation/envelope.h"
#include "nvtest-pki.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/mem.h"
#include "util/timeutil.h"
#include "vectors.h"

#define MOCK "notation-go/internal/mock/testdata/"
#define SIGENV "notation-go/verifier/testdata/timestamp/sigEnv/"
#define LAYOUTS "notation/test/e2e/testdata/registry/oci_layout/"
#define PAYLOAD_MT "application/vnd.cncf.notary.payload.v1+json"
#define SAMPLE_PAYLOAD "{\"targetArtifact\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9\",\"size\":517}}"

/* Keys and a code-signing chain made once per run. */
static struct tkey *rsa2048, *rsa3072, *ec256, *ec384;
static struct buf leaf2048, leaf3072, leaf256, root384, leaf384_by_root;

static int setup(void **state)
{
	struct tcert_opts o;

	vectors_setup(state);
	rsa2048 = tkey_rsa(2048);
	rsa3072 = tkey_rsa(3072);
	ec256 = tkey_ec(256);
	ec384 = tkey_ec(384);
	memset(&o, 0, sizeof(o));
	o.cn = "ferry rsa2048";
	o.org = "ferry tests";
	tcert_make(rsa2048, &o, &leaf2048);
	o.cn = "ferry rsa3072";
	tcert_make(rsa3072, &o, &leaf3072);
	o.cn = "ferry ec256";
	tcert_make(ec256, &o, &leaf256);
	memset(&o, 0, sizeof(o));
	o.cn = "ferry root";
	o.is_ca = true;
	o.path_len = 1;
	tcert_make(ec384, &o, &root384);
	memset(&o, 0, sizeof(o));
	o.cn = "ferry leaf3072";
	o.issuer_key = ec384;
	o.issuer_cn = "ferry root";
	tcert_make(rsa3072, &o, &leaf384_by_root);
	return 0;
}

static int teardown(void **state)
{
	buf_free(&leaf2048);
	buf_free(&leaf3072);
	buf_free(&leaf256);
	buf_free(&root384);
	buf_free(&leaf384_by_root);
	tkey_free(rsa2048);
	tkey_free(rsa3072);
	tkey_free(ec256);
	tkey_free(ec384);
	return vectors_teardown(state);
}

static struct nv_envelope *verify_ok(const char *mt, const void *data, size_t len)
{
	struct nv_envelope *env = NULL;
	struct ferry_err e = { 0 };

	if (nv_envelope_verify(mt, data, len, &env, &e) < 0)
		fail_msg("unexpected envelope failure: %s", e.msg);
	assert_non_null(env);
	return env;
}

static void verify_fails(const char *mt, const void *data, size_t len, const char *want)
{
	struct nv_envelope *env = NULL;
	struct ferry_err e = { 0 };

	assert_int_equal(nv_envelope_verify(mt, data, len, &env, &e), -1);
	assert_null(env);
	assert_string_equal(e.reason, "VerificationError");
	if (strcmp(e.msg, want))
		fail_msg("message\n  got:  %s\n  want: %s", e.msg, want);
}

static struct nv_envelope *vector_ok(const char *mt, const char *rel)
{
	struct buf b;
	struct nv_envelope *env;

	read_vector_buf(rel, &b);
	env = verify_ok(mt, b.data, b.len);
	buf_free(&b);
	return env;
}

static int64_t rfc3339(const char *s)
{
	int64_t v;

	assert_int_equal(ftime_parse_rfc3339(s, &v, NULL), 0);
	return v;
}

/* ---- upstream vectors ---- */

static void test_mock_envelopes(void **state)
{
	struct nv_envelope *env;
	struct buf b;

	need_vectors();
	env = vector_ok(NV_MT_JWS, MOCK "ca_valid_sig_env.json");
	assert_int_equal(env->alg, NV_ALG_PS384);
	assert_int_equal(env->scheme, NV_SCHEME_X509);
	assert_true(env->has_signing_time);
	assert_int_equal(env->signing_time, rfc3339("2020-11-09T07:00:00Z"));
	assert_true(env->has_expiry);
	assert_int_equal(env->expiry, rfc3339("2120-11-09T07:00:00Z"));
	assert_false(env->has_authentic_signing_time);
	assert_int_equal(env->chain_len, 2);
	assert_string_equal(env->chain[1]->subject_string, "CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US");
	assert_string_equal(env->content_type, PAYLOAD_MT);
	assert_null(env->verification_plugin);
	assert_null(env->timestamp_token);
	assert_string_equal(env->signing_agent, "Notation/1.0.0");
	assert_non_null(strstr((char *)env->payload, "sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e"));
	nv_envelope_free(env);

	env = vector_ok(NV_MT_JWS, MOCK "sa_valid_sig_env.json");
	assert_int_equal(env->scheme, NV_SCHEME_X509_SIGNING_AUTHORITY);
	assert_true(env->has_authentic_signing_time);
	assert_int_equal(env->authentic_signing_time, rfc3339("2020-11-09T07:00:00Z"));
	assert_false(env->has_signing_time);
	nv_envelope_free(env);

	/* integrity passes; the expiry is the verifier's business */
	env = vector_ok(NV_MT_JWS, MOCK "ca_expired_sig_env.json");
	assert_int_equal(env->expiry, rfc3339("2022-07-29T23:59:00Z"));
	nv_envelope_free(env);
	env = vector_ok(NV_MT_JWS, MOCK "sa_expired_sig_env.json");
	assert_int_equal(env->expiry, rfc3339("2022-07-29T23:59:00Z"));
	nv_envelope_free(env);

	env = vector_ok(NV_MT_JWS, MOCK "ca_plugin_sig_env.json");
	assert_string_equal(env->verification_plugin, "plugin-name");
	assert_null(env->verification_plugin_min_version);
	nv_envelope_free(env);
	env = vector_ok(NV_MT_JWS, MOCK "sa_plugin_sig_env.json");
	assert_string_equal(env->verification_plugin, "plugin-name");
	nv_envelope_free(env);
	env = vector_ok(NV_MT_JWS, MOCK "ca_compatible_pluginver_sig_env_1.0.0.json");
	assert_string_equal(env->verification_plugin, "io.cncf.notary.plugin.unittest.mock");
	assert_string_equal(env->verification_plugin_min_version, "1.0.0");
	assert_int_equal(env->alg, NV_ALG_PS256);
	nv_envelope_free(env);
	env = vector_ok(NV_MT_JWS, MOCK "ca_incompatible_pluginver_sig_env_1.0.9.json");
	assert_string_equal(env->verification_plugin_min_version, "1.0.9");
	nv_envelope_free(env);
	env = vector_ok(NV_MT_JWS, MOCK "sig_env_with_metadata.json");
	assert_non_null(strstr((char *)env->payload, "\"io.wabbit-networks.buildId\":\"123\""));
	assert_string_equal(env->chain[0]->subject_string, "CN=wabbit-networks.io,O=Notary,L=Seattle,ST=WA,C=US");
	nv_envelope_free(env);

	read_vector_buf(MOCK "ca_invalid_sig_env.json", &b);
	verify_fails(NV_MT_JWS, b.data, b.len, "signature is invalid. Error: illegal base64 data at input byte 242");
	buf_free(&b);
	read_vector_buf(MOCK "sa_invalid_sig_env.json", &b);
	verify_fails(NV_MT_JWS, b.data, b.len, "signature is invalid. Error: illegal base64 data at input byte 242");
	buf_free(&b);
}

static void test_alpine(void **state)
{
	struct nv_envelope *jws, *cose;
	struct buf pem;
	struct nv_cert **anchor;
	size_t n;
	struct ferry_err e = { 0 };

	need_vectors();
	jws = vector_ok(NV_MT_JWS, "notation-go/internal/testdata/jws_signature.sig");
	cose = vector_ok(NV_MT_COSE, "notation-go/internal/testdata/cose_signature.sig");
	read_vector_buf("notation-go/derived/alpine-selfsigned-2000-2123.pem", &pem);
	assert_int_equal(nv_certs_parse(pem.data, pem.len, &anchor, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_true(nv_cert_equal(jws->chain[0], anchor[0]));
	assert_true(nv_cert_equal(cose->chain[0], anchor[0]));
	assert_int_equal(jws->alg, NV_ALG_PS256);
	assert_int_equal(cose->alg, NV_ALG_PS256);
	assert_non_null(strstr((char *)jws->payload, "sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0"));
	assert_non_null(strstr((char *)cose->payload, "sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0"));
	assert_string_equal(cose->content_type, PAYLOAD_MT);
	assert_true(cose->has_signing_time);
	nv_certs_free(anchor, n);
	buf_free(&pem);
	nv_envelope_free(jws);
	nv_envelope_free(cose);
}

/* The RFC 3161 token is extracted byte for byte: its messageImprint is the
 * SHA-256 of the envelope's signature. */
static void expect_token_over_signature(const struct nv_envelope *env)
{
	unsigned char imprint[32];

	assert_non_null(env->timestamp_token);
	assert_int_equal(env->timestamp_token[0], 0x30);
	sha256_raw(env->signature, env->signature_len, imprint);
	assert_non_null(memmem(env->timestamp_token, env->timestamp_token_len, imprint, sizeof(imprint)));
}

static void test_timestamp_envelopes(void **state)
{
	static const struct {
		const char *file, *mt;
	} stamped[] = {
		{ SIGENV "jwsWithTimestamp.sig", NV_MT_JWS },         { SIGENV "coseWithTimestamp.sig", NV_MT_COSE },
		{ SIGENV "jwsExpiredWithTimestamp.sig", NV_MT_JWS },  { SIGENV "coseExpiredWithTimestamp.sig", NV_MT_COSE },
		{ SIGENV "timestampAfterNotAfter.sig", NV_MT_COSE },  { SIGENV "timestampBeforeNotBefore.sig", NV_MT_JWS },
	};
	struct nv_envelope *env;
	size_t i;

	need_vectors();
	for (i = 0; i < ARRAY_SIZE(stamped); i++) {
		env = vector_ok(stamped[i].mt, stamped[i].file);
		expect_token_over_signature(env);
		nv_envelope_free(env);
	}
	env = vector_ok(NV_MT_COSE, SIGENV "coseWithTimestamp.sig");
	assert_int_equal(env->signing_time, 1718692031);
	assert_string_equal(env->chain[0]->subject_string, "CN=alpine,O=Notary,L=Seattle,ST=WA,C=US");
	nv_envelope_free(env);
	env = vector_ok(NV_MT_JWS, SIGENV "withoutTimestamp.sig");
	assert_null(env->timestamp_token);
	assert_int_equal(env->timestamp_token_len, 0);
	nv_envelope_free(env);
}

static void test_e2e_envelopes(void **state)
{
	static const char *const blobs[] = {
		LAYOUTS "e2e-valid-signature/blobs/sha256/c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50",
		LAYOUTS "e2e-expired-signature/blobs/sha256/b5f927564088f65dad86c81bcdd0b55415a8b4c9a0a5391107210e0cdb305cc7",
		LAYOUTS "e2e-with-expired-cert/blobs/sha256/8513a5ba473f32b78a87518b732700632c05cde0d59d179275c5c5a8096beeed",
		LAYOUTS "e2e-with-timestamped-signature/blobs/sha256/603ff134e97a79cd7a15560b76137c2c4a10451daab11327a7c6f86dac250fee",
		LAYOUTS "e2e-with-invalid-timestamped-signature/blobs/sha256/8d2e70ffc2af68b7f2df6f30dfefcb7bcda1db5f9ac2566fc8c6c2248c8d4c5f",
	};
	struct nv_envelope *env;
	size_t i;

	need_vectors();
	for (i = 0; i < ARRAY_SIZE(blobs); i++) {
		env = vector_ok(NV_MT_JWS, blobs[i]);
		assert_non_null(strstr((char *)env->payload, "sha256:"));
		nv_envelope_free(env);
	}
	env = vector_ok(NV_MT_JWS, blobs[1]);
	assert_int_equal(env->expiry, rfc3339("2023-06-27T13:21:21+08:00"));
	nv_envelope_free(env);
	env = vector_ok(NV_MT_JWS, blobs[2]);
	assert_string_equal(env->chain[0]->subject_string, "O=Internet Widgits Pty Ltd,ST=Some-State,C=AU");
	nv_envelope_free(env);
	env = vector_ok(NV_MT_JWS, blobs[4]);
	assert_int_equal(env->timestamp_token_len, 8);
	assert_memory_equal(env->timestamp_token, "invalid\n", 8);
	nv_envelope_free(env);
	env = vector_ok(NV_MT_JWS, blobs[3]);
	expect_token_over_signature(env);
	nv_envelope_free(env);
}

static void test_unsupported_media_type(void **state)
{
	verify_fails("application/vnd.oci.image.layer.v1.tar", "invalid signature\n", 18,
		     "unable to parse the digital signature, error : signature envelope format with media type \"application/vnd.oci.image.layer.v1.tar\" is not supported");
	verify_fails(NV_MT_JWS, "", 0, "unable to parse the digital signature, error : unexpected end of JSON input");
	verify_fails(NV_MT_JWS, "malformed signature", 19,
		     "unable to parse the digital signature, error : invalid character 'm' looking for beginning of value");
	verify_fails(NV_MT_COSE, "", 0, "unable to parse the digital signature, error : cbor: invalid COSE_Sign1_Tagged object");
}

/* ---- conformance encodings ---- */

static void test_jws_conformance(void **state)
{
	struct buf doc, out;
	json_t *j;
	const char *prot, *payload;
	struct nv_envelope *env;
	struct buf raw_prot, raw_payload;
	size_t bad;
	struct tjws t;

	need_vectors();
	read_vector_buf("notation-core-go/signature/jws/testdata/conformance.json", &doc);
	verify_fails(NV_MT_JWS, doc.data, doc.len, "certificate chain is not present");
	j = json_loadb((char *)doc.data, doc.len, 0, NULL);
	assert_non_null(j);
	prot = json_string_value(json_object_get(j, "protected"));
	payload = json_string_value(json_object_get(j, "payload"));
	assert_int_equal(b64_decode_url_raw(prot, strlen(prot), 1 << 16, &raw_prot, &bad), 0);
	assert_int_equal(b64_decode_url_raw(payload, strlen(payload), 1 << 16, &raw_payload, &bad), 0);
	/* the same protected header and payload, signed with an ES256 leaf */
	memset(&t, 0, sizeof(t));
	t.protected_json = (char *)raw_prot.data;
	t.payload = (char *)raw_payload.data;
	t.certs = &leaf256;
	t.n_certs = 1;
	t.extra_header = "\"io.cncf.notary.signingAgent\":\"NotationConformanceTest/1.0.0\"";
	tjws_make(ec256, &t, &out);
	env = verify_ok(NV_MT_JWS, out.data, out.len);
	assert_int_equal(env->alg, NV_ALG_ES256);
	assert_int_equal(env->expiry, rfc3339("2099-08-30T13:50:00Z"));
	assert_int_equal(env->signing_time, rfc3339("2022-08-29T13:50:00Z"));
	assert_string_equal(env->signing_agent, "NotationConformanceTest/1.0.0");
	assert_string_equal((char *)env->payload, "{\"key\":\"hello JWS\"}");
	nv_envelope_free(env);
	buf_free(&out);
	buf_free(&raw_prot);
	buf_free(&raw_payload);
	json_decref(j);
	buf_free(&doc);
}

static void hex_decode(const char *hex, struct buf *out)
{
	size_t i, n = strlen(hex);

	buf_init(out, 0);
	for (i = 0; i + 1 < n; i += 2) {
		unsigned v;
		unsigned char c;

		assert_int_equal(sscanf(hex + i, "%2x", &v), 1);
		c = (unsigned char)v;
		buf_append(out, &c, 1);
	}
}

static void test_cose_conformance(void **state)
{
	struct buf doc, prot, unprot, expected, payload, out;
	json_t *j;
	struct nv_envelope *env;
	struct tcose c;

	need_vectors();
	read_vector_buf("notation-core-go/signature/cose/testdata/conformance.json", &doc);
	j = json_loadb((char *)doc.data, doc.len, 0, NULL);
	assert_non_null(j);
	hex_decode(json_string_value(json_object_get(json_object_get(j, "protectedHeaders"), "cborHex")), &prot);
	hex_decode(json_string_value(json_object_get(json_object_get(j, "unprotectedHeaders"), "cborHex")), &unprot);
	hex_decode(json_string_value(json_object_get(json_object_get(j, "expectedOutput"), "cborHex")), &expected);
	hex_decode(json_string_value(json_object_get(j, "payload")), &payload);
	/* the expected message parses but carries no x5chain */
	verify_fails(NV_MT_COSE, expected.data, expected.len, "certificate chain is not present");
	/* its exact protected bytes are inside it */
	assert_non_null(memmem(expected.data, expected.len, prot.data, prot.len));

	/* the same protected header (alg PS384, an unknown critical label) signed
	 * with an RSA-3072 leaf: accepted as notation-core-go accepts it */
	buf_append(&payload, "", 0);
	memset(&c, 0, sizeof(c));
	c.protected_map = &prot;
	c.unprotected_pairs = unprot.data + 1; /* the pairs after the map(1) head */
	c.unprotected_pairs_len = unprot.len - 1;
	c.n_unprotected = 1;
	c.certs = &leaf3072;
	c.n_certs = 1;
	c.payload = buf_cstr(&payload);
	c.hash_bits = 384;
	tcose_make(rsa3072, &c, &out);
	env = verify_ok(NV_MT_COSE, out.data, out.len);
	assert_int_equal(env->alg, NV_ALG_PS384);
	assert_int_equal(env->signing_time, 1661321924);
	assert_int_equal(env->expiry, 1661408324);
	assert_string_equal(env->signing_agent, "NotationConformanceTest/1.0.0");
	assert_memory_equal(env->payload, "hello COSE", 10);
	nv_envelope_free(env);
	buf_free(&out);
	buf_free(&prot);
	buf_free(&unprot);
	buf_free(&expected);
	buf_free(&payload);
	json_decref(j);
	buf_free(&doc);
}

/* ---- JWS built at run time ---- */

#define HDR_X509(alg, extra) \
	"{\"alg\":\"" alg "\",\"crit\":[\"io.cncf.notary.signingScheme\"],\"cty\":\"" PAYLOAD_MT "\"," \
	"\"io.cncf.notary.signingScheme\":\"notary.x509\",\"io.cncf.notary.signingTime\":\"2024-04-04T15:03:06-07:00\"" extra "}"

static void jws(const struct tkey *k, const struct buf *cert, const char *hdr, const char *payload, int salt,
		bool salt_set, struct buf *out)
{
	struct tjws t;

	memset(&t, 0, sizeof(t));
	t.protected_json = hdr;
	t.payload = payload;
	t.certs = cert;
	t.n_certs = 1;
	t.pss_salt = salt;
	t.pss_salt_set = salt_set;
	t.hash_bits = strstr(hdr, "S384\"") ? 384 : strstr(hdr, "S512\"") ? 512 : 256;
	tjws_make(k, &t, out);
}

static void jws_expect(const char *hdr, const char *payload, const char *want)
{
	struct buf out;

	jws(rsa2048, &leaf2048, hdr, payload, 0, false, &out);
	if (want) {
		verify_fails(NV_MT_JWS, out.data, out.len, want);
	} else {
		struct nv_envelope *env = verify_ok(NV_MT_JWS, out.data, out.len);
		nv_envelope_free(env);
	}
	buf_free(&out);
}

static void test_jws_pss_any_salt(void **state)
{
	static const int salts[] = { 0, 20, 32, 64, 200 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(salts); i++) {
		struct buf out;
		struct nv_envelope *env;

		jws(rsa2048, &leaf2048, HDR_X509("PS256", ""), SAMPLE_PAYLOAD, salts[i], true, &out);
		env = verify_ok(NV_MT_JWS, out.data, out.len);
		assert_int_equal(env->alg, NV_ALG_PS256);
		assert_int_equal(env->signing_time, rfc3339("2024-04-04T22:03:06Z"));
		nv_envelope_free(env);
		/* one flipped signature bit fails */
		out.data[out.len - 4] = out.data[out.len - 4] == 'A' ? 'B' : 'A';
		verify_fails(NV_MT_JWS, out.data, out.len, "signature is invalid. Error: crypto/rsa: verification error");
		buf_free(&out);
	}
}

static void test_jws_ecdsa(void **state)
{
	struct buf out, bad = BUF_INIT(0);
	struct nv_envelope *env;
	char *sig;

	jws(ec256, &leaf256, HDR_X509("ES256", ""), SAMPLE_PAYLOAD, 0, false, &out);
	env = verify_ok(NV_MT_JWS, out.data, out.len);
	assert_int_equal(env->alg, NV_ALG_ES256);
	assert_int_equal(env->signature_len, 64);
	nv_envelope_free(env);

	/* r = 0 and a short signature are refused */
	sig = strstr((char *)out.data, "\"signature\":\"");
	assert_non_null(sig);
	buf_append(&bad, out.data, (size_t)(sig - (char *)out.data) + 13);
	{
		unsigned char raw[64];
		_cleanup_free_ char *r0 = NULL, *shortsig = NULL;

		memset(raw, 0, 32);
		memset(raw + 32, 0x11, 32);
		r0 = tb64url(raw, 64);
		shortsig = tb64url(raw, 63);
		buf_append_str(&bad, r0);
		buf_append_str(&bad, "\"}");
		verify_fails(NV_MT_JWS, bad.data, bad.len, "signature is invalid. Error: crypto/ecdsa: verification error");
		bad.len = (size_t)(sig - (char *)out.data) + 13;
		buf_append_str(&bad, shortsig);
		buf_append_str(&bad, "\"}");
		verify_fails(NV_MT_JWS, bad.data, bad.len, "signature is invalid. Error: crypto/ecdsa: verification error");
	}
	buf_free(&bad);
	buf_free(&out);

	/* an EC leaf cannot carry a PS256 signature */
	jws(ec256, &leaf256, HDR_X509("PS256", ""), SAMPLE_PAYLOAD, 0, false, &out);
	verify_fails(NV_MT_JWS, out.data, out.len, "signature is invalid. Error: key is invalid");
	buf_free(&out);
}

static void test_jws_header_rules(void **state)
{
	/* well-formed baseline */
	jws_expect(HDR_X509("PS256", ""), SAMPLE_PAYLOAD, NULL);
	/* unknown critical attribute that is present: accepted (notation-core-go) */
	jws_expect("{\"alg\":\"PS256\",\"crit\":[\"io.cncf.notary.signingScheme\",\"custom\"],\"cty\":\"" PAYLOAD_MT
		   "\",\"custom\":1,\"io.cncf.notary.signingScheme\":\"notary.x509\",\"io.cncf.notary.signingTime\":\"2024-04-04T15:03:06Z\"}",
		   SAMPLE_PAYLOAD, NULL);
	jws_expect("{\"alg\":\"PS256\",\"cty\":\"" PAYLOAD_MT
		   "\",\"io.cncf.notary.signingScheme\":\"notary.x509\",\"io.cncf.notary.signingTime\":\"2024-04-04T15:03:06Z\"}",
		   SAMPLE_PAYLOAD, "missing \"crit\" header");
	jws_expect("{\"alg\":\"PS256\",\"crit\":[\"io.cncf.notary.signingScheme\",\"alg\"],\"cty\":\"" PAYLOAD_MT
		   "\",\"io.cncf.notary.signingScheme\":\"notary.x509\",\"io.cncf.notary.signingTime\":\"2024-04-04T15:03:06Z\"}",
		   SAMPLE_PAYLOAD, "\"alg\" header is marked critical but not present");
	jws_expect("{\"alg\":\"PS256\",\"crit\":[\"io.cncf.notary.signingScheme\",\"io.cncf.notary.signingScheme\"],\"cty\":\"" PAYLOAD_MT
		   "\",\"io.cncf.notary.signingScheme\":\"notary.x509\",\"io.cncf.notary.signingTime\":\"2024-04-04T15:03:06Z\"}",
		   SAMPLE_PAYLOAD, "\"io.cncf.notary.signingScheme\" header is marked critical but not present");
	jws_expect(HDR_X509("PS256", ",\"io.cncf.notary.expiry\":\"2124-04-04T15:03:06Z\""), SAMPLE_PAYLOAD,
		   "these required headers are not marked as critical: [io.cncf.notary.expiry]");
	jws_expect("{\"alg\":\"PS256\",\"crit\":[\"io.cncf.notary.signingScheme\",\"io.cncf.notary.expiry\"],\"cty\":\"" PAYLOAD_MT
		   "\",\"io.cncf.notary.expiry\":\"2024-04-04T15:03:06-07:00\",\"io.cncf.notary.signingScheme\":\"notary.x509\",\"io.cncf.notary.signingTime\":\"2024-04-04T22:03:06Z\"}",
		   SAMPLE_PAYLOAD, "expiry cannot be equal or before the signing time");
	jws_expect(HDR_X509("PS256", ",\"io.cncf.notary.authenticSigningTime\":\"2024-04-04T15:03:06Z\""), SAMPLE_PAYLOAD,
		   "\"io.cncf.notary.authenticSigningTime\" header must not be present for notary.x509 signing scheme");
	jws_expect("{\"alg\":\"PS256\",\"crit\":[\"io.cncf.notary.signingScheme\"],\"cty\":\"" PAYLOAD_MT
		   "\",\"io.cncf.notary.signingScheme\":\"notary.x509.signingAuthority\",\"io.cncf.notary.signingTime\":\"2024-04-04T15:03:06Z\"}",
		   SAMPLE_PAYLOAD, "\"io.cncf.notary.signingTime\" header must not be present for notary.x509.signingAuthority signing scheme");
	jws_expect("{\"alg\":\"PS256\",\"crit\":[\"io.cncf.notary.signingScheme\"],\"cty\":\"" PAYLOAD_MT
		   "\",\"io.cncf.notary.signingScheme\":\"notary.x509.signingAuthority\",\"io.cncf.notary.authenticSigningTime\":\"2024-04-04T15:03:06Z\"}",
		   SAMPLE_PAYLOAD, "these required headers are not marked as critical: [io.cncf.notary.authenticSigningTime]");
	jws_expect("{\"alg\":\"PS256\",\"crit\":[\"io.cncf.notary.signingScheme\"],\"cty\":\"" PAYLOAD_MT
		   "\",\"io.cncf.notary.signingScheme\":\"notary.other\"}",
		   SAMPLE_PAYLOAD, "unsupported SigningScheme: `notary.other`");
	jws_expect("{\"alg\":\"PS256\",\"crit\":[\"io.cncf.notary.signingScheme\"],\"cty\":\"" PAYLOAD_MT
		   "\",\"io.cncf.notary.signingScheme\":\"notary.x509\"}",
		   SAMPLE_PAYLOAD, "signing-time not present");
	jws_expect(HDR_X509("PS256", ",\"io.cncf.notary.signingTime\":\"2024-04-04T15:03:06Z\""), SAMPLE_PAYLOAD,
		   "jws envelope protected header can't be decoded: repeated key: \"io.cncf.notary.signingTime\" exists.");
	jws_expect(HDR_X509("PS256", ",\"ALG\":\"ES256\""), SAMPLE_PAYLOAD,
		   "jws envelope protected header can't be decoded: repeated key: \"ALG\" exists.");
	jws_expect("{\"alg\":\"PS256\",\"crit\":[\"io.cncf.notary.signingScheme\"],\"cty\":\"application/json\","
		   "\"io.cncf.notary.signingScheme\":\"notary.x509\",\"io.cncf.notary.signingTime\":\"2024-04-04T15:03:06Z\"}",
		   SAMPLE_PAYLOAD, "payload content type \"application/json\" not supported");
	jws_expect(HDR_X509("PS256", ",\"io.cncf.notary.expiry\":5"), SAMPLE_PAYLOAD,
		   "jws envelope protected header can't be decoded: Time.UnmarshalJSON: input is not a JSON string");
	jws_expect("{\"alg\":\"PS384\",\"crit\":[\"io.cncf.notary.signingScheme\"],\"cty\":\"" PAYLOAD_MT
		   "\",\"io.cncf.notary.signingScheme\":\"notary.x509\",\"io.cncf.notary.signingTime\":\"2024-04-04T15:03:06Z\"}",
		   SAMPLE_PAYLOAD,
		   "mismatch between signature algorithm derived from signing certificate (1) and signing algorithm specified (2s)");
	jws_expect(HDR_X509("RS256", ""), SAMPLE_PAYLOAD, "signature is invalid. Error: signing method RS256 is invalid");
	jws_expect(HDR_X509("XX256", ""), SAMPLE_PAYLOAD, "signature is invalid. Error: signing method (alg) is unavailable.");
	jws_expect("{\"crit\":[]}", SAMPLE_PAYLOAD, "signature is invalid. Error: signing method (alg) is unspecified.");
	jws_expect("[1]", SAMPLE_PAYLOAD,
		   "signature is invalid. Error: json: cannot unmarshal array into Go value of type map[string]interface {}");
	/* the payload must be a JSON object */
	jws_expect(HDR_X509("PS256", ""), "[1,2]",
		   "signature is invalid. Error: json: cannot unmarshal array into Go value of type jwt.MapClaims");
	jws_expect(HDR_X509("PS256", ""), "", "signature is invalid. Error: EOF");
	jws_expect(HDR_X509("PS256", ""), "{\"a\":", "signature is invalid. Error: unexpected EOF");
}

static void test_jws_encoding(void **state)
{
	struct buf out, mod = BUF_INIT(0);
	char *p;
	size_t at;

	jws(rsa2048, &leaf2048, HDR_X509("PS256", ""), SAMPLE_PAYLOAD, 32, true, &out);
	/* padding on a base64url member */
	p = strstr((char *)out.data, "\",\"protected\"");
	assert_non_null(p);
	at = (size_t)(p - (char *)out.data);
	buf_append(&mod, out.data, at);
	buf_append(&mod, "=", 1);
	buf_append(&mod, out.data + at, out.len - at);
	{
		char want[128];
		const char *payload = strstr((char *)out.data, "\"payload\":\"") + 11;

		snprintf(want, sizeof(want), "signature is invalid. Error: illegal base64 data at input byte %zu",
			 (size_t)(p - payload));
		verify_fails(NV_MT_JWS, mod.data, mod.len, want);
	}
	/* no certificate chain */
	buf_reset(&mod);
	buf_append_str(&mod, "{\"payload\":\"e30\",\"protected\":\"e30\",\"header\":{\"x5c\":[]},\"signature\":\"AA\"}");
	verify_fails(NV_MT_JWS, mod.data, mod.len, "certificate chain is not present");
	buf_reset(&mod);
	buf_append_str(&mod, "{\"payload\":\"e30\",\"protected\":\"e30\",\"header\":{\"x5c\":[\"AAAA\"]},\"signature\":\"AA\"}");
	verify_fails(NV_MT_JWS, mod.data, mod.len, "malformed leaf certificate");
	buf_reset(&mod);
	buf_append_str(&mod, "{\"payload\":\"e30\",\"protected\":\"e30\",\"header\":{\"x5c\":[\"A=A\"]},\"signature\":\"AA\"}");
	verify_fails(NV_MT_JWS, mod.data, mod.len, "unable to parse the digital signature, error : illegal base64 data at input byte 1");
	buf_reset(&mod);
	buf_append_str(&mod, "{\"payload\":5}");
	verify_fails(NV_MT_JWS, mod.data, mod.len,
		     "unable to parse the digital signature, error : json: cannot unmarshal number into Go struct field jwsEnvelope.payload of type string");
	/* Go's encoding/json matches member names case-insensitively */
	buf_reset(&mod);
	buf_append(&mod, out.data, out.len);
	p = strstr((char *)mod.data, "\"payload\"");
	memcpy(p + 1, "PAYLOAD", 7);
	{
		struct nv_envelope *env = verify_ok(NV_MT_JWS, mod.data, mod.len);
		nv_envelope_free(env);
	}
	buf_free(&mod);
	buf_free(&out);
}

static void test_jws_chain_rules(void **state)
{
	struct tcert_opts o;
	struct buf cert, out;

	/* a leaf whose keyUsage is not critical */
	memset(&o, 0, sizeof(o));
	o.cn = "weak leaf";
	o.key_usage_not_critical = true;
	tcert_make(rsa2048, &o, &cert);
	jws(rsa2048, &cert, HDR_X509("PS256", ""), SAMPLE_PAYLOAD, 32, true, &out);
	verify_fails(NV_MT_JWS, out.data, out.len,
		     "certificate-chain is invalid, invalid self-signed certificate. Error: certificate with subject \"CN=weak leaf\": key usage extension must be marked critical");
	buf_free(&out);
	buf_free(&cert);

	/* a TLS server certificate is not a code-signing certificate */
	memset(&o, 0, sizeof(o));
	o.cn = "server";
	o.ekus = (const char *const[]){ "1.3.6.1.5.5.7.3.1", NULL };
	tcert_make(rsa2048, &o, &cert);
	jws(rsa2048, &cert, HDR_X509("PS256", ""), SAMPLE_PAYLOAD, 32, true, &out);
	verify_fails(NV_MT_JWS, out.data, out.len,
		     "certificate-chain is invalid, invalid self-signed certificate. Error: certificate with subject \"CN=server\": extended key usage must not contain ServerAuth eku");
	buf_free(&out);
	buf_free(&cert);

	/* SHA-1 is fine for a lone self-signed certificate (Go's CheckSignature) ... */
	memset(&o, 0, sizeof(o));
	o.cn = "sha1 leaf";
	o.sha1 = true;
	tcert_make(rsa2048, &o, &cert);
	jws(rsa2048, &cert, HDR_X509("PS256", ""), SAMPLE_PAYLOAD, 32, true, &out);
	{
		struct nv_envelope *env = verify_ok(NV_MT_JWS, out.data, out.len);
		nv_envelope_free(env);
	}
	buf_free(&out);
	buf_free(&cert);
}

static void test_chain_sha1_and_constraints(void **state)
{
	struct tcert_opts o;
	struct buf root, leaf, noncakey;
	struct nv_cert *c_root, *c_leaf, *chain[2];
	struct ferry_err e = { 0 };

	/* ... but not for a certificate checked against its issuer */
	memset(&o, 0, sizeof(o));
	o.cn = "sha1 root";
	o.is_ca = true;
	o.path_len = -1;
	o.sha1 = true;
	tcert_make(rsa2048, &o, &root);
	memset(&o, 0, sizeof(o));
	o.cn = "leaf";
	o.issuer_key = rsa2048;
	o.issuer_cn = "sha1 root";
	o.sha1 = true;
	tcert_make(rsa3072, &o, &leaf);
	assert_int_equal(nv_cert_parse_der(root.data, root.len, &c_root, &e), 0);
	assert_int_equal(nv_cert_parse_der(leaf.data, leaf.len, &c_leaf, &e), 0);
	chain[0] = c_leaf;
	chain[1] = c_root;
	assert_int_equal(nv_chain_validate_codesigning(chain, 2, &e), -1);
	assert_string_equal(e.msg, "invalid certificates or certificate with subject \"CN=leaf\" is not issued by \"CN=sha1 root\". Error: x509: cannot verify signature: insecure algorithm SHA1-RSA");
	assert_true(nv_cert_is_self_signed(c_root));
	nv_cert_free(c_leaf);
	nv_cert_free(c_root);
	buf_free(&leaf);
	buf_free(&root);

	/* a CA whose keyUsage lacks keyCertSign cannot sign */
	memset(&o, 0, sizeof(o));
	o.cn = "no certsign";
	o.is_ca = true;
	o.path_len = -1;
	o.key_usage = NV_KU_DIGITAL_SIGNATURE;
	tcert_make(ec384, &o, &noncakey);
	memset(&o, 0, sizeof(o));
	o.cn = "leaf";
	o.issuer_key = ec384;
	o.issuer_cn = "no certsign";
	tcert_make(rsa2048, &o, &leaf);
	assert_int_equal(nv_cert_parse_der(noncakey.data, noncakey.len, &c_root, &e), 0);
	assert_int_equal(nv_cert_parse_der(leaf.data, leaf.len, &c_leaf, &e), 0);
	assert_int_equal(nv_cert_check_signature_from(c_leaf, c_root, &e), -1);
	assert_string_equal(e.msg, "x509: invalid signature: parent certificate cannot sign this kind of certificate");
	nv_cert_free(c_leaf);
	nv_cert_free(c_root);
	buf_free(&leaf);
	buf_free(&noncakey);
}

/* Certificates signed with RSASSA-PSS: salt = hash length, as Go. */
static void test_pss_certificates(void **state)
{
	struct tcert_opts o;
	struct buf root, leaf;
	struct nv_cert *c_root, *c_leaf, *chain[2];
	struct ferry_err e = { 0 };
	static const struct {
		int salt, params_salt;
		const char *want;
	} cases[] = {
		{ 32, 0, NULL },
		{ 20, 32, "crypto/rsa: verification error" },
		{ 20, 0, "x509: cannot verify signature: algorithm unimplemented" },
	};
	size_t i;

	memset(&o, 0, sizeof(o));
	o.cn = "pss root";
	o.is_ca = true;
	o.path_len = -1;
	tcert_make(rsa3072, &o, &root);
	assert_int_equal(nv_cert_parse_der(root.data, root.len, &c_root, &e), 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&o, 0, sizeof(o));
		o.cn = "pss leaf";
		o.issuer_key = rsa3072;
		o.issuer_cn = "pss root";
		o.pss_salt = cases[i].salt;
		o.pss_params_salt = cases[i].params_salt;
		tcert_make(rsa2048, &o, &leaf);
		assert_int_equal(nv_cert_parse_der(leaf.data, leaf.len, &c_leaf, &e), 0);
		assert_string_equal(c_leaf->sig_alg_oid, "1.2.840.113549.1.1.10");
		chain[0] = c_leaf;
		chain[1] = c_root;
		if (cases[i].want) {
			assert_int_equal(nv_cert_check_signature_from(c_leaf, c_root, &e), -1);
			assert_string_equal(e.msg, cases[i].want);
		} else {
			assert_int_equal(nv_cert_check_signature_from(c_leaf, c_root, &e), 0);
			assert_int_equal(nv_chain_validate_codesigning(chain, 2, &e), 0);
		}
		nv_cert_free(c_leaf);
		buf_free(&leaf);
	}
	nv_cert_free(c_root);
	buf_free(&root);
}

static void test_generated_cert_fields(void **state)
{
	struct tcert_opts o;
	struct buf der, out;
	struct nv_cert *c;
	struct ferry_err e = { 0 };

	assert_int_equal(nv_cert_parse_der(leaf256.data, leaf256.len, &c, &e), 0);
	assert_int_equal(c->key_type, NV_KEY_EC);
	assert_int_equal(c->key_bits, 256);
	assert_string_equal(c->ec_curve_oid, "1.2.840.10045.3.1.7");
	assert_int_equal(nv_cert_signing_alg(c), NV_ALG_ES256);
	assert_string_equal(c->subject_string, "CN=ferry ec256,O=ferry tests");
	assert_true(c->has_basic_constraints);
	assert_false(c->is_ca);
	assert_false(c->has_unknown_critical_ext);
	nv_cert_free(c);

	/* an unknown critical extension is recorded; Notation's chain rules do
	 * not look at it, so the envelope still verifies */
	memset(&o, 0, sizeof(o));
	o.cn = "odd leaf";
	o.extra_ext_oid = "1.3.6.1.4.1.99999.1";
	o.extra_ext_critical = true;
	o.extra_ext_value = (const unsigned char *)"\x05\x00";
	o.extra_ext_len = 2;
	tcert_make(rsa2048, &o, &der);
	assert_int_equal(nv_cert_parse_der(der.data, der.len, &c, &e), 0);
	assert_true(c->has_unknown_critical_ext);
	nv_cert_free(c);
	jws(rsa2048, &der, HDR_X509("PS256", ""), SAMPLE_PAYLOAD, 32, true, &out);
	{
		struct nv_envelope *env = verify_ok(NV_MT_JWS, out.data, out.len);
		nv_envelope_free(env);
	}
	buf_free(&out);
	buf_free(&der);

	/* Go refuses a critical subject key identifier, and so does ferry */
	o.extra_ext_oid = "2.5.29.14";
	o.extra_ext_value = (const unsigned char *)"\x04\x01\x01";
	o.extra_ext_len = 3;
	tcert_make(rsa2048, &o, &der);
	assert_int_equal(nv_cert_parse_der(der.data, der.len, &c, &e), -1);
	assert_string_equal(e.msg, "x509: subject key identifier incorrectly marked critical");
	jws(rsa2048, &der, HDR_X509("PS256", ""), SAMPLE_PAYLOAD, 32, true, &out);
	verify_fails(NV_MT_JWS, out.data, out.len, "malformed leaf certificate");
	buf_free(&out);
	buf_free(&der);
}

/* ---- COSE built at run time ---- */

static void cose(const struct tkey *k, const struct buf *cert, const struct buf *prot, int hash_bits, int salt,
		 bool salt_set, const char *payload, struct buf *out)
{
	struct tcose c;

	memset(&c, 0, sizeof(c));
	c.protected_map = prot;
	c.certs = cert;
	c.n_certs = cert ? 1 : 0;
	c.payload = payload;
	c.hash_bits = hash_bits;
	c.pss_salt = salt;
	c.pss_salt_set = salt_set;
	tcose_make(k, &c, out);
}

static void test_cose_salt_and_ecdsa(void **state)
{
	struct buf prot, out;
	struct nv_envelope *env;

	tcose_protected(-37, 1718692031, &prot);
	cose(rsa2048, &leaf2048, &prot, 256, 32, true, SAMPLE_PAYLOAD, &out);
	env = verify_ok(NV_MT_COSE, out.data, out.len);
	assert_int_equal(env->alg, NV_ALG_PS256);
	assert_int_equal(env->signing_time, 1718692031);
	nv_envelope_free(env);
	buf_free(&out);
	/* COSE requires salt = hash length; JWS would accept these */
	cose(rsa2048, &leaf2048, &prot, 256, 20, true, SAMPLE_PAYLOAD, &out);
	verify_fails(NV_MT_COSE, out.data, out.len, "signature is invalid. Error: verification error");
	buf_free(&out);
	cose(rsa2048, &leaf2048, &prot, 256, 0, true, SAMPLE_PAYLOAD, &out);
	verify_fails(NV_MT_COSE, out.data, out.len, "signature is invalid. Error: verification error");
	buf_free(&out);
	/* header alg must be the leaf's */
	cose(rsa3072, &leaf3072, &prot, 256, 32, true, SAMPLE_PAYLOAD, &out);
	verify_fails(NV_MT_COSE, out.data, out.len, "signature is invalid. Error: algorithm mismatch: verifier PS384: header PS256");
	buf_free(&out);
	buf_free(&prot);

	tcose_protected(-7, 1718692031, &prot);
	cose(ec256, &leaf256, &prot, 256, 0, false, SAMPLE_PAYLOAD, &out);
	env = verify_ok(NV_MT_COSE, out.data, out.len);
	assert_int_equal(env->alg, NV_ALG_ES256);
	assert_int_equal(env->signature_len, 64);
	nv_envelope_free(env);
	/* s >= n: the last 32 bytes of the message are s */
	memset(out.data + out.len - 32, 0xff, 32);
	verify_fails(NV_MT_COSE, out.data, out.len, "signature is invalid. Error: verification error");
	buf_free(&out);
	buf_free(&prot);
}

static void cose_expect(const struct buf *prot, const unsigned char *unprot, size_t unprot_len, size_t n_unprot,
			bool with_chain, const char *want)
{
	struct tcose c;
	struct buf out;

	memset(&c, 0, sizeof(c));
	c.protected_map = prot;
	c.unprotected_pairs = unprot;
	c.unprotected_pairs_len = unprot_len;
	c.n_unprotected = n_unprot;
	c.certs = with_chain ? &leaf2048 : NULL;
	c.n_certs = with_chain ? 1 : 0;
	c.payload = SAMPLE_PAYLOAD;
	c.hash_bits = 256;
	tcose_make(rsa2048, &c, &out);
	if (want) {
		verify_fails(NV_MT_COSE, out.data, out.len, want);
	} else {
		struct nv_envelope *env = verify_ok(NV_MT_COSE, out.data, out.len);
		nv_envelope_free(env);
	}
	buf_free(&out);
}

/* Protected map with the usual first three entries and a custom rest. */
static void prot_with(struct buf *p, size_t n_extra_pairs, const void *extra, size_t extra_len, bool cty_uint)
{
	buf_init(p, 0);
	tcbor_head(p, 5, 3 + n_extra_pairs);
	tcbor_int(p, 1);
	tcbor_int(p, -37);
	tcbor_int(p, 2);
	tcbor_head(p, 4, 1);
	tcbor_tstr(p, "io.cncf.notary.signingScheme");
	tcbor_int(p, 3);
	if (cty_uint)
		tcbor_int(p, 50);
	else
		tcbor_tstr(p, PAYLOAD_MT);
	buf_append(p, extra, extra_len);
}

static void test_cose_header_rules(void **state)
{
	struct buf prot, extra = BUF_INIT(0), unprot = BUF_INIT(0);

	/* signing time without tag 1 */
	tcbor_tstr(&extra, "io.cncf.notary.signingScheme");
	tcbor_tstr(&extra, "notary.x509");
	tcbor_tstr(&extra, "io.cncf.notary.signingTime");
	tcbor_int(&extra, 1718692031);
	prot_with(&prot, 2, extra.data, extra.len, false);
	cose_expect(&prot, NULL, 0, 0, true, "invalid signingTime: invalid timeValue type");
	buf_free(&prot);

	/* tag 0 (RFC 3339 text) is not accepted either */
	buf_reset(&extra);
	tcbor_tstr(&extra, "io.cncf.notary.signingScheme");
	tcbor_tstr(&extra, "notary.x509");
	tcbor_tstr(&extra, "io.cncf.notary.signingTime");
	tcbor_head(&extra, 6, 0);
	tcbor_tstr(&extra, "2024-06-18T06:27:11Z");
	prot_with(&prot, 2, extra.data, extra.len, false);
	cose_expect(&prot, NULL, 0, 0, true, "invalid signingTime: only Tag `1` Datetime CBOR object is supported");
	buf_free(&prot);

	/* content type as a number */
	buf_reset(&extra);
	tcbor_tstr(&extra, "io.cncf.notary.signingScheme");
	tcbor_tstr(&extra, "notary.x509");
	tcbor_tstr(&extra, "io.cncf.notary.signingTime");
	tcbor_head(&extra, 6, 1);
	tcbor_int(&extra, 1718692031);
	prot_with(&prot, 2, extra.data, extra.len, true);
	cose_expect(&prot, NULL, 0, 0, true, "content type should be of 'tstr' type");
	buf_free(&prot);

	/* baseline passes; x5chain missing, wrong shape or only protected fails */
	prot_with(&prot, 2, extra.data, extra.len, false);
	cose_expect(&prot, NULL, 0, 0, true, NULL);
	cose_expect(&prot, NULL, 0, 0, false, "certificate chain is not present");
	tcbor_int(&unprot, 33);
	tcbor_bstr(&unprot, leaf2048.data, leaf2048.len);
	cose_expect(&prot, unprot.data, unprot.len, 1, false, "certificate chain is not present");
	buf_free(&prot);

	/* signing agent and timestamp of the wrong type are ignored */
	buf_reset(&unprot);
	tcbor_tstr(&unprot, "io.cncf.notary.signingAgent");
	tcbor_int(&unprot, 7);
	tcbor_tstr(&unprot, "io.cncf.notary.timestampSignature");
	tcbor_tstr(&unprot, "not bytes");
	prot_with(&prot, 2, extra.data, extra.len, false);
	{
		struct tcose c;
		struct buf out;
		struct nv_envelope *env;

		memset(&c, 0, sizeof(c));
		c.protected_map = &prot;
		c.unprotected_pairs = unprot.data;
		c.unprotected_pairs_len = unprot.len;
		c.n_unprotected = 2;
		c.certs = &leaf2048;
		c.n_certs = 1;
		c.payload = SAMPLE_PAYLOAD;
		tcose_make(rsa2048, &c, &out);
		env = verify_ok(NV_MT_COSE, out.data, out.len);
		assert_null(env->signing_agent);
		assert_null(env->timestamp_token);
		nv_envelope_free(env);
		buf_free(&out);
	}
	buf_free(&prot);

	/* crit must cover the expiry */
	tcbor_tstr(&extra, "io.cncf.notary.expiry");
	tcbor_head(&extra, 6, 1);
	tcbor_int(&extra, 1818692031);
	prot_with(&prot, 3, extra.data, extra.len, false);
	cose_expect(&prot, NULL, 0, 0, true, "these required headers are not marked as critical: [io.cncf.notary.expiry]");
	buf_free(&prot);

	buf_free(&extra);
	buf_free(&unprot);
}

static void test_cose_hostile_encodings(void **state)
{
	struct buf prot, out, mod = BUF_INIT(0);
	static const unsigned char indefinite_map[] = { 0xd2, 0x84, 0x40, 0xbf, 0xff, 0x40, 0x41, 0x00 };
	static const unsigned char tag_in_unprotected[] = { 0xd2, 0x84, 0x40, 0xa1, 0x01, 0xc1, 0x00, 0x40, 0x41, 0x00 };
	static const unsigned char dup_unprotected[] = { 0xd2, 0x84, 0x40, 0xa2, 0x01, 0x00, 0x01, 0x01, 0x40, 0x41, 0x00 };
	static const unsigned char long_tag[] = { 0xd8, 0x12, 0x84, 0x40, 0xa0, 0x40, 0x41, 0x00 };
	static const unsigned char empty_sig[] = { 0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40 };
	static const unsigned char bad_label[] = { 0xd2, 0x84, 0x40, 0xa1, 0x40, 0x00, 0x40, 0x41, 0x00 };
	unsigned char deep[64];
	size_t i;

	verify_fails(NV_MT_COSE, indefinite_map, sizeof(indefinite_map),
		     "unable to parse the digital signature, error : cbor: indefinite-length map isn't allowed");
	verify_fails(NV_MT_COSE, tag_in_unprotected, sizeof(tag_in_unprotected),
		     "unable to parse the digital signature, error : cbor: CBOR tag isn't allowed");
	verify_fails(NV_MT_COSE, dup_unprotected, sizeof(dup_unprotected),
		     "unable to parse the digital signature, error : cbor: found duplicate map key at map element index 1");
	verify_fails(NV_MT_COSE, long_tag, sizeof(long_tag),
		     "unable to parse the digital signature, error : cbor: invalid COSE_Sign1_Tagged object");
	verify_fails(NV_MT_COSE, empty_sig, sizeof(empty_sig), "unable to parse the digital signature, error : empty signature");
	verify_fails(NV_MT_COSE, bad_label, sizeof(bad_label),
		     "unable to parse the digital signature, error : cbor: invalid unprotected header: cbor: header label: require int / tstr type");
	/* nesting deeper than the limit inside the unprotected map */
	i = 0;
	deep[i++] = 0xd2;
	deep[i++] = 0x84;
	deep[i++] = 0x40;
	deep[i++] = 0xa1;
	deep[i++] = 0x20; /* label -1 */
	while (i < 50)
		deep[i++] = 0x81;
	deep[i++] = 0x00;
	deep[i++] = 0x40;
	deep[i++] = 0x41;
	deep[i++] = 0x00;
	verify_fails(NV_MT_COSE, deep, i, "unable to parse the digital signature, error : cbor: exceeded max nested level");

	/* a valid message with a trailing byte, and with a null payload */
	tcose_protected(-37, 1718692031, &prot);
	cose(rsa2048, &leaf2048, &prot, 256, 32, true, SAMPLE_PAYLOAD, &out);
	buf_append(&mod, out.data, out.len);
	buf_append(&mod, "\x00", 1);
	{
		char want[160];

		snprintf(want, sizeof(want),
			 "unable to parse the digital signature, error : cbor: 1 bytes of extraneous data starting at index %zu",
			 out.len - 1);
		verify_fails(NV_MT_COSE, mod.data, mod.len, want);
	}
	/* duplicate label inside the protected map */
	{
		struct buf dup = BUF_INIT(0), extra = BUF_INIT(0);

		tcbor_tstr(&extra, "io.cncf.notary.signingScheme");
		tcbor_tstr(&extra, "notary.x509");
		tcbor_tstr(&extra, "io.cncf.notary.signingScheme");
		tcbor_tstr(&extra, "notary.x509");
		prot_with(&dup, 2, extra.data, extra.len, false);
		cose_expect(&dup, NULL, 0, 0, true,
			    "unable to parse the digital signature, error : cbor: invalid protected header: cbor: found duplicate map key at map element index 4");
		buf_free(&dup);
		buf_free(&extra);
	}
	/* indefinite-length text inside the protected bstr */
	{
		struct buf bad = BUF_INIT(0);

		buf_append(&bad, "\xa1\x01\x7f\x61\x61\xff", 6);
		cose_expect(&bad, NULL, 0, 0, true,
			    "unable to parse the digital signature, error : cbor: invalid protected header: cbor: indefinite-length UTF-8 text string isn't allowed");
		buf_free(&bad);
	}
	buf_free(&mod);
	buf_free(&out);
	buf_free(&prot);

	/* every truncation of a valid message fails without reading past it */
	tcose_protected(-37, 1718692031, &prot);
	cose(rsa2048, &leaf2048, &prot, 256, 32, true, SAMPLE_PAYLOAD, &out);
	for (i = 0; i < out.len; i += 13) {
		struct nv_envelope *env = NULL;
		struct ferry_err e = { 0 };

		assert_int_equal(nv_envelope_verify(NV_MT_COSE, out.data, i, &env, &e), -1);
	}
	buf_free(&out);
	buf_free(&prot);
}

static void test_null_payload(void **state)
{
	struct buf prot, msg = BUF_INIT(0);

	tcose_protected(-37, 1718692031, &prot);
	buf_append(&msg, "\xd2\x84", 2);
	tcbor_bstr(&msg, prot.data, prot.len);
	tcbor_head(&msg, 5, 1);
	tcbor_int(&msg, 33);
	tcbor_head(&msg, 4, 1);
	tcbor_bstr(&msg, leaf2048.data, leaf2048.len);
	buf_append(&msg, "\xf6", 1);
	tcbor_bstr(&msg, "\x01\x02", 2);
	verify_fails(NV_MT_COSE, msg.data, msg.len, "signature is invalid. Error: missing payload");
	buf_free(&msg);
	buf_free(&prot);
}

/* ---- cost of one verification (reported, not asserted) ---- */

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_two_cert_chains(void **state)
{
	struct buf chain[2], out, prot = BUF_INIT(0);
	struct nv_envelope *env;
	struct tjws t;
	struct tcert_opts o;
	struct buf root3072, leaf384;
	double t0;
	int i;

	/* RSA-3072 PS384 leaf under a P-384 root (JWS) */
	chain[0] = leaf384_by_root;
	chain[1] = root384;
	memset(&t, 0, sizeof(t));
	t.protected_json = HDR_X509("PS384", "");
	t.payload = SAMPLE_PAYLOAD;
	t.certs = chain;
	t.n_certs = 2;
	t.hash_bits = 384;
	tjws_make(rsa3072, &t, &out);
	t0 = cpu_ms();
	for (i = 0; i < 10; i++) {
		env = verify_ok(NV_MT_JWS, out.data, out.len);
		assert_int_equal(env->chain_len, 2);
		assert_int_equal(env->alg, NV_ALG_PS384);
		nv_envelope_free(env);
	}
	print_message("JWS PS384 (RSA-3072) with a 2-certificate chain: %.3f ms CPU per verification\n",
		      (cpu_ms() - t0) / 10);
	buf_free(&out);

	/* P-384 ES384 leaf under an RSA-3072 root (COSE) */
	memset(&o, 0, sizeof(o));
	o.cn = "rsa root";
	o.is_ca = true;
	o.path_len = 0;
	tcert_make(rsa3072, &o, &root3072);
	memset(&o, 0, sizeof(o));
	o.cn = "ec leaf";
	o.issuer_key = rsa3072;
	o.issuer_cn = "rsa root";
	tcert_make(ec384, &o, &leaf384);
	chain[0] = leaf384;
	chain[1] = root3072;
	tcose_protected(-35, 1718692031, &prot);
	{
		struct tcose c;

		memset(&c, 0, sizeof(c));
		c.protected_map = &prot;
		c.certs = chain;
		c.n_certs = 2;
		c.payload = SAMPLE_PAYLOAD;
		c.hash_bits = 384;
		tcose_make(ec384, &c, &out);
	}
	t0 = cpu_ms();
	for (i = 0; i < 10; i++) {
		env = verify_ok(NV_MT_COSE, out.data, out.len);
		assert_int_equal(env->alg, NV_ALG_ES384);
		nv_envelope_free(env);
	}
	print_message("COSE ES384 (P-384) with a 2-certificate chain: %.3f ms CPU per verification\n",
		      (cpu_ms() - t0) / 10);
	buf_free(&out);
	buf_free(&prot);
	buf_free(&leaf384);
	buf_free(&root3072);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mock_envelopes),
		cmocka_unit_test(test_alpine),
		cmocka_unit_test(test_timestamp_envelopes),
		cmocka_unit_test(test_e2e_envelopes),
		cmocka_unit_test(test_unsupported_media_type),
		cmocka_unit_test(test_jws_conformance),
		cmocka_unit_test(test_cose_conformance),
		cmocka_unit_test(test_jws_pss_any_salt),
		cmocka_unit_test(test_jws_ecdsa),
		cmocka_unit_test(test_jws_header_rules),
		cmocka_unit_test(test_jws_encoding),
		cmocka_unit_test(test_jws_chain_rules),
		cmocka_unit_test(test_chain_sha1_and_constraints),
		cmocka_unit_test(test_pss_certificates),
		cmocka_unit_test(test_generated_cert_fields),
		cmocka_unit_test(test_cose_salt_and_ecdsa),
		cmocka_unit_test(test_cose_header_rules),
		cmocka_unit_test(test_cose_hostile_encodings),
		cmocka_unit_test(test_null_payload),
		cmocka_unit_test(test_two_cert_chains),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
