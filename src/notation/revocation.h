/*
 * revocation.h - revocation status of a signing or timestamping certificate
 * chain as notation-core-go's revocation package decides it (reference
 * §8.4): every certificate but the root, OCSP first where it names a
 * responder, CRLs where it names distribution points or when OCSP could not
 * tell; OK only when every certificate is good or names nothing to ask.
 *
 * Owned by notation (verify.c for the signing chain, timestamp.c for the TSA
 * chain). Network access goes through nv_fetch with the source's proxy
 * settings; CRLs and OCSP responses are cached under the state dir
 * (revcache.h) and used until their nextUpdate, so an offline host gets
 * "unknown" only when nothing fresh is cached, never a hang (every request
 * has LIMIT_OCSP_TIMEOUT_MS / LIMIT_CRL_TIMEOUT_MS).
 *
 * ferry supersets Flux here: Flux's notation-go validator asks OCSP only
 * (2 s, no proxy); ferry also reads CRLs (with delta CRLs) as the notation
 * CLI does.
 */
#ifndef FERRY_NOTATION_REVOCATION_H
#define FERRY_NOTATION_REVOCATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notation/cert.h"
#include "util/err.h"

struct oci_client;
struct nv_fetch;
struct nv_revcache;

enum nv_rev_result {
	NV_REV_OK = 0,
	NV_REV_NON_REVOKABLE,     /* names no OCSP responder and no CRL */
	NV_REV_UNKNOWN,
	NV_REV_REVOKED,
};

enum nv_rev_purpose { NV_REV_CODE_SIGNING, NV_REV_TIMESTAMPING };

/* What a revocation check may use. */
struct nv_rev_ctx {
	struct oci_client *client;    /* proxy settings for OCSP / CRL requests; NULL: no network */
	struct nv_fetch *fetch;       /* made from client on first use */
	const struct nv_revcache *cache; /* NULL: no cache */
	int64_t now;                  /* seconds */
	int64_t signing_time;         /* authentic signing time (signingAuthority scheme), 0: none */
	bool fetch_failed;
};

void nv_rev_ctx_init(struct nv_rev_ctx *ctx, struct oci_client *client, const struct nv_revcache *cache,
		     int64_t now);
void nv_rev_ctx_free(struct nv_rev_ctx *ctx);
/* The HTTP client, made on first use; NULL without network. */
struct nv_fetch *nv_rev_fetch(struct nv_rev_ctx *ctx);

/* One certificate issued by issuer: OCSP, CRL as fallback or alone,
 * else non-revokable. why (may be NULL) gets the reason of an unknown or
 * revoked result, for logs. ctx NULL: offline, no cache. */
enum nv_rev_result nv_revocation_check_cert(struct nv_rev_ctx *ctx, const struct nv_cert *cert,
					    const struct nv_cert *issuer, char *why, size_t why_len);

/* The chain (leaf first): re-validated for its purpose (a failure gives -1
 * with "invalid chain: expected chain to be correct and complete: ..."),
 * then every certificate but the root. *result is revocationFinalResult's
 * verdict and *problem the index of the certificate it names (the revoked
 * one nearest the leaf, else the non-OK one nearest the leaf). */
int nv_revocation_check_chain(struct nv_rev_ctx *ctx, struct nv_cert *const *chain, size_t n,
			      enum nv_rev_purpose purpose, enum nv_rev_result *result, size_t *problem,
			      struct ferry_err *e);

/* notation-go's revocation verdict on the signing chain: NULL when OK, else
 * "signing certificate with subject \"S\" is revoked" / "... revocation
 * status is unknown" / "unable to check revocation status, err: ...". */
char *nv_revocation_signing_chain(struct nv_rev_ctx *ctx, struct nv_cert *const *chain, size_t n);

#endif
