/*
 * scheduler.h - when each source runs next: its interval with jitter, a first
 * run spread over a start-up window, exponential backoff after failures,
 * worker deadlines, and the FIFO of due sources waiting for a worker slot.
 *
 * Owned by daemon. Pure arithmetic on CLOCK_MONOTONIC milliseconds: the loop
 * owns the one timer that fires at the earliest due time. Random numbers come
 * in as arguments so tests can pin them.
 */
#ifndef FERRY_DAEMON_SCHEDULER_H
#define FERRY_DAEMON_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCHED_NEVER                INT64_MAX
#define SCHED_JITTER_PERCENT       5        /* like Flux's --interval-jitter-percentage */
#define SCHED_STARTUP_SPREAD_MS    30000    /* default window for the first runs after start */
#define SCHED_MIN_INTERVAL_MS      1000     /* shorter spec.interval values are raised to this */
#define SCHED_MAX_INTERVAL_MS      (366LL * 86400 * 1000) /* longer ones are lowered to this */

struct sched_entry {
	int64_t interval_ms;
	int64_t due_ms;          /* SCHED_NEVER: not scheduled */
	unsigned failures;       /* consecutive failed reconciles */
	bool suspended;
	bool queued;             /* waiting in the FIFO for a worker */
	bool running;
};

/* A uniformly distributed 64-bit value from getrandom(2). */
uint64_t sched_random(void);

/* interval_ms within [SCHED_MIN_INTERVAL_MS, SCHED_MAX_INTERVAL_MS]. */
int64_t sched_interval(int64_t interval_ms);
/* interval ± SCHED_JITTER_PERCENT, picked uniformly by rnd. */
int64_t sched_jittered_interval(int64_t interval_ms, uint64_t rnd);
/* Delay of the first run after start: uniform in [0, min(interval, spread)]. */
int64_t sched_startup_delay(int64_t interval_ms, int64_t spread_ms, uint64_t rnd);
/* Delay before retry number `failures` (>= 1): 1 s doubling up to 15 min,
 * never longer than the interval. */
int64_t sched_backoff(unsigned failures, int64_t interval_ms);
/* How long one reconcile worker may run: spec.timeout (default when <= 0)
 * times LIMIT_WORKER_TIMEOUT_FACTOR, within [LIMIT_WORKER_DEADLINE_MIN_MS,
 * LIMIT_WORKER_DEADLINE_MAX_MS]. */
int64_t sched_worker_deadline(int64_t timeout_ms);

/* First schedule of a source at daemon start. */
void sched_start(struct sched_entry *e, int64_t interval_ms, int64_t now, int64_t spread_ms, uint64_t rnd);
/* Due at `now` (a requested reconcile, a changed spec or Secret). */
void sched_soon(struct sched_entry *e, int64_t now);
/* After a reconcile: success -> next jittered interval; failure with retry ->
 * backoff; failure without retry (stalled) -> not scheduled until something
 * changes. */
void sched_after_run(struct sched_entry *e, bool success, bool retry, int64_t now, uint64_t rnd);
/* Earliest due time of an entry that is neither suspended, queued nor running. */
int64_t sched_effective_due(const struct sched_entry *e);

/* FIFO of opaque pointers (sources waiting for a worker slot). */
struct sched_fifo {
	void **v;
	size_t head;
	size_t len;
	size_t cap;
};

void sched_fifo_push(struct sched_fifo *q, void *item);
void *sched_fifo_pop(struct sched_fifo *q);          /* NULL when empty */
bool sched_fifo_remove(struct sched_fifo *q, const void *item);
size_t sched_fifo_len(const struct sched_fifo *q);
void sched_fifo_free(struct sched_fifo *q);

#endif
