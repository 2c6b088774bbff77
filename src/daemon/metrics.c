/* metrics.c - Prometheus text format for node_exporter's textfile collector. */
#include "daemon/metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"
#include "util/mem.h"

const double metrics_bucket_bounds[METRICS_N_BUCKETS] = {
	0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600,
};

static const char *const STATUSES[] = { COND_TRUE, COND_FALSE, COND_UNKNOWN };

void metrics_observe(struct metrics_hist *h, double seconds)
{
	if (seconds < 0)
		seconds = 0;
	for (size_t i = 0; i < METRICS_N_BUCKETS; i++) {
		if (seconds <= metrics_bucket_bounds[i]) {
			h->bucket[i]++;
			break;
		}
	}
	h->count++;
	h->sum += seconds;
}

void metrics_append_label_value(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '\\': buf_append_str(b, "\\\\"); break;
		case '"': buf_append_str(b, "\\\""); break;
		case '\n': buf_append_str(b, "\\n"); break;
		default: buf_append(b, s, 1);
		}
	}
}

static void label(struct buf *b, const char *name, const char *value, bool first)
{
	buf_printf(b, "%s%s=\"", first ? "" : ",", name);
	metrics_append_label_value(b, value);
	buf_append_str(b, "\"");
}

static void source_labels(struct buf *b, const struct metrics_source *s)
{
	label(b, "kind", "OCIRepository", true);
	label(b, "name", s->name, false);
	label(b, "namespace", s->ns, false);
}

static void header(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Shortest decimal that reads back as the same double, laid out like Go's
 * strconv.FormatFloat(v, 'g', -1, 64) as the Prometheus client prints it. */
static void number(struct buf *b, double v)
{
	char tmp[64];
	int digits = 1, exp;

	for (; digits < 17; digits++) {
		snprintf(tmp, sizeof(tmp), "%.*e", digits - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*e", digits - 1, v);
	exp = atoi(strchr(tmp, 'e') + 1);
	if (exp < -4 || exp >= 6)
		buf_append_str(b, tmp);
	else
		buf_printf(b, "%.*f", digits - 1 - exp > 0 ? digits - 1 - exp : 0, v);
}

static void conditions(struct buf *b, const struct metrics_source *v, size_t n)
{
	header(b, "ferry_reconcile_condition", "gauge", "The current condition status of a ferry source.");
	for (size_t i = 0; i < n; i++) {
		const struct conditions *c = v[i].conds;
		bool has_ready = c && cond_get(c, COND_READY);
		size_t count = c ? c->n : 0;

		for (size_t k = 0; k < count + (has_ready ? 0 : 1); k++) {
			const char *type = k < count ? c->v[k].type : COND_READY;
			const char *status = k < count ? c->v[k].status : COND_UNKNOWN;

			for (size_t s = 0; s < ARRAY_SIZE(STATUSES); s++) {
				buf_append_str(b, "ferry_reconcile_condition{");
				source_labels(b, &v[i]);
				label(b, "type", type, false);
				label(b, "status", STATUSES[s], false);
				buf_printf(b, "} %d\n", str_eq(status, STATUSES[s]) ? 1 : 0);
			}
		}
	}
}

static void durations(struct buf *b, const struct metrics_source *v, size_t n)
{
	header(b, "ferry_reconcile_duration_seconds", "histogram",
	       "The duration in seconds of a ferry source reconcile.");
	for (size_t i = 0; i < n; i++) {
		static const struct metrics_hist empty;
		const struct metrics_hist *h = v[i].hist ? v[i].hist : &empty;
		uint64_t cumulative = 0;

		for (size_t k = 0; k <= METRICS_N_BUCKETS; k++) {
			buf_append_str(b, "ferry_reconcile_duration_seconds_bucket{");
			source_labels(b, &v[i]);
			buf_append_str(b, ",le=\"");
			if (k < METRICS_N_BUCKETS) {
				cumulative += h->bucket[k];
				number(b, metrics_bucket_bounds[k]);
			} else {
				cumulative = h->count;
				buf_append_str(b, "+Inf");
			}
			buf_printf(b, "\"} %llu\n", (unsigned long long)cumulative);
		}
		buf_append_str(b, "ferry_reconcile_duration_seconds_sum{");
		source_labels(b, &v[i]);
		buf_append_str(b, "} ");
		number(b, h->sum);
		buf_append_str(b, "\nferry_reconcile_duration_seconds_count{");
		source_labels(b, &v[i]);
		buf_printf(b, "} %llu\n", (unsigned long long)h->count);
	}
}

static void suspend_status(struct buf *b, const struct metrics_source *v, size_t n)
{
	header(b, "ferry_suspend_status", "gauge", "The current suspend status of a ferry source.");
	for (size_t i = 0; i < n; i++) {
		buf_append_str(b, "ferry_suspend_status{");
		source_labels(b, &v[i]);
		buf_printf(b, "} %d\n", v[i].suspended ? 1 : 0);
	}
}

static void artifact_info(struct buf *b, const struct metrics_source *v, size_t n)
{
	header(b, "ferry_artifact_info", "gauge", "The artifact revision a ferry source currently serves.");
	for (size_t i = 0; i < n; i++) {
		if (!v[i].revision)
			continue;
		buf_append_str(b, "ferry_artifact_info{");
		source_labels(b, &v[i]);
		label(b, "revision", v[i].revision, false);
		label(b, "digest", v[i].digest ? v[i].digest : "", false);
		buf_append_str(b, "} 1\n");
	}
}

static void last_success(struct buf *b, const struct metrics_source *v, size_t n)
{
	header(b, "ferry_last_success_timestamp_seconds", "gauge",
	       "The time of the last reconcile of a ferry source that ended Ready=True.");
	for (size_t i = 0; i < n; i++) {
		if (!v[i].last_success)
			continue;
		buf_append_str(b, "ferry_last_success_timestamp_seconds{");
		source_labels(b, &v[i]);
		buf_printf(b, "} %lld\n", (long long)v[i].last_success);
	}
}

void metrics_render(const struct metrics_source *v, size_t n, struct buf *out)
{
	conditions(out, v, n);
	durations(out, v, n);
	suspend_status(out, v, n);
	artifact_info(out, v, n);
	last_success(out, v, n);
}

int metrics_write(int dirfd, const char *name, const struct metrics_source *v, size_t n, struct ferry_err *e)
{
	struct buf b = BUF_INIT(0);
	int rc = 0;

	metrics_render(v, n, &b);
	if (fs_write_atomic_at(dirfd, name, b.data ? (const char *)b.data : "", b.len, 0644) < 0)
		rc = ferr_set(e, "MetricsWriteFailed", "failed to write metrics file %s: %s", name, strerror(errno));
	buf_free(&b);
	return rc;
}
