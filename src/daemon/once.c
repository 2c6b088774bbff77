/* once.c - one reconcile pass over the whole config with a bounded worker pool. */
#include "daemon/once.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/scheduler.h"
#include "daemon/worker.h"
#include "reconcile/reconcile.h"
#include "reconcile/status.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/timeutil.h"

struct slot {
	bool busy;
	bool timed_out;             /* killed at its deadline, as ferryd does */
	struct worker w;
	struct rc_job job;
	struct rc_status st;
	const struct cfg_source *src;
};

static bool save_status(struct store *s, struct rc_status *st)
{
	struct ferry_err e;

	ferr_clear(&e);
	if (rc_status_write(s, st, &e) < 0) {
		log_error("%s/%s: %s", st->ns, st->name, e.msg);
		return false;
	}
	return true;
}

static bool finish_slot(struct store *s, struct slot *sl, int wstatus)
{
	struct rc_result r;
	bool ready;

	worker_result(&sl->w, wstatus, sl->timed_out, &r);
	ready = rc_apply(s, sl->src, &sl->st, &r, ftime_now());
	if (r.failure != RC_OK && r.stage_rel && store_is_stage_name(sl->src->ns, sl->src->name, r.stage_rel))
		store_unstage(s, r.stage_rel);
	if (!save_status(s, &sl->st))
		ready = false;
	rc_result_free(&r);
	worker_release(&sl->w);
	rc_status_free(&sl->st);
	sl->busy = false;
	return ready;
}

int once_run(const struct cfg_set *cfg, struct store *s, const struct once_opts *o)
{
	int nworkers = o->workers > 0 ? o->workers : 1;
	struct slot *slots = xcalloc((size_t)nworkers, sizeof(*slots));
	struct pollfd *pfds = xcalloc((size_t)nworkers, sizeof(*pfds));
	size_t next = 0;
	int running = 0, not_ready = cfg->n_errors ? 1 : 0;

	for (;;) {
		/* start as many as allowed */
		while (running < nworkers && next < cfg->n_sources) {
			const struct cfg_source *src = cfg->sources[next++];
			struct slot *sl = NULL;
			struct ferry_err e;

			if (src->suspend) {
				log_info("%s/%s: reconciliation is suspended for this object", src->ns, src->name);
				continue;
			}
			for (int i = 0; i < nworkers; i++)
				if (!slots[i].busy) {
					sl = &slots[i];
					break;
				}
			rc_status_open(s, src, &sl->st, NULL);
			if (sl->st.suspended) {
				log_info("%s/%s: reconciliation is suspended (ferryctl suspend)", src->ns, src->name);
				rc_status_free(&sl->st);
				continue;
			}
			if (src->invalid) {
				rc_apply_invalid(src, &sl->st, ftime_now());
				save_status(s, &sl->st);
				rc_status_free(&sl->st);
				not_ready++;
				continue;
			}
			sl->src = src;
			sl->job = (struct rc_job){ .cfg = cfg, .src = src, .prev = &sl->st, .store = s,
						   .max_signatures = o->max_signatures };
			ferr_clear(&e);
			if (worker_start(&sl->job, &sl->w, &e) < 0) {
				log_error("%s/%s: %s", src->ns, src->name, e.msg);
				rc_status_free(&sl->st);
				not_ready++;
				continue;
			}
			sl->busy = true;
			sl->timed_out = false;
			running++;
		}
		if (running == 0)
			break;
		for (int i = 0; i < nworkers; i++) {
			pfds[i].fd = slots[i].busy && !slots[i].w.eof ? slots[i].w.fd : -1;
			pfds[i].events = POLLIN;
			pfds[i].revents = 0;
		}
		if (poll(pfds, (nfds_t)nworkers, 1000) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < nworkers; i++) {
			struct slot *sl = &slots[i];
			int wstatus;

			if (!sl->busy)
				continue;
			if (pfds[i].revents)
				worker_read(&sl->w);
			if (!sl->w.eof && !sl->timed_out &&
			    ftime_mono_ms() - sl->w.started_ms > sched_worker_deadline(sl->src->timeout_ms)) {
				log_warn("%s/%s: reconcile worker (pid %d) passed its deadline of %llds; killing it",
					 sl->src->ns, sl->src->name, (int)sl->w.pid,
					 (long long)(sched_worker_deadline(sl->src->timeout_ms) / 1000));
				sl->timed_out = true;
				kill(sl->w.pid, SIGKILL);
			}
			if (!sl->w.eof)
				continue;
			/* a worker past the result limit is read no more: end it, or
			 * it blocks on its pipe and waitpid() with it */
			if (sl->w.overflow)
				kill(sl->w.pid, SIGKILL);
			if (waitpid(sl->w.pid, &wstatus, 0) < 0)
				wstatus = 0;
			if (!finish_slot(s, sl, wstatus))
				not_ready++;
			running--;
		}
	}
	free(slots);
	free(pfds);
	return not_ready ? 1 : 0;
}
