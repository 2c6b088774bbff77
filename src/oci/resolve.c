/*
 * resolve.c - tag (or digest) to manifest descriptor: HEAD with the manifest
 * and index Accept types and Docker-Content-Digest; GET when HEAD does not
 * give a usable answer, the digest then computed over the exact bytes. A
 * failed HEAD is repeated as GET so the error carries the registry's code
 * (MANIFEST_UNKNOWN, UNAUTHORIZED, ...), as Flux reports it.
 */
#include "oci/internal.h"

#include <ctype.h>
#include <string.h>

#include "util/digest.h"
#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/mem.h"

/* Distribution's tag grammar: [A-Za-z0-9_][A-Za-z0-9._-]{0,127} */
static bool valid_tag(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
			return false;
	return true;
}

static int from_head(const char *ref, const struct oci_http_resp *resp, struct oci_descriptor *out)
{
	const char *digest = resp->docker_digest;

	if (!resp->content_type || !*resp->content_type || resp->content_length < 0)
		return -1;
	if (digest_is_valid(ref)) {
		if (digest && strcmp(digest, ref) != 0)
			return -1;
		digest = ref;
	}
	if (!digest || !digest_is_valid(digest))
		return -1;
	out->media_type = xstrdup(resp->content_type);
	out->digest = xstrdup(digest);
	out->size = resp->content_length;
	return 0;
}

static char *document_media_type(const struct buf *body)
{
	struct ferry_err ignored;
	json_t *doc;
	char *mt = NULL;

	ferr_clear(&ignored);
	doc = fjson_parse_lax(body->data, body->len, "manifest", &ignored);
	if (doc && fjson_str(doc, "mediaType"))
		mt = xstrdup(fjson_str(doc, "mediaType"));
	json_decref(doc);
	return mt;
}

static int by_get(struct oci_client *c, const char *ref, const char *url, struct oci_descriptor *out,
		  struct ferry_err *e)
{
	struct buf body = BUF_INIT(LIMIT_MANIFEST_BYTES);
	struct oci_http_resp resp;
	struct oci_call call = {
		.method = "GET",
		.url = url,
		.accept = OCI_MANIFEST_ACCEPT,
		.body = &body,
		.fd = -1,
		.expect_size = -1,
	};
	char hex[DIGEST_HEX_LEN + 1];
	char *computed = NULL;
	int r = -1;

	if (oci_call_do(c, &call, &resp, e) < 0)
		goto out;
	if (resp.status != 200) {
		oci_status_error("GET", &resp, e);
		goto out;
	}
	sha256_hex(body.data, body.len, hex);
	computed = xasprintf("sha256:%s", hex);
	if (digest_is_valid(ref) && strcmp(ref, computed) != 0) {
		_cleanup_free_ char *shown = oci_url_redact(resp.url);

		ferr_set(e, "", "GET %s: manifest digest mismatch: the body hashes to %s", shown, computed);
		goto out;
	}
	if (resp.docker_digest && digest_is_valid(resp.docker_digest) && strcmp(resp.docker_digest, computed)) {
		_cleanup_free_ char *shown = oci_url_redact(resp.url);

		ferr_set(e, "", "GET %s: Docker-Content-Digest %s does not match the body, which hashes to %s",
			 shown, resp.docker_digest, computed);
		goto out;
	}
	out->media_type = resp.content_type && *resp.content_type && strcmp(resp.content_type, "application/json")
				  ? xstrdup(resp.content_type) : document_media_type(&body);
	if (!out->media_type) {
		_cleanup_free_ char *shown = oci_url_redact(resp.url);

		ferr_set(e, "", "GET %s: the manifest has no media type (no Content-Type, no mediaType)", shown);
		goto out;
	}
	out->digest = computed;
	computed = NULL;
	out->size = (int64_t)body.len;
	r = 0;
out:
	free(computed);
	buf_free(&body);
	oci_http_resp_free(&resp);
	return r;
}

int oci_resolve(struct oci_client *c, const char *ref, struct oci_descriptor *out, struct ferry_err *e)
{
	struct oci_http_resp resp;
	struct oci_call call = {
		.method = "HEAD",
		.accept = OCI_MANIFEST_ACCEPT,
		.fd = -1,
		.expect_size = -1,
	};
	char *url;
	int r;

	memset(out, 0, sizeof(*out));
	if (!ref || (!valid_tag(ref) && !digest_is_valid(ref)))
		return ferr_set(e, "", "invalid reference '%.200s': not a tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}) "
				"nor a sha256 digest", ref ? ref : "");
	url = oci_client_url(c, "manifests/%s", ref);
	call.url = url;
	r = oci_call_do(c, &call, &resp, e);
	if (r == 0) {
		if (resp.status == 200 && from_head(ref, &resp, out) == 0)
			goto out;
		if (oci_status_retryable(resp.status)) {
			r = oci_status_error("HEAD", &resp, e);
			goto out;
		}
	} else {
		goto out;
	}
	oci_descriptor_free(out);
	r = by_get(c, ref, url, out, e);
out:
	if (r < 0)
		oci_descriptor_free(out);
	oci_http_resp_free(&resp);
	free(url);
	return r;
}
