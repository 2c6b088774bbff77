/*
 * verify.h - verification of one signature envelope against one trust policy
 * statement (notation-go verifier.Verify / processSignature as Flux wires it),
 * separate from the registry discovery loop of nv_verify (notation.h).
 *
 * Owned by notation. Used by nv_verify and by tests that feed vector files.
 */
#ifndef FERRY_NOTATION_VERIFY_H
#define FERRY_NOTATION_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notation/cert.h"
#include "notation/notation.h"
#include "notation/policy.h"
#include "util/err.h"

/* The descriptor the signature payload must name. */
struct nv_target {
	const char *media_type;
	const char *digest;
	int64_t size;
};

struct nv_check_result {
	bool evaluated;
	enum nv_action action;
	char *error;                   /* NULL: the check passed */
};

struct nv_sig_result {
	bool verified;                 /* no enforced failure, payload matches */
	const char *level;             /* "strict" ... "custom" (static string) */
	struct nv_check_result checks[NV_CHECK_COUNT];
	char *signer_subject;          /* leaf subject once integrity passed */
	char *error;                   /* why it did not verify (notation-go's outcome error) */
	bool timestamp_used;           /* an RFC 3161 countersignature was verified */
	int64_t timestamp_time;        /* its genTime, seconds */
};

struct nv_trust;
struct nv_rev_ctx;

/* What one signature is verified with besides its statement. */
struct nv_sig_ctx {
	const struct nv_trust *trust;  /* certificates and their store bindings */
	struct nv_rev_ctx *rev;        /* network and cache for revocation; NULL: offline */
	int64_t now;
};

/* Verify one envelope. trust holds every certificate of the bundle: as in
 * Flux, all of them serve each trust store the statement lists, and they are
 * used when a store of the envelope's signing-scheme type (ca /
 * signingAuthority / tsa) is listed. No network: a certificate that names
 * an OCSP responder or a CRL has an unknown revocation status. Returns 0
 * when the signature verified (res may still list logged failures), -1
 * with e->msg = res->error otherwise. */
int nv_verify_signature(const struct nv_statement *st, struct nv_cert *const *trust, size_t n_trust,
			const char *envelope_media_type, const void *envelope, size_t envelope_len,
			const struct nv_target *target, int64_t now, struct nv_sig_result *res,
			struct ferry_err *e);
/* The same with store bindings and revocation access (nv_verify uses it). */
int nv_verify_signature_ctx(const struct nv_statement *st, const struct nv_sig_ctx *ctx,
			    const char *envelope_media_type, const void *envelope, size_t envelope_len,
			    const struct nv_target *target, struct nv_sig_result *res, struct ferry_err *e);
void nv_sig_result_free(struct nv_sig_result *r);

/* Flux's checkOutcome on a verified signature: NV_AUDIT_ONLY when the
 * authenticity result (trust anchor or trusted identity) carries a logged
 * failure, else NV_VERIFIED. *logged gets the logged failures
 * ("<type>: <message>", "; "-joined) or NULL. */
enum nv_result nv_sig_result_outcome(const struct nv_sig_result *r, char **logged);

#endif
