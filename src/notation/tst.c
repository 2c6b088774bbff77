/* tst.c - RFC 3161 time-stamp tokens: BER -> DER, CMS SignedData and TSTInfo
 * parsing, and signer verification as tspclient-go v1.0.0 does it
 * (internal/cms, token.go), with Go's encoding/asn1 error texts where the
 * Notation vectors pin them. */
#include "notation/tst.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notation/cert_internal.h"
#include "notation/crypto.h"
#include "notation/gojson.h"
#include "util/limits.h"
#include "util/mem.h"

#define REASON "VerificationError"

#define OID_SIGNED_DATA   "1.2.840.113549.1.7.2"
#define OID_TST_INFO      "1.2.840.113549.1.9.16.1.4"
#define OID_CONTENT_TYPE  "1.2.840.113549.1.9.3"
#define OID_MSG_DIGEST    "1.2.840.113549.1.9.4"
#define OID_SIGNING_TIME  "1.2.840.113549.1.9.5"
#define OID_SIGNING_CERT2 "1.2.840.113549.1.9.16.2.47"
#define OID_BASELINE_TSP  "0.4.0.2023.1.1"
#define OID_SHA256        "2.16.840.1.101.3.4.2.1"
#define OID_SHA384        "2.16.840.1.101.3.4.2.2"
#define OID_SHA512        "2.16.840.1.101.3.4.2.3"
#define OID_RSA           "1.2.840.113549.1.1.1"
#define OID_RSA_PSS       "1.2.840.113549.1.1.10"
#define EKU_TIMESTAMPING  "1.3.6.1.5.5.7.3.8"

#define MSG_TRUNCATED "asn1: syntax error: sequence truncated"

/* ---- BER -> DER (tspclient internal/encoding/asn1/ber) ---------------------------- */

struct ber_el {
	const unsigned char *id;   size_t id_len;
	const unsigned char *val;  size_t val_len;
};

static int ber_header(const unsigned char *p, size_t len, struct ber_el *el, size_t *consumed, char *err, size_t n)
{
	size_t off = 1;

	if (len < 1) {
		snprintf(err, n, "asn1: syntax error: decoding BER identifier octets: identifier octets is empty");
		return -1;
	}
	if ((p[0] & 0x1f) == 0x1f) {
		while (off < len && (p[off] & 0x80))
			off++;
		if (off >= len) {
			snprintf(err, n, "asn1: syntax error: decoding BER identifier octets: high-tag-number form with early EOF");
			return -1;
		}
		off++;
	}
	if (off >= len) {
		snprintf(err, n, "asn1: syntax error: decoding BER identifier octets: early EOF due to missing length and "
			 "content octets");
		return -1;
	}
	el->id = p;
	el->id_len = off;
	if (p[off] < 0x80) {
		el->val_len = p[off++];
		if (el->val_len > len - off) {
			snprintf(err, n, "asn1: syntax error: decoding BER length octets: short form length octets value "
				 "should be less or equal to the subsequent octets length");
			return -1;
		}
	} else if (p[off] == 0x80) {
		snprintf(err, n, "asn1: structure error: decoding BER length octets: indefinite length not supported");
		return -1;
	} else {
		size_t k = p[off++] & 0x7f;
		uint64_t l = 0;

		if (k > 4) {
			snprintf(err, n, "asn1: structure error: decoding BER length octets: length of encoded data (%zu "
				 "bytes) cannot exceed 4 bytes", k);
			return -1;
		}
		if (off + k >= len) {
			snprintf(err, n, "asn1: syntax error: decoding BER length octets: long form length octets with "
				 "early EOF");
			return -1;
		}
		for (size_t i = 0; i < k; i++)
			l = l << 8 | p[off++];
		if (l >> 31) {
			snprintf(err, n, "asn1: structure error: decoding BER length octets: length %llu does not fit the "
				 "memory space of int32", (unsigned long long)l);
			return -1;
		}
		if (l > len - off) {
			snprintf(err, n, "asn1: syntax error: decoding BER length octets: long form length octets value "
				 "should be less or equal to the subsequent octets length");
			return -1;
		}
		el->val_len = (size_t)l;
	}
	el->val = p + off;
	*consumed = off + el->val_len;
	return 0;
}

static int ber_convert(const struct ber_el *el, struct buf *out, int depth, char *err, size_t n)
{
	struct buf inner = BUF_INIT(0);
	const unsigned char *p = el->val;
	size_t left = el->val_len;

	buf_append(out, el->id, el->id_len);
	if (!(el->id[0] & 0x20)) {
		der_put_len(out, el->val_len);
		buf_append(out, el->val, el->val_len);
		return 0;
	}
	if (depth >= LIMIT_DER_DEPTH) {
		snprintf(err, n, "asn1: structure error: decoding BER: nesting deeper than %d levels", LIMIT_DER_DEPTH);
		return -1;
	}
	while (left > 0) {
		struct ber_el child;
		size_t used;

		if (ber_header(p, left, &child, &used, err, n) < 0 || ber_convert(&child, &inner, depth + 1, err, n) < 0) {
			buf_free(&inner);
			return -1;
		}
		p += used;
		left -= used;
	}
	der_put_len(out, inner.len);
	buf_append(out, inner.data, inner.len);
	buf_free(&inner);
	return 0;
}

int nv_ber_to_der(const unsigned char *ber, size_t len, struct buf *der, struct ferry_err *e)
{
	struct ber_el top;
	size_t used;
	char err[256];

	buf_init(der, 0);
	if (len == 0)
		return ferr_set(e, REASON, "asn1: syntax error: BER-encoded ASN.1 data structures is empty");
	if (ber_header(ber, len, &top, &used, err, sizeof(err)) < 0)
		return ferr_set(e, REASON, "%s", err);
	if (used != len)
		return ferr_set(e, REASON, "asn1: syntax error: decoding BER: length octets value %zu does not match with "
			       "content length %zu", top.val_len, len - (size_t)(top.val - ber));
	if (ber_convert(&top, der, 0, err, sizeof(err)) < 0) {
		buf_free(der);
		return ferr_set(e, REASON, "%s", err);
	}
	return 0;
}

/* ---- Go encoding/asn1 style reading ------------------------------------------------ */

/* The next element of a struct being decoded, with Go's messages for a
 * missing or mistagged one. base is the start of the struct's contents
 * (Go reports offsets within it). */
static int field(struct der *d, const unsigned char *base, unsigned tag, const char *go_type, int time_type,
		 struct der_tlv *t, char *err, size_t n)
{
	if (der_empty(d)) {
		snprintf(err, n, MSG_TRUNCATED);
		return -1;
	}
	if (der_parse_tlv(d->p, d->len, t) < 0) {
		snprintf(err, n, "asn1: syntax error: data truncated");
		return -1;
	}
	if (t->tag != tag) {
		snprintf(err, n, "asn1: structure error: tags don't match (%u vs {class:%u tag:%u length:%zu isCompound:%s}) "
			 "{optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> "
			 "stringType:0 timeType:%d set:%s omitEmpty:false} %s @%zu",
			 tag & 0x1f, t->tag >> 6, t->tag & 0x1f, t->val_len, (t->tag & DER_CONSTRUCTED) ? "true" : "false",
			 time_type, tag == DER_SET ? "true" : "false", go_type, (size_t)(d->p - base));
		return -1;
	}
	d->p += t->raw_len;
	d->len -= t->raw_len;
	return 0;
}

static int int_field(struct der *d, const unsigned char *base, int64_t *v, char *err, size_t n)
{
	struct der_tlv t;

	if (field(d, base, DER_INTEGER, "int", 0, &t, err, n) < 0)
		return -1;
	if (!der_integer_valid(t.val, t.val_len)) {
		snprintf(err, n, "asn1: structure error: integer not minimally-encoded");
		return -1;
	}
	if (der_integer_i64(&t, v) < 0) {
		snprintf(err, n, "asn1: structure error: integer too large");
		return -1;
	}
	return 0;
}

static int bigint_field(struct der *d, const unsigned char *base, struct der_tlv *t, char *err, size_t n)
{
	if (field(d, base, DER_INTEGER, "Int", 0, t, err, n) < 0)
		return -1;
	if (!der_integer_valid(t->val, t->val_len)) {
		snprintf(err, n, "asn1: structure error: integer not minimally-encoded");
		return -1;
	}
	return 0;
}

static int oid_field(struct der *d, const unsigned char *base, char out[DER_OID_STR_MAX], char *err, size_t n)
{
	struct der_tlv t;

	if (field(d, base, DER_OID, "ObjectIdentifier", 0, &t, err, n) < 0)
		return -1;
	if (der_oid_tlv_string(&t, out) < 0) {
		snprintf(err, n, "asn1: syntax error: invalid object identifier");
		return -1;
	}
	return 0;
}

/* pkix.AlgorithmIdentifier: SEQUENCE { OID, params ANY OPTIONAL }. */
static int alg_field(struct der *d, const unsigned char *base, char oid[DER_OID_STR_MAX], char *err, size_t n)
{
	struct der_tlv t;
	struct der in;

	if (field(d, base, DER_SEQUENCE, "AlgorithmIdentifier", 0, &t, err, n) < 0)
		return -1;
	in = der_contents(&t);
	return oid_field(&in, t.val, oid, err, n);
}

static bool is_bigint_equal(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	return an == bn && !memcmp(a, b, an);
}

static enum wc_HashType hash_of_oid(const char *oid)
{
	if (!strcmp(oid, OID_SHA256))
		return WC_HASH_TYPE_SHA256;
	if (!strcmp(oid, OID_SHA384))
		return WC_HASH_TYPE_SHA384;
	if (!strcmp(oid, OID_SHA512))
		return WC_HASH_TYPE_SHA512;
	return WC_HASH_TYPE_NONE;
}

/* ---- parsing ------------------------------------------------------------------------- */

void nv_tst_free(struct nv_tst *t)
{
	if (!t)
		return;
	nv_certs_free(t->certs, t->n_certs);
	free(t->signers);
	free(t->der);
	free(t);
}

static int parse_signer(struct der_tlv *el, struct nv_tst_signer *s, char *err, size_t n)
{
	struct der d = der_contents(el), sid, attrs;
	struct der_tlv t, serial;
	bool present;

	if (int_field(&d, el->val, &s->version, err, n) < 0)
		return -1;
	/* IssuerAndSerialNumber */
	if (field(&d, el->val, DER_SEQUENCE, "IssuerAndSerialNumber", 0, &t, err, n) < 0)
		return -1;
	sid = der_contents(&t);
	if (der_empty(&sid)) {
		snprintf(err, n, MSG_TRUNCATED);
		return -1;
	}
	if (der_read(&sid, &t) < 0) {
		snprintf(err, n, "asn1: syntax error: data truncated");
		return -1;
	}
	s->sid_issuer = t.raw;
	s->sid_issuer_len = t.raw_len;
	if (bigint_field(&sid, t.raw, &serial, err, n) < 0)
		return -1;
	s->sid_serial = serial.val;
	s->sid_serial_len = serial.val_len;
	if (alg_field(&d, el->val, s->digest_oid, err, n) < 0)
		return -1;
	if (der_read_optional(&d, DER_CTX_CONS(0), &t, &present) < 0) {
		snprintf(err, n, "asn1: syntax error: data truncated");
		return -1;
	}
	if (present) {
		s->attrs = t.val;
		s->attrs_len = t.val_len;
		attrs = der_contents(&t);
		while (!der_empty(&attrs)) {
			struct der a;
			struct der_tlv at;
			char oid[DER_OID_STR_MAX];

			if (s->n_attrs >= LIMIT_TST_ATTRIBUTES) {
				snprintf(err, n, "more than %d signed attributes", LIMIT_TST_ATTRIBUTES);
				return -1;
			}
			if (field(&attrs, t.val, DER_SEQUENCE, "Attribute", 0, &at, err, n) < 0)
				return -1;
			a = der_contents(&at);
			if (oid_field(&a, at.val, oid, err, n) < 0)
				return -1;
			/* Values is an asn1.RawValue: Go takes any element there */
			if (der_empty(&a)) {
				snprintf(err, n, MSG_TRUNCATED);
				return -1;
			}
			if (der_read(&a, &at) < 0) {
				snprintf(err, n, "asn1: syntax error: data truncated");
				return -1;
			}
			s->n_attrs++;
		}
	}
	if (alg_field(&d, el->val, s->sig_oid, err, n) < 0)
		return -1;
	if (field(&d, el->val, DER_OCTET_STRING, "[]uint8", 0, &t, err, n) < 0)
		return -1;
	s->signature = t.val;
	s->signature_len = t.val_len;
	return 0;
}

static int parse_certs(struct nv_tst *t, const struct der_tlv *el, struct ferry_err *e)
{
	const unsigned char *p = el->val;
	size_t left = el->val_len;

	while (left > 0) {
		struct der_tlv c;
		struct nv_cert *cert;
		size_t take = der_parse_tlv(p, left, &c) == 0 ? c.raw_len : left;

		if (t->n_certs >= LIMIT_TST_CERTS)
			return ferr_set(e, REASON, "cms: syntax error: more than %d certificates in signed data",
					LIMIT_TST_CERTS);
		if (nv_cert_parse_der(p, take, &cert, e) < 0)
			return ferr_prefix(e, "cms: syntax error: failed to parse X.509 certificates from signed data. Only "
					   "X.509 certificates are supported");
		t->certs = xrealloc(t->certs, (t->n_certs + 1) * sizeof(*t->certs));
		t->certs[t->n_certs++] = cert;
		p += take;
		left -= take;
	}
	return 0;
}

static int parse_signed_data(struct nv_tst *t, const struct der_tlv *seq, struct ferry_err *e)
{
	struct der d = der_contents(seq), in, sis;
	struct der_tlv el, certs;
	int64_t version;
	bool present, have_certs = false;
	char err[1024];

	if (int_field(&d, seq->val, &version, err, sizeof(err)) < 0 ||
	    field(&d, seq->val, DER_SET, "[]pkix.AlgorithmIdentifier", 0, &el, err, sizeof(err)) < 0)
		goto syntax;
	in = der_contents(&el);
	while (!der_empty(&in)) {
		char oid[DER_OID_STR_MAX];

		if (alg_field(&in, el.val, oid, err, sizeof(err)) < 0)
			goto syntax;
	}
	if (field(&d, seq->val, DER_SEQUENCE, "EncapsulatedContentInfo", 0, &el, err, sizeof(err)) < 0)
		goto syntax;
	in = der_contents(&el);
	if (oid_field(&in, el.val, t->content_type, err, sizeof(err)) < 0)
		goto syntax;
	if (der_read_optional(&in, DER_CTX_CONS(0), &el, &present) < 0)
		goto truncated;
	if (present) {
		struct der x = der_contents(&el);

		if (field(&x, el.val, DER_OCTET_STRING, "[]uint8", 0, &el, err, sizeof(err)) < 0)
			goto syntax;
		t->content = el.val;
		t->content_len = el.val_len;
	}
	if (der_peek_tag(&d) == DER_CTX_CONS(0) || der_peek_tag(&d) == DER_CTX_PRIM(0)) {
		if (der_read(&d, &certs) < 0)
			goto truncated;
		have_certs = true;
	}
	if (der_peek_tag(&d) == DER_CTX_CONS(1) && der_read(&d, &el) < 0)
		goto truncated;
	if (field(&d, seq->val, DER_SET, "[]cms.SignerInfo", 0, &el, err, sizeof(err)) < 0)
		goto syntax;
	sis = der_contents(&el);
	while (!der_empty(&sis)) {
		struct der_tlv si;

		if (t->n_signers >= LIMIT_TST_SIGNERS)
			return ferr_set(e, REASON, "cms: syntax error: invalid signed data: more than %d signer infos",
					LIMIT_TST_SIGNERS);
		if (field(&sis, el.val, DER_SEQUENCE, "SignerInfo", 0, &si, err, sizeof(err)) < 0)
			goto syntax;
		t->signers = xrealloc(t->signers, (t->n_signers + 1) * sizeof(*t->signers));
		memset(&t->signers[t->n_signers], 0, sizeof(*t->signers));
		if (parse_signer(&si, &t->signers[t->n_signers], err, sizeof(err)) < 0)
			goto syntax;
		t->n_signers++;
	}
	if (version != 3)
		return ferr_set(e, REASON, "cms: syntax error: unsupported signed data version: got %lld, want 3",
				(long long)version);
	if (have_certs && parse_certs(t, &certs, e) < 0)
		return -1;
	return 0;
truncated:
	snprintf(err, sizeof(err), "asn1: syntax error: data truncated");
syntax:
	return ferr_set(e, REASON, "cms: syntax error: invalid signed data: %s", err);
}

int nv_cms_parse(const void *data, size_t len, struct nv_tst **out, struct ferry_err *e)
{
	struct nv_tst *t = xcalloc(1, sizeof(*t));
	struct buf der;
	struct der d, ci;
	struct der_tlv seq, el;
	char oid[DER_OID_STR_MAX], err[1024];

	*out = NULL;
	if (len > LIMIT_TIMESTAMP_TOKEN_BYTES) {
		ferr_set(e, REASON, "cms: syntax error: signed data larger than %llu bytes",
			 (unsigned long long)LIMIT_TIMESTAMP_TOKEN_BYTES);
		goto fail;
	}
	if (nv_ber_to_der(data, len, &der, e) < 0) {
		ferr_prefix(e, "cms: syntax error: invalid signed data: failed to convert from BER to DER");
		goto fail;
	}
	t->der = (unsigned char *)buf_steal(&der, &t->der_len);
	d = der_init(t->der, t->der_len);
	if (field(&d, t->der, DER_SEQUENCE, "ContentInfo", 0, &seq, err, sizeof(err)) < 0)
		goto content_info;
	ci = der_contents(&seq);
	if (oid_field(&ci, seq.val, oid, err, sizeof(err)) < 0)
		goto content_info;
	if (der_empty(&ci)) {
		snprintf(err, sizeof(err), MSG_TRUNCATED);
		goto content_info;
	}
	if (field(&ci, seq.val, DER_CTX_CONS(0), "RawValue", 0, &el, err, sizeof(err)) < 0)
		goto content_info;
	if (strcmp(oid, OID_SIGNED_DATA) != 0) {
		ferr_set(e, REASON, "cms: content type is not signed-data");
		goto fail;
	}
	d = der_contents(&el);
	if (field(&d, el.val, DER_SEQUENCE, "SignedData", 0, &seq, err, sizeof(err)) < 0) {
		ferr_set(e, REASON, "cms: syntax error: invalid signed data: %s", err);
		goto fail;
	}
	if (parse_signed_data(t, &seq, e) < 0)
		goto fail;
	*out = t;
	return 0;
content_info:
	ferr_set(e, REASON, "cms: syntax error: invalid content info: failed to unmarshal DER to ContentInfo: %s", err);
fail:
	nv_tst_free(t);
	return -1;
}

int nv_tst_parse(const void *token, size_t len, struct nv_tst **out, struct ferry_err *e)
{
	struct nv_tst *t;

	if (nv_cms_parse(token, len, &t, e) < 0)
		return -1;
	if (strcmp(t->content_type, OID_TST_INFO) != 0) {
		ferr_set(e, REASON, "unexpected content type: %s. Expected to be id-ct-TSTInfo (%s)", t->content_type,
			 OID_TST_INFO);
		nv_tst_free(t);
		*out = NULL;
		return -1;
	}
	*out = t;
	return 0;
}

/* ---- TSTInfo --------------------------------------------------------------------------- */

static int parse_accuracy(const struct der_tlv *seq, struct nv_tst_info *info, char *err, size_t n)
{
	struct der d = der_contents(seq);
	struct der_tlv t;
	bool present;

	if (der_peek_tag(&d) == DER_INTEGER && int_field(&d, seq->val, &info->acc_seconds, err, n) < 0)
		return -1;
	for (int k = 0; k < 2; k++) {
		int64_t *slot = k == 0 ? &info->acc_millis : &info->acc_micros;

		if (der_read_optional(&d, DER_CTX_PRIM(k), &t, &present) < 0) {
			snprintf(err, n, "asn1: syntax error: data truncated");
			return -1;
		}
		if (present) {
			t.tag = DER_INTEGER;
			if (!der_integer_valid(t.val, t.val_len) || der_integer_i64(&t, slot) < 0) {
				snprintf(err, n, "asn1: structure error: integer too large");
				return -1;
			}
		}
	}
	return 0;
}

int nv_tst_info(const struct nv_tst *tok, struct nv_tst_info *info, struct ferry_err *e)
{
	struct der d = der_init(tok->content, tok->content_len), in, mi;
	struct der_tlv seq, t;
	char err[1024];

	memset(info, 0, sizeof(*info));
	if (field(&d, tok->content, DER_SEQUENCE, "TSTInfo", 0, &seq, err, sizeof(err)) < 0)
		goto fail;
	in = der_contents(&seq);
	if (int_field(&in, seq.val, &info->version, err, sizeof(err)) < 0 ||
	    oid_field(&in, seq.val, info->policy, err, sizeof(err)) < 0 ||
	    field(&in, seq.val, DER_SEQUENCE, "MessageImprint", 0, &t, err, sizeof(err)) < 0)
		goto fail;
	mi = der_contents(&t);
	if (alg_field(&mi, t.val, info->hash_oid, err, sizeof(err)) < 0 ||
	    field(&mi, t.val, DER_OCTET_STRING, "[]uint8", 0, &t, err, sizeof(err)) < 0)
		goto fail;
	info->hashed = t.val;
	info->hashed_len = t.val_len;
	if (bigint_field(&in, seq.val, &t, err, sizeof(err)) < 0 ||
	    field(&in, seq.val, DER_GENERALIZED_TIME, "Time", DER_GENERALIZED_TIME, &t, err, sizeof(err)) < 0)
		goto fail;
	if (der_generalized_time_us(&t, &info->gen_time_us) < 0) {
		snprintf(err, sizeof(err), "asn1: time did not serialize back to the original value and may be invalid: "
			 "given %.*s", (int)(t.val_len < 64 ? t.val_len : 64), (const char *)t.val);
		goto fail;
	}
	if (der_peek_tag(&in) == DER_SEQUENCE) {
		if (field(&in, seq.val, DER_SEQUENCE, "Accuracy", 0, &t, err, sizeof(err)) < 0 ||
		    parse_accuracy(&t, info, err, sizeof(err)) < 0)
			goto fail;
	}
	return 0;
fail:
	return ferr_set(e, REASON, "cannot unmarshal TSTInfo from timestamp token: %s", err);
}

int nv_tst_info_validate(const struct nv_tst_info *info, const void *message, size_t len, int64_t *gen_time_us,
			 int64_t *accuracy_us, struct ferry_err *e)
{
	unsigned char digest[WC_MAX_DIGEST_SIZE];
	enum wc_HashType h;

	if (info->version != 1)
		return ferr_set(e, REASON, "invalid TSTInfo: timestamp token info version must be 1, but got %lld",
				(long long)info->version);
	h = hash_of_oid(info->hash_oid);
	if (h == WC_HASH_TYPE_NONE)
		return ferr_set(e, REASON, "invalid TSTInfo: unrecognized hash algorithm: %s", info->hash_oid);
	if (nvc_hash(h, message, len, digest) < 0)
		return ferr_set(e, REASON, "invalid TSTInfo: hash failure");
	if (info->hashed_len != nvc_hash_size(h) || memcmp(info->hashed, digest, info->hashed_len) != 0)
		return ferr_set(e, REASON, "invalid TSTInfo: mismatched message");
	*gen_time_us = info->gen_time_us;
	if (info->acc_seconds == 0 && info->acc_millis == 0 && info->acc_micros == 0 &&
	    !strcmp(info->policy, OID_BASELINE_TSP))
		*accuracy_us = 1000000;
	else
		*accuracy_us = info->acc_seconds * 1000000 + info->acc_millis * 1000 + info->acc_micros;
	return 0;
}

/* ---- signed attributes ------------------------------------------------------------------ */

/* Attributes.Get: the first value of the first attribute with this type.
 * 1 found, 0 absent. */
static int attr_get(const struct nv_tst_signer *s, const char *oid, struct der_tlv *value, char *err, size_t n)
{
	struct der d = der_init(s->attrs, s->attrs_len);

	while (!der_empty(&d)) {
		struct der_tlv at, id, set;
		struct der a;
		char o[DER_OID_STR_MAX];

		if (der_read(&d, &at) < 0)
			break;
		a = der_contents(&at);
		if (der_read_tag(&a, DER_OID, &id) < 0 || der_oid_tlv_string(&id, o) < 0 || der_read(&a, &set) < 0)
			continue;
		if (strcmp(o, oid) != 0)
			continue;
		a = der_contents(&set);
		if (der_empty(&a)) {
			snprintf(err, n, MSG_TRUNCATED);
			return -1;
		}
		if (der_read(&a, value) < 0) {
			snprintf(err, n, "asn1: syntax error: data truncated");
			return -1;
		}
		return 1;
	}
	snprintf(err, n, "attribute not found");
	return 0;
}

static int cmp_raw(const void *a, const void *b)
{
	const struct der_tlv *x = a, *y = b;
	size_t n = x->raw_len < y->raw_len ? x->raw_len : y->raw_len;
	int c = memcmp(x->raw, y->raw, n);

	return c ? c : (x->raw_len > y->raw_len) - (x->raw_len < y->raw_len);
}

/* asn1.MarshalWithParams(signedAttrs, "set"): the attributes re-encoded as
 * a DER SET OF, sorted as Go's encoder sorts SET OF. */
static void signed_attrs_set(const struct nv_tst_signer *s, struct buf *out)
{
	struct der_tlv *v = xcalloc(s->n_attrs + 1, sizeof(*v));
	struct der d = der_init(s->attrs, s->attrs_len);
	size_t k = 0;

	while (k < s->n_attrs && der_read(&d, &v[k]) == 0)
		k++;
	qsort(v, k, sizeof(*v), cmp_raw);
	buf_init(out, 0);
	buf_append(out, "\x31", 1);
	der_put_len(out, s->attrs_len);
	for (size_t i = 0; i < k; i++)
		buf_append(out, v[i].raw, v[i].raw_len);
	free(v);
}

/* Go's time.Time.String() of a UTC time, for the signing-time message. */
static void go_time_string(int64_t us, char *out, size_t n)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	char base[32];

	gmtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%d %H:%M:%S", &tm);
	if (us % 1000000) {
		char frac[8];
		int k;

		snprintf(frac, sizeof(frac), "%06lld", (long long)(us % 1000000));
		for (k = 5; k > 0 && frac[k] == '0'; k--)
			frac[k] = '\0';
		snprintf(out, n, "%s.%s +0000 UTC", base, frac);
	} else {
		snprintf(out, n, "%s +0000 UTC", base);
	}
}

static int signed_attrs(const struct nv_tst *t, const struct nv_tst_signer *s, struct nv_path *paths,
			size_t n_paths, size_t *pick, struct ferry_err *e)
{
	unsigned char digest[WC_MAX_DIGEST_SIZE];
	struct der_tlv v;
	char err[512], oid[DER_OID_STR_MAX];
	enum wc_HashType h;
	int64_t st;
	int r;

	*pick = 0;
	if (n_paths == 0)
		return ferr_set(e, REASON, "cms verification failure: Failed to verify signed attributes because the "
			       "certificate chain is empty.");
	if (s->n_attrs == 0)
		return ferr_set(e, REASON, "cms verification failure: missing signed attributes");
	if (strcmp(t->content_type, OID_TST_INFO) != 0)
		return ferr_set(e, REASON, "unexpected content type: %s. Expected to be id-ct-TSTInfo (%s)", t->content_type,
				OID_TST_INFO);
	r = attr_get(s, OID_CONTENT_TYPE, &v, err, sizeof(err));
	if (r == 1 && (v.tag != DER_OID || der_oid_tlv_string(&v, oid) < 0)) {
		snprintf(err, sizeof(err), "asn1: structure error: tags don't match (6 vs {class:%u tag:%u length:%zu "
			 "isCompound:%s})", v.tag >> 6, v.tag & 0x1f, v.val_len, (v.tag & DER_CONSTRUCTED) ? "true" : "false");
		r = -1;
	}
	if (r != 1)
		return ferr_set(e, REASON, "cms verification failure: invalid content type: %s", err);
	if (strcmp(oid, t->content_type) != 0) {
		_cleanup_free_ char *qa = gj_quote(oid);
		_cleanup_free_ char *qb = gj_quote(t->content_type);
		return ferr_set(e, REASON, "cms verification failure: mismatch content type: found %s in signer info, and "
				"%s in signed data", qa, qb);
	}
	r = attr_get(s, OID_MSG_DIGEST, &v, err, sizeof(err));
	if (r == 1 && v.tag != DER_OCTET_STRING) {
		snprintf(err, sizeof(err), "asn1: structure error: tags don't match (4 vs {class:%u tag:%u length:%zu "
			 "isCompound:%s})", v.tag >> 6, v.tag & 0x1f, v.val_len, (v.tag & DER_CONSTRUCTED) ? "true" : "false");
		r = -1;
	}
	if (r != 1)
		return ferr_set(e, REASON, "cms verification failure: invalid message digest: %s", err);
	h = hash_of_oid(s->digest_oid);
	if (h == WC_HASH_TYPE_NONE)
		return ferr_set(e, REASON, "cms verification failure: unsupported digest algorithm");
	if (nvc_hash(h, t->content, t->content_len, digest) < 0)
		return ferr_set(e, REASON, "cms verification failure: hash failure");
	if (v.val_len != nvc_hash_size(h) || memcmp(v.val, digest, v.val_len) != 0)
		return ferr_set(e, REASON, "cms verification failure: mismatch message digest");
	r = attr_get(s, OID_SIGNING_TIME, &v, err, sizeof(err));
	if (r == 0)
		return 0;
	if (r == 1) {
		int64_t sec;

		if (v.tag == DER_UTC_TIME && der_time(&v, &sec) == 0) {
			st = sec * 1000000;
		} else if (v.tag == DER_GENERALIZED_TIME && der_generalized_time_us(&v, &st) == 0) {
			;
		} else {
			snprintf(err, sizeof(err), v.tag == DER_UTC_TIME || v.tag == DER_GENERALIZED_TIME
				 ? "asn1: time did not serialize back to the original value and may be invalid"
				 : "asn1: structure error: unknown time type");
			r = -1;
		}
	}
	if (r != 1)
		return ferr_set(e, REASON, "cms verification failure: invalid signing time: %s", err);
	for (size_t i = 0; i < n_paths; i++) {
		bool inside = true;

		for (size_t k = 0; k < paths[i].n && inside; k++)
			inside = st >= paths[i].certs[k]->not_before * 1000000 && st <= paths[i].certs[k]->not_after * 1000000;
		if (inside) {
			*pick = i;
			return 0;
		}
	}
	go_time_string(st, err, sizeof(err));
	return ferr_set(e, REASON, "cms verification failure: signing time, %s, is outside certificate's validity period",
			err);
}

/* ---- signer verification ------------------------------------------------------------------- */

/* tspclient's oid.ToSignatureAlgorithm: Go's algorithm name, or NULL. */
static const char *signature_algorithm(const char *digest_oid, const char *sig_oid)
{
	static const struct {
		const char *sig, *digest, *name;
	} map[] = {
		{ OID_RSA, OID_SHA256, "SHA256-RSA" },
		{ OID_RSA, OID_SHA384, "SHA384-RSA" },
		{ OID_RSA, OID_SHA512, "SHA512-RSA" },
		{ OID_RSA_PSS, OID_SHA256, "SHA256-RSAPSS" },
		{ OID_RSA_PSS, OID_SHA384, "SHA384-RSAPSS" },
		{ OID_RSA_PSS, OID_SHA512, "SHA512-RSAPSS" },
		{ "1.2.840.113549.1.1.11", NULL, "SHA256-RSA" },
		{ "1.2.840.113549.1.1.12", NULL, "SHA384-RSA" },
		{ "1.2.840.113549.1.1.13", NULL, "SHA512-RSA" },
		{ "1.2.840.10045.4.3.2", NULL, "ECDSA-SHA256" },
		{ "1.2.840.10045.4.3.3", NULL, "ECDSA-SHA384" },
		{ "1.2.840.10045.4.3.4", NULL, "ECDSA-SHA512" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(sig_oid, map[i].sig) && (!map[i].digest || !strcmp(digest_oid, map[i].digest)))
			return map[i].name;
	return NULL;
}

/* VerifySigner + verify: version, path at at_us, signature, attributes. On
 * success *chain is the picked path (array owned by the caller). */
static int verify_signer(const struct nv_tst *t, const struct nv_tst_signer *s, const struct nv_cert *signer_cert,
			 struct nv_cert *const *roots, size_t n_roots, int64_t at_us, struct nv_cert ***chain,
			 size_t *n_chain, struct ferry_err *e)
{
	struct nv_path *paths = NULL;
	size_t n_paths = 0, pick;
	struct buf signed_data = BUF_INIT(0);
	const char *alg;
	char err[256];
	int rc = -1;

	if (s->version != 1)
		return ferr_set(e, REASON, "cms verification failure: invalid signer info version: only version 1 is "
			       "supported; got %lld", (long long)s->version);
	if (nv_path_verify((struct nv_cert *)signer_cert, roots, n_roots, t->certs, t->n_certs, at_us, EKU_TIMESTAMPING,
			   &paths, &n_paths, e) < 0)
		return ferr_prefix(e, "cms verification failure");
	alg = signature_algorithm(s->digest_oid, s->sig_oid);
	if (!alg) {
		ferr_set(e, REASON, "cms verification failure: unknown signature algorithm");
		goto out;
	}
	if (s->n_attrs > 0)
		signed_attrs_set(s, &signed_data);
	else
		buf_append(&signed_data, t->content, t->content_len);
	if (nv_check_signature_named(signer_cert, alg, signed_data.data, signed_data.len, s->signature,
				     s->signature_len, err, sizeof(err)) < 0) {
		ferr_set(e, REASON, "cms verification failure: %s", err);
		goto out;
	}
	if (signed_attrs(t, s, paths, n_paths, &pick, e) < 0)
		goto out;
	*chain = paths[pick].certs;
	*n_chain = paths[pick].n;
	paths[pick].certs = NULL;
	rc = 0;
out:
	buf_free(&signed_data);
	nv_paths_free(paths, n_paths);
	return rc;
}

/* ParsedSignedData.GetCertificate by issuer Name and serial number. */
static const struct nv_cert *find_cert(const struct nv_tst *t, const unsigned char *issuer, size_t issuer_len,
				       const unsigned char *serial, size_t serial_len)
{
	for (size_t i = 0; i < t->n_certs; i++) {
		const struct nv_cert *c = t->certs[i];

		if (c->raw_issuer_len == issuer_len && !memcmp(c->raw_issuer, issuer, issuer_len) &&
		    is_bigint_equal(c->serial, c->serial_len, serial, serial_len))
			return c;
	}
	return NULL;
}

int nv_tst_signing_cert(const struct nv_tst *t, size_t signer, const struct nv_cert **out, struct ferry_err *e)
{
	const struct nv_tst_signer *s = &t->signers[signer];
	struct der_tlv v, seq, certs_el, id, hash, is, names;
	struct der d, ids, ess, isd, gn;
	unsigned char digest[WC_MAX_DIGEST_SIZE];
	const unsigned char *issuer = s->sid_issuer, *serial = s->sid_serial;
	size_t issuer_len = s->sid_issuer_len, serial_len = s->sid_serial_len;
	enum wc_HashType h = WC_HASH_TYPE_SHA256;
	const struct nv_cert *c;
	char err[1024];
	bool present;
	int r;

	*out = NULL;
	r = attr_get(s, OID_SIGNING_CERT2, &v, err, sizeof(err));
	if (r != 1)
		return ferr_set(e, REASON, "failed to get SigningCertificateV2 from signed attributes: %s", err);
	/* SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies OPTIONAL } */
	d = der_init(v.raw, v.raw_len);
	if (field(&d, v.raw, DER_SEQUENCE, "tspclient.signingCertificateV2", 0, &seq, err, sizeof(err)) < 0)
		goto attr_err;
	ess = der_contents(&seq);
	if (field(&ess, seq.val, DER_SEQUENCE, "[]tspclient.eSSCertIDv2", 0, &certs_el, err, sizeof(err)) < 0)
		goto attr_err;
	ids = der_contents(&certs_el);
	if (der_empty(&ids))
		return ferr_set(e, REASON, "signingCertificateV2 does not contain any certificate");
	/* the first ESSCertIDv2 names the signing certificate */
	if (field(&ids, certs_el.val, DER_SEQUENCE, "tspclient.eSSCertIDv2", 0, &id, err, sizeof(err)) < 0)
		goto attr_err;
	d = der_contents(&id);
	if (der_peek_tag(&d) == DER_SEQUENCE) {
		char oid[DER_OID_STR_MAX];

		if (alg_field(&d, id.val, oid, err, sizeof(err)) < 0)
			goto attr_err;
		h = hash_of_oid(oid);
	}
	if (field(&d, id.val, DER_OCTET_STRING, "[]uint8", 0, &hash, err, sizeof(err)) < 0)
		goto attr_err;
	if (der_read_optional(&d, DER_SEQUENCE, &is, &present) < 0) {
		snprintf(err, sizeof(err), "asn1: syntax error: data truncated");
		goto attr_err;
	}
	/* the rest of the SEQUENCE OF must still decode */
	while (!der_empty(&ids)) {
		struct der_tlv more;

		if (field(&ids, certs_el.val, DER_SEQUENCE, "tspclient.eSSCertIDv2", 0, &more, err, sizeof(err)) < 0)
			goto attr_err;
	}
	if (present) {
		struct der_tlv sn;

		isd = der_contents(&is);
		if (field(&isd, is.val, DER_SEQUENCE, "tspclient.generalNames", 0, &names, err, sizeof(err)) < 0 ||
		    bigint_field(&isd, is.val, &sn, err, sizeof(err)) < 0)
			goto attr_err;
		gn = der_contents(&names);
		if (der_peek_tag(&gn) != DER_CTX_CONS(4))
			return ferr_set(e, REASON, "issuer name is missing in IssuerSerial");
		if (der_read(&gn, &names) < 0) {
			snprintf(err, sizeof(err), "asn1: syntax error: data truncated");
			goto attr_err;
		}
		gn = der_contents(&names);
		if (der_empty(&gn) || der_read(&gn, &names) < 0)
			return ferr_set(e, REASON, "failed to unmarshal issuer name: %s", MSG_TRUNCATED);
		issuer = names.raw;
		issuer_len = names.raw_len;
		serial = sn.val;
		serial_len = sn.val_len;
	}
	c = find_cert(t, issuer, issuer_len, serial, serial_len);
	if (!c)
		return ferr_set(e, REASON, "signing certificate not found in the timestamp token");
	if (h == WC_HASH_TYPE_NONE)
		return ferr_set(e, REASON, "unsupported certificate hash algorithm in SigningCertificateV2 attribute");
	if (nvc_hash(h, c->der, c->der_len, digest) < 0 || hash.val_len != nvc_hash_size(h) ||
	    memcmp(hash.val, digest, hash.val_len) != 0)
		return ferr_set(e, REASON, "signing certificate hash does not match CertHash in signed attribute");
	*out = c;
	return 0;
attr_err:
	return ferr_set(e, REASON, "failed to get SigningCertificateV2 from signed attributes: %s", err);
}

int nv_tst_verify(const struct nv_tst *t, struct nv_cert *const *roots, size_t n_roots, int64_t at_us,
		  struct nv_cert ***chain, size_t *n_chain, struct ferry_err *e)
{
	struct ferry_err last;

	*chain = NULL;
	*n_chain = 0;
	if (t->n_signers == 0)
		return ferr_set(e, REASON, "failed to verify signed token: signerInfo not found");
	ferr_clear(&last);
	for (size_t i = 0; i < t->n_signers; i++) {
		const struct nv_cert *signer;
		struct nv_cert **got;
		size_t n_got;

		if (nv_tst_signing_cert(t, i, &signer, &last) < 0 ||
		    verify_signer(t, &t->signers[i], signer, roots, n_roots, at_us, &got, &n_got, &last) < 0)
			continue;
		if (signer->n_eku == 1 && !strcmp(signer->eku_oids[0], EKU_TIMESTAMPING)) {
			if (signer->eku_critical) {
				*chain = got;
				*n_chain = n_got;
				return 0;
			}
			ferr_set(&last, REASON, "signing certificate extended key usage extension must be set as critical");
		} else {
			ferr_set(&last, REASON, "signing certificate must have and only have ExtKeyUsageTimeStamping as "
				 "extended key usage");
		}
		free(got);
	}
	ferr_set(e, REASON, "%s", last.msg);
	return ferr_prefix(e, "failed to verify signed token");
}

int nv_cms_verify(const struct nv_tst *t, struct nv_cert *const *roots, size_t n_roots, int64_t at_us,
		  struct nv_cert ***chain, size_t *n_chain, struct ferry_err *e)
{
	struct ferry_err last;

	*chain = NULL;
	*n_chain = 0;
	if (t->n_signers == 0)
		return ferr_set(e, REASON, "cms verification failure: signerInfo not found");
	if (t->n_certs == 0)
		return ferr_set(e, REASON, "cms verification failure: certificate not found");
	ferr_clear(&last);
	for (size_t i = 0; i < t->n_signers; i++) {
		const struct nv_tst_signer *s = &t->signers[i];
		const struct nv_cert *c = find_cert(t, s->sid_issuer, s->sid_issuer_len, s->sid_serial, s->sid_serial_len);

		if (!c) {
			ferr_set(&last, REASON, "cms verification failure: certificate not found");
			continue;
		}
		if (verify_signer(t, s, c, roots, n_roots, at_us, chain, n_chain, &last) == 0)
			return 0;
	}
	return ferr_set(e, REASON, "%s", last.msg);
}

int nv_cms_check_signed_attrs(const struct nv_tst *t, size_t signer, struct nv_cert *const *chain, size_t n_chain,
			      struct ferry_err *e)
{
	struct nv_path p = { (struct nv_cert **)chain, n_chain };
	size_t pick;

	return signed_attrs(t, &t->signers[signer], &p, n_chain ? 1 : 0, &pick, e);
}
