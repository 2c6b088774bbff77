/* source.c - an OCIRepository document: every spec field validated with Flux's rules and defaults. */
#include <stdlib.h>
#include <string.h>

#include "config/goregex.h"
#include "config/load.h"
#include "config/ociurl.h"
#include "config/semver.h"
#include "util/digest.h"
#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/timeutil.h"

#define TAG_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."

static const char *const SPEC_FIELDS[] = {
	"url", "ref", "layerSelector", "provider", "secretRef", "serviceAccountName", "certSecretRef",
	"proxySecretRef", "insecure", "interval", "timeout", "ignore", "suspend", "verify", NULL,
};
static const char *const REF_FIELDS[] = { "digest", "semver", "semverFilter", "tag", NULL };
static const char *const LAYER_FIELDS[] = { "mediaType", "operation", NULL };
static const char *const VERIFY_FIELDS[] = { "provider", "secretRef", "matchOIDCIdentity", "trustedRootSecretRef", NULL };
static const char *const OIDC_FIELDS[] = { "issuer", "subject", NULL };
static const char *const NAME_FIELDS[] = { "name", NULL };

static const char *const PROVIDERS[] = { "generic", "aws", "azure", "gcp", NULL };
static const char *const OPERATIONS[] = { "extract", "copy", NULL };
static const char *const VERIFY_PROVIDERS[] = { "cosign", "notation", NULL };

/* A field that is absent or null; reported at the null value, else at the mapping. */
static bool absent(const struct cfg_ynode *map, const char *key)
{
	const struct cfg_ynode *n = cfg_ymap_get(map, key);

	return !n || n->type == CFG_YNULL;
}

static void missing(struct cfg_doc *d, const struct cfg_ynode *map, const char *parent, const char *key)
{
	_cleanup_free_ char *path = cfg_path_join(parent, key);
	const struct cfg_ynode *at = cfg_ymap_get(map, key);

	cfg_doc_error(d, at ? at : map, path, "required field is missing");
}

/* A string field; "" counts as unset when empty_is_unset. */
static const char *str_field(struct cfg_doc *d, const struct cfg_ynode *map, const char *parent, const char *key,
			     bool empty_is_unset, const struct cfg_ynode **node)
{
	const struct cfg_ynode *n = cfg_field(d, map, parent, key, CFG_YSTR);

	if (node)
		*node = n;
	if (!n || (empty_is_unset && !*n->text))
		return NULL;
	return n->text;
}

/* Kubernetes' enum message: Unsupported value: "x": supported values: "a", "b" */
static const char *enum_field(struct cfg_doc *d, const struct cfg_ynode *map, const char *parent, const char *key,
			      const char *const *allowed, const char *fallback)
{
	const struct cfg_ynode *n;
	const char *v = str_field(d, map, parent, key, false, &n);
	_cleanup_free_ char *path = NULL, *list = NULL;

	if (!v)
		return absent(map, key) ? fallback : NULL;
	for (const char *const *a = allowed; *a; a++)
		if (!strcmp(*a, v))
			return *a;
	for (const char *const *a = allowed; *a; a++) {
		char *next = xasprintf("%s%s\"%s\"", list ? list : "", list ? ", " : "", *a);
		free(list);
		list = next;
	}
	path = cfg_path_join(parent, key);
	cfg_doc_error(d, n, path, "Unsupported value: \"%s\": supported values: %s", v, list);
	return NULL;
}

static void json_set_str(json_t *obj, const char *key, const char *value)
{
	json_object_set_new(obj, key, json_string(value));
}

/* A LocalObjectReference ({name: <Secret>}); returns the name or NULL. */
static const char *secret_ref(struct cfg_doc *d, const struct cfg_ynode *map, const char *parent, const char *key,
			      struct cfg_loc *loc, json_t *json)
{
	const struct cfg_ynode *ref = cfg_field(d, map, parent, key, CFG_YMAP), *n;
	_cleanup_free_ char *path = NULL;
	const char *name, *why;

	if (!ref)
		return NULL;
	path = cfg_path_join(parent, key);
	cfg_fields_known(d, ref, path, NAME_FIELDS);
	name = str_field(d, ref, path, "name", false, &n);
	if (!name) {
		if (absent(ref, "name"))
			missing(d, ref, path, "name");
		return NULL;
	}
	if ((why = cfg_dns_subdomain_error(name))) {
		_cleanup_free_ char *name_path = cfg_path_join(path, "name");
		cfg_doc_error(d, n, name_path, "\"%s\" is not a valid Secret name: %s", name, why);
		return NULL;
	}
	if (loc) {
		loc->file = xstrdup(d->file);
		loc->line = n->line;
		loc->column = n->column;
	}
	json_t *obj = json_object();
	json_set_str(obj, "name", name);
	json_object_set_new(json, key, obj);
	return name;
}

static void read_url(struct cfg_doc *d, struct cfg_source *s, const struct cfg_ynode *spec, json_t *json)
{
	const struct cfg_ynode *n;
	const char *url = str_field(d, spec, "spec", "url", false, &n);
	_cleanup_free_ char *registry = NULL, *repository = NULL;
	struct ferry_err e;

	if (!url) {
		if (absent(spec, "url"))
			missing(d, spec, "spec", "url");
		return;
	}
	s->url = xstrdup(url);
	json_set_str(json, "url", url);
	ferr_clear(&e);
	if (cfg_oci_url_parse(url, &registry, &repository, &e) < 0) {
		cfg_doc_error(d, n, "spec.url", "%s", e.msg);
		if (!d->url_error)
			d->url_error = xstrdup(e.msg);
	}
}

static void read_duration(struct cfg_doc *d, const struct cfg_ynode *spec, const char *key, bool hours,
			  char **text, int64_t *ms, json_t *json)
{
	const struct cfg_ynode *n;
	const char *v = str_field(d, spec, "spec", key, false, &n);
	_cleanup_free_ char *path = cfg_path_join("spec", key);
	int64_t parsed;

	if (!v)
		return;
	if (ftime_parse_duration(v, hours, &parsed) < 0) {
		if (!hours && ftime_parse_duration(v, true, &parsed) == 0)
			cfg_doc_error(d, n, path, "\"%s\" is not a valid timeout: hours are not allowed (use minutes, e.g. 60m)", v);
		else
			cfg_doc_error(d, n, path, "\"%s\" is not a duration", v);
		return;
	}
	if (parsed <= 0) {
		cfg_doc_error(d, n, path, "\"%s\" must be greater than zero", v);
		return;
	}
	*text = xstrdup(v);
	*ms = parsed;
	json_set_str(json, key, v);
}

/* ggcr's name.checkTag: what may follow ':' in a reference. */
static const char *tag_error(const char *tag, char *why, size_t n)
{
	size_t len = strlen(tag);

	if (len < 1 || len > 128) {
		snprintf(why, n, "tag must be between 1 and 128 characters in length: %s", tag);
		return why;
	}
	if (tag[strspn(tag, TAG_CHARS)]) {
		snprintf(why, n, "tag can only contain the characters `%s`: %s", TAG_CHARS, tag);
		return why;
	}
	return NULL;
}

static void read_ref(struct cfg_doc *d, struct cfg_source *s, const struct cfg_ynode *spec, json_t *json)
{
	const struct cfg_ynode *ref = cfg_field(d, spec, "spec", "ref", CFG_YMAP), *n;
	json_t *obj;
	const char *v;
	struct ferry_err e;
	char why[512];

	if (!ref)
		return;
	obj = json_object();
	cfg_fields_known(d, ref, "spec.ref", REF_FIELDS);
	if ((v = str_field(d, ref, "spec.ref", "digest", true, &n))) {
		if (!digest_is_valid(v)) {
			cfg_doc_error(d, n, "spec.ref.digest",
				      "\"%s\" is not a valid digest: expected sha256:<64 lowercase hex digits>", v);
		} else {
			s->ref_digest = xstrdup(v);
			json_set_str(obj, "digest", v);
		}
	}
	if ((v = str_field(d, ref, "spec.ref", "semver", true, &n))) {
		struct semver_constraint *c;
		ferr_clear(&e);
		if (semver_constraint_parse(v, &c, &e) < 0) {
			cfg_doc_error(d, n, "spec.ref.semver", "%s", e.msg);
		} else {
			semver_constraint_free(c);
			s->ref_semver = xstrdup(v);
			json_set_str(obj, "semver", v);
		}
	}
	if ((v = str_field(d, ref, "spec.ref", "semverFilter", true, &n))) {
		struct cfg_goregex rx;
		ferr_clear(&e);
		if (cfg_goregex_compile(v, &rx, &e) < 0) {
			cfg_doc_error(d, n, "spec.ref.semverFilter", "%s", e.msg);
		} else {
			cfg_goregex_free(&rx);
			s->ref_semver_filter = xstrdup(v);
			json_set_str(obj, "semverFilter", v);
			if (!str_field(d, ref, "spec.ref", "semver", true, NULL))
				cfg_doc_warn(d, n, "spec.ref.semverFilter", "ignored because spec.ref.semver is not set");
		}
	}
	if ((v = str_field(d, ref, "spec.ref", "tag", true, &n))) {
		if (tag_error(v, why, sizeof(why))) {
			cfg_doc_error(d, n, "spec.ref.tag", "%s", why);
		} else {
			s->ref_tag = xstrdup(v);
			json_set_str(obj, "tag", v);
		}
	}
	if (json_object_size(obj))
		json_object_set_new(json, "ref", obj);
	else
		json_decref(obj);
}

static void read_layer_selector(struct cfg_doc *d, struct cfg_source *s, const struct cfg_ynode *spec, json_t *json)
{
	const struct cfg_ynode *sel = cfg_field(d, spec, "spec", "layerSelector", CFG_YMAP);
	const char *v;
	json_t *obj;

	if (!sel)
		return;
	obj = json_object();
	cfg_fields_known(d, sel, "spec.layerSelector", LAYER_FIELDS);
	s->has_layer_selector = true;
	if ((v = str_field(d, sel, "spec.layerSelector", "mediaType", true, NULL))) {
		s->layer_media_type = xstrdup(v);
		json_set_str(obj, "mediaType", v);
	}
	v = enum_field(d, sel, "spec.layerSelector", "operation", OPERATIONS, "extract");
	if (v) {
		s->layer_op = !strcmp(v, "copy") ? CFG_LAYER_COPY : CFG_LAYER_EXTRACT;
		json_set_str(obj, "operation", v);
	}
	json_object_set_new(json, "layerSelector", obj);
}

static void read_bool(struct cfg_doc *d, const struct cfg_ynode *spec, const char *key, bool *out, json_t *json)
{
	const struct cfg_ynode *n = cfg_field(d, spec, "spec", key, CFG_YBOOL);

	if (n) {
		*out = n->boolean;
		json_object_set_new(json, key, json_boolean(n->boolean));
	}
}

static void read_oidc_identities(struct cfg_doc *d, const struct cfg_ynode *verify, json_t *json)
{
	const struct cfg_ynode *seq = cfg_field(d, verify, "spec.verify", "matchOIDCIdentity", CFG_YSEQ);
	json_t *arr;

	if (!seq)
		return;
	arr = json_array();
	for (size_t i = 0; i < seq->n_kids; i++) {
		_cleanup_free_ char *path = xasprintf("spec.verify.matchOIDCIdentity[%zu]", i);
		const struct cfg_ynode *item = seq->kids[i];
		json_t *obj;

		if (!cfg_field_type(d, item, path, CFG_YMAP))
			continue;
		cfg_fields_known(d, item, path, OIDC_FIELDS);
		obj = json_object();
		for (const char *const *key = OIDC_FIELDS; *key; key++) {
			const struct cfg_ynode *n;
			const char *v = str_field(d, item, path, *key, false, &n);
			_cleanup_free_ char *field = cfg_path_join(path, *key);
			struct cfg_goregex rx;
			struct ferry_err e;

			if (!v) {
				if (absent(item, *key))
					missing(d, item, path, *key);
				continue;
			}
			ferr_clear(&e);
			if (cfg_goregex_compile(v, &rx, &e) < 0) {
				cfg_doc_error(d, n, field, "%s", e.msg);
				continue;
			}
			cfg_goregex_free(&rx);
			json_set_str(obj, *key, v);
		}
		json_array_append_new(arr, obj);
	}
	json_object_set_new(json, "matchOIDCIdentity", arr);
}

static void read_verify(struct cfg_doc *d, struct cfg_source *s, const struct cfg_ynode *spec, json_t *json)
{
	const struct cfg_ynode *verify = cfg_field(d, spec, "spec", "verify", CFG_YMAP);
	const char *v;
	json_t *obj;

	if (!verify)
		return;
	obj = json_object();
	cfg_fields_known(d, verify, "spec.verify", VERIFY_FIELDS);
	s->has_verify = true;
	/* required by the CRD, but also defaulted by it: an absent provider is cosign */
	v = enum_field(d, verify, "spec.verify", "provider", VERIFY_PROVIDERS, "cosign");
	if (v) {
		s->verify_provider = xstrdup(v);
		json_set_str(obj, "provider", v);
		if (!strcmp(v, "cosign"))
			cfg_doc_warn(d, cfg_ymap_get(verify, "provider") ? cfg_ymap_get(verify, "provider") : verify,
				     "spec.verify.provider",
				     "cosign signatures cannot be verified by ferry (only notation); this source will "
				     "fail verification");
	}
	if ((v = secret_ref(d, verify, "spec.verify", "secretRef", &s->verify_secret_ref_loc, obj)))
		s->verify_secret_ref = xstrdup(v);
	else if (s->verify_provider && !strcmp(s->verify_provider, "notation") && absent(verify, "secretRef"))
		cfg_doc_warn(d, verify, "spec.verify.secretRef",
			     "the notation provider needs a Secret with trustpolicy.json and certificates; "
			     "verification will fail without it");
	read_oidc_identities(d, verify, obj);
	secret_ref(d, verify, "spec.verify", "trustedRootSecretRef", NULL, obj);
	json_object_set_new(json, "verify", obj);
}

static void read_spec(struct cfg_doc *d, struct cfg_source *s, const struct cfg_ynode *spec, json_t *json)
{
	const struct cfg_ynode *n;
	const char *v;

	cfg_fields_known(d, spec, "spec", SPEC_FIELDS);
	read_url(d, s, spec, json);
	read_ref(d, s, spec, json);
	read_layer_selector(d, s, spec, json);
	if ((v = enum_field(d, spec, "spec", "provider", PROVIDERS, "generic"))) {
		s->provider = xstrdup(v);
		json_set_str(json, "provider", v);
	}
	if ((v = secret_ref(d, spec, "spec", "secretRef", &s->secret_ref_loc, json)))
		s->secret_ref = xstrdup(v);
	if ((v = str_field(d, spec, "spec", "serviceAccountName", true, &n))) {
		s->service_account = xstrdup(v);
		json_set_str(json, "serviceAccountName", v);
		cfg_doc_warn(d, n, "spec.serviceAccountName", "has no effect outside Kubernetes (ignored)");
	}
	if ((v = secret_ref(d, spec, "spec", "certSecretRef", &s->cert_secret_ref_loc, json)))
		s->cert_secret_ref = xstrdup(v);
	if ((v = secret_ref(d, spec, "spec", "proxySecretRef", &s->proxy_secret_ref_loc, json)))
		s->proxy_secret_ref = xstrdup(v);
	read_bool(d, spec, "insecure", &s->insecure, json);
	if (absent(spec, "interval"))
		missing(d, spec, "spec", "interval");
	else
		read_duration(d, spec, "interval", true, &s->interval, &s->interval_ms, json);
	if (absent(spec, "timeout")) {
		s->timeout = xstrdup("60s");
		s->timeout_ms = LIMIT_DEFAULT_TIMEOUT_MS;
		json_set_str(json, "timeout", "60s");
	} else {
		read_duration(d, spec, "timeout", false, &s->timeout, &s->timeout_ms, json);
	}
	if ((n = cfg_field(d, spec, "spec", "ignore", CFG_YSTR))) {
		s->has_ignore = true;
		s->ignore = xstrdup(n->text);
		json_set_str(json, "ignore", n->text);
	}
	read_bool(d, spec, "suspend", &s->suspend, json);
	read_verify(d, s, spec, json);
}

void cfg_read_source(struct cfg_doc *d, const struct cfg_ynode *root, const char *api_version, const char *ns,
		     const char *name)
{
	struct cfg_source *s = xcalloc(1, sizeof(*s));
	const struct cfg_ynode *spec = cfg_ymap_get(root, "spec");
	_cleanup_free_ char *canonical = NULL;

	s->api_version = xstrdup(api_version);
	s->ns = xstrdup(ns);
	s->name = xstrdup(name);
	s->loc.file = xstrdup(d->file);
	s->loc.line = root->line;
	s->loc.column = root->column;
	s->layer_op = CFG_LAYER_EXTRACT;
	s->spec = json_object();
	if (absent(root, "spec"))
		missing(d, root, NULL, "spec");
	else if (cfg_field_type(d, spec, "spec", CFG_YMAP))
		read_spec(d, s, spec, s->spec);
	if (!s->provider)
		s->provider = xstrdup("generic");
	if (!s->timeout) {
		s->timeout = xstrdup("60s");
		s->timeout_ms = LIMIT_DEFAULT_TIMEOUT_MS;
	}
	canonical = fjson_dump(s->spec, false);
	sha256_hex(canonical, strlen(canonical), s->spec_hash);
	if (d->url_error) {
		s->invalid = s->stalled = true;
		s->invalid_reason = xstrdup("URLInvalid");
		s->invalid_message = xstrdup(d->url_error);
	} else if (d->n_errors) {
		s->invalid = true;
		s->invalid_reason = xstrdup("InvalidSpec");
		s->invalid_message = xstrdup(d->first_error);
	}
	cfg_build_add_source(d->b, s);
}
