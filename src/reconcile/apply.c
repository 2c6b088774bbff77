/* apply.c - the parent side of a reconcile: Flux conditions, promotion, status. */
#include "reconcile/reconcile.h"

#include <string.h>

#include "reconcile/conditions.h"
#include "util/digest.h"
#include "util/log.h"
#include "util/mem.h"

static void mark_storage_start(struct store *s, const struct cfg_source *src, struct rc_status *st,
			       int64_t gen, int64_t now)
{
	if (st->observed_generation != gen)
		cond_setf(&st->conds, COND_RECONCILING, COND_TRUE, "Progressing", gen, now,
			  "processing object: new generation %lld -> %lld",
			  (long long)st->observed_generation, (long long)gen);
	if (st->has_artifact && st->artifact.entry) {
		bool blob = str_has_suffix(st->artifact.entry, ".blob");
		char *hex = xstrndup(st->artifact.entry, blob ? strlen(st->artifact.entry) - 5
							      : strlen(st->artifact.entry));
		bool present = store_has(s, src->ns, src->name, hex, blob);

		free(hex);
		if (present)
			return;
		rc_artifact_free(&st->artifact);
		st->has_artifact = false;
		cond_set(&st->conds, COND_RECONCILING, COND_TRUE, "Progressing",
			 "building artifact: disappeared from storage", gen, now);
	} else {
		cond_set(&st->conds, COND_RECONCILING, COND_TRUE, "Progressing", "building artifact", gen, now);
	}
	cond_delete(&st->conds, COND_ARTIFACT_IN_STORAGE);
}

static void record_verification(struct rc_status *st, const struct rc_result *r)
{
	const char *result = r->verify == RC_VERIFY_VERIFIED ? "verified"
			     : r->verify == RC_VERIFY_SKIPPED ? "skipped"
			     : r->verify == RC_VERIFY_AUDIT ? "audit" : "failed";

	rc_verification_free(&st->verification);
	st->has_verification = true;
	st->verification.revision = r->revision ? xstrdup(r->revision) : NULL;
	st->verification.bundle_digest = r->bundle_digest ? xstrdup(r->bundle_digest) : NULL;
	st->verification.level = r->verify_level ? xstrdup(r->verify_level) : NULL;
	st->verification.policy = r->verify_policy ? xstrdup(r->verify_policy) : NULL;
	st->verification.signer = r->verify_signer ? xstrdup(r->verify_signer) : NULL;
	st->verification.signature = r->verify_signature ? xstrdup(r->verify_signature) : NULL;
	st->verification.result = xstrdup(result);
}

static void mark_verification(struct rc_status *st, const struct rc_result *r, int64_t gen, int64_t now)
{
	switch (r->verify) {
	case RC_VERIFY_NOT_RUN:
		return;
	case RC_VERIFY_VERIFIED:
		cond_setf(&st->conds, COND_SOURCE_VERIFIED, COND_TRUE, "Succeeded", gen, now,
			  "verified signature of revision %s", r->revision);
		break;
	case RC_VERIFY_SKIPPED:
		cond_setf(&st->conds, COND_SOURCE_VERIFIED, COND_UNKNOWN, "VerificationSkipped", gen, now,
			  "signature of revision %s not checked: trust policy statement \"%s\" has "
			  "verification level 'skip'", r->revision, str_or(r->verify_policy, "?"));
		break;
	case RC_VERIFY_AUDIT:
		cond_setf(&st->conds, COND_SOURCE_VERIFIED, COND_UNKNOWN, "VerificationAudit", gen, now,
			  "signature of revision %s not trusted, accepted because trust policy statement "
			  "\"%s\" has verification level '%s' which only logs the authenticity check: %s",
			  r->revision, str_or(r->verify_policy, "?"), str_or(r->verify_level, "audit"),
			  str_or(r->verify_message, "authenticity check failed"));
		break;
	case RC_VERIFY_FAILED:
		cond_set(&st->conds, COND_SOURCE_VERIFIED, COND_FALSE, "VerificationError", r->message, gen, now);
		break;
	}
	record_verification(st, r);
}

static void log_outcome(const struct cfg_source *src, const struct rc_status *st, const struct rc_result *r,
			bool success, bool new_artifact)
{
	char *source = xasprintf("%s/%s", st->ns, st->name);
	struct log_fields f = { .source = source, .revision = r->revision, .reason = r->reason };

	for (size_t i = 0; i < r->n_warnings; i++)
		log_event(LOG_WARNING, &f, "%s", r->warnings[i]);
	if (r->failure == RC_FAIL_VERIFY) {
		f.message_id = LOG_MSGID_VERIFICATION_FAILED;
		log_event(LOG_ERR, &f, "%s", r->message);
	} else if (r->failure != RC_OK) {
		f.message_id = LOG_MSGID_FETCH_FAILED;
		log_event(LOG_ERR, &f, "%s", r->message);
	} else if (new_artifact) {
		f.message_id = LOG_MSGID_NEW_ARTIFACT;
		f.reason = "NewArtifact";
		log_event(LOG_NOTICE, &f, "stored artifact with revision '%s' from '%s' in %s", r->revision,
			  src->url, str_or(st->artifact.path, ""));
	} else if (success) {
		f.reason = "ArtifactUpToDate";
		log_event(LOG_INFO, &f, "artifact up-to-date with remote revision: '%s'", str_or(r->revision, ""));
	} else if (r->up_to_date && st->has_artifact) {
		log_event(LOG_WARNING, &f, "the worker found revision '%s' up to date, but the stored artifact is "
			  "'%s'; building it on the next run", str_or(r->revision, ""), st->artifact.revision);
	} else if (r->up_to_date) {
		log_event(LOG_WARNING, &f, "the worker found revision '%s' up to date, but no artifact is stored; "
			  "building it on the next run", str_or(r->revision, ""));
	}
	if (r->verify == RC_VERIFY_VERIFIED && r->verify_message) {
		f.reason = "VerificationLogged";
		log_event(LOG_WARNING, &f, "signature verified with logged failures: %s", r->verify_message);
	}
	free(source);
}

static bool promote(struct store *s, const struct cfg_source *src, struct rc_status *st,
		    const struct rc_result *r, int64_t gen, int64_t now)
{
	const char *hex = digest_hex(r->manifest_digest);
	struct ferry_err e;
	char *entry;

	ferr_clear(&e);
	if (store_promote(s, src->ns, src->name, hex, r->stage_rel, r->stage_is_blob, &e) < 0) {
		cond_setf(&st->conds, COND_STORAGE_FAILED, COND_TRUE, "ArchiveOperationFailed", gen, now,
			  "%s: %s", r->stage_is_blob ? "unable to copy artifact to storage"
						     : "unable to archive artifact to storage", e.msg);
		store_unstage(s, r->stage_rel);
		return false;
	}
	entry = r->stage_is_blob ? xasprintf("%s.blob", hex) : xstrdup(hex);
	rc_artifact_free(&st->artifact);
	st->has_artifact = true;
	st->artifact.revision = xstrdup(r->revision);
	st->artifact.digest = xstrdup(r->layer_digest);
	st->artifact.path = store_path(s, src->ns, src->name, entry);
	st->artifact.entry = entry;
	st->artifact.size = r->layer_size;
	st->artifact.last_update = now;
	st->artifact.metadata = r->annotations ? json_deep_copy(r->annotations) : json_object();
	json_decref(st->observed_layer_selector);
	st->observed_layer_selector = NULL;
	if (src->has_layer_selector) {
		json_t *sel = json_object_get(src->spec, "layerSelector");
		st->observed_layer_selector = sel ? json_deep_copy(sel) : NULL;
	}
	free(st->observed_ignore);
	st->observed_ignore = src->has_ignore ? xstrdup(src->ignore) : NULL;
	st->has_observed_ignore = src->has_ignore;
	cond_delete(&st->conds, COND_STORAGE_FAILED);
	return true;
}

static void finish(struct rc_status *st, bool success, bool stalled, int64_t gen, int64_t now)
{
	if (success) {
		cond_delete(&st->conds, COND_RECONCILING);
		cond_delete(&st->conds, COND_STALLED);
	} else if (stalled) {
		cond_delete(&st->conds, COND_RECONCILING);
	} else {
		const struct condition *rec = cond_get(&st->conds, COND_RECONCILING);
		if (rec) {
			char *msg = xstrdup(rec->message);
			cond_set(&st->conds, COND_RECONCILING, COND_TRUE, "ProgressingWithRetry", msg, gen, now);
			free(msg);
		}
		cond_delete(&st->conds, COND_STALLED);
	}
	cond_summarize_ready(&st->conds, gen, now);
	if ((success || stalled) && st->conds.n > 0)
		st->observed_generation = gen;
	cond_sort(&st->conds);
}

bool rc_apply(struct store *s, const struct cfg_source *src, struct rc_status *st,
	      const struct rc_result *r, int64_t now)
{
	int64_t gen = st->generation;
	bool success = false, stalled = false, new_artifact = false;

	mark_storage_start(s, src, st, gen, now);
	if (!src->has_verify)
		cond_delete(&st->conds, COND_SOURCE_VERIFIED);
	else if (cond_is(&st->conds, COND_SOURCE_VERIFIED, COND_FALSE))
		cond_delete(&st->conds, COND_SOURCE_VERIFIED);

	if (r->revision && (!st->has_artifact || !str_eq(st->artifact.revision, r->revision))) {
		if (st->has_artifact)
			cond_setf(&st->conds, COND_ARTIFACT_OUTDATED, COND_TRUE, "NewRevision", gen, now,
				  "new revision '%s' for '%s'", r->revision, str_or(r->ref, src->url));
		cond_setf(&st->conds, COND_RECONCILING, COND_TRUE, "Progressing", gen, now,
			  "building artifact: new revision '%s' for '%s'", r->revision, str_or(r->ref, src->url));
	}
	/* verification the spec does not ask for is never reported */
	if (src->has_verify)
		mark_verification(st, r, gen, now);

	switch (r->failure) {
	case RC_OK:
		cond_delete(&st->conds, COND_FETCH_FAILED);
		if (r->up_to_date) {
			/* only what the store holds now is up to date: the revision may
			 * have left storage while the worker ran */
			success = st->has_artifact && r->revision && str_eq(st->artifact.revision, r->revision);
		} else if (r->staged) {
			success = promote(s, src, st, r, gen, now);
			new_artifact = success;
		}
		if (success) {
			cond_delete(&st->conds, COND_ARTIFACT_OUTDATED);
			cond_setf(&st->conds, COND_ARTIFACT_IN_STORAGE, COND_TRUE, "Succeeded", gen, now,
				  "stored artifact for digest '%s'", r->revision);
		}
		break;
	case RC_FAIL_STALLED:
		stalled = true;
		cond_set(&st->conds, COND_FETCH_FAILED, COND_TRUE, r->reason, r->message, gen, now);
		cond_set(&st->conds, COND_STALLED, COND_TRUE, r->reason, r->message, gen, now);
		break;
	case RC_FAIL_FETCH:
	case RC_FAIL_WORKER:
		cond_set(&st->conds, COND_FETCH_FAILED, COND_TRUE, r->reason, r->message, gen, now);
		break;
	case RC_FAIL_VERIFY:
		break;
	case RC_FAIL_STORAGE:
		cond_set(&st->conds, COND_STORAGE_FAILED, COND_TRUE, r->reason, r->message, gen, now);
		break;
	}
	finish(st, success, stalled, gen, now);
	log_outcome(src, st, r, success, new_artifact);
	return cond_is(&st->conds, COND_READY, COND_TRUE);
}

void rc_apply_invalid(const struct cfg_source *src, struct rc_status *st, int64_t now)
{
	int64_t gen = st->generation;
	const char *reason = src->invalid_reason ? src->invalid_reason : "InvalidSpec";
	const char *msg = src->invalid_message ? src->invalid_message : "invalid spec";
	char *source = xasprintf("%s/%s", src->ns, src->name);
	struct log_fields f = { .source = source, .reason = reason, .message_id = LOG_MSGID_FETCH_FAILED };

	if (strcmp(reason, "URLInvalid") == 0)
		cond_set(&st->conds, COND_FETCH_FAILED, COND_TRUE, reason, msg, gen, now);
	else
		cond_delete(&st->conds, COND_FETCH_FAILED);
	cond_set(&st->conds, COND_STALLED, COND_TRUE, reason, msg, gen, now);
	finish(st, false, true, gen, now);
	log_event(LOG_ERR, &f, "%s", msg);
	free(source);
}
