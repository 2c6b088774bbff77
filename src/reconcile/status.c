/* status.c - status file model, JSON round-trip and atomic persistence. */
#include "reconcile/status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/timeutil.h"

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void rc_status_init(struct rc_status *st, const struct cfg_source *src)
{
	memset(st, 0, sizeof(*st));
	st->api_version = xstrdup(src->api_version ? src->api_version : "source.toolkit.fluxcd.io/v1");
	st->ns = xstrdup(src->ns);
	st->name = xstrdup(src->name);
	st->generation = 1;
	st->spec_digest = xasprintf("sha256:%s", src->spec_hash);
	st->observed_generation = -1;
}

void rc_status_adopt(struct rc_status *st, const struct cfg_source *src)
{
	char *digest = xasprintf("sha256:%s", src->spec_hash);

	if (!st->spec_digest || strcmp(st->spec_digest, digest) != 0) {
		if (st->spec_digest)
			st->generation++;
		free(st->spec_digest);
		st->spec_digest = digest;
	} else {
		free(digest);
	}
	if (st->generation < 1)
		st->generation = 1;
	free(st->api_version);
	st->api_version = xstrdup(src->api_version ? src->api_version : "source.toolkit.fluxcd.io/v1");
	free(st->ns);
	st->ns = xstrdup(src->ns);
	free(st->name);
	st->name = xstrdup(src->name);
}

void rc_artifact_free(struct rc_artifact *a)
{
	free(a->revision);
	free(a->digest);
	free(a->path);
	free(a->entry);
	json_decref(a->metadata);
	memset(a, 0, sizeof(*a));
}

void rc_verification_free(struct rc_verification *v)
{
	free(v->revision);
	free(v->bundle_digest);
	free(v->level);
	free(v->policy);
	free(v->signer);
	free(v->signature);
	free(v->result);
	memset(v, 0, sizeof(*v));
}

void rc_status_free(struct rc_status *st)
{
	free(st->api_version);
	free(st->ns);
	free(st->name);
	free(st->spec_digest);
	cond_free(&st->conds);
	rc_artifact_free(&st->artifact);
	json_decref(st->observed_layer_selector);
	free(st->observed_ignore);
	rc_verification_free(&st->verification);
	free(st->last_handled_reconcile_at);
	memset(st, 0, sizeof(*st));
}

json_t *rc_status_to_json(const struct rc_status *st)
{
	json_t *root = json_object(), *meta = json_object(), *status = json_object();
	json_t *ann = json_object();

	json_object_set_new(root, "apiVersion", json_string(st->api_version ? st->api_version : ""));
	json_object_set_new(root, "kind", json_string("OCIRepository"));
	fjson_set_str(meta, "name", st->name);
	fjson_set_str(meta, "namespace", st->ns);
	json_object_set_new(meta, "generation", json_integer(st->generation));
	if (st->spec_digest)
		json_object_set_new(ann, STATUS_SPEC_DIGEST_ANNOTATION, json_string(st->spec_digest));
	json_object_set_new(meta, "annotations", ann);
	json_object_set_new(root, "metadata", meta);

	json_object_set_new(status, "observedGeneration", json_integer(st->observed_generation));
	json_object_set_new(status, "conditions", cond_to_json(&st->conds));
	if (st->has_artifact) {
		json_t *a = json_object();
		char ts[32];

		ftime_format_rfc3339(st->artifact.last_update, ts, sizeof(ts));
		fjson_set_str(a, "revision", st->artifact.revision);
		fjson_set_str(a, "digest", st->artifact.digest);
		fjson_set_str(a, "path", st->artifact.path);
		json_object_set_new(a, "size", json_integer(st->artifact.size));
		json_object_set_new(a, "lastUpdateTime", json_string(ts));
		json_object_set_new(a, "metadata", st->artifact.metadata ? json_deep_copy(st->artifact.metadata)
									 : json_object());
		json_object_set_new(status, "artifact", a);
	}
	if (st->observed_layer_selector)
		json_object_set_new(status, "observedLayerSelector", json_deep_copy(st->observed_layer_selector));
	if (st->has_observed_ignore)
		json_object_set_new(status, "observedIgnore", json_string(st->observed_ignore ? st->observed_ignore : ""));
	if (st->has_verification) {
		json_t *v = json_object();
		fjson_set_str(v, "revision", st->verification.revision);
		fjson_set_str(v, "trustBundleDigest", st->verification.bundle_digest);
		fjson_set_str(v, "level", st->verification.level);
		fjson_set_str(v, "policy", st->verification.policy);
		fjson_set_str(v, "signer", st->verification.signer);
		fjson_set_str(v, "signature", st->verification.signature);
		fjson_set_str(v, "result", st->verification.result);
		json_object_set_new(status, "verification", v);
	}
	fjson_set_str(status, "lastHandledReconcileAt", st->last_handled_reconcile_at);
	if (st->suspended)
		json_object_set_new(status, "suspended", json_true());
	json_object_set_new(root, "status", status);
	return root;
}

static char *jstr(const json_t *obj, const char *key)
{
	return dup_or_null(fjson_str(obj, key));
}

int rc_status_from_json(const json_t *j, struct rc_status *st)
{
	const json_t *meta = fjson_obj(j, "metadata"), *status = fjson_obj(j, "status"), *a, *v;
	json_t *gen;

	memset(st, 0, sizeof(*st));
	if (!meta || !status || !fjson_str(meta, "name") || !fjson_str(meta, "namespace"))
		return -1;
	st->api_version = jstr(j, "apiVersion");
	st->name = jstr(meta, "name");
	st->ns = jstr(meta, "namespace");
	gen = json_object_get(meta, "generation");
	st->generation = json_is_integer(gen) ? json_integer_value(gen) : 1;
	st->spec_digest = jstr(fjson_obj(meta, "annotations"), STATUS_SPEC_DIGEST_ANNOTATION);
	gen = json_object_get(status, "observedGeneration");
	st->observed_generation = json_is_integer(gen) ? json_integer_value(gen) : -1;
	cond_from_json(&st->conds, json_object_get(status, "conditions"));
	a = fjson_obj(status, "artifact");
	if (a && fjson_str(a, "revision")) {
		const char *ts = fjson_str(a, "lastUpdateTime");
		json_t *md = fjson_obj(a, "metadata");
		int64_t size = 0;

		st->has_artifact = true;
		st->artifact.revision = jstr(a, "revision");
		st->artifact.digest = jstr(a, "digest");
		st->artifact.path = jstr(a, "path");
		if (st->artifact.path) {
			const char *slash = strrchr(st->artifact.path, '/');
			st->artifact.entry = xstrdup(slash ? slash + 1 : st->artifact.path);
		}
		fjson_uint(a, "size", &size);
		st->artifact.size = size;
		if (!ts || ftime_parse_rfc3339(ts, &st->artifact.last_update, NULL) < 0)
			st->artifact.last_update = 0;
		st->artifact.metadata = md ? json_deep_copy(md) : json_object();
	}
	v = fjson_obj(status, "observedLayerSelector");
	if (v)
		st->observed_layer_selector = json_deep_copy(v);
	if (fjson_str(status, "observedIgnore")) {
		st->has_observed_ignore = true;
		st->observed_ignore = jstr(status, "observedIgnore");
	}
	v = fjson_obj(status, "verification");
	if (v) {
		st->has_verification = true;
		st->verification.revision = jstr(v, "revision");
		st->verification.bundle_digest = jstr(v, "trustBundleDigest");
		st->verification.level = jstr(v, "level");
		st->verification.policy = jstr(v, "policy");
		st->verification.signer = jstr(v, "signer");
		st->verification.signature = jstr(v, "signature");
		st->verification.result = jstr(v, "result");
	}
	st->last_handled_reconcile_at = jstr(status, "lastHandledReconcileAt");
	st->suspended = json_is_true(json_object_get(status, "suspended"));
	return 0;
}

static int open_ns_dir(struct store *s, const char *ns, bool create)
{
	return fs_open_dir_at(s->status_fd, ns, create, 0755);
}

int rc_status_load(struct store *s, const char *ns, const char *name, struct rc_status *st,
		   bool *found, struct ferry_err *e)
{
	char file[LIMIT_NAME_LEN + 16];
	struct buf b;
	json_t *j;
	int dfd;

	memset(st, 0, sizeof(*st));
	*found = false;
	snprintf(file, sizeof(file), "%s.json", name);
	dfd = open_ns_dir(s, ns, false);
	if (dfd < 0)
		return errno == ENOENT ? 0 : ferr_set(e, "StatusReadFailed", "status/%s: %s", ns, strerror(errno));
	if (fs_read_file_at(dfd, file, LIMIT_STATUS_FILE_BYTES, &b) < 0) {
		int err = errno;
		if (err == ENOENT) {
			close(dfd);
			return 0;
		}
		log_warn("status/%s/%s: %s; rebuilding it", ns, file, strerror(err));
		goto corrupt;
	}
	j = fjson_parse(b.data, b.len, "status", NULL);
	buf_free(&b);
	if (!j || rc_status_from_json(j, st) < 0 || strcmp(st->ns, ns) != 0 || strcmp(st->name, name) != 0) {
		json_decref(j);
		rc_status_free(st);
		log_warn("status/%s/%s is not a valid status file; moved aside to %s.corrupt and rebuilt",
			 ns, file, file);
		goto corrupt;
	}
	json_decref(j);
	close(dfd);
	*found = true;
	return 0;
corrupt:
	{
		char aside[LIMIT_NAME_LEN + 32];
		snprintf(aside, sizeof(aside), "%s.corrupt", file);
		renameat(dfd, file, dfd, aside);
	}
	close(dfd);
	memset(st, 0, sizeof(*st));
	return 0;
}

void rc_status_open(struct store *s, const struct cfg_source *src, struct rc_status *st, json_t **loaded)
{
	struct ferry_err e;
	bool found = false;

	ferr_clear(&e);
	if (rc_status_load(s, src->ns, src->name, st, &found, &e) < 0)
		log_warn("%s/%s: %s", src->ns, src->name, e.msg);
	if (loaded)
		*loaded = found ? rc_status_to_json(st) : NULL;
	if (found) {
		rc_status_adopt(st, src);
	} else {
		rc_status_free(st);
		rc_status_init(st, src);
	}
}

int rc_status_write(struct store *s, const struct rc_status *st, struct ferry_err *e)
{
	char file[LIMIT_NAME_LEN + 16];
	json_t *j = rc_status_to_json(st);
	char *text = fjson_dump(j, true);
	size_t len = strlen(text);
	int dfd, rc = 0;

	json_decref(j);
	text = xrealloc(text, len + 2);
	text[len++] = '\n';
	text[len] = '\0';
	snprintf(file, sizeof(file), "%s.json", st->name);
	dfd = open_ns_dir(s, st->ns, true);
	if (dfd < 0) {
		rc = ferr_set(e, "StatusWriteFailed", "failed to open status/%s: %s", st->ns, strerror(errno));
	} else {
		if (fs_write_atomic_at(dfd, file, text, len, 0644) < 0)
			rc = ferr_set(e, "StatusWriteFailed", "failed to write status/%s/%s: %s", st->ns, file,
				      strerror(errno));
		close(dfd);
	}
	free(text);
	return rc;
}

int rc_status_remove(struct store *s, const char *ns, const char *name)
{
	char file[LIMIT_NAME_LEN + 16];
	int dfd = open_ns_dir(s, ns, false);

	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	snprintf(file, sizeof(file), "%s.json", name);
	if (unlinkat(dfd, file, 0) < 0 && errno != ENOENT) {
		close(dfd);
		return -1;
	}
	fs_fsync_dir(dfd);
	unlinkat(s->status_fd, ns, AT_REMOVEDIR); /* only succeeds when empty */
	close(dfd);
	return 0;
}
