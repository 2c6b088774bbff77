/*
 * bundle.h - what a loaded trust bundle holds (struct nv_bundle of
 * notation.h), for the verification flow and tests.
 *
 * Owned by notation. Load with nv_bundle_load (notation.h); everything here is
 * read-only after loading.
 */
#ifndef FERRY_NOTATION_BUNDLE_H
#define FERRY_NOTATION_BUNDLE_H

#include <stddef.h>

#include "notation/cert.h"
#include "notation/notation.h"
#include "notation/policy.h"

struct nv_bundle {
	char *secret;                  /* "namespace/name", for messages */
	struct nv_policy *policy;      /* decoded, cleaned (Flux) and validated */
	struct nv_cert **certs;        /* every certificate of every .crt/.pem/.cer/.der key */
	size_t n_certs;
	char fingerprint[65];          /* sha256 hex, see nv_bundle_fingerprint */
};

/* Build a bundle from an already decoded policy document and certificates
 * (takes ownership of both); cleans and validates the policy like
 * nv_bundle_load. Used by nv_bundle_load and by tests that read vectors. */
int nv_bundle_from_parts(const char *secret, struct nv_policy *policy, struct nv_cert **certs, size_t n_certs,
			 struct nv_bundle **out, struct ferry_err *e);

#endif
