/*
 * internal.h - the registry client's state and the request engine shared by
 * the operation files (resolve, fetch, tags, referrers).
 *
 * Internal to oci. oci_call_do adds what every registry request needs:
 * the registry's Authorization (only to its own origin), authentication after
 * a 401 (Basic, or a Bearer token from the challenge's realm; a refused token
 * is replaced once, then the 401 stands), retries
 * with exponential backoff and jitter for transport failures, 429 and 5xx
 * (honouring Retry-After), and the spec.timeout deadline.
 */
#ifndef FERRY_OCI_INTERNAL_H
#define FERRY_OCI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "oci/dockercfg.h"
#include "oci/http.h"
#include "oci/httphdr.h"
#include "oci/oci.h"
#include "oci/transport.h"

#define OCI_MANIFEST_ACCEPT \
	OCI_MT_MANIFEST ", " OCI_MT_INDEX ", " DOCKER_MT_MANIFEST ", " DOCKER_MT_LIST

struct oci_client {
	char *registry;         /* host[:port] */
	char *repository;
	char *name;             /* host[:port]/repository */
	char *base_url;         /* scheme://host[:port]/v2/repository */
	char *origin;           /* scheme://host:port, where credentials may go */
	bool insecure;
	int64_t timeout_ms;
	struct oci_http *http;
	struct oci_tls tls;
	struct oci_proxy proxy;
	struct oci_creds creds;
	bool has_creds;
	char *authorization;    /* "Basic ..." / "Bearer ...": registry origin only */
	int64_t auth_expires_ms;/* monotonic; 0 = unknown */
};

struct oci_call {
	const char *method;
	const char *url;
	const char *accept;
	const char *form;           /* POST body */
	bool stream;                /* blob download (stall timeout, no total deadline) */
	struct buf *body;           /* memory sink, or */
	int fd;                     /* file sink (-1 none) */
	int64_t max_bytes;          /* file sink cap */
	int64_t expect_size;        /* known 2xx body size, -1 unknown: a short body is retried */
	struct sha256_stream *hash; /* initialised by the caller, restarted on every retry */
	bool token_request;         /* to a token realm: explicit authorization, no 401 handling */
	const char *authorization;  /* token_request only */
	const char *auth_origin;
	int64_t deadline_ms;        /* 0: now + timeout */
};

/* 0 with the final response (any status: the caller decides what it means),
 * -1 on a transport failure that outlived the retries or a failed token
 * request. Free resp with oci_http_resp_free in both cases. */
int oci_call_do(struct oci_client *c, const struct oci_call *call, struct oci_http_resp *resp,
		struct ferry_err *e);

/* e from a response that is not what the operation wanted:
 * "<METHOD> <url>: CODE: message[; CODE: message]" from the registry's error
 * body, else "<METHOD> <url>: unexpected status code 404 Not Found".
 * Sets e->http_status and e->transient. Returns -1. */
int oci_status_error(const char *method, const struct oci_http_resp *resp, struct ferry_err *e);
/* Does the error body carry this registry error code? */
bool oci_error_has_code(const struct oci_http_resp *resp, const char *code);

/* React to a 401 challenge: sets c->authorization (Basic from credentials,
 * or a Bearer token fetched from the realm). Returns 1 when there is
 * something new to try, 0 when not (no credentials for Basic), -1 on error. */
int oci_auth_challenge(struct oci_client *c, const char *www_authenticate, int64_t deadline_ms,
		       struct ferry_err *e);

/* The next page's absolute URL from resp's Link header (rel="next"), which
 * must stay on the registry's origin: 1 found, 0 none, -1 error. */
int oci_next_page(const struct oci_client *c, const struct oci_http_resp *resp, char **next,
		  struct ferry_err *e);

/* c->base_url + "/" + path (path already escaped). */
char *oci_client_url(const struct oci_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Backoff before retry number `attempt` (1-based): LIMIT_RETRY_BASE_MS
 * doubled per attempt, capped at LIMIT_RETRY_MAX_MS, with jitter in [d/2, d]. */
int64_t oci_backoff_ms(int attempt);
/* Is this status worth another try? (408, 429, 5xx but 501/505) */
bool oci_status_retryable(long status);

#endif
