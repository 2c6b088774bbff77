/* orphans.c - removal times of sources whose artifacts wait for garbage collection. */
#include "daemon/orphans.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "util/fs.h"
#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/timeutil.h"

static size_t lower_bound(const struct orphan_set *set, const char *key)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(set->v[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct orphan *orphans_find(const struct orphan_set *set, const char *key)
{
	size_t i = lower_bound(set, key);

	return i < set->n && strcmp(set->v[i].key, key) == 0 ? &set->v[i] : NULL;
}

static void insert(struct orphan_set *set, const char *key, int64_t since)
{
	size_t i = lower_bound(set, key);

	if (i < set->n && strcmp(set->v[i].key, key) == 0)
		return;
	set->v = xrealloc(set->v, (set->n + 1) * sizeof(*set->v));
	memmove(set->v + i + 1, set->v + i, (set->n - i) * sizeof(*set->v));
	set->v[i].key = xstrdup(key);
	set->v[i].since = since;
	set->n++;
}

bool orphans_mark(struct orphan_set *set, const char *key, int64_t now)
{
	if (orphans_find(set, key))
		return false;
	insert(set, key, now);
	return true;
}

bool orphans_unmark(struct orphan_set *set, const char *key)
{
	size_t i = lower_bound(set, key);

	if (i >= set->n || strcmp(set->v[i].key, key) != 0)
		return false;
	free(set->v[i].key);
	memmove(set->v + i, set->v + i + 1, (set->n - i - 1) * sizeof(*set->v));
	set->n--;
	return true;
}

int64_t orphans_next_expiry(const struct orphan_set *set, int64_t retention_s)
{
	int64_t best = INT64_MAX;

	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].since + retention_s < best)
			best = set->v[i].since + retention_s;
	return best;
}

void orphans_free(struct orphan_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->v[i].key);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

int orphans_load(int state_fd, struct orphan_set *set, struct ferry_err *e)
{
	struct buf b;
	json_t *j, *sources, *v;
	const char *key;

	memset(set, 0, sizeof(*set));
	if (fs_read_file_at(state_fd, ORPHANS_FILE, LIMIT_ORPHANS_FILE_BYTES, &b) < 0) {
		if (errno == ENOENT)
			return 0;
		return ferr_set(e, "StatusReadFailed", ORPHANS_FILE ": %s", strerror(errno));
	}
	j = fjson_parse(b.data, b.len, ORPHANS_FILE, e);
	buf_free(&b);
	sources = j ? fjson_obj(j, "orphans") : NULL;
	if (!sources) {
		json_decref(j);
		if (!ferr_is_set(e))
			ferr_set(e, "StatusReadFailed", ORPHANS_FILE ": no \"orphans\" object");
		return -1;
	}
	json_object_foreach(sources, key, v) {
		int64_t since;

		if (!json_is_string(v) || ftime_parse_rfc3339(json_string_value(v), &since, NULL) < 0)
			continue;
		if (strlen(key) > LIMIT_NAMESPACE_LEN + 1 + LIMIT_NAME_LEN || !strchr(key, '/'))
			continue;
		insert(set, key, since);
	}
	json_decref(j);
	return 0;
}

int orphans_save(int state_fd, const struct orphan_set *set, struct ferry_err *e)
{
	json_t *root = json_object(), *sources = json_object();
	char *text;
	int rc = 0;

	for (size_t i = 0; i < set->n; i++) {
		char ts[32];

		ftime_format_rfc3339(set->v[i].since, ts, sizeof(ts));
		json_object_set_new(sources, set->v[i].key, json_string(ts));
	}
	json_object_set_new(root, "orphans", sources);
	text = fjson_dump(root, true);
	json_decref(root);
	if (set->n == 0) {
		if (unlinkat(state_fd, ORPHANS_FILE, 0) < 0 && errno != ENOENT)
			rc = ferr_set(e, "StatusWriteFailed", "failed to remove " ORPHANS_FILE ": %s", strerror(errno));
	} else if (fs_write_atomic_at(state_fd, ORPHANS_FILE, text, strlen(text), 0644) < 0) {
		rc = ferr_set(e, "StatusWriteFailed", "failed to write " ORPHANS_FILE ": %s", strerror(errno));
	}
	free(text);
	return rc;
}
