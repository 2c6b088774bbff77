/* sources.c - per-source bookkeeping in the daemon: status and events in
 * memory and on disk, suspension, removal, orphaned artifacts, metrics. */
#include "daemon/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "daemon/protocol.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/timeutil.h"

static int cmp_key(const char *ns, const char *name, const struct dsource *ds)
{
	int c = strcmp(ns, ds->st.ns);
	return c ? c : strcmp(name, ds->st.name);
}

static int cmp_sources(const void *a, const void *b)
{
	const struct dsource *x = *(struct dsource *const *)a, *y = *(struct dsource *const *)b;

	return cmp_key(x->st.ns, x->st.name, y);
}

void sources_sort(struct daemon *d)
{
	if (d->n_src > 1)
		qsort(d->src, d->n_src, sizeof(*d->src), cmp_sources);
}

struct dsource *sources_find(struct daemon *d, const char *ns, const char *name)
{
	size_t lo = 0, hi = d->n_src;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = cmp_key(ns, name, d->src[mid]);

		if (c == 0)
			return d->src[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

bool sources_is_suspended(const struct dsource *ds)
{
	return ds->src->suspend || ds->st.suspended;
}

void sources_save_status(struct daemon *d, struct dsource *ds, json_t *before)
{
	json_t *after = rc_status_to_json(&ds->st);
	struct ferry_err e;

	ferr_clear(&e);
	if (!before || !json_equal(before, after)) {
		if (rc_status_write(&d->store, &ds->st, &e) < 0)
			log_error("%s: %s", ds->key, e.msg);
	}
	json_decref(before);
	json_decref(after);
}

void sources_record_event(struct daemon *d, struct dsource *ds, bool warning, const char *reason,
			  const char *fmt, ...)
{
	struct ferry_err e;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	events_record(&ds->events, warning, reason, msg, ftime_now());
	free(msg);
	ferr_clear(&e);
	if (events_write(d->store.root_fd, ds->st.ns, ds->st.name, &ds->events, &e) < 0)
		log_warn("%s: %s", ds->key, e.msg);
}

struct dsource *sources_new(struct daemon *d, const struct cfg_source *src, bool at_start)
{
	struct dsource *ds = xcalloc(1, sizeof(*ds));
	json_t *before = NULL;

	ds->d = d;
	ds->src = src;
	snprintf(ds->key, sizeof(ds->key), "%s/%s", src->ns, src->name);
	rc_status_open(&d->store, src, &ds->st, &before);
	events_load(d->store.root_fd, src->ns, src->name, &ds->events);
	ds->sched.interval_ms = sched_interval(src->interval_ms);
	ds->sched.due_ms = SCHED_NEVER;
	ds->sched.suspended = sources_is_suspended(ds);
	if (src->invalid)
		rc_apply_invalid(src, &ds->st, ftime_now());
	sources_save_status(d, ds, before);
	if (ds->sched.suspended || src->invalid)
		return ds;
	if (at_start)
		sched_start(&ds->sched, src->interval_ms, daemon_now_ms(), d->o->startup_spread_ms, sched_random());
	else
		sched_soon(&ds->sched, daemon_now_ms());
	return ds;
}

void sources_free(struct dsource *ds)
{
	rc_status_free(&ds->st);
	events_free(&ds->events);
	free(ds);
}

static int64_t retention_s(const struct daemon *d)
{
	return (d->o->orphan_retention_ms + 999) / 1000;
}

static void save_orphans(struct daemon *d)
{
	struct ferry_err e;

	ferr_clear(&e);
	if (orphans_save(d->store.root_fd, &d->orphans, &e) < 0)
		log_error("%s", e.msg);
}

void sources_forget(struct daemon *d, const char *ns, const char *name)
{
	char key[LIMIT_NAMESPACE_LEN + 1 + LIMIT_NAME_LEN + 1];

	snprintf(key, sizeof(key), "%s/%s", ns, name);
	/* record the orphan before the status goes: a crash in between leaves a
	 * status file for a removed source (removed again at start), never
	 * artifacts that nobody will collect */
	if (orphans_mark(&d->orphans, key, ftime_now()))
		save_orphans(d);
	if (rc_status_remove(&d->store, ns, name) < 0)
		log_warn("%s: cannot remove its status file: %s", key, strerror(errno));
	events_remove(d->store.root_fd, ns, name);
}

/* Calls fn(ns, name) for every status/<ns>/<name>.json. */
static void each_status_file(struct daemon *d, void (*fn)(struct daemon *, const char *, const char *))
{
	int top_fd = openat(d->store.status_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *top = top_fd >= 0 ? fdopendir(top_fd) : NULL;
	struct dirent *nsde;

	if (!top) {
		if (top_fd >= 0)
			close(top_fd);
		return;
	}
	while ((nsde = readdir(top))) {
		int ns_fd;
		DIR *sub;
		struct dirent *de;
		char **names = NULL;
		size_t n = 0;

		if (!proto_valid_namespace(nsde->d_name))
			continue;
		ns_fd = fs_open_dir_at(d->store.status_fd, nsde->d_name, false, 0);
		sub = ns_fd >= 0 ? fdopendir(ns_fd) : NULL;
		if (!sub) {
			if (ns_fd >= 0)
				close(ns_fd);
			continue;
		}
		while ((de = readdir(sub))) {
			size_t len = strlen(de->d_name);

			if (de->d_name[0] == '.' || len <= 5 || !str_has_suffix(de->d_name, ".json"))
				continue;
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n] = xstrndup(de->d_name, len - 5);
			if (proto_valid_name(names[n]))
				n++;
			else
				free(names[n]);
		}
		closedir(sub);
		/* fn may remove files and the namespace dir: call it after the listing */
		for (size_t i = 0; i < n; i++) {
			fn(d, nsde->d_name, names[i]);
			free(names[i]);
		}
		free(names);
	}
	closedir(top);
}

static void forget_if_unknown(struct daemon *d, const char *ns, const char *name)
{
	if (sources_find(d, ns, name))
		return;
	log_info("%s/%s: not in the configuration any more; status removed, artifacts kept for garbage collection",
		 ns, name);
	sources_forget(d, ns, name);
}

void sources_collect_orphans(struct daemon *d)
{
	char **listed;
	bool changed = false;

	each_status_file(d, forget_if_unknown);
	listed = store_list_sources(&d->store);
	for (size_t i = 0; listed && listed[i]; i++) {
		char *slash = strchr(listed[i], '/');

		if (slash) {
			*slash = '\0';
			if (!sources_find(d, listed[i], slash + 1)) {
				*slash = '/';
				changed |= orphans_mark(&d->orphans, listed[i], ftime_now());
			}
		}
		free(listed[i]);
	}
	free(listed);
	for (size_t i = 0; i < d->n_src; i++)
		changed |= orphans_unmark(&d->orphans, d->src[i]->key);
	if (changed)
		save_orphans(d);
}

static int on_orphan_gc(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;
	int64_t now = ftime_now(), keep = retention_s(d);
	bool changed = false;

	for (size_t i = 0; i < d->orphans.n;) {
		struct orphan *o = &d->orphans.v[i];
		char *key, *slash;

		if (o->since + keep > now) {
			i++;
			continue;
		}
		key = xstrdup(o->key);
		slash = strchr(key, '/');
		*slash = '\0';
		if (!sources_find(d, key, slash + 1)) {
			if (store_remove_source(&d->store, key, slash + 1) < 0) {
				log_error("%s/%s: garbage collection for deleted resource failed: %s", key, slash + 1,
					  strerror(errno));
			} else {
				struct log_fields f = { .source = o->key, .reason = "GarbageCollectionSucceeded" };
				log_event(LOG_INFO, &f, "garbage collected artifacts for deleted resource");
			}
		}
		*slash = '/';
		orphans_unmark(&d->orphans, key);
		free(key);
		changed = true;
	}
	if (changed)
		save_orphans(d);
	sources_arm_orphan_gc(d);
	return 0;
}

void sources_arm_orphan_gc(struct daemon *d)
{
	int64_t at = orphans_next_expiry(&d->orphans, retention_s(d));
	uint64_t usec;

	if (at == INT64_MAX || d->stopping) {
		if (d->orphan_timer)
			sd_event_source_set_enabled(d->orphan_timer, SD_EVENT_OFF);
		return;
	}
	usec = at <= 0 ? 1 : (uint64_t)at * 1000000ULL;
	if (!d->orphan_timer) {
		if (sd_event_add_time(d->ev, &d->orphan_timer, CLOCK_REALTIME, usec, 1000000ULL, on_orphan_gc, d) < 0)
			log_error("cannot arm the orphan garbage-collection timer");
		return;
	}
	sd_event_source_set_time(d->orphan_timer, usec);
	sd_event_source_set_enabled(d->orphan_timer, SD_EVENT_ONESHOT);
}

void sources_write_metrics(struct daemon *d)
{
	struct metrics_source *v;
	struct ferry_err e;
	static bool failed_before;

	if (d->metrics_dirfd < 0)
		return;
	v = xcalloc(d->n_src ? d->n_src : 1, sizeof(*v));
	for (size_t i = 0; i < d->n_src; i++) {
		const struct dsource *ds = d->src[i];

		v[i] = (struct metrics_source){
			.ns = ds->st.ns, .name = ds->st.name, .conds = &ds->st.conds,
			.suspended = sources_is_suspended(ds),
			.revision = ds->st.has_artifact ? ds->st.artifact.revision : NULL,
			.digest = ds->st.has_artifact ? ds->st.artifact.digest : NULL,
			.last_success = ds->events.last_success, .hist = &ds->hist,
		};
	}
	ferr_clear(&e);
	if (metrics_write(d->metrics_dirfd, d->metrics_name, v, d->n_src, &e) < 0) {
		if (!failed_before)
			log_error("%s", e.msg);
		failed_before = true;
	} else {
		failed_before = false;
	}
	free(v);
}

void sources_sweep_staging(struct daemon *d, const char *ns, const char *name)
{
	int fd = openat(d->store.tmp_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		if (!store_is_stage_name(ns, name, de->d_name))
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dir);
	for (size_t i = 0; i < n; i++) {
		log_info("%s/%s: removing staging leftover tmp/%s", ns, name, names[i]);
		fs_remove_tree_at(d->store.tmp_fd, names[i]);
		free(names[i]);
	}
	free(names);
}
