/* ocsp.c - OCSP requests, response parsing and verification, and the
 * per-certificate OCSP check with its cache (notation-core-go
 * revocation/internal/ocsp over x/crypto/ocsp). */
#include "notation/ocsp.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "notation/cert_internal.h"
#include "notation/der.h"
#include "notation/fetch.h"
#include "notation/revcache.h"
#include "util/b64.h"
#include "util/digest.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"

#define OID_SHA1        "1.3.14.3.2.26"
#define OID_SHA256      "2.16.840.1.101.3.4.2.1"
#define OID_SHA384      "2.16.840.1.101.3.4.2.2"
#define OID_SHA512      "2.16.840.1.101.3.4.2.3"
#define OID_OCSP_BASIC  "1.3.6.1.5.5.7.48.1.1"
#define OID_INVALIDITY  "2.5.29.24"
#define EKU_OCSP_SIGNING "1.3.6.1.5.5.7.3.9"

/* ---- request ---------------------------------------------------------------------- */

/* The subjectPublicKey BIT STRING contents of a SubjectPublicKeyInfo. */
static int spki_key_bits(const struct nv_cert *c, const unsigned char **bits, size_t *n)
{
	struct der d = der_init(c->spki, c->spki_len), in;
	struct der_tlv t;
	unsigned unused;

	if (der_read_tag(&d, DER_SEQUENCE, &t) < 0)
		return -1;
	in = der_contents(&t);
	if (der_read_tag(&in, DER_SEQUENCE, &t) < 0 || der_read_tag(&in, DER_BIT_STRING, &t) < 0)
		return -1;
	return der_bit_string(&t, bits, n, &unused);
}

void nv_ocsp_request(const struct nv_cert *cert, const struct nv_cert *issuer, struct buf *der)
{
	static const unsigned char sha1_ai[] = { 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00 };
	unsigned char name_hash[20], key_hash[20];
	const unsigned char *bits = NULL;
	size_t nbits = 0;
	struct buf certid = BUF_INIT(0), w1 = BUF_INIT(0), w2 = BUF_INIT(0);

	nvc_hash(WC_HASH_TYPE_SHA, issuer->raw_subject, issuer->raw_subject_len, name_hash);
	if (spki_key_bits(issuer, &bits, &nbits) < 0)
		nbits = 0;
	nvc_hash(WC_HASH_TYPE_SHA, bits ? bits : (const unsigned char *)"", nbits, key_hash);
	buf_append(&certid, sha1_ai, sizeof(sha1_ai));
	der_put_tlv(&certid, DER_OCTET_STRING, name_hash, sizeof(name_hash));
	der_put_tlv(&certid, DER_OCTET_STRING, key_hash, sizeof(key_hash));
	der_put_tlv(&certid, DER_INTEGER, cert->serial, cert->serial_len);
	der_put_tlv(&w1, DER_SEQUENCE, certid.data, certid.len);    /* CertID */
	der_put_tlv(&w2, DER_SEQUENCE, w1.data, w1.len);            /* Request */
	buf_reset(&w1);
	der_put_tlv(&w1, DER_SEQUENCE, w2.data, w2.len);            /* requestList */
	buf_reset(&w2);
	der_put_tlv(&w2, DER_SEQUENCE, w1.data, w1.len);            /* TBSRequest */
	buf_init(der, 0);
	der_put_tlv(der, DER_SEQUENCE, w2.data, w2.len);            /* OCSPRequest */
	buf_free(&certid);
	buf_free(&w1);
	buf_free(&w2);
}

/* url.QueryEscape of standard base64. */
static char *query_escape(const char *s)
{
	struct buf b = BUF_INIT(0);

	for (; *s; s++) {
		if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))
			buf_append(&b, s, 1);
		else
			buf_printf(&b, "%%%02X", (unsigned char)*s);
	}
	return buf_cstr(&b);
}

char *nv_ocsp_get_url(const char *server, const struct buf *request)
{
	_cleanup_free_ char *b64 = b64_encode_std(request->data, request->len);
	_cleanup_free_ char *escaped = NULL;
	size_t n = strlen(server);

	if (strlen(b64) >= LIMIT_OCSP_REQUEST_URL_LEN)
		return NULL;
	escaped = query_escape(b64);
	if (strlen(escaped) >= LIMIT_OCSP_REQUEST_URL_LEN)
		return NULL;
	while (n > 0 && server[n - 1] == '/')
		n--;
	return xasprintf("%.*s/%s", (int)n, server, escaped);
}

/* ---- response --------------------------------------------------------------------- */

static int fail(char *why, size_t n, const char *msg)
{
	snprintf(why, n, "%s", msg);
	return -1;
}

static int gtime(const struct der_tlv *t, int64_t *sec)
{
	int64_t us;

	if (der_generalized_time_us(t, &us) < 0)
		return -1;
	*sec = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
	return 0;
}

static bool hash_oid_known(const char *oid)
{
	return !strcmp(oid, OID_SHA1) || !strcmp(oid, OID_SHA256) || !strcmp(oid, OID_SHA384) || !strcmp(oid, OID_SHA512);
}

/* SingleResponse. 1 when it is the one for cert's serial, 0 another, -1 bad. */
static int single_response(const struct der_tlv *el, const struct nv_cert *cert, struct nv_ocsp_response *out,
			   char hash_oid[DER_OID_STR_MAX], char *why, size_t n)
{
	struct der d = der_contents(el), id, ai, exts;
	struct der_tlv t, serial, status, ext;
	bool present;

	if (der_read_tag(&d, DER_SEQUENCE, &t) < 0)
		return fail(why, n, "ocsp: malformed CertID");
	id = der_contents(&t);
	if (der_read_tag(&id, DER_SEQUENCE, &t) < 0)
		return fail(why, n, "ocsp: malformed CertID");
	ai = der_contents(&t);
	if (der_read_tag(&ai, DER_OID, &t) < 0 || der_oid_tlv_string(&t, hash_oid) < 0)
		return fail(why, n, "ocsp: malformed CertID");
	if (der_read_tag(&id, DER_OCTET_STRING, &t) < 0 || der_read_tag(&id, DER_OCTET_STRING, &t) < 0 ||
	    der_read_tag(&id, DER_INTEGER, &serial) < 0)
		return fail(why, n, "ocsp: malformed CertID");
	if (serial.val_len != cert->serial_len || memcmp(serial.val, cert->serial, serial.val_len) != 0)
		return 0;
	memset(out, 0, sizeof(*out));
	if (der_read(&d, &status) < 0)
		return fail(why, n, "ocsp: malformed certStatus");
	if (status.tag == DER_CTX_PRIM(0)) {
		out->status = NV_OCSP_GOOD;
	} else if (status.tag == DER_CTX_CONS(1)) {
		struct der r = der_contents(&status);

		out->status = NV_OCSP_REVOKED;
		if (der_read_tag(&r, DER_GENERALIZED_TIME, &t) < 0 || gtime(&t, &out->revoked_at) < 0)
			return fail(why, n, "ocsp: malformed revocation time");
	} else if (status.tag == DER_CTX_PRIM(2)) {
		out->status = NV_OCSP_UNKNOWN;
	} else {
		return fail(why, n, "ocsp: malformed certStatus");
	}
	if (der_read_tag(&d, DER_GENERALIZED_TIME, &t) < 0 || gtime(&t, &out->this_update) < 0)
		return fail(why, n, "ocsp: malformed thisUpdate");
	if (der_read_optional(&d, DER_CTX_CONS(0), &t, &present) < 0)
		return fail(why, n, "ocsp: malformed nextUpdate");
	if (present) {
		struct der nu = der_contents(&t);

		if (der_read_tag(&nu, DER_GENERALIZED_TIME, &t) < 0 || gtime(&t, &out->next_update) < 0)
			return fail(why, n, "ocsp: malformed nextUpdate");
		out->has_next_update = true;
	}
	if (der_read_optional(&d, DER_CTX_CONS(1), &t, &present) < 0)
		return fail(why, n, "ocsp: malformed singleExtensions");
	if (!present)
		return 1;
	exts = der_contents(&t);
	if (der_read_tag(&exts, DER_SEQUENCE, &t) < 0)
		return fail(why, n, "ocsp: malformed singleExtensions");
	exts = der_contents(&t);
	while (!der_empty(&exts)) {
		struct der e;
		struct der_tlv oid_el, crit, value;
		char oid[DER_OID_STR_MAX];
		bool critical = false;

		if (der_read_tag(&exts, DER_SEQUENCE, &ext) < 0)
			return fail(why, n, "ocsp: malformed extension");
		e = der_contents(&ext);
		if (der_read_tag(&e, DER_OID, &oid_el) < 0 || der_oid_tlv_string(&oid_el, oid) < 0 ||
		    der_read_optional(&e, DER_BOOLEAN, &crit, &present) < 0 ||
		    (present && der_boolean(&crit, &critical) < 0) || der_read_tag(&e, DER_OCTET_STRING, &value) < 0)
			return fail(why, n, "ocsp: malformed extension");
		if (critical)
			return fail(why, n, "ocsp: unsupported critical extension");
		if (!strcmp(oid, OID_INVALIDITY)) {
			struct der v = der_contents(&value);

			if (der_read_tag(&v, DER_GENERALIZED_TIME, &t) == 0 && der_empty(&v) &&
			    gtime(&t, &out->invalidity_date) == 0)
				out->has_invalidity_date = true;
		}
	}
	return 1;
}

int nv_ocsp_parse_response(const void *der, size_t len, const struct nv_cert *cert, const struct nv_cert *issuer,
			   struct nv_ocsp_response *out, char *why, size_t n)
{
	struct der d = der_init(der, len), in, basic, tbs_in, list;
	struct der_tlv outer, t, rb, tbs, sig_ai, sig, resp_list;
	struct nv_cert *responder = NULL;
	const struct nv_cert *signer = issuer;
	char oid[DER_OID_STR_MAX], hash_oid[DER_OID_STR_MAX], err[256];
	const unsigned char *bits, *params = NULL;
	size_t nbits, params_len = 0;
	unsigned unused;
	int64_t status;
	bool present, found = false;
	int rc = -1;

	if (der_read_tag(&d, DER_SEQUENCE, &outer) < 0 || !der_empty(&d))
		return fail(why, n, "ocsp: malformed response");
	in = der_contents(&outer);
	if (der_read_tag(&in, DER_ENUMERATED, &t) < 0)
		return fail(why, n, "ocsp: malformed response status");
	t.tag = DER_INTEGER;
	if (der_integer_i64(&t, &status) < 0)
		return fail(why, n, "ocsp: malformed response status");
	if (status != 0) {
		static const char *const names[] = { "success", "malformed", "internal error", "try later", "unknown",
						     "signature required", "unauthorized" };
		snprintf(why, n, "ocsp: error from server: %s", status > 0 && status < 7 ? names[status] : "unknown");
		return -1;
	}
	if (der_read_tag(&in, DER_CTX_CONS(0), &t) < 0)
		return fail(why, n, "ocsp: malformed response");
	in = der_contents(&t);
	if (der_read_tag(&in, DER_SEQUENCE, &rb) < 0)
		return fail(why, n, "ocsp: malformed response bytes");
	in = der_contents(&rb);
	if (der_read_tag(&in, DER_OID, &t) < 0 || der_oid_tlv_string(&t, oid) < 0 ||
	    der_read_tag(&in, DER_OCTET_STRING, &t) < 0)
		return fail(why, n, "ocsp: malformed response bytes");
	if (strcmp(oid, OID_OCSP_BASIC) != 0)
		return fail(why, n, "ocsp: bad OCSP response type");
	basic = der_init(t.val, t.val_len);
	if (der_read_tag(&basic, DER_SEQUENCE, &t) < 0 || !der_empty(&basic))
		return fail(why, n, "ocsp: trailing data in OCSP response");
	basic = der_contents(&t);
	if (der_read_tag(&basic, DER_SEQUENCE, &tbs) < 0 || der_read_tag(&basic, DER_SEQUENCE, &sig_ai) < 0 ||
	    der_read_tag(&basic, DER_BIT_STRING, &sig) < 0 || der_bit_string(&sig, &bits, &nbits, &unused) < 0)
		return fail(why, n, "ocsp: malformed basic response");
	in = der_contents(&sig_ai);
	if (der_read_tag(&in, DER_OID, &t) < 0 || der_oid_tlv_string(&t, oid) < 0)
		return fail(why, n, "ocsp: malformed signature algorithm");
	if (!der_empty(&in)) {
		params = in.p;
		params_len = in.len;
	}
	/* ResponseData */
	tbs_in = der_contents(&tbs);
	if (der_read_optional(&tbs_in, DER_CTX_CONS(0), &t, &present) < 0)
		return fail(why, n, "ocsp: malformed response data");
	if (der_read(&tbs_in, &t) < 0 || (t.tag != DER_CTX_CONS(1) && t.tag != DER_CTX_CONS(2)))
		return fail(why, n, "ocsp: invalid responder id tag");
	if (der_read_tag(&tbs_in, DER_GENERALIZED_TIME, &t) < 0)
		return fail(why, n, "ocsp: malformed producedAt");
	if (der_read_tag(&tbs_in, DER_SEQUENCE, &resp_list) < 0)
		return fail(why, n, "ocsp: malformed responses");
	list = der_contents(&resp_list);
	if (der_empty(&list))
		return fail(why, n, "ocsp: OCSP response contains bad number of responses");
	while (!der_empty(&list) && !found) {
		struct der_tlv single;
		int r;

		if (der_read_tag(&list, DER_SEQUENCE, &single) < 0)
			return fail(why, n, "ocsp: malformed single response");
		r = single_response(&single, cert, out, hash_oid, why, n);
		if (r < 0)
			return -1;
		found = r == 1;
	}
	if (!found)
		return fail(why, n, "ocsp: no response matching the supplied certificate");
	if (!hash_oid_known(hash_oid))
		return fail(why, n, "ocsp: unsupported issuer hash algorithm");
	/* the signer: the issuer, or a responder certificate it issued for OCSP signing */
	if (der_read_optional(&basic, DER_CTX_CONS(0), &t, &present) < 0)
		return fail(why, n, "ocsp: malformed certificates");
	if (present) {
		struct der certs = der_contents(&t);
		struct der_tlv seq, first;
		struct ferry_err ce;

		if (der_read_tag(&certs, DER_SEQUENCE, &seq) < 0)
			return fail(why, n, "ocsp: malformed certificates");
		certs = der_contents(&seq);
		if (!der_empty(&certs)) {
			if (der_read(&certs, &first) < 0 || nv_cert_parse_der(first.raw, first.raw_len, &responder, &ce) < 0)
				return fail(why, n, "ocsp: malformed responder certificate");
			if (!nv_cert_equal(responder, issuer)) {
				bool ocsp_signing = false;

				if (nv_cert_check_signature_raw(responder, issuer, true, err, sizeof(err)) < 0) {
					snprintf(why, n, "ocsp: bad OCSP signature: %s", err);
					goto out;
				}
				for (size_t i = 0; i < responder->n_eku; i++)
					ocsp_signing |= !strcmp(responder->eku_oids[i], EKU_OCSP_SIGNING);
				if (!ocsp_signing) {
					snprintf(why, n, "ocsp: responder certificate is not authorized for OCSP signing");
					goto out;
				}
				signer = responder;
			}
		}
	}
	if (nv_check_signature_ai(signer, oid, params, params_len, true, tbs.raw, tbs.raw_len, bits, nbits, err,
				  sizeof(err)) < 0) {
		snprintf(why, n, "ocsp: bad OCSP signature: %s", err);
		goto out;
	}
	rc = 0;
out:
	nv_cert_free(responder);
	return rc;
}

/* ---- the check ---------------------------------------------------------------------- */

/* A verified response's verdict at now (checkStatusFromServer after the
 * exchange). 1 final (OK / REVOKED / UNKNOWN status), 0 not usable. */
static int verdict(const struct nv_rev_ctx *ctx, const struct nv_ocsp_response *r, enum nv_rev_result *res,
		   char *why, size_t n)
{
	if (!r->has_next_update || ctx->now > r->next_update) {
		snprintf(why, n, "error checking revocation status via OCSP: expired OCSP response");
		return 0;
	}
	if (r->this_update > ctx->now + LIMIT_REVOCATION_CLOCK_SKEW_S) {
		snprintf(why, n, "error checking revocation status via OCSP: OCSP response is not yet valid");
		return 0;
	}
	if (r->status == NV_OCSP_REVOKED && r->has_invalidity_date && ctx->signing_time != 0 &&
	    ctx->signing_time < r->invalidity_date) {
		*res = NV_REV_OK;
		return 1;
	}
	switch (r->status) {
	case NV_OCSP_GOOD:
		*res = NV_REV_OK;
		break;
	case NV_OCSP_REVOKED:
		*res = NV_REV_REVOKED;
		snprintf(why, n, "certificate is revoked via OCSP");
		break;
	default:
		*res = NV_REV_UNKNOWN;
		snprintf(why, n, "certificate has unknown status via OCSP");
		break;
	}
	return 1;
}

/* A cached response for this request that is still usable at now. */
static int from_cache(struct nv_rev_ctx *ctx, const struct nv_cert *cert, const struct nv_cert *issuer,
		      const char *cache_id, enum nv_rev_result *res, char *why, size_t n)
{
	struct buf body = BUF_INIT(LIMIT_OCSP_RESPONSE_BYTES);
	struct nv_ocsp_response r;
	char scratch[256];
	int got = 0;

	if (nv_revcache_get(ctx->cache, NV_REVCACHE_OCSP, cache_id, LIMIT_OCSP_RESPONSE_BYTES, &body) == 0 &&
	    nv_ocsp_parse_response(body.data, body.len, cert, issuer, &r, scratch, sizeof(scratch)) == 0 &&
	    verdict(ctx, &r, res, scratch, sizeof(scratch)) == 1) {
		log_info("OCSP status of \"%s\" from the cache (the responder did not answer: %s)", cert->subject_string,
			 why);
		snprintf(why, n, "%s", scratch);
		got = 1;
	}
	buf_free(&body);
	return got;
}

/* checkStatusFromServer: 1 with *res when the server's answer is final
 * (good, revoked, unknown status), 0 with why to try the next one. The
 * network is asked first; when it cannot answer, a cached response that has
 * not reached its nextUpdate stands in (an offline host). */
static int from_server(struct nv_rev_ctx *ctx, const struct nv_cert *cert, const struct nv_cert *issuer,
		       const char *server, enum nv_rev_result *res, char *why, size_t n)
{
	struct buf req, body = BUF_INIT(LIMIT_OCSP_RESPONSE_BYTES);
	struct nv_ocsp_response r;
	struct nv_fetch *f;
	struct ferry_err e;
	char *cache_id, *get_url, *hex;
	int got = 0;

	if (strncasecmp(server, "http:", 5) != 0) {
		const char *colon = strchr(server, ':');
		snprintf(why, n, "error checking revocation status via OCSP: OCSPServer protocol %.*s is not supported",
			 colon ? (int)(colon - server) : 0, server);
		return 0;
	}
	nv_ocsp_request(cert, issuer, &req);
	hex = xmalloc(2 * req.len + 1);
	hex_encode(req.data, req.len, hex);
	hex[2 * req.len] = '\0';
	cache_id = xasprintf("%s\n%s", server, hex);
	free(hex);
	f = nv_rev_fetch(ctx);
	if (!f) {
		snprintf(why, n, "error checking revocation status via OCSP: no network access for %s", server);
		goto cached;
	}
	ferr_clear(&e);
	get_url = nv_ocsp_get_url(server, &req);
	if (nv_fetch_do(f, get_url ? get_url : server, get_url ? NULL : "application/ocsp-request",
			get_url ? NULL : req.data, req.len, LIMIT_OCSP_TIMEOUT_MS, &body, &e) < 0) {
		snprintf(why, n, "error checking revocation status via OCSP: %s", e.msg);
		free(get_url);
		goto cached;
	}
	free(get_url);
	if (nv_ocsp_parse_response(body.data, body.len, cert, issuer, &r, why, n) < 0) {
		char inner[512];

		snprintf(inner, sizeof(inner), "%s", why);
		snprintf(why, n, "error checking revocation status via OCSP: %s", inner);
		goto cached;
	}
	got = verdict(ctx, &r, res, why, n);
	if (got)
		nv_revcache_put(ctx->cache, NV_REVCACHE_OCSP, cache_id, body.data, body.len);
	else
		goto cached;
	goto out;
cached:
	got = from_cache(ctx, cert, issuer, cache_id, res, why, n);
out:
	free(cache_id);
	buf_free(&req);
	buf_free(&body);
	return got;
}

enum nv_rev_result nv_ocsp_check(struct nv_rev_ctx *ctx, const struct nv_cert *cert, const struct nv_cert *issuer,
				 char *why, size_t why_len)
{
	enum nv_rev_result res = NV_REV_UNKNOWN;

	if (cert->n_ocsp == 0)
		return NV_REV_NON_REVOKABLE;
	for (size_t i = 0; i < cert->n_ocsp; i++) {
		char one[1024] = "";

		if (from_server(ctx, cert, issuer, cert->ocsp_urls[i], &res, one, sizeof(one))) {
			snprintf(why, why_len, "%s", one);
			return res;
		}
		log_debug("OCSP check of %s at %s: %s", cert->subject_string, cert->ocsp_urls[i], one);
		snprintf(why, why_len, "%s", one);
	}
	return NV_REV_UNKNOWN;
}
