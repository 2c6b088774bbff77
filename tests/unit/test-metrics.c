/* test-metrics.c - Prometheus text rendering: condition gauges, duration
 * histogram, suspend and artifact info, label escaping, atomic file write. */
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/metrics.h"
#include "reconcile/conditions.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/mem.h"

static char *render(const struct metrics_source *v, size_t n)
{
	struct buf b = BUF_INIT(0);

	metrics_render(v, n, &b);
	return buf_steal(&b, NULL);
}

static size_t count(const char *haystack, const char *needle)
{
	size_t n = 0;

	for (const char *p = haystack; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void assert_line(const char *text, const char *line)
{
	char *with_lf = xasprintf("%s\n", line);

	if (!strstr(text, with_lf))
		fail_msg("missing line: %s\nin:\n%s", line, text);
	free(with_lf);
}

static void test_label_escaping(void **state)
{
	struct buf b = BUF_INIT(0);

	metrics_append_label_value(&b, "a\"b\\c\nd e");
	assert_string_equal(buf_cstr(&b), "a\\\"b\\\\c\\nd e");
	buf_free(&b);
}

static void test_ready_source(void **state)
{
	struct conditions c = { 0 };
	struct metrics_hist h = { 0 };
	struct metrics_source s = {
		.ns = "edge", .name = "app", .conds = &c, .revision = "1.0@sha256:abc", .digest = "sha256:def",
		.last_success = 1700000000, .hist = &h,
	};
	char *text;

	cond_set(&c, COND_READY, COND_TRUE, "Succeeded", "stored artifact", 1, 100);
	cond_set(&c, COND_ARTIFACT_IN_STORAGE, COND_TRUE, "Succeeded", "stored artifact", 1, 100);
	metrics_observe(&h, 0.05);
	metrics_observe(&h, 0.7);
	metrics_observe(&h, 3);
	metrics_observe(&h, 10000);
	text = render(&s, 1);

	assert_line(text, "# TYPE ferry_reconcile_condition gauge");
	assert_line(text, "ferry_reconcile_condition{kind=\"OCIRepository\",name=\"app\",namespace=\"edge\","
			  "type=\"Ready\",status=\"True\"} 1");
	assert_line(text, "ferry_reconcile_condition{kind=\"OCIRepository\",name=\"app\",namespace=\"edge\","
			  "type=\"Ready\",status=\"False\"} 0");
	assert_line(text, "ferry_reconcile_condition{kind=\"OCIRepository\",name=\"app\",namespace=\"edge\","
			  "type=\"Ready\",status=\"Unknown\"} 0");
	assert_line(text, "ferry_reconcile_condition{kind=\"OCIRepository\",name=\"app\",namespace=\"edge\","
			  "type=\"ArtifactInStorage\",status=\"True\"} 1");
	assert_int_equal(count(text, "ferry_reconcile_condition{"), 6);

	assert_line(text, "# TYPE ferry_reconcile_duration_seconds histogram");
	assert_line(text, "ferry_reconcile_duration_seconds_bucket{kind=\"OCIRepository\",name=\"app\","
			  "namespace=\"edge\",le=\"0.1\"} 1");
	assert_line(text, "ferry_reconcile_duration_seconds_bucket{kind=\"OCIRepository\",name=\"app\","
			  "namespace=\"edge\",le=\"0.5\"} 1");
	assert_line(text, "ferry_reconcile_duration_seconds_bucket{kind=\"OCIRepository\",name=\"app\","
			  "namespace=\"edge\",le=\"1\"} 2");
	assert_line(text, "ferry_reconcile_duration_seconds_bucket{kind=\"OCIRepository\",name=\"app\","
			  "namespace=\"edge\",le=\"2.5\"} 2");
	assert_line(text, "ferry_reconcile_duration_seconds_bucket{kind=\"OCIRepository\",name=\"app\","
			  "namespace=\"edge\",le=\"5\"} 3");
	assert_line(text, "ferry_reconcile_duration_seconds_bucket{kind=\"OCIRepository\",name=\"app\","
			  "namespace=\"edge\",le=\"600\"} 3");
	assert_line(text, "ferry_reconcile_duration_seconds_bucket{kind=\"OCIRepository\",name=\"app\","
			  "namespace=\"edge\",le=\"+Inf\"} 4");
	assert_line(text, "ferry_reconcile_duration_seconds_sum{kind=\"OCIRepository\",name=\"app\","
			  "namespace=\"edge\"} 10003.75");
	assert_line(text, "ferry_reconcile_duration_seconds_count{kind=\"OCIRepository\",name=\"app\","
			  "namespace=\"edge\"} 4");
	assert_int_equal(count(text, "ferry_reconcile_duration_seconds_bucket{"), METRICS_N_BUCKETS + 1);

	assert_line(text, "ferry_suspend_status{kind=\"OCIRepository\",name=\"app\",namespace=\"edge\"} 0");
	assert_line(text, "ferry_artifact_info{kind=\"OCIRepository\",name=\"app\",namespace=\"edge\","
			  "revision=\"1.0@sha256:abc\",digest=\"sha256:def\"} 1");
	assert_line(text, "ferry_last_success_timestamp_seconds{kind=\"OCIRepository\",name=\"app\","
			  "namespace=\"edge\"} 1700000000");
	/* every family announced once */
	assert_int_equal(count(text, "# HELP "), 5);
	assert_int_equal(count(text, "# TYPE "), 5);
	free(text);
	cond_free(&c);
}

static void test_new_and_suspended_sources(void **state)
{
	struct conditions failing = { 0 };
	struct metrics_source v[2] = {
		{ .ns = "a", .name = "fresh", .conds = NULL, .suspended = true },
		{ .ns = "b", .name = "we\"ird", .conds = &failing },
	};
	char *text;

	cond_set(&failing, COND_READY, COND_FALSE, "VerificationError", "bad", 1, 100);
	text = render(v, 2);
	/* never reconciled: Ready Unknown */
	assert_line(text, "ferry_reconcile_condition{kind=\"OCIRepository\",name=\"fresh\",namespace=\"a\","
			  "type=\"Ready\",status=\"Unknown\"} 1");
	assert_line(text, "ferry_suspend_status{kind=\"OCIRepository\",name=\"fresh\",namespace=\"a\"} 1");
	assert_line(text, "ferry_reconcile_condition{kind=\"OCIRepository\",name=\"we\\\"ird\",namespace=\"b\","
			  "type=\"Ready\",status=\"False\"} 1");
	assert_line(text, "ferry_reconcile_duration_seconds_count{kind=\"OCIRepository\",name=\"fresh\","
			  "namespace=\"a\"} 0");
	/* no artifact, no success yet: no sample */
	assert_null(strstr(text, "ferry_artifact_info{"));
	assert_null(strstr(text, "ferry_last_success_timestamp_seconds{"));
	free(text);
	cond_free(&failing);
}

static void test_write_file(void **state)
{
	char dir[] = "/tmp/ferry-test-metrics-XXXXXX";
	struct metrics_source s = { .ns = "edge", .name = "app" };
	struct ferry_err e;
	struct buf b;
	char *expected;
	int dfd;

	assert_non_null(mkdtemp(dir));
	dfd = fs_open_dir(dir, false, 0);
	assert_true(dfd >= 0);
	ferr_clear(&e);
	assert_int_equal(metrics_write(dfd, "ferry.prom", &s, 1, &e), 0);
	assert_int_equal(fs_read_file_at(dfd, "ferry.prom", 1 << 20, &b), 0);
	expected = render(&s, 1);
	assert_string_equal(buf_cstr(&b), expected);
	free(expected);
	buf_free(&b);
	fs_remove_tree_at(dfd, "ferry.prom");
	close(dfd);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_ready_source),
		cmocka_unit_test(test_new_and_suspended_sources),
		cmocka_unit_test(test_write_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
