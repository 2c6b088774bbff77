/* cert_chain.c - certificate signatures (Go's CheckSignature /
 * CheckSignatureFrom), Notation's code-signing and timestamping chain rules
 * (notation-core-go x509), validity periods, the key -> algorithm table and
 * signature verification with a leaf's key. */
#include "notation/cert_internal.h"
#include "notation/der.h"
#include "notation/gojson.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <wolfssl/wolfcrypt/ed25519.h>

#define REASON "VerificationError"

#define OID_RSA_PSS "1.2.840.113549.1.1.10"
#define OID_MGF1    "1.2.840.113549.1.1.8"
#define OID_SHA256  "2.16.840.1.101.3.4.2.1"
#define OID_SHA384  "2.16.840.1.101.3.4.2.2"
#define OID_SHA512  "2.16.840.1.101.3.4.2.3"

#define EKU_SERVER_AUTH  "1.3.6.1.5.5.7.3.1"
#define EKU_CLIENT_AUTH  "1.3.6.1.5.5.7.3.2"
#define EKU_EMAIL        "1.3.6.1.5.5.7.3.4"
#define EKU_TIMESTAMPING "1.3.6.1.5.5.7.3.8"
#define EKU_OCSP_SIGNING "1.3.6.1.5.5.7.3.9"

#define MSG_CANNOT_SIGN "x509: invalid signature: parent certificate cannot sign this kind of certificate"
#define MSG_UNIMPLEMENTED "x509: cannot verify signature: algorithm unimplemented"

enum pk_algo { PK_UNKNOWN = 0, PK_RSA, PK_DSA, PK_ECDSA, PK_ED25519 };

struct sig_algo {
	const char *oid;
	const char *name;
	enum pk_algo pk;
	enum wc_HashType hash;   /* WC_HASH_TYPE_NONE: no usable hash */
	bool pss;
};

static const struct sig_algo sig_algos[] = {
	{ "1.2.840.113549.1.1.2", "MD2-RSA", PK_RSA, WC_HASH_TYPE_NONE, false },
	{ "1.2.840.113549.1.1.4", "MD5-RSA", PK_RSA, WC_HASH_TYPE_MD5, false },
	{ "1.2.840.113549.1.1.5", "SHA1-RSA", PK_RSA, WC_HASH_TYPE_SHA, false },
	{ "1.3.14.3.2.29", "SHA1-RSA", PK_RSA, WC_HASH_TYPE_SHA, false },
	{ "1.2.840.113549.1.1.11", "SHA256-RSA", PK_RSA, WC_HASH_TYPE_SHA256, false },
	{ "1.2.840.113549.1.1.12", "SHA384-RSA", PK_RSA, WC_HASH_TYPE_SHA384, false },
	{ "1.2.840.113549.1.1.13", "SHA512-RSA", PK_RSA, WC_HASH_TYPE_SHA512, false },
	{ "1.2.840.10040.4.3", "DSA-SHA1", PK_DSA, WC_HASH_TYPE_SHA, false },
	{ "2.16.840.1.101.3.4.3.2", "DSA-SHA256", PK_DSA, WC_HASH_TYPE_SHA256, false },
	{ "1.2.840.10045.4.1", "ECDSA-SHA1", PK_ECDSA, WC_HASH_TYPE_SHA, false },
	{ "1.2.840.10045.4.3.2", "ECDSA-SHA256", PK_ECDSA, WC_HASH_TYPE_SHA256, false },
	{ "1.2.840.10045.4.3.3", "ECDSA-SHA384", PK_ECDSA, WC_HASH_TYPE_SHA384, false },
	{ "1.2.840.10045.4.3.4", "ECDSA-SHA512", PK_ECDSA, WC_HASH_TYPE_SHA512, false },
	{ "1.3.101.112", "Ed25519", PK_ED25519, WC_HASH_TYPE_NONE, false },
};

static const struct sig_algo pss_algos[] = {
	{ OID_RSA_PSS, "SHA256-RSAPSS", PK_RSA, WC_HASH_TYPE_SHA256, true },
	{ OID_RSA_PSS, "SHA384-RSAPSS", PK_RSA, WC_HASH_TYPE_SHA384, true },
	{ OID_RSA_PSS, "SHA512-RSAPSS", PK_RSA, WC_HASH_TYPE_SHA512, true },
};

/* AlgorithmIdentifier{hash OID, absent or NULL params} -> index 0/1/2 for
 * SHA-256/384/512, -1 otherwise. */
static int pss_hash_index(struct der d)
{
	static const char *const oids[] = { OID_SHA256, OID_SHA384, OID_SHA512 };
	struct der_tlv t, params;
	char oid[DER_OID_STR_MAX];
	size_t i;

	if (der_read_tag(&d, DER_SEQUENCE, &t) < 0 || !der_empty(&d))
		return -1;
	d = der_contents(&t);
	if (der_read_tag(&d, DER_OID, &t) < 0 || der_oid_tlv_string(&t, oid) < 0)
		return -1;
	if (!der_empty(&d) && (der_read(&d, &params) < 0 || params.tag != DER_NULL || params.val_len != 0))
		return -1;
	if (!der_empty(&d))
		return -1;
	for (i = 0; i < ARRAY_SIZE(oids); i++)
		if (!strcmp(oid, oids[i]))
			return (int)i;
	return -1;
}

/* Go's getSignatureAlgorithmFromAI for RSASSA-PSS: hash and MGF1 hash equal,
 * salt = hash length, trailer 1; anything else is an unknown algorithm. */
static const struct sig_algo *pss_algo(const unsigned char *params, size_t params_len)
{
	static const int64_t salts[] = { 32, 48, 64 };
	struct der d, seq, inner;
	struct der_tlv t;
	char oid[DER_OID_STR_MAX];
	int64_t salt, trailer;
	bool present;
	int h, mh;

	if (!params)
		return NULL;
	d = der_init(params, params_len);
	if (der_read_tag(&d, DER_SEQUENCE, &t) < 0)
		return NULL;
	seq = der_contents(&t);
	if (der_read_tag(&seq, DER_CTX_CONS(0), &t) < 0 || (h = pss_hash_index(der_contents(&t))) < 0)
		return NULL;
	if (der_read_tag(&seq, DER_CTX_CONS(1), &t) < 0)
		return NULL;
	inner = der_contents(&t);
	if (der_read_tag(&inner, DER_SEQUENCE, &t) < 0 || !der_empty(&inner))
		return NULL;
	inner = der_contents(&t);
	if (der_read_tag(&inner, DER_OID, &t) < 0 || der_oid_tlv_string(&t, oid) < 0 || strcmp(oid, OID_MGF1))
		return NULL;
	if ((mh = pss_hash_index(inner)) != h)
		return NULL;
	if (der_read_tag(&seq, DER_CTX_CONS(2), &t) < 0)
		return NULL;
	inner = der_contents(&t);
	if (der_read(&inner, &t) < 0 || !der_empty(&inner) || der_integer_i64(&t, &salt) < 0 || salt != salts[h])
		return NULL;
	if (der_read_optional(&seq, DER_CTX_CONS(3), &t, &present) < 0)
		return NULL;
	if (present) {
		inner = der_contents(&t);
		if (der_read(&inner, &t) < 0 || !der_empty(&inner) || der_integer_i64(&t, &trailer) < 0 || trailer != 1)
			return NULL;
	}
	if (!der_empty(&seq))
		return NULL;
	return &pss_algos[h];
}

static const struct sig_algo *ai_sig_algo(const char *alg_oid, const unsigned char *params, size_t params_len)
{
	size_t i;

	if (!strcmp(alg_oid, OID_RSA_PSS))
		return pss_algo(params, params_len);
	for (i = 0; i < ARRAY_SIZE(sig_algos); i++) {
		if (!strcmp(alg_oid, sig_algos[i].oid)) {
			if (sig_algos[i].pk == PK_ED25519 && params)
				return NULL;
			return &sig_algos[i];
		}
	}
	return NULL;
}

static const struct sig_algo *cert_sig_algo(const struct nv_cert *c)
{
	return ai_sig_algo(c->sig_alg_oid, c->sig_alg_params, c->sig_alg_params_len);
}

static enum pk_algo key_algo(const struct nvc_key *k)
{
	switch (k->kind) {
	case NVC_KEY_RSA: return PK_RSA;
	case NVC_KEY_EC: return PK_ECDSA;
	case NVC_KEY_ED25519: return PK_ED25519;
	default: return PK_UNKNOWN;
	}
}

static const char *pk_name(enum pk_algo a)
{
	switch (a) {
	case PK_RSA: return "RSA";
	case PK_DSA: return "DSA";
	case PK_ECDSA: return "ECDSA";
	case PK_ED25519: return "Ed25519";
	default: return "unknown";
	}
}

static const char *go_key_type(enum pk_algo a)
{
	switch (a) {
	case PK_RSA: return "*rsa.PublicKey";
	case PK_ECDSA: return "*ecdsa.PublicKey";
	default: return "ed25519.PublicKey";
	}
}

static int ed25519_verify(const struct nvc_key *key, const unsigned char *msg, size_t len,
			  const unsigned char *sig, size_t sig_len)
{
	ed25519_key k;
	int ok = 0, rc;

	if (sig_len != ED25519_SIG_SIZE || wc_ed25519_init(&k) != 0)
		return -1;
	rc = wc_ed25519_import_public(key->point, (word32)key->point_len, &k);
	if (rc == 0)
		rc = wc_ed25519_verify_msg(sig, (word32)sig_len, msg, (word32)len, &ok, &k);
	wc_ed25519_free(&k);
	return rc == 0 && ok == 1 ? 0 : -1;
}

static int check_with(const struct sig_algo *algo, const struct nv_cert *signer, bool allow_sha1,
		      const unsigned char *data, size_t data_len, const unsigned char *sig, size_t sig_len,
		      char *err, size_t err_len)
{
	unsigned char digest[WC_MAX_DIGEST_SIZE];
	struct nvc_key key;
	enum pk_algo have;
	const char *why;

	if (!algo || (algo->hash == WC_HASH_TYPE_NONE && algo->pk != PK_ED25519)) {
		snprintf(err, err_len, "%s", MSG_UNIMPLEMENTED);
		return -1;
	}
	if (algo->hash == WC_HASH_TYPE_MD5 || (algo->hash == WC_HASH_TYPE_SHA && !allow_sha1)) {
		snprintf(err, err_len, "x509: cannot verify signature: insecure algorithm %s", algo->name);
		return -1;
	}
	if (algo->hash != WC_HASH_TYPE_NONE && nvc_hash(algo->hash, data, data_len, digest) < 0) {
		snprintf(err, err_len, "%s", MSG_UNIMPLEMENTED);
		return -1;
	}
	if (nvc_parse_spki(signer->spki, signer->spki_len, &key, &why) < 0) {
		snprintf(err, err_len, "%s", why);
		return -1;
	}
	have = key_algo(&key);
	if (have == PK_UNKNOWN) {
		snprintf(err, err_len, "%s", MSG_UNIMPLEMENTED);
		return -1;
	}
	if (have != algo->pk) {
		snprintf(err, err_len, "x509: signature algorithm specifies an %s public key, but have public key of type %s",
			 pk_name(algo->pk), go_key_type(have));
		return -1;
	}
	switch (have) {
	case PK_RSA:
		if ((algo->pss ? nvc_rsa_pss_verify(&key, algo->hash, digest, sig, sig_len,
						    (int)nvc_hash_size(algo->hash))
			       : nvc_rsa_pkcs1v15_verify(&key, algo->hash, digest, sig, sig_len)) < 0) {
			snprintf(err, err_len, "crypto/rsa: verification error");
			return -1;
		}
		return 0;
	case PK_ECDSA:
		if (nvc_ecdsa_verify_der(&key, digest, nvc_hash_size(algo->hash), sig, sig_len) < 0) {
			snprintf(err, err_len, "x509: ECDSA verification failure");
			return -1;
		}
		return 0;
	case PK_ED25519:
		if (ed25519_verify(&key, data, data_len, sig, sig_len) < 0) {
			snprintf(err, err_len, "x509: Ed25519 verification failure");
			return -1;
		}
		return 0;
	default:
		snprintf(err, err_len, "%s", MSG_UNIMPLEMENTED);
		return -1;
	}
}

int nv_cert_check_signature_raw(const struct nv_cert *c, const struct nv_cert *signer, bool allow_sha1,
				char *err, size_t err_len)
{
	return check_with(cert_sig_algo(c), signer, allow_sha1, c->tbs, c->tbs_len, c->signature, c->signature_len,
			  err, err_len);
}

int nv_check_signature_ai(const struct nv_cert *signer, const char *alg_oid, const unsigned char *params,
			  size_t params_len, bool allow_sha1, const void *data, size_t len, const unsigned char *sig,
			  size_t sig_len, char *err, size_t err_len)
{
	return check_with(ai_sig_algo(alg_oid, params, params_len), signer, allow_sha1, data, len, sig, sig_len, err,
			  err_len);
}

int nv_check_signature_named(const struct nv_cert *signer, const char *name, const void *data, size_t len,
			     const unsigned char *sig, size_t sig_len, char *err, size_t err_len)
{
	const struct sig_algo *algo = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sig_algos) && !algo; i++)
		if (!strcmp(sig_algos[i].name, name))
			algo = &sig_algos[i];
	for (i = 0; i < ARRAY_SIZE(pss_algos) && !algo; i++)
		if (!strcmp(pss_algos[i].name, name))
			algo = &pss_algos[i];
	return check_with(algo, signer, true, data, len, sig, sig_len, err, err_len);
}

static int check_signature_from(const struct nv_cert *child, const struct nv_cert *parent, char *err, size_t n)
{
	if ((parent->version == 3 && !parent->has_basic_constraints) ||
	    (parent->has_basic_constraints && !parent->is_ca) ||
	    (parent->key_usage != 0 && !(parent->key_usage & NV_KU_KEY_CERT_SIGN))) {
		snprintf(err, n, "%s", MSG_CANNOT_SIGN);
		return -1;
	}
	return nv_cert_check_signature_raw(child, parent, false, err, n);
}

int nv_cert_check_signature_from(const struct nv_cert *child, const struct nv_cert *parent, struct ferry_err *e)
{
	char err[256];

	if (check_signature_from(child, parent, err, sizeof(err)) < 0)
		return ferr_set(e, REASON, "%s", err);
	return 0;
}

bool nv_cert_is_self_signed(const struct nv_cert *c)
{
	char err[256];

	return nv_cert_check_signature_raw(c, c, true, err, sizeof(err)) == 0;
}

/* ---- key spec (notation-core-go internal/algorithm) ---- */

static int key_spec(const struct nv_cert *leaf, enum nv_alg *alg, char *err, size_t n)
{
	int bits;

	*alg = NV_ALG_NONE;
	switch (leaf->key_type) {
	case NV_KEY_RSA:
		bits = (leaf->key_bits + 7) / 8 * 8; /* Go: key.Size() << 3 */
		switch (bits) {
		case 2048: *alg = NV_ALG_PS256; return 0;
		case 3072: *alg = NV_ALG_PS384; return 0;
		case 4096: *alg = NV_ALG_PS512; return 0;
		}
		snprintf(err, n, "rsa key size %d bits is not supported", bits);
		return -1;
	case NV_KEY_EC:
		switch (leaf->key_bits) {
		case 256: *alg = NV_ALG_ES256; return 0;
		case 384: *alg = NV_ALG_ES384; return 0;
		case 521: *alg = NV_ALG_ES512; return 0;
		}
		snprintf(err, n, "ecdsa key size %d bits is not supported", leaf->key_bits);
		return -1;
	default:
		snprintf(err, n, "unsupported public key type");
		return -1;
	}
}

enum nv_alg nv_cert_signing_alg(const struct nv_cert *leaf)
{
	enum nv_alg alg;
	char err[64];

	key_spec(leaf, &alg, err, sizeof(err));
	return alg;
}

int nv_cert_key_spec_error(const struct nv_cert *leaf, char *err, size_t n)
{
	enum nv_alg alg;

	return key_spec(leaf, &alg, err, n);
}

const char *nv_alg_jws_name(enum nv_alg a)
{
	static const char *const names[] = { "", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512" };
	return (unsigned)a < ARRAY_SIZE(names) ? names[a] : "";
}

int nv_alg_cose_id(enum nv_alg a)
{
	static const int ids[] = { 0, -37, -38, -39, -7, -35, -36 };
	return (unsigned)a < ARRAY_SIZE(ids) ? ids[a] : 0;
}

/* ---- chain rules (notation-core-go x509) ---- */

struct chain_err {
	char msg[FERR_MSG_MAX];
};

static int chain_fail(struct chain_err *ce, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int chain_fail(struct chain_err *ce, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ce->msg, sizeof(ce->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int leaf_key_usage(const struct nv_cert *c, const char *q, struct chain_err *ce)
{
	static const struct {
		unsigned bit;
		const char *name;
	} forbidden[] = {
		{ NV_KU_KEY_ENCIPHERMENT, "\"KeyEncipherment\"" }, { NV_KU_DATA_ENCIPHERMENT, "\"DataEncipherment\"" },
		{ NV_KU_KEY_AGREEMENT, "\"KeyAgreement\"" },       { NV_KU_KEY_CERT_SIGN, "\"CertSign\"" },
		{ NV_KU_CRL_SIGN, "\"CRLSign\"" },                 { NV_KU_ENCIPHER_ONLY, "\"EncipherOnly\"" },
		{ NV_KU_DECIPHER_ONLY, "\"DecipherOnly\"" },
	};
	char found[256] = "";
	size_t i;

	if (!(c->key_usage & NV_KU_DIGITAL_SIGNATURE))
		return chain_fail(ce, "the certificate with subject %s is invalid. The key usage must have the bit positions for \"Digital Signature\" set", q);
	for (i = 0; i < ARRAY_SIZE(forbidden); i++) {
		if (c->key_usage & forbidden[i].bit) {
			if (found[0])
				strcat(found, ", ");
			strcat(found, forbidden[i].name);
		}
	}
	if (found[0])
		return chain_fail(ce, "the certificate with subject %s is invalid. The key usage must be \"Digital Signature\" only, but found %s", q, found);
	return 0;
}

static int key_usage_present(const struct nv_cert *c, const char *q, bool need_critical, struct chain_err *ce)
{
	if (c->has_key_usage && need_critical && !c->key_usage_critical)
		return chain_fail(ce, "certificate with subject %s: key usage extension must be marked critical", q);
	if (!c->has_key_usage)
		return chain_fail(ce, "certificate with subject %s: key usage extension must be present", q);
	return 0;
}

static int leaf_rules(const struct nv_cert *c, const char *q, bool timestamping, struct chain_err *ce)
{
	char err[64];
	size_t i;

	if (c->has_basic_constraints && c->is_ca)
		return chain_fail(ce, "certificate with subject %s: if the basic constraints extension is present, the ca field must be set to false", q);
	if (key_usage_present(c, q, !timestamping, ce) < 0 || leaf_key_usage(c, q, ce) < 0)
		return -1;
	if (timestamping) {
		if (c->n_eku != 1 || strcmp(c->eku_oids[0], EKU_TIMESTAMPING))
			return chain_fail(ce, "timestamp signing certificate with subject %s must have and only have Timestamping as extended key usage", q);
		if (!c->eku_critical)
			return chain_fail(ce, "timestamp signing certificate with subject %s must have extended key usage extension marked as critical", q);
	} else {
		static const struct {
			const char *oid, *name;
		} excluded[] = {
			{ EKU_SERVER_AUTH, "ServerAuth" }, { EKU_CLIENT_AUTH, "ClientAuth" },
			{ EKU_EMAIL, "EmailProtection" },  { EKU_TIMESTAMPING, "Timestamping" },
			{ EKU_OCSP_SIGNING, "OCSPSigning" },
		};
		for (i = 0; i < c->n_eku; i++) {
			for (size_t k = 0; k < ARRAY_SIZE(excluded); k++)
				if (!strcmp(c->eku_oids[i], excluded[k].oid))
					return chain_fail(ce, "certificate with subject %s: extended key usage must not contain %s eku", q, excluded[k].name);
		}
	}
	if (nv_cert_key_spec_error(c, err, sizeof(err)) < 0)
		return chain_fail(ce, "certificate with subject %s: %s", q, err);
	return 0;
}

static int ca_rules(const struct nv_cert *c, const char *q, int expected_path_len, bool timestamping,
		    struct chain_err *ce)
{
	if (!c->has_basic_constraints || !c->is_ca)
		return chain_fail(ce, "certificate with subject %s: ca field in basic constraints must be present, critical, and set to true", q);
	if (c->has_path_len && c->path_len < expected_path_len)
		return chain_fail(ce, "certificate with subject %s: expected path length of %d but certificate has path length %d instead", q, expected_path_len, c->path_len);
	if (key_usage_present(c, q, !timestamping, ce) < 0)
		return -1;
	if (!(c->key_usage & NV_KU_KEY_CERT_SIGN))
		return chain_fail(ce, "certificate with subject %s: key usage must have the bit positions for key cert sign set", q);
	return 0;
}

static bool raw_equal(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	return an == bn && !memcmp(a, b, an);
}

/* Go's isIssuedBy: CheckSignatureFrom and RawSubject == RawIssuer. */
static int issued_by(const struct nv_cert *c, const struct nv_cert *parent, bool *ok, char *err, size_t n)
{
	*ok = false;
	if (check_signature_from(c, parent, err, n) < 0)
		return -1;
	*ok = raw_equal(parent->raw_subject, parent->raw_subject_len, c->raw_issuer, c->raw_issuer_len);
	return 0;
}

static int single_cert(const struct nv_cert *c, bool timestamping, struct chain_err *ce)
{
	_cleanup_free_ char *q = gj_quote(c->subject_string);
	char err[256];
	struct chain_err inner;

	if (nv_cert_check_signature_raw(c, c, true, err, sizeof(err)) < 0)
		return chain_fail(ce, "invalid self-signed certificate. subject: %s. Error: %s", q, err);
	if (!raw_equal(c->raw_subject, c->raw_subject_len, c->raw_issuer, c->raw_issuer_len))
		return chain_fail(ce, timestamping ? "invalid self-signed certificate. subject: %s. Error: issuer (%s) and subject (%s) are not the same"
						   : "invalid self-signed certificate. subject: %s. Error: issuer(%s) and subject(%s) are not the same",
				  q, c->issuer_string, c->subject_string);
	if (leaf_rules(c, q, timestamping, &inner) < 0)
		return chain_fail(ce, "invalid self-signed certificate. Error: %s", inner.msg);
	return 0;
}

static int validate_chain(struct nv_cert *const *chain, size_t n, bool timestamping, struct chain_err *ce)
{
	size_t i;

	if (n < 1)
		return chain_fail(ce, "certificate chain must contain at least one certificate");
	if (n == 1)
		return single_cert(chain[0], timestamping, ce);
	for (i = 0; i < n; i++) {
		const struct nv_cert *c = chain[i];
		_cleanup_free_ char *q = gj_quote(c->subject_string);
		char err[256];
		bool ok;
		int rc;

		if (i == n - 1) {
			if (issued_by(c, c, &ok, err, sizeof(err)) < 0)
				return chain_fail(ce, "root certificate with subject %s is invalid or not self-signed. Certificate chain must end with a valid self-signed root certificate. Error: %s", q, err);
			if (!ok)
				return chain_fail(ce, "root certificate with subject %s is not self-signed. Certificate chain must end with a valid self-signed root certificate", q);
		} else {
			_cleanup_free_ char *pq = NULL;

			if (issued_by(c, c, &ok, err, sizeof(err)) == 0 && ok) {
				if (i == 0)
					return chain_fail(ce, "leaf certificate with subject %s is self-signed. Certificate chain must not contain self-signed leaf certificate", q);
				return chain_fail(ce, "intermediate certificate with subject %s is self-signed. Certificate chain must not contain self-signed intermediate certificate", q);
			}
			pq = gj_quote(chain[i + 1]->subject_string);
			if (issued_by(c, chain[i + 1], &ok, err, sizeof(err)) < 0)
				return chain_fail(ce, "invalid certificates or certificate with subject %s is not issued by %s. Error: %s", q, pq, err);
			if (!ok)
				return chain_fail(ce, "certificate with subject %s is not issued by %s", q, pq);
		}
		rc = i == 0 ? leaf_rules(c, q, timestamping, ce) : ca_rules(c, q, (int)i - 1, timestamping, ce);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int nv_chain_validate_codesigning(struct nv_cert *const *chain, size_t n, struct ferry_err *e)
{
	struct chain_err ce;

	if (validate_chain(chain, n, false, &ce) < 0)
		return ferr_set(e, REASON, "%s", ce.msg);
	return 0;
}

int nv_chain_validate_timestamping(struct nv_cert *const *chain, size_t n, struct ferry_err *e)
{
	struct chain_err ce;

	if (validate_chain(chain, n, true, &ce) < 0)
		return ferr_set(e, REASON, "%s", ce.msg);
	return 0;
}

int nv_chain_check_validity(struct nv_cert *const *chain, size_t n, int64_t at, struct ferry_err *e)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct nv_cert *c = chain[i];
		char when[40];
		_cleanup_free_ char *q = NULL;

		if (at >= c->not_before && at <= c->not_after)
			continue;
		q = gj_quote(c->subject_string);
		if (at < c->not_before) {
			ftime_format_rfc1123z(c->not_before, when, sizeof(when));
			return ferr_set(e, REASON, "verification time is before certificate %s validity period, it will be valid from \"%s\"", q, when);
		}
		ftime_format_rfc1123z(c->not_after, when, sizeof(when));
		return ferr_set(e, REASON, "verification time is after certificate %s validity period, it was expired at \"%s\"", q, when);
	}
	return 0;
}

/* ---- signatures made by a leaf key (JWS, COSE) ---- */

static enum wc_HashType alg_hash(enum nv_alg a)
{
	switch (a) {
	case NV_ALG_PS256: case NV_ALG_ES256: return WC_HASH_TYPE_SHA256;
	case NV_ALG_PS384: case NV_ALG_ES384: return WC_HASH_TYPE_SHA384;
	case NV_ALG_PS512: case NV_ALG_ES512: return WC_HASH_TYPE_SHA512;
	default: return WC_HASH_TYPE_NONE;
	}
}

static size_t alg_ec_half(enum nv_alg a)
{
	return a == NV_ALG_ES256 ? 32 : a == NV_ALG_ES384 ? 48 : 66;
}

/* One half of a raw ECDSA signature re-sized to the key's order size. */
static int resize_half(const unsigned char *in, size_t n, unsigned char *out, size_t size)
{
	while (n > size) {
		if (*in)
			return -1;
		in++;
		n--;
	}
	memset(out, 0, size - n);
	memcpy(out + size - n, in, n);
	return 0;
}

int nv_verify_with_cert(const struct nv_cert *leaf, enum nv_alg alg, bool pss_any_salt,
			const void *data, size_t len, const void *sig, size_t sig_len, struct ferry_err *e)
{
	unsigned char digest[WC_MAX_DIGEST_SIZE], rs[2 * 66];
	enum wc_HashType h = alg_hash(alg);
	struct nvc_key key;
	const char *why;
	size_t half, khalf;

	if (h == WC_HASH_TYPE_NONE)
		return ferr_set(e, REASON, "signing method %s is invalid", nv_alg_jws_name(alg));
	if (nvc_parse_spki(leaf->spki, leaf->spki_len, &key, &why) < 0)
		return ferr_set(e, REASON, "%s", why);
	if (nvc_hash(h, data, len, digest) < 0)
		return ferr_set(e, REASON, "the requested hash function is unavailable");
	if (alg <= NV_ALG_PS512) {
		if (key.kind != NVC_KEY_RSA)
			return ferr_set(e, REASON, "key is invalid");
		if (nvc_rsa_pss_verify(&key, h, digest, sig, sig_len,
				       pss_any_salt ? NVC_PSS_SALT_AUTO : (int)nvc_hash_size(h)) < 0)
			return ferr_set(e, REASON, "crypto/rsa: verification error");
		return 0;
	}
	if (key.kind != NVC_KEY_EC)
		return ferr_set(e, REASON, "key is of invalid type");
	half = alg_ec_half(alg);
	khalf = nvc_ecdsa_half_size(&key);
	if (sig_len != 2 * half || resize_half(sig, half, rs, khalf) < 0 ||
	    resize_half((const unsigned char *)sig + half, half, rs + khalf, khalf) < 0 ||
	    nvc_ecdsa_verify_raw(&key, digest, nvc_hash_size(h), rs, 2 * khalf) < 0)
		return ferr_set(e, REASON, "crypto/ecdsa: verification error");
	return 0;
}
