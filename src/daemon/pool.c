/* pool.c - the daemon's worker pool: start due sources in FIFO order with at
 * most --workers at once, kill workers past their deadline, turn each result
 * into status, events, metrics and the next due time. */
#include "daemon/internal.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "config/config.h"
#include "reconcile/conditions.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/timeutil.h"

void pool_release_cfg(struct cfg_ref *ref)
{
	if (ref && --ref->refs == 0) {
		cfg_set_free(ref->set);
		free(ref);
	}
}

void pool_enqueue(struct daemon *d, struct dsource *ds)
{
	if (ds->sched.queued || ds->running || ds->removed)
		return;
	ds->sched.queued = true;
	sched_fifo_push(&d->queue, ds);
}

static void drop_sources(struct dsource *ds)
{
	ds->pipe_src = sd_event_source_disable_unref(ds->pipe_src);
	ds->child_src = sd_event_source_disable_unref(ds->child_src);
	ds->deadline_src = sd_event_source_disable_unref(ds->deadline_src);
}

static void end_run(struct daemon *d, struct dsource *ds)
{
	drop_sources(ds);
	worker_release(&ds->w);
	pool_release_cfg(ds->run_cfg);
	ds->run_cfg = NULL;
	ds->run_src = NULL;
	ds->running = false;
	ds->sched.running = false;
	ds->exited = ds->timed_out = ds->killed_for_stop = false;
	ds->runs_finished = ds->runs_started;
	d->running--;
}

/* Another run of the same ns/name still going: a source removed from the
 * config while its worker ran and added again starts a second one. */
static bool other_run_alive(const struct daemon *d, const struct dsource *ds)
{
	for (size_t i = 0; i < d->n_src; i++)
		if (d->src[i] != ds && d->src[i]->running && str_eq(d->src[i]->st.ns, ds->st.ns) &&
		    str_eq(d->src[i]->st.name, ds->st.name))
			return true;
	for (size_t i = 0; i < d->n_gone; i++)
		if (d->gone[i] != ds && d->gone[i]->running && str_eq(d->gone[i]->st.ns, ds->st.ns) &&
		    str_eq(d->gone[i]->st.name, ds->st.name))
			return true;
	return false;
}

/* Leftovers of a worker that did not say what it staged; never while
 * another worker of the same source may be filling its own staging entry. */
static void sweep(struct daemon *d, struct dsource *ds)
{
	if (!other_run_alive(d, ds))
		sources_sweep_staging(d, ds->st.ns, ds->st.name);
}

static void unstage(struct daemon *d, struct dsource *ds, const struct rc_result *r)
{
	if (r->stage_rel && store_is_stage_name(ds->st.ns, ds->st.name, r->stage_rel))
		store_unstage(&d->store, r->stage_rel);
	if (r->failure == RC_FAIL_WORKER)
		sweep(d, ds);
}

static void forget_gone(struct daemon *d, struct dsource *ds)
{
	for (size_t i = 0; i < d->n_gone; i++) {
		if (d->gone[i] != ds)
			continue;
		memmove(d->gone + i, d->gone + i + 1, (d->n_gone - i - 1) * sizeof(*d->gone));
		d->n_gone--;
		break;
	}
	control_source_gone(d, ds, "not-found", "the source was removed from the configuration");
	sources_free(ds);
}

static void record_outcome(struct daemon *d, struct dsource *ds, const struct rc_result *r,
			   const char *old_revision, bool was_ready, bool ready, int64_t now)
{
	const char *url = ds->run_src ? ds->run_src->url : "";

	if (r->failure != RC_OK) {
		sources_record_event(d, ds, true, r->reason ? r->reason : "Failed", "%s",
				     r->message ? r->message : "reconcile failed");
	} else if (ready && ds->st.has_artifact && !str_eq(old_revision, ds->st.artifact.revision)) {
		sources_record_event(d, ds, false, "NewArtifact", "stored artifact with revision '%s' from '%s'",
				     ds->st.artifact.revision, url);
	} else if (ready && !was_ready && ds->st.has_artifact) {
		sources_record_event(d, ds, false, "Succeeded", "stored artifact with revision '%s' from '%s'",
				     ds->st.artifact.revision, url);
	}
	if (ready)
		ds->events.last_success = now;
}

static void apply_result(struct daemon *d, struct dsource *ds, struct rc_result *r, double seconds)
{
	int64_t now = ftime_now();
	json_t *before = rc_status_to_json(&ds->st);
	char *old_revision = ds->st.has_artifact ? xstrdup(ds->st.artifact.revision) : NULL;
	bool was_ready = cond_is(&ds->st.conds, COND_READY, COND_TRUE);
	bool ready, adopted_change = false;

	ready = rc_apply(&d->store, ds->run_src, &ds->st, r, now);
	if (r->failure != RC_OK)
		unstage(d, ds, r);
	if (ds->requested_seq && ds->runs_started >= ds->requested_seq) {
		char ts[32];

		ftime_format_rfc3339(now, ts, sizeof(ts));
		free(ds->st.last_handled_reconcile_at);
		ds->st.last_handled_reconcile_at = xstrdup(ts);
		ds->requested_seq = 0;
	}
	if (ds->run_src != ds->src) {
		/* the config changed while the worker ran */
		int64_t gen = ds->st.generation;

		rc_status_adopt(&ds->st, ds->src);
		adopted_change = ds->st.generation != gen;
		if (ds->src->invalid)
			rc_apply_invalid(ds->src, &ds->st, now);
	}
	sources_save_status(d, ds, before);
	metrics_observe(&ds->hist, seconds);
	record_outcome(d, ds, r, old_revision, was_ready, ready, now);
	free(old_revision);
	sched_after_run(&ds->sched, ready, r->failure != RC_FAIL_STALLED, daemon_now_ms(), sched_random());
	if ((ds->rerun || adopted_change) && !ds->src->invalid) {
		ds->sched.failures = 0;
		sched_soon(&ds->sched, daemon_now_ms());
	}
	if (ds->src->invalid)
		ds->sched.due_ms = SCHED_NEVER;
	ds->rerun = false;
}

static void finish(struct daemon *d, struct dsource *ds)
{
	struct rc_result r;
	double seconds = (double)(ftime_mono_ms() - ds->w.started_ms) / 1000.0;

	worker_read(&ds->w);
	if (d->stopping && WIFSIGNALED(ds->wstatus))
		ds->killed_for_stop = true;   /* killed along with the daemon, not a crash */
	worker_result(&ds->w, ds->wstatus, ds->timed_out, &r);
	if (ds->killed_for_stop || ds->removed) {
		unstage(d, ds, &r);
		if (r.failure != RC_FAIL_WORKER)
			sweep(d, ds);
		rc_result_free(&r);
		end_run(d, ds);
		if (ds->removed)
			forget_gone(d, ds);
		else
			control_source_gone(d, ds, "shutting-down", "ferryd stopped before the reconcile finished");
	} else {
		apply_result(d, ds, &r, seconds);
		rc_result_free(&r);
		end_run(d, ds);
		control_run_finished(d, ds);
		if (ds->src->invalid)
			control_answer_now(d, ds);
		sources_write_metrics(d);
	}
	pool_dispatch(d);
	daemon_rearm(d);
	daemon_refresh_status(d);
	if (d->running == 0)
		malloc_trim(0);   /* going idle: hand the reconcile's scratch memory back */
	daemon_maybe_exit(d);
}

static int on_pipe(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct dsource *ds = userdata;

	if (worker_read(&ds->w) == 1) {
		sd_event_source_set_enabled(s, SD_EVENT_OFF);
		if (ds->w.overflow && !ds->exited)
			kill(ds->w.pid, SIGKILL);
	}
	return 0;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata)
{
	struct dsource *ds = userdata;

	ds->exited = true;
	if (si->si_code == CLD_EXITED)
		ds->wstatus = W_EXITCODE(si->si_status, 0);
	else
		ds->wstatus = W_EXITCODE(0, si->si_status & 0x7f);
	finish(ds->d, ds);
	return 0;
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct dsource *ds = userdata;
	struct log_fields f = { .source = ds->key, .reason = "WorkerFailed" };

	if (ds->exited)
		return 0;
	log_event(LOG_WARNING, &f, "reconcile worker (pid %d) passed its deadline of %llds; killing it",
		  (int)ds->w.pid, (long long)(sched_worker_deadline(ds->run_src->timeout_ms) / 1000));
	ds->timed_out = true;
	kill(ds->w.pid, SIGKILL);
	return 0;
}

static size_t fds_to_close(struct daemon *d, int *fds, size_t max)
{
	size_t n = 0;

	control_collect_fds(d, fds, &n, max);
	if (n < max && d->inotify_fd >= 0)
		fds[n++] = d->inotify_fd;
	if (n < max && d->metrics_dirfd >= 0)
		fds[n++] = d->metrics_dirfd;
	for (size_t i = 0; i < d->n_src && n < max; i++)
		if (d->src[i]->running)
			fds[n++] = d->src[i]->w.fd;
	for (size_t i = 0; i < d->n_gone && n < max; i++)
		fds[n++] = d->gone[i]->w.fd;
	return n;
}

static void start(struct daemon *d, struct dsource *ds)
{
	int fds[LIMIT_CONTROL_CLIENTS + 2 * LIMIT_WORKERS_MAX + 8];
	size_t n_fds = fds_to_close(d, fds, ARRAY_SIZE(fds));
	int64_t deadline = sched_worker_deadline(ds->src->timeout_ms);
	struct ferry_err e;
	int rc;

	ds->run_cfg = d->cfg;
	d->cfg->refs++;
	ds->run_src = ds->src;
	ds->job = (struct rc_job){ .cfg = ds->run_cfg->set, .src = ds->run_src, .prev = &ds->st,
				   .store = &d->store, .max_signatures = d->o->max_signatures };
	ds->running = true;
	ds->sched.running = true;
	ds->runs_started++;
	d->running++;
	ferr_clear(&e);
	if (worker_spawn(&ds->job, &ds->w, fds, n_fds, &e) < 0) {
		struct rc_result r;

		log_error("%s: cannot start a reconcile worker: %s", ds->key, e.msg);
		rc_result_init(&r);
		rc_result_fail(&r, RC_FAIL_WORKER, "WorkerFailed", e.msg);
		apply_result(d, ds, &r, 0);
		rc_result_free(&r);
		ds->w.fd = -1;
		end_run(d, ds);
		control_run_finished(d, ds);
		sources_write_metrics(d);
		return;
	}
	rc = sd_event_add_io(d->ev, &ds->pipe_src, ds->w.fd, EPOLLIN, on_pipe, ds);
	if (rc >= 0)
		rc = sd_event_add_child(d->ev, &ds->child_src, ds->w.pid, WEXITED, on_child, ds);
	if (rc >= 0)
		rc = sd_event_add_time_relative(d->ev, &ds->deadline_src, CLOCK_MONOTONIC,
						(uint64_t)deadline * 1000ULL, 0, on_deadline, ds);
	if (rc < 0) {
		/* cannot watch it: reap it here and report */
		int wstatus = 0;

		log_error("%s: cannot watch reconcile worker (pid %d): %s", ds->key, (int)ds->w.pid, strerror(-rc));
		kill(ds->w.pid, SIGKILL);
		while (waitpid(ds->w.pid, &wstatus, 0) < 0 && errno == EINTR)
			;
		ds->wstatus = wstatus;
		ds->exited = true;
		finish(d, ds);
		return;
	}
	log_debug("%s: reconcile started (worker pid %d, deadline %llds)", ds->key, (int)ds->w.pid,
		  (long long)(deadline / 1000));
}

void pool_dispatch(struct daemon *d)
{
	struct dsource *ds;

	while (!d->stopping && d->running < (size_t)d->o->workers && (ds = sched_fifo_pop(&d->queue))) {
		ds->sched.queued = false;
		if (ds->removed || sources_is_suspended(ds) || ds->src->invalid)
			continue;
		start(d, ds);
	}
}

static void kill_one(struct dsource *ds)
{
	if (!ds->running || ds->exited)
		return;
	ds->killed_for_stop = true;
	kill(ds->w.pid, SIGKILL);
}

void pool_kill_all(struct daemon *d)
{
	for (size_t i = 0; i < d->n_src; i++)
		kill_one(d->src[i]);
	for (size_t i = 0; i < d->n_gone; i++)
		kill_one(d->gone[i]);
}
