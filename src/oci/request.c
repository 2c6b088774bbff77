/*
 * request.c - the request engine: registry authorization, one
 * re-authentication per call, retries with backoff, deadlines, and error
 * messages built from registry error bodies.
 */
#include "oci/internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/timeutil.h"

#define ERRORS_SHOWN      4
#define ERROR_TEXT_CHARS  300

bool oci_status_retryable(long status)
{
	if (status == 408 || status == 429)
		return true;
	return status >= 500 && status <= 599 && status != 501 && status != 505;
}

int64_t oci_backoff_ms(int attempt)
{
	int64_t d = LIMIT_RETRY_BASE_MS;
	uint32_t r;

	for (int i = 1; i < attempt && d < LIMIT_RETRY_MAX_MS; i++)
		d *= 2;
	if (d > LIMIT_RETRY_MAX_MS)
		d = LIMIT_RETRY_MAX_MS;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)ftime_mono_ms() * 2654435761u;
	return d / 2 + (int64_t)(r % (uint32_t)(d / 2 + 1));
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Printable, single-line, bounded copy of registry-supplied text. */
static void append_clean(struct buf *b, const char *s)
{
	size_t n = 0;

	for (; *s && n < ERROR_TEXT_CHARS; s++, n++) {
		unsigned char ch = (unsigned char)*s;

		buf_append(b, ch < 0x20 || ch == 0x7f ? " " : s, 1);
	}
	if (*s)
		buf_append_str(b, "...");
}

static json_t *error_list(const struct oci_http_resp *resp)
{
	struct ferry_err ignored;
	json_t *doc, *errors;

	if (!resp->error_body.len || resp->error_body.data[0] != '{')
		return NULL;
	ferr_clear(&ignored);
	doc = fjson_parse_lax(resp->error_body.data, resp->error_body.len, "error body", &ignored);
	if (!doc)
		return NULL;
	errors = json_object_get(doc, "errors");
	if (!json_is_array(errors) || !json_array_size(errors)) {
		json_decref(doc);
		return NULL;
	}
	json_incref(errors);
	json_decref(doc);
	return errors;
}

bool oci_error_has_code(const struct oci_http_resp *resp, const char *code)
{
	json_t *errors = error_list(resp), *v;
	bool found = false;
	size_t i;

	json_array_foreach(errors, i, v) {
		if (str_eq(fjson_str(v, "code"), code))
			found = true;
	}
	json_decref(errors);
	return found;
}

int oci_status_error(const char *method, const struct oci_http_resp *resp, struct ferry_err *e)
{
	_cleanup_free_ char *shown = oci_url_redact(resp->url ? resp->url : "");
	struct buf text = BUF_INIT(0);
	json_t *errors = error_list(resp), *v;
	size_t i, shown_n = 0;

	json_array_foreach(errors, i, v) {
		const char *code = fjson_str(v, "code"), *message = fjson_str(v, "message");

		if (!code && !message)
			continue;
		if (shown_n == ERRORS_SHOWN) {
			buf_append_str(&text, "; ...");
			break;
		}
		if (shown_n++)
			buf_append_str(&text, "; ");
		append_clean(&text, code ? code : "UNKNOWN");
		if (message && *message) {
			buf_append_str(&text, ": ");
			append_clean(&text, message);
		}
	}
	json_decref(errors);
	if (!text.len)
		buf_printf(&text, "unexpected status code %ld %s", resp->status, oci_status_text(resp->status));
	ferr_set(e, "", "%s %s: %s", method, shown, buf_cstr(&text));
	while (e->msg[0] && e->msg[strlen(e->msg) - 1] == ' ')
		e->msg[strlen(e->msg) - 1] = '\0';
	e->http_status = (int)resp->status;
	e->transient = oci_status_retryable(resp->status);
	buf_free(&text);
	return -1;
}

static int64_t retry_delay(const struct oci_http_resp *resp, int attempt)
{
	int64_t d;

	if (resp && resp->retry_after && oci_retry_after_parse(resp->retry_after, ftime_now(), &d) == 0)
		return d > LIMIT_RETRY_AFTER_MAX_MS ? LIMIT_RETRY_AFTER_MAX_MS : d;
	return oci_backoff_ms(attempt);
}

/* Wait before the next attempt if the deadline allows it. */
static bool may_retry(const struct oci_call *call, int64_t deadline, int attempt, int64_t delay)
{
	if (attempt >= LIMIT_RETRY_ATTEMPTS)
		return false;
	if (!call->stream && ftime_mono_ms() + delay >= deadline)
		return false;
	sleep_ms(delay);
	return true;
}

static int reset_sinks(const struct oci_call *call, struct ferry_err *e)
{
	if (call->body)
		buf_reset(call->body);
	if (call->fd >= 0) {
		if (ftruncate(call->fd, 0) < 0 || lseek(call->fd, 0, SEEK_SET) < 0)
			return ferr_set(e, "", "cannot reset the download file: %s", strerror(errno));
	}
	return 0;
}

int oci_call_do(struct oci_client *c, const struct oci_call *call, struct oci_http_resp *resp,
		struct ferry_err *e)
{
	int64_t timeout = c->timeout_ms > 0 ? c->timeout_ms : LIMIT_DEFAULT_TIMEOUT_MS;
	int64_t deadline = call->deadline_ms ? call->deadline_ms : ftime_mono_ms() + timeout;
	/* a call without a token may fetch one and refresh it once; with one, refresh once */
	int reauth_budget = c->authorization ? 1 : 2;
	bool retried = false;
	int attempt = 1;

	memset(resp, 0, sizeof(*resp));
	for (;;) {
		struct oci_http_req req = {
			.method = call->method,
			.url = call->url,
			.accept = call->accept,
			.form = call->form,
			.stream = call->stream,
			.deadline_ms = deadline,
			.body = call->body,
			.fd = call->fd,
			.max_bytes = call->max_bytes,
			.hash = call->hash,
		};
		int64_t delay;

		if (call->token_request) {
			req.authorization = call->authorization;
			req.auth_origin = call->auth_origin;
		} else {
			if (c->authorization && c->auth_expires_ms && ftime_mono_ms() >= c->auth_expires_ms) {
				free(c->authorization);
				c->authorization = NULL;
			}
			req.authorization = c->authorization;
			req.auth_origin = c->origin;
		}
		if (retried && call->hash) {
			char discard[DIGEST_HEX_LEN + 1];

			sha256_stream_final_hex(call->hash, discard);
			sha256_stream_init(call->hash);
		}
		if (reset_sinks(call, e) < 0)
			return -1;
		retried = true;
		oci_http_resp_free(resp);
		ferr_clear(e);
		if (oci_http_do(c->http, &req, resp, e) < 0) {
			if (!e->transient || !may_retry(call, deadline, attempt, oci_backoff_ms(attempt)))
				return -1;
			log_debug("%s; retrying (attempt %d of %d)", e->msg, attempt + 1, LIMIT_RETRY_ATTEMPTS);
			attempt++;
			continue;
		}
		if (resp->status == 401 && !call->token_request && reauth_budget > 0 && resp->www_authenticate) {
			char *origin = oci_url_origin(resp->url);
			bool ours = origin && !strcmp(origin, c->origin);
			int r;

			free(origin);
			if (ours) {
				reauth_budget--;
				r = oci_auth_challenge(c, resp->www_authenticate, deadline, e);
				if (r < 0)
					return -1;
				if (r > 0)
					continue;
			}
			return 0;
		}
		if (oci_status_retryable(resp->status)) {
			delay = retry_delay(resp, attempt);
			if (!may_retry(call, deadline, attempt, delay))
				return 0;
			if (log_max_priority() >= LOG_DEBUG) {
				_cleanup_free_ char *shown = oci_url_redact(resp->url);

				log_debug("%s %s: status %ld; retrying in %lldms (attempt %d of %d)", call->method,
					  shown, resp->status, (long long)delay, attempt + 1, LIMIT_RETRY_ATTEMPTS);
			}
			attempt++;
			continue;
		}
		if (resp->status >= 200 && resp->status < 300 && call->expect_size >= 0 &&
		    resp->body_bytes < call->expect_size && strcmp(call->method, "HEAD") != 0) {
			_cleanup_free_ char *shown = oci_url_redact(resp->url);

			ferr_set(e, "", "%s %s: truncated body: got %lld of %lld bytes", call->method, shown,
				 (long long)resp->body_bytes, (long long)call->expect_size);
			e->transient = true;
			e->http_status = (int)resp->status;
			if (!may_retry(call, deadline, attempt, oci_backoff_ms(attempt)))
				return -1;
			attempt++;
			continue;
		}
		return 0;
	}
}
