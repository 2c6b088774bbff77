/*
 * metrics.h - Prometheus text exposition of every source's state, written
 * atomically to --metrics-file after each reconcile for node_exporter's
 * textfile collector. Names follow Flux's gotk_* metrics with a ferry_ prefix:
 *
 *   ferry_reconcile_condition{kind,name,namespace,type,status}   1 / 0
 *   ferry_reconcile_duration_seconds{kind,name,namespace}        histogram
 *   ferry_suspend_status{kind,name,namespace}                    1 / 0
 *   ferry_artifact_info{kind,name,namespace,revision,digest}     1
 *   ferry_last_success_timestamp_seconds{kind,name,namespace}    unix time
 *
 * Owned by daemon. Rendering is pure; label values are escaped as the text
 * format requires (backslash, double quote, line feed).
 */
#ifndef FERRY_DAEMON_METRICS_H
#define FERRY_DAEMON_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reconcile/conditions.h"
#include "util/buf.h"
#include "util/err.h"

#define METRICS_N_BUCKETS 11     /* upper bounds in seconds, see metrics.c; +Inf implied */

struct metrics_hist {
	uint64_t bucket[METRICS_N_BUCKETS];   /* observations per bucket, not cumulative */
	uint64_t count;
	double sum;
};

struct metrics_source {
	const char *ns;
	const char *name;
	const struct conditions *conds;
	bool suspended;
	const char *revision;    /* NULL: no artifact */
	const char *digest;
	int64_t last_success;    /* 0: unknown */
	const struct metrics_hist *hist;
};

extern const double metrics_bucket_bounds[METRICS_N_BUCKETS];

void metrics_observe(struct metrics_hist *h, double seconds);
/* Escape a label value (without the surrounding quotes). */
void metrics_append_label_value(struct buf *b, const char *s);
void metrics_render(const struct metrics_source *v, size_t n, struct buf *out);
/* Render and replace dirfd/name atomically (mode 0644). */
int metrics_write(int dirfd, const char *name, const struct metrics_source *v, size_t n, struct ferry_err *e);

#endif
