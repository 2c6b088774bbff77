/*
 * httphdr.h - parsers for the HTTP header values the registry client acts on
 * (WWW-Authenticate, Link, Retry-After, Content-Type) and URL helpers
 * (origin, relative resolution, query escaping, redaction for messages).
 *
 * Internal to oci; pure functions, unit-tested on their own. Every input is
 * a header or URL from the network and is treated as hostile.
 */
#ifndef FERRY_OCI_HTTPHDR_H
#define FERRY_OCI_HTTPHDR_H

#include <stdbool.h>
#include <stdint.h>

enum oci_auth_scheme { OCI_AUTH_NONE = 0, OCI_AUTH_BASIC, OCI_AUTH_BEARER };

struct oci_challenge {
	enum oci_auth_scheme scheme;
	char *realm;
	char *service;
	char *scope;    /* as sent; several scopes are separated by spaces */
};

/* The first Basic or Bearer challenge of a WWW-Authenticate value.
 * Returns 0, or -1 when the value holds neither. */
int oci_challenge_parse(const char *value, struct oci_challenge *out);
void oci_challenge_free(struct oci_challenge *c);

/* The target of the rel="next" link of a Link value (a single link without
 * rel counts too). Returns 1 with *target (malloc'd, unresolved), 0 when
 * there is none, -1 when the value is malformed. */
int oci_link_next(const char *value, char **target);

/* Retry-After as delta-seconds or HTTP-date, relative to now_sec. Returns 0
 * with the delay in milliseconds (0 for a date in the past), -1 if malformed. */
int oci_retry_after_parse(const char *value, int64_t now_sec, int64_t *delay_ms);

/* Content-Type without parameters and surrounding blanks; malloc'd. */
char *oci_media_type_of(const char *content_type);

/* "Not Found" for 404 ... ; "" for codes it does not know. */
const char *oci_status_text(long status);

/* "scheme://host:port" with the default port made explicit and the host in
 * lower case; NULL if the URL does not parse or is not http(s). */
char *oci_url_origin(const char *url);
/* ref resolved against base (RFC 3986); NULL on error. */
char *oci_url_resolve(const char *base, const char *ref);
/* Percent-encode everything but unreserved characters (RFC 3986). */
char *oci_query_escape(const char *s);
/* The URL as it may appear in a message: no userinfo, no fragment, and the
 * values of query parameters other than n, last, artifactType, service and
 * scope replaced by REDACTED (pre-signed redirect URLs carry credentials). */
char *oci_url_redact(const char *url);

#endif
