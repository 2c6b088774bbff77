/* ociurl.c - Flux/go-containerregistry rules for oci:// repository URLs. */
#include "config/ociurl.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/limits.h"
#include "util/mem.h"

#define REPOSITORY_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_-./"
#define DOCKER_HUB "index.docker.io"

static size_t utf8_runes(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* ggcr checkRepository: length first, then the character set. */
static const char *check_repository(const char *repo, char *why, size_t n)
{
	size_t runes = utf8_runes(repo);

	if (runes < 2 || runes > 255) {
		snprintf(why, n, "repository must be between 2 and 255 characters in length: %s", repo);
		return why;
	}
	if (repo[strspn(repo, REPOSITORY_CHARS)] != '\0') {
		snprintf(why, n, "repository can only contain the characters `%s`: %s", REPOSITORY_CHARS, repo);
		return why;
	}
	return NULL;
}

static bool valid_optional_port(const char *colon_port)
{
	if (!*colon_port)
		return true;
	if (*colon_port != ':')
		return false;
	return colon_port[1 + strspn(colon_port + 1, "0123456789")] == '\0';
}

/* Characters Go's net/url leaves unescaped in a host (shouldEscape with encodeHost). */
static bool host_char_ok(unsigned char c)
{
	if (c >= 0x80)
		return true;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return strchr("-_.~!$&'()*+,;=:[]<>\"", c) != NULL && c != '\0';
}

/* ggcr checkRegistry: url.Parse("//" + name).Host must equal name. */
static bool registry_ok(const char *name)
{
	const char *close;

	for (const char *p = name; *p; p++)
		if (!host_char_ok((unsigned char)*p))
			return false;   /* control chars, '@', '?', '#', '%', '/', spaces ... */
	if (name[0] == '[') {
		close = strrchr(name, ']');
		return close && valid_optional_port(close + 1);
	}
	close = strrchr(name, ':');
	return !close || valid_optional_port(close);
}

static int url_invalid(struct ferry_err *e, const char *url, const char *why)
{
	return ferr_set(e, "URLInvalid", "URL validation failed for '%s': %s", url, why);
}

int cfg_oci_url_parse(const char *url, char **registry, char **repository, struct ferry_err *e)
{
	_cleanup_free_ char *reg = NULL, *repo = NULL;
	const char *rest, *slash;
	char why[1024];

	*registry = *repository = NULL;
	if (strlen(url) > LIMIT_URL_LEN)
		return ferr_set(e, "URLInvalid", "URL validation failed: URL is longer than %d characters",
				LIMIT_URL_LEN);
	if (!str_has_prefix(url, CFG_OCI_URL_PREFIX))
		return url_invalid(e, url, "URL must be in format 'oci://<domain>/<org>/<repo>'");
	rest = url + strlen(CFG_OCI_URL_PREFIX);
	if (!*rest)
		return url_invalid(e, url, "a repository name must be specified");

	slash = strchr(rest, '/');
	if (slash && (memchr(rest, '.', (size_t)(slash - rest)) || memchr(rest, ':', (size_t)(slash - rest)))) {
		reg = xstrndup(rest, (size_t)(slash - rest));
		repo = xstrdup(slash + 1);
	} else {
		reg = xstrdup("");
		repo = xstrdup(rest);
	}
	if (check_repository(repo, why, sizeof(why)))
		return url_invalid(e, url, why);
	if (!registry_ok(reg)) {
		snprintf(why, sizeof(why), "registries must be valid RFC 3986 URI authorities: %s", reg);
		return url_invalid(e, url, why);
	}
	if (!*reg || !strcmp(reg, "docker.io")) {
		free(reg);
		reg = xstrdup(DOCKER_HUB);
	}
	if (!strcmp(reg, DOCKER_HUB) && !strchr(repo, '/')) {
		char *full = xasprintf("library/%s", repo);
		free(repo);
		repo = full;
		if (check_repository(repo, why, sizeof(why)))
			return url_invalid(e, url, why);
	}
	*registry = reg;
	*repository = repo;
	reg = repo = NULL;
	return 0;
}
