/*
 * ociurl.h - spec.url of an OCIRepository: oci://<registry>/<repository>.
 *
 * Owned by config; called by the config validator and by the registry client.
 * The rules and messages are Flux's parseRepository followed by
 * go-containerregistry's name.NewRepository (default options): the first path
 * element is the registry only when it contains '.' or ':' (otherwise the
 * registry is Docker Hub, "index.docker.io"), "docker.io" is rewritten to
 * "index.docker.io", a single-element Docker Hub repository gets the implicit
 * "library/" prefix, the repository is 2..255 characters of
 * [a-z0-9_-./], and the registry must read back unchanged as the host[:port]
 * of a URL authority. A tag or digest in the URL therefore fails on the
 * repository character rule, as it does in Flux.
 */
#ifndef FERRY_CONFIG_OCIURL_H
#define FERRY_CONFIG_OCIURL_H

#include "util/err.h"

#define CFG_OCI_URL_PREFIX "oci://"

/* On success *registry is "host[:port]" and *repository the path (caller
 * frees both). On failure reason URLInvalid and Flux's message
 * "URL validation failed for '<url>': <why>". */
int cfg_oci_url_parse(const char *url, char **registry, char **repository, struct ferry_err *e);

#endif
