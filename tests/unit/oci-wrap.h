/*
 * oci-wrap.h - the registry client calls nv_verify makes, as test-verify and
 * test-conformance replace them at link time (-Wl,--wrap=oci_referrers,...):
 * each test program defines these four with its own in-memory registry.
 */
#ifndef FERRY_TESTS_OCI_WRAP_H
#define FERRY_TESTS_OCI_WRAP_H

#include <stddef.h>
#include <stdint.h>

#include "oci/oci.h"
#include "util/buf.h"
#include "util/err.h"

int __wrap_oci_referrers(struct oci_client *c, const char *digest, const char *artifact_type,
			 struct oci_descriptor **out, size_t *n, struct ferry_err *e);
int __wrap_oci_get_manifest(struct oci_client *c, const char *digest, size_t max, struct buf *body,
			    char **content_type, struct ferry_err *e);
int __wrap_oci_get_blob(struct oci_client *c, const char *digest, int64_t size, size_t max, struct buf *out,
			struct ferry_err *e);
void __wrap_oci_descriptors_free(struct oci_descriptor *d, size_t n);

#endif
