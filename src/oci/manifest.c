/*
 * manifest.c - parse OCI image manifests and indexes, Docker schema 2
 * manifests and manifest lists, and the legacy OCI artifact manifest.
 *
 * Pure and bounded: every descriptor is checked (media type, sha256 digest,
 * exact non-negative size, string-only annotations), counts are capped by
 * LIMIT_MANIFEST_LAYERS / LIMIT_INDEX_MANIFESTS, and schema 1 is refused.
 */
#include "oci/manifest.h"

#include <string.h>

#include "util/digest.h"
#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/mem.h"

#define DOCKER_MT_SCHEMA1        "application/vnd.docker.distribution.manifest.v1+json"
#define DOCKER_MT_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

enum doc_kind { KIND_MANIFEST, KIND_INDEX, KIND_ARTIFACT };

void oci_descriptor_free(struct oci_descriptor *d)
{
	if (!d)
		return;
	free(d->media_type);
	free(d->digest);
	free(d->artifact_type);
	json_decref(d->annotations);
	free(d->platform_os);
	free(d->platform_arch);
	free(d->platform_variant);
	memset(d, 0, sizeof(*d));
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void oci_descriptor_copy(struct oci_descriptor *dst, const struct oci_descriptor *src)
{
	dst->media_type = dup_or_null(src->media_type);
	dst->digest = dup_or_null(src->digest);
	dst->size = src->size;
	dst->artifact_type = dup_or_null(src->artifact_type);
	dst->annotations = src->annotations ? json_deep_copy(src->annotations) : NULL;
	dst->platform_os = dup_or_null(src->platform_os);
	dst->platform_arch = dup_or_null(src->platform_arch);
	dst->platform_variant = dup_or_null(src->platform_variant);
}

void oci_manifest_free(struct oci_manifest *m)
{
	if (!m)
		return;
	free(m->media_type);
	free(m->artifact_type);
	oci_descriptor_free(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		oci_descriptor_free(&m->layers[i]);
	free(m->layers);
	if (m->subject) {
		oci_descriptor_free(m->subject);
		free(m->subject);
	}
	for (size_t i = 0; i < m->n_manifests; i++)
		oci_descriptor_free(&m->manifests[i]);
	free(m->manifests);
	json_decref(m->annotations);
	memset(m, 0, sizeof(*m));
}

/* Optional member that must be a string when present. */
static int opt_string(const json_t *obj, const char *key, const char *where, const char **out,
		      struct ferry_err *e)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return ferr_set(e, "", "%s%s%s: must be a string", where, *where ? "." : "", key);
	*out = json_string_value(v);
	return 0;
}

static int parse_annotations(const json_t *obj, const char *where, json_t **out, struct ferry_err *e)
{
	json_t *a = json_object_get(obj, "annotations");
	const char *k;
	json_t *v;

	*out = NULL;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_object(a))
		return ferr_set(e, "", "%s%sannotations: must be an object", where, *where ? "." : "");
	json_object_foreach(a, k, v) {
		if (!json_is_string(v))
			return ferr_set(e, "", "%s%sannotations[\"%s\"]: value must be a string", where,
					*where ? "." : "", k);
	}
	*out = json_incref(a);
	return 0;
}

static int parse_platform(const json_t *p, const char *where, struct oci_descriptor *d, struct ferry_err *e)
{
	const char *os, *arch, *variant;
	char pw[96];

	snprintf(pw, sizeof(pw), "%s.platform", where);
	if (!json_is_object(p))
		return ferr_set(e, "", "%s: must be an object", pw);
	if (opt_string(p, "os", pw, &os, e) < 0 || opt_string(p, "architecture", pw, &arch, e) < 0 ||
	    opt_string(p, "variant", pw, &variant, e) < 0)
		return -1;
	if (!os || !arch)
		return ferr_set(e, "", "%s: os and architecture are required", pw);
	d->platform_os = xstrdup(os);
	d->platform_arch = xstrdup(arch);
	d->platform_variant = dup_or_null(variant);
	return 0;
}

static int parse_descriptor(const json_t *j, const char *where, bool with_platform,
			    struct oci_descriptor *d, struct ferry_err *e)
{
	const char *mt, *digest, *artifact_type;
	json_t *size, *platform;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(j))
		return ferr_set(e, "", "%s: descriptor must be an object", where);
	if (opt_string(j, "mediaType", where, &mt, e) < 0 || opt_string(j, "digest", where, &digest, e) < 0 ||
	    opt_string(j, "artifactType", where, &artifact_type, e) < 0)
		return -1;
	if (!mt || !*mt)
		return ferr_set(e, "", "%s.mediaType: missing", where);
	if (!digest)
		return ferr_set(e, "", "%s.digest: missing", where);
	if (!digest_is_valid(digest))
		return ferr_set(e, "", "%s.digest: unsupported or malformed digest '%.80s' (ferry accepts "
				"sha256:<64 lowercase hex> only)", where, digest);
	size = json_object_get(j, "size");
	if (!size)
		return ferr_set(e, "", "%s.size: missing", where);
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return ferr_set(e, "", "%s.size: must be a non-negative integer", where);
	d->size = json_integer_value(size);
	d->media_type = xstrdup(mt);
	d->digest = xstrdup(digest);
	d->artifact_type = dup_or_null(artifact_type);
	if (parse_annotations(j, where, &d->annotations, e) < 0)
		goto fail;
	platform = json_object_get(j, "platform");
	if (with_platform && platform && !json_is_null(platform) && parse_platform(platform, where, d, e) < 0)
		goto fail;
	return 0;
fail:
	oci_descriptor_free(d);
	return -1;
}

static int parse_descriptor_array(const json_t *doc, const char *key, size_t limit, bool with_platform,
				  struct oci_descriptor **out, size_t *n, struct ferry_err *e)
{
	json_t *arr = json_object_get(doc, key);
	size_t count;

	*out = NULL;
	*n = 0;
	if (!arr)
		return ferr_set(e, "", "%s: missing", key);
	if (!json_is_array(arr))
		return ferr_set(e, "", "%s: must be an array", key);
	count = json_array_size(arr);
	if (count > limit)
		return ferr_set(e, "", "%s: %zu entries exceed the limit of %zu", key, count, limit);
	if (count == 0)
		return 0;
	*out = xcalloc(count, sizeof(**out));
	for (size_t i = 0; i < count; i++) {
		char where[64];

		snprintf(where, sizeof(where), "%s[%zu]", key, i);
		if (parse_descriptor(json_array_get(arr, i), where, with_platform, &(*out)[i], e) < 0) {
			for (size_t k = 0; k < i; k++)
				oci_descriptor_free(&(*out)[k]);
			free(*out);
			*out = NULL;
			return -1;
		}
		*n = i + 1;
	}
	return 0;
}

static int kind_of(const char *mt, const json_t *doc, enum doc_kind *kind, struct ferry_err *e)
{
	if (mt) {
		if (!strcmp(mt, OCI_MT_MANIFEST) || !strcmp(mt, DOCKER_MT_MANIFEST))
			*kind = KIND_MANIFEST;
		else if (!strcmp(mt, OCI_MT_INDEX) || !strcmp(mt, DOCKER_MT_LIST))
			*kind = KIND_INDEX;
		else if (!strcmp(mt, OCI_MT_ARTIFACT))
			*kind = KIND_ARTIFACT;
		else if (!strcmp(mt, DOCKER_MT_SCHEMA1) || !strcmp(mt, DOCKER_MT_SCHEMA1_SIGNED))
			return ferr_set(e, "", "Docker image manifest schema 1 (%s) is not supported: "
					"push the artifact again with a current client (schema 2 or OCI)", mt);
		else
			return ferr_set(e, "", "unsupported manifest media type '%.200s'", mt);
		return 0;
	}
	/* OCI allows documents without mediaType: tell them apart by shape. */
	if (json_object_get(doc, "manifests"))
		*kind = KIND_INDEX;
	else if (json_object_get(doc, "config") || json_object_get(doc, "layers"))
		*kind = KIND_MANIFEST;
	else
		return ferr_set(e, "", "document has no mediaType and is neither a manifest nor an index");
	return 0;
}

static int parse_doc(const json_t *doc, const char *content_type, struct oci_manifest *m, struct ferry_err *e)
{
	const char *mt, *artifact_type;
	json_t *schema, *subject, *config;
	enum doc_kind kind;

	if (!json_is_object(doc))
		return ferr_set(e, "", "manifest must be a JSON object");
	schema = json_object_get(doc, "schemaVersion");
	if (json_is_integer(schema) && json_integer_value(schema) == 1)
		return ferr_set(e, "", "Docker image manifest schema 1 is not supported: "
				"push the artifact again with a current client (schema 2 or OCI)");
	if (opt_string(doc, "mediaType", "", &mt, e) < 0)
		return -1;
	if (!mt && content_type && *content_type && strcmp(content_type, "application/json") != 0)
		mt = content_type;
	if (kind_of(mt, doc, &kind, e) < 0)
		return -1;
	if (kind != KIND_ARTIFACT && (!json_is_integer(schema) || json_integer_value(schema) != 2))
		return ferr_set(e, "", "schemaVersion: must be 2");
	if (opt_string(doc, "artifactType", "", &artifact_type, e) < 0)
		return -1;

	m->media_type = xstrdup(mt ? mt : kind == KIND_INDEX ? OCI_MT_INDEX : OCI_MT_MANIFEST);
	m->is_index = kind == KIND_INDEX;
	m->artifact_type = dup_or_null(artifact_type);
	if (parse_annotations(doc, "", &m->annotations, e) < 0)
		return -1;

	switch (kind) {
	case KIND_INDEX:
		if (parse_descriptor_array(doc, "manifests", LIMIT_INDEX_MANIFESTS, true, &m->manifests,
					   &m->n_manifests, e) < 0)
			return -1;
		break;
	case KIND_MANIFEST:
		config = json_object_get(doc, "config");
		if (!config)
			return ferr_set(e, "", "config: missing");
		if (parse_descriptor(config, "config", false, &m->config, e) < 0)
			return -1;
		if (parse_descriptor_array(doc, "layers", LIMIT_MANIFEST_LAYERS, false, &m->layers, &m->n_layers,
					   e) < 0)
			return -1;
		break;
	case KIND_ARTIFACT:
		if (json_object_get(doc, "blobs") &&
		    parse_descriptor_array(doc, "blobs", LIMIT_MANIFEST_LAYERS, false, &m->layers, &m->n_layers,
					   e) < 0)
			return -1;
		break;
	}

	subject = json_object_get(doc, "subject");
	if (subject && !json_is_null(subject)) {
		m->subject = xcalloc(1, sizeof(*m->subject));
		if (parse_descriptor(subject, "subject", false, m->subject, e) < 0) {
			free(m->subject);
			m->subject = NULL;
			return -1;
		}
	}
	return 0;
}

int oci_manifest_parse(const void *data, size_t len, const char *content_type, struct oci_manifest *out,
		       struct ferry_err *e)
{
	json_t *doc;
	int r;

	memset(out, 0, sizeof(*out));
	if (len > LIMIT_MANIFEST_BYTES)
		return ferr_set(e, "", "manifest of %zu bytes exceeds the limit of %llu bytes", len,
				(unsigned long long)LIMIT_MANIFEST_BYTES);
	doc = fjson_parse(data, len, "invalid manifest JSON", e);
	if (!doc)
		return -1;
	r = parse_doc(doc, content_type, out, e);
	json_decref(doc);
	if (r < 0)
		oci_manifest_free(out);
	return r;
}
