/*
 * tags.c - GET /tags/list, following Link pagination within the registry's
 * origin, bounded by LIMIT_TAG_LIST_BYTES per page, LIMIT_TAG_LIST_PAGES and
 * LIMIT_TAGS_TOTAL.
 */
#include "oci/internal.h"

#include <string.h>

#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"

int oci_next_page(const struct oci_client *c, const struct oci_http_resp *resp, char **next, struct ferry_err *e)
{
	_cleanup_free_ char *shown = oci_url_redact(resp->url);
	char *target = NULL, *abs, *origin;
	int r;

	*next = NULL;
	if (!resp->link)
		return 0;
	r = oci_link_next(resp->link, &target);
	if (r < 0)
		return ferr_set(e, "", "GET %s: malformed Link header", shown);
	if (r == 0)
		return 0;
	abs = oci_url_resolve(resp->url, target);
	free(target);
	origin = abs ? oci_url_origin(abs) : NULL;
	if (!origin || strcmp(origin, c->origin) != 0) {
		free(abs);
		free(origin);
		return ferr_set(e, "", "GET %s: the Link header points to another host; ferry follows "
				"pagination only within %s", shown, c->registry);
	}
	free(origin);
	*next = abs;
	return 1;
}

static int add_page(const struct buf *body, const char *url, char ***tags, size_t *n, size_t *cap,
		    struct ferry_err *e)
{
	_cleanup_free_ char *shown = oci_url_redact(url);
	json_t *doc, *list, *v;
	size_t i;

	doc = fjson_parse_lax(body->data, body->len, "tag list", e);
	if (!doc)
		return ferr_prefix(e, "GET %s", shown);
	list = json_object_get(doc, "tags");
	if (!json_is_object(doc) || (list && !json_is_null(list) && !json_is_array(list))) {
		json_decref(doc);
		return ferr_set(e, "", "GET %s: the tag list is not {\"tags\": [...]}", shown);
	}
	json_array_foreach(list, i, v) {
		if (!json_is_string(v)) {
			json_decref(doc);
			return ferr_set(e, "", "GET %s: tags[%zu] is not a string", shown, i);
		}
		if (*n >= LIMIT_TAGS_TOTAL) {
			json_decref(doc);
			return ferr_set(e, "", "GET %s: the repository has more than %d tags", shown, LIMIT_TAGS_TOTAL);
		}
		if (*n + 1 >= *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*tags = xrealloc(*tags, *cap * sizeof(**tags));
		}
		(*tags)[(*n)++] = xstrdup(json_string_value(v));
		(*tags)[*n] = NULL;
	}
	json_decref(doc);
	return 0;
}

int oci_list_tags(struct oci_client *c, char ***tags, size_t *n, struct ferry_err *e)
{
	struct buf body = BUF_INIT(LIMIT_TAG_LIST_BYTES);
	char *url = oci_client_url(c, "tags/list");
	size_t cap = 0;
	int r = -1;

	*tags = xcalloc(1, sizeof(char *));
	cap = 1;
	*n = 0;
	for (int page = 1;; page++) {
		struct oci_http_resp resp;
		struct oci_call call = {
			.method = "GET",
			.url = url,
			.accept = "application/json",
			.body = &body,
			.fd = -1,
			.expect_size = -1,
		};
		char *next = NULL;
		int more;

		if (oci_call_do(c, &call, &resp, e) < 0) {
			oci_http_resp_free(&resp);
			goto out;
		}
		if (resp.status != 200) {
			oci_status_error("GET", &resp, e);
			oci_http_resp_free(&resp);
			goto out;
		}
		if (add_page(&body, resp.url, tags, n, &cap, e) < 0) {
			oci_http_resp_free(&resp);
			goto out;
		}
		more = oci_next_page(c, &resp, &next, e);
		oci_http_resp_free(&resp);
		if (more < 0)
			goto out;
		if (!more)
			break;
		if (page >= LIMIT_TAG_LIST_PAGES) {
			_cleanup_free_ char *shown = oci_url_redact(url);

			free(next);
			ferr_set(e, "", "GET %s: the tag list has more than %d pages", shown, LIMIT_TAG_LIST_PAGES);
			goto out;
		}
		free(url);
		url = next;
	}
	log_debug("%s: %zu tags", c->name, *n);
	r = 0;
out:
	if (r < 0) {
		oci_strv_free(*tags);
		*tags = NULL;
		*n = 0;
	}
	buf_free(&body);
	free(url);
	return r;
}
