/* test-cert.c - X.509 parsing, subject strings, chain rules and validity
 * messages against the upstream Notation vectors, plus hostile DER. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "notation/cert.h"
#include "notation/cert_internal.h"
#include "notation/gojson.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/mem.h"
#include "util/timeutil.h"
#include "vectors.h"

#define CS "notation-core-go/extracted/x509/codesigning_cert_validations_test/"
#define TS "notation-core-go/x509/testdata/"
#define TRUST "notation-go/verifier/testdata/truststore/x509/"
#define E2E "notation/test/e2e/testdata/config/localkeys/"

static struct nv_cert *load(const char *rel)
{
	size_t n;
	struct nv_cert **v = load_vector_certs(rel, &n), *c;

	assert_int_equal(n, 1);
	c = v[0];
	free(v);
	return c;
}

static void test_subject_strings(void **state)
{
	static const struct {
		const char *file, *subject;
	} cases[] = {
		{ E2E "expired_e2e.crt", "O=Internet Widgits Pty Ltd,ST=Some-State,C=AU" },
		{ E2E "e2e.crt", "CN=e2e,O=Notary,L=Seattle,ST=WA,C=US" },
		{ "notation-go/verifier/testdata/verifier/signing-cert.pem",
		  "CN=SomeCN,OU=SomeOU,O=SomeOrg,L=Seattle,ST=WA,C=US" },
		{ TS "openssl-minimum-self-signed.pem", "OU=TestCert,O=Notation Test,L=Seattle,ST=Washington,C=US" },
		{ TS "timestamp_leaf.crt", "CN=DigiCert Timestamp 2023,O=DigiCert\\, Inc.,C=US" },
		{ TRUST "ca/valid-trust-store/GlobalSign.der", "CN=GlobalSign,OU=GlobalSign Root CA - R3,O=GlobalSign" },
	};
	size_t i;

	need_vectors();
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct nv_cert *c = load(cases[i].file);

		assert_string_equal(c->subject_string, cases[i].subject);
		nv_cert_free(c);
	}
}

static void test_bad_cert_subject(void **state)
{
	struct nv_cert *c;

	need_vectors();
	c = load("notation-go/verifier/testdata/verifier/bad-cert.pem");
	assert_non_null(strstr(c->subject_string, "=#"));
	assert_string_equal(c->subject_string, "CN=Bad=#CN,OU=SomeOU,O=SomeOrg,L=Seattle,ST=WA,C=US");
	assert_int_equal(c->version, 1);
	nv_cert_free(c);
}

static void test_fields(void **state)
{
	struct nv_cert *root, *leaf, *tsa;

	need_vectors();
	root = load(CS "rootCertPem.pem");
	assert_int_equal(root->version, 3);
	assert_true(root->has_basic_constraints && root->is_ca && root->has_path_len);
	assert_int_equal(root->path_len, 2);
	assert_true(root->has_key_usage && root->key_usage_critical);
	assert_int_equal(root->key_usage, NV_KU_KEY_CERT_SIGN);
	assert_int_equal(root->key_type, NV_KEY_RSA);
	assert_int_equal(root->key_bits, 2048);
	assert_memory_equal(root->raw_subject, root->raw_issuer, root->raw_subject_len);
	nv_cert_free(root);

	leaf = load(CS "intermediateCertPem2.pem");
	assert_true(leaf->has_path_len); /* explicit pathLenConstraint 0 */
	assert_int_equal(leaf->path_len, 0);
	nv_cert_free(leaf);

	tsa = load(TS "timestamp_leaf.crt");
	assert_true(tsa->has_eku && tsa->eku_critical);
	assert_int_equal(tsa->n_eku, 1);
	assert_string_equal(tsa->eku_oids[0], "1.3.6.1.5.5.7.3.8");
	assert_int_equal(tsa->n_ocsp, 1);
	assert_string_equal(tsa->ocsp_urls[0], "http://ocsp.digicert.com");
	assert_int_equal(tsa->n_crl, 1);
	assert_string_equal(tsa->crl_urls[0], "http://crl3.digicert.com/DigiCertTrustedG4RSA4096SHA256TimeStampingCA.crl");
	assert_int_equal(tsa->key_bits, 4096);
	assert_int_equal(nv_cert_signing_alg(tsa), NV_ALG_PS512);
	nv_cert_free(tsa);
}

static void test_thumbprint(void **state)
{
	struct nv_cert *a, *b;
	struct buf raw;
	unsigned char want[32];

	need_vectors();
	a = load(TRUST "ca/valid-trust-store/GlobalSign.der");
	b = load(TRUST "ca/valid-trust-store/GlobalSignRootCA.crt");
	assert_true(nv_cert_equal(a, b)); /* same certificate, DER and PEM */
	read_vector_buf(TRUST "ca/valid-trust-store/GlobalSign.der", &raw);
	sha256_raw(raw.data, raw.len, want);
	assert_memory_equal(a->sha256, want, 32);
	buf_free(&raw);
	nv_cert_free(a);
	nv_cert_free(b);
}

static void test_alg_table(void **state)
{
	static const struct {
		const char *file;
		enum nv_alg alg;
		const char *jws;
		int cose;
	} cases[] = {
		{ E2E "e2e.crt", NV_ALG_PS256, "PS256", -37 },
		{ TRUST "ca/valid-trust-store/NotationTestRoot.pem", NV_ALG_PS384, "PS384", -38 },
		{ TS "openssl-minimum-self-signed.pem", NV_ALG_PS512, "PS512", -39 },
	};
	size_t i;

	need_vectors();
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct nv_cert *c = load(cases[i].file);

		assert_int_equal(nv_cert_signing_alg(c), cases[i].alg);
		assert_string_equal(nv_alg_jws_name(cases[i].alg), cases[i].jws);
		assert_int_equal(nv_alg_cose_id(cases[i].alg), cases[i].cose);
		nv_cert_free(c);
	}
	assert_string_equal(nv_alg_jws_name(NV_ALG_ES384), "ES384");
	assert_int_equal(nv_alg_cose_id(NV_ALG_ES256), -7);
	assert_int_equal(nv_alg_cose_id(NV_ALG_ES384), -35);
	assert_int_equal(nv_alg_cose_id(NV_ALG_ES512), -36);
}

/* Chain of vector files, validated with the code-signing or TSA rules. */
static void expect_chain(bool timestamping, const char *want, const char *const *files)
{
	struct nv_cert *chain[8];
	struct ferry_err e = { 0 };
	size_t n = 0, i;
	int rc;

	while (files[n])
		chain[n] = load(files[n]), n++;
	rc = timestamping ? nv_chain_validate_timestamping(chain, n, &e) : nv_chain_validate_codesigning(chain, n, &e);
	if (want) {
		assert_int_equal(rc, -1);
		assert_string_equal(e.msg, want);
	} else {
		if (rc != 0)
			fail_msg("unexpected chain failure: %s", e.msg);
	}
	for (i = 0; i < n; i++)
		nv_cert_free(chain[i]);
}

#define CHAIN(ts, want, ...) expect_chain(ts, want, (const char *const[]){ __VA_ARGS__, NULL })

static void test_codesigning_chains(void **state)
{
	need_vectors();
	CHAIN(false, NULL, CS "codeSigningLeafPem.pem", CS "intermediateCertPem2.pem", CS "intermediateCertPem1.pem",
	      CS "rootCertPem.pem");
	CHAIN(false,
	      "invalid certificates or certificate with subject \"CN=CodeSigningLeaf\" is not issued by \"CN=Intermediate1\". Error: crypto/rsa: verification error",
	      CS "codeSigningLeafPem.pem", CS "intermediateCertPem1.pem", CS "intermediateCertPem2.pem", CS "rootCertPem.pem");
	CHAIN(false,
	      "root certificate with subject \"CN=Intermediate1\" is invalid or not self-signed. Certificate chain must end with a valid self-signed root certificate. Error: crypto/rsa: verification error",
	      CS "codeSigningLeafPem.pem", CS "intermediateCertPem2.pem", CS "intermediateCertPem1.pem");
	CHAIN(false,
	      "leaf certificate with subject \"CN=Root\" is self-signed. Certificate chain must not contain self-signed leaf certificate",
	      CS "rootCertPem.pem", CS "rootCertPem.pem", CS "rootCertPem.pem");
	CHAIN(false,
	      "intermediate certificate with subject \"CN=Root\" is self-signed. Certificate chain must not contain self-signed intermediate certificate",
	      CS "codeSigningLeafPem.pem", CS "intermediateCertPem2.pem", CS "intermediateCertPem1.pem", CS "rootCertPem.pem",
	      CS "rootCertPem.pem");
	CHAIN(false,
	      "invalid certificates or certificate with subject \"CN=CodeSigningLeaf\" is not issued by \"CN=Hello\". Error: x509: invalid signature: parent certificate cannot sign this kind of certificate",
	      CS "codeSigningLeafPem.pem", CS "unrelatedCertPem.pem", CS "intermediateCertPem1.pem", CS "rootCertPem.pem");
	CHAIN(false, "certificate with subject \"CN=Intermediate2\": expected path length of 1 but certificate has path length 0 instead",
	      CS "codeSigningLeafInvalidPathLenPem.pem", CS "intermediateCertInvalidPathLenPem.pem",
	      CS "intermediateCertPem2.pem", CS "intermediateCertPem1.pem", CS "rootCertPem.pem");
	CHAIN(false, "invalid self-signed certificate. subject: \"CN=CodeSigningLeaf\". Error: crypto/rsa: verification error",
	      CS "codeSigningLeafPem.pem");
	CHAIN(false,
	      "invalid self-signed certificate. subject: \"CN=Notation Test Revokable RSA Chain Cert 2,O=Notary,L=Seattle,ST=WA,C=US\". Error: issuer(CN=Notation Test Revokable RSA Chain Cert Root,O=Notary,L=Seattle,ST=WA,C=US) and subject(CN=Notation Test Revokable RSA Chain Cert 2,O=Notary,L=Seattle,ST=WA,C=US) are not the same",
	      TRUST "tsa/test-nonSelfIssued/nonSelfIssued.crt");
	CHAIN(false,
	      "invalid self-signed certificate. Error: certificate with subject \"CN=Hello\": extended key usage must not contain Timestamping eku",
	      CS "unrelatedCertPem.pem");
	CHAIN(false,
	      "invalid self-signed certificate. Error: certificate with subject \"CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US\": if the basic constraints extension is present, the ca field must be set to false",
	      TRUST "ca/valid-trust-store/NotationTestRoot.pem");
	CHAIN(false,
	      "invalid self-signed certificate. Error: certificate with subject \"CN=Bad=#CN,OU=SomeOU,O=SomeOrg,L=Seattle,ST=WA,C=US\": key usage extension must be present",
	      "notation-go/verifier/testdata/verifier/bad-cert.pem");
	CHAIN(false, NULL, TS "openssl-minimum-self-signed.pem");
	CHAIN(false, NULL, E2E "expired_e2e.crt"); /* validity is not part of the chain rules */
	CHAIN(false, NULL, "notation-go/derived/alpine-selfsigned-2000-2123.pem");
}

static void test_timestamping_chains(void **state)
{
	need_vectors();
	CHAIN(true, NULL, TS "timestamp_leaf.crt", TS "timestamp_intermediate.crt", TS "timestamp_root.crt");
	CHAIN(true,
	      "invalid self-signed certificate. subject: \"CN=DigiCert Timestamp 2023,O=DigiCert\\\\, Inc.,C=US\". Error: crypto/rsa: verification error",
	      TS "timestamp_leaf.crt");
	CHAIN(true,
	      "root certificate with subject \"CN=DigiCert Trusted G4 RSA4096 SHA256 TimeStamping CA,O=DigiCert\\\\, Inc.,C=US\" is invalid or not self-signed. Certificate chain must end with a valid self-signed root certificate. Error: crypto/rsa: verification error",
	      TS "timestamp_leaf.crt", TS "timestamp_intermediate.crt");
	CHAIN(true,
	      "leaf certificate with subject \"CN=DigiCert Trusted Root G4,OU=www.digicert.com,O=DigiCert Inc,C=US\" is self-signed. Certificate chain must not contain self-signed leaf certificate",
	      TS "timestamp_root.crt", TS "timestamp_root.crt");
	CHAIN(true,
	      "intermediate certificate with subject \"CN=DigiCert Trusted Root G4,OU=www.digicert.com,O=DigiCert Inc,C=US\" is self-signed. Certificate chain must not contain self-signed intermediate certificate",
	      TS "timestamp_leaf.crt", TS "timestamp_intermediate.crt", TS "timestamp_root.crt", TS "timestamp_root.crt");
	CHAIN(true,
	      "invalid certificates or certificate with subject \"CN=DigiCert Timestamp 2023,O=DigiCert\\\\, Inc.,C=US\" is not issued by \"CN=Intermediate2\". Error: crypto/rsa: verification error",
	      TS "timestamp_leaf.crt", CS "intermediateCertPem2.pem", CS "intermediateCertPem1.pem", CS "rootCertPem.pem");
	/* a code-signing leaf is not a TSA leaf */
	CHAIN(true,
	      "invalid self-signed certificate. Error: timestamp signing certificate with subject \"CN=e2e,O=Notary,L=Seattle,ST=WA,C=US\" must have and only have Timestamping as extended key usage",
	      E2E "e2e.crt");
}

static void test_empty_chain(void **state)
{
	struct ferry_err e = { 0 };

	assert_int_equal(nv_chain_validate_codesigning(NULL, 0, &e), -1);
	assert_string_equal(e.msg, "certificate chain must contain at least one certificate");
	assert_string_equal(e.reason, "VerificationError");
	assert_int_equal(nv_chain_validate_timestamping(NULL, 0, &e), -1);
	assert_string_equal(e.msg, "certificate chain must contain at least one certificate");
}

static void test_signature_from(void **state)
{
	struct nv_cert *root, *int1, *leaf, *hello;
	struct ferry_err e = { 0 };

	need_vectors();
	root = load(CS "rootCertPem.pem");
	int1 = load(CS "intermediateCertPem1.pem");
	leaf = load(CS "codeSigningLeafPem.pem");
	hello = load(CS "unrelatedCertPem.pem");
	assert_int_equal(nv_cert_check_signature_from(int1, root, &e), 0);
	assert_int_equal(nv_cert_check_signature_from(root, root, &e), 0);
	assert_int_equal(nv_cert_check_signature_from(leaf, root, &e), -1);
	assert_string_equal(e.msg, "crypto/rsa: verification error");
	/* a non-CA parent is refused before any signature math */
	assert_int_equal(nv_cert_check_signature_from(hello, hello, &e), -1);
	assert_string_equal(e.msg, "x509: invalid signature: parent certificate cannot sign this kind of certificate");
	assert_true(nv_cert_is_self_signed(hello)); /* the lower-level check has no CA constraint */
	assert_true(nv_cert_is_self_signed(root));
	assert_false(nv_cert_is_self_signed(int1));
	nv_cert_free(root);
	nv_cert_free(int1);
	nv_cert_free(leaf);
	nv_cert_free(hello);
}

static void test_validity_messages(void **state)
{
	struct nv_cert *expired, *future;
	struct ferry_err e = { 0 };
	int64_t now;

	need_vectors();
	assert_int_equal(ftime_parse_rfc3339("2026-06-01T00:00:00Z", &now, NULL), 0);
	expired = load(E2E "expired_e2e.crt");
	future = load(TRUST "ca/valid-trust-store/TestTimestampNotYetValid.crt");
	assert_int_equal(nv_chain_check_validity(&expired, 1, now, &e), -1);
	assert_string_equal(e.msg, "verification time is after certificate \"O=Internet Widgits Pty Ltd,ST=Some-State,C=AU\" validity period, it was expired at \"Tue, 27 Jun 2023 06:10:00 +0000\"");
	assert_int_equal(nv_chain_check_validity(&future, 1, now, &e), -1);
	assert_string_equal(e.msg, "verification time is before certificate \"CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US\" validity period, it will be valid from \"Fri, 18 Sep 2099 11:54:34 +0000\"");
	/* bounds are inclusive */
	assert_int_equal(nv_chain_check_validity(&expired, 1, expired->not_after, &e), 0);
	assert_int_equal(nv_chain_check_validity(&expired, 1, expired->not_before, &e), 0);
	assert_int_equal(nv_chain_check_validity(&expired, 1, expired->not_after + 1, &e), -1);
	nv_cert_free(expired);
	nv_cert_free(future);
}

static void test_multi_pem_and_der(void **state)
{
	struct nv_cert **v;
	size_t n;
	struct buf pem, der, cat = BUF_INIT(0);
	struct ferry_err e = { 0 };

	need_vectors();
	v = load_vector_certs(TRUST "ca/trust-store-with-leaf-certs-in-single-file/RootAndLeafCerts.crt", &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[0]->subject_string, "CN=wabbit-networks.io,O=Notary,L=Seattle,ST=WA,C=US");
	assert_string_equal(v[1]->subject_string, "CN=wabbit-networks.io CA,O=Notary,L=Seattle,ST=WA,C=US");
	nv_certs_free(v, n);

	/* PEM blocks with text around and between them (any block type) */
	read_vector_buf(E2E "e2e.crt", &pem);
	buf_append_str(&cat, "leading text\n");
	buf_append(&cat, pem.data, pem.len);
	buf_append_str(&cat, "between\n");
	buf_append(&cat, pem.data, pem.len);
	assert_int_equal(nv_certs_parse(cat.data, cat.len, &v, &n, &e), 0);
	assert_int_equal(n, 2);
	nv_certs_free(v, n);

	/* concatenated DER */
	read_vector_buf(TRUST "ca/valid-trust-store/GlobalSign.der", &der);
	buf_reset(&cat);
	buf_append(&cat, der.data, der.len);
	buf_append(&cat, der.data, der.len);
	assert_int_equal(nv_certs_parse(cat.data, cat.len, &v, &n, &e), 0);
	assert_int_equal(n, 2);
	nv_certs_free(v, n);

	/* empty input: no certificates, no error */
	assert_int_equal(nv_certs_parse("", 0, &v, &n, &e), 0);
	assert_int_equal(n, 0);
	nv_certs_free(v, n);

	/* a PEM block that is not a certificate fails the file */
	buf_reset(&cat);
	buf_append(&cat, pem.data, pem.len);
	buf_append_str(&cat, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
	assert_int_equal(nv_certs_parse(cat.data, cat.len, &v, &n, &e), -1);
	assert_string_equal(e.msg, "x509: malformed certificate");

	buf_free(&cat);
	buf_free(&pem);
	buf_free(&der);
}

static void expect_der_error(const unsigned char *p, size_t n, const char *want)
{
	struct nv_cert *c = NULL;
	struct ferry_err e = { 0 };

	assert_int_equal(nv_cert_parse_der(p, n, &c, &e), -1);
	assert_null(c);
	assert_string_equal(e.msg, want);
}

static void test_hostile_der(void **state)
{
	struct buf der, mod = BUF_INIT(0);
	size_t i;

	need_vectors();
	read_vector_buf("notation-go/verifier/testdata/truststore/x509/ca/trust-store-with-invalid-certs/invalid", &der);
	expect_der_error(der.data, der.len, "x509: malformed certificate");
	buf_free(&der);

	read_vector_buf(TRUST "ca/valid-trust-store/GlobalSign.der", &der);
	/* every truncation fails cleanly */
	for (i = 0; i < der.len; i += 7) {
		struct nv_cert *c = NULL;
		struct ferry_err e = { 0 };
		assert_int_equal(nv_cert_parse_der(der.data, i, &c, &e), -1);
	}
	/* trailing garbage after the certificate */
	buf_append(&mod, der.data, der.len);
	buf_append(&mod, "\0", 1);
	expect_der_error(mod.data, mod.len, "x509: trailing data");

	/* GlobalSign R3: 30 82 03 5f | 30 82 02 47 | a0 03 02 01 02 | 02 0b <serial> */
	assert_int_equal(der.data[13], 0x02);
	buf_reset(&mod);
	buf_append(&mod, der.data, der.len);
	mod.data[15] |= 0x80; /* serial becomes negative */
	expect_der_error(mod.data, mod.len, "x509: negative serial number");
	buf_reset(&mod);
	buf_append(&mod, der.data, der.len);
	mod.data[12] = 0x03; /* version 4 */
	expect_der_error(mod.data, mod.len, "x509: invalid version");
	buf_reset(&mod);
	buf_append(&mod, der.data, der.len);
	mod.data[1] = 0x80; /* indefinite outer length */
	expect_der_error(mod.data, mod.len, "x509: malformed certificate");
	buf_free(&mod);
	buf_free(&der);
}

/* ---- names built by hand: Go's pkix.Name.String() and parse errors ---- */

#define OID_C  "\x55\x04\x06"
#define OID_O  "\x55\x04\x0a"
#define OID_OU "\x55\x04\x0b"
#define OID_CN "\x55\x04\x03"
#define OID_SN "\x55\x04\x05"
#define OID_GN "\x55\x04\x2a"
#define OID_EMAIL "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01"

static void put(struct buf *b, unsigned tag, const void *p, size_t n)
{
	unsigned char h[2] = { (unsigned char)tag, (unsigned char)n };

	assert_true(n < 0x80);
	buf_append(b, h, 2);
	buf_append(b, p, n);
}

/* Append one attribute to an RDN set under construction. */
static void atv(struct buf *set, const char *oid, unsigned tag, const char *value, size_t len)
{
	struct buf a = BUF_INIT(0);

	put(&a, 0x06, oid, strlen(oid));
	put(&a, tag, value, len);
	put(set, 0x30, a.data, a.len);
	buf_free(&a);
}

static void rdn(struct buf *seq, struct buf *set)
{
	put(seq, 0x31, set->data, set->len);
	buf_reset(set);
}

static void one(struct buf *seq, const char *oid, unsigned tag, const char *value)
{
	struct buf set = BUF_INIT(0);

	atv(&set, oid, tag, value, strlen(value));
	rdn(seq, &set);
	buf_free(&set);
}

static void expect_name(const struct buf *seq, const char *want_string, const char *want_error)
{
	struct buf name = BUF_INIT(0);
	struct nv_name_attr *attrs = NULL;
	size_t n = 0;
	const char *why = NULL;
	int rc;

	put(&name, 0x30, seq->data, seq->len);
	rc = nv_name_parse(name.data, name.len, &attrs, &n, &why);
	if (want_error) {
		assert_int_equal(rc, -1);
		assert_string_equal(why, want_error);
	} else {
		char *s;

		assert_int_equal(rc, 0);
		s = nv_name_string(attrs, n);
		assert_string_equal(s, want_string);
		free(s);
		nv_name_free(attrs, n);
	}
	buf_free(&name);
}

static void test_name_strings(void **state)
{
	struct buf seq = BUF_INIT(0), set = BUF_INIT(0);

	/* standard types in Go's fixed order, repeated types as one RDN, the
	 * last CN wins, other types re-marshalled as #hex at the end */
	one(&seq, OID_C, 0x13, "US");
	one(&seq, OID_O, 0x0c, "Org");
	one(&seq, OID_OU, 0x0c, "b");
	one(&seq, OID_OU, 0x0c, "a");
	one(&seq, OID_CN, 0x0c, "first");
	one(&seq, OID_CN, 0x0c, "second");
	one(&seq, OID_GN, 0x0c, "Jane");
	one(&seq, OID_EMAIL, 0x16, "a@b.c");
	expect_name(&seq, "CN=second,OU=b+OU=a,O=Org,C=US,1.2.840.113549.1.9.1=#0c056140622e63,2.5.4.42=#13044a616e65",
		    NULL);

	/* a multi-valued RDN of standard types is split as Go does */
	buf_reset(&seq);
	atv(&set, OID_CN, 0x0c, "x", 1);
	atv(&set, OID_O, 0x0c, "y", 1);
	rdn(&seq, &set);
	expect_name(&seq, "CN=x,O=y", NULL);

	/* escaping */
	buf_reset(&seq);
	one(&seq, OID_O, 0x0c, " lead");
	one(&seq, OID_CN, 0x0c, "#a,b+c\"d\\e<f>g;h ");
	expect_name(&seq, "CN=\\#a\\,b\\+c\\\"d\\\\e\\<f\\>g\\;h\\ ,O=\\ lead", NULL);

	/* an empty CommonName is not rendered; the last serial number wins */
	buf_reset(&seq);
	one(&seq, OID_O, 0x0c, "o");
	one(&seq, OID_CN, 0x0c, "");
	one(&seq, OID_SN, 0x13, "1");
	one(&seq, OID_SN, 0x13, "2");
	expect_name(&seq, "SERIALNUMBER=2,O=o", NULL);

	/* T61String is read as Latin-1 */
	buf_reset(&seq);
	one(&seq, OID_CN, 0x14, "caf\xe9");
	expect_name(&seq, "CN=caf\xc3\xa9", NULL);

	/* what Go's parser refuses */
	buf_reset(&seq);
	one(&seq, OID_CN, 0x13, "a@b");
	expect_name(&seq, NULL, "x509: invalid RDNSequence: invalid attribute value: invalid PrintableString");
	buf_reset(&seq);
	atv(&set, OID_CN, 0x1c, "\0\0\0a", 4);
	rdn(&seq, &set);
	expect_name(&seq, NULL, "x509: invalid RDNSequence: invalid attribute value: unsupported string type: 28");
	buf_reset(&seq);
	put(&seq, 0x30, "", 0); /* an attribute outside a SET */
	expect_name(&seq, NULL, "x509: invalid RDNSequence");
	buf_free(&seq);
	buf_free(&set);
}

static void test_go_quote(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "CN=a,O=b", "\"CN=a,O=b\"" },
		{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ "\n\t\x01\x7f", "\"\\n\\t\\x01\\x7f\"" },
		{ "caf\xc3\xa9 \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"" },
		{ "\xff", "\"\\xff\"" },
		{ "\xc2\xa0", "\"\\u00a0\"" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *q = gj_quote(cases[i].in);

		assert_string_equal(q, cases[i].out);
		free(q);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subject_strings),
		cmocka_unit_test(test_bad_cert_subject),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_thumbprint),
		cmocka_unit_test(test_alg_table),
		cmocka_unit_test(test_codesigning_chains),
		cmocka_unit_test(test_timestamping_chains),
		cmocka_unit_test(test_empty_chain),
		cmocka_unit_test(test_signature_from),
		cmocka_unit_test(test_validity_messages),
		cmocka_unit_test(test_multi_pem_and_der),
		cmocka_unit_test(test_hostile_der),
		cmocka_unit_test(test_name_strings),
		cmocka_unit_test(test_go_quote),
	};
	return cmocka_run_group_tests(tests, vectors_setup, vectors_teardown);
}
