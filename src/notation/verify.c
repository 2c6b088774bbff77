/* verify.c - Notation verification of an artifact: discovery loop (nv_verify) and the per-signature steps. */
#include "notation/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "notation/bundle.h"
#include "notation/envelope.h"
#include "notation/gojson.h"
#include "notation/identity.h"
#include "notation/revcache.h"
#include "notation/revocation.h"
#include "notation/tst.h"
#include "oci/manifest.h"
#include "oci/oci.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/timeutil.h"

#define REASON "VerificationError"

/* ---- time texts as Go's Time.Format(time.RFC1123Z) ---------------------- */

static void format_rfc1123z(int64_t sec, int offset_min, char *out, size_t n)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(sec + (int64_t)offset_min * 60);
	int off = offset_min < 0 ? -offset_min : offset_min;
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d", wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, offset_min < 0 ? '-' : '+', off / 60,
		 off % 60);
}

/* Zone offset (minutes) of an RFC 3339 string: Go keeps it when parsing and
 * prints the time in it. */
static int rfc3339_offset(const char *s)
{
	size_t n = strlen(s);
	int h, m;

	if (n < 6 || s[n - 1] == 'Z' || s[n - 1] == 'z')
		return 0;
	if ((s[n - 6] != '+' && s[n - 6] != '-') || s[n - 3] != ':' ||
	    sscanf(s + n - 5, "%2d", &h) != 1 || sscanf(s + n - 2, "%2d", &m) != 1)
		return 0;
	return (s[n - 6] == '-' ? -1 : 1) * (h * 60 + m);
}

struct time_zones {
	int expiry;
	int signing_time;
};

/* JWS carries its times as RFC 3339 strings in the protected header; read
 * their zones from the (already integrity-checked) envelope. COSE times are
 * epoch numbers, which Go renders in the local zone: ferry uses UTC. */
static void jws_time_zones(const void *envelope, size_t len, struct time_zones *z)
{
	json_t *outer = json_loadb(envelope, len, 0, NULL);
	json_t *header = NULL;
	const char *protected = NULL, *s;
	struct buf raw = BUF_INIT(0);

	memset(z, 0, sizeof(*z));
	if (json_is_object(outer))
		protected = json_string_value(json_object_get(outer, "protected"));
	if (protected && b64_decode_url_raw(protected, strlen(protected), LIMIT_SIGNATURE_ENVELOPE_BYTES, &raw, NULL) == 0)
		header = json_loadb((const char *)raw.data, raw.len, 0, NULL);
	if (json_is_object(header)) {
		if ((s = json_string_value(json_object_get(header, "io.cncf.notary.expiry"))))
			z->expiry = rfc3339_offset(s);
		if ((s = json_string_value(json_object_get(header, "io.cncf.notary.authenticSigningTime"))))
			z->signing_time = rfc3339_offset(s);
	}
	json_decref(header);
	json_decref(outer);
	buf_free(&raw);
}

/* ---- per-signature steps ------------------------------------------------------ */

static void set_check(struct nv_sig_result *r, enum nv_check c, enum nv_action action, char *error)
{
	struct nv_check_result *cr = &r->checks[c];

	cr->evaluated = true;
	cr->action = action;
	free(cr->error);
	cr->error = error;
	if (error)
		log_debug(action == NV_ACTION_ENFORCE ? "%s validation failed. Failure reason: %s"
						      : "%s validation failed with validation action set to \"logged\". "
							"Failure reason: %s",
			  nv_check_name(c), error);
}

static bool critical(const struct nv_sig_result *r, enum nv_check c)
{
	return r->checks[c].action == NV_ACTION_ENFORCE && r->checks[c].error;
}

static char *check_authenticity(const struct nv_envelope *env, const struct nv_statement *st,
				const struct nv_trust *trust)
{
	const char *store_type = env->scheme == NV_SCHEME_X509_SIGNING_AUTHORITY ? NV_STORE_SIGNING_AUTHORITY
										 : NV_STORE_CA;
	struct nv_cert **certs = NULL;
	size_t n = 0;
	struct ferry_err e;
	char *msg;

	ferr_clear(&e);
	if (nv_trust_select(trust, st, store_type, &certs, &n, &e) < 0)
		return xstrdup(e.msg);
	if (n == 0)
		return xstrdup("no trusted certificates are found to verify authenticity");
	msg = xstrdup("the signature's certificate chain does not contain any trusted certificate");
	for (size_t i = 0; i < n && msg; i++) {
		for (size_t j = 0; j < env->chain_len; j++) {
			if (nv_cert_equal(certs[i], env->chain[j])) {
				free(msg);
				msg = NULL;
				break;
			}
		}
	}
	free(certs);
	return msg;
}

static char *check_expiry(const struct nv_envelope *env, const struct time_zones *z, int64_t now)
{
	char when[64];
	_cleanup_free_ char *q = NULL;

	if (!env->has_expiry || now < env->expiry)
		return NULL;
	format_rfc1123z(env->expiry, z->expiry, when, sizeof(when));
	q = gj_quote(when);
	return xasprintf("digital signature has expired on %s", q);
}

/* notation-go verifyAuthenticTimestamp (reference §5.4, §8): the RFC 3161
 * countersignature for notary.x509 (timestamp.c), the authentic signing
 * time for notary.x509.signingAuthority. */
static char *check_authentic_timestamp(const struct nv_envelope *env, const struct nv_statement *st,
				       const struct nv_sig_ctx *ctx, const struct time_zones *z,
				       struct nv_sig_result *res)
{
	if (env->scheme == NV_SCHEME_X509) {
		struct nv_timestamp_outcome ts;
		char *msg = nv_timestamp_check(env, st, ctx->trust, ctx->rev, ctx->now, &ts);

		res->timestamp_used = ts.used;
		res->timestamp_time = ts.gen_time;
		return msg;
	}
	{
		int64_t at = env->has_authentic_signing_time ? env->authentic_signing_time : env->signing_time;
		char when[64];

		for (size_t i = 0; i < env->chain_len; i++) {
			const struct nv_cert *c = env->chain[i];

			if (at < c->not_before || at > c->not_after) {
				_cleanup_free_ char *qs = gj_quote(c->subject_string);
				_cleanup_free_ char *qt = NULL;

				format_rfc1123z(at, z->signing_time, when, sizeof(when));
				qt = gj_quote(when);
				return xasprintf("certificate %s was not valid when the digital signature was produced at %s",
						 qs, qt);
			}
		}
	}
	return NULL;
}

/* Revocation of the signing chain (reference §8.4); the signingAuthority
 * scheme's authentic signing time feeds the invalidityDate rule. */
static char *check_revocation(const struct nv_envelope *env, const struct nv_sig_ctx *ctx)
{
	int64_t saved = ctx->rev ? ctx->rev->signing_time : 0;
	char *msg;

	if (ctx->rev)
		ctx->rev->signing_time = env->scheme == NV_SCHEME_X509_SIGNING_AUTHORITY && env->has_authentic_signing_time
					 ? env->authentic_signing_time : 0;
	msg = nv_revocation_signing_chain(ctx->rev, env->chain, env->chain_len);
	if (ctx->rev)
		ctx->rev->signing_time = saved;
	return msg;
}

/* Go's json.Unmarshal of the payload into envelope.Payload and
 * content.Equal(payload.TargetArtifact, desc). */
static char *check_payload(const struct nv_envelope *env, const struct nv_target *target)
{
	struct gj_value *doc = NULL;
	struct gj_dec d;
	char err[256];
	char *media_type = xstrdup(""), *digest = xstrdup(""), *artifact_type = xstrdup("");
	int64_t size = 0;
	char *result = NULL;

	gj_dec_init(&d);
	if (gj_parse(env->payload, env->payload_len, &doc, err, sizeof(err)) < 0) {
		result = xstrdup(err);
		goto out;
	}
	if (doc->kind != GJ_OBJECT && doc->kind != GJ_NULL)
		gj_type_error(&d, doc, "envelope.Payload");
	for (size_t i = 0; doc->kind == GJ_OBJECT && i < doc->n_members; i++) {
		const struct gj_value *ta = &doc->members[i].value;
		struct gj_frame f;

		if (!gj_key_is(&doc->members[i], "targetArtifact"))
			continue;
		f = gj_enter(&d, "Payload", "targetArtifact");
		if (ta->kind != GJ_OBJECT && ta->kind != GJ_NULL)
			gj_type_error(&d, ta, "v1.Descriptor");
		gj_leave(&d, f);
		for (size_t j = 0; ta->kind == GJ_OBJECT && j < ta->n_members; j++) {
			const struct gj_member *m = &ta->members[j];
			struct gj_frame g;
			bool set;
			char **strv = NULL;
			size_t n_strv = 0;

			f = gj_enter(&d, "Payload", "targetArtifact");
			if (gj_key_is(m, "mediaType")) {
				g = gj_enter(&d, "Descriptor", "mediaType");
				gj_string(&d, &m->value, &media_type, "string");
			} else if (gj_key_is(m, "digest")) {
				g = gj_enter(&d, "Descriptor", "digest");
				gj_string(&d, &m->value, &digest, "digest.Digest");
			} else if (gj_key_is(m, "size")) {
				g = gj_enter(&d, "Descriptor", "size");
				gj_int64(&d, &m->value, &size, "int64");
			} else if (gj_key_is(m, "artifactType")) {
				g = gj_enter(&d, "Descriptor", "artifactType");
				gj_string(&d, &m->value, &artifact_type, "string");
			} else if (gj_key_is(m, "urls")) {
				g = gj_enter(&d, "Descriptor", "urls");
				gj_strings(&d, &m->value, &strv, &n_strv, &set);
				gj_strv_free(strv, n_strv);
			} else if (gj_key_is(m, "annotations")) {
				g = gj_enter(&d, "Descriptor", "annotations");
				if (m->value.kind == GJ_OBJECT) {
					for (size_t k = 0; k < m->value.n_members; k++) {
						char *v = xstrdup("");
						gj_string(&d, &m->value.members[k].value, &v, "string");
						free(v);
					}
				} else if (m->value.kind != GJ_NULL) {
					gj_type_error(&d, &m->value, "map[string]string");
				}
			} else if (gj_key_is(m, "data")) {
				g = gj_enter(&d, "Descriptor", "data");
				if (m->value.kind != GJ_STRING && m->value.kind != GJ_NULL)
					gj_type_error(&d, &m->value, "[]uint8");
			} else if (gj_key_is(m, "platform")) {
				g = gj_enter(&d, "Descriptor", "platform");
				if (m->value.kind != GJ_OBJECT && m->value.kind != GJ_NULL)
					gj_type_error(&d, &m->value, "v1.Platform");
			} else {
				gj_leave(&d, f);
				continue;
			}
			gj_leave(&d, g);
			gj_leave(&d, f);
		}
	}
	if (d.error) {
		result = xstrdup(d.error);
		goto out;
	}
	if (strcmp(media_type, target->media_type) != 0 || strcmp(digest, target->digest) != 0 ||
	    size != target->size)
		result = xstrdup("content descriptor mismatch");
out:
	gj_free(doc);
	gj_dec_free(&d);
	free(media_type);
	free(digest);
	free(artifact_type);
	return result;
}

static int fail(struct nv_sig_result *res, struct ferry_err *e, char *msg)
{
	free(res->error);
	res->error = msg;
	res->verified = false;
	return ferr_set(e, REASON, "%s", msg);
}

int nv_verify_signature(const struct nv_statement *st, struct nv_cert *const *trust, size_t n_trust,
			const char *envelope_media_type, const void *envelope, size_t envelope_len,
			const struct nv_target *target, int64_t now, struct nv_sig_result *res,
			struct ferry_err *e)
{
	const struct nv_trust t = { trust, NULL, n_trust };
	const struct nv_sig_ctx ctx = { &t, NULL, now };

	return nv_verify_signature_ctx(st, &ctx, envelope_media_type, envelope, envelope_len, target, res, e);
}

int nv_verify_signature_ctx(const struct nv_statement *st, const struct nv_sig_ctx *ctx,
			    const char *envelope_media_type, const void *envelope, size_t envelope_len,
			    const struct nv_target *target, struct nv_sig_result *res, struct ferry_err *e)
{
	int64_t now = ctx->now;
	enum nv_action actions[NV_CHECK_COUNT];
	struct nv_envelope *env = NULL;
	struct time_zones zones = { 0, 0 };
	struct ferry_err inner;
	char *msg;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (nv_statement_level(st, &res->level, actions, e) < 0) {
		res->error = xstrdup(e->msg);
		return -1;
	}
	if (actions[NV_CHECK_INTEGRITY] == NV_ACTION_SKIP) {
		res->verified = true;
		return 0;
	}

	/* 1. integrity */
	if (!envelope_media_type || (strcmp(envelope_media_type, NV_MT_JWS) != 0 &&
				     strcmp(envelope_media_type, NV_MT_COSE) != 0)) {
		_cleanup_free_ char *q = gj_quote(str_or(envelope_media_type, ""));
		msg = xasprintf("unable to parse the digital signature, error : signature envelope format with media "
				"type %s is not supported", q);
		set_check(res, NV_CHECK_INTEGRITY, actions[NV_CHECK_INTEGRITY], xstrdup(msg));
		return fail(res, e, msg);
	}
	ferr_clear(&inner);
	if (nv_envelope_verify(envelope_media_type, envelope, envelope_len, &env, &inner) < 0) {
		set_check(res, NV_CHECK_INTEGRITY, actions[NV_CHECK_INTEGRITY], xstrdup(inner.msg));
		return fail(res, e, xstrdup(inner.msg));
	}
	set_check(res, NV_CHECK_INTEGRITY, actions[NV_CHECK_INTEGRITY], NULL);
	if (env->chain_len == 0) {
		fail(res, e, xstrdup("certificate chain is not present"));
		goto out;
	}
	res->signer_subject = xstrdup(env->chain[0]->subject_string);
	if (strcmp(envelope_media_type, NV_MT_JWS) == 0)
		jws_time_zones(envelope, envelope_len, &zones);

	/* 2. verification plugin: ferry runs none */
	if (env->verification_plugin) {
		_cleanup_free_ char *q = gj_quote(env->verification_plugin);
		bool blank = true;

		for (const char *p = env->verification_plugin; *p; p++)
			if (*p != ' ' && (*p < '\t' || *p > '\r'))
				blank = false;
		if (blank)
			fail(res, e, xstrdup("io.cncf.notary.verificationPlugin from extended attribute is an empty string"));
		else
			fail(res, e, xasprintf("error while locating the verification plugin %s, make sure the plugin is "
					       "installed successfully before verifying the signature. error: plugin "
					       "not found", q));
		goto out;
	}

	/* 3. authenticity (trust anchor) and 4. trusted identity share one result */
	set_check(res, NV_CHECK_AUTHENTICITY, actions[NV_CHECK_AUTHENTICITY],
		  check_authenticity(env, st, ctx->trust));
	if (critical(res, NV_CHECK_AUTHENTICITY))
		goto failed_check;
	ferr_clear(&inner);
	if (nv_identities_match(st->name, st->trusted_identities, st->n_trusted_identities, env->chain[0], &inner) < 0)
		set_check(res, NV_CHECK_AUTHENTICITY, actions[NV_CHECK_AUTHENTICITY], xstrdup(inner.msg));
	if (critical(res, NV_CHECK_AUTHENTICITY))
		goto failed_check;

	/* 5. expiry */
	set_check(res, NV_CHECK_EXPIRY, actions[NV_CHECK_EXPIRY], check_expiry(env, &zones, now));
	if (critical(res, NV_CHECK_EXPIRY))
		goto failed_check;

	/* 6. authentic timestamp */
	set_check(res, NV_CHECK_AUTHENTIC_TIMESTAMP, actions[NV_CHECK_AUTHENTIC_TIMESTAMP],
		  check_authentic_timestamp(env, st, ctx, &zones, res));
	if (critical(res, NV_CHECK_AUTHENTIC_TIMESTAMP))
		goto failed_check;

	/* 7. revocation */
	if (actions[NV_CHECK_REVOCATION] != NV_ACTION_SKIP) {
		set_check(res, NV_CHECK_REVOCATION, actions[NV_CHECK_REVOCATION], check_revocation(env, ctx));
		if (critical(res, NV_CHECK_REVOCATION))
			goto failed_check;
	}

	/* 9. the payload must name the artifact */
	if ((msg = check_payload(env, target))) {
		fail(res, e, msg);
		goto out;
	}
	res->verified = true;
	rc = 0;
	goto out;

failed_check:
	for (int c = 0; c < NV_CHECK_COUNT; c++)
		if (critical(res, (enum nv_check)c))
			fail(res, e, xstrdup(res->checks[c].error));
out:
	nv_envelope_free(env);
	return rc;
}

void nv_sig_result_free(struct nv_sig_result *r)
{
	if (!r)
		return;
	for (int c = 0; c < NV_CHECK_COUNT; c++)
		free(r->checks[c].error);
	free(r->signer_subject);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

enum nv_result nv_sig_result_outcome(const struct nv_sig_result *r, char **logged)
{
	char *list = NULL;

	for (int c = 0; c < NV_CHECK_COUNT; c++) {
		char *t = list;

		if (!r->checks[c].error)
			continue;
		list = xasprintf("%s%s%s: %s", t ? t : "", t ? "; " : "", nv_check_name((enum nv_check)c),
				 r->checks[c].error);
		free(t);
	}
	if (logged)
		*logged = list;
	else
		free(list);
	return r->checks[NV_CHECK_AUTHENTICITY].error ? NV_AUDIT_ONLY : NV_VERIFIED;
}

/* ---- discovery (notation.Verify as Flux calls it) -------------------------------- */

/* FetchSignatureBlob: the signature manifest names exactly one envelope. */
static int fetch_signature(struct oci_client *c, const struct oci_descriptor *sig, char **envelope_media_type,
			   struct buf *blob, struct ferry_err *e)
{
	struct buf body = BUF_INIT(LIMIT_SIGNATURE_MANIFEST_BYTES);
	struct gj_value *doc = NULL;
	const struct gj_value *layers = NULL;
	const char *layers_field;
	char *content_type = NULL;
	char err[256];
	char *media_type = NULL, *digest = NULL;
	int64_t size = 0;
	int rc = -1;

	*envelope_media_type = NULL;
	if (!str_eq(sig->media_type, OCI_MT_ARTIFACT) && !str_eq(sig->media_type, OCI_MT_MANIFEST)) {
		_cleanup_free_ char *q = gj_quote(str_or(sig->media_type, ""));
		return ferr_set(e, REASON, "sigManifestDesc.MediaType requires \"%s\" or \"%s\", got %s", OCI_MT_ARTIFACT,
				OCI_MT_MANIFEST, q);
	}
	if (sig->size > (int64_t)LIMIT_SIGNATURE_MANIFEST_BYTES)
		return ferr_set(e, REASON, "signature manifest too large: %lld bytes", (long long)sig->size);
	if (oci_get_manifest(c, sig->digest, LIMIT_SIGNATURE_MANIFEST_BYTES, &body, &content_type, e) < 0)
		goto out;
	if (sig->size >= 0 && body.len != (size_t)sig->size) {
		ferr_set(e, REASON, "%s: mismatch content size: expected %lld, got %zu", sig->digest,
			 (long long)sig->size, body.len);
		goto out;
	}
	if (gj_parse(body.data, body.len, &doc, err, sizeof(err)) < 0) {
		ferr_set(e, REASON, "%s", err);
		goto out;
	}
	layers_field = str_eq(sig->media_type, OCI_MT_MANIFEST) ? "layers" : "blobs";
	for (size_t i = 0; doc->kind == GJ_OBJECT && i < doc->n_members; i++)
		if (gj_key_is(&doc->members[i], layers_field))
			layers = &doc->members[i].value;
	if (layers && layers->kind != GJ_ARRAY && layers->kind != GJ_NULL) {
		ferr_set(e, REASON, "json: cannot unmarshal %s into Go struct field %s.%s of type []v1.Descriptor",
			 layers->kind == GJ_OBJECT ? "object" : layers->kind == GJ_STRING ? "string" : "number",
			 str_eq(sig->media_type, OCI_MT_MANIFEST) ? "Manifest" : "Artifact", layers_field);
		goto out;
	}
	if (!layers || layers->kind != GJ_ARRAY || layers->n_items != 1) {
		ferr_set(e, REASON, "signature manifest requries exactly one signature envelope blob, got %zu",
			 layers && layers->kind == GJ_ARRAY ? layers->n_items : 0);
		goto out;
	}
	if (layers->items[0].kind == GJ_OBJECT) {
		struct gj_dec d;

		gj_dec_init(&d);
		media_type = xstrdup("");
		digest = xstrdup("");
		for (size_t i = 0; i < layers->items[0].n_members; i++) {
			const struct gj_member *m = &layers->items[0].members[i];
			struct gj_frame f;

			if (gj_key_is(m, "mediaType")) {
				f = gj_enter(&d, "Descriptor", "mediaType");
				gj_string(&d, &m->value, &media_type, "string");
			} else if (gj_key_is(m, "digest")) {
				f = gj_enter(&d, "Descriptor", "digest");
				gj_string(&d, &m->value, &digest, "digest.Digest");
			} else if (gj_key_is(m, "size")) {
				f = gj_enter(&d, "Descriptor", "size");
				gj_int64(&d, &m->value, &size, "int64");
			} else {
				continue;
			}
			gj_leave(&d, f);
		}
		if (d.error) {
			ferr_set(e, REASON, "%s", d.error);
			gj_dec_free(&d);
			goto out;
		}
		gj_dec_free(&d);
	}
	if (!media_type || !digest_is_valid(digest) || size < 0) {
		ferr_set(e, REASON, "invalid signature envelope descriptor in signature manifest %s", sig->digest);
		goto out;
	}
	if (size > (int64_t)LIMIT_SIGNATURE_ENVELOPE_BYTES) {
		ferr_set(e, REASON, "signature blob too large: %lld bytes", (long long)size);
		goto out;
	}
	if (oci_get_blob(c, digest, size, LIMIT_SIGNATURE_ENVELOPE_BYTES, blob, e) < 0)
		goto out;
	*envelope_media_type = media_type;
	media_type = NULL;
	rc = 0;
out:
	free(media_type);
	free(digest);
	free(content_type);
	gj_free(doc);
	buf_free(&body);
	return rc;
}

static void outcome_fill(struct nv_outcome *out, const struct nv_statement *st, const char *level)
{
	out->level = xstrdup(level);
	out->policy_name = xstrdup(st->name);
}

int nv_verify(struct oci_client *c, const struct nv_bundle *b, const struct nv_artifact *a,
	      const struct nv_verify_opts *opts, struct nv_outcome *out, struct ferry_err *e)
{
	int max = opts && opts->max_signatures > 0 ? opts->max_signatures : LIMIT_SIGNATURES_DEFAULT;
	int64_t now = opts && opts->now ? opts->now : ftime_now();
	const struct nv_target target = { a->media_type, a->digest, a->size };
	const struct nv_statement *st;
	enum nv_action actions[NV_CHECK_COUNT];
	const char *level;
	struct oci_descriptor *sigs = NULL;
	size_t n_sigs = 0;
	int processed = 0;
	char *failures = NULL;
	int rc = -1;
	const struct nv_trust trust = nv_bundle_trust(b);
	struct nv_revcache cache = { -1, -1 };
	struct nv_rev_ctx rev;
	const struct nv_sig_ctx sig_ctx = { &trust, &rev, now };

	memset(out, 0, sizeof(*out));
	out->result = NV_FAILED;
	if (nv_policy_select(b->policy, a->reference, &st, e) < 0)
		return -1;
	if (nv_statement_level(st, &level, actions, e) < 0)
		return -1;
	outcome_fill(out, st, level);
	if (strcmp(level, "skip") == 0) {
		out->result = NV_SKIPPED;
		return 0;
	}
	if (oci_referrers(c, a->digest, NOTARY_MT_SIGNATURE, &sigs, &n_sigs, e) < 0) {
		snprintf(e->reason, sizeof(e->reason), "%s", REASON);
		return -1;
	}
	if (opts && opts->revocation_cache)
		nv_revcache_open(opts->state_dir_fd, &cache);
	nv_rev_ctx_init(&rev, opts && opts->offline ? NULL : c, opts && opts->revocation_cache ? &cache : NULL, now);
	for (size_t i = 0; i < n_sigs && processed < max; i++) {
		struct buf blob = BUF_INIT(LIMIT_SIGNATURE_ENVELOPE_BYTES);
		struct nv_sig_result res;
		struct ferry_err sig_err;
		char *envelope_type = NULL;
		int vrc;

		processed++;
		ferr_clear(&sig_err);
		if (fetch_signature(c, &sigs[i], &envelope_type, &blob, &sig_err) < 0) {
			_cleanup_free_ char *qd = gj_quote(str_or(sigs[i].digest, ""));
			_cleanup_free_ char *qr = gj_quote(a->reference);
			ferr_set(e, REASON, "unable to retrieve digital signature with digest %s associated with %s from "
					    "the Repository, error : %s", qd, qr, sig_err.msg);
			e->http_status = sig_err.http_status;
			e->transient = sig_err.transient;
			buf_free(&blob);
			goto out;
		}
		vrc = nv_verify_signature_ctx(st, &sig_ctx, envelope_type, blob.data, blob.len, &target, &res, &sig_err);
		free(envelope_type);
		buf_free(&blob);
		if (vrc == 0) {
			out->result = nv_sig_result_outcome(&res, &out->logged);
			out->signer_subject = res.signer_subject;
			res.signer_subject = NULL;
			out->signature_digest = xstrdup(sigs[i].digest);
			out->timestamp_used = res.timestamp_used;
			out->timestamp_time = res.timestamp_time;
			for (int k = 0; k < NV_CHECK_COUNT; k++)
				if (res.checks[k].error)
					log_warn("verification check for type '%s' failed for '%s' with message: '%s'",
						 nv_check_name((enum nv_check)k), a->reference, res.checks[k].error);
			nv_sig_result_free(&res);
			ferr_clear(e);
			rc = 0;
			goto out;
		}
		log_warn("Signature %s failed verification with error: %s", sigs[i].digest, res.error);
		{
			char *t = failures;
			failures = xasprintf("%s\nfailed to verify signature with digest %s, %s", t ? t : "",
					     sigs[i].digest, res.error);
			free(t);
		}
		nv_sig_result_free(&res);
	}
	if (processed >= max)
		ferr_set(e, REASON, "signature evaluation stopped. The configured limit of %d signatures to verify per "
				    "artifact exceeded", max);
	else if (processed == 0) {
		_cleanup_free_ char *qr = gj_quote(a->reference);
		ferr_set(e, REASON, "no signature is associated with %s, make sure the artifact was signed successfully",
			 qr);
	} else
		ferr_set(e, REASON, "signature verification failed%s", failures);
out:
	free(failures);
	oci_descriptors_free(sigs, n_sigs);
	nv_rev_ctx_free(&rev);
	nv_revcache_close(&cache);
	return rc;
}

void nv_outcome_free(struct nv_outcome *o)
{
	if (!o)
		return;
	free(o->level);
	free(o->policy_name);
	free(o->signer_subject);
	free(o->signature_digest);
	free(o->logged);
	memset(o, 0, sizeof(*o));
}
