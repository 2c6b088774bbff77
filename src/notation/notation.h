/*
 * notation.h - Notary Project signature verification of an OCI artifact, the
 * entry points reconcile and `ferryctl verify` call.
 *
 * Owned by notation. Runs only in a worker process (it parses envelopes,
 * certificates and registry responses). Behaviour, verdicts and error texts
 * follow notation-go as wired by Flux (shared reference
 * notation-verification.md and flux-ocirepository.md §3); where ferry does
 * better it is documented in the README.
 */
#ifndef FERRY_NOTATION_NOTATION_H
#define FERRY_NOTATION_NOTATION_H

#include <stdbool.h>
#include <stdint.h>

#include "config/model.h"
#include "oci/oci.h"
#include "util/err.h"

struct nv_bundle;   /* trust policy document + certificates from a Secret */

/* Load spec.verify.secretRef's Secret. Errors use Flux's texts, e.g.
 * "'trustpolicy.json' not found in secret 'ns/name'",
 * "no certificates found in secret 'ns/name'", and notation-go's trust
 * policy validation messages. */
int nv_bundle_load(const struct cfg_secret *secret, struct nv_bundle **out, struct ferry_err *e);
void nv_bundle_free(struct nv_bundle *b);
/* sha256 hex over the bundle's trust policy and certificates (what decides a
 * verdict), stored in the status so a changed bundle triggers re-verification. */
const char *nv_bundle_fingerprint(const struct nv_bundle *b);

/* The manifest ferry resolved and will pull. */
struct nv_artifact {
	const char *reference;      /* "host[:port]/repo@sha256:<hex>": policy scope and messages */
	const char *media_type;
	const char *digest;
	int64_t size;
};

enum nv_result {
	NV_VERIFIED,      /* a signature verified (logged-only failures allowed) */
	NV_SKIPPED,       /* policy level skip: nothing checked */
	NV_AUDIT_ONLY,    /* authenticity / trusted identity failed but was only logged */
	NV_FAILED,        /* not verified: see the error */
};

struct nv_outcome {
	enum nv_result result;
	char *level;              /* strict | permissive | audit | skip | custom */
	char *policy_name;        /* the trust policy statement applied */
	char *signer_subject;     /* leaf subject of the accepted signature */
	char *signature_digest;   /* manifest digest of the accepted signature */
	char *logged;             /* checks that failed but were only logged, "; "-joined, or NULL */
	bool timestamp_used;      /* an RFC 3161 timestamp anchored the validity check */
	int64_t timestamp_time;   /* its genTime (seconds) */
};

struct nv_verify_opts {
	int max_signatures;       /* <= 0: LIMIT_SIGNATURES_DEFAULT */
	int64_t now;              /* 0: current time (tests pin it) */
	bool revocation_cache;    /* cache CRLs / OCSP responses under state_dir_fd */
	int state_dir_fd;         /* with revocation_cache: the state dir (cache/revocation/ below it) */
	bool offline;             /* no OCSP / CRL requests (cached data only) */
};

/* Discover the signatures of a->digest through c, verify them in registry
 * order, the first that verifies wins. Returns 0 with out filled for
 * NV_VERIFIED / NV_SKIPPED / NV_AUDIT_ONLY; -1 with out->result NV_FAILED and
 * e->msg notation-go's message (reason "VerificationError"). */
int nv_verify(struct oci_client *c, const struct nv_bundle *b, const struct nv_artifact *a,
	      const struct nv_verify_opts *opts, struct nv_outcome *out, struct ferry_err *e);
void nv_outcome_free(struct nv_outcome *o);

#endif
