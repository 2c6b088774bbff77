/*
 * policy.h - the Notation trust policy document (OCI, version 1.0) as Flux
 * hands it to notation-go v1.3.2: decoding, Flux's CleanTrustPolicy,
 * validation with notation-go's messages, verification levels and overrides,
 * and the statement that applies to an artifact.
 *
 * Owned by notation (bundle and verify use it). Messages are the texts
 * notation-go v1.3.2 produces ("trust policy document has empty version,
 * version must be specified", "trust policy: trust policy statement "x" is
 * either missing trust stores or trusted identities, both must be
 * specified", ...), reason "VerificationError".
 */
#ifndef FERRY_NOTATION_POLICY_H
#define FERRY_NOTATION_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* Validation types, in the order notation-go evaluates them. */
enum nv_check {
	NV_CHECK_INTEGRITY = 0,
	NV_CHECK_AUTHENTICITY,
	NV_CHECK_AUTHENTIC_TIMESTAMP,
	NV_CHECK_EXPIRY,
	NV_CHECK_REVOCATION,
	NV_CHECK_COUNT
};

enum nv_action { NV_ACTION_ENFORCE = 0, NV_ACTION_LOG, NV_ACTION_SKIP };

#define NV_STORE_CA "ca"
#define NV_STORE_SIGNING_AUTHORITY "signingAuthority"
#define NV_STORE_TSA "tsa"
#define NV_SCOPE_WILDCARD "*"

struct nv_override {
	char *type;                 /* as written, e.g. "revocation" */
	char *action;               /* as written, e.g. "log" */
};

struct nv_statement {
	char *name;
	char **registry_scopes;       size_t n_registry_scopes;
	char *level;                  /* signatureVerification.level as written */
	struct nv_override *overrides; size_t n_overrides;  /* sorted by type, unique */
	bool has_override;            /* "override" was a JSON object (possibly empty) */
	char *verify_timestamp;       /* "" (unset), "always" or "afterCertExpiry" */
	char **trust_stores;          size_t n_trust_stores;
	bool has_trust_stores;        /* present and not null (Go: non-nil slice) */
	char **trusted_identities;    size_t n_trusted_identities;
	bool has_trusted_identities;
};

struct nv_policy {
	char *version;
	struct nv_statement *statements;
	size_t n_statements;
};

/* Decode trustpolicy.json as Go's json.Unmarshal into notation-go's
 * trustpolicy.Document. e->msg is Go's error text ("unexpected end of JSON
 * input", "invalid character ...", "json: cannot unmarshal ..."). */
int nv_policy_parse(const void *data, size_t len, struct nv_policy **out, struct ferry_err *e);
void nv_policy_free(struct nv_policy *p);

/* Flux's CleanTrustPolicy: statements at level skip lose their trust stores
 * and trusted identities, with Flux's warning logged for each that had some.
 * Returns the number of statements cleaned. */
size_t nv_policy_clean(struct nv_policy *p);

/* notation-go Document.Validate (v1.3.2), every rule in its order. */
int nv_policy_validate(const struct nv_policy *p, struct ferry_err *e);

/* GetVerificationLevel: *name is "strict", "permissive", "audit", "skip" or
 * "custom" (an override is present); actions[] per nv_check. */
int nv_statement_level(const struct nv_statement *st, const char **name, enum nv_action actions[NV_CHECK_COUNT],
		       struct ferry_err *e);

/* GetApplicableTrustPolicy for "registry/repository@digest": exact scope
 * first, else the "*" statement. */
int nv_policy_select(const struct nv_policy *p, const char *reference, const struct nv_statement **out,
		     struct ferry_err *e);

/* A trust store of the given type ("ca", "signingAuthority", "tsa") is
 * listed in the statement. */
bool nv_statement_has_store_type(const struct nv_statement *st, const char *type);

/* Registry scope format rule (validateRegistryScopeFormat). */
int nv_scope_validate(const char *scope, struct ferry_err *e);

/* Canonical JSON of the decoded document (sorted keys, what Go decoded),
 * for fingerprints. */
char *nv_policy_canonical(const struct nv_policy *p);

const char *nv_check_name(enum nv_check c);     /* "integrity", "authenticity", ... */
const char *nv_action_name(enum nv_action a);   /* "enforce", "log", "skip" */

#endif
