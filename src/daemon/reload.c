/* reload.c - configuration reload: inotify on the config dir (recursive,
 * debounced) and SIGHUP; parse everything, keep the old config on errors,
 * otherwise swap it whole and reschedule what changed. */
#include "daemon/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "daemon/notify.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/timeutil.h"

#define WATCH_MASK (IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | \
		    IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

static void watch_tree(struct daemon *d, const char *path, int depth, size_t *count)
{
	DIR *dir;
	struct dirent *de;

	if (*count >= LIMIT_CONFIG_WATCHES) {
		if (*count == LIMIT_CONFIG_WATCHES)
			log_warn("%s: more than %d directories under the config dir; not watching the rest",
				 path, LIMIT_CONFIG_WATCHES);
		(*count)++;
		return;
	}
	if (inotify_add_watch(d->inotify_fd, path, WATCH_MASK | (depth ? IN_DONT_FOLLOW : 0)) < 0) {
		if (depth == 0)
			log_warn("cannot watch %s for changes: %s (reload with SIGHUP)", path, strerror(errno));
		return;
	}
	(*count)++;
	if (depth >= LIMIT_CONFIG_DIR_DEPTH)
		return;
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		struct stat st;
		char *sub;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (de->d_type == DT_UNKNOWN &&
		    (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)))
			continue;
		sub = xasprintf("%s/%s", path, de->d_name);
		watch_tree(d, sub, depth + 1, count);
		free(sub);
	}
	closedir(dir);
}

static int on_debounce(sd_event_source *s, uint64_t usec, void *userdata)
{
	reload_config(userdata, false);
	return 0;
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct daemon *d = userdata;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;
	uint64_t usec = (uint64_t)LIMIT_RELOAD_DEBOUNCE_MS * 1000ULL;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			any = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (!any || d->stopping)
		return 0;
	if (!d->debounce_src) {
		if (sd_event_add_time_relative(d->ev, &d->debounce_src, CLOCK_MONOTONIC, usec, 0, on_debounce, d) < 0)
			reload_config(d, false);
		return 0;
	}
	sd_event_source_set_time_relative(d->debounce_src, usec);
	sd_event_source_set_enabled(d->debounce_src, SD_EVENT_ONESHOT);
	return 0;
}

int reload_watch(struct daemon *d)
{
	size_t count = 0;

	d->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->inotify_fd < 0) {
		log_warn("inotify: %s; config changes need SIGHUP", strerror(errno));
		return -1;
	}
	watch_tree(d, d->o->config_dir, 0, &count);
	if (sd_event_add_io(d->ev, &d->inotify_src, d->inotify_fd, EPOLLIN, on_inotify, d) < 0) {
		log_warn("cannot watch the config dir; config changes need SIGHUP");
		close(d->inotify_fd);
		d->inotify_fd = -1;
		return -1;
	}
	return 0;
}

void reload_unwatch(struct daemon *d)
{
	d->inotify_src = sd_event_source_disable_unref(d->inotify_src);
	d->debounce_src = sd_event_source_disable_unref(d->debounce_src);
	if (d->inotify_fd >= 0)
		close(d->inotify_fd);
	d->inotify_fd = -1;
}

static bool secret_changed(const struct cfg_set *old, const struct cfg_set *new, const char *ns,
			   const char *name)
{
	const struct cfg_secret *a, *b;

	if (!name)
		return false;
	a = cfg_find_secret(old, ns, name);
	b = cfg_find_secret(new, ns, name);
	if (!a || !b)
		return a != b;
	return strcmp(a->digest, b->digest) != 0;
}

static bool secrets_changed(const struct cfg_set *old, const struct cfg_set *new, const struct cfg_source *src)
{
	return secret_changed(old, new, src->ns, src->secret_ref) ||
	       secret_changed(old, new, src->ns, src->cert_secret_ref) ||
	       secret_changed(old, new, src->ns, src->proxy_secret_ref) ||
	       secret_changed(old, new, src->ns, src->verify_secret_ref);
}

/* Carry a source over to the new config. Returns true when something changed. */
static bool update_source(struct daemon *d, struct dsource *ds, const struct cfg_set *old_set,
			  const struct cfg_set *new_set, const struct cfg_source *src)
{
	const struct cfg_source *old = ds->src;
	bool spec = strcmp(old->spec_hash, src->spec_hash) != 0;
	bool secrets = secrets_changed(old_set, new_set, src);
	bool was_suspended = ds->sched.suspended, was_invalid = old->invalid;
	json_t *before;

	ds->src = src;
	ds->sched.interval_ms = sched_interval(src->interval_ms);
	ds->sched.suspended = sources_is_suspended(ds);
	if (!spec && !secrets && was_suspended == ds->sched.suspended && was_invalid == src->invalid)
		return false;
	if (spec)
		log_info("%s: spec changed", ds->key);
	if (secrets)
		log_info("%s: a referenced Secret changed; reconciling", ds->key);
	if (ds->running) {
		/* adopted when the worker ends (it still runs the old spec) */
		if (secrets)
			ds->rerun = true;
		return true;
	}
	before = rc_status_to_json(&ds->st);
	rc_status_adopt(&ds->st, src);
	if (src->invalid && (spec || !was_invalid))
		rc_apply_invalid(src, &ds->st, ftime_now());
	sources_save_status(d, ds, before);
	if (ds->sched.suspended || src->invalid) {
		if (sched_fifo_remove(&d->queue, ds))
			ds->sched.queued = false;
		ds->sched.due_ms = SCHED_NEVER;
		if (src->invalid)
			control_answer_now(d, ds);
		else
			control_source_gone(d, ds, "suspended", "the source was suspended (spec.suspend)");
		return true;
	}
	ds->sched.failures = 0;
	sched_soon(&ds->sched, daemon_now_ms());
	return true;
}

static void remove_source(struct daemon *d, struct dsource *ds)
{
	struct log_fields f = { .source = ds->key, .reason = "Deleted" };
	char keep[32];

	ftime_format_duration(d->o->orphan_retention_ms, keep, sizeof(keep));
	log_event(LOG_NOTICE, &f, "removed from the configuration; status removed, artifacts kept for %s", keep);
	if (sched_fifo_remove(&d->queue, ds))
		ds->sched.queued = false;
	sources_forget(d, ds->st.ns, ds->st.name);
	if (ds->running) {
		ds->removed = true;
		d->gone = xrealloc(d->gone, (d->n_gone + 1) * sizeof(*d->gone));
		d->gone[d->n_gone++] = ds;
		return;
	}
	control_source_gone(d, ds, "not-found", "the source was removed from the configuration");
	sources_free(ds);
}

static void swap_config(struct daemon *d, struct cfg_set *set)
{
	struct cfg_ref *old = d->cfg;
	struct dsource **next = xcalloc(set->n_sources ? set->n_sources : 1, sizeof(*next));
	size_t added = 0, removed = 0, changed = 0;

	for (size_t i = 0; i < set->n_sources; i++) {
		const struct cfg_source *src = set->sources[i];
		struct dsource *ds = sources_find(d, src->ns, src->name);

		if (ds) {
			ds->kept = true;
			changed += update_source(d, ds, old->set, set, src);
		} else {
			struct log_fields f = { .source = NULL, .reason = "Created" };
			ds = sources_new(d, src, false);
			f.source = ds->key;
			log_event(LOG_NOTICE, &f, "added to the configuration");
			added++;
		}
		next[i] = ds;
	}
	for (size_t k = 0; k < d->n_src; k++) {
		if (d->src[k]->kept) {
			d->src[k]->kept = false;
			continue;
		}
		remove_source(d, d->src[k]);
		removed++;
	}
	free(d->src);
	d->src = next;
	d->n_src = set->n_sources;
	sources_sort(d);
	d->cfg = xcalloc(1, sizeof(*d->cfg));
	d->cfg->set = set;
	d->cfg->refs = 1;
	pool_release_cfg(old);
	sources_collect_orphans(d);
	sources_arm_orphan_gc(d);
	if (added || removed || changed)
		log_info("configuration reloaded: %zu sources (%zu added, %zu removed, %zu changed), %zu secrets",
			 set->n_sources, added, removed, changed, set->n_secrets);
	else
		log_debug("configuration reloaded: nothing changed");
}

void reload_config(struct daemon *d, bool from_signal)
{
	struct cfg_set *set = NULL;
	struct ferry_err e;

	if (d->stopping)
		return;
	if (from_signal)
		notify_reloading();
	d->debounce_src = sd_event_source_disable_unref(d->debounce_src);
	/* watch first: a change made while we read is seen on the next round */
	reload_unwatch(d);
	reload_watch(d);
	ferr_clear(&e);
	if (cfg_load_dir(d->o->config_dir, &set, &e) < 0 || set->n_errors) {
		struct log_fields f = { .message_id = LOG_MSGID_RELOAD_FAILED, .reason = "ReloadFailed" };

		free(d->config_error);
		if (!set) {
			d->config_error = xasprintf("config error, running the previous config: %s", e.msg);
		} else {
			cfg_log_diags(set);
			d->config_error = daemon_config_error(set, "config error, running the previous config");
		}
		log_event(LOG_ERR, &f, "configuration reload failed, keeping the previous configuration: %s",
			  d->config_error + strlen("config error, running the previous config: "));
		if (set)
			cfg_set_free(set);
	} else {
		cfg_log_diags(set);
		free(d->config_error);
		d->config_error = NULL;
		swap_config(d, set);
		sources_write_metrics(d);
	}
	pool_dispatch(d);
	daemon_rearm(d);
	daemon_refresh_status(d);
	if (from_signal)
		notify_ready(d->status_text);
}
