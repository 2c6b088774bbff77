/*
 * fetch.c - manifests by digest (size-bounded, sha256 over the exact bytes
 * checked) and by tag (the referrers tag schema), and blobs: streamed to a
 * file or read into memory, hashed on the way, digest and size checked.
 */
#include "oci/internal.h"

#include <string.h>

#include "util/digest.h"
#include "util/limits.h"
#include "util/mem.h"

static int get_manifest(struct oci_client *c, const char *ref, bool by_digest, size_t max, struct buf *body,
			char **content_type, struct ferry_err *e)
{
	struct oci_http_resp resp;
	struct oci_call call = {
		.method = "GET",
		.accept = OCI_MANIFEST_ACCEPT,
		.body = body,
		.fd = -1,
		.expect_size = -1,
	};
	_cleanup_free_ char *url = oci_client_url(c, "manifests/%s", ref);
	int r = -1;

	buf_init(body, max ? max : LIMIT_MANIFEST_BYTES);
	if (content_type)
		*content_type = NULL;
	call.url = url;
	if (oci_call_do(c, &call, &resp, e) < 0)
		goto out;
	if (resp.status == 404 && !by_digest) {
		r = 1;
		goto out;
	}
	if (resp.status != 200) {
		oci_status_error("GET", &resp, e);
		goto out;
	}
	if (by_digest) {
		char hex[DIGEST_HEX_LEN + 1];

		sha256_hex(body->data, body->len, hex);
		if (strcmp(hex, digest_hex(ref)) != 0) {
			_cleanup_free_ char *shown = oci_url_redact(resp.url);

			ferr_set(e, "", "GET %s: manifest digest mismatch: the body hashes to sha256:%s", shown, hex);
			goto out;
		}
	}
	if (content_type)
		*content_type = xstrdup(resp.content_type ? resp.content_type : "");
	r = 0;
out:
	if (r != 0)
		buf_free(body);
	oci_http_resp_free(&resp);
	return r;
}

int oci_get_manifest(struct oci_client *c, const char *digest, size_t max, struct buf *body,
		     char **content_type, struct ferry_err *e)
{
	if (!digest_is_valid(digest)) {
		buf_init(body, max);
		if (content_type)
			*content_type = NULL;
		return ferr_set(e, "", "invalid manifest digest '%.100s': ferry accepts sha256:<64 lowercase hex> "
				"only", digest ? digest : "");
	}
	return get_manifest(c, digest, true, max, body, content_type, e);
}

int oci_get_manifest_by_tag(struct oci_client *c, const char *tag, size_t max, struct buf *body,
			    char **content_type, struct ferry_err *e)
{
	return get_manifest(c, tag, false, max, body, content_type, e);
}

/* GET blobs/<digest> into fd or out, checking size and digest. */
static int get_blob(struct oci_client *c, const char *digest, int64_t size, int64_t max, int fd, struct buf *out,
		    struct ferry_err *e)
{
	_cleanup_free_ char *url = NULL;
	struct sha256_stream hash;
	struct oci_http_resp resp;
	struct oci_call call = {
		.method = "GET",
		.stream = fd >= 0,
		.body = out,
		.fd = fd,
		.max_bytes = size >= 0 ? size : max,
		.expect_size = size,
		.hash = &hash,
	};
	char hex[DIGEST_HEX_LEN + 1];
	int r = -1;

	if (!digest_is_valid(digest))
		return ferr_set(e, "", "invalid blob digest '%.100s': ferry accepts sha256:<64 lowercase hex> only",
				digest ? digest : "");
	if (size > max)
		return ferr_set(e, "", "blob %s of %lld bytes exceeds the limit of %lld bytes", digest,
				(long long)size, (long long)max);
	url = oci_client_url(c, "blobs/%s", digest);
	call.url = url;
	sha256_stream_init(&hash);
	r = oci_call_do(c, &call, &resp, e);
	sha256_stream_final_hex(&hash, hex);
	if (r < 0)
		goto out;
	r = -1;
	if (resp.status != 200) {
		oci_status_error("GET", &resp, e);
		goto out;
	}
	if (size >= 0 && resp.body_bytes != size) {
		_cleanup_free_ char *shown = oci_url_redact(url);

		ferr_set(e, "", "GET %s: size mismatch: got %lld bytes, the descriptor says %lld", shown,
			 (long long)resp.body_bytes, (long long)size);
		goto out;
	}
	if (strcmp(hex, digest_hex(digest)) != 0) {
		_cleanup_free_ char *shown = oci_url_redact(url);

		ferr_set(e, "", "GET %s: digest mismatch: the %lld bytes received hash to sha256:%s", shown,
			 (long long)resp.body_bytes, hex);
		goto out;
	}
	r = 0;
out:
	oci_http_resp_free(&resp);
	return r;
}

int oci_get_blob_to_fd(struct oci_client *c, const char *digest, int64_t size, int fd, struct ferry_err *e)
{
	return get_blob(c, digest, size, (int64_t)LIMIT_BLOB_BYTES, fd, NULL, e);
}

int oci_get_blob(struct oci_client *c, const char *digest, int64_t size, size_t max, struct buf *out,
		 struct ferry_err *e)
{
	int r;

	buf_init(out, max);
	r = get_blob(c, digest, size, (int64_t)max, -1, out, e);
	if (r < 0)
		buf_free(out);
	return r;
}
