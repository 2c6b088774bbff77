/* events.c - recent events per source: ring, JSON form and persistence. */
#include "daemon/events.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/timeutil.h"

static char *trimmed(const char *s)
{
	size_t len = strlen(s);
	char *out;

	if (len <= LIMIT_EVENT_MESSAGE_BYTES)
		return xstrdup(s);
	out = xstrndup(s, LIMIT_EVENT_MESSAGE_BYTES - 3);
	out = xrealloc(out, LIMIT_EVENT_MESSAGE_BYTES + 1);
	strcat(out, "...");
	return out;
}

static void entry_free(struct ev_entry *e)
{
	free(e->reason);
	free(e->message);
	memset(e, 0, sizeof(*e));
}

static void push(struct ev_ring *r, struct ev_entry *e)
{
	if (r->n == LIMIT_EVENTS_PER_SOURCE) {
		entry_free(&r->v[0]);
		memmove(r->v, r->v + 1, (r->n - 1) * sizeof(*r->v));
		r->n--;
	}
	if (!r->v)
		r->v = xcalloc(LIMIT_EVENTS_PER_SOURCE, sizeof(*r->v));
	r->v[r->n++] = *e;
}

bool events_record(struct ev_ring *r, bool warning, const char *reason, const char *message, int64_t now)
{
	char *msg = trimmed(message ? message : "");
	struct ev_entry e;

	if (r->n > 0) {
		struct ev_entry *last = &r->v[r->n - 1];

		if (last->warning == warning && str_eq(last->reason, reason) && strcmp(last->message, msg) == 0) {
			last->count++;
			last->last = now;
			free(msg);
			return true;
		}
	}
	e = (struct ev_entry){ .warning = warning, .reason = xstrdup(reason ? reason : ""), .message = msg,
			       .count = 1, .first = now, .last = now };
	push(r, &e);
	return true;
}

void events_free(struct ev_ring *r)
{
	for (size_t i = 0; i < r->n; i++)
		entry_free(&r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static json_t *timestamp(int64_t sec)
{
	char ts[32];

	ftime_format_rfc3339(sec, ts, sizeof(ts));
	return json_string(ts);
}

json_t *events_to_json(const struct ev_ring *r)
{
	json_t *root = json_object(), *arr = json_array();

	for (size_t i = 0; i < r->n; i++) {
		const struct ev_entry *e = &r->v[i];
		json_t *o = json_object();

		json_object_set_new(o, "type", json_string(e->warning ? "Warning" : "Normal"));
		json_object_set_new(o, "reason", json_string(e->reason));
		json_object_set_new(o, "message", json_string(e->message));
		json_object_set_new(o, "count", json_integer(e->count));
		json_object_set_new(o, "firstTimestamp", timestamp(e->first));
		json_object_set_new(o, "lastTimestamp", timestamp(e->last));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "events", arr);
	if (r->last_success)
		json_object_set_new(root, "lastSuccessTime", timestamp(r->last_success));
	return root;
}

static int64_t parse_time(const json_t *o, const char *key)
{
	const char *s = fjson_str(o, key);
	int64_t sec;

	if (!s || ftime_parse_rfc3339(s, &sec, NULL) < 0)
		return 0;
	return sec;
}

void events_from_json(const json_t *j, struct ev_ring *r)
{
	const json_t *arr = fjson_arr(j, "events");
	size_t i, start = 0;
	json_t *o;

	memset(r, 0, sizeof(*r));
	r->last_success = parse_time(j, "lastSuccessTime");
	if (!arr)
		return;
	if (json_array_size(arr) > LIMIT_EVENTS_PER_SOURCE)
		start = json_array_size(arr) - LIMIT_EVENTS_PER_SOURCE;
	json_array_foreach(arr, i, o) {
		const char *type = fjson_str(o, "type"), *reason = fjson_str(o, "reason");
		const char *message = fjson_str(o, "message");
		int64_t count = 1;
		struct ev_entry e;

		if (i < start || !type || !reason || !message)
			continue;
		fjson_uint(o, "count", &count);
		e = (struct ev_entry){ .warning = strcmp(type, "Warning") == 0, .reason = xstrdup(reason),
				       .message = trimmed(message), .count = count > 0 && count < UINT32_MAX ? (unsigned)count : 1,
				       .first = parse_time(o, "firstTimestamp"), .last = parse_time(o, "lastTimestamp") };
		push(r, &e);
	}
}

static void file_name(const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s.json", name);
}

void events_load(int state_fd, const char *ns, const char *name, struct ev_ring *r)
{
	char rel[LIMIT_NAMESPACE_LEN + 16], file[LIMIT_NAME_LEN + 16];
	struct buf b;
	json_t *j;
	int dfd;

	memset(r, 0, sizeof(*r));
	snprintf(rel, sizeof(rel), EVENTS_DIR "/%s", ns);
	file_name(name, file, sizeof(file));
	dfd = fs_open_dir_at(state_fd, rel, false, 0);
	if (dfd < 0)
		return;
	if (fs_read_file_at(dfd, file, LIMIT_EVENTS_FILE_BYTES, &b) < 0) {
		close(dfd);
		return;
	}
	close(dfd);
	j = fjson_parse(b.data, b.len, "events", NULL);
	buf_free(&b);
	if (j && json_is_object(j))
		events_from_json(j, r);
	json_decref(j);
}

int events_write(int state_fd, const char *ns, const char *name, const struct ev_ring *r, struct ferry_err *e)
{
	char rel[LIMIT_NAMESPACE_LEN + 16], file[LIMIT_NAME_LEN + 16];
	json_t *j = events_to_json(r);
	char *text = fjson_dump(j, true);
	int dfd, rc = 0;

	json_decref(j);
	snprintf(rel, sizeof(rel), EVENTS_DIR "/%s", ns);
	file_name(name, file, sizeof(file));
	dfd = fs_open_dir_at(state_fd, rel, true, 0755);
	if (dfd < 0) {
		rc = ferr_set(e, "StatusWriteFailed", "failed to open %s: %s", rel, strerror(errno));
	} else {
		if (fs_write_atomic_at(dfd, file, text, strlen(text), 0644) < 0)
			rc = ferr_set(e, "StatusWriteFailed", "failed to write %s/%s: %s", rel, file, strerror(errno));
		close(dfd);
	}
	free(text);
	return rc;
}

void events_remove(int state_fd, const char *ns, const char *name)
{
	char rel[LIMIT_NAMESPACE_LEN + 16], file[LIMIT_NAME_LEN + 16];
	int dfd;

	snprintf(rel, sizeof(rel), EVENTS_DIR "/%s", ns);
	file_name(name, file, sizeof(file));
	dfd = fs_open_dir_at(state_fd, rel, false, 0);
	if (dfd < 0)
		return;
	unlinkat(dfd, file, 0);
	close(dfd);
	dfd = fs_open_dir_at(state_fd, EVENTS_DIR, false, 0);
	if (dfd >= 0) {
		unlinkat(dfd, ns, AT_REMOVEDIR);  /* only when empty */
		close(dfd);
	}
}
