/* conditions.c - Flux condition mechanics and the Ready summary. */
#include "reconcile/conditions.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/limits.h"
#include "util/mem.h"
#include "util/timeutil.h"

static struct condition *find(const struct conditions *c, const char *type)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].type, type) == 0)
			return &c->v[i];
	return NULL;
}

const struct condition *cond_get(const struct conditions *c, const char *type)
{
	return find(c, type);
}

bool cond_is(const struct conditions *c, const char *type, const char *status)
{
	const struct condition *x = find(c, type);
	return x && strcmp(x->status, status) == 0;
}

static char *trimmed_message(const char *msg)
{
	size_t len = strlen(msg);
	char *out;

	if (len <= LIMIT_CONDITION_MESSAGE_BYTES)
		return xstrdup(msg);
	out = xmalloc(LIMIT_CONDITION_MESSAGE_BYTES + 1);
	memcpy(out, msg, LIMIT_CONDITION_MESSAGE_BYTES - 3);
	memcpy(out + LIMIT_CONDITION_MESSAGE_BYTES - 3, "...", 4);
	return out;
}

void cond_set(struct conditions *c, const char *type, const char *status, const char *reason,
	      const char *message, int64_t generation, int64_t now)
{
	struct condition *x = find(c, type);
	char *msg = trimmed_message(message ? message : "");

	if (!x) {
		c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
		x = &c->v[c->n++];
		memset(x, 0, sizeof(*x));
		x->type = xstrdup(type);
		x->last_transition = now;
	} else if (strcmp(x->status, status) != 0 || strcmp(x->reason, reason) != 0 ||
		   strcmp(x->message, msg) != 0) {
		x->last_transition = now;
	}
	free(x->status);
	free(x->reason);
	free(x->message);
	x->status = xstrdup(status);
	x->reason = xstrdup(reason);
	x->message = msg;
	x->observed_generation = generation;
}

void cond_setf(struct conditions *c, const char *type, const char *status, const char *reason,
	       int64_t generation, int64_t now, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	cond_set(c, type, status, reason, msg, generation, now);
	free(msg);
}

static void free_one(struct condition *x)
{
	free(x->type);
	free(x->status);
	free(x->reason);
	free(x->message);
}

void cond_delete(struct conditions *c, const char *type)
{
	struct condition *x = find(c, type);
	size_t i;

	if (!x)
		return;
	i = (size_t)(x - c->v);
	free_one(x);
	memmove(&c->v[i], &c->v[i + 1], (c->n - i - 1) * sizeof(*c->v));
	c->n--;
}

static int rank(const char *type)
{
	if (strcmp(type, COND_STALLED) == 0)
		return 0;
	if (strcmp(type, COND_RECONCILING) == 0)
		return 1;
	if (strcmp(type, COND_READY) == 0)
		return 2;
	return 3;
}

static int compare(const void *pa, const void *pb)
{
	const struct condition *a = pa, *b = pb;
	int ra = rank(a->type), rb = rank(b->type);

	if (ra != rb)
		return ra - rb;
	if (a->observed_generation != b->observed_generation)
		return a->observed_generation > b->observed_generation ? -1 : 1;
	return strcmp(a->type, b->type);
}

void cond_sort(struct conditions *c)
{
	if (c->n > 1)
		qsort(c->v, c->n, sizeof(*c->v), compare);
}

/* The OCIRepository summary list, in source-controller's order. */
static const char *const SUMMARY_ORDER[] = {
	COND_STORAGE_FAILED, COND_FETCH_FAILED, COND_ARTIFACT_OUTDATED, COND_ARTIFACT_IN_STORAGE,
	COND_SOURCE_VERIFIED, COND_STALLED, COND_RECONCILING,
};

static bool negative(const char *type)
{
	return strcmp(type, COND_STORAGE_FAILED) == 0 || strcmp(type, COND_FETCH_FAILED) == 0 ||
	       strcmp(type, COND_ARTIFACT_OUTDATED) == 0 || strcmp(type, COND_STALLED) == 0 ||
	       strcmp(type, COND_RECONCILING) == 0;
}

/* Merge priority of fluxcd/pkg runtime/conditions: lower wins. */
static int priority(const struct condition *x)
{
	bool neg = negative(x->type);

	if (strcmp(x->status, COND_TRUE) == 0)
		return neg ? 0 : 2;
	if (strcmp(x->status, COND_FALSE) == 0)
		return neg ? 3 : 1;
	return 4;
}

void cond_summarize_ready(struct conditions *c, int64_t generation, int64_t now)
{
	const struct condition *top = NULL;
	const struct condition *sv = find(c, COND_SOURCE_VERIFIED);
	int best = 5;
	const char *status;

	for (size_t i = 0; i < ARRAY_SIZE(SUMMARY_ORDER); i++) {
		const struct condition *x = find(c, SUMMARY_ORDER[i]);
		int p;

		if (!x)
			continue;
		p = priority(x);
		if (p < best) {
			best = p;
			top = x;
		}
	}
	if (sv && strcmp(sv->status, COND_FALSE) == 0) {
		char *reason = xstrdup(sv->reason), *msg = xstrdup(sv->message);
		cond_set(c, COND_READY, COND_FALSE, reason, msg, generation, now);
		free(reason);
		free(msg);
		return;
	}
	if (!top) {
		cond_set(c, COND_READY, COND_UNKNOWN, "Progressing", "reconciliation in progress",
			 generation, now);
		return;
	}
	if (best == 4)
		status = COND_UNKNOWN;
	else if (negative(top->type))
		status = strcmp(top->status, COND_TRUE) == 0 ? COND_FALSE : COND_TRUE;
	else
		status = top->status;
	{
		char *reason = xstrdup(top->reason), *msg = xstrdup(top->message);
		cond_set(c, COND_READY, status, reason, msg, generation, now);
		free(reason);
		free(msg);
	}
}

void cond_free(struct conditions *c)
{
	for (size_t i = 0; i < c->n; i++)
		free_one(&c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

json_t *cond_to_json(const struct conditions *c)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < c->n; i++) {
		char ts[32];
		ftime_format_rfc3339(c->v[i].last_transition, ts, sizeof(ts));
		json_array_append_new(arr, json_pack("{s:s,s:s,s:I,s:s,s:s,s:s}",
						     "type", c->v[i].type,
						     "status", c->v[i].status,
						     "observedGeneration", (json_int_t)c->v[i].observed_generation,
						     "lastTransitionTime", ts,
						     "reason", c->v[i].reason,
						     "message", c->v[i].message));
	}
	return arr;
}

void cond_from_json(struct conditions *c, const json_t *arr)
{
	size_t i;
	json_t *v;

	c->v = NULL;
	c->n = 0;
	if (!json_is_array(arr))
		return;
	json_array_foreach(arr, i, v) {
		const char *type = json_string_value(json_object_get(v, "type"));
		const char *status = json_string_value(json_object_get(v, "status"));
		const char *reason = json_string_value(json_object_get(v, "reason"));
		const char *message = json_string_value(json_object_get(v, "message"));
		const char *ts = json_string_value(json_object_get(v, "lastTransitionTime"));
		json_t *gen = json_object_get(v, "observedGeneration");
		struct condition *x;
		int64_t sec = 0;

		if (!type || !status || !reason || !message || find(c, type))
			continue;
		if (!ts || ftime_parse_rfc3339(ts, &sec, NULL) < 0)
			sec = 0;
		c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
		x = &c->v[c->n++];
		x->type = xstrdup(type);
		x->status = xstrdup(status);
		x->reason = xstrdup(reason);
		x->message = xstrdup(message);
		x->observed_generation = json_is_integer(gen) ? json_integer_value(gen) : 0;
		x->last_transition = sec;
	}
}
