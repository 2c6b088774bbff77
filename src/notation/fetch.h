/*
 * fetch.h - the small HTTP client of OCSP and CRL checks, built on the
 * registry client's HTTP layer (oci/http.h) so that the source's proxy
 * settings apply (spec.proxySecretRef, else libcurl's http_proxy /
 * no_proxy), unlike Flux's revocation client. OCSP responders and CRL
 * distribution points are plain http:// (notation-core-go refuses other
 * schemes); redirects are followed hop by hop. Every request has its own
 * short deadline and a bounded body.
 *
 * Owned by notation (ocsp.c, crl.c through revocation.c).
 */
#ifndef FERRY_NOTATION_FETCH_H
#define FERRY_NOTATION_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

struct nv_fetch;
struct oci_proxy;

/* proxy may be NULL (libcurl's environment rules). No network traffic. */
int nv_fetch_new(const struct oci_proxy *proxy, struct nv_fetch **out, struct ferry_err *e);
void nv_fetch_free(struct nv_fetch *f);

/* GET url, or POST data (Content-Type content_type) when data is not NULL,
 * within timeout_ms. 0 with the body (bounded by body->max) on HTTP 200;
 * -1 with a message otherwise ("unsupported scheme", a transport error,
 * "response had status code 404", an oversized body). */
int nv_fetch_do(struct nv_fetch *f, const char *url, const char *content_type, const void *data, size_t len,
		int64_t timeout_ms, struct buf *body, struct ferry_err *e);

#endif
