/*
 * client.c - create and free a registry client: URL, provider, credentials,
 * TLS and proxy settings, the libcurl handle; accessors.
 */
#include "oci/internal.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <string.h>

#include "config/ociurl.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"

#define REASON_AUTH "AuthenticationFailed"

static bool host_matches(const char *host, const char *const *patterns)
{
	_cleanup_free_ char *h = xstrdup(host);
	char *colon = strrchr(h, ':');

	if (colon && !strchr(h, ']'))
		*colon = '\0';
	for (char *p = h; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (; *patterns; patterns++)
		if (fnmatch(*patterns, h, 0) == 0)
			return true;
	return false;
}

/* The registries a cloud provider's credentials are for (as Flux's login
 * manager recognises them). */
static bool is_provider_registry(const char *provider, const char *registry)
{
	static const char *const aws[] = { "*.dkr.ecr.*.amazonaws.com", "*.dkr.ecr.*.amazonaws.com.cn",
					   "*.dkr.ecr-fips.*.amazonaws.com", "public.ecr.aws", NULL };
	static const char *const azure[] = { "*.azurecr.io", "*.azurecr.cn", "*.azurecr.de", "*.azurecr.us",
					     NULL };
	static const char *const gcp[] = { "gcr.io", "*.gcr.io", "*-docker.pkg.dev", NULL };

	if (!strcmp(provider, "aws"))
		return host_matches(registry, aws);
	if (!strcmp(provider, "azure"))
		return host_matches(registry, azure);
	if (!strcmp(provider, "gcp"))
		return host_matches(registry, gcp);
	return true;
}

/* Flux asks a cloud provider for credentials only when spec.secretRef gives
 * none, and only for that provider's registries. ferry has no cloud identity
 * to ask, so that case fails clearly; elsewhere the field has no effect. */
static int check_provider(const struct oci_client_opts *opts, const char *registry, struct ferry_err *e)
{
	const char *provider = opts->provider;

	if (!provider || !*provider || !strcmp(provider, "generic"))
		return 0;
	if (opts->auth) {
		log_debug("%s: spec.provider '%s' not used: credentials come from spec.secretRef", opts->url, provider);
		return 0;
	}
	if (!is_provider_registry(provider, registry)) {
		log_warn("%s: spec.provider '%s' has no effect: %s is not a registry of that provider, pulling "
			 "anonymously", opts->url, provider, registry);
		return 0;
	}
	return ferr_set(e, REASON_AUTH, "failed to get credential from '%s': provider '%s' is not available "
			"on this host: ferry supports only 'generic' (registry credentials from "
			"spec.secretRef)", provider, provider);
}

int oci_client_new(const struct oci_client_opts *opts, struct oci_client **out, struct ferry_err *e)
{
	struct oci_client *c;
	struct oci_http_opts ho;
	char *registry = NULL, *repository = NULL;

	*out = NULL;
	if (cfg_oci_url_parse(opts->url, &registry, &repository, e) < 0)
		return -1;
	if (check_provider(opts, registry, e) < 0) {
		free(registry);
		free(repository);
		return -1;
	}
	c = xcalloc(1, sizeof(*c));
	c->registry = registry;
	c->repository = repository;
	c->insecure = opts->insecure;
	c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : LIMIT_DEFAULT_TIMEOUT_MS;
	c->name = xasprintf("%s/%s", registry, repository);
	c->base_url = xasprintf("%s://%s/v2/%s", opts->insecure ? "http" : "https", registry, repository);
	c->origin = oci_url_origin(c->base_url);
	if (!c->origin) {
		ferr_set(e, "URLInvalid", "URL validation failed for '%s': registry '%s' is not a valid host",
			 opts->url, registry);
		goto fail;
	}
	if (opts->auth) {
		if (oci_dockercfg_lookup(opts->auth, registry, repository, &c->creds, &c->has_creds, e) < 0) {
			ferr_prefix(e, "failed to get credential");
			goto fail_auth;
		}
		if (c->has_creds)
			log_debug("registry %s: using the credentials of auths entry '%s' of secret '%s/%s'",
				  registry, c->creds.matched_key, opts->auth->ns, opts->auth->name);
		else
			log_debug("registry %s: secret '%s/%s' has no auths entry for it, pulling anonymously",
				  registry, opts->auth->ns, opts->auth->name);
	}
	if (opts->tls) {
		if (oci_tls_load(opts->tls, &c->tls, e) < 0) {
			ferr_prefix(e, "failed to generate transport for '%s'", opts->url);
			goto fail_auth;
		}
		if (opts->insecure)
			log_warn("%s: spec.certSecretRef is not used: spec.insecure talks plain HTTP", opts->url);
	}
	if (opts->proxy && oci_proxy_load(opts->proxy, &c->proxy, e) < 0) {
		ferr_prefix(e, "failed to get proxy address");
		goto fail_auth;
	}
	ho = (struct oci_http_opts){
		.insecure = opts->insecure,
		.user_agent = opts->user_agent ? opts->user_agent : "ferry/" PACKAGE_VERSION,
		.tls = opts->tls ? &c->tls : NULL,
		.proxy = &c->proxy,
		.timeout_ms = c->timeout_ms,
	};
	if (oci_http_new(&ho, &c->http, e) < 0)
		goto fail;
	*out = c;
	return 0;
fail_auth:
	snprintf(e->reason, sizeof(e->reason), "%s", REASON_AUTH);
fail:
	oci_client_free(c);
	return -1;
}

void oci_client_free(struct oci_client *c)
{
	if (!c)
		return;
	oci_http_free(c->http);
	if (c->authorization) {
		explicit_bzero(c->authorization, strlen(c->authorization));
		free(c->authorization);
	}
	oci_creds_free(&c->creds);
	oci_tls_free(&c->tls);
	oci_proxy_free(&c->proxy);
	free(c->registry);
	free(c->repository);
	free(c->name);
	free(c->base_url);
	free(c->origin);
	free(c);
}

const char *oci_client_registry(const struct oci_client *c)
{
	return c->registry;
}

const char *oci_client_repository(const struct oci_client *c)
{
	return c->repository;
}

const char *oci_client_name(const struct oci_client *c)
{
	return c->name;
}

const char *oci_client_base_url(const struct oci_client *c)
{
	return c->base_url;
}

const struct oci_proxy *oci_client_proxy(const struct oci_client *c)
{
	return &c->proxy;
}

char *oci_client_url(const struct oci_client *c, const char *fmt, ...)
{
	va_list ap;
	char *tail, *url;

	va_start(ap, fmt);
	tail = xvasprintf(fmt, ap);
	va_end(ap);
	url = xasprintf("%s/%s", c->base_url, tail);
	free(tail);
	return url;
}

void oci_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void oci_descriptors_free(struct oci_descriptor *d, size_t n)
{
	if (!d)
		return;
	for (size_t i = 0; i < n; i++)
		oci_descriptor_free(&d[i]);
	free(d);
}
