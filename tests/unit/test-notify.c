/* test-notify.c - the STATUS= line systemctl status shows. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/notify.h"

static void expect(const struct notify_summary *s, const char *text)
{
	char *got = notify_status_text(s);

	assert_string_equal(got, text);
	free(got);
}

static void test_summary(void **state)
{
	struct notify_summary s = { .sources = 3, .ready = 2, .failing = 1, .first_failing = "edge/app",
				    .first_reason = "VerificationError", .next_check_ms = 4 * 60 * 1000 };

	expect(&s, "3 sources: 2 ready, 1 failing (edge/app: VerificationError); next check in 4m");
	s.failing = 3;
	s.ready = 0;
	s.sources = 5;
	s.suspended = 1;
	s.pending = 1;
	s.next_check_ms = 1500;
	expect(&s, "5 sources: 3 failing (edge/app: VerificationError, +2 more), 1 suspended, 1 pending; "
		   "next check in 2s");
	s = (struct notify_summary){ .sources = 1, .ready = 1, .next_check_ms = -1 };
	expect(&s, "1 source: 1 ready");
	s = (struct notify_summary){ .next_check_ms = -1 };
	expect(&s, "no sources");
}

static void test_errors_appended(void **state)
{
	struct notify_summary s = { .sources = 1, .ready = 1, .next_check_ms = 0,
				    .config_error = "config error, running the previous config: a.yaml:3:1: bad\nx",
				    .socket_error = "/run/ferry/ferryd.sock: bind: Permission denied" };

	expect(&s, "1 source: 1 ready; next check in 0s; config error, running the previous config: "
		   "a.yaml:3:1: bad x; control socket unavailable: /run/ferry/ferryd.sock: bind: Permission denied");
	s = (struct notify_summary){ .sources = 1, .ready = 1, .next_check_ms = -1, .exposed_secrets = 2 };
	expect(&s, "1 source: 1 ready; warning: 2 Secrets in files readable by all users (see the journal)");
}

static void test_stopping_and_length(void **state)
{
	struct notify_summary s = { .stopping = true, .running = 2 };
	char long_error[3000];
	char *got;

	expect(&s, "stopping: waiting for 2 workers");
	memset(long_error, 'e', sizeof(long_error) - 1);
	long_error[sizeof(long_error) - 1] = '\0';
	s = (struct notify_summary){ .next_check_ms = -1, .config_error = long_error };
	got = notify_status_text(&s);
	assert_int_equal(strlen(got), NOTIFY_STATUS_MAX);
	assert_string_equal(got + NOTIFY_STATUS_MAX - 3, "...");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_errors_appended),
		cmocka_unit_test(test_stopping_and_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
