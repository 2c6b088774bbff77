/*
 * oci.h - the registry client (OCI distribution API over libcurl).
 *
 * Owned by oci. One client per reconcile, created and used only inside a
 * worker process. It speaks to exactly one repository, holds its credentials
 * and tokens, and never sends them to another host. Every body it returns has
 * been size-limited, and every manifest or blob fetched by digest has been
 * checked against that digest before the call returns.
 *
 * Errors: e->msg is the inner text (HTTP method, URL without credentials,
 * status, registry error code and message, e.g. "GET https://host/v2/repo/
 * manifests/tag: MANIFEST_UNKNOWN: manifest unknown"); callers add Flux's
 * outer prefix and reason (e->reason stays empty for registry operations).
 * e->http_status is set when a response was received; e->transient when the
 * failure outlived the retries (network, 429, 5xx, truncated body).
 *
 * Transport: https only unless insecure (then plain http only); the CA of
 * certSecretRef is added to the system trust store; Authorization goes only
 * to the registry's own scheme://host:port (redirects are followed hop by
 * hop); spec.timeout is the deadline of each small call (retries included)
 * and the longest stall of a blob download.
 */
#ifndef FERRY_OCI_OCI_H
#define FERRY_OCI_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/model.h"
#include "oci/manifest.h"
#include "util/buf.h"
#include "util/err.h"

struct oci_client;

struct oci_client_opts {
	const char *url;                     /* oci://host[:port]/path */
	bool insecure;                       /* plain http:// (never a silent downgrade otherwise) */
	int64_t timeout_ms;                  /* small requests; longest stall of a blob download */
	const char *provider;                /* generic | aws | azure | gcp; NULL = generic */
	const struct cfg_secret *auth;       /* spec.secretRef (dockerconfigjson) or NULL */
	const struct cfg_secret *tls;        /* spec.certSecretRef or NULL */
	const struct cfg_secret *proxy;      /* spec.proxySecretRef or NULL */
	const char *user_agent;              /* NULL = "ferry/<version>" */
};

/* Parse the URL (Flux's rules: must start with oci://, no tag or digest) and
 * prepare the client; no network traffic. Fails with reason URLInvalid
 * (cfg_oci_url_parse's message) or AuthenticationFailed with Flux's whole
 * message: "failed to get credential: ...", "failed to get credential from
 * '<provider>': ...", "failed to generate transport for '<url>': ...",
 * "failed to get proxy address: ..." (each names the Secret and key). */
int oci_client_new(const struct oci_client_opts *opts, struct oci_client **out, struct ferry_err *e);
void oci_client_free(struct oci_client *c);

const char *oci_client_registry(const struct oci_client *c);  /* "host[:port]" */
const char *oci_client_repository(const struct oci_client *c);/* "org/repo" */
const char *oci_client_name(const struct oci_client *c);      /* "host[:port]/org/repo" */
const char *oci_client_base_url(const struct oci_client *c);  /* "https://host[:port]/v2/org/repo" */
/* The proxy of spec.proxySecretRef (oci/transport.h; url NULL: libcurl
 * honours http_proxy / https_proxy / no_proxy), for other HTTP clients of
 * the same source (the Notation verifier's OCSP and CRL requests). */
struct oci_proxy;
const struct oci_proxy *oci_client_proxy(const struct oci_client *c);

/* Resolve a tag (or digest) to the descriptor of the manifest it names:
 * HEAD /manifests/<ref> with the OCI and Docker manifest and index Accept
 * types, Docker-Content-Digest; GET fallback (digest computed over the body). */
int oci_resolve(struct oci_client *c, const char *ref, struct oci_descriptor *out, struct ferry_err *e);

/* GET /manifests/<digest>; body at most max bytes, sha256 checked.
 * *content_type receives the response Content-Type without parameters.
 * body is initialised by the call (any old content is not freed) and left
 * empty on failure. */
int oci_get_manifest(struct oci_client *c, const char *digest, size_t max, struct buf *body,
		     char **content_type, struct ferry_err *e);

/* Same by tag, no digest check (referrers tag schema "sha256-<hex>").
 * Returns 1 (not 0) when the registry answered 404. */
int oci_get_manifest_by_tag(struct oci_client *c, const char *tag, size_t max, struct buf *body,
			    char **content_type, struct ferry_err *e);

/* Stream GET /blobs/<digest> into fd (from offset 0), hashing as it goes.
 * size < 0: unknown. A digest or size mismatch is an error. */
int oci_get_blob_to_fd(struct oci_client *c, const char *digest, int64_t size, int fd,
		       struct ferry_err *e);
/* Small blob into memory (signature envelopes), at most max bytes; size is
 * checked against max before downloading. out is initialised by the call. */
int oci_get_blob(struct oci_client *c, const char *digest, int64_t size, size_t max,
		 struct buf *out, struct ferry_err *e);

/* GET /tags/list following Link pagination. *tags is a NULL-terminated
 * array (free with oci_strv_free). */
int oci_list_tags(struct oci_client *c, char ***tags, size_t *n, struct ferry_err *e);
void oci_strv_free(char **v);

/* Referrers of digest with the given artifactType: the Referrers API
 * (server or client-side filtering, Link pagination), falling back to the
 * referrers tag schema when the API is absent. No referrers: 0 with *n = 0. */
int oci_referrers(struct oci_client *c, const char *digest, const char *artifact_type,
		  struct oci_descriptor **out, size_t *n, struct ferry_err *e);
void oci_descriptors_free(struct oci_descriptor *d, size_t n);

#endif
