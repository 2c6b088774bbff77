/* bundle.c - the Notation trust bundle from a Secret: trustpolicy.json plus certificates, with Flux's texts. */
#include "notation/bundle.h"

#include <stdlib.h>
#include <string.h>

#include "util/digest.h"
#include "util/limits.h"
#include "util/mem.h"

#define REASON "VerificationError"
#define TRUST_POLICY_KEY "trustpolicy.json"

/* Flux reads keys ending .crt and .pem; ferry also takes .cer and .der. */
static bool is_cert_key(const char *key)
{
	static const char *const suffixes[] = { ".crt", ".pem", ".cer", ".der" };

	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++)
		if (str_has_suffix(key, suffixes[i]))
			return true;
	return false;
}

static const struct cfg_secret_entry *secret_get(const struct cfg_secret *s, const char *key)
{
	for (size_t i = 0; i < s->n_entries; i++)
		if (strcmp(s->entries[i].key, key) == 0)
			return &s->entries[i];
	return NULL;
}

static int cmp_thumbprint(const void *a, const void *b)
{
	return memcmp(*(const unsigned char *const *)a, *(const unsigned char *const *)b, 32);
}

/* sha256 over the canonical policy and the sorted, distinct certificate
 * thumbprints: the inputs that decide a verdict. */
static void compute_fingerprint(struct nv_bundle *b)
{
	struct sha256_stream s;
	const unsigned char **tp = xcalloc(b->n_certs + 1, sizeof(*tp));
	char *policy = nv_policy_canonical(b->policy);
	char hex[65];

	sha256_stream_init(&s);
	sha256_stream_update(&s, "ferry-notation-bundle-v1\n", strlen("ferry-notation-bundle-v1\n"));
	sha256_stream_update(&s, policy, strlen(policy));
	sha256_stream_update(&s, "\n", 1);
	for (size_t i = 0; i < b->n_certs; i++)
		tp[i] = b->certs[i]->sha256;
	qsort(tp, b->n_certs, sizeof(*tp), cmp_thumbprint);
	for (size_t i = 0; i < b->n_certs; i++) {
		if (i > 0 && memcmp(tp[i], tp[i - 1], 32) == 0)
			continue;
		hex_encode(tp[i], 32, hex);
		hex[64] = '\n';
		sha256_stream_update(&s, hex, 65);
	}
	sha256_stream_final_hex(&s, b->fingerprint);
	free(tp);
	free(policy);
}

int nv_bundle_from_parts(const char *secret, struct nv_policy *policy, struct nv_cert **certs, size_t n_certs,
			 struct nv_bundle **out, struct ferry_err *e)
{
	struct nv_bundle *b = xcalloc(1, sizeof(*b));

	*out = NULL;
	b->secret = xstrdup(secret);
	b->policy = policy;
	b->certs = certs;
	b->n_certs = n_certs;
	nv_policy_clean(b->policy);
	if (nv_policy_validate(b->policy, e) < 0) {
		nv_bundle_free(b);
		return -1;
	}
	compute_fingerprint(b);
	*out = b;
	return 0;
}

static void append_certs(struct nv_cert ***all, size_t *n, struct nv_cert **more, size_t n_more)
{
	*all = xrealloc(*all, (*n + n_more + 1) * sizeof(**all));
	memcpy(*all + *n, more, n_more * sizeof(*more));
	*n += n_more;
	free(more);
}

int nv_bundle_load(const struct cfg_secret *secret, struct nv_bundle **out, struct ferry_err *e)
{
	_cleanup_free_ char *name = xasprintf("%s/%s", str_or(secret->ns, ""), str_or(secret->name, ""));
	const struct cfg_secret_entry *doc = secret_get(secret, TRUST_POLICY_KEY);
	struct nv_policy *policy = NULL;
	struct nv_cert **certs = NULL;
	size_t n_certs = 0;

	*out = NULL;
	if (!doc)
		return ferr_set(e, REASON, "'%s' not found in secret '%s'", TRUST_POLICY_KEY, name);
	if (nv_policy_parse(doc->value, doc->len, &policy, e) < 0)
		return ferr_prefix(e, "error occurred while parsing %s", TRUST_POLICY_KEY);
	for (size_t i = 0; i < secret->n_entries; i++) {
		const struct cfg_secret_entry *ent = &secret->entries[i];
		struct nv_cert **more;
		size_t n_more;

		if (!is_cert_key(ent->key))
			continue;
		if (ent->len == 0)
			continue;
		if (nv_certs_parse(ent->value, ent->len, &more, &n_more, e) < 0) {
			ferr_prefix(e, "failed to parse certificate '%s' in secret '%s'", ent->key, name);
			goto fail;
		}
		if (n_certs + n_more > LIMIT_TRUST_CERTS) {
			nv_certs_free(more, n_more);
			ferr_set(e, REASON, "secret '%s' holds more than %d certificates", name, LIMIT_TRUST_CERTS);
			goto fail;
		}
		append_certs(&certs, &n_certs, more, n_more);
	}
	if (n_certs == 0) {
		ferr_set(e, REASON, "no certificates found in secret '%s'", name);
		goto fail;
	}
	return nv_bundle_from_parts(name, policy, certs, n_certs, out, e);
fail:
	nv_certs_free(certs, n_certs);
	nv_policy_free(policy);
	return -1;
}

void nv_bundle_free(struct nv_bundle *b)
{
	if (!b)
		return;
	free(b->secret);
	nv_policy_free(b->policy);
	nv_certs_free(b->certs, b->n_certs);
	free(b);
}

const char *nv_bundle_fingerprint(const struct nv_bundle *b)
{
	return b->fingerprint;
}
