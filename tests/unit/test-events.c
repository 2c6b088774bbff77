/* test-events.c - the per-source event ring and the orphan record, in memory
 * and on disk. */
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/events.h"
#include "daemon/orphans.h"
#include "util/fs.h"
#include "util/limits.h"
#include "util/mem.h"

static void test_ring_dedup_and_bound(void **state)
{
	struct ev_ring r = { 0 };
	char msg[32];

	events_record(&r, true, "OCIArtifactPullFailed", "connection refused", 100);
	events_record(&r, true, "OCIArtifactPullFailed", "connection refused", 160);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].count, 2);
	assert_int_equal(r.v[0].first, 100);
	assert_int_equal(r.v[0].last, 160);
	events_record(&r, false, "NewArtifact", "stored artifact with revision 'v1'", 200);
	assert_int_equal(r.n, 2);
	for (int i = 0; i < LIMIT_EVENTS_PER_SOURCE + 3; i++) {
		snprintf(msg, sizeof(msg), "event %d", i);
		events_record(&r, false, "Succeeded", msg, 300 + i);
	}
	assert_int_equal(r.n, LIMIT_EVENTS_PER_SOURCE);
	/* oldest dropped first */
	assert_string_equal(r.v[0].message, "event 3");
	snprintf(msg, sizeof(msg), "event %d", LIMIT_EVENTS_PER_SOURCE + 2);
	assert_string_equal(r.v[r.n - 1].message, msg);
	events_free(&r);
}

static void test_long_message_trimmed(void **state)
{
	struct ev_ring r = { 0 };
	char *big = xmalloc(LIMIT_EVENT_MESSAGE_BYTES * 2 + 1);

	memset(big, 'm', LIMIT_EVENT_MESSAGE_BYTES * 2);
	big[LIMIT_EVENT_MESSAGE_BYTES * 2] = '\0';
	events_record(&r, true, "X", big, 1);
	assert_int_equal(strlen(r.v[0].message), LIMIT_EVENT_MESSAGE_BYTES);
	assert_string_equal(r.v[0].message + LIMIT_EVENT_MESSAGE_BYTES - 3, "...");
	free(big);
	events_free(&r);
}

static void test_events_persist(void **state)
{
	char dir[] = "/tmp/ferry-test-events-XXXXXX";
	struct ev_ring r = { 0 }, back;
	struct ferry_err e;
	int fd;

	assert_non_null(mkdtemp(dir));
	fd = fs_open_dir(dir, false, 0);
	events_record(&r, true, "VerificationError", "failed to verify\nthe signature", 1700000000);
	events_record(&r, false, "NewArtifact", "stored", 1700000100);
	r.last_success = 1700000100;
	ferr_clear(&e);
	assert_int_equal(events_write(fd, "edge", "app", &r, &e), 0);
	events_load(fd, "edge", "app", &back);
	assert_int_equal(back.n, 2);
	assert_true(back.v[0].warning);
	assert_string_equal(back.v[0].reason, "VerificationError");
	assert_string_equal(back.v[0].message, "failed to verify\nthe signature");
	assert_int_equal(back.v[0].first, 1700000000);
	assert_false(back.v[1].warning);
	assert_int_equal(back.last_success, 1700000100);
	events_free(&back);
	events_remove(fd, "edge", "app");
	events_load(fd, "edge", "app", &back);
	assert_int_equal(back.n, 0);
	assert_false(fs_exists_at(fd, "events/edge"));
	events_free(&r);
	fs_remove_tree_at(fd, "events");
	close(fd);
	rmdir(dir);
}

static void test_events_corrupt_file(void **state)
{
	char dir[] = "/tmp/ferry-test-events-XXXXXX";
	static const char partly_valid[] =
		"{\"events\":[{\"type\":1},{\"type\":\"Normal\",\"reason\":\"R\",\"message\":\"m\",\"count\":2}]}";
	struct ev_ring r;
	int fd, sub;

	assert_non_null(mkdtemp(dir));
	fd = fs_open_dir(dir, false, 0);
	sub = fs_open_dir_at(fd, "events/edge", true, 0755);
	assert_int_equal(fs_write_atomic_at(sub, "app.json", "{not json", 9, 0644), 0);
	events_load(fd, "edge", "app", &r);
	assert_int_equal(r.n, 0);
	assert_int_equal(fs_write_atomic_at(sub, "app.json", partly_valid, strlen(partly_valid), 0644), 0);
	events_load(fd, "edge", "app", &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].count, 2);
	events_free(&r);
	close(sub);
	fs_remove_tree_at(fd, "events");
	close(fd);
	rmdir(dir);
}

static void test_orphans(void **state)
{
	char dir[] = "/tmp/ferry-test-orphans-XXXXXX";
	struct orphan_set set = { 0 }, back;
	struct ferry_err e;
	int fd;

	assert_non_null(mkdtemp(dir));
	fd = fs_open_dir(dir, false, 0);
	ferr_clear(&e);
	assert_int_equal(orphans_load(fd, &set, &e), 0);
	assert_int_equal(set.n, 0);
	assert_true(orphans_mark(&set, "edge/b", 1000));
	assert_true(orphans_mark(&set, "edge/a", 2000));
	/* marking again keeps the first time */
	assert_false(orphans_mark(&set, "edge/b", 5000));
	assert_int_equal(orphans_find(&set, "edge/b")->since, 1000);
	assert_int_equal(orphans_next_expiry(&set, 86400), 1000 + 86400);
	assert_int_equal(orphans_save(fd, &set, &e), 0);
	assert_int_equal(orphans_load(fd, &back, &e), 0);
	assert_int_equal(back.n, 2);
	assert_string_equal(back.v[0].key, "edge/a");
	assert_int_equal(back.v[0].since, 2000);
	assert_int_equal(back.v[1].since, 1000);
	orphans_free(&back);
	assert_true(orphans_unmark(&set, "edge/b"));
	assert_false(orphans_unmark(&set, "edge/b"));
	assert_int_equal(orphans_next_expiry(&set, 10), 2010);
	assert_true(orphans_unmark(&set, "edge/a"));
	assert_int_equal(orphans_next_expiry(&set, 10), INT64_MAX);
	/* an empty record removes the file */
	assert_int_equal(orphans_save(fd, &set, &e), 0);
	assert_false(fs_exists_at(fd, ORPHANS_FILE));
	/* a corrupt file is reported */
	assert_int_equal(fs_write_atomic_at(fd, ORPHANS_FILE, "[]", 2, 0644), 0);
	ferr_clear(&e);
	assert_int_equal(orphans_load(fd, &back, &e), -1);
	assert_string_equal(e.msg, "orphans.json: no \"orphans\" object");
	orphans_free(&back);
	orphans_free(&set);
	unlinkat(fd, ORPHANS_FILE, 0);
	close(fd);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_dedup_and_bound),
		cmocka_unit_test(test_long_message_trimmed),
		cmocka_unit_test(test_events_persist),
		cmocka_unit_test(test_events_corrupt_file),
		cmocka_unit_test(test_orphans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
