/*
 * cert.h - X.509 certificates as Notation needs them, parsed from DER with
 * ferry's own strict reader and checked with wolfCrypt primitives.
 *
 * Owned by notation. Keeps the exact DER and pointers to the raw TBS, subject
 * and issuer for byte comparisons (trust anchoring is a DER byte match,
 * issuer/subject chaining is RawIssuer == RawSubject). The code-signing and
 * timestamping chain rules (reference §5.2 / §5.3) and Go's
 * CheckSignatureFrom constraints are implemented here, not delegated to a TLS
 * chain builder.
 */
#ifndef FERRY_NOTATION_CERT_H
#define FERRY_NOTATION_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum nv_key_type { NV_KEY_OTHER = 0, NV_KEY_RSA, NV_KEY_EC };

/* One attribute of a distinguished name, in certificate order. */
struct nv_name_attr {
	char *oid;              /* dotted, e.g. "2.5.4.3" */
	char *value;            /* decoded string value (UTF-8), NUL-terminated */
	int set_index;          /* which RDN (SET) it belongs to; equal for multi-valued RDNs */
};

struct nv_cert {
	unsigned char *der;
	size_t der_len;
	const unsigned char *tbs;          size_t tbs_len;          /* into der */
	const unsigned char *raw_subject;  size_t raw_subject_len;  /* into der */
	const unsigned char *raw_issuer;   size_t raw_issuer_len;   /* into der */
	const unsigned char *spki;         size_t spki_len;         /* SubjectPublicKeyInfo, into der */
	const unsigned char *serial;       size_t serial_len;       /* INTEGER content bytes, into der */
	int version;                       /* 1, 2 or 3 */
	int64_t not_before, not_after;     /* seconds since epoch */
	char *sig_alg_oid;                 /* outer signatureAlgorithm */
	const unsigned char *sig_alg_params; size_t sig_alg_params_len;
	const unsigned char *signature;    size_t signature_len;    /* BIT STRING content */

	struct nv_name_attr *subject;      size_t n_subject;
	struct nv_name_attr *issuer;       size_t n_issuer;
	char *subject_string;              /* as Go's pkix.Name.String() renders it */
	char *issuer_string;

	enum nv_key_type key_type;
	int key_bits;                      /* RSA modulus bits, EC field bits (256/384/521) */
	char *ec_curve_oid;

	/* extensions */
	bool has_basic_constraints, is_ca, has_path_len;
	int path_len;
	bool has_key_usage, key_usage_critical;
	unsigned key_usage;                /* bit 0 = digitalSignature ... bit 8 = decipherOnly */
	bool has_eku, eku_critical;
	char **eku_oids;                   size_t n_eku;
	char **ocsp_urls;                  size_t n_ocsp;   /* AIA id-ad-ocsp */
	char **crl_urls;                   size_t n_crl;    /* CRL distribution points */
	bool has_unknown_critical_ext;
	const unsigned char *skid;         size_t skid_len;  /* subjectKeyIdentifier, into der */
	const unsigned char *akid;         size_t akid_len;  /* authorityKeyIdentifier keyIdentifier, into der */
	bool has_freshest_crl;             /* Freshest CRL (delta CRL pointer) extension */

	unsigned char sha256[32];          /* thumbprint over der */
};

/* key_usage bits (RFC 5280 order) */
#define NV_KU_DIGITAL_SIGNATURE  (1u << 0)
#define NV_KU_CONTENT_COMMITMENT (1u << 1)
#define NV_KU_KEY_ENCIPHERMENT   (1u << 2)
#define NV_KU_DATA_ENCIPHERMENT  (1u << 3)
#define NV_KU_KEY_AGREEMENT      (1u << 4)
#define NV_KU_KEY_CERT_SIGN      (1u << 5)
#define NV_KU_CRL_SIGN           (1u << 6)
#define NV_KU_ENCIPHER_ONLY      (1u << 7)
#define NV_KU_DECIPHER_ONLY      (1u << 8)

int nv_cert_parse_der(const void *der, size_t len, struct nv_cert **out, struct ferry_err *e);
/* Every certificate in data: consecutive PEM blocks (any label), or
 * (possibly concatenated) DER. */
int nv_certs_parse(const void *data, size_t len, struct nv_cert ***out, size_t *n, struct ferry_err *e);
void nv_cert_free(struct nv_cert *c);
void nv_certs_free(struct nv_cert **v, size_t n);
bool nv_cert_equal(const struct nv_cert *a, const struct nv_cert *b);

/* Verify child's signature with parent's key, with Go's CheckSignatureFrom
 * constraints (parent must be a CA with keyCertSign if key usage present;
 * MD5/SHA-1 rejected). */
int nv_cert_check_signature_from(const struct nv_cert *child, const struct nv_cert *parent,
				 struct ferry_err *e);
/* Self-signature with Go's lower-level CheckSignature (SHA-1 accepted). */
bool nv_cert_is_self_signed(const struct nv_cert *c);
/* Reference §5.2: code-signing chain (leaf first). */
int nv_chain_validate_codesigning(struct nv_cert *const *chain, size_t n, struct ferry_err *e);
/* Reference §5.3: timestamping chain (leaf first). */
int nv_chain_validate_timestamping(struct nv_cert *const *chain, size_t n, struct ferry_err *e);
/* at within [not_before, not_after] of every cert; notation-go's messages. */
int nv_chain_check_validity(struct nv_cert *const *chain, size_t n, int64_t at, struct ferry_err *e);

/* A certificate path, leaf first; the certificates belong to the caller's
 * pools. */
struct nv_path {
	struct nv_cert **certs;
	size_t n;
};
/* Go's Certificate.Verify of leaf at time at_us (microseconds since the
 * epoch): paths built from intermediates to one of roots (a leaf that is
 * itself a root is a path of one), every certificate valid at at_us, CA and
 * path length constraints, CheckSignatureFrom, and every certificate's EKU
 * allowing eku (dotted OID; NULL: any). Paths in Go's order; Go's error
 * texts ("x509: certificate signed by unknown authority", ...). */
int nv_path_verify(struct nv_cert *leaf, struct nv_cert *const *roots, size_t n_roots,
		   struct nv_cert *const *intermediates, size_t n_intermediates, int64_t at_us, const char *eku,
		   struct nv_path **paths, size_t *n_paths, struct ferry_err *e);
void nv_paths_free(struct nv_path *p, size_t n);

/* Signing algorithm derived from the leaf key (reference §5.1). */
enum nv_alg { NV_ALG_NONE = 0, NV_ALG_PS256, NV_ALG_PS384, NV_ALG_PS512,
	      NV_ALG_ES256, NV_ALG_ES384, NV_ALG_ES512 };
enum nv_alg nv_cert_signing_alg(const struct nv_cert *leaf);
const char *nv_alg_jws_name(enum nv_alg a);    /* "PS256" ... */
int nv_alg_cose_id(enum nv_alg a);             /* -37 ... */
/* Verify a signature made by leaf's key over data. For PS* with
 * pss_any_salt, any salt length is accepted (JWS); otherwise salt = hash
 * length (COSE, X.509, CMS). ES*: raw r||s of the exact length. */
int nv_verify_with_cert(const struct nv_cert *leaf, enum nv_alg alg, bool pss_any_salt,
			const void *data, size_t len, const void *sig, size_t sig_len,
			struct ferry_err *e);

#endif
