/*
 * status.h - the per-source status file STATE/status/<ns>/<name>.json: a
 * Flux-style object (apiVersion, kind, metadata, status) that survives
 * restarts.
 *
 * Owned by reconcile. Written only by the parent (tmp + fsync + rename); read
 * by the parent at start and by ferryctl. A corrupt file is moved aside and
 * rebuilt, never a crash.
 */
#ifndef FERRY_RECONCILE_STATUS_H
#define FERRY_RECONCILE_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "artifact/store.h"
#include "config/model.h"
#include "reconcile/conditions.h"
#include "util/err.h"

#define STATUS_SPEC_DIGEST_ANNOTATION "ferry.io/spec-digest"

struct rc_artifact {
	char *revision;          /* "<tag>@sha256:<hex>" or "sha256:<hex>" */
	char *digest;            /* digest of the stored layer blob */
	char *path;              /* absolute path of the stored revision */
	char *entry;             /* store entry name: "<hex>" or "<hex>.blob" */
	int64_t size;            /* layer blob size in bytes */
	int64_t last_update;     /* seconds */
	json_t *metadata;        /* manifest annotations (object) */
};

struct rc_verification {     /* ferry's extension: what the last verification used */
	char *revision;          /* revision it verified (or evaluated) */
	char *bundle_digest;     /* "sha256:<hex>" fingerprint of the trust bundle */
	char *level;
	char *policy;
	char *signer;
	char *signature;
	char *result;            /* verified | skipped | audit | failed */
};

struct rc_status {
	char *api_version;
	char *ns;
	char *name;
	int64_t generation;
	char *spec_digest;
	int64_t observed_generation;     /* -1 until first observed */
	struct conditions conds;
	bool has_artifact;
	struct rc_artifact artifact;
	json_t *observed_layer_selector; /* NULL when absent */
	bool has_observed_ignore;
	char *observed_ignore;
	bool has_verification;
	struct rc_verification verification;
	char *last_handled_reconcile_at;
	bool suspended;                  /* suspended via ferryctl (kept in the state dir) */
};

/* A fresh status for src (generation 1, observedGeneration -1). */
void rc_status_init(struct rc_status *st, const struct cfg_source *src);
/* Load ns/name. *found is false when there is no file (st initialised empty).
 * A corrupt file is renamed to <name>.json.corrupt and reported as not found. */
int rc_status_load(struct store *s, const char *ns, const char *name, struct rc_status *st,
		   bool *found, struct ferry_err *e);
/* Bring a loaded status in line with the current config: identity, and
 * generation + 1 when the spec digest changed. */
void rc_status_adopt(struct rc_status *st, const struct cfg_source *src);
/* The status src starts a reconcile with: the file brought in line with the
 * config (rc_status_adopt), or a fresh one. Read problems are logged. When
 * loaded is not NULL it gets the status as read before adopting (NULL when
 * there was none), for callers that rewrite the file only on change. */
void rc_status_open(struct store *s, const struct cfg_source *src, struct rc_status *st, json_t **loaded);
int rc_status_write(struct store *s, const struct rc_status *st, struct ferry_err *e);
int rc_status_remove(struct store *s, const char *ns, const char *name);
json_t *rc_status_to_json(const struct rc_status *st);
int rc_status_from_json(const json_t *j, struct rc_status *st);
void rc_status_free(struct rc_status *st);
void rc_artifact_free(struct rc_artifact *a);
void rc_verification_free(struct rc_verification *v);

#endif
