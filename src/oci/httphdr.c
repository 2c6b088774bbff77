/*
 * httphdr.c - WWW-Authenticate, Link, Retry-After and Content-Type values.
 *
 * Grammar per RFC 7235 (challenges with auth-params, quoted strings with
 * backslash escapes), RFC 8288 (Link) and RFC 9110 (Retry-After: delta
 * seconds or any of the three HTTP-date forms).
 */
#include "oci/httphdr.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/buf.h"
#include "util/limits.h"
#include "util/mem.h"

static bool is_tchar(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* token or quoted-string at p; *out malloc'd; returns the position after it or NULL. */
static const char *read_value(const char *p, char **out)
{
	struct buf b = BUF_INIT(LIMIT_AUTH_PARAM_BYTES);

	if (*p == '"') {
		p++;
		while (*p && *p != '"') {
			if (*p == '\\' && p[1])
				p++;
			buf_append(&b, p, 1);
			p++;
		}
		if (*p != '"') {
			buf_free(&b);
			return NULL;
		}
		p++;
	} else {
		const char *s = p;

		while (is_tchar(*p) || *p == '/' || *p == ':' || *p == '=')
			p++;
		buf_append(&b, s, (size_t)(p - s));
	}
	*out = buf_steal(&b, NULL);
	return p;
}

void oci_challenge_free(struct oci_challenge *c)
{
	free(c->realm);
	free(c->service);
	free(c->scope);
	memset(c, 0, sizeof(*c));
}

/* Is there an auth-param ("name =") at p? */
static bool at_param(const char *p)
{
	p = skip_ows(p);
	if (!is_tchar(*p))
		return false;
	while (is_tchar(*p))
		p++;
	p = skip_ows(p);
	return *p == '=' && p[1] != '=';
}

int oci_challenge_parse(const char *value, struct oci_challenge *out)
{
	const char *p = value;

	memset(out, 0, sizeof(*out));
	while (p && *p) {
		struct oci_challenge cur = { 0 };
		const char *s;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		s = p;
		while (is_tchar(*p))
			p++;
		if (p == s)
			break;
		if ((size_t)(p - s) == 5 && !strncasecmp(s, "basic", 5))
			cur.scheme = OCI_AUTH_BASIC;
		else if ((size_t)(p - s) == 6 && !strncasecmp(s, "bearer", 6))
			cur.scheme = OCI_AUTH_BEARER;
		else
			cur.scheme = OCI_AUTH_NONE;
		/* auth-params until a comma that starts another challenge */
		for (;;) {
			char *name = NULL, *val = NULL;
			const char *ns;

			p = skip_ows(p);
			if (!at_param(p)) {
				/* token68 or nothing: skip to the next comma */
				while (*p && *p != ',')
					p++;
				break;
			}
			ns = p;
			while (is_tchar(*p))
				p++;
			name = xstrndup(ns, (size_t)(p - ns));
			p = skip_ows(p) + 1;
			p = read_value(skip_ows(p), &val);
			if (!p) {
				free(name);
				oci_challenge_free(&cur);
				return -1;
			}
			if (!strcasecmp(name, "realm") && !cur.realm)
				cur.realm = val, val = NULL;
			else if (!strcasecmp(name, "service") && !cur.service)
				cur.service = val, val = NULL;
			else if (!strcasecmp(name, "scope") && !cur.scope)
				cur.scope = val, val = NULL;
			free(name);
			free(val);
			p = skip_ows(p);
			if (*p != ',')
				break;
			if (!at_param(p + 1))
				break;
			p++;
		}
		if (cur.scheme != OCI_AUTH_NONE) {
			*out = cur;
			return 0;
		}
		oci_challenge_free(&cur);
		if (*p && *p != ',')
			break;
	}
	return -1;
}

static bool rel_has_next(const char *rel)
{
	const char *p = rel;

	while (*p) {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n == 4 && !strncasecmp(p, "next", 4))
			return true;
		p += n;
	}
	return false;
}

int oci_link_next(const char *value, char **target)
{
	const char *p = value;
	char *only = NULL;
	int links = 0, rels = 0;

	*target = NULL;
	for (;;) {
		const char *s;
		char *uri;
		bool has_rel = false, next = false;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		if (*p != '<')
			goto malformed;
		s = ++p;
		while (*p && *p != '>')
			p++;
		if (*p != '>')
			goto malformed;
		uri = xstrndup(s, (size_t)(p - s));
		p++;
		for (;;) {
			char *name, *val = NULL;
			const char *ns;

			p = skip_ows(p);
			if (*p != ';')
				break;
			p = skip_ows(p + 1);
			ns = p;
			while (is_tchar(*p))
				p++;
			if (p == ns) {
				free(uri);
				goto malformed;
			}
			name = xstrndup(ns, (size_t)(p - ns));
			p = skip_ows(p);
			if (*p == '=') {
				p = read_value(skip_ows(p + 1), &val);
				if (!p) {
					free(name);
					free(uri);
					goto malformed;
				}
			}
			if (!strcasecmp(name, "rel") && val) {
				has_rel = true;
				next = rel_has_next(val);
			}
			free(name);
			free(val);
		}
		p = skip_ows(p);
		if (*p && *p != ',') {
			free(uri);
			goto malformed;
		}
		links++;
		if (has_rel)
			rels++;
		if (next) {
			free(only);
			*target = uri;
			return 1;
		}
		if (!has_rel && !only)
			only = uri;
		else
			free(uri);
	}
	if (links == 1 && rels == 0 && only) {
		*target = only;
		return 1;
	}
	free(only);
	return 0;
malformed:
	free(only);
	return -1;
}

static int parse_http_date(const char *s, int64_t *sec)
{
	static const char *const formats[] = {
		"%a, %d %b %Y %H:%M:%S GMT",  /* IMF-fixdate */
		"%A, %d-%b-%y %H:%M:%S GMT",  /* RFC 850 */
		"%a %b %d %H:%M:%S %Y",       /* asctime */
	};

	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		struct tm tm;
		const char *end;

		memset(&tm, 0, sizeof(tm));
		end = strptime(s, formats[i], &tm);
		if (!end)
			continue;
		end = skip_ows(end);
		if (*end)
			continue;
		*sec = (int64_t)timegm(&tm);
		return 0;
	}
	return -1;
}

int oci_retry_after_parse(const char *value, int64_t now_sec, int64_t *delay_ms)
{
	const char *p = skip_ows(value);
	int64_t secs = 0, when;

	if (isdigit((unsigned char)*p)) {
		while (isdigit((unsigned char)*p)) {
			if (secs < 100000000)
				secs = secs * 10 + (*p - '0');
			p++;
		}
		if (*skip_ows(p))
			return -1;
		*delay_ms = secs * 1000;
		return 0;
	}
	if (parse_http_date(p, &when) < 0)
		return -1;
	*delay_ms = when > now_sec ? (when - now_sec) * 1000 : 0;
	return 0;
}

char *oci_media_type_of(const char *content_type)
{
	const char *s, *e;

	if (!content_type)
		return NULL;
	s = skip_ows(content_type);
	e = s + strcspn(s, ";");
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return xstrndup(s, (size_t)(e - s));
}

const char *oci_status_text(long status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Request Entity Too Large";
	case 416: return "Requested Range Not Satisfiable";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}
