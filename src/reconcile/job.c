/* job.c - job records for ferry-worker: serialise in the parent, rebuild in the worker. */
#include "reconcile/job.h"

#include <string.h>

#include "config/config.h"
#include "config/load.h"
#include "util/b64.h"
#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"

static json_t *loc_json(const struct cfg_loc *l)
{
	return json_pack("{s:s,s:i,s:i}", "file", l->file ? l->file : "", "line", l->line, "column", l->column);
}

static json_t *source_json(const struct cfg_source *s)
{
	json_t *o = json_object();

	fjson_set_str(o, "apiVersion", s->api_version);
	fjson_set_str(o, "namespace", s->ns);
	fjson_set_str(o, "name", s->name);
	json_object_set_new(o, "loc", loc_json(&s->loc));
	fjson_set_str(o, "url", s->url);
	fjson_set_str(o, "refDigest", s->ref_digest);
	fjson_set_str(o, "refSemver", s->ref_semver);
	fjson_set_str(o, "refSemverFilter", s->ref_semver_filter);
	fjson_set_str(o, "refTag", s->ref_tag);
	json_object_set_new(o, "hasLayerSelector", json_boolean(s->has_layer_selector));
	fjson_set_str(o, "layerMediaType", s->layer_media_type);
	json_object_set_new(o, "layerCopy", json_boolean(s->layer_op == CFG_LAYER_COPY));
	fjson_set_str(o, "provider", s->provider);
	fjson_set_str(o, "secretRef", s->secret_ref);
	fjson_set_str(o, "serviceAccount", s->service_account);
	fjson_set_str(o, "certSecretRef", s->cert_secret_ref);
	fjson_set_str(o, "proxySecretRef", s->proxy_secret_ref);
	json_object_set_new(o, "insecure", json_boolean(s->insecure));
	json_object_set_new(o, "intervalMs", json_integer(s->interval_ms));
	fjson_set_str(o, "interval", s->interval);
	json_object_set_new(o, "timeoutMs", json_integer(s->timeout_ms));
	fjson_set_str(o, "timeout", s->timeout);
	json_object_set_new(o, "hasIgnore", json_boolean(s->has_ignore));
	fjson_set_str(o, "ignore", s->ignore);
	json_object_set_new(o, "suspend", json_boolean(s->suspend));
	json_object_set_new(o, "hasVerify", json_boolean(s->has_verify));
	fjson_set_str(o, "verifyProvider", s->verify_provider);
	fjson_set_str(o, "verifySecretRef", s->verify_secret_ref);
	if (s->spec)
		json_object_set(o, "spec", s->spec);
	fjson_set_str(o, "specHash", s->spec_hash);
	return o;
}

static json_t *secret_json(const struct cfg_secret *s)
{
	json_t *o = json_object(), *entries = json_array();

	fjson_set_str(o, "namespace", s->ns);
	fjson_set_str(o, "name", s->name);
	fjson_set_str(o, "type", s->type);
	json_object_set_new(o, "loc", loc_json(&s->loc));
	fjson_set_str(o, "digest", s->digest);
	for (size_t i = 0; i < s->n_entries; i++) {
		char *v = b64_encode_std(s->entries[i].value, s->entries[i].len);
		json_array_append_new(entries, json_pack("{s:s,s:s}", "key", s->entries[i].key, "value", v));
		free(v);
	}
	json_object_set_new(o, "entries", entries);
	return o;
}

static void add_secret(json_t *arr, const struct cfg_set *cfg, const struct cfg_source *src, const char *name)
{
	const struct cfg_secret *s = name ? cfg_find_secret(cfg, src->ns, name) : NULL;
	size_t i;
	json_t *v;

	if (!s)
		return;
	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(json_object_get(v, "name")), s->name) == 0)
			return;
	json_array_append_new(arr, secret_json(s));
}

char *rc_job_serialize(const struct rc_job *job, const struct rc_job_settings *settings)
{
	json_t *o = json_object(), *secrets = json_array();
	const struct cfg_source *src = job->src;
	char *text;

	json_object_set_new(o, "source", source_json(src));
	add_secret(secrets, job->cfg, src, src->secret_ref);
	add_secret(secrets, job->cfg, src, src->cert_secret_ref);
	add_secret(secrets, job->cfg, src, src->proxy_secret_ref);
	if (src->has_verify)
		add_secret(secrets, job->cfg, src, src->verify_secret_ref);
	json_object_set_new(o, "secrets", secrets);
	json_object_set_new(o, "status", rc_status_to_json(job->prev));
	fjson_set_str(o, "stateDir", settings->state_dir);
	json_object_set_new(o, "maxSignatures", json_integer(job->max_signatures));
	json_object_set_new(o, "logPriority", json_integer(settings->log_priority));
	json_object_set_new(o, "logFormat", json_integer(settings->log_format));
	text = fjson_dump(o, false);
	json_decref(o);
	return text;
}

static char *str(const json_t *o, const char *k)
{
	const char *s = fjson_str(o, k);
	return s ? xstrdup(s) : NULL;
}

static bool flag(const json_t *o, const char *k)
{
	return json_is_true(json_object_get(o, k));
}

static int64_t num(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? json_integer_value(v) : 0;
}

static void loc_from(const json_t *o, struct cfg_loc *l)
{
	const json_t *j = fjson_obj(o, "loc");

	l->file = str(j, "file");
	l->line = (int)num(j, "line");
	l->column = (int)num(j, "column");
}

static struct cfg_source *source_from(const json_t *o)
{
	struct cfg_source *s = xcalloc(1, sizeof(*s));
	json_t *spec = fjson_obj(o, "spec");
	const char *hash = fjson_str(o, "specHash");

	s->api_version = str(o, "apiVersion");
	s->ns = str(o, "namespace");
	s->name = str(o, "name");
	loc_from(o, &s->loc);
	s->url = str(o, "url");
	s->ref_digest = str(o, "refDigest");
	s->ref_semver = str(o, "refSemver");
	s->ref_semver_filter = str(o, "refSemverFilter");
	s->ref_tag = str(o, "refTag");
	s->has_layer_selector = flag(o, "hasLayerSelector");
	s->layer_media_type = str(o, "layerMediaType");
	s->layer_op = flag(o, "layerCopy") ? CFG_LAYER_COPY : CFG_LAYER_EXTRACT;
	s->provider = str(o, "provider");
	s->secret_ref = str(o, "secretRef");
	s->service_account = str(o, "serviceAccount");
	s->cert_secret_ref = str(o, "certSecretRef");
	s->proxy_secret_ref = str(o, "proxySecretRef");
	s->insecure = flag(o, "insecure");
	s->interval_ms = num(o, "intervalMs");
	s->interval = str(o, "interval");
	s->timeout_ms = num(o, "timeoutMs");
	s->timeout = str(o, "timeout");
	s->has_ignore = flag(o, "hasIgnore");
	s->ignore = str(o, "ignore");
	s->suspend = flag(o, "suspend");
	s->has_verify = flag(o, "hasVerify");
	s->verify_provider = str(o, "verifyProvider");
	s->verify_secret_ref = str(o, "verifySecretRef");
	s->spec = spec ? json_deep_copy(spec) : json_object();
	snprintf(s->spec_hash, sizeof(s->spec_hash), "%s", hash ? hash : "");
	return s;
}

static struct cfg_secret *secret_from(const json_t *o, struct ferry_err *e)
{
	struct cfg_secret *s = xcalloc(1, sizeof(*s));
	const json_t *entries = fjson_arr(o, "entries");
	const char *digest = fjson_str(o, "digest");
	size_t i;
	json_t *v;

	s->ns = str(o, "namespace");
	s->name = str(o, "name");
	s->type = str(o, "type");
	loc_from(o, &s->loc);
	snprintf(s->digest, sizeof(s->digest), "%s", digest ? digest : "");
	s->entries = xcalloc(json_array_size(entries) + 1, sizeof(*s->entries));
	json_array_foreach(entries, i, v) {
		const char *value = fjson_str(v, "value");
		struct buf b;

		if (!fjson_str(v, "key") || !value ||
		    b64_decode_std(value, strlen(value), LIMIT_SECRET_VALUE_BYTES, &b, NULL) < 0) {
			cfg_secret_free(s);
			ferr_set(e, "WorkerFailed", "job: malformed Secret entry");
			return NULL;
		}
		s->entries[s->n_entries].key = str(v, "key");
		s->entries[s->n_entries].value = (unsigned char *)buf_steal(&b, &s->entries[s->n_entries].len);
		s->n_entries++;
	}
	return s;
}

static int secret_cmp(const void *a, const void *b)
{
	const struct cfg_secret *x = *(const struct cfg_secret *const *)a;
	const struct cfg_secret *y = *(const struct cfg_secret *const *)b;
	int c = strcmp(x->ns, y->ns);

	return c ? c : strcmp(x->name, y->name);
}

int rc_job_parse(const char *text, size_t len, struct rc_job_parsed *out, struct ferry_err *e)
{
	json_t *o = fjson_parse(text, len, "job", e), *src, *secrets, *status, *v;
	const char *state_dir;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!o)
		return -1;
	src = fjson_obj(o, "source");
	secrets = fjson_arr(o, "secrets");
	status = fjson_obj(o, "status");
	state_dir = fjson_str(o, "stateDir");
	if (!src || !fjson_str(src, "namespace") || !fjson_str(src, "name") || !fjson_str(src, "url") ||
	    !secrets || !status || !state_dir) {
		ferr_set(e, "WorkerFailed", "job: missing source, secrets, status or stateDir");
		goto out;
	}
	out->cfg = xcalloc(1, sizeof(*out->cfg));
	out->cfg->sources = xcalloc(1, sizeof(struct cfg_source *));
	out->cfg->sources[0] = source_from(src);
	out->cfg->n_sources = 1;
	out->cfg->secrets = xcalloc(json_array_size(secrets) + 1, sizeof(struct cfg_secret *));
	json_array_foreach(secrets, i, v) {
		struct cfg_secret *s = secret_from(v, e);
		if (!s || !s->ns || !s->name) {
			cfg_secret_free(s);
			if (!ferr_is_set(e))
				ferr_set(e, "WorkerFailed", "job: malformed Secret");
			goto out;
		}
		out->cfg->secrets[out->cfg->n_secrets++] = s;
	}
	qsort(out->cfg->secrets, out->cfg->n_secrets, sizeof(struct cfg_secret *), secret_cmp);
	if (rc_status_from_json(status, &out->prev) < 0) {
		ferr_set(e, "WorkerFailed", "job: malformed status");
		goto out;
	}
	if (store_open(state_dir, &out->store, e) < 0)
		goto out;
	out->store_open = true;
	out->log_priority = (int)num(o, "logPriority");
	out->log_format = (int)num(o, "logFormat");
	out->job = (struct rc_job){ .cfg = out->cfg, .src = out->cfg->sources[0], .prev = &out->prev,
				    .store = &out->store, .max_signatures = (int)num(o, "maxSignatures") };
	rc = 0;
out:
	json_decref(o);
	if (rc < 0)
		rc_job_parsed_free(out);
	return rc;
}

void rc_job_parsed_free(struct rc_job_parsed *p)
{
	cfg_set_free(p->cfg);
	rc_status_free(&p->prev);
	if (p->store_open)
		store_close(&p->store);
	memset(p, 0, sizeof(*p));
}
