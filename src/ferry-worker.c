/* ferry-worker.c - one reconcile, started by ferryd: a job record on stdin,
 * the result record on stdout. Options and wiring only. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "reconcile/job.h"
#include "reconcile/reconcile.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"

static void write_all(const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(STDOUT_FILENO, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

int main(int argc, char **argv)
{
	struct rc_job_parsed job;
	struct rc_result r;
	struct ferry_err e;
	struct buf in;
	char *out;

	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("ferry-worker %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc > 1 || isatty(STDIN_FILENO)) {
		fprintf(stderr, "ferry-worker runs one reconcile for ferryd: it reads a job record on stdin "
				"and is not meant to be started by hand\n");
		return 2;
	}
	ferr_clear(&e);
	buf_init(&in, LIMIT_WORKER_JOB_BYTES);
	if (fs_read_fd(STDIN_FILENO, &in) < 0) {
		fprintf(stderr, "ferry-worker: cannot read the job record: %s\n", strerror(errno));
		return 1;
	}
	if (rc_job_parse((const char *)in.data, in.len, &job, &e) < 0) {
		fprintf(stderr, "ferry-worker: %s\n", e.msg);
		buf_free(&in);
		return 1;
	}
	buf_free(&in);
	log_setup(LOG_TARGET_AUTO, (enum log_format)job.log_format, job.log_priority);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc_reconcile(&job.job, &r);
	out = rc_result_serialize(&r);
	write_all(out, strlen(out));
	free(out);
	rc_result_free(&r);
	rc_job_parsed_free(&job);
	curl_global_cleanup();
	return 0;
}
