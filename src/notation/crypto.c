/* crypto.c - SubjectPublicKeyInfo keys and RSA (PKCS#1 v1.5, PSS) / ECDSA
 * verification on wolfCrypt with Go's acceptance rules. */
#include "notation/crypto.h"
#include "notation/der.h"
#include "util/digest.h"
#include "util/mem.h"

#include <string.h>

#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/rsa.h>

#define OID_RSA        "1.2.840.113549.1.1.1"
#define OID_EC         "1.2.840.10045.2.1"
#define OID_ED25519    "1.3.101.112"
#define OID_P224       "1.3.132.0.33"
#define OID_P256       "1.2.840.10045.3.1.7"
#define OID_P384       "1.3.132.0.34"
#define OID_P521       "1.3.132.0.35"

#define MAX_RSA_BYTES 1024   /* 8192-bit moduli; wolfCrypt itself stops at RSA_MAX_SIZE */
#define MAX_EC_BYTES  66

static const struct curve {
	const char *oid;
	int id;
	int bits;
} curves[] = {
	{ OID_P224, ECC_SECP224R1, 224 },
	{ OID_P256, ECC_SECP256R1, 256 },
	{ OID_P384, ECC_SECP384R1, 384 },
	{ OID_P521, ECC_SECP521R1, 521 },
};

static void strip_zeros(const unsigned char **p, size_t *n)
{
	while (*n > 1 && (*p)[0] == 0) {
		(*p)++;
		(*n)--;
	}
}

static int bit_length(const unsigned char *p, size_t n)
{
	unsigned char top;
	int bits;

	if (n == 0)
		return 0;
	top = p[0];
	bits = (int)(n - 1) * 8;
	while (top) {
		bits++;
		top >>= 1;
	}
	return bits;
}

/* A curve constant (wolfCrypt keeps them as hex text) as size big-endian bytes. */
static int curve_constant(const char *hex, unsigned char *out, size_t size)
{
	size_t len = strlen(hex), i;

	if (len > size * 2)
		return -1;
	memset(out, 0, size);
	for (i = 0; i < len; i++) {
		int v = hex_digit(hex[len - 1 - i]);
		if (v < 0)
			return -1;
		out[size - 1 - i / 2] |= (unsigned char)(i % 2 ? v << 4 : v);
	}
	return 0;
}

static const ecc_set_type *curve_params(int curve_id)
{
	int idx = wc_ecc_get_curve_idx(curve_id);
	return idx < 0 ? NULL : wc_ecc_get_curve_params(idx);
}

/* 0 < v < limit, both size bytes big-endian. */
static bool in_range(const unsigned char *v, const unsigned char *limit, size_t size)
{
	size_t i;

	for (i = 0; i < size && v[i] == 0; i++)
		;
	if (i == size)
		return false;
	return memcmp(v, limit, size) < 0;
}

static int check_ec_point(const struct nvc_key *key)
{
	const ecc_set_type *dp = curve_params(key->ec_curve_id);
	unsigned char prime[MAX_EC_BYTES];
	size_t size = (size_t)(key->ec_bits + 7) / 8;
	ecc_key k;
	int rc = -1;

	if (!dp || key->point_len != 1 + 2 * size || key->point[0] != 0x04)
		return -1;
	if (curve_constant(dp->prime, prime, size) < 0)
		return -1;
	/* coordinates below the field prime (zero allowed for a coordinate) */
	if (memcmp(key->point + 1, prime, size) >= 0 || memcmp(key->point + 1 + size, prime, size) >= 0)
		return -1;
	if (wc_ecc_init(&k) != 0)
		return -1;
	if (wc_ecc_import_x963_ex(key->point, (word32)key->point_len, &k, key->ec_curve_id) == 0 &&
	    wc_ecc_point_is_on_curve(&k.pubkey, wc_ecc_get_curve_idx(key->ec_curve_id)) == 0)
		rc = 0;
	wc_ecc_free(&k);
	return rc;
}

static int parse_rsa(const unsigned char *bits, size_t nbits, const struct der_tlv *params, bool has_params,
		     struct nvc_key *key, const char **why)
{
	struct der d = der_init(bits, nbits), seq;
	struct der_tlv t, n, e;

	if (!has_params || params->tag != DER_NULL || params->val_len != 0) {
		*why = "x509: RSA key missing NULL parameters";
		return -1;
	}
	if (der_read_tag(&d, DER_SEQUENCE, &t) < 0 || !der_empty(&d)) {
		*why = "x509: invalid RSA public key";
		return -1;
	}
	seq = der_contents(&t);
	if (der_read_tag(&seq, DER_INTEGER, &n) < 0 || !der_integer_valid(n.val, n.val_len)) {
		*why = "x509: invalid RSA modulus";
		return -1;
	}
	if (der_read_tag(&seq, DER_INTEGER, &e) < 0 || !der_integer_valid(e.val, e.val_len) ||
	    e.val_len > 8 || !der_empty(&seq)) {
		*why = "x509: invalid RSA public exponent";
		return -1;
	}
	key->n = n.val;
	key->n_len = n.val_len;
	key->e = e.val;
	key->e_len = e.val_len;
	strip_zeros(&key->n, &key->n_len);
	strip_zeros(&key->e, &key->e_len);
	if (der_integer_negative(n.val, n.val_len) || (key->n_len == 1 && key->n[0] == 0)) {
		*why = "x509: RSA modulus is not a positive number";
		return -1;
	}
	if (der_integer_negative(e.val, e.val_len) || (key->e_len == 1 && key->e[0] == 0)) {
		*why = "x509: RSA public exponent is not a positive number";
		return -1;
	}
	key->kind = NVC_KEY_RSA;
	key->rsa_bits = bit_length(key->n, key->n_len);
	return 0;
}

static int parse_ec(const unsigned char *bits, size_t nbits, const struct der_tlv *params, bool has_params,
		    struct nvc_key *key, const char **why)
{
	char oid[DER_OID_STR_MAX];
	size_t i;

	if (!has_params || der_oid_tlv_string(params, oid) < 0) {
		*why = "x509: invalid ECDSA parameters";
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(curves); i++)
		if (!strcmp(oid, curves[i].oid))
			break;
	if (i == ARRAY_SIZE(curves)) {
		*why = "x509: unsupported elliptic curve";
		return -1;
	}
	key->kind = NVC_KEY_EC;
	key->ec_curve_id = curves[i].id;
	key->ec_bits = curves[i].bits;
	key->ec_curve_oid = curves[i].oid;
	key->point = bits;
	key->point_len = nbits;
	if (check_ec_point(key) < 0) {
		*why = "x509: failed to unmarshal elliptic curve point";
		return -1;
	}
	return 0;
}

int nvc_parse_spki(const unsigned char *spki, size_t len, struct nvc_key *key, const char **why)
{
	struct der d = der_init(spki, len), body, ai;
	struct der_tlv t, alg, params, bitstr;
	char oid[DER_OID_STR_MAX];
	const unsigned char *bits;
	size_t nbits;
	unsigned unused;
	bool has_params = false;

	memset(key, 0, sizeof(*key));
	if (der_read_tag(&d, DER_SEQUENCE, &t) < 0 || !der_empty(&d)) {
		*why = "x509: malformed spki";
		return -1;
	}
	body = der_contents(&t);
	if (der_read_tag(&body, DER_SEQUENCE, &t) < 0) {
		*why = "x509: malformed public key algorithm identifier";
		return -1;
	}
	ai = der_contents(&t);
	if (der_read_tag(&ai, DER_OID, &alg) < 0 || der_oid_tlv_string(&alg, oid) < 0) {
		*why = "x509: malformed OID";
		return -1;
	}
	if (!der_empty(&ai)) {
		if (der_read(&ai, &params) < 0 || !der_empty(&ai)) {
			*why = "x509: malformed parameters";
			return -1;
		}
		has_params = true;
	}
	if (der_read_tag(&body, DER_BIT_STRING, &bitstr) < 0 ||
	    der_bit_string(&bitstr, &bits, &nbits, &unused) < 0 || !der_empty(&body)) {
		*why = "x509: malformed subjectPublicKey";
		return -1;
	}
	if (!strcmp(oid, OID_RSA))
		return unused ? (*why = "x509: invalid RSA public key", -1)
			      : parse_rsa(bits, nbits, &params, has_params, key, why);
	if (!strcmp(oid, OID_EC))
		return unused ? (*why = "x509: failed to unmarshal elliptic curve point", -1)
			      : parse_ec(bits, nbits, &params, has_params, key, why);
	if (!strcmp(oid, OID_ED25519)) {
		if (has_params) {
			*why = "x509: Ed25519 key encoded with illegal parameters";
			return -1;
		}
		if (unused || nbits != 32) {
			*why = "x509: wrong Ed25519 public key size";
			return -1;
		}
		key->kind = NVC_KEY_ED25519;
		key->point = bits;
		key->point_len = nbits;
		return 0;
	}
	key->kind = NVC_KEY_UNKNOWN;
	return 0;
}

size_t nvc_hash_size(enum wc_HashType h)
{
	int n = wc_HashGetDigestSize(h);
	return n > 0 ? (size_t)n : 0;
}

int nvc_hash(enum wc_HashType h, const void *data, size_t len, unsigned char *out)
{
	size_t n = nvc_hash_size(h);

	if (!n || wc_Hash(h, data, (word32)len, out, (word32)n) != 0)
		return -1;
	return 0;
}

/* ---- RSA ---- */

/* s^e mod n into em (n_len bytes) after Go's checks: |sig| = |n|, sig < n,
 * 2 <= e < 2^31. */
static int rsa_public_op(const struct nvc_key *key, const unsigned char *sig, size_t sig_len, unsigned char *em)
{
	RsaKey rk;
	word32 out_len = (word32)key->n_len;
	uint64_t e = 0;
	size_t i;
	int rc;

	if (key->kind != NVC_KEY_RSA || key->n_len > MAX_RSA_BYTES || sig_len != key->n_len)
		return -1;
	if (memcmp(sig, key->n, sig_len) >= 0)
		return -1;
	for (i = 0; i < key->e_len; i++)
		e = e << 8 | key->e[i];
	if (e < 2 || e > 0x7fffffff)
		return -1;
	if (wc_InitRsaKey(&rk, NULL) != 0)
		return -1;
	rc = wc_RsaPublicKeyDecodeRaw(key->n, (word32)key->n_len, key->e, (word32)key->e_len, &rk);
	if (rc == 0)
		rc = wc_RsaDirect((byte *)sig, (word32)sig_len, em, &out_len, &rk, RSA_PUBLIC_DECRYPT, NULL);
	wc_FreeRsaKey(&rk);
	return rc == (int)key->n_len ? 0 : -1;
}

static const unsigned char *digest_info_prefix(enum wc_HashType h, size_t *len)
{
	static const unsigned char sha1[] = { 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02,
					      0x1a, 0x05, 0x00, 0x04, 0x14 };
	static const unsigned char sha256[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
						0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };
	static const unsigned char sha384[] = { 0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
						0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30 };
	static const unsigned char sha512[] = { 0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
						0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40 };

	switch (h) {
	case WC_HASH_TYPE_SHA:
		*len = sizeof(sha1);
		return sha1;
	case WC_HASH_TYPE_SHA256:
		*len = sizeof(sha256);
		return sha256;
	case WC_HASH_TYPE_SHA384:
		*len = sizeof(sha384);
		return sha384;
	case WC_HASH_TYPE_SHA512:
		*len = sizeof(sha512);
		return sha512;
	default:
		return NULL;
	}
}

int nvc_rsa_pkcs1v15_verify(const struct nvc_key *key, enum wc_HashType h, const unsigned char *digest,
			    const unsigned char *sig, size_t sig_len)
{
	unsigned char em[MAX_RSA_BYTES];
	size_t plen, hlen = nvc_hash_size(h), k = key->n_len, t, i;
	const unsigned char *prefix = digest_info_prefix(h, &plen);

	if (!prefix || !hlen)
		return -1;
	t = plen + hlen;
	if (k < t + 11 || rsa_public_op(key, sig, sig_len, em) < 0)
		return -1;
	if (em[0] != 0x00 || em[1] != 0x01 || em[k - t - 1] != 0x00)
		return -1;
	for (i = 2; i < k - t - 1; i++)
		if (em[i] != 0xff)
			return -1;
	if (memcmp(em + k - t, prefix, plen) != 0 || memcmp(em + k - hlen, digest, hlen) != 0)
		return -1;
	return 0;
}

/* db ^= MGF1(seed) */
static int mgf1_xor(enum wc_HashType h, const unsigned char *seed, size_t seed_len, unsigned char *db,
		    size_t db_len)
{
	unsigned char block[WC_MAX_DIGEST_SIZE];
	size_t hlen = nvc_hash_size(h), done = 0, i;
	uint32_t counter = 0;

	while (done < db_len) {
		wc_HashAlg ctx;
		unsigned char c[4] = { (unsigned char)(counter >> 24), (unsigned char)(counter >> 16),
				       (unsigned char)(counter >> 8), (unsigned char)counter };

		if (wc_HashInit(&ctx, h) != 0)
			return -1;
		if (wc_HashUpdate(&ctx, h, seed, (word32)seed_len) != 0 || wc_HashUpdate(&ctx, h, c, 4) != 0 ||
		    wc_HashFinal(&ctx, h, block) != 0) {
			wc_HashFree(&ctx, h);
			return -1;
		}
		wc_HashFree(&ctx, h);
		for (i = 0; i < hlen && done < db_len; i++)
			db[done++] ^= block[i];
		counter++;
	}
	return 0;
}

/* RFC 8017 9.1.2 EMSA-PSS-VERIFY, as Go's crypto/rsa runs it. */
static int emsa_pss_verify(enum wc_HashType h, const unsigned char *mhash, unsigned char *em, size_t em_len,
			   int em_bits, int salt_len)
{
	unsigned char hprime[WC_MAX_DIGEST_SIZE];
	static const unsigned char zeros[8];
	size_t hlen = nvc_hash_size(h), db_len, ps_len, i;
	unsigned char *db, *hh, mask;
	wc_HashAlg ctx;
	int rc;

	if (!hlen || em_len < hlen + (salt_len < 0 ? 0 : (size_t)salt_len) + 2)
		return -1;
	if (em[em_len - 1] != 0xbc)
		return -1;
	db_len = em_len - hlen - 1;
	db = em;
	hh = em + db_len;
	mask = (unsigned char)(0xff >> (8 * em_len - (size_t)em_bits));
	if (em[0] & ~mask)
		return -1;
	if (mgf1_xor(h, hh, hlen, db, db_len) < 0)
		return -1;
	db[0] &= mask;
	if (salt_len == NVC_PSS_SALT_AUTO) {
		unsigned char *one = memchr(db, 0x01, db_len);
		if (!one)
			return -1;
		salt_len = (int)(db_len - (size_t)(one - db) - 1);
	}
	ps_len = em_len - hlen - (size_t)salt_len - 2;
	for (i = 0; i < ps_len; i++)
		if (db[i] != 0)
			return -1;
	if (db[ps_len] != 0x01)
		return -1;
	if (wc_HashInit(&ctx, h) != 0)
		return -1;
	rc = wc_HashUpdate(&ctx, h, zeros, sizeof(zeros)) | wc_HashUpdate(&ctx, h, mhash, (word32)hlen) |
	     wc_HashUpdate(&ctx, h, db + db_len - (size_t)salt_len, (word32)salt_len) |
	     wc_HashFinal(&ctx, h, hprime);
	wc_HashFree(&ctx, h);
	if (rc != 0)
		return -1;
	return memcmp(hprime, hh, hlen) == 0 ? 0 : -1;
}

int nvc_rsa_pss_verify(const struct nvc_key *key, enum wc_HashType h, const unsigned char *digest,
		       const unsigned char *sig, size_t sig_len, int salt_len)
{
	unsigned char em[MAX_RSA_BYTES];
	int em_bits = key->rsa_bits - 1;
	size_t em_len = (size_t)(em_bits + 7) / 8;
	unsigned char *p = em;

	if (salt_len < NVC_PSS_SALT_AUTO || em_bits <= 0 || rsa_public_op(key, sig, sig_len, em) < 0)
		return -1;
	if (em_len < key->n_len) {
		if (em[0] != 0)
			return -1;
		p++;
	}
	return emsa_pss_verify(h, digest, p, em_len, em_bits, salt_len);
}

/* ---- ECDSA ---- */

size_t nvc_ecdsa_half_size(const struct nvc_key *key)
{
	return key->kind == NVC_KEY_EC ? (size_t)(key->ec_bits + 7) / 8 : 0;
}

static int ecdsa_verify_rs(const struct nvc_key *key, const unsigned char *digest, size_t digest_len,
			   const unsigned char *r, const unsigned char *s)
{
	const ecc_set_type *dp = curve_params(key->ec_curve_id);
	size_t size = nvc_ecdsa_half_size(key);
	unsigned char order[MAX_EC_BYTES], der[2 * MAX_EC_BYTES + 16];
	word32 der_len = sizeof(der);
	ecc_key k;
	int ok = 0, rc;

	if (!dp || curve_constant(dp->order, order, size) < 0)
		return -1;
	if (!in_range(r, order, size) || !in_range(s, order, size))
		return -1;
	if (wc_ecc_rs_raw_to_sig(r, (word32)size, s, (word32)size, der, &der_len) != 0)
		return -1;
	if (wc_ecc_init(&k) != 0)
		return -1;
	rc = wc_ecc_import_x963_ex(key->point, (word32)key->point_len, &k, key->ec_curve_id);
	if (rc == 0)
		rc = wc_ecc_verify_hash(der, der_len, digest, (word32)digest_len, &ok, &k);
	wc_ecc_free(&k);
	return rc == 0 && ok == 1 ? 0 : -1;
}

int nvc_ecdsa_verify_raw(const struct nvc_key *key, const unsigned char *digest, size_t digest_len,
			 const unsigned char *sig, size_t sig_len)
{
	size_t half = nvc_ecdsa_half_size(key);

	if (!half || sig_len != 2 * half)
		return -1;
	return ecdsa_verify_rs(key, digest, digest_len, sig, sig + half);
}

/* One INTEGER of an ECDSA-Sig-Value, positive, left-padded to size bytes. */
static int read_sig_int(struct der *d, unsigned char *out, size_t size)
{
	struct der_tlv t;
	const unsigned char *v;
	size_t n;

	if (der_read_tag(d, DER_INTEGER, &t) < 0 || !der_integer_valid(t.val, t.val_len) ||
	    der_integer_negative(t.val, t.val_len))
		return -1;
	v = t.val;
	n = t.val_len;
	strip_zeros(&v, &n);
	if (n > size)
		return -1;
	memset(out, 0, size - n);
	memcpy(out + size - n, v, n);
	return 0;
}

int nvc_ecdsa_verify_der(const struct nvc_key *key, const unsigned char *digest, size_t digest_len,
			 const unsigned char *sig, size_t sig_len)
{
	unsigned char r[MAX_EC_BYTES], s[MAX_EC_BYTES];
	size_t half = nvc_ecdsa_half_size(key);
	struct der d = der_init(sig, sig_len), inner;
	struct der_tlv t;

	if (!half || der_read_tag(&d, DER_SEQUENCE, &t) < 0 || !der_empty(&d))
		return -1;
	inner = der_contents(&t);
	if (read_sig_int(&inner, r, half) < 0 || read_sig_int(&inner, s, half) < 0 || !der_empty(&inner))
		return -1;
	return ecdsa_verify_rs(key, digest, digest_len, r, s);
}
