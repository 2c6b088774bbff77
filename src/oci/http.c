/*
 * http.c - the libcurl side of the registry client: handle setup (TLS,
 * proxy, protocols, timeouts), bounded header and body capture, and redirects
 * followed hop by hop with the Authorization header re-decided for each hop.
 */
#include "oci/http.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "oci/httphdr.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/timeutil.h"

struct oci_http {
	CURL *curl;
	struct oci_http_opts opts;
	char *user_agent;
	char errbuf[CURL_ERROR_SIZE];
};

struct xfer {
	const struct oci_http_req *req;
	struct oci_http_resp *resp;
	long status;
	size_t header_bytes;
	bool header_overflow;
	int sink_errno;
	int64_t stall_limit_ms;     /* stream: abort when no byte arrived for this long */
	int64_t last_progress_ms;
	curl_off_t last_dlnow;
	bool stalled;
};

int oci_http_new(const struct oci_http_opts *opts, struct oci_http **out, struct ferry_err *e)
{
	static bool global_done;
	struct oci_http *h;

	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return ferr_set(e, "", "failed to initialise libcurl");
		global_done = true;
	}
	h = xcalloc(1, sizeof(*h));
	h->curl = curl_easy_init();
	if (!h->curl) {
		free(h);
		return ferr_set(e, "", "failed to create a libcurl handle");
	}
	h->opts = *opts;
	h->user_agent = xstrdup(opts->user_agent);
	h->opts.user_agent = h->user_agent;
	*out = h;
	return 0;
}

void oci_http_free(struct oci_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	free(h->user_agent);
	free(h);
}

static void clear_headers(struct oci_http_resp *r)
{
	free(r->content_type);
	free(r->docker_digest);
	free(r->www_authenticate);
	free(r->link);
	free(r->retry_after);
	free(r->filters_applied);
	r->content_type = r->docker_digest = r->www_authenticate = r->link = NULL;
	r->retry_after = r->filters_applied = NULL;
	r->content_length = -1;
}

void oci_http_resp_free(struct oci_http_resp *r)
{
	if (!r)
		return;
	clear_headers(r);
	free(r->url);
	buf_free(&r->error_body);
	memset(r, 0, sizeof(*r));
}

/* Repeated headers (Link, WWW-Authenticate) are joined like a list. */
static void keep_header(char **slot, const char *v, size_t n, bool join)
{
	if (*slot && join) {
		char *j = xasprintf("%s, %.*s", *slot, (int)n, v);

		free(*slot);
		*slot = j;
	} else if (!*slot) {
		*slot = xstrndup(v, n);
	}
}

static bool is_2xx(long status)
{
	return status >= 200 && status < 300;
}

static size_t on_header(char *data, size_t size, size_t nitems, void *userdata)
{
	struct xfer *x = userdata;
	struct oci_http_resp *r = x->resp;
	size_t n = size * nitems, name_len, vlen;
	const char *colon, *v;

	x->header_bytes += n;
	if (x->header_bytes > LIMIT_HTTP_HEADER_BYTES) {
		x->header_overflow = true;
		return 0;
	}
	if (n >= 5 && !strncmp(data, "HTTP/", 5)) {
		const char *sp = memchr(data, ' ', n);

		clear_headers(r);
		x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		return n;
	}
	if (n <= 2 && (data[0] == '\r' || data[0] == '\n')) {
		/* end of headers: refuse a body announced larger than the sink takes */
		if (is_2xx(x->status) && r->content_length >= 0 && strcmp(x->req->method, "HEAD") != 0) {
			int64_t cap = x->req->body ? (int64_t)x->req->body->max : x->req->max_bytes;

			if (cap > 0 && r->content_length > cap) {
				r->body_too_large = true;
				return 0;
			}
		}
		return n;
	}
	colon = memchr(data, ':', n);
	if (!colon)
		return n;
	name_len = (size_t)(colon - data);
	v = colon + 1;
	vlen = n - name_len - 1;
	while (vlen && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
#define IS(hdr) (name_len == sizeof(hdr) - 1 && !strncasecmp(data, hdr, name_len))
	if (IS("Content-Type")) {
		char *raw = xstrndup(v, vlen);

		free(r->content_type);
		r->content_type = oci_media_type_of(raw);
		free(raw);
	} else if (IS("Docker-Content-Digest")) {
		keep_header(&r->docker_digest, v, vlen, false);
	} else if (IS("WWW-Authenticate")) {
		keep_header(&r->www_authenticate, v, vlen, true);
	} else if (IS("Link")) {
		keep_header(&r->link, v, vlen, true);
	} else if (IS("Retry-After")) {
		keep_header(&r->retry_after, v, vlen, false);
	} else if (IS("OCI-Filters-Applied")) {
		keep_header(&r->filters_applied, v, vlen, true);
	} else if (IS("Content-Length")) {
		char *s = xstrndup(v, vlen), *end;
		long long cl;

		errno = 0;
		cl = strtoll(s, &end, 10);
		r->content_length = (!errno && end != s && !*end && cl >= 0) ? cl : -1;
		free(s);
	}
#undef IS
	return n;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct xfer *x = userdata;
	const struct oci_http_req *req = x->req;
	struct oci_http_resp *r = x->resp;
	size_t n = size * nmemb;

	if (!is_2xx(x->status)) {
		size_t room = LIMIT_HTTP_ERROR_BODY_BYTES - r->error_body.len;

		buf_append(&r->error_body, data, n < room ? n : room);
		return n;
	}
	if (req->body) {
		if (buf_append(req->body, data, n) < 0) {
			r->body_too_large = true;
			return 0;
		}
	} else if (req->fd >= 0) {
		if (req->max_bytes > 0 && r->body_bytes + (int64_t)n > req->max_bytes) {
			r->body_too_large = true;
			return 0;
		}
		if (write_all(req->fd, data, n) < 0) {
			x->sink_errno = errno;
			return 0;
		}
	}
	if (req->hash)
		sha256_stream_update(req->hash, data, n);
	r->body_bytes += (int64_t)n;
	return n;
}

/* The longest stall of a download, measured between received bytes (libcurl's
 * low-speed check averages over a window and reacts late to a stalled body). */
static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct xfer *x = userdata;
	int64_t now = ftime_mono_ms();

	if (dlnow != x->last_dlnow) {
		x->last_dlnow = dlnow;
		x->last_progress_ms = now;
		return 0;
	}
	if (now - x->last_progress_ms > x->stall_limit_ms) {
		x->stalled = true;
		return 1;
	}
	return 0;
}

static bool transient_code(CURLcode rc, long os_errno)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	case CURLE_SSL_CONNECT_ERROR:
		return os_errno == ECONNRESET || os_errno == EPIPE;
	default:
		return false;
	}
}

static const char *allowed_protocols(const struct oci_http *h)
{
	return h->opts.insecure ? "http,https" : "https";
}

static struct curl_slist *request_headers(const struct oci_http_req *req, const char *url)
{
	struct curl_slist *l = NULL;

	if (req->accept) {
		char *a = xasprintf("Accept: %s", req->accept);

		l = curl_slist_append(l, a);
		free(a);
	}
	if (req->authorization && req->auth_origin) {
		char *origin = oci_url_origin(url);

		if (origin && !strcmp(origin, req->auth_origin)) {
			char *a = xasprintf("Authorization: %s", req->authorization);

			l = curl_slist_append(l, a);
			explicit_bzero(a, strlen(a));
			free(a);
		}
		free(origin);
	}
	if (req->data && req->content_type) {
		char *ct = xasprintf("Content-Type: %s", req->content_type);

		l = curl_slist_append(l, ct);
		free(ct);
	}
	if (req->form || req->data)
		l = curl_slist_append(l, "Expect:");
	return l;
}

static void setup(struct oci_http *h, const struct oci_http_req *req, const char *method, const char *url,
		  struct curl_slist *headers, struct xfer *x)
{
	CURL *c = h->curl;
	int64_t timeout = h->opts.timeout_ms > 0 ? h->opts.timeout_ms : LIMIT_DEFAULT_TIMEOUT_MS;
	int64_t connect = timeout < LIMIT_CONNECT_TIMEOUT_MS ? timeout : LIMIT_CONNECT_TIMEOUT_MS;

	curl_easy_reset(c);
	h->errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, allowed_protocols(h));
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, allowed_protocols(h));
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)connect);
	if (req->stream) {
		x->stall_limit_ms = timeout;
		x->last_progress_ms = ftime_mono_ms();
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
	} else {
		int64_t left = req->deadline_ms - ftime_mono_ms();

		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(left > 1 ? left : 1));
	}
	if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(method, "POST")) {
		if (req->data) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)req->data_len);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->data);
		} else {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->form ? req->form : "");
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(req->form ? strlen(req->form) : 0));
		}
	}
	if (h->opts.tls) {
		const struct oci_tls *t = h->opts.tls;

		if (t->ca_bundle.len) {
			struct curl_blob ca = { t->ca_bundle.data, t->ca_bundle.len, CURL_BLOB_NOCOPY };

			curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
		}
		if (t->client_cert.len) {
			struct curl_blob cert = { t->client_cert.data, t->client_cert.len, CURL_BLOB_NOCOPY };
			struct curl_blob key = { t->client_key.data, t->client_key.len, CURL_BLOB_NOCOPY };

			curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cert);
			curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
			curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &key);
			curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
		}
	}
	if (h->opts.proxy && h->opts.proxy->url) {
		curl_easy_setopt(c, CURLOPT_PROXY, h->opts.proxy->url);
		curl_easy_setopt(c, CURLOPT_NOPROXY, "");
		if (h->opts.proxy->username)
			curl_easy_setopt(c, CURLOPT_PROXYUSERNAME, h->opts.proxy->username);
		if (h->opts.proxy->password)
			curl_easy_setopt(c, CURLOPT_PROXYPASSWORD, h->opts.proxy->password);
	}
}

static int transport_error(struct oci_http *h, const char *method, const char *url, CURLcode rc,
			   const struct xfer *x, const struct oci_http_req *req, struct ferry_err *e)
{
	_cleanup_free_ char *shown = oci_url_redact(url);
	long os_errno = 0;
	char why[CURL_ERROR_SIZE + 256];
	int64_t timeout = h->opts.timeout_ms > 0 ? h->opts.timeout_ms : LIMIT_DEFAULT_TIMEOUT_MS;

	curl_easy_getinfo(h->curl, CURLINFO_OS_ERRNO, &os_errno);
	if (x->header_overflow) {
		snprintf(why, sizeof(why), "response headers exceed %llu bytes",
			 (unsigned long long)LIMIT_HTTP_HEADER_BYTES);
	} else if (x->resp->body_too_large) {
		snprintf(why, sizeof(why), "response body exceeds the limit of %lld bytes",
			 (long long)(req->body ? (int64_t)req->body->max : req->max_bytes));
	} else if (x->sink_errno) {
		snprintf(why, sizeof(why), "writing the response body failed: %s", strerror(x->sink_errno));
	} else if (x->stalled) {
		char d[32];

		ftime_format_duration(timeout, d, sizeof(d));
		snprintf(why, sizeof(why), "download stalled: no data for %s (spec.timeout)", d);
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		char d[32];

		ftime_format_duration(timeout, d, sizeof(d));
		snprintf(why, sizeof(why), "timeout: no complete response within %s (spec.timeout): %s", d,
			 h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
	} else if (rc == CURLE_UNSUPPORTED_PROTOCOL && !strncasecmp(url, "http://", 7)) {
		snprintf(why, sizeof(why), "plain HTTP is not allowed (set spec.insecure for an HTTP registry)");
	} else {
		const char *text = h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc);

		if (os_errno && !strcasestr(text, strerror((int)os_errno)))
			snprintf(why, sizeof(why), "%s: %s", text, strerror((int)os_errno));
		else
			snprintf(why, sizeof(why), "%s", text);
		if (rc == CURLE_SSL_CONNECT_ERROR && strcasestr(text, "wrong version number"))
			snprintf(why + strlen(why), sizeof(why) - strlen(why),
				 " (the server does not speak TLS: set spec.insecure for a plain HTTP registry)");
	}
	ferr_set(e, "", "%s %s: %s", method, shown, why);
	e->transient = x->stalled || (!x->header_overflow && !x->resp->body_too_large && !x->sink_errno &&
				      transient_code(rc, os_errno));
	return -1;
}

static bool same_origin(const char *a, const char *b)
{
	_cleanup_free_ char *oa = oci_url_origin(a);
	_cleanup_free_ char *ob = oci_url_origin(b);

	return oa && ob && !strcmp(oa, ob);
}

static bool is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

int oci_http_do(struct oci_http *h, const struct oci_http_req *req, struct oci_http_resp *resp,
		struct ferry_err *e)
{
	char *url = xstrdup(req->url);
	const char *method = req->method;
	int r = -1;

	memset(resp, 0, sizeof(*resp));
	resp->content_length = -1;
	buf_init(&resp->error_body, LIMIT_HTTP_ERROR_BODY_BYTES);
	for (int hop = 0;; hop++) {
		struct xfer x = { .req = req, .resp = resp };
		struct curl_slist *headers = request_headers(req, url);
		char *location = NULL;
		CURLcode rc;
		long status = 0;

		resp->status = 0;
		buf_reset(&resp->error_body);
		setup(h, req, method, url, headers, &x);
		rc = curl_easy_perform(h->curl);
		curl_slist_free_all(headers);
		if (rc != CURLE_OK) {
			transport_error(h, method, url, rc, &x, req, e);
			goto out;
		}
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
		resp->status = status;
		if (is_redirect(status))
			curl_easy_getinfo(h->curl, CURLINFO_REDIRECT_URL, &location);
		if (!is_redirect(status) || !location) {
			resp->url = url;
			url = NULL;
			r = 0;
			goto out;
		}
		if (hop >= LIMIT_REDIRECTS) {
			_cleanup_free_ char *shown = oci_url_redact(req->url);

			ferr_set(e, "", "%s %s: stopped after %d redirects", method, shown, LIMIT_REDIRECTS);
			goto out;
		}
		if (strncasecmp(location, "https://", 8) != 0 &&
		    !(h->opts.insecure && !strncasecmp(location, "http://", 7))) {
			_cleanup_free_ char *shown = oci_url_redact(url);
			_cleanup_free_ char *to = oci_url_redact(location);

			ferr_set(e, "", "%s %s: redirect to %s refused: only https:// is allowed%s", method, shown,
				 to, h->opts.insecure ? " (or http:// with spec.insecure)" : "");
			goto out;
		}
		if (status == 303 || ((status == 301 || status == 302) && !strcmp(method, "POST")))
			method = "GET";
		/* 307/308 repeat the body: a form (a token grant with its refresh
		 * token) goes only where its Authorization would go */
		if (!strcmp(method, "POST") && req->form && !same_origin(url, location)) {
			_cleanup_free_ char *shown = oci_url_redact(url);
			_cleanup_free_ char *to = oci_url_redact(location);

			ferr_set(e, "", "%s %s: redirect to %s refused: the form holds credentials and is not sent "
				 "to another origin", method, shown, to);
			goto out;
		}
		free(url);
		url = xstrdup(location);
	}
out:
	if (r < 0 && resp->status)
		e->http_status = (int)resp->status;
	free(url);
	return r;
}
