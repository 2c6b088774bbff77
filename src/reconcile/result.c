/* result.c - worker result records: build, serialise, parse and validate. */
#include "reconcile/result.h"

#include <stdarg.h>
#include <string.h>

#include "artifact/store.h"
#include "util/digest.h"
#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/mem.h"

void rc_result_init(struct rc_result *r)
{
	memset(r, 0, sizeof(*r));
}

void rc_result_free(struct rc_result *r)
{
	free(r->reason);
	free(r->message);
	free(r->revision);
	free(r->ref);
	free(r->manifest_digest);
	free(r->stage_rel);
	free(r->layer_digest);
	json_decref(r->annotations);
	free(r->verify_message);
	free(r->verify_level);
	free(r->verify_policy);
	free(r->verify_signer);
	free(r->verify_signature);
	free(r->bundle_digest);
	for (size_t i = 0; i < r->n_warnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	memset(r, 0, sizeof(*r));
}

int rc_result_fail(struct rc_result *r, enum rc_failure f, const char *reason, const char *msg)
{
	if (r->failure == RC_OK) {
		r->failure = f;
		free(r->reason);
		free(r->message);
		r->reason = xstrdup(reason);
		r->message = xstrdup(msg);
	}
	return -1;
}

void rc_result_warn(struct rc_result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->n_warnings >= 64)
		return;
	r->warnings = xrealloc(r->warnings, (r->n_warnings + 1) * sizeof(char *));
	va_start(ap, fmt);
	r->warnings[r->n_warnings++] = xvasprintf(fmt, ap);
	va_end(ap);
}

static const char *const FAILURES[] = { "ok", "stalled", "fetch", "verify", "storage", "worker" };
static const char *const VERIFY[] = { "not-run", "verified", "skipped", "audit", "failed" };

char *rc_result_serialize(const struct rc_result *r)
{
	json_t *o = json_object(), *w = json_array();
	char *s;

	json_object_set_new(o, "failure", json_string(FAILURES[r->failure]));
	fjson_set_str(o, "reason", r->reason);
	fjson_set_str(o, "message", r->message);
	fjson_set_str(o, "revision", r->revision);
	fjson_set_str(o, "ref", r->ref);
	fjson_set_str(o, "manifestDigest", r->manifest_digest);
	json_object_set_new(o, "upToDate", json_boolean(r->up_to_date));
	json_object_set_new(o, "staged", json_boolean(r->staged));
	fjson_set_str(o, "stage", r->stage_rel);
	json_object_set_new(o, "stageIsBlob", json_boolean(r->stage_is_blob));
	fjson_set_str(o, "layerDigest", r->layer_digest);
	json_object_set_new(o, "layerSize", json_integer(r->layer_size));
	if (r->annotations)
		json_object_set(o, "annotations", r->annotations);
	json_object_set_new(o, "verify", json_string(VERIFY[r->verify]));
	fjson_set_str(o, "verifyMessage", r->verify_message);
	fjson_set_str(o, "verifyLevel", r->verify_level);
	fjson_set_str(o, "verifyPolicy", r->verify_policy);
	fjson_set_str(o, "verifySigner", r->verify_signer);
	fjson_set_str(o, "verifySignature", r->verify_signature);
	fjson_set_str(o, "bundleDigest", r->bundle_digest);
	for (size_t i = 0; i < r->n_warnings; i++)
		json_array_append_new(w, json_string(r->warnings[i]));
	json_object_set_new(o, "warnings", w);
	json_object_set_new(o, "files", json_integer((json_int_t)r->files));
	json_object_set_new(o, "bytes", json_integer((json_int_t)r->bytes));
	json_object_set_new(o, "durationMs", json_integer(r->duration_ms));
	s = fjson_dump(o, false);
	json_decref(o);
	return s;
}

static int lookup(const char *const *table, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(table[i], s) == 0)
			return (int)i;
	return -1;
}

static char *take(const json_t *o, const char *k)
{
	const char *s = fjson_str(o, k);
	return s ? xstrdup(s) : NULL;
}

static bool revision_is_valid(const char *rev)
{
	const char *at = strrchr(rev, '@');

	if (!at)
		return digest_is_valid(rev);
	if (at == rev || (size_t)(at - rev) > 128)
		return false;
	for (const char *p = rev; p < at; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '.' || *p == '-' || *p == '+'))
			return false;
	return digest_is_valid(at + 1);
}

static bool revision_names(const char *rev, const char *digest)
{
	const char *at = strrchr(rev, '@');

	return strcmp(at ? at + 1 : rev, digest) == 0;
}

int rc_result_parse(const char *text, size_t len, const char *ns, const char *name,
		    struct rc_result *r, struct ferry_err *e)
{
	json_t *o, *w, *a;
	int f, v;
	int64_t n;

	rc_result_init(r);
	if (len > LIMIT_WORKER_RESULT_BYTES)
		return ferr_set(e, "WorkerFailed", "worker result larger than %llu bytes",
				(unsigned long long)LIMIT_WORKER_RESULT_BYTES);
	o = fjson_parse(text, len, "worker result", e);
	if (!o)
		return -1;
	f = lookup(FAILURES, ARRAY_SIZE(FAILURES), fjson_str(o, "failure"));
	v = lookup(VERIFY, ARRAY_SIZE(VERIFY), fjson_str(o, "verify"));
	if (f < 0 || v < 0) {
		json_decref(o);
		return ferr_set(e, "WorkerFailed", "worker result: unknown failure or verify state");
	}
	r->failure = (enum rc_failure)f;
	r->verify = (enum rc_verify_state)v;
	r->reason = take(o, "reason");
	r->message = take(o, "message");
	r->revision = take(o, "revision");
	r->ref = take(o, "ref");
	r->manifest_digest = take(o, "manifestDigest");
	r->up_to_date = json_is_true(json_object_get(o, "upToDate"));
	r->staged = json_is_true(json_object_get(o, "staged"));
	r->stage_rel = take(o, "stage");
	r->stage_is_blob = json_is_true(json_object_get(o, "stageIsBlob"));
	r->layer_digest = take(o, "layerDigest");
	if (fjson_uint(o, "layerSize", &n) == 0)
		r->layer_size = n;
	a = fjson_obj(o, "annotations");
	if (a) {
		const char *k;
		json_t *val;
		r->annotations = json_object();
		json_object_foreach(a, k, val)
			if (json_is_string(val))
				json_object_set(r->annotations, k, val);
	}
	r->verify_message = take(o, "verifyMessage");
	r->verify_level = take(o, "verifyLevel");
	r->verify_policy = take(o, "verifyPolicy");
	r->verify_signer = take(o, "verifySigner");
	r->verify_signature = take(o, "verifySignature");
	r->bundle_digest = take(o, "bundleDigest");
	w = fjson_arr(o, "warnings");
	if (w) {
		size_t i;
		json_t *x;
		json_array_foreach(w, i, x)
			if (json_is_string(x))
				rc_result_warn(r, "%s", json_string_value(x));
	}
	if (fjson_uint(o, "files", &n) == 0)
		r->files = (uint64_t)n;
	if (fjson_uint(o, "bytes", &n) == 0)
		r->bytes = (uint64_t)n;
	if (fjson_uint(o, "durationMs", &n) == 0)
		r->duration_ms = n;
	json_decref(o);

	if (r->failure != RC_OK && (!r->reason || !r->message))
		goto invalid;
	if (r->revision && !revision_is_valid(r->revision))
		goto invalid;
	if (r->manifest_digest && !digest_is_valid(r->manifest_digest))
		goto invalid;
	/* the revision names the manifest digest the parent stores it under */
	if (r->revision && r->manifest_digest && !revision_names(r->revision, r->manifest_digest))
		goto invalid;
	if (r->staged) {
		if (r->failure != RC_OK || !r->revision || !r->manifest_digest || !r->stage_rel ||
		    !store_is_stage_name(ns, name, r->stage_rel) || !r->layer_digest ||
		    !digest_is_valid(r->layer_digest))
			goto invalid;
	}
	return 0;
invalid:
	rc_result_free(r);
	return ferr_set(e, "WorkerFailed", "worker result failed validation");
}
