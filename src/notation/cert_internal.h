/*
 * cert_internal.h - what cert.c, cert_name.c, cert_chain.c and the envelope
 * code share.
 *
 * Owned by notation (der, crypto, cert, envelope files); other modules and
 * the policy/verify code use cert.h.
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

/* notation-core-go's ExtractKeySpec error for a signing key ("rsa key size
 * 1024 bits is not supported", ...): -1 with the text in err, 0 if the key
 * maps to a Notation algorithm. */
int nv_cert_key_spec_error(const struct nv_cert *leaf, char *err, size_t n);

#endif
