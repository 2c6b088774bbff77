/*
 * reconcile.h - one OCIRepository reconcile, end to end, inside a worker:
 * resolve the reference to a digest, verify the signature of that digest when
 * required, and (unless the stored artifact is already that revision) pull
 * the manifest and layer by digest into staging and extract it there.
 *
 * Owned by reconcile. rc_reconcile runs in the forked worker and only fills a
 * result record; rc_apply runs in the parent and turns the record into Flux
 * conditions, promotes the staged revision and updates the status.
 */
#ifndef FERRY_RECONCILE_RECONCILE_H
#define FERRY_RECONCILE_RECONCILE_H

#include <stdbool.h>
#include <stdint.h>

#include "artifact/store.h"
#include "config/model.h"
#include "reconcile/result.h"
#include "reconcile/status.h"

struct rc_job {
	const struct cfg_set *cfg;
	const struct cfg_source *src;
	const struct rc_status *prev;  /* status before this reconcile */
	struct store *store;
	int max_signatures;            /* <= 0: default */
};

/* Worker side. Always returns with r filled (failures are in r->failure). */
void rc_reconcile(const struct rc_job *job, struct rc_result *r);

/* Parent side: merge r into st following source-controller's condition
 * rules, promote a staged revision, summarise Ready, stamp
 * observedGeneration. Returns true when the source ended Ready=True. */
bool rc_apply(struct store *s, const struct cfg_source *src, struct rc_status *st,
	      const struct rc_result *r, int64_t now);
/* Status for a source that failed config validation (not reconciled). */
void rc_apply_invalid(const struct cfg_source *src, struct rc_status *st, int64_t now);

/* Revision string "<tag>@<digest>" or "<digest>". Caller frees. */
char *rc_revision(const char *tag, const char *digest);

#endif
