/*
 * identity.h - trusted identities of a trust policy statement
 * (`x509.subject:` distinguished names) and their matching against the
 * signing certificate.
 *
 * Owned by notation; used by policy (validation) and verify (matching).
 * Parsing follows notation-go's pkix.ParseDistinguishedName on go-ldap v3
 * ParseDN: `,` and `;` separate RDNs, `+` makes a multi-valued RDN (refused),
 * escapes `\<special>` and `\XX`, "=#" refused, `S` is `ST`, duplicate types
 * refused, C, ST and O required (case-sensitive).
 */
#ifndef FERRY_NOTATION_IDENTITY_H
#define FERRY_NOTATION_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include "notation/cert.h"
#include "util/err.h"

#define NV_IDENTITY_WILDCARD "*"
#define NV_IDENTITY_X509_SUBJECT "x509.subject"

struct nv_dn_attr {
	char *type;
	char *value;
};

/* A parsed DN as notation-go keeps it: a map from type to value, here sorted
 * by type (the order Go prints maps in). */
struct nv_dn {
	struct nv_dn_attr *attrs;
	size_t n;
};

/* pkix.ParseDistinguishedName; e->msg is notation-go's text. */
int nv_dn_parse(const char *s, struct nv_dn *out, struct ferry_err *e);
void nv_dn_free(struct nv_dn *dn);
const char *nv_dn_get(const struct nv_dn *dn, const char *type);
/* pkix.IsSubsetDN: every pair of a is in b (a missing type reads as ""). */
bool nv_dn_is_subset(const struct nv_dn *a, const struct nv_dn *b);
/* Go's %q of a map[string]string: map["C":"US" "O":"Notary"] */
char *nv_dn_format(const struct nv_dn *dn);

/* validateTrustedIdentities: wildcard alone, no empty entry, separator,
 * x509.subject values parse, no overlapping x509 identities. */
int nv_identities_validate(const char *policy_name, char *const *ids, size_t n, struct ferry_err *e);

/* verifyX509TrustedIdentities against the leaf of the signing chain. */
int nv_identities_match(const char *policy_name, char *const *ids, size_t n, const struct nv_cert *leaf,
			struct ferry_err *e);

#endif
