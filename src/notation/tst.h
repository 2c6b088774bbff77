/*
 * tst.h - RFC 3161 time-stamp tokens (a CMS SignedData over a TSTInfo) as
 * notation-go reads them through tspclient-go v1.0.0, and the
 * authenticTimestamp step of the notary.x509 scheme built on them.
 *
 * Owned by notation. The token arrives in the signature envelope's
 * io.cncf.notary.timestampSignature header (nv_envelope.timestamp_token).
 * Parsing: BER tolerated where tspclient tolerates it (definite lengths in
 * any form, re-encoded minimally), ContentInfo signedData, SignedData
 * version 3, certificates, eContentType id-ct-TSTInfo. Verification: the
 * signer certificate named by ESS signingCertificateV2, SignerInfo version
 * 1, a certificate path built at genTime from the token's certificates to
 * the tsa-store roots (Go's x509.Verify rules), the signature over the DER
 * SET of signed attributes, content-type / message-digest / signingTime
 * attributes and the timeStamping EKU of the signer. Error texts are
 * tspclient-go's ("cms verification failure: ...", "failed to verify signed
 * token: ...", "invalid TSTInfo: ...").
 */
#ifndef FERRY_NOTATION_TST_H
#define FERRY_NOTATION_TST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notation/cert.h"
#include "notation/der.h"
#include "notation/envelope.h"
#include "notation/policy.h"
#include "util/buf.h"
#include "util/err.h"

struct nv_rev_ctx;
struct nv_trust;

/* One SignerInfo, pointing into the token's DER. */
struct nv_tst_signer {
	int64_t version;
	const unsigned char *sid_issuer;   size_t sid_issuer_len;   /* issuer Name, whole element */
	const unsigned char *sid_serial;   size_t sid_serial_len;   /* INTEGER contents */
	char digest_oid[DER_OID_STR_MAX];
	const unsigned char *attrs;        size_t attrs_len;        /* contents of signedAttrs [0] */
	size_t n_attrs;
	char sig_oid[DER_OID_STR_MAX];
	const unsigned char *signature;    size_t signature_len;
};

struct nv_tst {
	unsigned char *der;                size_t der_len;          /* the token after BER -> DER */
	char content_type[DER_OID_STR_MAX];                         /* eContentType */
	const unsigned char *content;      size_t content_len;      /* eContent (the TSTInfo DER) */
	struct nv_cert **certs;            size_t n_certs;
	struct nv_tst_signer *signers;     size_t n_signers;
};

struct nv_tst_info {
	int64_t version;
	char policy[DER_OID_STR_MAX];
	char hash_oid[DER_OID_STR_MAX];
	const unsigned char *hashed;       size_t hashed_len;       /* into the token */
	int64_t gen_time_us;                                        /* microseconds since the epoch */
	int64_t acc_seconds, acc_millis, acc_micros;
};

/* tspclient's BER -> DER step (internal/encoding/asn1/ber): exactly one
 * element with definite lengths; lengths re-encoded in minimal form.
 * Messages are Go's ("asn1: syntax error: decoding BER length octets: ...").
 * Nesting is bounded by LIMIT_DER_DEPTH. */
int nv_ber_to_der(const unsigned char *ber, size_t len, struct buf *der, struct ferry_err *e);

/* tspclient.ParseSignedToken. */
int nv_tst_parse(const void *token, size_t len, struct nv_tst **out, struct ferry_err *e);
void nv_tst_free(struct nv_tst *t);
/* cms.ParseSignedData only (any eContentType), for CMS-level checks. */
int nv_cms_parse(const void *data, size_t len, struct nv_tst **out, struct ferry_err *e);

/* SignedToken.Info: "cannot unmarshal TSTInfo from timestamp token: ...". */
int nv_tst_info(const struct nv_tst *t, struct nv_tst_info *info, struct ferry_err *e);
/* TSTInfo.Validate(message): version 1, the imprint hash (SHA-256/384/512)
 * of message, the accuracy (1 s under the baseline policy when none is
 * given). Errors "invalid TSTInfo: ...". */
int nv_tst_info_validate(const struct nv_tst_info *info, const void *message, size_t len, int64_t *gen_time_us,
			 int64_t *accuracy_us, struct ferry_err *e);

/* SignedToken.Verify at time at_us with roots as the only anchors: 0 and
 * *chain (leaf first, pointers into t->certs and roots; free the array
 * only) or -1 with "failed to verify signed token: ...". */
int nv_tst_verify(const struct nv_tst *t, struct nv_cert *const *roots, size_t n_roots, int64_t at_us,
		  struct nv_cert ***chain, size_t *n_chain, struct ferry_err *e);
/* cms ParsedSignedData.Verify (signer certificate found by its sid, any
 * signer wins, no EKU rule on the signer beyond the requested usage):
 * "cms verification failure: ...". */
int nv_cms_verify(const struct nv_tst *t, struct nv_cert *const *roots, size_t n_roots, int64_t at_us,
		  struct nv_cert ***chain, size_t *n_chain, struct ferry_err *e);
/* The signed-attribute checks of one signer alone (content type, message
 * digest, signing time within chain), as tspclient's
 * verifySignedAttributes; for tests of the attribute rules. */
int nv_cms_check_signed_attrs(const struct nv_tst *t, size_t signer, struct nv_cert *const *chain, size_t n_chain,
			      struct ferry_err *e);
/* ESS signingCertificateV2 lookup of the signer's certificate
 * (SignedToken.SigningCertificate). */
int nv_tst_signing_cert(const struct nv_tst *t, size_t signer, const struct nv_cert **out, struct ferry_err *e);

/* ---- the authenticTimestamp step of notary.x509 (timestamp.c) ---------------------- */

struct nv_timestamp_outcome {
	bool used;              /* a countersignature was verified and anchored the validity check */
	int64_t gen_time;       /* its genTime, seconds */
};

/* notation-go verifyTimestamp (reference §8.1, §8.2): decides whether the
 * countersignature must be verified (a tsa store listed; verifyTimestamp
 * always, or afterCertExpiry with an expired signing-chain certificate),
 * verifies it against the tsa certificates of trust, checks the signing
 * chain's validity against the timestamp range (or against now when not
 * triggered) and the TSA chain's revocation through rev. Returns NULL when
 * the step passes, else notation-go's message (caller frees). */
char *nv_timestamp_check(const struct nv_envelope *env, const struct nv_statement *st, const struct nv_trust *trust,
			 struct nv_rev_ctx *rev, int64_t now, struct nv_timestamp_outcome *out);

#endif
