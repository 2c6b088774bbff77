/*
 * http.h - one HTTP exchange over the registry client's libcurl easy handle.
 *
 * Internal to oci. One handle per client (connections are reused), https only
 * unless insecure, redirects followed here, hop by hop, so that the
 * Authorization header goes only to the origin it was issued for. Headers and
 * bodies are bounded; a 2xx body goes to the caller's sink (memory or fd,
 * optionally hashed), any other body is kept, truncated, for error messages.
 * No authentication or retry logic lives here (see request.c).
 */
#ifndef FERRY_OCI_HTTP_H
#define FERRY_OCI_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "oci/transport.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/err.h"

struct oci_http;

struct oci_http_opts {
	bool insecure;              /* allow http:// */
	const char *user_agent;
	const struct oci_tls *tls;  /* may be NULL */
	const struct oci_proxy *proxy;
	int64_t timeout_ms;
};

struct oci_http_req {
	const char *method;         /* GET, HEAD or POST */
	const char *url;
	const char *accept;         /* NULL: none */
	const char *authorization;  /* header value, sent only to auth_origin */
	const char *auth_origin;    /* "scheme://host:port" (oci_url_origin) */
	const char *form;           /* POST body, application/x-www-form-urlencoded; may hold
	                             * credentials: a 307/308 to another origin is refused */
	const void *data;           /* or a raw POST body of data_len bytes (may hold NULs), */
	size_t data_len;
	const char *content_type;   /* sent as Content-Type with data */
	bool stream;                /* blob: stall timeout instead of a total deadline */
	int64_t deadline_ms;        /* monotonic ms; small requests */
	struct buf *body;           /* 2xx body sink (bounded by its max), or */
	int fd;                     /* 2xx body written here from offset 0 (-1: none) */
	int64_t max_bytes;          /* cap on the fd sink */
	struct sha256_stream *hash; /* updated with the 2xx body, may be NULL */
};

struct oci_http_resp {
	long status;
	char *url;                  /* the URL that answered (after redirects) */
	char *content_type;         /* without parameters */
	char *docker_digest;        /* Docker-Content-Digest */
	char *www_authenticate;
	char *link;
	char *retry_after;
	char *filters_applied;      /* OCI-Filters-Applied */
	int64_t content_length;     /* -1 when absent */
	int64_t body_bytes;         /* 2xx body bytes delivered to the sink */
	bool body_too_large;
	struct buf error_body;      /* non-2xx body, truncated to LIMIT_HTTP_ERROR_BODY_BYTES */
};

int oci_http_new(const struct oci_http_opts *opts, struct oci_http **out, struct ferry_err *e);
void oci_http_free(struct oci_http *h);

/* Perform the request, following redirects (at most LIMIT_REDIRECTS, https
 * only unless insecure). Returns 0 when a final response arrived, whatever
 * its status; -1 on a transport failure ("<METHOD> <url>: <why>", transient
 * set when retrying may help) or a body over its limit. */
int oci_http_do(struct oci_http *h, const struct oci_http_req *req, struct oci_http_resp *resp,
		struct ferry_err *e);
void oci_http_resp_free(struct oci_http_resp *r);

#endif
