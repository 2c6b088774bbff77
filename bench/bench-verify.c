/*
 * bench-verify.c - micro-benchmark of nv_envelope_verify (the integrity step
 * of Notation verification: envelope parsing, signature, chain rules).
 *
 * Usage: bench-verify [-n ITERATIONS] FILE...
 * The envelope media type comes from the file name: *.cose is COSE,
 * anything else JWS. Each file is verified once (a failure ends the run
 * with its message), then ITERATIONS times; the result line gives
 * verifications per second (wall clock) and CPU milliseconds per signature.
 * bench/verify.py prepares the envelopes and builds this program.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notation/envelope.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/limits.h"

static double seconds(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int verify_once(const char *media_type, const struct buf *env, struct ferry_err *e)
{
	struct nv_envelope *out = NULL;
	int rc;

	ferr_clear(e);
	rc = nv_envelope_verify(media_type, env->data, env->len, &out, e);
	if (out)
		nv_envelope_free(out);
	return rc;
}

static int bench_file(const char *path, long iterations)
{
	const char *media_type = has_suffix(path, ".cose") ? NV_MT_COSE : NV_MT_JWS;
	struct buf env = BUF_INIT(LIMIT_SIGNATURE_ENVELOPE_BYTES);
	struct ferry_err e;
	double wall, cpu;
	int rc = -1;

	if (fs_read_file(path, LIMIT_SIGNATURE_ENVELOPE_BYTES, &env) < 0) {
		fprintf(stderr, "bench-verify: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (verify_once(media_type, &env, &e) < 0) {
		fprintf(stderr, "bench-verify: %s: %s\n", path, e.msg);
		goto out;
	}
	wall = seconds(CLOCK_MONOTONIC);
	cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
	for (long i = 0; i < iterations; i++) {
		if (verify_once(media_type, &env, &e) < 0) {
			fprintf(stderr, "bench-verify: %s: iteration %ld: %s\n", path, i, e.msg);
			goto out;
		}
	}
	wall = seconds(CLOCK_MONOTONIC) - wall;
	cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	printf("%-40s %-22s n=%-6ld %10.1f verifications/s %8.3f ms CPU/signature\n", path, media_type,
	       iterations, wall > 0 ? (double)iterations / wall : 0.0, cpu * 1000.0 / (double)iterations);
	rc = 0;
out:
	buf_free(&env);
	return rc;
}

int main(int argc, char **argv)
{
	long iterations = 200;
	int first = 1, rc = 0;
	char *end;

	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		errno = 0;
		iterations = strtol(argv[2], &end, 10);
		if (errno || *end || iterations <= 0) {
			fprintf(stderr, "bench-verify: -n needs a positive number\n");
			return 2;
		}
		first = 3;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: bench-verify [-n ITERATIONS] FILE...\n");
		return 2;
	}
	for (int i = first; i < argc; i++)
		if (bench_file(argv[i], iterations) < 0)
			rc = 1;
	return rc;
}
