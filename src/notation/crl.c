/* crl.c - CRL parsing (Go's x509.ParseRevocationList), fetching with the
 * state-dir cache, base/delta validation and the entry rules of
 * notation-core-go's revocation/internal/crl. */
#include "notation/crl.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "notation/cert_internal.h"
#include "notation/fetch.h"
#include "notation/revcache.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"

#define OID_CRL_NUMBER   "2.5.29.20"
#define OID_REASON_CODE  "2.5.29.21"
#define OID_INVALIDITY   "2.5.29.24"
#define OID_DELTA_IND    "2.5.29.27"
#define OID_IDP          "2.5.29.28"
#define OID_AKID         "2.5.29.35"
#define OID_FRESHEST     "2.5.29.46"

#define REASON_CERTIFICATE_HOLD 6
#define REASON_REMOVE_FROM_CRL  8

static int fail(char *why, size_t n, const char *msg)
{
	snprintf(why, n, "%s", msg);
	return -1;
}

/* ---- parsing ---------------------------------------------------------------------- */

struct entry {
	const unsigned char *serial; size_t serial_len;
	int64_t revoked_at;
	int64_t reason;
	bool has_invalidity;         int64_t invalidity;
	char unknown_critical[DER_OID_STR_MAX];
};

static int read_time(struct der *d, int64_t *out)
{
	struct der_tlv t;

	if (der_read(d, &t) < 0)
		return -1;
	return der_time(&t, out);
}

/* One Extension of a CRL or of a CRL entry: its OID, criticality and value. */
static int read_extension(struct der *exts, char oid[DER_OID_STR_MAX], bool *critical, struct der *val)
{
	struct der_tlv ext, id, crit, value;
	struct der e;
	bool present;

	*critical = false;
	if (der_read_tag(exts, DER_SEQUENCE, &ext) < 0)
		return -1;
	e = der_contents(&ext);
	if (der_read_tag(&e, DER_OID, &id) < 0 || der_oid_tlv_string(&id, oid) < 0 ||
	    der_read_optional(&e, DER_BOOLEAN, &crit, &present) < 0 || (present && der_boolean(&crit, critical) < 0) ||
	    der_read_tag(&e, DER_OCTET_STRING, &value) < 0 || !der_empty(&e))
		return -1;
	*val = der_contents(&value);
	return 0;
}

/* One revokedCertificates entry with its extensions. */
static int parse_entry(struct der *list, struct entry *en, char *why, size_t n)
{
	struct der_tlv el, t;
	struct der d, exts;
	size_t count = 0;

	memset(en, 0, sizeof(*en));
	if (der_read_tag(list, DER_SEQUENCE, &el) < 0)
		return fail(why, n, "x509: malformed crl");
	d = der_contents(&el);
	if (der_read_tag(&d, DER_INTEGER, &t) < 0 || !der_integer_valid(t.val, t.val_len))
		return fail(why, n, "x509: malformed serial number");
	en->serial = t.val;
	en->serial_len = t.val_len;
	if (read_time(&d, &en->revoked_at) < 0)
		return fail(why, n, "x509: malformed revocation time");
	if (der_empty(&d))
		return 0;
	if (der_read_tag(&d, DER_SEQUENCE, &t) < 0)
		return fail(why, n, "x509: malformed extensions");
	exts = der_contents(&t);
	while (!der_empty(&exts)) {
		struct der_tlv v;
		struct der val;
		char oid[DER_OID_STR_MAX];
		bool critical;

		if (++count > LIMIT_CRL_ENTRY_EXTENSIONS)
			return fail(why, n, "x509: too many crl entry extensions");
		if (read_extension(&exts, oid, &critical, &val) < 0)
			return fail(why, n, "x509: malformed extension");
		if (!strcmp(oid, OID_REASON_CODE)) {
			if (der_read_tag(&val, DER_ENUMERATED, &v) < 0)
				return fail(why, n, "x509: malformed reasonCode extension");
			v.tag = DER_INTEGER;
			if (der_integer_i64(&v, &en->reason) < 0)
				return fail(why, n, "x509: malformed reasonCode extension");
		}
		if (!strcmp(oid, OID_INVALIDITY)) {
			int64_t us;

			if (der_read_tag(&val, DER_GENERALIZED_TIME, &v) < 0 || !der_empty(&val) ||
			    der_generalized_time_us(&v, &us) < 0)
				return fail(why, n, "failed to parse invalidity date");
			en->has_invalidity = true;
			en->invalidity = us / 1000000;
		} else if (critical && !en->unknown_critical[0]) {
			snprintf(en->unknown_critical, sizeof(en->unknown_critical), "%s", oid);
		}
	}
	return 0;
}

static int crl_extensions(struct nv_crl *c, struct der exts, char *why, size_t n)
{
	while (!der_empty(&exts)) {
		struct der_tlv v;
		struct der val;
		char oid[DER_OID_STR_MAX];
		bool critical;

		if (read_extension(&exts, oid, &critical, &val) < 0)
			return fail(why, n, "x509: malformed extension");
		if (!strcmp(oid, OID_CRL_NUMBER) || !strcmp(oid, OID_DELTA_IND)) {
			if (der_read_tag(&val, DER_INTEGER, &v) < 0 || !der_integer_valid(v.val, v.val_len))
				return fail(why, n, !strcmp(oid, OID_CRL_NUMBER) ? "x509: malformed crl number"
										 : "failed to parse delta CRL indicator extension");
			if (!strcmp(oid, OID_CRL_NUMBER)) {
				c->number = v.val;
				c->number_len = v.val_len;
			} else {
				c->delta_base = v.val;
				c->delta_base_len = v.val_len;
			}
		} else if (!strcmp(oid, OID_FRESHEST)) {
			c->freshest = val.p;
			c->freshest_len = val.len;
		}
		if (critical && strcmp(oid, OID_IDP) != 0 && strcmp(oid, OID_DELTA_IND) != 0 && !c->unknown_critical[0])
			snprintf(c->unknown_critical, sizeof(c->unknown_critical), "%s", oid);
	}
	return 0;
}

int nv_crl_parse(const void *der, size_t len, struct nv_crl *c, char *why, size_t n)
{
	struct der d = der_init(der, len), body, tbs, list;
	struct der_tlv outer, tbs_el, inner_ai, outer_ai, sig, t;
	const unsigned char *bits;
	size_t nbits;
	unsigned unused;

	memset(c, 0, sizeof(*c));
	if (der_read_tag(&d, DER_SEQUENCE, &outer) < 0 || !der_empty(&d))
		return fail(why, n, "x509: malformed crl");
	body = der_contents(&outer);
	if (der_read_tag(&body, DER_SEQUENCE, &tbs_el) < 0)
		return fail(why, n, "x509: malformed tbs crl");
	if (der_read_tag(&body, DER_SEQUENCE, &outer_ai) < 0)
		return fail(why, n, "x509: malformed signature algorithm identifier");
	if (der_read_tag(&body, DER_BIT_STRING, &sig) < 0 || der_bit_string(&sig, &bits, &nbits, &unused) < 0 ||
	    !der_empty(&body))
		return fail(why, n, "x509: malformed signature");
	c->tbs = tbs_el.raw;
	c->tbs_len = tbs_el.raw_len;
	c->sig = bits;
	c->sig_len = nbits;
	tbs = der_contents(&tbs_el);
	if (der_peek_tag(&tbs) == DER_INTEGER) {
		int64_t version;

		if (der_read(&tbs, &t) < 0 || der_integer_i64(&t, &version) < 0)
			return fail(why, n, "x509: malformed crl");
		if (version != 1)
			return fail(why, n, "x509: unsupported crl version");
	}
	if (der_read_tag(&tbs, DER_SEQUENCE, &inner_ai) < 0)
		return fail(why, n, "x509: malformed signature algorithm identifier");
	if (inner_ai.raw_len != outer_ai.raw_len || memcmp(inner_ai.raw, outer_ai.raw, inner_ai.raw_len) != 0)
		return fail(why, n, "x509: inner and outer signature algorithm identifiers don't match");
	{
		struct der ai = der_contents(&outer_ai);

		if (der_read_tag(&ai, DER_OID, &t) < 0 || der_oid_tlv_string(&t, c->sig_oid) < 0)
			return fail(why, n, "x509: malformed signature algorithm identifier");
		if (!der_empty(&ai)) {
			c->sig_params = ai.p;
			c->sig_params_len = ai.len;
		}
	}
	if (der_read_tag(&tbs, DER_SEQUENCE, &t) < 0)
		return fail(why, n, "x509: malformed issuer");
	c->issuer = t.raw;
	c->issuer_len = t.raw_len;
	if (read_time(&tbs, &c->this_update) < 0)
		return fail(why, n, "x509: malformed thisUpdate");
	if (der_peek_tag(&tbs) == DER_UTC_TIME || der_peek_tag(&tbs) == DER_GENERALIZED_TIME) {
		if (read_time(&tbs, &c->next_update) < 0)
			return fail(why, n, "x509: malformed nextUpdate");
		c->has_next_update = true;
	}
	if (der_peek_tag(&tbs) == DER_SEQUENCE) {
		struct entry en;

		if (der_read(&tbs, &t) < 0)
			return fail(why, n, "x509: malformed crl");
		c->entries = t.val;
		c->entries_len = t.val_len;
		list = der_contents(&t);
		while (!der_empty(&list))
			if (parse_entry(&list, &en, why, n) < 0)
				return -1;
	}
	if (der_peek_tag(&tbs) == DER_CTX_CONS(0)) {
		struct der x;

		if (der_read(&tbs, &t) < 0)
			return fail(why, n, "x509: malformed extensions");
		x = der_contents(&t);
		if (der_read_tag(&x, DER_SEQUENCE, &t) < 0 || !der_empty(&x))
			return fail(why, n, "x509: malformed extensions");
		if (crl_extensions(c, der_contents(&t), why, n) < 0)
			return -1;
	}
	if (!der_empty(&tbs))
		return fail(why, n, "x509: malformed crl");
	return 0;
}

/* ---- validation ------------------------------------------------------------------- */

/* Compare two minimal DER INTEGER contents as signed numbers. */
static int int_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	bool na = an && (a[0] & 0x80), nb = bn && (b[0] & 0x80);
	int c;

	if (na != nb)
		return na ? -1 : 1;
	if (an != bn)
		return (an > bn) == !na ? 1 : -1;
	c = memcmp(a, b, an);
	return c < 0 ? -1 : c > 0;
}

/* RevocationList.CheckSignatureFrom: a CA issuer that may sign CRLs. */
static int check_signed_by(const struct nv_crl *c, const struct nv_cert *issuer, char *why, size_t n)
{
	char err[256];
	_cleanup_free_ char *subject = NULL;

	if ((issuer->version == 3 && !issuer->has_basic_constraints) ||
	    (issuer->has_basic_constraints && !issuer->is_ca) ||
	    (issuer->key_usage != 0 && !(issuer->key_usage & NV_KU_CRL_SIGN)))
		snprintf(err, sizeof(err), "x509: invalid signature: parent certificate cannot sign this kind of "
			 "certificate");
	else if (nv_check_signature_ai(issuer, c->sig_oid, c->sig_params, c->sig_params_len, false, c->tbs, c->tbs_len,
				       c->sig, c->sig_len, err, sizeof(err)) == 0)
		return 0;
	snprintf(why, n, "CRL is not signed by CA %s: %s,", issuer->subject_string, err);
	return -1;
}

static bool effective(const struct nv_crl *c, int64_t now)
{
	return c->has_next_update && now <= c->next_update;
}

static int validate_one(const struct nv_crl *c, const struct nv_cert *issuer, int64_t now, char *why, size_t n)
{
	if (check_signed_by(c, issuer, why, n) < 0)
		return -1;
	if (!c->has_next_update)
		return fail(why, n, "CRL NextUpdate is not set");
	if (now > c->next_update)
		return fail(why, n, "expired CRL: the current time is after its NextUpdate");
	if (c->unknown_critical[0]) {
		snprintf(why, n, "unsupported critical extension found in CRL: %s", c->unknown_critical);
		return -1;
	}
	return 0;
}

struct bundle {
	struct buf base_der, delta_der;
	struct nv_crl base, delta;
	bool has_delta;
};

static int validate(const struct bundle *b, const struct nv_cert *issuer, int64_t now, char *why, size_t n)
{
	char inner[512];

	if (validate_one(&b->base, issuer, now, inner, sizeof(inner)) < 0) {
		snprintf(why, n, "failed to validate base CRL: %s", inner);
		return -1;
	}
	if (!b->has_delta)
		return 0;
	if (validate_one(&b->delta, issuer, now, inner, sizeof(inner)) < 0) {
		snprintf(why, n, "failed to validate delta CRL: %s", inner);
		return -1;
	}
	if (!b->delta.number || !b->base.number ||
	    int_cmp(b->delta.number, b->delta.number_len, b->base.number, b->base.number_len) <= 0)
		return fail(why, n, "delta CRL number is not greater than the base CRL number");
	if (!b->delta.delta_base)
		return fail(why, n, "delta CRL indicator extension is not found");
	if (int_cmp(b->delta.delta_base, b->delta.delta_base_len, b->base.number, b->base.number_len) > 0)
		return fail(why, n, "delta CRL indicator is not less than or equal to the base CRL number");
	return 0;
}

/* ---- fetching ----------------------------------------------------------------------- */

/* URIs of a CRLDistributionPoints-shaped value (Freshest CRL), as
 * notation-core-go's parseCRLDistributionPoint reads them. */
static int dp_urls(const unsigned char *v, size_t len, char ***urls, size_t *n)
{
	struct der d = der_init(v, len), seq;
	struct der_tlv t;

	*urls = NULL;
	*n = 0;
	if (der_read_tag(&d, DER_SEQUENCE, &t) < 0)
		return -1;
	seq = der_contents(&t);
	while (!der_empty(&seq)) {
		struct der dp, names;
		bool present;

		if (der_read_tag(&seq, DER_SEQUENCE, &t) < 0)
			return -1;
		dp = der_contents(&t);
		if (der_read_optional(&dp, DER_CTX_CONS(0), &t, &present) < 0)
			return -1;
		if (!present)
			continue;
		names = der_contents(&t);
		if (der_read_tag(&names, DER_CTX_CONS(0), &t) < 0)
			return -1;
		names = der_contents(&t);
		while (!der_empty(&names) && der_peek_tag(&names) == DER_CTX_PRIM(6) && *n < LIMIT_CERT_LIST_ITEMS) {
			if (der_read(&names, &t) < 0)
				return -1;
			*urls = xrealloc(*urls, (*n + 1) * sizeof(**urls));
			(*urls)[(*n)++] = xstrndup((const char *)t.val, t.val_len);
		}
	}
	return 0;
}

static void free_urls(char **urls, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(urls[i]);
	free(urls);
}

static int fetch_one(struct nv_rev_ctx *ctx, const char *url, struct buf *der, struct nv_crl *crl, char *why,
		     size_t n)
{
	struct nv_fetch *f;
	struct ferry_err e;
	char inner[512];

	if (strncasecmp(url, "http:", 5) != 0) {
		const char *colon = strchr(url, ':');
		snprintf(why, n, "unsupported scheme: %.*s. Only supports CRL URL in HTTP protocol",
			 colon ? (int)(colon - url) : 0, url);
		return -1;
	}
	f = nv_rev_fetch(ctx);
	if (!f) {
		snprintf(why, n, "no network access for %s", url);
		return -1;
	}
	ferr_clear(&e);
	if (nv_fetch_do(f, url, NULL, NULL, 0, LIMIT_CRL_TIMEOUT_MS, der, &e) < 0) {
		snprintf(why, n, "request failed: %s", e.msg);
		return -1;
	}
	if (nv_crl_parse(der->data, der->len, crl, inner, sizeof(inner)) < 0) {
		snprintf(why, n, "%s", inner);
		return -1;
	}
	return 0;
}

/* The delta CRL named by the base's Freshest CRL extension: 1 got one, 0
 * none named, -1 failure. */
static int fetch_delta(struct nv_rev_ctx *ctx, struct bundle *b, char *why, size_t n)
{
	char **urls;
	size_t n_urls;
	int rc = -1;

	if (!b->base.freshest)
		return 0;
	if (dp_urls(b->base.freshest, b->base.freshest_len, &urls, &n_urls) < 0) {
		free_urls(urls, n_urls);
		return fail(why, n, "failed to parse Freshest CRL extension: x509: invalid CRL distribution points");
	}
	if (n_urls == 0)
		rc = 0;
	for (size_t i = 0; i < n_urls && rc < 0; i++)
		if (fetch_one(ctx, urls[i], &b->delta_der, &b->delta, why, n) == 0)
			rc = 1;
	free_urls(urls, n_urls);
	return rc;
}

/* HTTPFetcher.Fetch with the state-dir cache: a cached base (and delta)
 * still effective is used as it is, else both are fetched again. */
static int load_bundle(struct nv_rev_ctx *ctx, const char *url, struct bundle *b, char *why, size_t n)
{
	char inner[512];
	int r;

	if (nv_revcache_get(ctx->cache, NV_REVCACHE_CRL, url, LIMIT_CRL_BYTES, &b->base_der) == 0 &&
	    nv_crl_parse(b->base_der.data, b->base_der.len, &b->base, inner, sizeof(inner)) == 0 &&
	    effective(&b->base, ctx->now)) {
		if (!b->base.freshest) {
			log_debug("CRL %s from the cache (next update %lld)", url, (long long)b->base.next_update);
			return 0;
		}
		if (nv_revcache_get(ctx->cache, NV_REVCACHE_CRL_DELTA, url, LIMIT_CRL_BYTES, &b->delta_der) == 0 &&
		    nv_crl_parse(b->delta_der.data, b->delta_der.len, &b->delta, inner, sizeof(inner)) == 0 &&
		    effective(&b->delta, ctx->now)) {
			b->has_delta = true;
			return 0;
		}
	}
	buf_reset(&b->delta_der);
	if (fetch_one(ctx, url, &b->base_der, &b->base, inner, sizeof(inner)) < 0) {
		snprintf(why, n, "failed to download CRL from %s: failed to retrieve CRL: %s", url, inner);
		return -1;
	}
	r = fetch_delta(ctx, b, inner, sizeof(inner));
	if (r < 0) {
		snprintf(why, n, "failed to download CRL from %s: failed to retrieve CRL: %s", url, inner);
		return -1;
	}
	b->has_delta = r == 1;
	nv_revcache_put(ctx->cache, NV_REVCACHE_CRL, url, b->base_der.data, b->base_der.len);
	if (b->has_delta)
		nv_revcache_put(ctx->cache, NV_REVCACHE_CRL_DELTA, url, b->delta_der.data, b->delta_der.len);
	else
		nv_revcache_drop(ctx->cache, NV_REVCACHE_CRL_DELTA, url);
	return 0;
}

/* ---- entries ------------------------------------------------------------------------- */

/* checkRevocation over the base then the delta entries. */
static int check_entries(const struct bundle *b, const struct nv_cert *cert, int64_t signing_time,
			 enum nv_rev_result *res, char *why, size_t n)
{
	struct entry latest_temp;
	bool have_temp = false;

	memset(&latest_temp, 0, sizeof(latest_temp));
	for (int which = 0; which < (b->has_delta ? 2 : 1); which++) {
		const struct nv_crl *c = which == 0 ? &b->base : &b->delta;
		struct der list = der_init(c->entries, c->entries_len);

		while (!der_empty(&list)) {
			struct entry en;

			if (parse_entry(&list, &en, why, n) < 0)
				return -1;
			if (en.serial_len != cert->serial_len || memcmp(en.serial, cert->serial, en.serial_len) != 0)
				continue;
			if (en.unknown_critical[0]) {
				snprintf(why, n, "unsupported critical extension found in CRL: %s", en.unknown_critical);
				return -1;
			}
			if (signing_time != 0 && en.has_invalidity && signing_time < en.invalidity) {
				*res = NV_REV_OK;
				return 0;
			}
			if (en.reason == REASON_CERTIFICATE_HOLD || en.reason == REASON_REMOVE_FROM_CRL) {
				if (!have_temp || latest_temp.revoked_at < en.revoked_at) {
					latest_temp = en;
					have_temp = true;
				}
				continue;
			}
			*res = NV_REV_REVOKED;
			return 0;
		}
	}
	*res = have_temp && latest_temp.reason == REASON_CERTIFICATE_HOLD ? NV_REV_REVOKED : NV_REV_OK;
	return 0;
}

enum nv_rev_result nv_crl_check(struct nv_rev_ctx *ctx, const struct nv_cert *cert, const struct nv_cert *issuer,
				char *why, size_t why_len)
{
	enum nv_rev_result res = NV_REV_OK;

	if (cert->n_crl == 0)
		return NV_REV_NON_REVOKABLE;
	for (size_t i = 0; i < cert->n_crl; i++) {
		const char *url = cert->crl_urls[i];
		struct bundle b;
		char inner[768];
		enum nv_rev_result one = NV_REV_UNKNOWN;
		int rc = -1;

		memset(&b, 0, sizeof(b));
		buf_init(&b.base_der, LIMIT_CRL_BYTES);
		buf_init(&b.delta_der, LIMIT_CRL_BYTES);
		if (load_bundle(ctx, url, &b, why, why_len) < 0)
			goto done;
		if (cert->has_freshest_crl && !b.has_delta) {
			snprintf(why, why_len, "freshest CRL from certificate extension is not supported");
			goto done;
		}
		if (validate(&b, issuer, ctx->now, inner, sizeof(inner)) < 0) {
			snprintf(why, why_len, "failed to validate CRL from %s: %s", url, inner);
			goto done;
		}
		if (check_entries(&b, cert, ctx->signing_time, &one, inner, sizeof(inner)) < 0) {
			snprintf(why, why_len, "failed to check revocation status from %s: %s", url, inner);
			goto done;
		}
		rc = 0;
done:
		buf_free(&b.base_der);
		buf_free(&b.delta_der);
		if (rc < 0)
			return NV_REV_UNKNOWN;
		if (one == NV_REV_REVOKED) {
			snprintf(why, why_len, "certificate is revoked via CRL %s", url);
			return NV_REV_REVOKED;
		}
	}
	return res;
}
