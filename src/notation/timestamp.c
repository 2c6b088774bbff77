/* timestamp.c - the authenticTimestamp step of the notary.x509 scheme
 * (notation-go verifyTimestamp): when to verify the RFC 3161
 * countersignature, the token checks against the tsa stores, the signing
 * chain's validity against the timestamp range, the TSA chain revocation. */
#include "notation/tst.h"

#include <stdlib.h>
#include <string.h>

#include "notation/bundle.h"
#include "notation/gojson.h"
#include "notation/revocation.h"
#include "util/mem.h"
#include "util/timeutil.h"

/* "timestamp can be before/after certificate ..." with Go's %q quoting. */
static char *range_msg(bool before, const struct nv_cert *c)
{
	char t[40];
	_cleanup_free_ char *qs = gj_quote(c->subject_string);
	_cleanup_free_ char *qt = NULL;

	ftime_format_rfc1123z(before ? c->not_before : c->not_after, t, sizeof(t));
	qt = gj_quote(t);
	if (before)
		return xasprintf("timestamp can be before certificate %s validity period, it will be valid from %s", qs, qt);
	return xasprintf("timestamp can be after certificate %s validity period, it was expired at %s", qs, qt);
}

static bool must_verify(const struct nv_envelope *env, const struct nv_statement *st, int64_t now)
{
	if (!nv_statement_has_store_type(st, NV_STORE_TSA))
		return false;
	if (strcmp(st->verify_timestamp, "afterCertExpiry") != 0)
		return true;
	for (size_t i = 0; i < env->chain_len; i++)
		if (now > env->chain[i]->not_after)
			return true;
	return false;
}

/* Steps 5-9 of the reference's §8.2 once the token's time is known. */
static char *verify_token(const struct nv_tst *tok, const struct nv_envelope *env, const struct nv_statement *st,
			  const struct nv_trust *trust, struct nv_rev_ctx *rev, int64_t gen_us, int64_t acc_us)
{
	struct nv_cert **roots = NULL, **chain = NULL;
	size_t n_roots = 0, n_chain = 0, problem;
	enum nv_rev_result rr;
	struct ferry_err e;
	char *msg = NULL;
	int64_t saved_signing_time;

	ferr_clear(&e);
	if (nv_trust_select(trust, st, NV_STORE_TSA, &roots, &n_roots, &e) < 0)
		return xasprintf("failed to load tsa trust store with error: %s", e.msg);
	if (n_roots == 0)
		return xstrdup("no trusted TSA certificate found in trust store");
	if (nv_tst_verify(tok, roots, n_roots, gen_us, &chain, &n_chain, &e) < 0) {
		msg = xasprintf("failed to verify the timestamp countersignature with error: %s", e.msg);
		goto out;
	}
	if (nv_chain_validate_timestamping(chain, n_chain, &e) < 0) {
		msg = xasprintf("failed to validate the timestamping certificate chain with error: %s", e.msg);
		goto out;
	}
	for (size_t i = 0; i < env->chain_len; i++) {
		const struct nv_cert *c = env->chain[i];

		if (gen_us - acc_us < c->not_before * 1000000) {
			msg = range_msg(true, c);
			goto out;
		}
		if (gen_us + acc_us > c->not_after * 1000000) {
			msg = range_msg(false, c);
			goto out;
		}
	}
	saved_signing_time = rev ? rev->signing_time : 0;
	if (rev)
		rev->signing_time = 0;
	if (nv_revocation_check_chain(rev, chain, n_chain, NV_REV_TIMESTAMPING, &rr, &problem, &e) < 0) {
		msg = xasprintf("failed to check timestamping certificate chain revocation with error: %s", e.msg);
	} else if (rr != NV_REV_OK) {
		_cleanup_free_ char *q = gj_quote(chain[problem]->subject_string);

		msg = xasprintf(rr == NV_REV_REVOKED ? "timestamping certificate with subject %s is revoked"
						     : "timestamping certificate with subject %s revocation status is unknown", q);
	}
	if (rev)
		rev->signing_time = saved_signing_time;
out:
	free(chain);
	free(roots);
	return msg;
}

char *nv_timestamp_check(const struct nv_envelope *env, const struct nv_statement *st, const struct nv_trust *trust,
			 struct nv_rev_ctx *rev, int64_t now, struct nv_timestamp_outcome *out)
{
	struct nv_tst *tok = NULL;
	struct nv_tst_info info;
	struct ferry_err e;
	int64_t gen_us, acc_us;
	char *msg;

	memset(out, 0, sizeof(*out));
	ferr_clear(&e);
	if (!must_verify(env, st, now)) {
		/* not triggered: the signing chain must be valid now */
		if (nv_chain_check_validity(env->chain, env->chain_len, now, &e) < 0)
			return xstrdup(e.msg);
		return NULL;
	}
	if (!env->timestamp_token || env->timestamp_token_len == 0)
		return xstrdup("no timestamp countersignature was found in the signature envelope");
	if (nv_tst_parse(env->timestamp_token, env->timestamp_token_len, &tok, &e) < 0)
		return xasprintf("failed to parse timestamp countersignature with error: %s", e.msg);
	if (nv_tst_info(tok, &info, &e) < 0) {
		msg = xasprintf("failed to get the timestamp TSTInfo with error: %s", e.msg);
		goto out;
	}
	if (nv_tst_info_validate(&info, env->signature, env->signature_len, &gen_us, &acc_us, &e) < 0) {
		msg = xasprintf("failed to get timestamp from timestamp countersignature with error: %s", e.msg);
		goto out;
	}
	msg = verify_token(tok, env, st, trust, rev, gen_us, acc_us);
	if (!msg) {
		out->used = true;
		out->gen_time = gen_us >= 0 ? gen_us / 1000000 : -((-gen_us + 999999) / 1000000);
	}
out:
	nv_tst_free(tok);
	return msg;
}
