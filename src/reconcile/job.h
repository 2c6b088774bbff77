/*
 * job.h - the job record the parent hands to a reconcile worker.
 *
 * Owned by reconcile. Workers are separate executables (ferry-worker), so the
 * job crosses exec as one JSON document on the worker's stdin: the source,
 * only the Secrets that source references, its current status, the state dir
 * and the log settings. The parent writes it; the worker rebuilds an rc_job
 * from it and runs rc_reconcile.
 */
#ifndef FERRY_RECONCILE_JOB_H
#define FERRY_RECONCILE_JOB_H

#include "artifact/store.h"
#include "config/model.h"
#include "reconcile/reconcile.h"
#include "reconcile/status.h"
#include "util/err.h"

struct rc_job_settings {
	const char *state_dir;
	int log_priority;
	int log_format;           /* enum log_format */
};

/* What a worker owns after parsing a job; rc_job_parsed_free releases it. */
struct rc_job_parsed {
	struct cfg_set *cfg;      /* the one source and its Secrets */
	struct rc_status prev;
	struct store store;
	bool store_open;
	struct rc_job job;
	int log_priority;
	int log_format;
};

char *rc_job_serialize(const struct rc_job *job, const struct rc_job_settings *settings);
int rc_job_parse(const char *text, size_t len, struct rc_job_parsed *out, struct ferry_err *e);
void rc_job_parsed_free(struct rc_job_parsed *p);

#endif
