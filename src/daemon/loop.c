/* loop.c - ferryd's service mode: start-up, the sd-event loop (due timer,
 * signals, watchdog), STATUS= upkeep and an orderly stop. */
#include "daemon/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "daemon/notify.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/timeutil.h"

int64_t daemon_now_ms(void)
{
	return ftime_mono_ms();
}

void daemon_rearm(struct daemon *d)
{
	int64_t due = SCHED_NEVER;

	for (size_t i = 0; i < d->n_src; i++) {
		int64_t t = d->src[i]->src->invalid ? SCHED_NEVER : sched_effective_due(&d->src[i]->sched);
		if (t < due)
			due = t;
	}
	if (due == SCHED_NEVER || d->stopping) {
		sd_event_source_set_enabled(d->due_timer, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(d->due_timer, due <= 0 ? 1 : (uint64_t)due * 1000ULL);
	sd_event_source_set_enabled(d->due_timer, SD_EVENT_ONESHOT);
}

static const struct condition *ready_of(const struct dsource *ds)
{
	return cond_get(&ds->st.conds, COND_READY);
}

void daemon_refresh_status(struct daemon *d)
{
	struct notify_summary s = { .sources = d->n_src, .next_check_ms = -1, .config_error = d->config_error,
				    .socket_error = d->socket_error, .stopping = d->stopping,
				    .running = d->running,
				    .exposed_secrets = d->cfg ? d->cfg->set->n_exposed_secrets : 0 };
	int64_t now = daemon_now_ms(), next = SCHED_NEVER;
	char *text;

	for (size_t i = 0; i < d->n_src; i++) {
		const struct dsource *ds = d->src[i];
		const struct condition *c = ready_of(ds);

		if (sources_is_suspended(ds)) {
			s.suspended++;
			continue;
		}
		if (c && strcmp(c->status, COND_TRUE) == 0) {
			s.ready++;
		} else if (c && strcmp(c->status, COND_FALSE) == 0) {
			if (!s.failing++) {
				s.first_failing = ds->key;
				s.first_reason = c->reason;
			}
		} else {
			s.pending++;
		}
		if (ds->src->invalid)
			continue;
		if (ds->sched.queued || ds->running)
			next = now;
		else if (ds->sched.due_ms < next)
			next = ds->sched.due_ms;
	}
	if (next != SCHED_NEVER)
		s.next_check_ms = next > now ? next - now : 0;
	text = notify_status_text(&s);
	if (!d->status_text || strcmp(text, d->status_text) != 0) {
		notify_status(text);
		free(d->status_text);
		d->status_text = text;
	} else {
		free(text);
	}
}

void daemon_maybe_exit(struct daemon *d)
{
	if (d->stopping && d->running == 0)
		sd_event_exit(d->ev, 0);
}

static int cmp_due(const void *a, const void *b)
{
	const struct dsource *x = *(struct dsource *const *)a, *y = *(struct dsource *const *)b;

	if (x->sched.due_ms != y->sched.due_ms)
		return x->sched.due_ms < y->sched.due_ms ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int on_due(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;
	int64_t now = daemon_now_ms();
	struct dsource **due = xcalloc(d->n_src ? d->n_src : 1, sizeof(*due));
	size_t n = 0;

	for (size_t i = 0; i < d->n_src; i++)
		if (!d->src[i]->src->invalid && sched_effective_due(&d->src[i]->sched) <= now)
			due[n++] = d->src[i];
	qsort(due, n, sizeof(*due), cmp_due);
	for (size_t i = 0; i < n; i++)
		pool_enqueue(d, due[i]);
	free(due);
	pool_dispatch(d);
	daemon_rearm(d);
	daemon_refresh_status(d);
	return 0;
}

static int on_grace_over(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;

	log_warn("%zu reconcile worker%s still running after %ds; killing them", d->running,
		 d->running == 1 ? "" : "s", LIMIT_STOP_GRACE_MS / 1000);
	pool_kill_all(d);
	return 0;
}

static void begin_stop(struct daemon *d, int sig)
{
	struct dsource *ds;

	if (d->stopping) {
		log_warn("second %s: killing running workers now", strsignal(sig));
		pool_kill_all(d);
		return;
	}
	d->stopping = true;
	log_info("received %s, stopping (%zu reconcile%s running)", strsignal(sig), d->running,
		 d->running == 1 ? "" : "s");
	while ((ds = sched_fifo_pop(&d->queue)))
		ds->sched.queued = false;
	for (size_t i = 0; i < d->n_src; i++)
		if (!d->src[i]->running)
			control_source_gone(d, d->src[i], "shutting-down", "ferryd is stopping");
	sd_event_source_set_enabled(d->due_timer, SD_EVENT_OFF);
	reload_unwatch(d);
	sources_arm_orphan_gc(d);
	daemon_refresh_status(d);
	notify_stopping(d->status_text);
	if (d->running > 0 &&
	    sd_event_add_time_relative(d->ev, &d->grace_timer, CLOCK_MONOTONIC,
				       (uint64_t)LIMIT_STOP_GRACE_MS * 1000ULL, 0, on_grace_over, d) < 0)
		pool_kill_all(d);
	daemon_maybe_exit(d);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct daemon *d = userdata;

	if (si->ssi_signo == SIGHUP) {
		if (!d->stopping)
			reload_config(d, true);
		return 0;
	}
	begin_stop(d, (int)si->ssi_signo);
	return 0;
}

static const char *first_error(const struct cfg_set *cfg)
{
	for (size_t i = 0; i < cfg->n_diags; i++)
		if (cfg->diags[i].level == CFG_DIAG_ERROR)
			return cfg->diags[i].message;
	return "unknown error";
}

char *daemon_config_error(const struct cfg_set *cfg, const char *what)
{
	if (cfg->n_errors > 1)
		return xasprintf("%s: %s (and %zu more errors)", what, first_error(cfg), cfg->n_errors - 1);
	return xasprintf("%s: %s", what, first_error(cfg));
}

static void load_initial_config(struct daemon *d)
{
	struct cfg_set *set = NULL;
	struct ferry_err e;

	ferr_clear(&e);
	if (cfg_load_dir(d->o->config_dir, &set, &e) < 0) {
		log_error("%s; starting without sources", e.msg);
		d->config_error = xasprintf("config error: %s", e.msg);
		set = xcalloc(1, sizeof(*set));
	} else {
		cfg_log_diags(set);
		if (set->n_errors)
			d->config_error = daemon_config_error(set, "config error");
	}
	d->cfg = xcalloc(1, sizeof(*d->cfg));
	d->cfg->set = set;
	d->cfg->refs = 1;
	d->src = xcalloc(set->n_sources ? set->n_sources : 1, sizeof(*d->src));
	for (size_t i = 0; i < set->n_sources; i++)
		d->src[d->n_src++] = sources_new(d, set->sources[i], true);
	sources_sort(d);
}

static void open_metrics(struct daemon *d)
{
	char *copy, *dir;

	if (!d->o->metrics_file || !*d->o->metrics_file)
		return;
	copy = xstrdup(d->o->metrics_file);
	dir = dirname(copy);
	d->metrics_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->metrics_dirfd < 0)
		log_error("metrics file %s: cannot open %s: %s; not writing metrics", d->o->metrics_file, dir,
			  strerror(errno));
	free(copy);
	copy = xstrdup(d->o->metrics_file);
	d->metrics_name = xstrdup(basename(copy));
	free(copy);
}

static int setup_loop(struct daemon *d)
{
	int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	int rc;

	rc = sd_event_default(&d->ev);
	for (size_t i = 0; rc >= 0 && i < ARRAY_SIZE(sigs); i++)
		rc = sd_event_add_signal(d->ev, NULL, sigs[i], on_signal, d);
	if (rc >= 0)
		rc = sd_event_set_watchdog(d->ev, true);
	if (rc >= 0)
		rc = sd_event_add_time_relative(d->ev, &d->due_timer, CLOCK_MONOTONIC, 3600ULL * 1000000ULL, 0,
						on_due, d);
	if (rc >= 0)
		rc = sd_event_source_set_enabled(d->due_timer, SD_EVENT_OFF);
	if (rc < 0)
		log_error("cannot set up the event loop: %s", strerror(-rc));
	return rc;
}

static void teardown(struct daemon *d)
{
	control_close(d);
	reload_unwatch(d);
	for (size_t i = 0; i < d->n_src; i++)
		sources_free(d->src[i]);
	free(d->src);
	for (size_t i = 0; i < d->n_gone; i++)
		sources_free(d->gone[i]);
	free(d->gone);
	sched_fifo_free(&d->queue);
	pool_release_cfg(d->cfg);
	orphans_free(&d->orphans);
	d->orphan_timer = sd_event_source_disable_unref(d->orphan_timer);
	d->due_timer = sd_event_source_disable_unref(d->due_timer);
	d->grace_timer = sd_event_source_disable_unref(d->grace_timer);
	if (d->metrics_dirfd >= 0)
		close(d->metrics_dirfd);
	free(d->metrics_name);
	free(d->config_error);
	free(d->socket_error);
	free(d->status_text);
	store_clean_staging(&d->store);
	store_close(&d->store);
	sd_event_unref(d->ev);
}

int daemon_run(const struct daemon_opts *o)
{
	struct daemon d = { .o = o, .inotify_fd = -1, .listen_fd = -1, .metrics_dirfd = -1 };
	struct ferry_err e;
	sigset_t mask;
	int rc;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	ferr_clear(&e);
	if (store_open(o->state_dir, &d.store, &e) < 0) {
		log_error("%s", e.msg);
		return 1;
	}
	store_clean_staging(&d.store);
	if (setup_loop(&d) < 0) {
		store_close(&d.store);
		sd_event_unref(d.ev);
		return 1;
	}
	if (orphans_load(d.store.root_fd, &d.orphans, &e) < 0)
		log_warn("%s; starting a new record", e.msg);
	load_initial_config(&d);
	if (!d.config_error)
		sources_collect_orphans(&d);
	sources_arm_orphan_gc(&d);
	open_metrics(&d);
	control_listen(&d);
	reload_watch(&d);
	daemon_rearm(&d);
	sources_write_metrics(&d);
	daemon_refresh_status(&d);
	notify_ready(d.status_text);
	log_info("ferryd %s started: %zu sources, %d workers, config %s, state %s", PACKAGE_VERSION, d.n_src,
		 o->workers, o->config_dir, o->state_dir);

	rc = sd_event_loop(d.ev);
	if (rc < 0)
		log_error("event loop failed: %s", strerror(-rc));
	log_info("ferryd stopped");
	teardown(&d);
	return rc < 0 ? 1 : 0;
}
