/* scheduler.c - due times, jitter, backoff, deadlines and the worker FIFO. */
#include "daemon/scheduler.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "util/limits.h"
#include "util/mem.h"

uint64_t sched_random(void)
{
	static uint64_t fallback;
	uint64_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	/* no entropy yet (early boot): spreading still beats none */
	fallback = fallback * 6364136223846793005ULL + 1442695040888963407ULL + (uint64_t)time(NULL);
	return fallback;
}

int64_t sched_interval(int64_t interval_ms)
{
	if (interval_ms < SCHED_MIN_INTERVAL_MS)
		return SCHED_MIN_INTERVAL_MS;
	return interval_ms > SCHED_MAX_INTERVAL_MS ? SCHED_MAX_INTERVAL_MS : interval_ms;
}

/* Uniform in [0, span] (span >= 0). */
static int64_t pick(uint64_t rnd, int64_t span)
{
	return span <= 0 ? 0 : (int64_t)(rnd % ((uint64_t)span + 1));
}

int64_t sched_jittered_interval(int64_t interval_ms, uint64_t rnd)
{
	int64_t interval = sched_interval(interval_ms);
	int64_t spread = interval / 100 * SCHED_JITTER_PERCENT + interval % 100 * SCHED_JITTER_PERCENT / 100;

	return interval - spread + pick(rnd, 2 * spread);
}

int64_t sched_startup_delay(int64_t interval_ms, int64_t spread_ms, uint64_t rnd)
{
	int64_t window = sched_interval(interval_ms);

	if (spread_ms < window)
		window = spread_ms;
	return pick(rnd, window);
}

int64_t sched_backoff(unsigned failures, int64_t interval_ms)
{
	int64_t delay = LIMIT_BACKOFF_MIN_MS;
	int64_t interval = sched_interval(interval_ms);

	for (unsigned i = 1; i < failures && delay < LIMIT_BACKOFF_MAX_MS; i++)
		delay *= 2;
	if (delay > LIMIT_BACKOFF_MAX_MS)
		delay = LIMIT_BACKOFF_MAX_MS;
	return delay < interval ? delay : interval;
}

int64_t sched_worker_deadline(int64_t timeout_ms)
{
	int64_t timeout = timeout_ms > 0 ? timeout_ms : LIMIT_DEFAULT_TIMEOUT_MS;
	int64_t deadline;

	if (timeout > LIMIT_WORKER_DEADLINE_MAX_MS / LIMIT_WORKER_TIMEOUT_FACTOR)
		return LIMIT_WORKER_DEADLINE_MAX_MS;
	deadline = timeout * LIMIT_WORKER_TIMEOUT_FACTOR;
	return deadline < LIMIT_WORKER_DEADLINE_MIN_MS ? LIMIT_WORKER_DEADLINE_MIN_MS : deadline;
}

void sched_start(struct sched_entry *e, int64_t interval_ms, int64_t now, int64_t spread_ms, uint64_t rnd)
{
	e->interval_ms = sched_interval(interval_ms);
	e->failures = 0;
	e->due_ms = now + sched_startup_delay(e->interval_ms, spread_ms, rnd);
}

void sched_soon(struct sched_entry *e, int64_t now)
{
	e->due_ms = now;
}

void sched_after_run(struct sched_entry *e, bool success, bool retry, int64_t now, uint64_t rnd)
{
	int64_t next = sched_jittered_interval(e->interval_ms, rnd);

	if (success) {
		e->failures = 0;
		e->due_ms = now + next;
		return;
	}
	if (e->failures < 64)
		e->failures++;
	if (!retry) {
		e->due_ms = SCHED_NEVER;
		return;
	}
	e->due_ms = now + sched_backoff(e->failures, e->interval_ms);
}

int64_t sched_effective_due(const struct sched_entry *e)
{
	if (e->suspended || e->queued || e->running)
		return SCHED_NEVER;
	return e->due_ms;
}

void sched_fifo_push(struct sched_fifo *q, void *item)
{
	if (q->head + q->len == q->cap) {
		if (q->head > 0) {
			memmove(q->v, q->v + q->head, q->len * sizeof(*q->v));
			q->head = 0;
		} else {
			q->cap = q->cap ? q->cap * 2 : 8;
			q->v = xrealloc(q->v, q->cap * sizeof(*q->v));
		}
	}
	q->v[q->head + q->len++] = item;
}

void *sched_fifo_pop(struct sched_fifo *q)
{
	void *item;

	if (q->len == 0)
		return NULL;
	item = q->v[q->head++];
	if (--q->len == 0)
		q->head = 0;
	return item;
}

bool sched_fifo_remove(struct sched_fifo *q, const void *item)
{
	for (size_t i = 0; i < q->len; i++) {
		if (q->v[q->head + i] != item)
			continue;
		memmove(q->v + q->head + i, q->v + q->head + i + 1, (q->len - i - 1) * sizeof(*q->v));
		if (--q->len == 0)
			q->head = 0;
		return true;
	}
	return false;
}

size_t sched_fifo_len(const struct sched_fifo *q)
{
	return q->len;
}

void sched_fifo_free(struct sched_fifo *q)
{
	free(q->v);
	memset(q, 0, sizeof(*q));
}
