/* test-scheduler.c - jitter bounds, first-run spread, failure backoff,
 * worker deadlines and the FIFO of sources waiting for a worker. */
#include "unit.h"

#include <stdint.h>
#include <string.h>

#include "daemon/scheduler.h"
#include "util/limits.h"

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

static void test_jitter_stays_within_five_percent(void **state)
{
	const int64_t intervals[] = { 1 * SEC, 10 * SEC, 5 * MIN, 1 * HOUR, 7 * SEC + 3 };

	for (size_t k = 0; k < sizeof(intervals) / sizeof(intervals[0]); k++) {
		int64_t iv = intervals[k], lo = iv - iv * 5 / 100, hi = iv + iv * 5 / 100;
		bool below = false, above = false;

		for (int i = 0; i < 2000; i++) {
			int64_t j = sched_jittered_interval(iv, sched_random());
			assert_in_range(j, lo, hi);
			below |= j < iv;
			above |= j > iv;
		}
		/* really jittered, in both directions */
		assert_true(below);
		assert_true(above);
		/* the extremes are reachable */
		assert_int_equal(sched_jittered_interval(iv, 0), lo);
		assert_int_equal(sched_jittered_interval(iv, (uint64_t)(hi - lo)), hi);
	}
}

static void test_jitter_of_tiny_interval_is_raised(void **state)
{
	/* 100ms would busy-loop a failing registry: raised to the minimum */
	for (int i = 0; i < 100; i++)
		assert_in_range(sched_jittered_interval(100, sched_random()), 950, 1050);
	assert_int_equal(sched_interval(0), SCHED_MIN_INTERVAL_MS);
	assert_int_equal(sched_interval(5 * MIN), 5 * MIN);
	assert_int_equal(sched_interval(INT64_MAX / 2), SCHED_MAX_INTERVAL_MS);
}

static void test_first_run_spread(void **state)
{
	int64_t lo_hits = 0, hi_hits = 0;

	for (int i = 0; i < 4000; i++) {
		int64_t dly = sched_startup_delay(1 * HOUR, 30 * SEC, sched_random());
		assert_in_range(dly, 0, 30 * SEC);
		if (dly < 15 * SEC)
			lo_hits++;
		else
			hi_hits++;
	}
	/* uniform: both halves of the window are used about equally */
	assert_in_range(lo_hits, 1600, 2400);
	assert_in_range(hi_hits, 1600, 2400);
	/* a short interval bounds the window */
	for (int i = 0; i < 1000; i++)
		assert_in_range(sched_startup_delay(5 * SEC, 30 * SEC, sched_random()), 0, 5 * SEC);
	assert_int_equal(sched_startup_delay(1 * HOUR, 30 * SEC, 30 * SEC), 30 * SEC);
	assert_int_equal(sched_startup_delay(1 * HOUR, 0, sched_random()), 0);
}

static void test_backoff_sequence(void **state)
{
	const int64_t expected[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900 };

	for (unsigned f = 1; f <= sizeof(expected) / sizeof(expected[0]); f++)
		assert_int_equal(sched_backoff(f, 24 * HOUR), expected[f - 1] * SEC);
	assert_int_equal(sched_backoff(1000, 24 * HOUR), 900 * SEC);
}

static void test_backoff_capped_by_interval(void **state)
{
	const int64_t expected[] = { 1, 2, 4, 8, 10, 10, 10 };

	for (unsigned f = 1; f <= sizeof(expected) / sizeof(expected[0]); f++)
		assert_int_equal(sched_backoff(f, 10 * SEC), expected[f - 1] * SEC);
	assert_int_equal(sched_backoff(12, 5 * MIN), 5 * MIN);
}

static void test_after_run(void **state)
{
	struct sched_entry e = { 0 };
	int64_t now = 1000 * SEC;

	sched_start(&e, 10 * MIN, now, 30 * SEC, 7 * SEC);
	assert_int_equal(e.due_ms, now + 7 * SEC);
	assert_int_equal(e.failures, 0);

	/* failures back off 1s, 2s, 4s ... */
	sched_after_run(&e, false, true, now, 0);
	assert_int_equal(e.due_ms, now + 1 * SEC);
	sched_after_run(&e, false, true, now, 0);
	assert_int_equal(e.due_ms, now + 2 * SEC);
	sched_after_run(&e, false, true, now, 0);
	assert_int_equal(e.due_ms, now + 4 * SEC);
	assert_int_equal(e.failures, 3);

	/* success resets and returns to the jittered interval */
	sched_after_run(&e, true, true, now, 0);
	assert_int_equal(e.failures, 0);
	assert_int_equal(e.due_ms, now + 10 * MIN - 30 * SEC);
	sched_after_run(&e, false, true, now, 0);
	assert_int_equal(e.due_ms, now + 1 * SEC);

	/* a stalled failure is not retried until something changes */
	sched_after_run(&e, false, false, now, 0);
	assert_int_equal(e.due_ms, SCHED_NEVER);
	sched_soon(&e, now + 5);
	assert_int_equal(e.due_ms, now + 5);
}

static void test_effective_due(void **state)
{
	struct sched_entry e = { .interval_ms = MIN, .due_ms = 42 };

	assert_int_equal(sched_effective_due(&e), 42);
	e.suspended = true;
	assert_int_equal(sched_effective_due(&e), SCHED_NEVER);
	e.suspended = false;
	e.queued = true;
	assert_int_equal(sched_effective_due(&e), SCHED_NEVER);
	e.queued = false;
	e.running = true;
	assert_int_equal(sched_effective_due(&e), SCHED_NEVER);
}

static void test_worker_deadline(void **state)
{
	/* spec.timeout x 10, at least 10 s, at most 1 h */
	assert_int_equal(sched_worker_deadline(60 * SEC), 10 * MIN);
	assert_int_equal(sched_worker_deadline(0), LIMIT_DEFAULT_TIMEOUT_MS * LIMIT_WORKER_TIMEOUT_FACTOR);
	assert_int_equal(sched_worker_deadline(1 * SEC), LIMIT_WORKER_DEADLINE_MIN_MS);
	assert_int_equal(sched_worker_deadline(200), 10 * SEC);
	assert_int_equal(sched_worker_deadline(59 * MIN), HOUR);
	assert_int_equal(sched_worker_deadline(INT64_MAX), HOUR);
}

static void test_fifo_order(void **state)
{
	struct sched_fifo q = { 0 };
	int items[40];

	assert_null(sched_fifo_pop(&q));
	for (int i = 0; i < 40; i++)
		sched_fifo_push(&q, &items[i]);
	assert_int_equal(sched_fifo_len(&q), 40);
	for (int i = 0; i < 10; i++)
		assert_ptr_equal(sched_fifo_pop(&q), &items[i]);
	/* removal keeps the order of the rest */
	assert_true(sched_fifo_remove(&q, &items[20]));
	assert_false(sched_fifo_remove(&q, &items[20]));
	assert_false(sched_fifo_remove(&q, &items[3]));
	/* pushing after pops reuses the space without reordering */
	sched_fifo_push(&q, &items[0]);
	for (int i = 10; i < 40; i++) {
		if (i == 20)
			continue;
		assert_ptr_equal(sched_fifo_pop(&q), &items[i]);
	}
	assert_ptr_equal(sched_fifo_pop(&q), &items[0]);
	assert_null(sched_fifo_pop(&q));
	assert_int_equal(sched_fifo_len(&q), 0);
	sched_fifo_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jitter_stays_within_five_percent),
		cmocka_unit_test(test_jitter_of_tiny_interval_is_raised),
		cmocka_unit_test(test_first_run_spread),
		cmocka_unit_test(test_backoff_sequence),
		cmocka_unit_test(test_backoff_capped_by_interval),
		cmocka_unit_test(test_after_run),
		cmocka_unit_test(test_effective_due),
		cmocka_unit_test(test_worker_deadline),
		cmocka_unit_test(test_fifo_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
