/* revocation.c - revocation of a certificate chain: per-certificate method
 * choice (OCSP, CRL fallback), notation-go's aggregation and messages. */
#include "notation/revocation.h"

#include <stdio.h>
#include <string.h>

#include "notation/crl.h"
#include "notation/fetch.h"
#include "notation/gojson.h"
#include "notation/ocsp.h"
#include "oci/oci.h"
#include "util/log.h"
#include "util/mem.h"

void nv_rev_ctx_init(struct nv_rev_ctx *ctx, struct oci_client *client, const struct nv_revcache *cache,
		     int64_t now)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->client = client;
	ctx->cache = cache;
	ctx->now = now;
}

void nv_rev_ctx_free(struct nv_rev_ctx *ctx)
{
	if (!ctx)
		return;
	nv_fetch_free(ctx->fetch);
	ctx->fetch = NULL;
}

struct nv_fetch *nv_rev_fetch(struct nv_rev_ctx *ctx)
{
	struct ferry_err e;

	if (ctx->fetch || !ctx->client || ctx->fetch_failed)
		return ctx->fetch;
	ferr_clear(&e);
	if (nv_fetch_new(oci_client_proxy(ctx->client), &ctx->fetch, &e) < 0) {
		log_warn("revocation checks cannot use the network: %s", e.msg);
		ctx->fetch_failed = true;
	}
	return ctx->fetch;
}

enum nv_rev_result nv_revocation_check_cert(struct nv_rev_ctx *ctx, const struct nv_cert *cert,
					    const struct nv_cert *issuer, char *why, size_t why_len)
{
	struct nv_rev_ctx offline;
	enum nv_rev_result r;
	char scratch[8];

	if (!why) {
		why = scratch;
		why_len = sizeof(scratch);
	}
	why[0] = '\0';
	if (!ctx) {
		nv_rev_ctx_init(&offline, NULL, NULL, 0);
		ctx = &offline;
	}
	if (cert->n_ocsp > 0) {
		r = nv_ocsp_check(ctx, cert, issuer, why, why_len);
		if (r == NV_REV_UNKNOWN && cert->n_crl > 0) {
			log_warn("OCSP check failed with unknown error and fallback to CRL check for certificate with "
				 "subject \"%s\"", cert->subject_string);
			r = nv_crl_check(ctx, cert, issuer, why, why_len);
		}
		return r;
	}
	if (cert->n_crl > 0)
		return nv_crl_check(ctx, cert, issuer, why, why_len);
	return NV_REV_NON_REVOKABLE;
}

int nv_revocation_check_chain(struct nv_rev_ctx *ctx, struct nv_cert *const *chain, size_t n,
			      enum nv_rev_purpose purpose, enum nv_rev_result *result, size_t *problem,
			      struct ferry_err *e)
{
	bool revoked = false;
	size_t ok = 0, revoked_at = 0;

	*result = NV_REV_UNKNOWN;
	*problem = 0;
	if (n == 0)
		return ferr_set(e, "VerificationError", "invalid chain: expected chain to be correct and complete: chain "
				"does not contain any certificates");
	if ((purpose == NV_REV_TIMESTAMPING ? nv_chain_validate_timestamping(chain, n, e)
					    : nv_chain_validate_codesigning(chain, n, e)) < 0)
		return ferr_prefix(e, "invalid chain: expected chain to be correct and complete");
	/* revocationFinalResult walks from the root to the leaf: the last
	 * non-OK certificate seen (nearest the leaf) is the one reported */
	for (size_t k = n; k-- > 0;) {
		enum nv_rev_result r = NV_REV_NON_REVOKABLE;
		char why[1024] = "";

		if (k + 1 < n)
			r = nv_revocation_check_cert(ctx, chain[k], chain[k + 1], why, sizeof(why));
		if (r == NV_REV_OK || r == NV_REV_NON_REVOKABLE) {
			ok++;
			if (k + 1 < n && r == NV_REV_NON_REVOKABLE)
				log_debug("certificate #%zu in the chain with subject \"%s\" neither has an OCSP nor a CRL "
					  "revocation method", k + 1, chain[k]->subject_string);
			continue;
		}
		log_warn("certificate #%zu in the chain with subject \"%s\": %s", k + 1, chain[k]->subject_string,
			 why[0] ? why : (r == NV_REV_REVOKED ? "revoked" : "revocation status unknown"));
		*result = r;
		*problem = k;
		if (r == NV_REV_REVOKED) {
			revoked = true;
			revoked_at = k;
		}
	}
	if (revoked) {
		*result = NV_REV_REVOKED;
		*problem = revoked_at;
	}
	if (ok == n)
		*result = NV_REV_OK;
	return 0;
}

char *nv_revocation_signing_chain(struct nv_rev_ctx *ctx, struct nv_cert *const *chain, size_t n)
{
	enum nv_rev_result r;
	size_t problem;
	struct ferry_err e;
	_cleanup_free_ char *q = NULL;

	ferr_clear(&e);
	if (nv_revocation_check_chain(ctx, chain, n, NV_REV_CODE_SIGNING, &r, &problem, &e) < 0)
		return xasprintf("unable to check revocation status, err: %s", e.msg);
	if (r == NV_REV_OK)
		return NULL;
	q = gj_quote(chain[problem]->subject_string);
	if (r == NV_REV_REVOKED)
		return xasprintf("signing certificate with subject %s is revoked", q);
	return xasprintf("signing certificate with subject %s revocation status is unknown", q);
}
