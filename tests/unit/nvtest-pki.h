/*
 * nvtest-pki.h - test-only certificates, signatures and envelopes made at
 * run time with wolfCrypt, for the notation unit tests (certificates with
 * chosen extensions, PSS with chosen salt lengths, raw ECDSA, JWS and COSE
 * envelopes with chosen headers).
 */
#ifndef FERRY_TESTS_NVTEST_PKI_H
#define FERRY_TESTS_NVTEST_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct tkey;   /* an RSA or EC private key */

struct tkey *tkey_rsa(int bits);
struct tkey *tkey_ec(int bits);   /* 256, 384 or 521 */
void tkey_free(struct tkey *k);

/* Certificate template. Zero values give a self-signed v3 code-signing
 * leaf: keyUsage digitalSignature (critical), EKU codeSigning, SHA-256. */
struct tcert_opts {
	const char *cn;
	const char *org;                 /* optional O attribute */
	bool is_ca;
	int path_len;                    /* with is_ca; -1 = absent */
	bool no_basic_constraints;       /* leaf: omit the extension (default: cA=false, critical) */
	bool no_key_usage;
	unsigned key_usage;              /* NV_KU_* bits; 0 = default for leaf / CA */
	bool key_usage_not_critical;
	const char *const *ekus;         /* dotted OIDs, NULL-terminated; NULL = codeSigning for leaves */
	bool sha1;                       /* sign with SHA-1 instead of SHA-256 */
	int pss_salt;                    /* RSA issuers: RSASSA-PSS SHA-256 with this salt (0: PKCS#1 v1.5) */
	int pss_params_salt;             /* salt length written in the parameters (0: pss_salt) */
	int64_t not_before, not_after;   /* 0 = 2020-01-01 .. 2120-01-01 */
	const char *extra_ext_oid;       /* one more extension (DER value given), e.g. unknown */
	bool extra_ext_critical;
	const unsigned char *extra_ext_value;
	size_t extra_ext_len;
	const struct tkey *issuer_key;   /* NULL: self-signed with the subject key */
	const char *issuer_cn;           /* with issuer_key */
	const char *issuer_org;
	bool eku_critical;               /* mark the EKU extension critical (TSA leaves) */
	const char *ocsp_url;            /* authorityInfoAccess id-ad-ocsp */
	const char *ocsp_url2;           /* a second responder */
	const char *crl_url;             /* CRL distribution point */
	const char *crl_url2;            /* a second distribution point */
	const char *freshest_url;        /* Freshest CRL extension (delta CRLs) */
	bool skid;                       /* add a subject key identifier */
};

/* DER certificate for key k. */
void tcert_make(const struct tkey *k, const struct tcert_opts *o, struct buf *der);

/* Signatures over data with the key's algorithm. */
void tsign_pss(const struct tkey *k, int hash_bits, const void *data, size_t len, int salt_len, struct buf *sig);
void tsign_ecdsa_raw(const struct tkey *k, int hash_bits, const void *data, size_t len, struct buf *sig);

/* JWS JSON envelope: protected header JSON as given (b64url-encoded here). */
struct tjws {
	const char *protected_json;
	const char *payload;             /* JSON text, b64url-encoded here */
	const struct buf *certs;         /* x5c, leaf first */
	size_t n_certs;
	const char *extra_header;        /* extra members of "header", e.g. "\"io.cncf.notary.signingAgent\":\"x\"" */
	int pss_salt;                    /* RSA keys: PSS salt length (default: hash length) */
	bool pss_salt_set;
	int hash_bits;                   /* 256/384/512 */
};
/* Sign and serialise. */
void tjws_make(const struct tkey *k, const struct tjws *j, struct buf *out);

/* Minimal CBOR writer for COSE tests. */
void tcbor_head(struct buf *b, unsigned major, uint64_t arg);
void tcbor_bstr(struct buf *b, const void *p, size_t n);
void tcbor_tstr(struct buf *b, const char *s);
void tcbor_int(struct buf *b, int64_t v);

/* COSE_Sign1 over protected (map bytes), with an unprotected map whose
 * entries are given pre-encoded (n_unprotected pairs in unprotected_pairs);
 * x5chain (label 33) is added from certs when n_certs > 0. */
struct tcose {
	const struct buf *protected_map;
	const unsigned char *unprotected_pairs;
	size_t unprotected_pairs_len;
	size_t n_unprotected;
	const struct buf *certs;
	size_t n_certs;
	const char *payload;
	int pss_salt;
	bool pss_salt_set;
	int hash_bits;
};
void tcose_make(const struct tkey *k, const struct tcose *c, struct buf *out);

/* The usual Notation protected header as a CBOR map (alg, crit, cty,
 * signingScheme notary.x509, signingTime tag 1). */
void tcose_protected(int alg, int64_t signing_time, struct buf *out);

char *tb64url(const void *p, size_t n);

/* ---- RFC 3161 tokens, CRLs and OCSP responses ---- */

/* Serial number (INTEGER contents) of a DER certificate, into out. */
void tcert_serial(const struct buf *cert, struct buf *out);

/* A TimeStampToken (ContentInfo / SignedData / TSTInfo) over message,
 * signed by key whose certificate is signer_cert. */
struct ttst_opts {
	int64_t gen_time;                /* seconds */
	int gen_millis;                  /* fraction written as ".mmm" without trailing zeros; 0: none */
	int accuracy_seconds, accuracy_millis;  /* 0: absent */
	const char *policy;              /* NULL: 1.2.3.4.1 */
	int imprint_bits;                /* 256 (default), 384, 512; 1 = SHA-1 */
	const struct buf *certs;         /* certificates carried (signer_cert not added automatically) */
	size_t n_certs;
	bool no_signing_cert_v2;         /* omit the ESS signingCertificateV2 attribute */
	bool wrong_cert_hash;
	bool no_issuer_serial;           /* ESSCertIDv2 without issuerSerial */
	int signer_version;              /* 0: 1 */
	bool tamper_signature;
	int64_t signing_time;            /* signingTime attribute; 0: absent */
	bool wrong_content_type_attr;
	bool wrong_message_digest;
	int tst_version;                 /* 0: 1 */
	int pss;                         /* RSA: RSASSA-PSS with salt = hash length (1) */
};
void ttst_make(const struct tkey *key, const struct buf *signer_cert, const void *message, size_t len,
	       const struct ttst_opts *o, struct buf *token);

struct tcrl_entry {
	const struct buf *serial;        /* INTEGER contents */
	int64_t revoked_at;
	int reason;                      /* -1: no reasonCode */
	int64_t invalidity;              /* 0: no invalidityDate */
	bool unknown_critical_ext;
};
struct tcrl_opts {
	const char *issuer_cn, *issuer_org;
	int64_t this_update, next_update;
	bool no_next_update;
	const struct tcrl_entry *entries;
	size_t n_entries;
	int64_t number;                  /* cRLNumber; < 0: absent */
	int64_t delta_base;              /* deltaCRLIndicator; < 0: absent */
	const char *freshest_url;
	bool unknown_critical_ext;
	bool idp_critical;               /* a critical issuingDistributionPoint (tolerated) */
};
void tcrl_make(const struct tkey *issuer_key, const struct tcrl_opts *o, struct buf *der);

struct tocsp_opts {
	const struct buf *serial;        /* the certificate's serial (INTEGER contents) */
	int status;                      /* 0 good, 1 revoked, 2 unknown */
	int64_t this_update, next_update;
	bool no_next_update;
	int64_t invalidity;              /* revoked: invalidityDate single extension; 0 none */
	bool critical_ext;               /* an unknown critical single extension */
	const struct buf *responder_cert;/* embedded certificate, NULL: none */
	int response_status;             /* 0 successful; otherwise no responseBytes */
};
void tocsp_make(const struct tkey *signer_key, const struct tocsp_opts *o, struct buf *der);

#endif
