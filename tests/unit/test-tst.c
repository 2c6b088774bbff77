/* test-tst.c - RFC 3161 time-stamp tokens: tspclient-go's and notation-go's token vectors with their
 * verdicts and messages, BER -> DER, and tokens made at run time by a test TSA (ESS lookup, signer
 * version, signed attributes, path at genTime, the signer's timeStamping EKU, accuracy).
 *
 * Vectors are read from $FERRY_SHARED_DIR/vectors/notation; tests that need them skip when absent.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "notation/cert.h"
#include "notation/tst.h"
#include "nvtest-pki.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"
#include "vectors.h"

#define GEN_2021 1631887750000000LL /* genTime of the GlobalSign vector tokens, 2021-09-17T14:09:10Z */
#define JAN_2024 1704758400000000LL /* tspclient's CMS test time, 2024-01-09 */

static struct certs load_certs(const char *rel)
{
	struct certs c = { NULL, 0 };

	c.v = load_vector_certs(rel, &c.n);
	return c;
}

static struct nv_tst *load_token(const char *rel, bool cms_only)
{
	size_t len;
	unsigned char *d = read_vector(rel, &len);
	struct nv_tst *t;
	struct ferry_err e;
	int rc = cms_only ? nv_cms_parse(d, len, &t, &e) : nv_tst_parse(d, len, &t, &e);

	free(d);
	if (rc < 0)
		fail_msg("%s: %s", rel, e.msg);
	return t;
}

#define TSP "tspclient-go/testdata/"
#define CMS "tspclient-go/internal/cms/testdata/"
#define CS "notation-go/verifier/testdata/timestamp/countersignature/"

/* SignedToken.Verify with the GlobalSign R3 root at the token's genTime: NULL or the message. */
static char *token_verify(const char *rel)
{
	struct certs r3 = load_certs(TSP "GlobalSignRootCA.crt");
	struct nv_tst *t = load_token(rel, false);
	struct nv_cert **chain = NULL;
	size_t n = 0;
	struct ferry_err e;
	char *msg = NULL;

	if (nv_tst_verify(t, r3.v, r3.n, GEN_2021, &chain, &n, &e) < 0)
		msg = xstrdup(e.msg);
	free(chain);
	nv_tst_free(t);
	nv_certs_free(r3.v, r3.n);
	return msg;
}

static void expect_token(const char *rel, const char *want)
{
	char *got = token_verify(rel);

	if (!want && got)
		fail_msg("%s: %s", rel, got);
	if (want && (!got || strcmp(got, want) != 0))
		fail_msg("%s:\n got: %s\nwant: %s", rel, got ? got : "(verified)", want);
	free(got);
}

static void test_token_vectors_verify(void **state)
{
	struct certs r3;
	struct nv_tst *t;
	struct nv_cert **chain;
	size_t n;
	struct ferry_err e;

	(void)state;
	need_vectors();
	expect_token(CS "TimeStampToken.p7s", NULL);
	expect_token(TSP "TimeStampTokenWithValidAndInvalidSignerInfos.p7s", NULL);
	expect_token(TSP "TimeStampTokenWithInvalidSignature.p7s",
		     "failed to verify signed token: cms verification failure: crypto/rsa: verification error");
	expect_token(TSP "TimeStampTokenWithInvalidSigningCertificateV2.p7s",
		     "failed to verify signed token: failed to get SigningCertificateV2 from signed attributes: asn1: "
		     "syntax error: sequence truncated");
	expect_token(TSP "TimeStampTokenWithMismatchCertHash.p7s",
		     "failed to verify signed token: signing certificate hash does not match CertHash in signed attribute");
	expect_token(TSP "TimeStampTokenWithSHA1CertHash.p7s",
		     "failed to verify signed token: unsupported certificate hash algorithm in SigningCertificateV2 "
		     "attribute");
	expect_token(TSP "TimeStampTokenWithSigningCertificateV1.p7s",
		     "failed to verify signed token: failed to get SigningCertificateV2 from signed attributes: attribute "
		     "not found");
	expect_token(TSP "TimeStampTokenWithSigningCertificateV2NoCert.p7s",
		     "failed to verify signed token: signingCertificateV2 does not contain any certificate");
	expect_token(TSP "TimeStampTokenWithWrongSigningCertificateV2IssuerChoiceTag.p7s",
		     "failed to verify signed token: issuer name is missing in IssuerSerial");
	expect_token(TSP "TimeStampTokenWithoutSigningCertificate.p7s",
		     "failed to verify signed token: failed to get SigningCertificateV2 from signed attributes: attribute "
		     "not found");
	expect_token(CS "TimeStampTokenWithoutCertificate.p7s",
		     "failed to verify signed token: signing certificate not found in the timestamp token");

	/* the valid token's chain ends at R3 through the cross-signed R6 */
	r3 = load_certs(TSP "GlobalSignRootCA.crt");
	t = load_token(CS "TimeStampToken.p7s", false);
	assert_int_equal(nv_tst_verify(t, r3.v, r3.n, GEN_2021, &chain, &n, &e), 0);
	assert_int_equal(n, 4);
	assert_string_equal(chain[0]->subject_string, "CN=Globalsign TSA for Advanced - G4,O=GlobalSign nv-sa,C=BE");
	assert_true(nv_cert_equal(chain[3], r3.v[0]));
	free(chain);
	/* no anchor: unknown authority */
	assert_int_equal(nv_tst_verify(t, NULL, 0, GEN_2021, &chain, &n, &e), -1);
	assert_string_equal(e.msg, "failed to verify signed token: cms verification failure: x509: certificate signed by "
				   "unknown authority");
	nv_tst_free(t);
	nv_certs_free(r3.v, r3.n);
}

static void test_token_vectors_lookup(void **state)
{
	struct nv_tst *t;
	const struct nv_cert *c;
	struct ferry_err e;

	(void)state;
	need_vectors();
	/* without issuerSerial the ESS lookup falls back to the signer's sid ... */
	t = load_token(TSP "TimeStampTokenWithoutSigningCertificateV2IssuerSerial.p7s", false);
	assert_int_equal(nv_tst_signing_cert(t, 0, &c, &e), 0);
	assert_string_equal(c->subject_string, "CN=Globalsign TSA for Advanced - G4,O=GlobalSign nv-sa,C=BE");
	nv_tst_free(t);
	/* ... but that token's CMS signature does not verify */
	expect_token(TSP "TimeStampTokenWithoutSigningCertificateV2IssuerSerial.p7s",
		     "failed to verify signed token: cms verification failure: crypto/rsa: verification error");
}

static void expect_info(const char *rel, const char *message, const char *want, int64_t want_time, int64_t want_acc)
{
	struct nv_tst *t = load_token(rel, false);
	struct nv_tst_info info;
	struct ferry_err e;
	int64_t at, acc;
	int rc = nv_tst_info(t, &info, &e);

	if (rc == 0)
		rc = nv_tst_info_validate(&info, message, strlen(message), &at, &acc, &e);
	if (want) {
		assert_int_equal(rc, -1);
		if (strncmp(e.msg, want, strlen(want)) != 0)
			fail_msg("%s:\n got: %s\nwant: %s...", rel, e.msg, want);
	} else {
		if (rc < 0)
			fail_msg("%s: %s", rel, e.msg);
		assert_int_equal(at, want_time);
		assert_int_equal(acc, want_acc);
	}
	nv_tst_free(t);
}

static void test_token_vectors_info(void **state)
{
	(void)state;
	need_vectors();
	expect_info(CS "TimeStampToken.p7s", "notation", NULL, GEN_2021, 1000000);
	expect_info(CS "TimeStampToken.p7s", "invalid", "invalid TSTInfo: mismatched message", 0, 0);
	expect_info(TSP "SHA1TimeStampToken.p7s", "notation",
		    "invalid TSTInfo: unrecognized hash algorithm: 1.2.840.113549.1.1.5", 0, 0);
	expect_info(TSP "TimeStampTokenWithTSTInfoVersion2.p7s", "notation",
		    "invalid TSTInfo: timestamp token info version must be 1, but got 2", 0, 0);
	expect_info(CS "TimeStampTokenWithInvalidTSTInfo.p7s", "notation",
		    "cannot unmarshal TSTInfo from timestamp token: asn1: structure error: tags don't match", 0, 0);
}

static void expect_parse(const char *rel, bool cms_only, const char *want)
{
	size_t len;
	unsigned char *d = read_vector(rel, &len);
	struct nv_tst *t = NULL;
	struct ferry_err e;
	int rc = cms_only ? nv_cms_parse(d, len, &t, &e) : nv_tst_parse(d, len, &t, &e);

	free(d);
	nv_tst_free(t);
	assert_int_equal(rc, -1);
	if (strcmp(e.msg, want) != 0)
		fail_msg("%s:\n got: %s\nwant: %s", rel, e.msg, want);
}

static void test_token_vectors_parse(void **state)
{
	(void)state;
	need_vectors();
	expect_parse(CS "TimeStampTokenWithInvalideContentType.p7s", false,
		     "unexpected content type: 1.2.840.113549.1.7.1. Expected to be id-ct-TSTInfo (1.2.840.113549.1.9.16.1.4)");
	expect_parse(CMS "SignedDataWithoutSignedAttributes.p7s", false,
		     "unexpected content type: 1.2.840.113549.1.7.1. Expected to be id-ct-TSTInfo (1.2.840.113549.1.9.16.1.4)");
	/* Go's x509 parser rejects one of its certificates (OpenSSL does not) */
	expect_parse(CMS "TimeStampTokenWithInvalidCertificates.p7s", true,
		     "cms: syntax error: failed to parse X.509 certificates from signed data. Only X.509 certificates are "
		     "supported: x509: malformed version");
}

/* cms ParsedSignedData.Verify as tspclient's CMS tests run it: roots = the token's last certificate,
 * 2024-01-09, EKU timeStamping. */
static char *cms_verify(const char *rel)
{
	struct nv_tst *t = load_token(rel, true);
	struct nv_cert **chain = NULL, *root;
	size_t n = 0;
	struct ferry_err e;
	char *msg = NULL;

	root = t->n_certs ? t->certs[t->n_certs - 1] : NULL;
	if (nv_cms_verify(t, &root, root ? 1 : 0, JAN_2024, &chain, &n, &e) < 0)
		msg = xstrdup(e.msg);
	free(chain);
	nv_tst_free(t);
	return msg;
}

static void expect_cms(const char *rel, const char *want)
{
	char *got = cms_verify(rel);

	if (!want && got)
		fail_msg("%s: %s", rel, got);
	if (want && (!got || strcmp(got, want) != 0))
		fail_msg("%s:\n got: %s\nwant: %s", rel, got ? got : "(verified)", want);
	free(got);
}

/* verifySignedAttributes alone, with the token's certificates as the chain. */
static void expect_attrs(const char *rel, const char *want)
{
	struct nv_tst *t = load_token(rel, true);
	struct ferry_err e;
	int rc = nv_cms_check_signed_attrs(t, 0, t->certs, t->n_certs, &e);

	if (!want && rc < 0)
		fail_msg("%s: %s", rel, e.msg);
	if (want) {
		assert_int_equal(rc, -1);
		if (strcmp(e.msg, want) != 0)
			fail_msg("%s:\n got: %s\nwant: %s", rel, e.msg, want);
	}
	nv_tst_free(t);
}

static void test_cms_vectors(void **state)
{
	(void)state;
	need_vectors();
	expect_cms(CS "TimeStampToken.p7s", NULL);
	expect_cms(CMS "TimeStampTokenWithAnInvalidAndAValidSignerInfo.p7s", NULL);
	expect_cms(CMS "Sha1SignedData.p7s", "cms verification failure: unknown signature algorithm");
	expect_cms(CMS "SignedDataWithoutSignedAttributes.p7s", "cms verification failure: missing signed attributes");
	expect_cms(CMS "TimeStampTokenWithInvalidContentType.p7s",
		   "unexpected content type: 1.2.840.113549.1.9.16.1.5. Expected to be id-ct-TSTInfo "
		   "(1.2.840.113549.1.9.16.1.4)");
	expect_cms(CMS "TimeStampTokenWithSignerVersion2.p7s",
		   "cms verification failure: invalid signer info version: only version 1 is supported; got 2");
	expect_cms(CMS "TimeStampTokenWithUnknownSignerIssuer.p7s", "cms verification failure: certificate not found");
	expect_cms(CMS "TimeStampTokenWithoutSigner.p7s", "cms verification failure: signerInfo not found");
	/* edited attributes: the signature no longer verifies */
	expect_cms(CMS "TimeStampTokenWithSigningTime.p7s", "cms verification failure: crypto/rsa: verification error");

	/* the attribute rules on their own */
	expect_attrs(CMS "TimeStampTokenWithSigningTime.p7s", NULL);
	expect_attrs(CMS "TimeStampTokenInvalidSignedAttributeContentType.p7s",
		     "cms verification failure: mismatch content type: found \"1.2.840.113549.1.9.16.1.44\" in signer "
		     "info, and \"1.2.840.113549.1.9.16.1.4\" in signed data");
	expect_attrs(CMS "TimeStampTokenWithInvalidSigningTime.p7s",
		     "cms verification failure: invalid signing time: asn1: syntax error: data truncated");
	expect_attrs(CMS "TimeStampTokenWithSignedAttributeSHA1.p7s", "cms verification failure: unsupported digest algorithm");
	expect_attrs(CMS "TimeStampTokenWithSigningTimeBeforeExpected.p7s",
		     "cms verification failure: signing time, 2019-02-20 00:00:00 +0000 UTC, is outside certificate's "
		     "validity period");
	expect_attrs(CMS "TimeStampTokenWithoutSignedAttributeContentType.p7s",
		     "cms verification failure: invalid content type: attribute not found");
	expect_attrs(CMS "TimeStampTokenWithoutSignedAttributeDigest.p7s",
		     "cms verification failure: invalid message digest: attribute not found");
	expect_attrs(CMS "TimeStampTokenWithoutSignedAttributes.p7s", "cms verification failure: missing signed attributes");
}

/* ---- BER -> DER -------------------------------------------------------------------------------- */

static void expect_ber(const void *in, size_t len, const void *want, size_t want_len, const char *err)
{
	struct buf out;
	struct ferry_err e;
	int rc = nv_ber_to_der(in, len, &out, &e);

	if (err) {
		assert_int_equal(rc, -1);
		assert_string_equal(e.msg, err);
	} else {
		if (rc < 0)
			fail_msg("%s", e.msg);
		assert_int_equal(out.len, want_len);
		assert_memory_equal(out.data, want, want_len);
	}
	buf_free(&out);
}

static void test_ber_to_der(void **state)
{
	(void)state;
	/* long-form lengths where the short form fits are re-encoded, nested ones too */
	expect_ber("\x30\x81\x05\x04\x82\x00\x01\x41", 8, "\x30\x03\x04\x01\x41", 5, NULL);
	expect_ber("\x30\x03\x02\x01\x05", 5, "\x30\x03\x02\x01\x05", 5, NULL);
	expect_ber("", 0, NULL, 0, "asn1: syntax error: BER-encoded ASN.1 data structures is empty");
	/* what notation reports for the e2e layout's token "invalid\n" */
	expect_ber("invalid\n", 8, NULL, 0,
		   "asn1: syntax error: decoding BER length octets: short form length octets value should be less or "
		   "equal to the subsequent octets length");
	expect_ber("\x30\x80\x02\x01\x05\x00\x00", 7, NULL, 0,
		   "asn1: structure error: decoding BER length octets: indefinite length not supported");
	expect_ber("\x30\x03\x02\x01\x05\x00", 6, NULL, 0,
		   "asn1: syntax error: decoding BER: length octets value 3 does not match with content length 4");
	expect_ber("\x30\x85\x01\x00\x00\x00\x00\x00", 8, NULL, 0,
		   "asn1: structure error: decoding BER length octets: length of encoded data (5 bytes) cannot exceed 4 "
		   "bytes");
}

static void test_ber_depth_bounded(void **state)
{
	unsigned char deep[2 * 64];

	(void)state;
	for (size_t i = 0; i < 64; i++) {
		deep[2 * i] = 0x30;
		deep[2 * i + 1] = (unsigned char)(2 * (63 - i));
	}
	expect_ber(deep, sizeof(deep), NULL, 0, "asn1: structure error: decoding BER: nesting deeper than 32 levels");
}

/* ---- tokens from a test TSA --------------------------------------------------------------------- */

#define T0 1700000000 /* 2023-11-14T22:13:20Z */
static const char *const eku_ts[] = { "1.3.6.1.5.5.7.3.8", NULL };
static const char *const eku_cs[] = { "1.3.6.1.5.5.7.3.3", NULL };
static const char *const eku_ts_cs[] = { "1.3.6.1.5.5.7.3.8", "1.3.6.1.5.5.7.3.3", NULL };

struct tsa {
	struct tkey *root_key, *leaf_key;
	struct buf root, leaf;
	struct nv_cert *root_cert;
};

static void tsa_make(struct tsa *t, bool ec_leaf, const struct tcert_opts *leaf_over)
{
	struct tcert_opts ro = { .cn = "Test TSA Root", .org = "Ferry Test", .is_ca = true, .path_len = -1,
				 .key_usage = NV_KU_KEY_CERT_SIGN | NV_KU_CRL_SIGN };
	struct tcert_opts lo = { .cn = "Test TSA", .org = "Ferry Test", .ekus = eku_ts, .eku_critical = true,
				 .not_before = T0 - 86400, .not_after = T0 + 365 * 86400 };
	struct ferry_err e;

	memset(t, 0, sizeof(*t));
	t->root_key = tkey_rsa(2048);
	t->leaf_key = ec_leaf ? tkey_ec(256) : tkey_rsa(2048);
	tcert_make(t->root_key, &ro, &t->root);
	if (leaf_over)
		lo = *leaf_over;
	lo.issuer_key = t->root_key;
	lo.issuer_cn = "Test TSA Root";
	lo.issuer_org = "Ferry Test";
	tcert_make(t->leaf_key, &lo, &t->leaf);
	if (nv_cert_parse_der(t->root.data, t->root.len, &t->root_cert, &e) < 0)
		fail_msg("%s", e.msg);
}

static void tsa_free(struct tsa *t)
{
	tkey_free(t->root_key);
	tkey_free(t->leaf_key);
	buf_free(&t->root);
	buf_free(&t->leaf);
	nv_cert_free(t->root_cert);
}

/* Make a token over "message" and verify it at its genTime with the TSA root: NULL or the message. */
static char *made_verify(const struct tsa *t, struct ttst_opts o, size_t *chain_len)
{
	struct buf certs[2] = { t->leaf, t->root }, tok;
	struct nv_tst *parsed;
	struct nv_tst_info info;
	struct nv_cert **chain = NULL, *root = t->root_cert;
	size_t n = 0;
	int64_t at, acc;
	struct ferry_err e;
	char *msg = NULL;

	if (!o.certs) {
		o.certs = certs;
		o.n_certs = 2;
	}
	ttst_make(t->leaf_key, &t->leaf, "message", 7, &o, &tok);
	if (nv_tst_parse(tok.data, tok.len, &parsed, &e) < 0)
		fail_msg("%s", e.msg);
	if (nv_tst_info(parsed, &info, &e) < 0 || nv_tst_info_validate(&info, "message", 7, &at, &acc, &e) < 0)
		msg = xstrdup(e.msg);
	else if (nv_tst_verify(parsed, &root, 1, at, &chain, &n, &e) < 0)
		msg = xstrdup(e.msg);
	if (chain_len)
		*chain_len = n;
	free(chain);
	nv_tst_free(parsed);
	buf_free(&tok);
	return msg;
}

static void expect_made(const struct tsa *t, struct ttst_opts o, const char *want)
{
	char *got = made_verify(t, o, NULL);

	if (!want && got)
		fail_msg("%s", got);
	if (want && (!got || strcmp(got, want) != 0))
		fail_msg("\n got: %s\nwant: %s", got ? got : "(verified)", want);
	free(got);
}

static void test_made_tokens(void **state)
{
	struct tsa t;
	size_t n = 0;
	char *msg;

	(void)state;
	tsa_make(&t, false, NULL);
	msg = made_verify(&t, (struct ttst_opts){ .gen_time = T0 }, &n);
	assert_null(msg);
	assert_int_equal(n, 2);
	/* RSASSA-PSS signer info, SHA-384 / SHA-512 imprints, no issuerSerial (sid lookup), signing time */
	expect_made(&t, (struct ttst_opts){ .gen_time = T0, .pss = 1 }, NULL);
	expect_made(&t, (struct ttst_opts){ .gen_time = T0, .imprint_bits = 384 }, NULL);
	expect_made(&t, (struct ttst_opts){ .gen_time = T0, .imprint_bits = 512, .no_issuer_serial = true }, NULL);
	expect_made(&t, (struct ttst_opts){ .gen_time = T0, .signing_time = T0 }, NULL);
	/* failures, with tspclient's texts */
	expect_made(&t, (struct ttst_opts){ .gen_time = T0, .imprint_bits = 1 },
		    "invalid TSTInfo: unrecognized hash algorithm: 1.3.14.3.2.26");
	expect_made(&t, (struct ttst_opts){ .gen_time = T0, .tamper_signature = true },
		    "failed to verify signed token: cms verification failure: crypto/rsa: verification error");
	expect_made(&t, (struct ttst_opts){ .gen_time = T0, .signer_version = 3 },
		    "failed to verify signed token: cms verification failure: invalid signer info version: only version 1 "
		    "is supported; got 3");
	expect_made(&t, (struct ttst_opts){ .gen_time = T0, .no_signing_cert_v2 = true },
		    "failed to verify signed token: failed to get SigningCertificateV2 from signed attributes: attribute "
		    "not found");
	expect_made(&t, (struct ttst_opts){ .gen_time = T0, .wrong_cert_hash = true },
		    "failed to verify signed token: signing certificate hash does not match CertHash in signed attribute");
	expect_made(&t, (struct ttst_opts){ .gen_time = T0, .wrong_content_type_attr = true },
		    "failed to verify signed token: cms verification failure: mismatch content type: found "
		    "\"1.2.840.113549.1.7.1\" in signer info, and \"1.2.840.113549.1.9.16.1.4\" in signed data");
	expect_made(&t, (struct ttst_opts){ .gen_time = T0, .wrong_message_digest = true },
		    "failed to verify signed token: cms verification failure: mismatch message digest");
	expect_made(&t, (struct ttst_opts){ .gen_time = T0, .signing_time = T0 - 2 * 86400 },
		    "failed to verify signed token: cms verification failure: signing time, 2023-11-12 22:13:20 +0000 UTC, "
		    "is outside certificate's validity period");
	/* the path is built at genTime: before the TSA certificate's validity it fails */
	expect_made(&t, (struct ttst_opts){ .gen_time = T0 - 2 * 86400 },
		    "failed to verify signed token: cms verification failure: x509: certificate has expired or is not yet "
		    "valid: current time 2023-11-12T22:13:20Z is before 2023-11-13T22:13:20Z");
	/* a token without the root still chains to the trusted root */
	expect_made(&t, (struct ttst_opts){ .gen_time = T0, .certs = &t.leaf, .n_certs = 1 }, NULL);
	tsa_free(&t);

	/* ECDSA signer */
	tsa_make(&t, true, NULL);
	expect_made(&t, (struct ttst_opts){ .gen_time = T0 }, NULL);
	tsa_free(&t);
}

static void test_made_tokens_signer_eku(void **state)
{
	struct tcert_opts lo = { .cn = "Test TSA", .org = "Ferry Test", .ekus = eku_ts,
				 .not_before = T0 - 86400, .not_after = T0 + 365 * 86400 };
	struct tsa t;

	(void)state;
	/* timeStamping, not critical */
	tsa_make(&t, true, &lo);
	expect_made(&t, (struct ttst_opts){ .gen_time = T0 },
		    "failed to verify signed token: signing certificate extended key usage extension must be set as "
		    "critical");
	tsa_free(&t);
	/* timeStamping and codeSigning */
	lo.ekus = eku_ts_cs;
	lo.eku_critical = true;
	tsa_make(&t, true, &lo);
	expect_made(&t, (struct ttst_opts){ .gen_time = T0 },
		    "failed to verify signed token: signing certificate must have and only have ExtKeyUsageTimeStamping as "
		    "extended key usage");
	tsa_free(&t);
	/* codeSigning only: the path itself does not allow timestamping */
	lo.ekus = eku_cs;
	tsa_make(&t, true, &lo);
	expect_made(&t, (struct ttst_opts){ .gen_time = T0 },
		    "failed to verify signed token: cms verification failure: x509: certificate specifies an incompatible "
		    "key usage");
	tsa_free(&t);
}

static void test_accuracy(void **state)
{
	struct tsa t;
	struct buf certs[1], tok;
	struct nv_tst *parsed;
	struct nv_tst_info info;
	struct ferry_err e;
	int64_t at, acc;
	static const struct {
		const char *policy;
		int seconds, millis, frac;
		int64_t want_acc;
	} cases[] = {
		{ "0.4.0.2023.1.1", 0, 0, 0, 1000000 },   /* baseline policy without accuracy: 1 s */
		{ "1.2.3.4.1", 0, 0, 0, 0 },              /* any other policy: 0 */
		{ "0.4.0.2023.1.1", 2, 500, 0, 2500000 }, /* seconds + millis */
		{ "1.2.3.4.1", 0, 250, 641, 250000 },     /* fractional genTime */
	};

	(void)state;
	tsa_make(&t, true, NULL);
	certs[0] = t.leaf;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ttst_opts o = { .gen_time = T0, .policy = cases[i].policy, .accuracy_seconds = cases[i].seconds,
				       .accuracy_millis = cases[i].millis, .gen_millis = cases[i].frac,
				       .certs = certs, .n_certs = 1 };

		ttst_make(t.leaf_key, &t.leaf, "message", 7, &o, &tok);
		assert_int_equal(nv_tst_parse(tok.data, tok.len, &parsed, &e), 0);
		assert_int_equal(nv_tst_info(parsed, &info, &e), 0);
		assert_int_equal(nv_tst_info_validate(&info, "message", 7, &at, &acc, &e), 0);
		assert_int_equal(at, (int64_t)T0 * 1000000 + cases[i].frac * 1000);
		assert_int_equal(acc, cases[i].want_acc);
		nv_tst_free(parsed);
		buf_free(&tok);
	}
	tsa_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_vectors_verify),
		cmocka_unit_test(test_token_vectors_lookup),
		cmocka_unit_test(test_token_vectors_info),
		cmocka_unit_test(test_token_vectors_parse),
		cmocka_unit_test(test_cms_vectors),
		cmocka_unit_test(test_ber_to_der),
		cmocka_unit_test(test_ber_depth_bounded),
		cmocka_unit_test(test_made_tokens),
		cmocka_unit_test(test_made_tokens_signer_eku),
		cmocka_unit_test(test_accuracy),
	};
	return cmocka_run_group_tests(tests, vectors_setup, vectors_teardown);
}
