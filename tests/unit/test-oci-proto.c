/* test-oci-proto.c - the registry protocol pieces that need no network:
 * WWW-Authenticate, Link and Retry-After parsing, URL origin / resolution /
 * redaction, registry error messages, backoff, image pull Secrets and the
 * TLS / proxy Secrets. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/dockercfg.h"
#include "oci/httphdr.h"
#include "oci/internal.h"
#include "oci/transport.h"
#include "util/b64.h"
#include "util/limits.h"
#include "util/mem.h"

/* ---- WWW-Authenticate ---- */

static void test_challenge_bearer(void **state)
{
	struct oci_challenge c;

	assert_int_equal(oci_challenge_parse("Bearer realm=\"https://auth.example.com/token\",service=\"registry."
					     "example.com\",scope=\"repository:org/app:pull\"", &c), 0);
	assert_int_equal(c.scheme, OCI_AUTH_BEARER);
	assert_string_equal(c.realm, "https://auth.example.com/token");
	assert_string_equal(c.service, "registry.example.com");
	assert_string_equal(c.scope, "repository:org/app:pull");
	oci_challenge_free(&c);

	/* case, blanks, unquoted values, escapes, unknown params, error param */
	assert_int_equal(oci_challenge_parse("bearer  Realm = https://a/t , service=\"s\\\"x\", "
					     "error=\"insufficient_scope\",scope=\"repository:a:pull repository:b:pull\"",
					     &c), 0);
	assert_int_equal(c.scheme, OCI_AUTH_BEARER);
	assert_string_equal(c.realm, "https://a/t");
	assert_string_equal(c.service, "s\"x");
	assert_string_equal(c.scope, "repository:a:pull repository:b:pull");
	oci_challenge_free(&c);
}

static void test_challenge_basic_and_multiple(void **state)
{
	struct oci_challenge c;

	assert_int_equal(oci_challenge_parse("Basic realm=\"Registry Realm\"", &c), 0);
	assert_int_equal(c.scheme, OCI_AUTH_BASIC);
	assert_string_equal(c.realm, "Registry Realm");
	assert_null(c.service);
	oci_challenge_free(&c);

	/* an unknown scheme first, then the one ferry speaks */
	assert_int_equal(oci_challenge_parse("Negotiate abc==, Bearer realm=\"https://r/t\",service=\"x\"", &c), 0);
	assert_int_equal(c.scheme, OCI_AUTH_BEARER);
	assert_string_equal(c.realm, "https://r/t");
	assert_string_equal(c.service, "x");
	oci_challenge_free(&c);

	assert_int_equal(oci_challenge_parse("Digest realm=\"x\", nonce=\"y\"", &c), -1);
	assert_int_equal(oci_challenge_parse("", &c), -1);
	assert_int_equal(oci_challenge_parse("Bearer realm=\"unterminated", &c), -1);
	assert_null(c.realm);
}

/* ---- Link ---- */

static void test_link(void **state)
{
	char *t;

	assert_int_equal(oci_link_next("</v2/app/tags/list?last=b&n=2>; rel=\"next\"", &t), 1);
	assert_string_equal(t, "/v2/app/tags/list?last=b&n=2");
	free(t);
	assert_int_equal(oci_link_next("<https://x/prev>; rel=\"prev\", <https://x/next?a=1>; rel=\"next\"", &t), 1);
	assert_string_equal(t, "https://x/next?a=1");
	free(t);
	assert_int_equal(oci_link_next("<https://x/n>; title=\"a,b\"; rel=\"prev next\"", &t), 1);
	assert_string_equal(t, "https://x/n");
	free(t);
	/* a single link without rel counts, as oras-go reads it */
	assert_int_equal(oci_link_next("</v2/r/referrers/sha256:1?n=1&last=x>", &t), 1);
	assert_string_equal(t, "/v2/r/referrers/sha256:1?n=1&last=x");
	free(t);
	assert_int_equal(oci_link_next("<https://x/prev>; rel=\"prev\"", &t), 0);
	assert_null(t);
	assert_int_equal(oci_link_next("", &t), 0);
	assert_int_equal(oci_link_next("https://x/next; rel=next", &t), -1);
	assert_int_equal(oci_link_next("<https://x/next; rel=next", &t), -1);
	assert_int_equal(oci_link_next("<a>; rel=\"next", &t), -1);
}

/* ---- Retry-After ---- */

static void test_retry_after(void **state)
{
	int64_t ms;
	const int64_t now = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */

	assert_int_equal(oci_retry_after_parse("120", now, &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(oci_retry_after_parse(" 0 ", now, &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(oci_retry_after_parse("Sun, 06 Nov 1994 08:49:40 GMT", now, &ms), 0);
	assert_int_equal(ms, 3000);
	assert_int_equal(oci_retry_after_parse("Sunday, 06-Nov-94 08:49:47 GMT", now, &ms), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(oci_retry_after_parse("Sun Nov  6 08:49:57 1994", now, &ms), 0);
	assert_int_equal(ms, 20000);
	assert_int_equal(oci_retry_after_parse("Sun, 06 Nov 1994 08:00:00 GMT", now, &ms), 0);
	assert_int_equal(ms, 0);  /* in the past */
	assert_int_equal(oci_retry_after_parse("-5", now, &ms), -1);
	assert_int_equal(oci_retry_after_parse("5s", now, &ms), -1);
	assert_int_equal(oci_retry_after_parse("soon", now, &ms), -1);
	assert_int_equal(oci_retry_after_parse("99999999999999999999", now, &ms), 0);
	assert_true(ms > 0);
}

static void test_backoff(void **state)
{
	for (int i = 0; i < 20; i++) {
		int64_t d1 = oci_backoff_ms(1), d2 = oci_backoff_ms(2), d9 = oci_backoff_ms(9);

		assert_true(d1 >= LIMIT_RETRY_BASE_MS / 2 && d1 <= LIMIT_RETRY_BASE_MS);
		assert_true(d2 >= LIMIT_RETRY_BASE_MS && d2 <= 2 * LIMIT_RETRY_BASE_MS);
		assert_true(d9 >= LIMIT_RETRY_MAX_MS / 2 && d9 <= LIMIT_RETRY_MAX_MS);
	}
	assert_true(oci_status_retryable(503));
	assert_true(oci_status_retryable(429));
	assert_true(oci_status_retryable(500));
	assert_false(oci_status_retryable(501));
	assert_false(oci_status_retryable(401));
	assert_false(oci_status_retryable(403));
	assert_false(oci_status_retryable(404));
}

/* ---- URLs ---- */

static void test_url_origin_and_resolve(void **state)
{
	char *s;

	s = oci_url_origin("https://Registry.Example.COM/v2/x");
	assert_string_equal(s, "https://registry.example.com:443");
	free(s);
	s = oci_url_origin("http://127.0.0.1:5000/v2/x?y");
	assert_string_equal(s, "http://127.0.0.1:5000");
	free(s);
	s = oci_url_origin("https://user:pw@host:8443/");
	assert_string_equal(s, "https://host:8443");
	free(s);
	assert_null(oci_url_origin("ftp://host/x"));
	assert_null(oci_url_origin("not a url"));

	s = oci_url_resolve("https://r.example/v2/app/tags/list", "/v2/app/tags/list?last=a&n=1");
	assert_string_equal(s, "https://r.example/v2/app/tags/list?last=a&n=1");
	free(s);
	s = oci_url_resolve("https://r.example/v2/app/tags/list", "https://other.example/x");
	assert_string_equal(s, "https://other.example/x");
	free(s);
	s = oci_url_resolve("https://r.example/v2/app/referrers/sha256:1", "?n=2");
	assert_string_equal(s, "https://r.example/v2/app/referrers/sha256:1?n=2");
	free(s);

	s = oci_query_escape("application/vnd.cncf.notary.signature");
	assert_string_equal(s, "application%2Fvnd.cncf.notary.signature");
	free(s);
	s = oci_query_escape("repository:a b:pull~");
	assert_string_equal(s, "repository%3Aa%20b%3Apull~");
	free(s);
}

static void test_url_redact(void **state)
{
	char *s;

	s = oci_url_redact("https://user:secret@registry.example:5000/v2/app/manifests/1.0#frag");
	assert_string_equal(s, "https://registry.example:5000/v2/app/manifests/1.0");
	free(s);
	s = oci_url_redact("https://bucket.s3.example/blob?X-Amz-Credential=AKIA&X-Amz-Signature=abc&n=3");
	assert_string_equal(s, "https://bucket.s3.example/blob?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&n=3");
	free(s);
	s = oci_url_redact("https://auth.example/token?service=reg&scope=repository%3Aa%3Apull&access_token=t0k");
	assert_string_equal(s, "https://auth.example/token?service=reg&scope=repository%3Aa%3Apull&access_token=REDACTED");
	free(s);
	s = oci_url_redact("https://r/v2/a/referrers/sha256:1?artifactType=x%2Fy&sig");
	assert_string_equal(s, "https://r/v2/a/referrers/sha256:1?artifactType=x%2Fy&REDACTED");
	free(s);
	s = oci_url_redact("http://u@h/p@q");
	assert_string_equal(s, "http://h/p@q");
	free(s);
}

/* ---- registry error messages ---- */

static void response(struct oci_http_resp *r, long status, const char *url, const char *body)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
	r->url = xstrdup(url);
	buf_init(&r->error_body, LIMIT_HTTP_ERROR_BODY_BYTES);
	if (body)
		buf_append_str(&r->error_body, body);
}

static void test_status_error(void **state)
{
	struct oci_http_resp r;
	struct ferry_err e;

	ferr_clear(&e);
	response(&r, 404, "https://u:p@r.example/v2/app/manifests/1.0",
		 "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\",\"detail\":{\"Tag\":\"1.0\"}}]}");
	assert_int_equal(oci_status_error("GET", &r, &e), -1);
	assert_string_equal(e.msg, "GET https://r.example/v2/app/manifests/1.0: MANIFEST_UNKNOWN: manifest unknown");
	assert_int_equal(e.http_status, 404);
	assert_false(e.transient);
	assert_true(oci_error_has_code(&r, "MANIFEST_UNKNOWN"));
	assert_false(oci_error_has_code(&r, "NAME_UNKNOWN"));
	oci_http_resp_free(&r);

	response(&r, 404, "https://r.example/v2/app/manifests/1.0", NULL);
	oci_status_error("HEAD", &r, &e);
	assert_string_equal(e.msg, "HEAD https://r.example/v2/app/manifests/1.0: unexpected status code 404 Not Found");
	oci_http_resp_free(&r);

	response(&r, 503, "https://r.example/v2/app/blobs/sha256:1", "<html>busy</html>");
	oci_status_error("GET", &r, &e);
	assert_string_equal(e.msg, "GET https://r.example/v2/app/blobs/sha256:1: unexpected status code 503 "
			    "Service Unavailable");
	assert_true(e.transient);
	assert_int_equal(e.http_status, 503);
	oci_http_resp_free(&r);

	response(&r, 401, "https://r.example/v2/app/tags/list",
		 "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication\\nrequired\"},"
		 "{\"code\":\"DENIED\"}]}");
	oci_status_error("GET", &r, &e);
	assert_string_equal(e.msg, "GET https://r.example/v2/app/tags/list: UNAUTHORIZED: authentication required; DENIED");
	oci_http_resp_free(&r);

	response(&r, 599, "https://r.example/x", "{\"errors\":\"nope\"}");
	oci_status_error("GET", &r, &e);
	assert_string_equal(e.msg, "GET https://r.example/x: unexpected status code 599");
	oci_http_resp_free(&r);
}

/* ---- image pull Secrets ---- */

static struct cfg_secret secret1(const char *type, const char *key, const char *value)
{
	struct cfg_secret s = { 0 };

	s.ns = (char *)"apps";
	s.name = (char *)"regcred";
	s.type = (char *)type;
	s.entries = xcalloc(1, sizeof(*s.entries));
	s.n_entries = 1;
	s.entries[0].key = (char *)key;
	s.entries[0].value = (unsigned char *)xstrdup(value);
	s.entries[0].len = strlen(value);
	return s;
}

static void secret1_free(struct cfg_secret *s)
{
	free(s->entries[0].value);
	free(s->entries);
}

static void test_dockercfg_key_spellings(void **state)
{
	const char *reg = "registry.example.com:5000", *repo = "org/app";

	assert_true(oci_dockercfg_key_matches("registry.example.com:5000", reg, repo));
	assert_true(oci_dockercfg_key_matches("https://registry.example.com:5000", reg, repo));
	assert_true(oci_dockercfg_key_matches("http://registry.example.com:5000", reg, repo));
	assert_true(oci_dockercfg_key_matches("https://registry.example.com:5000/v1/", reg, repo));
	assert_true(oci_dockercfg_key_matches("registry.example.com:5000/v2/", reg, repo));
	assert_true(oci_dockercfg_key_matches("Registry.Example.com:5000/", reg, repo));
	assert_true(oci_dockercfg_key_matches("registry.example.com:5000/org", reg, repo));
	assert_true(oci_dockercfg_key_matches("registry.example.com:5000/v2/org/app", reg, repo));
	assert_true(oci_dockercfg_key_matches("*.example.com:5000", reg, repo));
	/* the port must match, the host must have as many labels, the path is a prefix */
	assert_false(oci_dockercfg_key_matches("registry.example.com", reg, repo));
	assert_false(oci_dockercfg_key_matches("registry.example.com:5001", reg, repo));
	assert_false(oci_dockercfg_key_matches("example.com:5000", reg, repo));
	assert_false(oci_dockercfg_key_matches("*.com:5000", reg, repo));
	assert_false(oci_dockercfg_key_matches("registry.example.com:5000/other", reg, repo));
	assert_false(oci_dockercfg_key_matches("other.example.com:5000", reg, repo));
	/* Docker Hub's names are one registry */
	assert_true(oci_dockercfg_key_matches("https://index.docker.io/v1/", "index.docker.io", "library/x"));
	assert_true(oci_dockercfg_key_matches("docker.io", "index.docker.io", "library/x"));
}

static void test_dockercfg_lookup(void **state)
{
	char *userpass = b64_encode_std("alice:s3cr:et", 13);
	char *json = xasprintf("{\"auths\":{"
			       "\"registry.example.com\":{\"auth\":\"%s\"},"
			       "\"registry.example.com/org\":{\"username\":\"bob\",\"password\":\"pw\"},"
			       "\"https://other.example\":{\"identitytoken\":\"refresh-me\"}}}", userpass);
	struct cfg_secret s = secret1("kubernetes.io/dockerconfigjson", ".dockerconfigjson", json);
	struct oci_creds cr;
	struct ferry_err e;
	bool found;

	ferr_clear(&e);
	/* the most specific key wins */
	assert_int_equal(oci_dockercfg_lookup(&s, "registry.example.com", "org/app", &cr, &found, &e), 0);
	assert_true(found);
	assert_string_equal(cr.username, "bob");
	assert_string_equal(cr.password, "pw");
	assert_string_equal(cr.matched_key, "registry.example.com/org");
	oci_creds_free(&cr);
	/* auth is base64 of user:password, split at the first colon */
	assert_int_equal(oci_dockercfg_lookup(&s, "registry.example.com", "team/app", &cr, &found, &e), 0);
	assert_true(found);
	assert_string_equal(cr.username, "alice");
	assert_string_equal(cr.password, "s3cr:et");
	oci_creds_free(&cr);
	assert_int_equal(oci_dockercfg_lookup(&s, "other.example", "x/y", &cr, &found, &e), 0);
	assert_true(found);
	assert_null(cr.username);
	assert_string_equal(cr.identity_token, "refresh-me");
	oci_creds_free(&cr);
	assert_int_equal(oci_dockercfg_lookup(&s, "unknown.example", "x/y", &cr, &found, &e), 0);
	assert_false(found);
	oci_creds_free(&cr);
	secret1_free(&s);
	free(json);
	free(userpass);
}

static void test_dockercfg_legacy_and_errors(void **state)
{
	struct cfg_secret s;
	struct oci_creds cr;
	struct ferry_err e;
	bool found;

	s = secret1("kubernetes.io/dockercfg", ".dockercfg", "{\"https://r.example\":{\"auth\":\"dTpw\"}}");
	ferr_clear(&e);
	assert_int_equal(oci_dockercfg_lookup(&s, "r.example", "a/b", &cr, &found, &e), 0);
	assert_true(found);
	assert_string_equal(cr.username, "u");
	assert_string_equal(cr.password, "p");
	oci_creds_free(&cr);
	secret1_free(&s);

	s = secret1("kubernetes.io/dockerconfigjson", ".dockerconfigjson", "{\"auths\":{\"r.example\":{\"auth\":\"!!\"}}}");
	assert_int_equal(oci_dockercfg_lookup(&s, "r.example", "a/b", &cr, &found, &e), -1);
	assert_string_equal(e.msg, "secret 'apps/regcred': .dockerconfigjson: auths[\"r.example\"].auth: not valid "
			    "base64 (expected base64 of 'username:password')");
	secret1_free(&s);

	s = secret1("kubernetes.io/dockerconfigjson", ".dockerconfigjson",
		    "{\"auths\":{\"r.example\":{\"auth\":\"c2VjcmV0\"}}}");  /* "secret": no colon */
	assert_int_equal(oci_dockercfg_lookup(&s, "r.example", "a/b", &cr, &found, &e), -1);
	assert_string_equal(e.msg, "secret 'apps/regcred': .dockerconfigjson: auths[\"r.example\"].auth: expected "
			    "base64 of 'username:password'");
	assert_null(strstr(e.msg, "c2VjcmV0"));
	secret1_free(&s);

	s = secret1("kubernetes.io/dockerconfigjson", ".dockerconfigjson", "{\"auths\":");
	assert_int_equal(oci_dockercfg_lookup(&s, "r.example", "a/b", &cr, &found, &e), -1);
	assert_non_null(strstr(e.msg, "secret 'apps/regcred': .dockerconfigjson: "));
	secret1_free(&s);

	s = secret1("kubernetes.io/dockerconfigjson", "other", "{}");
	assert_int_equal(oci_dockercfg_lookup(&s, "r.example", "a/b", &cr, &found, &e), -1);
	assert_string_equal(e.msg, "secret 'apps/regcred': key '.dockerconfigjson' not found");
	secret1_free(&s);

	/* malformed JSON: the message names the place, never the text there
	 * (the loader checks only Secrets typed kubernetes.io/dockerconfigjson) */
	{
		static const char *const bad[][2] = {
			{ "Opaque", "{\"auths\":{\"r.example\":{\"password\":hunter2}}}" },
			{ "kubernetes.io/dockercfg", "{\"r.example\":{\"auth\":\"dTpw\" \"hunter2\"}}" },
			{ NULL, "{\"auths\":{\"r.example\":{\"password\":\"hunter2\"}} hunter2" },
		};

		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			const char *key = bad[i][0] && !strcmp(bad[i][0], "kubernetes.io/dockercfg") ? ".dockercfg"
												  : ".dockerconfigjson";

			s = secret1(bad[i][0], key, bad[i][1]);
			ferr_clear(&e);
			assert_int_equal(oci_dockercfg_lookup(&s, "r.example", "a/b", &cr, &found, &e), -1);
			if (strstr(e.msg, "hunter"))
				fail_msg("the message quotes the Secret: %s", e.msg);
			assert_non_null(strstr(e.msg, "secret 'apps/regcred': "));
			assert_non_null(strstr(e.msg, ": not valid JSON (line 1, column "));
			secret1_free(&s);
		}
	}

	s = secret1("Opaque", "username", "x");
	assert_int_equal(oci_dockercfg_lookup(&s, "r.example", "a/b", &cr, &found, &e), -1);
	assert_string_equal(e.msg, "secret 'apps/regcred' of type 'Opaque' is not an image pull secret: expected type "
			    "'kubernetes.io/dockerconfigjson' with key '.dockerconfigjson'");
	secret1_free(&s);

	/* no auths at all: anonymous, not an error */
	s = secret1("kubernetes.io/dockerconfigjson", ".dockerconfigjson", "{\"credsStore\":\"desktop\"}");
	assert_int_equal(oci_dockercfg_lookup(&s, "r.example", "a/b", &cr, &found, &e), 0);
	assert_false(found);
	secret1_free(&s);
}

/* ---- certSecretRef / proxySecretRef ---- */

static void test_tls_secret_errors(void **state)
{
	struct cfg_secret s;
	struct oci_tls t;
	struct ferry_err e;

	ferr_clear(&e);
	s = secret1("kubernetes.io/tls", "tls.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
	assert_int_equal(oci_tls_load(&s, &t, &e), -1);
	assert_string_equal(e.reason, "AuthenticationFailed");
	assert_string_equal(e.msg, "secret 'apps/regcred': found 'tls.crt' but not 'tls.key': a client certificate "
			    "needs both");
	secret1_free(&s);

	s = secret1("Opaque", "ca.crt", "not a certificate");
	assert_int_equal(oci_tls_load(&s, &t, &e), -1);
	assert_string_equal(e.msg, "secret 'apps/regcred': no PEM certificate in 'ca.crt'");
	secret1_free(&s);

	s = secret1("Opaque", "unrelated", "x");
	assert_int_equal(oci_tls_load(&s, &t, &e), -1);
	assert_string_equal(e.msg, "secret 'apps/regcred' has none of the keys 'ca.crt', 'tls.crt', 'tls.key'");
	secret1_free(&s);
}

static void test_tls_ca_added_to_system_store(void **state)
{
	const char *ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
	struct cfg_secret s = secret1("Opaque", "caFile", ca);  /* legacy key, accepted */
	const char *system = oci_system_ca_file();
	struct oci_tls t;
	struct ferry_err e;

	ferr_clear(&e);
	assert_int_equal(oci_tls_load(&s, &t, &e), 0);
	assert_non_null(strstr(buf_cstr(&t.ca_bundle), ca));
	if (system) {
		/* the system bundle comes first and is kept whole */
		assert_true(t.ca_bundle.len > strlen(ca) + 100);
		assert_true(strstr(buf_cstr(&t.ca_bundle), ca) > (char *)t.ca_bundle.data);
	}
	assert_int_equal(t.client_cert.len, 0);
	oci_tls_free(&t);
	secret1_free(&s);
}

static void test_proxy_secret(void **state)
{
	struct cfg_secret s;
	struct oci_proxy p;
	struct ferry_err e;

	ferr_clear(&e);
	s = secret1("Opaque", "address", "socks5://proxy.example:1080");
	assert_int_equal(oci_proxy_load(&s, &p, &e), 0);
	assert_string_equal(p.url, "socks5h://proxy.example:1080");
	assert_null(p.username);
	oci_proxy_free(&p);
	secret1_free(&s);

	s = secret1("Opaque", "address", "ftp://proxy.example");
	assert_int_equal(oci_proxy_load(&s, &p, &e), -1);
	assert_string_equal(e.msg, "secret 'apps/regcred': proxy 'address' must start with http://, https:// or "
			    "socks5://");
	secret1_free(&s);

	s = secret1("Opaque", "username", "u");
	assert_int_equal(oci_proxy_load(&s, &p, &e), -1);
	assert_string_equal(e.msg, "secret 'apps/regcred': key 'address' not found");
	secret1_free(&s);

	s = secret1("Opaque", "address", "http:///");
	assert_int_equal(oci_proxy_load(&s, &p, &e), -1);
	assert_string_equal(e.msg, "secret 'apps/regcred': proxy 'address' has no host");
	secret1_free(&s);
}

/* ---- client construction: URLs and configuration errors, no network ---- */

static void test_client_urls(void **state)
{
	struct oci_client_opts o = { .url = "oci://registry.example.com:5000/org/app", .timeout_ms = 1000 };
	struct oci_client *c;
	struct ferry_err e;

	ferr_clear(&e);
	assert_int_equal(oci_client_new(&o, &c, &e), 0);
	assert_string_equal(oci_client_registry(c), "registry.example.com:5000");
	assert_string_equal(oci_client_repository(c), "org/app");
	assert_string_equal(oci_client_name(c), "registry.example.com:5000/org/app");
	assert_string_equal(oci_client_base_url(c), "https://registry.example.com:5000/v2/org/app");
	oci_client_free(c);

	o.url = "oci://127.0.0.1/a/b/c";
	o.insecure = true;
	assert_int_equal(oci_client_new(&o, &c, &e), 0);
	assert_string_equal(oci_client_base_url(c), "http://127.0.0.1/v2/a/b/c");
	oci_client_free(c);

	o.url = "oci://registry.example.com/app:v1";
	assert_int_equal(oci_client_new(&o, &c, &e), -1);
	assert_null(c);
	assert_string_equal(e.reason, "URLInvalid");
	assert_non_null(strstr(e.msg, "URL validation failed for 'oci://registry.example.com/app:v1'"));
}

static void test_client_configuration_errors(void **state)
{
	struct cfg_secret auth = secret1("kubernetes.io/dockerconfigjson", ".dockerconfigjson",
					 "{\"auths\":{\"r.example\":{\"auth\":\"bm9jb2xvbg==\"}}}");
	struct cfg_secret good = secret1("kubernetes.io/dockerconfigjson", ".dockerconfigjson",
					 "{\"auths\":{\"myregistry.azurecr.io\":{\"auth\":\"dTpw\"}}}");
	struct cfg_secret proxy = secret1("Opaque", "username", "u");
	struct oci_client_opts o = { .url = "oci://myregistry.azurecr.io/app", .provider = "azure" };
	struct oci_client *c;
	struct ferry_err e;

	/* a cloud registry whose credentials only the cloud identity could give */
	ferr_clear(&e);
	assert_int_equal(oci_client_new(&o, &c, &e), -1);
	assert_string_equal(e.reason, "AuthenticationFailed");
	assert_string_equal(e.msg, "failed to get credential from 'azure': provider 'azure' is not available on this "
			    "host: ferry supports only 'generic' (registry credentials from spec.secretRef)");
	/* credentials from spec.secretRef win over the provider, as in Flux */
	o.auth = &good;
	assert_int_equal(oci_client_new(&o, &c, &e), 0);
	oci_client_free(c);
	o.auth = NULL;
	o.url = "oci://123456789012.dkr.ecr.eu-west-1.amazonaws.com/app";
	o.provider = "aws";
	ferr_clear(&e);
	assert_int_equal(oci_client_new(&o, &c, &e), -1);
	assert_non_null(strstr(e.msg, "failed to get credential from 'aws'"));
	o.url = "oci://europe-docker.pkg.dev/project/app";
	o.provider = "gcp";
	assert_int_equal(oci_client_new(&o, &c, &e), -1);
	assert_non_null(strstr(e.msg, "failed to get credential from 'gcp'"));
	/* another registry: the provider has no effect (Flux asks it only for its own registries) */
	o.url = "oci://r.example/app";
	o.provider = "azure";
	assert_int_equal(oci_client_new(&o, &c, &e), 0);
	oci_client_free(c);

	o.provider = "generic";
	o.auth = &auth;
	ferr_clear(&e);
	assert_int_equal(oci_client_new(&o, &c, &e), -1);
	assert_string_equal(e.reason, "AuthenticationFailed");
	assert_string_equal(e.msg, "failed to get credential: secret 'apps/regcred': .dockerconfigjson: "
			    "auths[\"r.example\"].auth: expected base64 of 'username:password'");

	o.auth = NULL;
	o.proxy = &proxy;
	ferr_clear(&e);
	assert_int_equal(oci_client_new(&o, &c, &e), -1);
	assert_string_equal(e.reason, "AuthenticationFailed");
	assert_string_equal(e.msg, "failed to get proxy address: secret 'apps/regcred': key 'address' not found");
	secret1_free(&auth);
	secret1_free(&good);
	secret1_free(&proxy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge_bearer),
		cmocka_unit_test(test_challenge_basic_and_multiple),
		cmocka_unit_test(test_link),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_url_origin_and_resolve),
		cmocka_unit_test(test_url_redact),
		cmocka_unit_test(test_status_error),
		cmocka_unit_test(test_dockercfg_key_spellings),
		cmocka_unit_test(test_dockercfg_lookup),
		cmocka_unit_test(test_dockercfg_legacy_and_errors),
		cmocka_unit_test(test_tls_secret_errors),
		cmocka_unit_test(test_tls_ca_added_to_system_store),
		cmocka_unit_test(test_proxy_secret),
		cmocka_unit_test(test_client_urls),
		cmocka_unit_test(test_client_configuration_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
