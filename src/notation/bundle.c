/* bundle.c - the Notation trust bundle from a Secret: trustpolicy.json plus certificates, with Flux's texts. */
#include "notation/bundle.h"

#include <stdlib.h>
#include <string.h>

#include "notation/gojson.h"
#include "util/digest.h"
#include "util/limits.h"
#include "util/mem.h"

#define REASON "VerificationError"
#define TRUST_POLICY_KEY "trustpolicy.json"

static const char *const cert_suffixes[] = { ".crt", ".pem", ".cer", ".der" };

/* Flux reads keys ending .crt and .pem; ferry also takes .cer and .der. */
static bool is_cert_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(cert_suffixes); i++)
		if (str_has_suffix(key, cert_suffixes[i]))
			return true;
	return false;
}

bool nv_cert_key_binding(const char *key, char **type, char **name)
{
	static const char *const types[] = { NV_STORE_CA, NV_STORE_SIGNING_AUTHORITY, NV_STORE_TSA };
	size_t len = strlen(key);

	*type = *name = NULL;
	for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
		size_t tl = strlen(types[t]);

		if (strncmp(key, types[t], tl) != 0 || key[tl] != '.')
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(cert_suffixes); i++) {
			size_t sl = strlen(cert_suffixes[i]);

			if (len > tl + 1 + sl && str_has_suffix(key, cert_suffixes[i])) {
				*type = xstrdup(types[t]);
				*name = xstrndup(key + tl + 1, len - tl - 1 - sl);
				return true;
			}
		}
	}
	return false;
}

struct nv_trust nv_bundle_trust(const struct nv_bundle *b)
{
	struct nv_trust t = { b->certs, b->bindings, b->n_certs };
	return t;
}

/* notation-go's truststore checks of one file: ValidateCertificates, then
 * isRootCACertificate for tsa stores. */
static int validate_bound(const struct nv_cert *c, const struct nv_cert_binding *bd, struct ferry_err *e)
{
	const char *key = bd->key ? bd->key : bd->name;
	struct ferry_err inner;

	if (!c->is_ca && !nv_cert_is_self_signed(c))
		return ferr_set(e, REASON, "failed to validate the trusted certificate %s in trust store %s of type %s", key,
				bd->name, bd->type);
	if (strcmp(bd->type, NV_STORE_TSA) != 0)
		return 0;
	ferr_clear(&inner);
	if (nv_cert_check_signature_from(c, c, &inner) < 0) {
		_cleanup_free_ char *q = gj_quote(c->subject_string);
		return ferr_set(e, REASON, "trusted certificate %s in trust store %s of type %s is invalid: certificate with "
				"subject %s is not a root CA certificate: %s", key, bd->name, bd->type, q, inner.msg);
	}
	if (c->raw_subject_len != c->raw_issuer_len || memcmp(c->raw_subject, c->raw_issuer, c->raw_issuer_len) != 0) {
		_cleanup_free_ char *q = gj_quote(c->subject_string);
		return ferr_set(e, REASON, "trusted certificate %s in trust store %s of type %s is invalid: certificate with "
				"subject %s is not a root CA certificate: issuer (%s) and subject (%s) are not the same", key,
				bd->name, bd->type, q, c->issuer_string, c->subject_string);
	}
	return 0;
}

static bool listed(const struct nv_statement *st, const char *type, const char *name)
{
	size_t tl = strlen(type);

	for (size_t i = 0; i < st->n_trust_stores; i++) {
		const char *ts = st->trust_stores[i];

		if (!strncmp(ts, type, tl) && ts[tl] == ':' && (!name || !strcmp(ts + tl + 1, name)))
			return true;
	}
	return false;
}

int nv_trust_select(const struct nv_trust *t, const struct nv_statement *st, const char *type,
		    struct nv_cert ***out, size_t *n, struct ferry_err *e)
{
	bool any_unbound = false;

	*out = NULL;
	*n = 0;
	if (!listed(st, type, NULL))
		return 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct nv_cert_binding *bd = t->bindings ? &t->bindings[i] : NULL;
		bool use;

		if (!bd || !bd->type) {
			any_unbound = true;
			use = true;
		} else {
			use = !strcmp(bd->type, type) && listed(st, type, bd->name);
		}
		if (use && bd && bd->type && validate_bound(t->certs[i], bd, e) < 0) {
			free(*out);
			*out = NULL;
			*n = 0;
			return -1;
		}
		if (use) {
			*out = xrealloc(*out, (*n + 1) * sizeof(**out));
			(*out)[(*n)++] = t->certs[i];
		}
	}
	if (any_unbound || t->n == 0)
		return 0;
	/* every certificate is bound: a listed store without any is missing */
	for (size_t i = 0; i < st->n_trust_stores; i++) {
		const char *ts = st->trust_stores[i], *name;
		size_t tl = strlen(type);
		bool found = false;

		if (strncmp(ts, type, tl) != 0 || ts[tl] != ':')
			continue;
		name = ts + tl + 1;
		for (size_t k = 0; k < t->n && !found; k++)
			found = t->bindings[k].type && !strcmp(t->bindings[k].type, type) &&
				!strcmp(t->bindings[k].name, name);
		if (!found) {
			_cleanup_free_ char *qn = gj_quote(name);
			_cleanup_free_ char *qt = gj_quote(type);

			free(*out);
			*out = NULL;
			*n = 0;
			return ferr_set(e, REASON, "the trust store %s of type %s does not exist", qn, qt);
		}
	}
	return 0;
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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sha256 over the canonical policy and the sorted, distinct certificate
 * thumbprints: the inputs that decide a verdict. A bound certificate counts
 * as "type:name:thumbprint" (unbound ones keep the bare thumbprint, so a
 * bundle without bindings keeps its fingerprint). */
static void compute_fingerprint(struct nv_bundle *b)
{
	struct sha256_stream s;
	const unsigned char **tp = xcalloc(b->n_certs + 1, sizeof(*tp));
	char **bound = xcalloc(b->n_certs + 1, sizeof(*bound));
	char *policy = nv_policy_canonical(b->policy);
	size_t n_tp = 0, n_bound = 0;
	char hex[65];

	sha256_stream_init(&s);
	sha256_stream_update(&s, "ferry-notation-bundle-v1\n", strlen("ferry-notation-bundle-v1\n"));
	sha256_stream_update(&s, policy, strlen(policy));
	sha256_stream_update(&s, "\n", 1);
	for (size_t i = 0; i < b->n_certs; i++) {
		if (b->bindings && b->bindings[i].type) {
			hex_encode(b->certs[i]->sha256, 32, hex);
			hex[64] = '\0';
			bound[n_bound++] = xasprintf("%s:%s:%s\n", b->bindings[i].type, b->bindings[i].name, hex);
		} else {
			tp[n_tp++] = b->certs[i]->sha256;
		}
	}
	qsort(tp, n_tp, sizeof(*tp), cmp_thumbprint);
	for (size_t i = 0; i < n_tp; i++) {
		if (i > 0 && memcmp(tp[i], tp[i - 1], 32) == 0)
			continue;
		hex_encode(tp[i], 32, hex);
		hex[64] = '\n';
		sha256_stream_update(&s, hex, 65);
	}
	qsort(bound, n_bound, sizeof(*bound), cmp_str);
	for (size_t i = 0; i < n_bound; i++) {
		if (i == 0 || strcmp(bound[i], bound[i - 1]) != 0)
			sha256_stream_update(&s, bound[i], strlen(bound[i]));
	}
	for (size_t i = 0; i < n_bound; i++)
		free(bound[i]);
	sha256_stream_final_hex(&s, b->fingerprint);
	free(bound);
	free(tp);
	free(policy);
}

int nv_bundle_from_parts(const char *secret, struct nv_policy *policy, struct nv_cert **certs, size_t n_certs,
			 struct nv_bundle **out, struct ferry_err *e)
{
	return nv_bundle_from_parts_bound(secret, policy, certs, NULL, n_certs, out, e);
}

int nv_bundle_from_parts_bound(const char *secret, struct nv_policy *policy, struct nv_cert **certs,
			       struct nv_cert_binding *bindings, size_t n_certs, struct nv_bundle **out,
			       struct ferry_err *e)
{
	struct nv_bundle *b = xcalloc(1, sizeof(*b));

	*out = NULL;
	b->secret = xstrdup(secret);
	b->policy = policy;
	b->certs = certs;
	b->n_certs = n_certs;
	b->bindings = bindings ? bindings : xcalloc(n_certs + 1, sizeof(*bindings));
	nv_policy_clean(b->policy);
	if (nv_policy_validate(b->policy, e) < 0) {
		nv_bundle_free(b);
		return -1;
	}
	compute_fingerprint(b);
	*out = b;
	return 0;
}

static void append_certs(struct nv_cert ***all, struct nv_cert_binding **bindings, size_t *n, struct nv_cert **more,
			 size_t n_more, const char *key, const char *type, const char *name)
{
	*all = xrealloc(*all, (*n + n_more + 1) * sizeof(**all));
	*bindings = xrealloc(*bindings, (*n + n_more + 1) * sizeof(**bindings));
	memcpy(*all + *n, more, n_more * sizeof(*more));
	for (size_t i = 0; i < n_more; i++) {
		(*bindings)[*n + i].type = type ? xstrdup(type) : NULL;
		(*bindings)[*n + i].name = name ? xstrdup(name) : NULL;
		(*bindings)[*n + i].key = type ? xstrdup(key) : NULL;
	}
	*n += n_more;
	free(more);
}

static void bindings_free(struct nv_cert_binding *b, size_t n)
{
	for (size_t i = 0; b && i < n; i++) {
		free(b[i].type);
		free(b[i].name);
		free(b[i].key);
	}
	free(b);
}

int nv_bundle_load(const struct cfg_secret *secret, struct nv_bundle **out, struct ferry_err *e)
{
	_cleanup_free_ char *name = xasprintf("%s/%s", str_or(secret->ns, ""), str_or(secret->name, ""));
	const struct cfg_secret_entry *doc = secret_get(secret, TRUST_POLICY_KEY);
	struct nv_policy *policy = NULL;
	struct nv_cert **certs = NULL;
	struct nv_cert_binding *bindings = NULL;
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
		_cleanup_free_ char *type = NULL;
		_cleanup_free_ char *store = NULL;

		if (!is_cert_key(ent->key))
			continue;
		nv_cert_key_binding(ent->key, &type, &store);
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
		append_certs(&certs, &bindings, &n_certs, more, n_more, ent->key, type, store);
	}
	if (n_certs == 0) {
		ferr_set(e, REASON, "no certificates found in secret '%s'", name);
		goto fail;
	}
	return nv_bundle_from_parts_bound(name, policy, certs, bindings, n_certs, out, e);
fail:
	bindings_free(bindings, n_certs);
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
	bindings_free(b->bindings, b->n_certs);
	nv_certs_free(b->certs, b->n_certs);
	free(b);
}

const char *nv_bundle_fingerprint(const struct nv_bundle *b)
{
	return b->fingerprint;
}
