/*
 * internal.h - state shared by the daemon's files: the loop (loop.c), the
 * worker pool (pool.c), per-source bookkeeping (sources.c), config reload
 * (reload.c) and the control socket (control.c).
 *
 * Owned by daemon; nothing outside src/daemon includes it.
 */
#ifndef FERRY_DAEMON_INTERNAL_H
#define FERRY_DAEMON_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

#include "artifact/store.h"
#include "config/model.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/metrics.h"
#include "daemon/orphans.h"
#include "daemon/scheduler.h"
#include "daemon/worker.h"
#include "reconcile/reconcile.h"
#include "reconcile/status.h"
#include "util/buf.h"
#include "util/limits.h"

/* A config set shared by the daemon and the workers started under it: a
 * reload swaps the daemon's reference; running workers keep theirs. */
struct cfg_ref {
	struct cfg_set *set;
	unsigned refs;
};

struct daemon;

struct dsource {
	struct daemon *d;
	char key[LIMIT_NAMESPACE_LEN + 1 + LIMIT_NAME_LEN + 1];   /* "ns/name" */
	const struct cfg_source *src;     /* in the daemon's current config */
	struct rc_status st;              /* in memory, mirrored to status/<ns>/<name>.json */
	struct ev_ring events;
	struct metrics_hist hist;
	struct sched_entry sched;
	bool removed;                     /* gone from the config while its worker ran */
	bool kept;                        /* scratch mark while a reload matches sources */
	bool rerun;                       /* run again as soon as the current run ends */
	uint64_t requested_seq;           /* run asked for over the socket (0: none) */
	uint64_t runs_started;
	uint64_t runs_finished;

	/* the running worker */
	bool running;
	struct worker w;
	struct rc_job job;
	struct cfg_ref *run_cfg;
	const struct cfg_source *run_src;
	sd_event_source *pipe_src;
	sd_event_source *child_src;
	sd_event_source *deadline_src;
	bool exited;
	int wstatus;
	bool timed_out;
	bool killed_for_stop;
};

struct client;

struct daemon {
	const struct daemon_opts *o;
	sd_event *ev;
	struct store store;
	struct cfg_ref *cfg;
	struct dsource **src;             /* sorted by key, as the config */
	size_t n_src;
	struct dsource **gone;            /* removed from the config, worker still running */
	size_t n_gone;
	struct sched_fifo queue;
	size_t running;
	sd_event_source *due_timer;

	/* config reload */
	int inotify_fd;
	sd_event_source *inotify_src;
	sd_event_source *debounce_src;
	char *config_error;               /* shown in STATUS= until a clean reload */

	/* control socket */
	int listen_fd;
	sd_event_source *listen_src;
	char *socket_error;
	ino_t socket_ino;
	struct client *clients;
	size_t n_clients;

	/* orphaned artifacts */
	struct orphan_set orphans;
	sd_event_source *orphan_timer;

	/* metrics */
	int metrics_dirfd;
	char *metrics_name;

	bool stopping;
	sd_event_source *grace_timer;
	char *status_text;                /* last STATUS= sent */
};

/* loop.c */
int64_t daemon_now_ms(void);
void daemon_rearm(struct daemon *d);
void daemon_refresh_status(struct daemon *d);
void daemon_maybe_exit(struct daemon *d);
/* "<what>: <first error diag> (and N more errors)". Caller frees. */
char *daemon_config_error(const struct cfg_set *cfg, const char *what);

/* pool.c */
void pool_dispatch(struct daemon *d);
void pool_enqueue(struct daemon *d, struct dsource *ds);
void pool_kill_all(struct daemon *d);
void pool_release_cfg(struct cfg_ref *ref);

/* sources.c */
struct dsource *sources_find(struct daemon *d, const char *ns, const char *name);
void sources_sort(struct daemon *d);     /* by namespace, then name (sources_find needs it) */
struct dsource *sources_new(struct daemon *d, const struct cfg_source *src, bool at_start);
void sources_free(struct dsource *ds);
/* Write the status file when it differs from `before` (NULL: always). */
void sources_save_status(struct daemon *d, struct dsource *ds, json_t *before);
void sources_record_event(struct daemon *d, struct dsource *ds, bool warning, const char *reason,
			  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
bool sources_is_suspended(const struct dsource *ds);
void sources_forget(struct daemon *d, const char *ns, const char *name);
void sources_collect_orphans(struct daemon *d);
void sources_arm_orphan_gc(struct daemon *d);
void sources_write_metrics(struct daemon *d);
void sources_sweep_staging(struct daemon *d, const char *ns, const char *name);

/* reload.c */
int reload_watch(struct daemon *d);
void reload_unwatch(struct daemon *d);
void reload_config(struct daemon *d, bool from_signal);

/* control.c */
int control_listen(struct daemon *d);
void control_close(struct daemon *d);
/* A run of ds finished (or ds is going away): answer the clients waiting for it. */
void control_run_finished(struct daemon *d, struct dsource *ds);
/* Answer everybody waiting for ds with its current Ready condition. */
void control_answer_now(struct daemon *d, struct dsource *ds);
void control_source_gone(struct daemon *d, struct dsource *ds, const char *code, const char *why);
void control_collect_fds(struct daemon *d, int *fds, size_t *n, size_t max);

#endif
