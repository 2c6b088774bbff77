/* envelope_cose.c - COSE_Sign1 envelopes (application/cose) with go-cose's
 * decoding strictness (checked on the raw bytes, values read with libcbor)
 * and notation-core-go's verification order. */
#include "notation/cert_internal.h"
#include "notation/envelope_internal.h"
#include "notation/gojson.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/utf8.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cbor.h>

#define LABEL_ALG      1
#define LABEL_CRIT     2
#define LABEL_CTY      3
#define LABEL_KID      4
#define LABEL_IV       5
#define LABEL_PIV      6
#define LABEL_CS       7
#define LABEL_CS0      9
#define LABEL_CS_V2    11
#define LABEL_CS0_V2   12
#define LABEL_TYPE     16
#define LABEL_X5CHAIN  33

/* ---- raw CBOR well-formedness with go-cose's decoding options ---- */

struct walk {
	size_t items;
	bool time_tags;          /* tags 0 / 1 allowed (inside the protected header) */
	char err[160];
};

struct head {
	unsigned major;
	uint64_t arg;
	size_t len;
};

static int walk_fail(struct walk *w, const char *msg)
{
	snprintf(w->err, sizeof(w->err), "%s", msg);
	return -1;
}

static int read_head(struct walk *w, const unsigned char *p, size_t n, struct head *h)
{
	unsigned ai;
	size_t extra, i;

	if (n == 0)
		return walk_fail(w, "unexpected EOF");
	h->major = p[0] >> 5;
	ai = p[0] & 0x1f;
	if (ai < 24) {
		h->arg = ai;
		h->len = 1;
		return 0;
	}
	if (ai == 31) {
		static const char *const kinds[8] = { "", "", "byte string", "UTF-8 text string", "array", "map", "", "" };
		char msg[80];

		if (h->major >= 2 && h->major <= 5) {
			snprintf(msg, sizeof(msg), "cbor: indefinite-length %s isn't allowed", kinds[h->major]);
			return walk_fail(w, msg);
		}
		return walk_fail(w, "cbor: unexpected \"break\" code");
	}
	if (ai > 27)
		return walk_fail(w, "cbor: invalid additional information");
	extra = (size_t)1 << (ai - 24);
	if (n < 1 + extra)
		return walk_fail(w, "unexpected EOF");
	h->arg = 0;
	for (i = 0; i < extra; i++)
		h->arg = h->arg << 8 | p[1 + i];
	h->len = 1 + extra;
	if (h->major == 7 && ai == 24 && h->arg < 32)
		return walk_fail(w, "cbor: invalid simple value");
	return 0;
}

/* Two map keys that decode to the same value. */
static bool same_key(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	struct walk w;
	struct head ha, hb;

	if (read_head(&w, a, an, &ha) < 0 || read_head(&w, b, bn, &hb) < 0)
		return an == bn && !memcmp(a, b, an);
	if (ha.major != hb.major)
		return false;
	if (ha.major <= 1)
		return ha.arg == hb.arg;
	if (ha.major == 2 || ha.major == 3)
		return ha.arg == hb.arg && !memcmp(a + ha.len, b + hb.len, (size_t)ha.arg);
	return an == bn && !memcmp(a, b, an);
}

static int walk_item(struct walk *w, const unsigned char *p, size_t n, size_t *used, int depth);

static int walk_map(struct walk *w, const unsigned char *p, size_t n, uint64_t pairs, size_t *used, int depth)
{
	const unsigned char **keys;
	size_t *key_len, off = 0, i, k;
	int rc = -1;

	if (pairs > n / 2)
		return walk_fail(w, "unexpected EOF");
	keys = xcalloc((size_t)pairs + 1, sizeof(*keys));
	key_len = xcalloc((size_t)pairs + 1, sizeof(*key_len));
	for (i = 0; i < pairs; i++) {
		size_t kl, vl;

		if (walk_item(w, p + off, n - off, &kl, depth + 1) < 0)
			goto out;
		keys[i] = p + off;
		key_len[i] = kl;
		for (k = 0; k < i; k++) {
			if (same_key(keys[k], key_len[k], keys[i], kl)) {
				snprintf(w->err, sizeof(w->err), "cbor: found duplicate map key at map element index %zu", i);
				goto out;
			}
		}
		off += kl;
		if (walk_item(w, p + off, n - off, &vl, depth + 1) < 0)
			goto out;
		off += vl;
	}
	*used = off;
	rc = 0;
out:
	free(keys);
	free(key_len);
	return rc;
}

static int walk_item(struct walk *w, const unsigned char *p, size_t n, size_t *used, int depth)
{
	struct head h;
	size_t off, sub, i;

	if (depth > LIMIT_CBOR_DEPTH)
		return walk_fail(w, "cbor: exceeded max nested level");
	if (++w->items > LIMIT_CBOR_ITEMS)
		return walk_fail(w, "cbor: too many items");
	if (read_head(w, p, n, &h) < 0)
		return -1;
	off = h.len;
	switch (h.major) {
	case 0:
	case 1:
		break;
	case 2:
	case 3:
		if (h.arg > n - off)
			return walk_fail(w, "unexpected EOF");
		if (h.major == 3 && !utf8_valid(p + off, (size_t)h.arg))
			return walk_fail(w, "cbor: invalid UTF-8 string");
		off += (size_t)h.arg;
		break;
	case 4:
		if (h.arg > n - off)
			return walk_fail(w, "unexpected EOF");
		for (i = 0; i < h.arg; i++) {
			if (walk_item(w, p + off, n - off, &sub, depth + 1) < 0)
				return -1;
			off += sub;
		}
		break;
	case 5:
		if (walk_map(w, p + off, n - off, h.arg, &sub, depth) < 0)
			return -1;
		off += sub;
		break;
	case 6: {
		struct head inner;

		if (!w->time_tags || h.arg > 1)
			return walk_fail(w, "cbor: CBOR tag isn't allowed");
		if (read_head(w, p + off, n - off, &inner) < 0)
			return -1;
		if (h.arg == 0 && inner.major != 3)
			return walk_fail(w, "cbor: tag number 0 must be followed by text string");
		if (h.arg == 1 && inner.major != 0 && inner.major != 1 &&
		    !(inner.major == 7 && (p[off] & 0x1f) >= 25 && (p[off] & 0x1f) <= 27))
			return walk_fail(w, "cbor: tag number 1 must be followed by integer or floating-point number");
		if (walk_item(w, p + off, n - off, &sub, depth + 1) < 0)
			return -1;
		off += sub;
		break;
	}
	default:
		break;
	}
	*used = off;
	return 0;
}

/* One whole item filling exactly p/n. */
static int walk_exact(struct walk *w, const unsigned char *p, size_t n)
{
	size_t used;

	if (walk_item(w, p, n, &used, 1) < 0)
		return -1;
	if (used != n) {
		snprintf(w->err, sizeof(w->err), "cbor: %zu bytes of extraneous data starting at index %zu", n - used, used);
		return -1;
	}
	return 0;
}

/* ---- header maps ---- */

struct label {
	bool is_int;
	int64_t i;
	const char *s;
	size_t s_len;
	cbor_item_t *value;
};

struct headers {
	cbor_item_t *root;
	struct label *labels;
	size_t n;
};

static void headers_free(struct headers *h)
{
	if (h->root)
		cbor_decref(&h->root);
	free(h->labels);
	memset(h, 0, sizeof(*h));
}

static bool item_int64(const cbor_item_t *it, int64_t *out)
{
	uint64_t v;

	if (!cbor_is_int(it))
		return false;
	v = cbor_get_int(it);
	if (v > INT64_MAX)
		return false;
	*out = cbor_isa_uint(it) ? (int64_t)v : -1 - (int64_t)v;
	return true;
}

static bool item_tstr(const cbor_item_t *it)
{
	return cbor_isa_string(it) && cbor_string_is_definite(it);
}

static bool item_bstr(const cbor_item_t *it)
{
	return cbor_isa_bytestring(it) && cbor_bytestring_is_definite(it);
}

static int load_headers(const unsigned char *p, size_t n, struct headers *h, char *err, size_t errlen)
{
	struct cbor_load_result res;
	struct cbor_pair *pairs;
	size_t i;

	memset(h, 0, sizeof(*h));
	if (n == 0)
		return 0;
	h->root = cbor_load(p, n, &res);
	if (!h->root || res.error.code != CBOR_ERR_NONE || res.read != n || !cbor_isa_map(h->root)) {
		snprintf(err, errlen, "cbor: malformed header map");
		return -1;
	}
	h->n = cbor_map_size(h->root);
	h->labels = xcalloc(h->n + 1, sizeof(*h->labels));
	pairs = cbor_map_handle(h->root);
	for (i = 0; i < h->n; i++) {
		struct label *l = &h->labels[i];

		l->value = pairs[i].value;
		if (item_int64(pairs[i].key, &l->i)) {
			l->is_int = true;
		} else if (item_tstr(pairs[i].key)) {
			l->s = (const char *)cbor_string_handle(pairs[i].key);
			l->s_len = cbor_string_length(pairs[i].key);
		} else {
			snprintf(err, errlen, "cbor: header label: require int / tstr type");
			return -1;
		}
	}
	return 0;
}

static cbor_item_t *find_int(const struct headers *h, int64_t label)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->labels[i].is_int && h->labels[i].i == label)
			return h->labels[i].value;
	return NULL;
}

static cbor_item_t *find_str(const struct headers *h, const char *label)
{
	size_t i, n = strlen(label);

	for (i = 0; i < h->n; i++)
		if (!h->labels[i].is_int && h->labels[i].s_len == n && !memcmp(h->labels[i].s, label, n))
			return h->labels[i].value;
	return NULL;
}

/* A crit entry (int or tstr item) names a label present in h. */
static bool has_label_item(const struct headers *h, const cbor_item_t *label)
{
	int64_t v;

	if (item_int64(label, &v))
		return find_int(h, v) != NULL;
	if (item_tstr(label)) {
		size_t i, n = cbor_string_length(label);
		const unsigned char *s = cbor_string_handle(label);

		for (i = 0; i < h->n; i++)
			if (!h->labels[i].is_int && h->labels[i].s_len == n && !memcmp(h->labels[i].s, s, n))
				return true;
	}
	return false;
}

static int check_type_param(const cbor_item_t *v, const char *what, char *err, size_t errlen)
{
	const char *s;
	size_t n, slashes = 0, i;

	if (cbor_isa_uint(v))
		return 0;
	if (!item_tstr(v)) {
		snprintf(err, errlen, "header parameter: %s: require tstr / uint type", what);
		return -1;
	}
	s = (const char *)cbor_string_handle(v);
	n = cbor_string_length(v);
	if (n == 0) {
		snprintf(err, errlen, "header parameter: %s: require non-empty string", what);
		return -1;
	}
	if (s[0] == ' ' || s[n - 1] == ' ') {
		snprintf(err, errlen, "header parameter: %s: require no leading/trailing whitespace", what);
		return -1;
	}
	for (i = 0; i < n; i++)
		slashes += s[i] == '/';
	if (slashes != 1) {
		snprintf(err, errlen, "header parameter: %s: require text of form type/subtype", what);
		return -1;
	}
	return 0;
}

/* go-cose validateHeaderParameters. */
static int validate_params(const struct headers *h, bool protected_, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct label *l = &h->labels[i];
		const cbor_item_t *v = l->value;
		int64_t tmp;

		if (!l->is_int)
			continue;
		switch (l->i) {
		case LABEL_ALG:
			if (!item_int64(v, &tmp) && !item_tstr(v)) {
				snprintf(err, errlen, "header parameter: alg: require int / tstr type");
				return -1;
			}
			break;
		case LABEL_CRIT: {
			size_t k, n;
			cbor_item_t **items;

			if (!protected_) {
				snprintf(err, errlen, "header parameter: crit: not allowed");
				return -1;
			}
			if (!cbor_isa_array(v)) {
				snprintf(err, errlen, "header parameter: crit: invalid crit header");
				return -1;
			}
			n = cbor_array_size(v);
			if (n == 0) {
				snprintf(err, errlen, "header parameter: crit: empty crit header");
				return -1;
			}
			items = cbor_array_handle(v);
			for (k = 0; k < n; k++) {
				if (!item_int64(items[k], &tmp) && !item_tstr(items[k])) {
					snprintf(err, errlen, "header parameter: crit: require int / tstr type");
					return -1;
				}
				if (!has_label_item(h, items[k])) {
					snprintf(err, errlen, "header parameter: crit: missing critical header");
					return -1;
				}
			}
			break;
		}
		case LABEL_TYPE:
			if (check_type_param(v, "type", err, errlen) < 0)
				return -1;
			break;
		case LABEL_CTY:
			if (check_type_param(v, "content type", err, errlen) < 0)
				return -1;
			break;
		case LABEL_KID:
			if (!item_bstr(v)) {
				snprintf(err, errlen, "header parameter: kid: require bstr type");
				return -1;
			}
			break;
		case LABEL_IV:
		case LABEL_PIV:
			if (!item_bstr(v)) {
				snprintf(err, errlen, "header parameter: %s: require bstr type", l->i == LABEL_IV ? "IV" : "Partial IV");
				return -1;
			}
			if (find_int(h, l->i == LABEL_IV ? LABEL_PIV : LABEL_IV)) {
				snprintf(err, errlen, "header parameter: IV and PartialIV: parameters must not both be present");
				return -1;
			}
			break;
		case LABEL_CS:
		case LABEL_CS_V2:
			/* countersignature structures: ferry does not decode them */
			snprintf(err, errlen, protected_ ? "header parameter: counter signature: not allowed"
							 : "invalid Countersignature object / list of objects");
			return -1;
		case LABEL_CS0:
		case LABEL_CS0_V2:
			if (protected_) {
				snprintf(err, errlen, "header parameter: countersignature0: not allowed");
				return -1;
			}
			if (!item_bstr(v)) {
				snprintf(err, errlen, "header parameter: countersignature0: require bstr type");
				return -1;
			}
			break;
		}
	}
	return 0;
}

/* ---- message decoding ---- */

struct sign1 {
	const unsigned char *protected_; size_t protected_len;   /* bstr contents as received */
	struct headers prot, unprot;
	const unsigned char *payload; size_t payload_len;
	bool payload_nil;
	const unsigned char *sig; size_t sig_len;
};

/* A bstr (or null) element: its contents. */
static int bstr_contents(const unsigned char *p, size_t n, const unsigned char **out, size_t *out_len, bool *nil)
{
	struct walk w;
	struct head h;

	*nil = false;
	if (n == 1 && p[0] == 0xf6) {
		*nil = true;
		*out = NULL;
		*out_len = 0;
		return 0;
	}
	if (read_head(&w, p, n, &h) < 0 || h.major != 2)
		return -1;
	*out = p + h.len;
	*out_len = (size_t)h.arg;
	return 0;
}

static int decode_sign1(const unsigned char *data, size_t len, struct sign1 *m, struct ferry_err *e)
{
	struct walk w = { 0 };
	const unsigned char *el[4];
	size_t el_len[4], off = 2, i;
	char err[160];
	bool nil;

	if (len < 2 || data[0] != 0xd2 || data[1] != 0x84)
		return nv_env_fail(e, NV_PARSE_PREFIX "cbor: invalid COSE_Sign1_Tagged object");
	for (i = 0; i < 4; i++) {
		if (walk_item(&w, data + off, len - off, &el_len[i], 2) < 0)
			return nv_env_fail(e, NV_PARSE_PREFIX "%s", w.err);
		el[i] = data + off;
		off += el_len[i];
	}
	if (off != len)
		return nv_env_fail(e, NV_PARSE_PREFIX "cbor: %zu bytes of extraneous data starting at index %zu", len - off, off - 1);

	if (bstr_contents(el[2], el_len[2], &m->payload, &m->payload_len, &m->payload_nil) < 0 ||
	    bstr_contents(el[3], el_len[3], &m->sig, &m->sig_len, &nil) < 0)
		return nv_env_fail(e, NV_PARSE_PREFIX "cbor: require bstr type");
	if (m->sig_len == 0)
		return nv_env_fail(e, NV_PARSE_PREFIX "empty signature");

	/* protected: a bstr holding nothing or one map */
	if (bstr_contents(el[0], el_len[0], &m->protected_, &m->protected_len, &nil) < 0)
		return nv_env_fail(e, NV_PARSE_PREFIX "cbor: invalid protected header: cbor: require bstr type");
	if (nil)
		return nv_env_fail(e, NV_PARSE_PREFIX "cbor: invalid protected header: cbor: nil protected header");
	if (m->protected_len) {
		struct walk pw = { .time_tags = true };

		if (m->protected_[0] >> 5 != 5)
			return nv_env_fail(e, NV_PARSE_PREFIX "cbor: invalid protected header: cbor: protected header: require map type");
		pw.items = w.items;
		if (walk_exact(&pw, m->protected_, m->protected_len) < 0)
			return nv_env_fail(e, NV_PARSE_PREFIX "cbor: invalid protected header: %s", pw.err);
		if (load_headers(m->protected_, m->protected_len, &m->prot, err, sizeof(err)) < 0)
			return nv_env_fail(e, NV_PARSE_PREFIX "cbor: invalid protected header: %s", err);
		if (validate_params(&m->prot, true, err, sizeof(err)) < 0)
			return nv_env_fail(e, NV_PARSE_PREFIX "cbor: invalid protected header: protected header: %s", err);
	}

	if (el[1][0] >> 5 != 5)
		return nv_env_fail(e, NV_PARSE_PREFIX "cbor: invalid unprotected header: cbor: unprotected header: require map type");
	if (load_headers(el[1], el_len[1], &m->unprot, err, sizeof(err)) < 0)
		return nv_env_fail(e, NV_PARSE_PREFIX "cbor: invalid unprotected header: %s", err);
	if (validate_params(&m->unprot, false, err, sizeof(err)) < 0)
		return nv_env_fail(e, NV_PARSE_PREFIX "cbor: invalid unprotected header: unprotected header: %s", err);
	if ((find_int(&m->prot, LABEL_IV) && find_int(&m->unprot, LABEL_PIV)))
		return nv_env_fail(e, NV_PARSE_PREFIX "IV (protected) and PartialIV (unprotected) parameters must not both be present");
	if ((find_int(&m->prot, LABEL_PIV) && find_int(&m->unprot, LABEL_IV)))
		return nv_env_fail(e, NV_PARSE_PREFIX "IV (unprotected) and PartialIV (protected) parameters must not both be present");
	return 0;
}

/* ---- verification ---- */

static const char *cose_alg_name(int64_t a, char *buf, size_t n)
{
	switch (a) {
	case -37: return "PS256";
	case -38: return "PS384";
	case -39: return "PS512";
	case -257: return "RS256";
	case -258: return "RS384";
	case -259: return "RS512";
	case -7: return "ES256";
	case -35: return "ES384";
	case -36: return "ES512";
	case -8: return "EdDSA";
	case 0: return "Reserved";
	}
	snprintf(buf, n, "Algorithm(%lld)", (long long)a);
	return buf;
}

static void put_bstr_head(struct buf *b, size_t len)
{
	unsigned char h[9];
	size_t n;

	if (len < 24) {
		h[0] = (unsigned char)(0x40 | len);
		n = 1;
	} else if (len <= 0xff) {
		h[0] = 0x58;
		h[1] = (unsigned char)len;
		n = 2;
	} else if (len <= 0xffff) {
		h[0] = 0x59;
		h[1] = (unsigned char)(len >> 8);
		h[2] = (unsigned char)len;
		n = 3;
	} else {
		h[0] = 0x5a;
		h[1] = (unsigned char)(len >> 24);
		h[2] = (unsigned char)(len >> 16);
		h[3] = (unsigned char)(len >> 8);
		h[4] = (unsigned char)len;
		n = 5;
	}
	buf_append(b, h, n);
}

/* go-cose Sign1Message.Verify: payload present, protected alg equal to the
 * verifier's, then the signature over Sig_structure. */
static int verify_signature(const struct sign1 *m, const struct nv_cert *leaf, enum nv_alg alg, struct ferry_err *e)
{
	static const unsigned char context[] = { 0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1' };
	struct buf tbs = BUF_INIT(0);
	struct ferry_err inner = { 0 };
	cbor_item_t *a = find_int(&m->prot, LABEL_ALG);
	char b1[40], b2[40];
	int64_t id;
	int rc;

	if (m->payload_nil)
		return nv_env_fail(e, "signature is invalid. Error: missing payload");
	if (!a)
		return nv_env_fail(e, "signature is invalid. Error: algorithm not found");
	if (!item_int64(a, &id)) {
		_cleanup_free_ char *s = xstrndup((const char *)cbor_string_handle(a), cbor_string_length(a));
		_cleanup_free_ char *q = gj_quote(s);
		return nv_env_fail(e, "signature is invalid. Error: Algorithm(%s)", q);
	}
	if (id != nv_alg_cose_id(alg))
		return nv_env_fail(e, "signature is invalid. Error: algorithm mismatch: verifier %s: header %s",
			    cose_alg_name(nv_alg_cose_id(alg), b1, sizeof(b1)), cose_alg_name(id, b2, sizeof(b2)));
	buf_append(&tbs, context, sizeof(context));
	put_bstr_head(&tbs, m->protected_len);
	buf_append(&tbs, m->protected_, m->protected_len);
	buf_append(&tbs, "\x40", 1);
	put_bstr_head(&tbs, m->payload_len);
	buf_append(&tbs, m->payload, m->payload_len);
	rc = nv_verify_with_cert(leaf, alg, false, tbs.data, tbs.len, m->sig, m->sig_len, &inner);
	buf_free(&tbs);
	if (rc < 0)
		return nv_env_fail(e, "signature is invalid. Error: verification error");
	return 0;
}

static bool item_is_str(const cbor_item_t *it, const char *s)
{
	size_t n = strlen(s);
	return item_tstr(it) && cbor_string_length(it) == n && !memcmp(cbor_string_handle(it), s, n);
}

static char *item_strdup(const cbor_item_t *it)
{
	if (memchr(cbor_string_handle(it), 0, cbor_string_length(it)))
		return xstrdup("");
	return xstrndup((const char *)cbor_string_handle(it), cbor_string_length(it));
}

/* notation-core-go parseTime: the value must carry tag 1. */
static int parse_time(const struct headers *h, const char *label, struct nv_time *t, char *err, size_t n)
{
	cbor_item_t *v = find_str(h, label), *inner;
	int64_t sec;
	int rc = 0;

	t->set = false;
	if (!v) {
		snprintf(err, n, "protected header \"%s\" is missing", label);
		return -1;
	}
	if (!cbor_isa_tag(v)) {
		snprintf(err, n, "invalid timeValue type");
		return -1;
	}
	if (cbor_tag_value(v) != 1) {
		snprintf(err, n, "only Tag `1` Datetime CBOR object is supported");
		return -1;
	}
	inner = cbor_tag_item(v);
	if (item_int64(inner, &sec)) {
		t->sec = sec;
		t->nsec = 0;
	} else if (cbor_is_float(inner)) {
		double d = cbor_float_get_float(inner), fl;

		if (!isfinite(d) || d > 9.2e18 || d < -9.2e18) {
			snprintf(err, n, "cbor: cannot decode floating-point number to time");
			rc = -1;
		} else {
			fl = floor(d);
			t->sec = (int64_t)fl;
			t->nsec = (int32_t)((d - fl) * 1e9);
		}
	} else {
		snprintf(err, n, "invalid timeValue type");
		rc = -1;
	}
	cbor_decref(&inner);
	t->set = rc == 0;
	return rc;
}

static char *plugin_attr(const struct headers *h, const char *key)
{
	cbor_item_t *v = find_str(h, key);

	if (!v)
		return NULL;
	return item_tstr(v) ? item_strdup(v) : xstrdup("");
}

/* notation-core-go validateCritHeaders + parseProtectedHeaders. */
static int protected_content(const struct sign1 *m, struct nv_envelope *env, struct nv_time *signing,
			     struct nv_time *expiry, struct ferry_err *e)
{
	cbor_item_t *crit = find_int(&m->prot, LABEL_CRIT), *scheme = find_str(&m->prot, NV_HDR_SIGNING_SCHEME);
	bool must_scheme = true, must_authentic, must_expiry;
	const char *time_label;
	char err[160];
	size_t i, n = 0;
	cbor_item_t **items = NULL;

	if (!scheme || !item_tstr(scheme))
		return nv_env_fail(e, "invalid signingScheme");
	must_authentic = item_is_str(scheme, NV_SCHEME_SA_NAME);
	must_expiry = find_str(&m->prot, NV_HDR_EXPIRY) != NULL;
	if (crit) {
		n = cbor_array_size(crit);
		items = cbor_array_handle(crit);
	}
	for (i = 0; i < n; i++) {
		if (item_is_str(items[i], NV_HDR_SIGNING_SCHEME))
			must_scheme = false;
		else if (item_is_str(items[i], NV_HDR_AUTHENTIC_TIME))
			must_authentic = false;
		else if (item_is_str(items[i], NV_HDR_EXPIRY))
			must_expiry = false;
	}
	if (must_scheme || must_authentic || must_expiry)
		return nv_env_fail(e, "these required headers are not marked as critical: [%s%s%s%s%s]",
			    must_scheme ? NV_HDR_SIGNING_SCHEME : "", must_scheme && (must_authentic || must_expiry) ? " " : "",
			    must_authentic ? NV_HDR_AUTHENTIC_TIME : "", must_authentic && must_expiry ? " " : "",
			    must_expiry ? NV_HDR_EXPIRY : "");

	if (item_is_str(scheme, NV_SCHEME_X509_NAME)) {
		env->scheme = NV_SCHEME_X509;
		time_label = NV_HDR_SIGNING_TIME;
	} else if (item_is_str(scheme, NV_SCHEME_SA_NAME)) {
		env->scheme = NV_SCHEME_X509_SIGNING_AUTHORITY;
		time_label = NV_HDR_AUTHENTIC_TIME;
	} else {
		_cleanup_free_ char *s = item_strdup(scheme);
		return nv_env_fail(e, "unsupported signingScheme: %s", s);
	}
	if (parse_time(&m->prot, time_label, signing, err, sizeof(err)) < 0)
		return nv_env_fail(e, "invalid signingTime: %s", err);
	if (find_str(&m->prot, NV_HDR_EXPIRY) && parse_time(&m->prot, NV_HDR_EXPIRY, expiry, err, sizeof(err)) < 0)
		return nv_env_fail(e, "invalid expiry: %s", err);
	if (env->scheme == NV_SCHEME_X509) {
		env->has_signing_time = true;
		env->signing_time = signing->sec;
	} else {
		env->has_authentic_signing_time = true;
		env->authentic_signing_time = signing->sec;
	}
	env->has_expiry = expiry->set;
	env->expiry = expiry->sec;
	env->verification_plugin = plugin_attr(&m->prot, NV_HDR_PLUGIN);
	env->verification_plugin_min_version = plugin_attr(&m->prot, NV_HDR_PLUGIN_MIN_VERSION);
	return 0;
}

/* x5chain: an array of bstr in the unprotected header. */
static cbor_item_t **chain_items(const struct sign1 *m, size_t *n)
{
	cbor_item_t *x5 = find_int(&m->unprot, LABEL_X5CHAIN);

	*n = 0;
	if (!x5 || !cbor_isa_array(x5) || cbor_array_size(x5) == 0)
		return NULL;
	*n = cbor_array_size(x5);
	return cbor_array_handle(x5);
}

static int verify_sign1(const struct sign1 *m, struct nv_envelope *env, struct ferry_err *e)
{
	struct nv_cert *leaf = NULL;
	struct ferry_err inner = { 0 };
	struct nv_time signing = { 0 }, expiry = { 0 };
	cbor_item_t **certs, *cty, *agent, *tst;
	size_t n, i;
	char why[128];
	enum nv_alg alg;

	certs = chain_items(m, &n);
	if (!certs)
		return nv_env_fail(e, "certificate chain is not present");
	if (!item_bstr(certs[0]))
		return nv_env_fail(e, "COSE envelope malformed leaf certificate");
	if (nv_cert_parse_der(cbor_bytestring_handle(certs[0]), cbor_bytestring_length(certs[0]), &leaf, &inner) < 0)
		return nv_env_fail(e, "malformed leaf certificate");
	if (nv_cert_key_spec_error(leaf, why, sizeof(why)) < 0) {
		nv_cert_free(leaf);
		return nv_env_fail(e, "%s", why);
	}
	alg = nv_cert_signing_alg(leaf);
	if (leaf->key_type == NV_KEY_RSA && leaf->key_bits < 2048) {
		nv_cert_free(leaf);
		return nv_env_fail(e, "RSA key must be at least 2048 bits long");
	}
	if (n > LIMIT_CERT_CHAIN_LEN) {
		nv_cert_free(leaf);
		return nv_env_fail(e, "certificate chain longer than %d certificates", LIMIT_CERT_CHAIN_LEN);
	}
	env->chain = xcalloc(n + 1, sizeof(*env->chain));
	env->chain[0] = leaf;
	env->chain_len = 1;
	if (verify_signature(m, leaf, alg, e) < 0)
		return -1;

	/* Content(): payload and content type */
	cty = find_int(&m->prot, LABEL_CTY);
	if (!cty)
		return nv_env_fail(e, "missing content type");
	if (!item_tstr(cty))
		return nv_env_fail(e, "content type should be of 'tstr' type");
	env->content_type = item_strdup(cty);
	env->payload = xmalloc(m->payload_len + 1);
	memcpy(env->payload, m->payload, m->payload_len);
	env->payload_len = m->payload_len;
	env->signature = xmalloc(m->sig_len);
	memcpy(env->signature, m->sig, m->sig_len);
	env->signature_len = m->sig_len;
	if (protected_content(m, env, &signing, &expiry, e) < 0)
		return -1;
	env->alg = alg;

	for (i = 1; i < n; i++) {
		if (!item_bstr(certs[i]))
			return nv_env_fail(e, "certificate chain is not present");
		if (nv_cert_parse_der(cbor_bytestring_handle(certs[i]), cbor_bytestring_length(certs[i]),
				      &env->chain[i], e) < 0)
			return -1;
		env->chain_len++;
	}
	agent = find_str(&m->unprot, NV_HDR_SIGNING_AGENT);
	if (agent && item_tstr(agent))
		env->signing_agent = item_strdup(agent);
	tst = find_str(&m->unprot, NV_HDR_TIMESTAMP);
	if (tst && item_bstr(tst) && cbor_bytestring_length(tst)) {
		env->timestamp_token_len = cbor_bytestring_length(tst);
		env->timestamp_token = xmalloc(env->timestamp_token_len);
		memcpy(env->timestamp_token, cbor_bytestring_handle(tst), env->timestamp_token_len);
	}
	return nv_envelope_base_checks(env, &signing, &expiry, e);
}

int nv_cose_verify(const void *data, size_t len, struct nv_envelope *env, struct ferry_err *e)
{
	struct sign1 m;
	int rc;

	memset(&m, 0, sizeof(m));
	rc = decode_sign1(data, len, &m, e);
	if (rc == 0)
		rc = verify_sign1(&m, env, e);
	headers_free(&m.prot);
	headers_free(&m.unprot);
	return rc;
}
