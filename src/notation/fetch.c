/* fetch.c - HTTP GET/POST for OCSP and CRL checks over oci_http (same proxy
 * settings as the registry requests, http:// only, own deadlines). */
#include "notation/fetch.h"

#include <strings.h>

#include "oci/http.h"
#include "oci/transport.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/timeutil.h"

#define REASON "VerificationError"

struct nv_fetch {
	struct oci_http *http;
};

int nv_fetch_new(const struct oci_proxy *proxy, struct nv_fetch **out, struct ferry_err *e)
{
	struct oci_http_opts o = {
		.insecure = true, /* OCSP and CRL locations are http:// */
		.user_agent = "ferry/" PACKAGE_VERSION,
		.tls = NULL,
		.proxy = proxy,
		.timeout_ms = LIMIT_CRL_TIMEOUT_MS,
	};
	struct nv_fetch *f = xcalloc(1, sizeof(*f));

	*out = NULL;
	if (oci_http_new(&o, &f->http, e) < 0) {
		free(f);
		return -1;
	}
	*out = f;
	return 0;
}

void nv_fetch_free(struct nv_fetch *f)
{
	if (!f)
		return;
	oci_http_free(f->http);
	free(f);
}

int nv_fetch_do(struct nv_fetch *f, const char *url, const char *content_type, const void *data, size_t len,
		int64_t timeout_ms, struct buf *body, struct ferry_err *e)
{
	struct oci_http_req req = {
		.method = data ? "POST" : "GET",
		.url = url,
		.data = data,
		.data_len = len,
		.content_type = content_type,
		.deadline_ms = ftime_mono_ms() + timeout_ms,
		.body = body,
		.fd = -1,
	};
	struct oci_http_resp resp;
	int rc = -1;

	if (strncasecmp(url, "http://", 7) != 0) {
		const char *colon = strchr(url, ':');
		return ferr_set(e, REASON, "unsupported scheme: %.*s", colon ? (int)(colon - url) : 0, url);
	}
	buf_reset(body);
	if (oci_http_do(f->http, &req, &resp, e) < 0)
		goto out;
	if (resp.status != 200) {
		ferr_set(e, REASON, "response had status code %ld", resp.status);
		goto out;
	}
	rc = 0;
out:
	oci_http_resp_free(&resp);
	return rc;
}
