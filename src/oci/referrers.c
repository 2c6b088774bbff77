/*
 * referrers.c - the referrers of a manifest with a given artifactType: the
 * OCI 1.1 Referrers API (server-side filtering when the registry says it
 * applied it, client-side otherwise; Link pagination), and the referrers tag
 * schema "sha256-<hex>" when the API is absent, as oras-go does it.
 */
#include "oci/internal.h"

#include <string.h>
#include <strings.h>

#include "util/digest.h"
#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"

#define FILTERS_APPLIED_ANNOTATION "org.opencontainers.referrers.filtersApplied"

struct list {
	struct oci_descriptor *d;
	size_t n;
};

static bool lists_artifact_type(const char *csv)
{
	const char *p = csv;

	while (p && *p) {
		size_t len;

		while (*p == ' ' || *p == ',')
			p++;
		len = strcspn(p, ",");
		while (len && p[len - 1] == ' ')
			len--;
		if (len == 12 && !strncmp(p, "artifactType", 12))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

static int add_entries(struct list *l, const struct oci_manifest *idx, const char *artifact_type, bool filtered,
		       struct ferry_err *e)
{
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const struct oci_descriptor *d = &idx->manifests[i];

		if (artifact_type && !filtered && !str_eq(d->artifact_type, artifact_type))
			continue;
		if (l->n >= LIMIT_INDEX_MANIFESTS)
			return ferr_set(e, "", "more than %d referrers", LIMIT_INDEX_MANIFESTS);
		l->d = xrealloc(l->d, (l->n + 1) * sizeof(*l->d));
		oci_descriptor_copy(&l->d[l->n++], d);
	}
	return 0;
}

static int parse_index(const struct buf *body, const char *content_type, const char *what,
		       struct oci_manifest *idx, struct ferry_err *e)
{
	if (oci_manifest_parse(body->data, body->len, content_type, idx, e) < 0)
		return ferr_prefix(e, "%s", what);
	if (!idx->is_index) {
		oci_manifest_free(idx);
		return ferr_set(e, "", "%s: not an image index (%s)", what, str_or(idx->media_type, "no media type"));
	}
	return 0;
}

/* Referrers tag schema: GET manifests/sha256-<hex>; 404 means no referrers. */
static int by_tag_schema(struct oci_client *c, const char *digest, const char *artifact_type, struct list *l,
			 struct ferry_err *e)
{
	_cleanup_free_ char *tag = xasprintf("sha256-%s", digest_hex(digest));
	_cleanup_free_ char *url = oci_client_url(c, "manifests/%s", tag);
	_cleanup_free_ char *shown = oci_url_redact(url);
	_cleanup_free_ char *what = xasprintf("GET %s", shown);
	struct buf body;
	struct oci_manifest idx;
	char *ctype = NULL;
	int r;

	r = oci_get_manifest_by_tag(c, tag, LIMIT_MANIFEST_BYTES, &body, &ctype, e);
	if (r == 1) {
		log_debug("%s: no referrers tag %s", c->name, tag);
		buf_free(&body);
		return 0;
	}
	if (r < 0)
		return -1;
	r = parse_index(&body, ctype, what, &idx, e);
	buf_free(&body);
	free(ctype);
	if (r < 0)
		return -1;
	r = add_entries(l, &idx, artifact_type, false, e);
	oci_manifest_free(&idx);
	return r;
}

/* 1: answered by the API; 0: the API is absent (fall back); -1: error. */
static int by_api(struct oci_client *c, const char *digest, const char *artifact_type, struct list *l,
		  struct ferry_err *e)
{
	struct buf body = BUF_INIT(LIMIT_MANIFEST_BYTES);
	char *url;
	int r = -1;

	if (artifact_type) {
		_cleanup_free_ char *esc = oci_query_escape(artifact_type);

		url = oci_client_url(c, "referrers/%s?artifactType=%s", digest, esc);
	} else {
		url = oci_client_url(c, "referrers/%s", digest);
	}
	for (int page = 1;; page++) {
		struct oci_http_resp resp;
		struct oci_call call = {
			.method = "GET",
			.url = url,
			.accept = OCI_MT_INDEX,
			.body = &body,
			.fd = -1,
			.expect_size = -1,
		};
		struct oci_manifest idx;
		_cleanup_free_ char *shown = NULL;
		_cleanup_free_ char *what = NULL;
		char *next = NULL;
		bool filtered;
		const char *ann;
		int more;

		if (oci_call_do(c, &call, &resp, e) < 0) {
			oci_http_resp_free(&resp);
			goto out;
		}
		shown = oci_url_redact(resp.url);
		what = xasprintf("GET %s", shown);
		if (resp.status == 404 && page == 1 && !oci_error_has_code(&resp, "NAME_UNKNOWN")) {
			oci_http_resp_free(&resp);
			r = 0;
			goto out;
		}
		if (resp.status != 200) {
			oci_status_error("GET", &resp, e);
			oci_http_resp_free(&resp);
			goto out;
		}
		if (!str_eq(resp.content_type, OCI_MT_INDEX)) {
			if (page == 1) {
				log_debug("%s: answered with Content-Type '%s': no Referrers API", what,
					  str_or(resp.content_type, ""));
				oci_http_resp_free(&resp);
				r = 0;
				goto out;
			}
			ferr_set(e, "", "%s: Content-Type '%.100s' is not %s", what, str_or(resp.content_type, ""),
				 OCI_MT_INDEX);
			oci_http_resp_free(&resp);
			goto out;
		}
		if (parse_index(&body, resp.content_type, what, &idx, e) < 0) {
			oci_http_resp_free(&resp);
			goto out;
		}
		ann = idx.annotations ? fjson_str(idx.annotations, FILTERS_APPLIED_ANNOTATION) : NULL;
		filtered = lists_artifact_type(resp.filters_applied) || lists_artifact_type(ann);
		r = add_entries(l, &idx, artifact_type, filtered, e);
		oci_manifest_free(&idx);
		if (r < 0) {
			oci_http_resp_free(&resp);
			goto out;
		}
		r = -1;
		more = oci_next_page(c, &resp, &next, e);
		oci_http_resp_free(&resp);
		if (more < 0)
			goto out;
		if (!more)
			break;
		if (page >= LIMIT_REFERRERS_PAGES) {
			free(next);
			ferr_set(e, "", "%s: the referrers list has more than %d pages", what, LIMIT_REFERRERS_PAGES);
			goto out;
		}
		free(url);
		url = next;
	}
	r = 1;
out:
	buf_free(&body);
	free(url);
	return r;
}

int oci_referrers(struct oci_client *c, const char *digest, const char *artifact_type,
		  struct oci_descriptor **out, size_t *n, struct ferry_err *e)
{
	struct list l = { 0 };
	int r;

	*out = NULL;
	*n = 0;
	if (!digest_is_valid(digest))
		return ferr_set(e, "", "invalid subject digest '%.100s': ferry accepts sha256:<64 lowercase hex> "
				"only", digest ? digest : "");
	r = by_api(c, digest, artifact_type, &l, e);
	if (r == 0) {
		oci_descriptors_free(l.d, l.n);
		l = (struct list){ 0 };
		r = by_tag_schema(c, digest, artifact_type, &l, e);
	}
	if (r < 0) {
		oci_descriptors_free(l.d, l.n);
		return -1;
	}
	*out = l.d;
	*n = l.n;
	return 0;
}
