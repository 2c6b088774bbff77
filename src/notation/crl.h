/*
 * crl.h - CRL (RFC 5280) status of one certificate as notation-core-go's
 * revocation/internal/crl checks it: every distribution point of the
 * certificate (http only, LIMIT_CRL_TIMEOUT_MS, at most LIMIT_CRL_BYTES),
 * each CRL signed by the issuer (Go's CheckSignatureFrom: a CA with
 * cRLSign), nextUpdate present and not passed, no unknown critical
 * extension (issuingDistributionPoint and deltaCRLIndicator tolerated), a
 * delta CRL fetched through the base CRL's Freshest CRL extension and
 * checked against the base (a Freshest CRL named only by the certificate is
 * not supported: unknown), entries matched by serial number with the
 * certificateHold / removeFromCRL rule and the invalidityDate rule of the
 * signingAuthority scheme.
 *
 * Owned by notation (revocation.c). CRLs are cached by URL under the state
 * dir and used from there while their nextUpdate has not passed.
 */
#ifndef FERRY_NOTATION_CRL_H
#define FERRY_NOTATION_CRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notation/cert.h"
#include "notation/der.h"
#include "notation/revocation.h"

/* A parsed CertificateList, pointing into the caller's bytes. */
struct nv_crl {
	const unsigned char *tbs;        size_t tbs_len;       /* whole TBSCertList */
	char sig_oid[DER_OID_STR_MAX];
	const unsigned char *sig_params; size_t sig_params_len;
	const unsigned char *sig;        size_t sig_len;
	const unsigned char *issuer;     size_t issuer_len;    /* whole Name */
	int64_t this_update;
	bool has_next_update;            int64_t next_update;
	const unsigned char *entries;    size_t entries_len;   /* revokedCertificates contents */
	const unsigned char *number;     size_t number_len;    /* cRLNumber INTEGER contents, NULL if absent */
	const unsigned char *delta_base; size_t delta_base_len;/* deltaCRLIndicator contents, NULL if absent */
	const unsigned char *freshest;   size_t freshest_len;  /* Freshest CRL extension value, NULL if absent */
	char unknown_critical[DER_OID_STR_MAX];                /* "" unless an unknown critical extension */
};

/* Go's x509.ParseRevocationList (strict DER). -1 with why. */
int nv_crl_parse(const void *der, size_t len, struct nv_crl *out, char *why, size_t why_len);

/* The certificate's CRL status (NON_REVOKABLE when it names no CRL). */
enum nv_rev_result nv_crl_check(struct nv_rev_ctx *ctx, const struct nv_cert *cert, const struct nv_cert *issuer,
				char *why, size_t why_len);

#endif
