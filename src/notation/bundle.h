/*
 * bundle.h - what a loaded trust bundle holds (struct nv_bundle of
 * notation.h), for the verification flow and tests.
 *
 * Owned by notation. Load with nv_bundle_load (notation.h); everything here is
 * read-only after loading.
 */
#ifndef FERRY_NOTATION_BUNDLE_H
#define FERRY_NOTATION_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>

#include "notation/cert.h"
#include "notation/notation.h"
#include "notation/policy.h"

/* Where a certificate may serve. Flux hands every certificate of the Secret
 * to every trust store the policy lists (type NULL here). ferry adds one
 * Kubernetes-valid key convention that binds the certificates of a key to
 * one named store: "<type>.<name>.<ext>" with type ca, signingAuthority or
 * tsa, a non-empty store name and ext crt, pem, cer or der (e.g.
 * "tsa.globalsign.crt" serves only "tsa:globalsign"). Other keys keep
 * Flux's behaviour. */
struct nv_cert_binding {
	char *type;                    /* NULL: every store */
	char *name;
	char *key;                     /* the Secret key it came from (messages); may be NULL */
};

struct nv_bundle {
	char *secret;                  /* "namespace/name", for messages */
	struct nv_policy *policy;      /* decoded, cleaned (Flux) and validated */
	struct nv_cert **certs;        /* every certificate of every .crt/.pem/.cer/.der key */
	size_t n_certs;
	struct nv_cert_binding *bindings; /* parallel to certs */
	char fingerprint[65];          /* sha256 hex, see nv_bundle_fingerprint */
};

/* Trust material as the verifier sees it: certificates and, optionally,
 * their bindings (NULL: all serve every store, as in Flux). */
struct nv_trust {
	struct nv_cert *const *certs;
	const struct nv_cert_binding *bindings;
	size_t n;
};

/* The certificates that serve the statement's trust stores of one type
 * ("ca", "signingAuthority", "tsa"): the unbound ones when a store of that
 * type is listed, plus those bound to a listed "type:name". *out is an
 * array of borrowed pointers (free the array only; NULL when empty).
 * Bound certificates are checked as notation-go checks the files of its
 * trust store directories (a CA or self-signed certificate; in a tsa store
 * a root CA), with its messages. Fails with notation-go's "the trust store
 * \"N\" of type \"T\" does not exist" when a listed store of the type has
 * no certificate at all (possible only when every certificate is bound). */
int nv_trust_select(const struct nv_trust *t, const struct nv_statement *st, const char *type,
		    struct nv_cert ***out, size_t *n, struct ferry_err *e);
/* The trust view of a bundle. */
struct nv_trust nv_bundle_trust(const struct nv_bundle *b);
/* Parse a Secret key name: true when it binds (type and name set, caller
 * frees), false for an unbound certificate key. */
bool nv_cert_key_binding(const char *key, char **type, char **name);

/* Build a bundle from an already decoded policy document and certificates
 * (takes ownership of both, all unbound); cleans and validates the policy
 * like nv_bundle_load. Used by nv_bundle_load and by tests that read
 * vectors. */
int nv_bundle_from_parts(const char *secret, struct nv_policy *policy, struct nv_cert **certs, size_t n_certs,
			 struct nv_bundle **out, struct ferry_err *e);
/* The same with bindings parallel to certs (takes ownership; NULL: none). */
int nv_bundle_from_parts_bound(const char *secret, struct nv_policy *policy, struct nv_cert **certs,
			       struct nv_cert_binding *bindings, size_t n_certs, struct nv_bundle **out,
			       struct ferry_err *e);

#endif
