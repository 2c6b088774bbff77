/*
 * cert_internal.h - what cert.c, cert_name.c, cert_chain.c and the envelope
 * code share.
 *
 * Owned by notation (der, crypto, cert, envelope files; the timestamp and
 * revocation code verify CMS, OCSP and CRL signatures through it); other
 * modules and the policy/verify code use cert.h.
 */
#ifndef FERRY_NOTATION_CERT_INTERNAL_H
#define FERRY_NOTATION_CERT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "notation/cert.h"
#include "notation/crypto.h"

/* Parse an X.509 Name (the whole RDNSequence element) the way Go's
 * crypto/x509 parseName does. On failure *why is Go's message. */
int nv_name_parse(const unsigned char *raw, size_t len, struct nv_name_attr **attrs, size_t *n,
		  const char **why);
/* Go's pkix.Name.String() of a parsed name. */
char *nv_name_string(const struct nv_name_attr *attrs, size_t n);
void nv_name_free(struct nv_name_attr *attrs, size_t n);

/* Go's Certificate.CheckSignature(c.SignatureAlgorithm, tbs, sig) with the
 * key of signer (allow_sha1) or CheckSignatureFrom's checkSignature (not).
 * On failure writes Go's error text to err. */
int nv_cert_check_signature_raw(const struct nv_cert *c, const struct nv_cert *signer, bool allow_sha1,
				char *err, size_t err_len);

/* Go's checkSignature over data with signer's key, the algorithm given as
 * an AlgorithmIdentifier's OID and raw parameters (CRLs, OCSP responses). */
int nv_check_signature_ai(const struct nv_cert *signer, const char *alg_oid, const unsigned char *params,
			  size_t params_len, bool allow_sha1, const void *data, size_t len, const unsigned char *sig,
			  size_t sig_len, char *err, size_t err_len);
/* The same for an algorithm named as Go's SignatureAlgorithm.String()
 * ("SHA256-RSA", "SHA384-RSAPSS", "ECDSA-SHA512", ...; CMS signer infos).
 * Go's Certificate.CheckSignature: SHA-1 allowed. */
int nv_check_signature_named(const struct nv_cert *signer, const char *name, const void *data, size_t len,
			     const unsigned char *sig, size_t sig_len, char *err, size_t err_len);

/* notation-core-go's ExtractKeySpec error for a signing key ("rsa key size
 * 1024 bits is not supported", ...): -1 with the text in err, 0 if the key
 * maps to a Notation algorithm. */
int nv_cert_key_spec_error(const struct nv_cert *leaf, char *err, size_t n);

#endif
