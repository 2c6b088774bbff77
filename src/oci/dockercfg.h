/*
 * dockercfg.h - registry credentials from a Kubernetes image pull Secret
 * (kubernetes.io/dockerconfigjson or the legacy kubernetes.io/dockercfg).
 *
 * Internal to oci. Matching follows the Kubernetes keyring Flux uses: keys
 * may carry a scheme, a /v1/ or /v2/ suffix, a repository path prefix and
 * globs per host label; the port must match; the most specific key wins.
 */
#ifndef FERRY_OCI_DOCKERCFG_H
#define FERRY_OCI_DOCKERCFG_H

#include <stdbool.h>

#include "config/model.h"
#include "util/err.h"

struct oci_creds {
	char *username;
	char *password;
	char *identity_token;   /* OAuth2 refresh token ("identitytoken") */
	char *registry_token;   /* bearer token used as is ("registrytoken") */
	char *matched_key;      /* the auths key that matched, for debug logs */
};

/* 0 with *found telling whether an entry matched; -1 when the Secret is
 * malformed (message names the Secret and the entry, never a credential). */
int oci_dockercfg_lookup(const struct cfg_secret *s, const char *registry, const char *repository,
			 struct oci_creds *out, bool *found, struct ferry_err *e);
void oci_creds_free(struct oci_creds *c);

/* Does auths key `key` apply to "registry/repository"? (exposed for tests) */
bool oci_dockercfg_key_matches(const char *key, const char *registry, const char *repository);

#endif
