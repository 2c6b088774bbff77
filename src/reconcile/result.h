/*
 * result.h - the result record a reconcile worker sends to the parent.
 *
 * Owned by reconcile. The worker fills it and writes it as one JSON document on
 * its pipe; the parent parses it with a size cap and validates every field it
 * will act on (staging names, digests, revision) before promoting anything, so
 * a compromised worker cannot make the parent touch files outside staging.
 */
#ifndef FERRY_RECONCILE_RESULT_H
#define FERRY_RECONCILE_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "util/err.h"

enum rc_failure {
	RC_OK = 0,
	RC_FAIL_STALLED,    /* URLInvalid: FetchFailed + Stalled, no retry */
	RC_FAIL_FETCH,      /* FetchFailed=True with reason */
	RC_FAIL_VERIFY,     /* SourceVerified=False VerificationError */
	RC_FAIL_STORAGE,    /* StorageOperationFailed=True with reason */
	RC_FAIL_WORKER,     /* the worker crashed, timed out or sent garbage */
};

enum rc_verify_state {
	RC_VERIFY_NOT_RUN = 0,  /* not configured, or nothing changed since the last verification */
	RC_VERIFY_VERIFIED,
	RC_VERIFY_SKIPPED,      /* trust policy level skip */
	RC_VERIFY_AUDIT,        /* authenticity failed but the level only logs it */
	RC_VERIFY_FAILED,
};

struct rc_result {
	enum rc_failure failure;
	char *reason;            /* Flux reason of the failure */
	char *message;           /* full Flux-style message */

	char *revision;          /* "<tag>@sha256:<hex>" / "sha256:<hex>", NULL if not determined */
	char *ref;               /* "host/repo:tag" or "host/repo@sha256:..." */
	char *manifest_digest;   /* "sha256:<hex>" the revision names */

	bool up_to_date;         /* stored artifact already matches: nothing pulled */
	bool staged;             /* a new revision waits in tmp/ */
	char *stage_rel;         /* its name below tmp/ */
	bool stage_is_blob;      /* operation copy */
	char *layer_digest;
	int64_t layer_size;
	json_t *annotations;     /* manifest annotations (object of strings) */

	enum rc_verify_state verify;
	char *verify_message;    /* error text, or what was only logged */
	char *verify_level;
	char *verify_policy;
	char *verify_signer;
	char *verify_signature;
	char *bundle_digest;     /* "sha256:<hex>" of the trust bundle used */

	char **warnings;         /* for the log, e.g. skipped symlinks */
	size_t n_warnings;
	uint64_t files;
	uint64_t bytes;
	int64_t duration_ms;
};

void rc_result_init(struct rc_result *r);
void rc_result_free(struct rc_result *r);
/* Record a failure (first one wins). Returns -1. */
int rc_result_fail(struct rc_result *r, enum rc_failure f, const char *reason, const char *msg);
void rc_result_warn(struct rc_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *rc_result_serialize(const struct rc_result *r);
/* Parse and validate (bounded by LIMIT_WORKER_RESULT_BYTES). ns/name are the
 * source the worker ran for (staging names must belong to it). */
int rc_result_parse(const char *text, size_t len, const char *ns, const char *name,
		    struct rc_result *r, struct ferry_err *e);

#endif
