/*
 * conditions.h - Flux status conditions: set/delete with Flux's
 * lastTransitionTime and observedGeneration rules, ordering, and the Ready
 * summary of source-controller (shared reference flux-ocirepository.md §2.2-2.3).
 *
 * Owned by reconcile. Pure data manipulation; used by the parent when it
 * merges a worker's result, and by ctl to render conditions.
 */
#ifndef FERRY_RECONCILE_CONDITIONS_H
#define FERRY_RECONCILE_CONDITIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define COND_READY            "Ready"
#define COND_RECONCILING      "Reconciling"
#define COND_STALLED          "Stalled"
#define COND_FETCH_FAILED     "FetchFailed"
#define COND_ARTIFACT_OUTDATED "ArtifactOutdated"
#define COND_ARTIFACT_IN_STORAGE "ArtifactInStorage"
#define COND_SOURCE_VERIFIED  "SourceVerified"
#define COND_STORAGE_FAILED   "StorageOperationFailed"

#define COND_TRUE    "True"
#define COND_FALSE   "False"
#define COND_UNKNOWN "Unknown"

struct condition {
	char *type;
	char *status;
	char *reason;
	char *message;
	int64_t observed_generation;
	int64_t last_transition;   /* seconds since epoch */
};

struct conditions {
	struct condition *v;
	size_t n;
};

const struct condition *cond_get(const struct conditions *c, const char *type);
bool cond_is(const struct conditions *c, const char *type, const char *status);
/* Set (insert or update). lastTransitionTime changes only when status, reason
 * or message change; observedGeneration is always stamped. Messages are
 * trimmed to LIMIT_CONDITION_MESSAGE_BYTES with "...". */
void cond_set(struct conditions *c, const char *type, const char *status, const char *reason,
	      const char *message, int64_t generation, int64_t now);
void cond_setf(struct conditions *c, const char *type, const char *status, const char *reason,
	       int64_t generation, int64_t now, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
void cond_delete(struct conditions *c, const char *type);
/* Order: Stalled, Reconciling, Ready, then by observedGeneration desc, type asc. */
void cond_sort(struct conditions *c);
/* source-controller's Ready summary over the OCIRepository condition list. */
void cond_summarize_ready(struct conditions *c, int64_t generation, int64_t now);
void cond_free(struct conditions *c);

json_t *cond_to_json(const struct conditions *c);
/* Tolerant: entries with missing fields are skipped. */
void cond_from_json(struct conditions *c, const json_t *arr);

#endif
