/* der.c - strict DER element reader and value decoders (Go crypto/x509 rules). */
#include "notation/der.h"
#include "util/mem.h"
#include "util/utf8.h"

#include <stdio.h>
#include <string.h>

int der_parse_tlv(const unsigned char *p, size_t len, struct der_tlv *out)
{
	size_t hdr = 2, vlen;

	if (len < 2)
		return -1;
	if ((p[0] & 0x1f) == 0x1f)
		return -1; /* high tag numbers never occur in what ferry reads */
	if (p[1] < 0x80) {
		vlen = p[1];
	} else {
		size_t nbytes = p[1] & 0x7f, i;

		if (nbytes == 0 || nbytes > 4 || len < 2 + nbytes)
			return -1; /* indefinite, absurd, or truncated */
		if (p[2] == 0)
			return -1; /* not minimal */
		vlen = 0;
		for (i = 0; i < nbytes; i++)
			vlen = vlen << 8 | p[2 + i];
		if (vlen < 0x80)
			return -1; /* long form where the short form fits */
		hdr += nbytes;
	}
	if (vlen > len - hdr)
		return -1;
	out->tag = p[0];
	out->raw = p;
	out->raw_len = hdr + vlen;
	out->val = p + hdr;
	out->val_len = vlen;
	return 0;
}

void der_put_len(struct buf *b, size_t n)
{
	unsigned char l[9];
	int k = 0;

	if (n < 0x80) {
		l[0] = (unsigned char)n;
		buf_append(b, l, 1);
		return;
	}
	while (n) {
		l[8 - k++] = (unsigned char)n;
		n >>= 8;
	}
	l[8 - k] = (unsigned char)(0x80 | k);
	buf_append(b, l + 8 - k, (size_t)k + 1);
}

void der_put_tlv(struct buf *b, unsigned tag, const void *p, size_t n)
{
	unsigned char t = (unsigned char)tag;

	buf_append(b, &t, 1);
	der_put_len(b, n);
	buf_append(b, p, n);
}

int der_read(struct der *d, struct der_tlv *out)
{
	if (der_parse_tlv(d->p, d->len, out) < 0)
		return -1;
	d->p += out->raw_len;
	d->len -= out->raw_len;
	return 0;
}

int der_peek_tag(const struct der *d)
{
	return d->len ? d->p[0] : -1;
}

int der_read_tag(struct der *d, unsigned tag, struct der_tlv *out)
{
	if (der_peek_tag(d) != (int)tag)
		return -1;
	return der_read(d, out);
}

int der_read_optional(struct der *d, unsigned tag, struct der_tlv *out, bool *present)
{
	*present = false;
	if (der_peek_tag(d) != (int)tag)
		return 0;
	if (der_read(d, out) < 0)
		return -1;
	*present = true;
	return 0;
}

static int check_level(const unsigned char *p, size_t len, int depth_left)
{
	struct der d = der_init(p, len);
	struct der_tlv t;

	while (!der_empty(&d)) {
		if (der_read(&d, &t) < 0)
			return -1;
		if (t.tag & DER_CONSTRUCTED) {
			if (depth_left <= 0 || check_level(t.val, t.val_len, depth_left - 1) < 0)
				return -1;
		}
	}
	return 0;
}

int der_check_tree(const unsigned char *p, size_t len, int max_depth)
{
	struct der_tlv t;

	if (der_parse_tlv(p, len, &t) < 0 || t.raw_len != len)
		return -1;
	return check_level(p, len, max_depth);
}

bool der_integer_valid(const unsigned char *v, size_t n)
{
	if (n == 0)
		return false;
	if (n > 1 && ((v[0] == 0x00 && !(v[1] & 0x80)) || (v[0] == 0xff && (v[1] & 0x80))))
		return false;
	return true;
}

bool der_integer_negative(const unsigned char *v, size_t n)
{
	return n > 0 && (v[0] & 0x80);
}

int der_integer_i64(const struct der_tlv *t, int64_t *out)
{
	uint64_t u;
	size_t i;

	if (t->tag != DER_INTEGER || !der_integer_valid(t->val, t->val_len) || t->val_len > 8)
		return -1;
	u = der_integer_negative(t->val, t->val_len) ? UINT64_MAX : 0;
	for (i = 0; i < t->val_len; i++)
		u = u << 8 | t->val[i];
	*out = (int64_t)u;
	return 0;
}

int der_boolean(const struct der_tlv *t, bool *out)
{
	if (t->tag != DER_BOOLEAN || t->val_len != 1 || (t->val[0] != 0x00 && t->val[0] != 0xff))
		return -1;
	*out = t->val[0] == 0xff;
	return 0;
}

int der_bit_string(const struct der_tlv *t, const unsigned char **bytes, size_t *n, unsigned *unused)
{
	unsigned pad;

	if (t->tag != DER_BIT_STRING || t->val_len == 0)
		return -1;
	pad = t->val[0];
	if (pad > 7 || (t->val_len == 1 && pad > 0) ||
	    (t->val_len > 1 && (t->val[t->val_len - 1] & ((1u << pad) - 1)) != 0))
		return -1;
	*bytes = t->val + 1;
	*n = t->val_len - 1;
	*unused = pad;
	return 0;
}

bool der_bit_at(const unsigned char *bytes, size_t n, unsigned unused, unsigned i)
{
	size_t byte = i / 8;

	if (byte >= n || (byte == n - 1 && i % 8 >= 8 - unused))
		return false;
	return (bytes[byte] >> (7 - i % 8)) & 1;
}

static int base128(const unsigned char **p, const unsigned char *end, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	for (i = 0; *p < end; i++) {
		unsigned char b = *(*p)++;

		if (i == 0 && b == 0x80)
			return -1; /* leading zero group: not minimal */
		if (v >= 1u << (31 - 7))
			return -1; /* Go's cryptobyte caps components at 31 bits */
		v = v << 7 | (b & 0x7f);
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

int der_oid_string(const unsigned char *v, size_t n, char out[DER_OID_STR_MAX])
{
	const unsigned char *p = v, *end = v + n;
	uint32_t c;
	size_t used;
	int w;

	if (n == 0 || base128(&p, end, &c) < 0)
		return -1;
	if (c < 80)
		w = snprintf(out, DER_OID_STR_MAX, "%u.%u", c / 40, c % 40);
	else
		w = snprintf(out, DER_OID_STR_MAX, "2.%u", c - 80);
	used = (size_t)w;
	while (p < end) {
		if (base128(&p, end, &c) < 0)
			return -1;
		w = snprintf(out + used, DER_OID_STR_MAX - used, ".%u", c);
		if (w < 0 || (size_t)w >= DER_OID_STR_MAX - used)
			return -1;
		used += (size_t)w;
	}
	return 0;
}

int der_oid_tlv_string(const struct der_tlv *t, char out[DER_OID_STR_MAX])
{
	if (t->tag != DER_OID)
		return -1;
	return der_oid_string(t->val, t->val_len, out);
}

/* ---- times ---- */

static int digits(const unsigned char *p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : dm[m - 1];
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Shared tail of both time types: "MMDDhhmm[ss]" then "Z" or "+hhmm"/"-hhmm". */
static int parse_time_rest(int64_t year, const unsigned char *p, size_t n, bool seconds_optional,
			   int64_t *out)
{
	int mon, day, hh, mm, ss = 0, oh, om;
	int64_t off = 0;
	size_t i = 8;

	if (n < 9 || digits(p, 2, &mon) < 0 || digits(p + 2, 2, &day) < 0 || digits(p + 4, 2, &hh) < 0 ||
	    digits(p + 6, 2, &mm) < 0)
		return -1;
	if (p[8] >= '0' && p[8] <= '9') {
		if (n < 11 || digits(p + 8, 2, &ss) < 0)
			return -1;
		i = 10;
	} else if (!seconds_optional) {
		return -1;
	}
	if (p[i] == 'Z') {
		if (n != i + 1)
			return -1;
	} else if (p[i] == '+' || p[i] == '-') {
		if (n != i + 5 || digits(p + i + 1, 2, &oh) < 0 || digits(p + i + 3, 2, &om) < 0)
			return -1;
		if (oh > 23 || om > 59 || (oh == 0 && om == 0))
			return -1; /* a zero offset is written "Z" (Go's round-trip check) */
		off = (int64_t)(oh * 60 + om) * 60;
		if (p[i] == '-')
			off = -off;
	} else {
		return -1;
	}
	if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) || hh > 23 || mm > 59 || ss > 59)
		return -1;
	*out = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss - off;
	return 0;
}

int der_time(const struct der_tlv *t, int64_t *out)
{
	int y;

	if (t->tag == DER_UTC_TIME) {
		if (t->val_len < 2 || digits(t->val, 2, &y) < 0)
			return -1;
		return parse_time_rest(y < 50 ? 2000 + y : 1900 + y, t->val + 2, t->val_len - 2, true, out);
	}
	if (t->tag == DER_GENERALIZED_TIME) {
		if (t->val_len < 4 || digits(t->val, 4, &y) < 0)
			return -1;
		return parse_time_rest(y, t->val + 4, t->val_len - 4, false, out);
	}
	return -1;
}

/* Go's encoding/asn1 GeneralizedTime ("20060102150405.999999999Z0700"):
 * an optional fraction of 1-9 digits without trailing zeros (the value must
 * serialize back to the same text). */
int der_generalized_time_us(const struct der_tlv *t, int64_t *us)
{
	unsigned char plain[32];
	size_t n = t->val_len, frac_at = 14, frac_len = 0, i;
	int64_t sec, frac = 0;
	int y;

	if (t->tag != DER_GENERALIZED_TIME || n < 15 || n > 14 + 1 + 9 + 5 || digits(t->val, 4, &y) < 0)
		return -1;
	if (t->val[frac_at] == '.') {
		for (i = frac_at + 1; i < n && t->val[i] >= '0' && t->val[i] <= '9'; i++)
			frac_len++;
		if (frac_len == 0 || frac_len > 9 || t->val[frac_at + frac_len] == '0')
			return -1;
		for (i = 0; i < 6; i++)
			frac = frac * 10 + (i < frac_len ? t->val[frac_at + 1 + i] - '0' : 0);
	}
	memcpy(plain, t->val, frac_at);
	memcpy(plain + frac_at, t->val + frac_at + (frac_len ? frac_len + 1 : 0), n - frac_at - (frac_len ? frac_len + 1 : 0));
	n -= frac_len ? frac_len + 1 : 0;
	if (parse_time_rest(y, plain + 4, n - 4, false, &sec) < 0)
		return -1;
	*us = sec * 1000000 + frac;
	return 0;
}

/* ---- strings ---- */

static bool x509_printable(unsigned char b)
{
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
	       (b >= '\'' && b <= ')') || (b >= '+' && b <= '/') || b == ' ' || b == ':' || b == '=' ||
	       b == '?' || b == '*' || b == '&';
}

static const char *unsupported_string(unsigned tag)
{
	static __thread char buf[40];
	snprintf(buf, sizeof(buf), "unsupported string type: %u", tag);
	return buf;
}

int der_string_utf8(const struct der_tlv *t, char **out, const char **why)
{
	const unsigned char *v = t->val;
	size_t n = t->val_len, i;
	unsigned char *buf, *o;

	buf = xmalloc(n * 3 + 1); /* worst case: Latin-1 or UTF-16 units -> 3 bytes each */
	o = buf;
	switch (t->tag) {
	case DER_PRINTABLE_STRING:
		*why = "invalid PrintableString";
		for (i = 0; i < n; i++)
			if (!x509_printable(v[i]))
				goto bad;
		memcpy(o, v, n);
		o += n;
		break;
	case DER_IA5_STRING:
		*why = "invalid IA5String";
		for (i = 0; i < n; i++)
			if (v[i] >= 0x80)
				goto bad;
		memcpy(o, v, n);
		o += n;
		break;
	case DER_NUMERIC_STRING:
		*why = "invalid NumericString";
		for (i = 0; i < n; i++)
			if (!((v[i] >= '0' && v[i] <= '9') || v[i] == ' '))
				goto bad;
		memcpy(o, v, n);
		o += n;
		break;
	case DER_UTF8_STRING:
		*why = "invalid UTF-8 string";
		if (!utf8_valid(v, n))
			goto bad;
		memcpy(o, v, n);
		o += n;
		break;
	case DER_T61_STRING:
		for (i = 0; i < n; i++)
			o += utf8_encode(v[i], o);
		break;
	case DER_BMP_STRING:
		*why = "invalid BMPString";
		if (n % 2)
			goto bad;
		if (n >= 2 && v[n - 1] == 0 && v[n - 2] == 0)
			n -= 2;
		for (i = 0; i < n; i += 2) {
			uint32_t u = (uint32_t)v[i] << 8 | v[i + 1];

			/* UCS-2: surrogates and noncharacters are refused (Go) */
			if ((u >= 0xd800 && u <= 0xdfff) || u == 0xfffe || u == 0xffff || (u >= 0xfdd0 && u <= 0xfdef))
				goto bad;
			o += utf8_encode(u, o);
		}
		break;
	case DER_UNIVERSAL_STRING:
		*why = "invalid UniversalString";
		if (n % 4)
			goto bad;
		free(buf);
		buf = xmalloc(n + 1);
		o = buf;
		for (i = 0; i < n; i += 4) {
			uint32_t r = (uint32_t)v[i] << 24 | (uint32_t)v[i + 1] << 16 | (uint32_t)v[i + 2] << 8 | v[i + 3];
			if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
				goto bad;
			o += utf8_encode(r, o);
		}
		break;
	default:
		*why = unsupported_string(t->tag);
		goto bad;
	}
	*o = '\0';
	if (strlen((char *)buf) != (size_t)(o - buf)) {
		*why = "string contains a NUL character";
		goto bad;
	}
	*out = (char *)buf;
	return 0;
bad:
	free(buf);
	return -1;
}
