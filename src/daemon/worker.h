/*
 * worker.h - reconcile workers: one ferry-worker process per reconcile
 * (fork + exec), given its job record on stdin and talking back over a pipe
 * with a single bounded result record.
 *
 * Owned by daemon. The parent never parses registry bytes, envelopes or
 * archives: all of that happens in the worker, a separate executable with a
 * fresh address space, which exits after writing its record. The daemon
 * itself does not even link the network, archive and CBOR libraries. A child that crashes, hangs or writes garbage becomes a
 * RC_FAIL_WORKER result; the parent carries on.
 */
#ifndef FERRY_DAEMON_WORKER_H
#define FERRY_DAEMON_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "reconcile/reconcile.h"
#include "util/buf.h"
#include "util/err.h"

struct worker {
	pid_t pid;
	int fd;               /* read end of the result pipe, O_NONBLOCK */
	struct buf out;
	char *ns;
	char *name;
	int64_t started_ms;   /* CLOCK_MONOTONIC */
	bool eof;
	bool overflow;
};

/* Start a worker running rc_reconcile(job). */
int worker_start(const struct rc_job *job, struct worker *w, struct ferry_err *e);
/* Same, closing the n_close descriptors in close_fds in the child first
 * (the daemon's sockets and other workers' pipes). */
int worker_spawn(const struct rc_job *job, struct worker *w, const int *close_fds, size_t n_close,
		 struct ferry_err *e);
/* Drain the pipe. Returns 1 at end of file, 0 when more may come. */
int worker_read(struct worker *w);
/* Build the result once the child has been reaped with wait status wstatus.
 * timed_out: the parent killed it at its deadline. */
void worker_result(struct worker *w, int wstatus, bool timed_out, struct rc_result *r);
void worker_release(struct worker *w);
/* Reset signal state in a freshly forked child. */
void worker_child_setup(void);

#endif
