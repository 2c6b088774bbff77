/*
 * crypto.h - public keys from SubjectPublicKeyInfo and the signature
 * primitives Notation needs, on wolfCrypt.
 *
 * Owned by notation; used by cert.c (X.509 signatures, key checks) and the
 * envelope code through nv_verify_with_cert. RSA uses the raw public
 * operation (wc_RsaDirect) and ferry's own PKCS#1 v1.5 / EMSA-PSS checks so
 * that PSS salt-length recovery works without WOLFSSL_PSS_SALT_LEN_DISCOVER.
 * Results mirror Go's crypto/rsa and crypto/ecdsa: a signature verifies or
 * it does not; the caller words the error.
 */
#ifndef FERRY_NOTATION_CRYPTO_H
#define FERRY_NOTATION_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>

enum nvc_key_kind { NVC_KEY_UNKNOWN = 0, NVC_KEY_RSA, NVC_KEY_EC, NVC_KEY_ED25519, NVC_KEY_OTHER };

/* A public key as pointers into the SubjectPublicKeyInfo it came from. */
struct nvc_key {
	enum nvc_key_kind kind;
	const unsigned char *n; size_t n_len;      /* RSA modulus, leading zeros stripped */
	const unsigned char *e; size_t e_len;      /* RSA exponent, leading zeros stripped */
	int rsa_bits;                              /* exact modulus bit length */
	int ec_curve_id;                           /* wolfCrypt ECC_SECP*R1, 0 otherwise */
	int ec_bits;                               /* 224 / 256 / 384 / 521 */
	const char *ec_curve_oid;                  /* static dotted OID string */
	const unsigned char *point; size_t point_len; /* EC uncompressed point; Ed25519 key */
};

/* Parse SubjectPublicKeyInfo (the whole SEQUENCE). Unknown algorithms give
 * kind NVC_KEY_UNKNOWN and success, as Go does; on failure *why is Go's
 * x509 message. */
int nvc_parse_spki(const unsigned char *spki, size_t len, struct nvc_key *key, const char **why);

size_t nvc_hash_size(enum wc_HashType h);
int nvc_hash(enum wc_HashType h, const void *data, size_t len, unsigned char *out);

/* salt_len: exact salt length, or NVC_PSS_SALT_AUTO to recover any length. */
#define NVC_PSS_SALT_AUTO (-1)
int nvc_rsa_pss_verify(const struct nvc_key *key, enum wc_HashType h, const unsigned char *digest,
		       const unsigned char *sig, size_t sig_len, int salt_len);
int nvc_rsa_pkcs1v15_verify(const struct nvc_key *key, enum wc_HashType h, const unsigned char *digest,
			    const unsigned char *sig, size_t sig_len);
/* ECDSA over a digest; sig is DER ECDSA-Sig-Value (X.509, CMS). */
int nvc_ecdsa_verify_der(const struct nvc_key *key, const unsigned char *digest, size_t digest_len,
			 const unsigned char *sig, size_t sig_len);
/* ECDSA with raw r||s, each exactly the byte size of the curve order (JWS, COSE). */
int nvc_ecdsa_verify_raw(const struct nvc_key *key, const unsigned char *digest, size_t digest_len,
			 const unsigned char *sig, size_t sig_len);
/* Byte size of one of r / s for the key's curve. */
size_t nvc_ecdsa_half_size(const struct nvc_key *key);

#endif
