/*
 * der.h - a small strict DER reader for certificates and CMS pieces.
 *
 * Owned by notation (cert, envelope and the timestamp code read DER through
 * it). Only definite, minimally encoded lengths and low tag numbers are
 * accepted; every read is bounded by the enclosing element. Value decoders
 * follow Go's crypto/x509 + cryptobyte rules (INTEGER minimal encoding,
 * BOOLEAN 0x00/0xff, UTCTime YY<50 -> 20YY, the name string types).
 */
#ifndef FERRY_NOTATION_DER_H
#define FERRY_NOTATION_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Identifier octets (class | constructed | number) used by ferry. */
#define DER_BOOLEAN          0x01
#define DER_INTEGER          0x02
#define DER_BIT_STRING       0x03
#define DER_OCTET_STRING     0x04
#define DER_NULL             0x05
#define DER_OID              0x06
#define DER_ENUMERATED       0x0a
#define DER_UTF8_STRING      0x0c
#define DER_NUMERIC_STRING   0x12
#define DER_PRINTABLE_STRING 0x13
#define DER_T61_STRING       0x14
#define DER_IA5_STRING       0x16
#define DER_UTC_TIME         0x17
#define DER_GENERALIZED_TIME 0x18
#define DER_UNIVERSAL_STRING 0x1c
#define DER_BMP_STRING       0x1e
#define DER_SEQUENCE         0x30
#define DER_SET              0x31
#define DER_CONSTRUCTED      0x20
#define DER_CONTEXT          0x80
/* [n] context-specific, constructed (EXPLICIT or IMPLICIT SEQUENCE) / primitive */
#define DER_CTX_CONS(n)      (DER_CONTEXT | DER_CONSTRUCTED | (n))
#define DER_CTX_PRIM(n)      (DER_CONTEXT | (n))

/* Longest dotted OID string ferry renders (longer OIDs are rejected). */
#define DER_OID_STR_MAX 128

/* A cursor over a run of DER elements. */
struct der {
	const unsigned char *p;
	size_t len;
};

/* One element: identifier, the whole encoding and its contents. */
struct der_tlv {
	unsigned tag;
	const unsigned char *raw;  size_t raw_len;
	const unsigned char *val;  size_t val_len;
};

static inline struct der der_init(const void *p, size_t len)
{
	struct der d = { p, len };
	return d;
}

static inline struct der der_contents(const struct der_tlv *t)
{
	return der_init(t->val, t->val_len);
}

static inline bool der_empty(const struct der *d)
{
	return d->len == 0;
}

/* Writing: a DER length, and one element (identifier, minimal length,
 * contents). Used for OCSP requests and CMS re-encoding. */
void der_put_len(struct buf *b, size_t n);
void der_put_tlv(struct buf *b, unsigned tag, const void *p, size_t n);

/* Parse one element header at the start of p/len without consuming it. */
int der_parse_tlv(const unsigned char *p, size_t len, struct der_tlv *out);
/* Read the next element. 0, or -1 if malformed or the cursor is empty. */
int der_read(struct der *d, struct der_tlv *out);
/* Read the next element and require its identifier. */
int der_read_tag(struct der *d, unsigned tag, struct der_tlv *out);
/* Read the next element if it carries tag; *present says whether it did. */
int der_read_optional(struct der *d, unsigned tag, struct der_tlv *out, bool *present);
/* Identifier of the next element, or -1 when empty. */
int der_peek_tag(const struct der *d);

/* Walk every constructed element below p/len: well-formed DER, at most
 * max_depth levels of nesting, nothing after the single top element. */
int der_check_tree(const unsigned char *p, size_t len, int max_depth);

/* INTEGER contents: non-empty and minimally encoded. */
bool der_integer_valid(const unsigned char *v, size_t n);
bool der_integer_negative(const unsigned char *v, size_t n);
/* INTEGER that fits int64. */
int der_integer_i64(const struct der_tlv *t, int64_t *out);
int der_boolean(const struct der_tlv *t, bool *out);
/* BIT STRING: content bytes after the unused-bits octet; unused bits must be
 * zero and at most 7 (0 when empty). */
int der_bit_string(const struct der_tlv *t, const unsigned char **bytes, size_t *n, unsigned *unused);
/* Bit i (0 = most significant bit of the first byte) of a BIT STRING. */
bool der_bit_at(const unsigned char *bytes, size_t n, unsigned unused, unsigned i);
/* OBJECT IDENTIFIER contents to "1.2.840...". out has DER_OID_STR_MAX bytes. */
int der_oid_string(const unsigned char *v, size_t n, char out[DER_OID_STR_MAX]);
int der_oid_tlv_string(const struct der_tlv *t, char out[DER_OID_STR_MAX]);
/* UTCTime or GeneralizedTime as Go's cryptobyte reads them; seconds since epoch. */
int der_time(const struct der_tlv *t, int64_t *out);
/* GeneralizedTime as Go's encoding/asn1 reads it (RFC 3161 genTime): an
 * optional fraction of seconds without trailing zeros; microseconds since
 * the epoch (finer digits truncated). */
int der_generalized_time_us(const struct der_tlv *t, int64_t *us);
/* A directory string as Go's x509 parser decodes it (PrintableString,
 * UTF8String, IA5String, NumericString, T61String as Latin-1, BMPString,
 * UniversalString) into a fresh NUL-terminated UTF-8 string. Strings with
 * an embedded NUL are rejected. On failure *why is Go's reason text
 * ("invalid PrintableString", "unsupported string type: 2", ...). */
int der_string_utf8(const struct der_tlv *t, char **out, const char **why);

#endif
