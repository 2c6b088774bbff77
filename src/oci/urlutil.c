/*
 * urlutil.c - URL origin, relative resolution (libcurl's URL API), query
 * escaping and redaction of URLs for messages.
 */
#include "oci/httphdr.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "util/buf.h"
#include "util/mem.h"

char *oci_url_origin(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;

	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto out;
	if (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0)
		goto out;
	for (char *p = scheme; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (char *p = host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	out = xasprintf("%s://%s:%s", scheme, host, port);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out;
}

char *oci_url_resolve(const char *base, const char *ref)
{
	CURLU *u = curl_url();
	char *s = NULL, *out = NULL;

	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		out = xstrdup(s);
	curl_free(s);
	curl_url_cleanup(u);
	return out;
}

char *oci_query_escape(const char *s)
{
	static const char hx[] = "0123456789ABCDEF";
	struct buf b = BUF_INIT(0);

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			buf_append(&b, p, 1);
		} else {
			char enc[3] = { '%', hx[*p >> 4], hx[*p & 15] };
			buf_append(&b, enc, 3);
		}
	}
	return buf_steal(&b, NULL);
}

static bool query_key_shown(const char *key, size_t n)
{
	static const char *const shown[] = { "n", "last", "artifactType", "service", "scope" };

	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		if (strlen(shown[i]) == n && !strncmp(key, shown[i], n))
			return true;
	return false;
}

char *oci_url_redact(const char *url)
{
	struct buf b = BUF_INIT(0);
	const char *p = url, *auth, *auth_end, *at = NULL, *q;

	auth = strstr(url, "://");
	if (auth) {
		auth += 3;
		buf_append(&b, url, (size_t)(auth - url));
		auth_end = auth + strcspn(auth, "/?#");
		for (const char *s = auth; s < auth_end; s++)
			if (*s == '@')
				at = s;
		p = at ? at + 1 : auth;
		buf_append(&b, p, (size_t)(auth_end - p));
		p = auth_end;
	}
	q = p + strcspn(p, "?#");
	buf_append(&b, p, (size_t)(q - p));
	if (*q == '?') {
		const char *end = q + 1 + strcspn(q + 1, "#");
		const char *k = q + 1;
		bool first = true;

		while (k < end) {
			const char *amp = memchr(k, '&', (size_t)(end - k));
			const char *pe = amp ? amp : end;
			const char *eq = memchr(k, '=', (size_t)(pe - k));
			size_t klen = (size_t)((eq ? eq : pe) - k);

			buf_append_str(&b, first ? "?" : "&");
			first = false;
			if (query_key_shown(k, klen)) {
				buf_append(&b, k, (size_t)(pe - k));
			} else if (eq) {
				buf_append(&b, k, klen);
				buf_append_str(&b, "=REDACTED");
			} else if (pe > k) {
				buf_append_str(&b, "REDACTED");
			}
			k = amp ? amp + 1 : end;
		}
	}
	return buf_steal(&b, NULL);
}
