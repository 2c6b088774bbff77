/* names.c - Kubernetes rules for object names, namespaces and Secret keys. */
#include <stdbool.h>
#include <string.h>

#include "config/load.h"
#include "util/limits.h"

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? */
static bool dns_label(const char *s, size_t len)
{
	if (!len || !lower_alnum(s[0]) || !lower_alnum(s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

const char *cfg_dns_label_error(const char *s)
{
	size_t len = strlen(s);

	if (len > LIMIT_NAMESPACE_LEN)
		return "must be no more than 63 characters";
	if (!dns_label(s, len))
		return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
		       "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc')";
	return NULL;
}

/* labels joined by single dots: never empty, ".", ".." or containing '/' */
const char *cfg_dns_subdomain_error(const char *s)
{
	size_t len = strlen(s);
	const char *p = s;

	if (len > LIMIT_NAME_LEN)
		return "must be no more than 253 characters";
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		if (!dns_label(p, n))
			return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
			       "or '.', and must start and end with an alphanumeric character (e.g. 'example.com')";
		if (!dot)
			return NULL;
		p = dot + 1;
	}
}

const char *cfg_config_key_error(const char *s)
{
	if (strlen(s) > LIMIT_NAME_LEN)
		return "must be no more than 253 characters";
	if (!*s || s[strspn(s, "-._abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")])
		return "a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
		       "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name')";
	if (!strcmp(s, "."))
		return "must not be '.'";
	if (!strcmp(s, ".."))
		return "must not be '..'";
	if (!strncmp(s, "..", 2))
		return "must not start with '..'";
	return NULL;
}
