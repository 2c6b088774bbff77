/*
 * manifest.h - OCI / Docker manifests and indexes as ferry reads them.
 *
 * Owned by oci. Parsing is pure (no I/O) and bounded by limits.h; callers hand
 * in bytes whose digest they have already checked. Used by reconcile (layer
 * selection, annotations) and notation (signature manifests, referrers).
 */
#ifndef FERRY_OCI_MANIFEST_H
#define FERRY_OCI_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/err.h"

#define OCI_MT_MANIFEST        "application/vnd.oci.image.manifest.v1+json"
#define OCI_MT_INDEX           "application/vnd.oci.image.index.v1+json"
#define OCI_MT_ARTIFACT        "application/vnd.oci.artifact.manifest.v1+json"
#define DOCKER_MT_MANIFEST     "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_MT_LIST         "application/vnd.docker.distribution.manifest.list.v2+json"
#define OCI_MT_EMPTY           "application/vnd.oci.empty.v1+json"
#define FLUX_MT_CONFIG         "application/vnd.cncf.flux.config.v1+json"
#define FLUX_MT_CONTENT        "application/vnd.cncf.flux.content.v1.tar+gzip"
#define NOTARY_MT_SIGNATURE    "application/vnd.cncf.notary.signature"

struct oci_descriptor {
	char *media_type;
	char *digest;           /* validated "sha256:<hex>" */
	int64_t size;
	char *artifact_type;    /* NULL if absent */
	json_t *annotations;    /* object or NULL */
	char *platform_os;      /* index entries only, NULL otherwise */
	char *platform_arch;
	char *platform_variant;
};

struct oci_manifest {
	char *media_type;       /* from the document, else from Content-Type */
	bool is_index;
	char *artifact_type;
	/* image manifest */
	struct oci_descriptor config;
	struct oci_descriptor *layers;
	size_t n_layers;
	struct oci_descriptor *subject;   /* NULL if absent */
	/* index */
	struct oci_descriptor *manifests;
	size_t n_manifests;
	json_t *annotations;    /* object or NULL */
};

/* Parse a manifest or index. content_type (may be NULL) is the HTTP
 * Content-Type, used when the document has no mediaType. */
int oci_manifest_parse(const void *data, size_t len, const char *content_type,
		       struct oci_manifest *out, struct ferry_err *e);
void oci_manifest_free(struct oci_manifest *m);
void oci_descriptor_free(struct oci_descriptor *d);
void oci_descriptor_copy(struct oci_descriptor *dst, const struct oci_descriptor *src);

/* The host platform in OCI terms: os "linux", architecture per GOARCH
 * ("amd64", "arm64", "arm", ...), variant ("v7", "v8", or "" ). */
void oci_host_platform(const char **os, const char **arch, const char **variant);
/* Pick the index entry for os/arch/variant (variant "" matches any). Error
 * text names the platforms the index offers. */
int oci_index_select(const struct oci_manifest *index, const char *os, const char *arch,
		     const char *variant, const struct oci_descriptor **out, struct ferry_err *e);

#endif
