/*
 * auth.c - the distribution authentication flow after a 401: Basic with the
 * Secret's credentials, or a Bearer token from the challenge's realm (GET with
 * Basic credentials or anonymous; POST refresh_token grant when the Secret
 * holds an identity token). Tokens are kept on the client until they expire
 * or the registry refuses them. As docker and Flux do, Basic credentials go
 * to the realm the registry names; the realm must be https unless insecure.
 */
#include "oci/internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "util/b64.h"
#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/timeutil.h"

#define DEFAULT_TOKEN_LIFETIME_S 60   /* distribution token spec: assume 60s when unset */

static void set_authorization(struct oci_client *c, char *value, int64_t expires_ms)
{
	if (c->authorization) {
		explicit_bzero(c->authorization, strlen(c->authorization));
		free(c->authorization);
	}
	c->authorization = value;
	c->auth_expires_ms = expires_ms;
}

static char *basic_value(const struct oci_creds *cr)
{
	char *pair = xasprintf("%s:%s", cr->username, cr->password ? cr->password : "");
	char *enc = b64_encode_std(pair, strlen(pair));
	char *v = xasprintf("Basic %s", enc);

	explicit_bzero(pair, strlen(pair));
	explicit_bzero(enc, strlen(enc));
	free(pair);
	free(enc);
	return v;
}

static bool token_chars_ok(const char *t)
{
	if (!*t)
		return false;
	for (; *t; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			return false;
	return true;
}

/* Append "&scope=<s>" for every space-separated scope. */
static void append_scopes(struct buf *b, const char *scopes, const char *sep_first)
{
	const char *p = scopes;
	bool first = true;

	while (*p) {
		size_t n;
		char *one, *esc;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (!n)
			break;
		one = xstrndup(p, n);
		esc = oci_query_escape(one);
		buf_printf(b, "%sscope=%s", first ? sep_first : "&", esc);
		first = false;
		free(one);
		free(esc);
		p += n;
	}
}

/* jansson's messages quote the text near the error: in a cut or garbled
 * token response that is the token itself. Say where, never what. */
static json_t *parse_token_json(const struct buf *body, const char *what, struct ferry_err *e)
{
	json_error_t jerr;
	json_t *doc = json_loadb((const char *)body->data, body->len, JSON_DECODE_ANY, &jerr);

	if (!doc) {
		ferr_set(e, "", "%s: the response is not valid JSON (line %d, column %d)", what, jerr.line,
			 jerr.column);
		return NULL;
	}
	if (fjson_depth(doc) > LIMIT_JSON_DEPTH) {
		json_decref(doc);
		ferr_set(e, "", "%s: the response is nested deeper than %d levels", what, LIMIT_JSON_DEPTH);
		return NULL;
	}
	return doc;
}

static int parse_token(struct oci_client *c, struct buf *body, const char *what, struct ferry_err *e)
{
	json_t *doc;
	const char *tok;
	int64_t expires = 0, lifetime_ms, slack;

	doc = parse_token_json(body, what, e);
	if (!doc)
		return -1;
	tok = fjson_str(doc, "token");
	if (!tok || !*tok)
		tok = fjson_str(doc, "access_token");
	if (!tok || !*tok) {
		json_decref(doc);
		return ferr_set(e, "", "%s: the response holds neither 'token' nor 'access_token'", what);
	}
	if (!token_chars_ok(tok)) {
		json_decref(doc);
		return ferr_set(e, "", "%s: the token contains characters not allowed in an HTTP header", what);
	}
	if (fjson_uint(doc, "expires_in", &expires) < 0 || expires == 0)
		expires = DEFAULT_TOKEN_LIFETIME_S;
	if (expires > 24 * 3600)
		expires = 24 * 3600;
	lifetime_ms = expires * 1000;
	slack = lifetime_ms / 10 < 10000 ? lifetime_ms / 10 : 10000;
	set_authorization(c, xasprintf("Bearer %s", tok), ftime_mono_ms() + lifetime_ms - slack);
	json_decref(doc);
	return 0;
}

static int token_exchange(struct oci_client *c, const char *method, const char *url, const char *form,
			  const char *authorization, int64_t deadline, struct oci_http_resp *resp,
			  struct buf *body, struct ferry_err *e)
{
	_cleanup_free_ char *origin = oci_url_origin(url);
	struct oci_call call = {
		.method = method,
		.url = url,
		.accept = "application/json",
		.form = form,
		.body = body,
		.fd = -1,
		.expect_size = -1,
		.token_request = true,
		.authorization = authorization,
		.auth_origin = origin,
		.deadline_ms = deadline,
	};

	return oci_call_do(c, &call, resp, e);
}

static int fetch_token(struct oci_client *c, const struct oci_challenge *ch, int64_t deadline,
		       struct ferry_err *e)
{
	_cleanup_free_ char *default_scope = xasprintf("repository:%s:pull", c->repository);
	const char *scope = ch->scope && *ch->scope ? ch->scope : default_scope;
	struct buf body = BUF_INIT(LIMIT_TOKEN_RESPONSE_BYTES);
	struct buf url = BUF_INIT(0);
	struct oci_http_resp resp;
	char *basic = NULL, *what = NULL;
	const char *method = "GET";
	int r = -1;

	memset(&resp, 0, sizeof(resp));
	if (!ch->realm || !*ch->realm)
		return ferr_set(e, "", "registry %s asked for a bearer token without naming a realm", c->registry);
	if (strncasecmp(ch->realm, "https://", 8) != 0 &&
	    !(c->insecure && !strncasecmp(ch->realm, "http://", 7))) {
		_cleanup_free_ char *shown = oci_url_redact(ch->realm);

		return ferr_set(e, "", "registry %s names the token realm %s: only https:// realms are "
				"allowed%s", c->registry, shown, c->insecure ? " (or http:// with spec.insecure)" : "");
	}
	if (c->has_creds && c->creds.username)
		basic = basic_value(&c->creds);

	if (c->has_creds && c->creds.identity_token) {
		struct buf form = BUF_INIT(0);
		_cleanup_free_ char *tok = oci_query_escape(c->creds.identity_token);
		_cleanup_free_ char *svc = oci_query_escape(ch->service ? ch->service : "");
		_cleanup_free_ char *sc = oci_query_escape(scope);

		buf_printf(&form, "grant_type=refresh_token&service=%s&scope=%s&client_id=ferry&refresh_token=%s",
			   svc, sc, tok);
		explicit_bzero(tok, strlen(tok));
		{
			_cleanup_free_ char *shown = oci_url_redact(ch->realm);

			what = xasprintf("POST %s", shown);
		}
		r = token_exchange(c, "POST", ch->realm, buf_cstr(&form), NULL, deadline, &resp, &body, e);
		explicit_bzero(form.data, form.len);
		buf_free(&form);
		if (r < 0)
			goto out;
		if (resp.status == 200)
			goto parse;
		if (resp.status != 404 && resp.status != 405) {
			oci_status_error("POST", &resp, e);
			r = -1;
			goto out;
		}
		/* not every token server implements the OAuth2 grant: fall back to GET */
		oci_http_resp_free(&resp);
		free(what);
		what = NULL;
	}

	buf_append_str(&url, ch->realm);
	if (ch->service && *ch->service) {
		_cleanup_free_ char *svc = oci_query_escape(ch->service);

		buf_printf(&url, "%sservice=%s", strchr(ch->realm, '?') ? "&" : "?", svc);
		append_scopes(&url, scope, "&");
	} else {
		append_scopes(&url, scope, strchr(ch->realm, '?') ? "&" : "?");
	}
	{
		_cleanup_free_ char *shown = oci_url_redact(buf_cstr(&url));

		what = xasprintf("GET %s", shown);
	}
	r = token_exchange(c, method, buf_cstr(&url), NULL, basic, deadline, &resp, &body, e);
	if (r < 0)
		goto out;
	if (resp.status != 200) {
		oci_status_error(method, &resp, e);
		r = -1;
		goto out;
	}
parse:
	r = parse_token(c, &body, what, e);
out:
	if (r < 0) {
		if (!c->has_creds)
			ferr_prefix(e, "failed to get an anonymous token (no credentials for %s in spec.secretRef)",
				    c->registry);
		else
			ferr_prefix(e, "failed to get a token");
	}
	if (body.data)
		explicit_bzero(body.data, body.len);
	buf_free(&body);
	buf_free(&url);
	oci_http_resp_free(&resp);
	if (basic) {
		explicit_bzero(basic, strlen(basic));
		free(basic);
	}
	free(what);
	return r;
}

int oci_auth_challenge(struct oci_client *c, const char *www_authenticate, int64_t deadline_ms,
		       struct ferry_err *e)
{
	struct oci_challenge ch;
	int r = 0;

	if (oci_challenge_parse(www_authenticate, &ch) < 0)
		return 0;
	if (ch.scheme == OCI_AUTH_BASIC) {
		char *v;

		if (c->has_creds && c->creds.username) {
			v = basic_value(&c->creds);
			if (c->authorization && !strcmp(c->authorization, v)) {
				explicit_bzero(v, strlen(v));
				free(v);
			} else {
				set_authorization(c, v, 0);
				r = 1;
			}
		}
	} else if (c->has_creds && c->creds.registry_token) {
		char *v = xasprintf("Bearer %s", c->creds.registry_token);

		if (c->authorization && !strcmp(c->authorization, v)) {
			explicit_bzero(v, strlen(v));
			free(v);
		} else {
			set_authorization(c, v, 0);
			r = 1;
		}
	} else {
		r = fetch_token(c, &ch, deadline_ms, e) < 0 ? -1 : 1;
	}
	oci_challenge_free(&ch);
	return r;
}
