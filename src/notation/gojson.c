/* gojson.c - Go encoding/json compatible parsing and decoding, Go's %q. */
#include "notation/gojson.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/digest.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/utf8.h"

struct parser {
	const unsigned char *p;
	const unsigned char *end;
	int depth;
	char *err;
	size_t errlen;
};

/* ---- Go's strconv.Quote ------------------------------------------------ */

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_putc(struct sbuf *b, char c)
{
	if (b->len + 2 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->s = xrealloc(b->s, b->cap);
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	while (*s)
		sb_putc(b, *s++);
}

static void sb_put_utf8(struct sbuf *b, uint32_t r)
{
	unsigned char enc[UTF8_MAX];
	size_t n = utf8_encode(r, enc);

	for (size_t i = 0; i < n; i++)
		sb_putc(b, (char)enc[i]);
}

/* Approximation of Go's strconv.IsPrint: controls, format characters,
 * separators other than U+0020, private use and noncharacters are not
 * printable; everything else is. */
static bool go_is_print(uint32_t r)
{
	if (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xa0 || r == 0xad)
		return false;
	if (r == 0x1680 || (r >= 0x2000 && r <= 0x200f) || (r >= 0x2028 && r <= 0x202f) ||
	    (r >= 0x205f && r <= 0x206f) || r == 0x3000 || r == 0xfeff || (r >= 0xfff9 && r <= 0xfffb))
		return false;
	if ((r >= 0xe000 && r <= 0xf8ff) || r >= 0xf0000 || (r & 0xfffe) == 0xfffe || (r >= 0xfdd0 && r <= 0xfdef))
		return false;
	return true;
}

static void quote_into(struct sbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);
	char hex[16];

	sb_putc(b, '"');
	while (n > 0) {
		size_t w;
		uint32_t r = utf8_decode(s, n, &w);

		if (utf8_is_error(r, w)) {
			snprintf(hex, sizeof(hex), "\\x%02x", s[0]);
			sb_puts(b, hex);
		} else if (r == '"' || r == '\\') {
			sb_putc(b, '\\');
			sb_putc(b, (char)r);
		} else if (go_is_print(r)) {
			sb_put_utf8(b, r);
		} else {
			switch (r) {
			case '\a': sb_puts(b, "\\a"); break;
			case '\b': sb_puts(b, "\\b"); break;
			case '\f': sb_puts(b, "\\f"); break;
			case '\n': sb_puts(b, "\\n"); break;
			case '\r': sb_puts(b, "\\r"); break;
			case '\t': sb_puts(b, "\\t"); break;
			case '\v': sb_puts(b, "\\v"); break;
			default:
				if (r < ' ' || r == 0x7F)
					snprintf(hex, sizeof(hex), "\\x%02x", r);
				else if (r < 0x10000)
					snprintf(hex, sizeof(hex), "\\u%04x", r);
				else
					snprintf(hex, sizeof(hex), "\\U%08x", r);
				sb_puts(b, hex);
			}
		}
		s += w;
		n -= w;
	}
	sb_putc(b, '"');
}

char *gj_quote(const char *s)
{
	struct sbuf b = { 0 };

	quote_into(&b, s ? s : "");
	return b.s;
}

void gj_append_quoted(char **acc, const char *s)
{
	struct sbuf b = { 0 };

	if (*acc) {
		sb_puts(&b, *acc);
		free(*acc);
	}
	quote_into(&b, s ? s : "");
	*acc = b.s;
}

/* ---- syntax (Go's scanner messages) ----------------------------------- */

/* Go's quoteChar: the offending byte as a Go character literal. */
static void quote_char(unsigned char c, char *out, size_t n)
{
	struct sbuf b = { 0 };
	char tmp[8];
	size_t len;

	if (c == '\'') {
		snprintf(out, n, "'\\''");
		return;
	}
	if (c == '"') {
		snprintf(out, n, "'\"'");
		return;
	}
	/* string(byte) in Go is the rune U+00XX */
	len = 0;
	if (c < 0x80) {
		tmp[len++] = (char)c;
	} else {
		tmp[len++] = (char)(0xC0 | (c >> 6));
		tmp[len++] = (char)(0x80 | (c & 0x3F));
	}
	tmp[len] = '\0';
	quote_into(&b, tmp);
	b.s[b.len - 1] = '\0';
	snprintf(out, n, "'%s'", b.s + 1);
	free(b.s);
}

static int syntax_error(struct parser *ps, const char *context)
{
	char q[32];

	if (ps->p >= ps->end) {
		snprintf(ps->err, ps->errlen, "unexpected end of JSON input");
		return -1;
	}
	quote_char(*ps->p, q, sizeof(q));
	snprintf(ps->err, ps->errlen, "invalid character %s %s", q, context);
	return -1;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n'))
		ps->p++;
}

/* Check a string literal starting at '"' and leave p after the closing quote;
 * *raw / *raw_len delimit its content. */
static int scan_string(struct parser *ps, const unsigned char **raw, size_t *raw_len)
{
	ps->p++;
	*raw = ps->p;
	while (ps->p < ps->end) {
		unsigned char c = *ps->p;

		if (c == '"') {
			*raw_len = (size_t)(ps->p - *raw);
			ps->p++;
			return 0;
		}
		if (c < 0x20)
			return syntax_error(ps, "in string literal");
		if (c == '\\') {
			ps->p++;
			if (ps->p >= ps->end)
				return syntax_error(ps, "");
			c = *ps->p;
			if (c == 'u') {
				for (int i = 0; i < 4; i++) {
					ps->p++;
					if (ps->p >= ps->end)
						return syntax_error(ps, "");
					if (hex_digit((char)*ps->p) < 0)
						return syntax_error(ps, "in \\u hexadecimal character escape");
				}
			} else if (!strchr("\"\\/bfnrt", c) || c == '\0') {
				return syntax_error(ps, "in string escape code");
			}
		}
		ps->p++;
	}
	return syntax_error(ps, "");
}

static uint32_t read_u4(const unsigned char *s)
{
	uint32_t r = 0;

	for (int i = 0; i < 4; i++)
		r = (r << 4) | (uint32_t)hex_digit((char)s[i]);
	return r;
}

/* Go's unquote on syntactically checked content. */
static void decode_string(const unsigned char *s, size_t n, char **out, size_t *out_len)
{
	struct sbuf b = { 0 };
	size_t i = 0;

	sb_putc(&b, 0);
	b.len = 0;
	while (i < n) {
		if (s[i] == '\\') {
			unsigned char c = s[i + 1];
			uint32_t r;

			i += 2;
			switch (c) {
			case 'b': sb_putc(&b, '\b'); continue;
			case 'f': sb_putc(&b, '\f'); continue;
			case 'n': sb_putc(&b, '\n'); continue;
			case 'r': sb_putc(&b, '\r'); continue;
			case 't': sb_putc(&b, '\t'); continue;
			case 'u':
				r = read_u4(s + i);
				i += 4;
				if (r >= 0xD800 && r <= 0xDFFF) {
					if (r < 0xDC00 && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
						uint32_t r2 = read_u4(s + i + 2);
						if (r2 >= 0xDC00 && r2 <= 0xDFFF) {
							r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
							i += 6;
							sb_put_utf8(&b, r);
							continue;
						}
					}
					r = UTF8_RUNE_ERROR;
				}
				sb_put_utf8(&b, r);
				continue;
			default:
				sb_putc(&b, (char)c);
				continue;
			}
		} else {
			size_t w;
			uint32_t r = utf8_decode(s + i, n - i, &w);

			if (utf8_is_error(r, w))
				sb_put_utf8(&b, UTF8_RUNE_ERROR);
			else
				for (size_t k = 0; k < w; k++)
					sb_putc(&b, (char)s[i + k]);
			i += w;
		}
	}
	*out = b.s;
	*out_len = b.len;
}

static int parse_value(struct parser *ps, struct gj_value *v);

static int scan_literal(struct parser *ps, const char *word)
{
	char ctx[64];

	ps->p++;
	for (size_t i = 1; word[i]; i++) {
		if (ps->p >= ps->end || *ps->p != (unsigned char)word[i]) {
			snprintf(ctx, sizeof(ctx), "in literal %s (expecting '%c')", word, word[i]);
			return syntax_error(ps, ctx);
		}
		ps->p++;
	}
	return 0;
}

static int scan_number(struct parser *ps, struct gj_value *v)
{
	const unsigned char *start = ps->p;

	if (*ps->p == '-') {
		ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return syntax_error(ps, "in numeric literal");
	}
	if (*ps->p == '0') {
		ps->p++;
	} else {
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return syntax_error(ps, "after decimal point in numeric literal");
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return syntax_error(ps, "in exponent of numeric literal");
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	v->kind = GJ_NUMBER;
	v->text = xstrndup((const char *)start, (size_t)(ps->p - start));
	v->text_len = (size_t)(ps->p - start);
	return 0;
}

static int parse_array(struct parser *ps, struct gj_value *v)
{
	size_t cap = 0;

	v->kind = GJ_ARRAY;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return 0;
	}
	for (;;) {
		if (v->n_items == cap) {
			cap = cap ? cap * 2 : 4;
			v->items = xrealloc(v->items, cap * sizeof(*v->items));
		}
		memset(&v->items[v->n_items], 0, sizeof(*v->items));
		v->n_items++;
		if (parse_value(ps, &v->items[v->n_items - 1]) < 0)
			return -1;
		skip_ws(ps);
		if (ps->p >= ps->end)
			return syntax_error(ps, "");
		if (*ps->p == ']') {
			ps->p++;
			return 0;
		}
		if (*ps->p != ',')
			return syntax_error(ps, "after array element");
		ps->p++;
	}
}

static int parse_object(struct parser *ps, struct gj_value *v)
{
	size_t cap = 0;

	v->kind = GJ_OBJECT;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return 0;
	}
	for (;;) {
		const unsigned char *raw;
		size_t raw_len;
		struct gj_member *m;

		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != '"')
			return syntax_error(ps, "looking for beginning of object key string");
		if (scan_string(ps, &raw, &raw_len) < 0)
			return -1;
		if (v->n_members == cap) {
			cap = cap ? cap * 2 : 4;
			v->members = xrealloc(v->members, cap * sizeof(*v->members));
		}
		m = &v->members[v->n_members++];
		memset(m, 0, sizeof(*m));
		decode_string(raw, raw_len, &m->key, &m->key_len);
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':')
			return syntax_error(ps, "after object key");
		ps->p++;
		if (parse_value(ps, &m->value) < 0)
			return -1;
		skip_ws(ps);
		if (ps->p >= ps->end)
			return syntax_error(ps, "");
		if (*ps->p == '}') {
			ps->p++;
			return 0;
		}
		if (*ps->p != ',')
			return syntax_error(ps, "after object key:value pair");
		ps->p++;
	}
}

static int parse_value(struct parser *ps, struct gj_value *v)
{
	int r;

	skip_ws(ps);
	if (ps->p >= ps->end)
		return syntax_error(ps, "");
	switch (*ps->p) {
	case '{':
	case '[':
		if (++ps->depth > LIMIT_JSON_DEPTH) {
			snprintf(ps->err, ps->errlen, "exceeded max depth");
			return -1;
		}
		r = *ps->p == '{' ? parse_object(ps, v) : parse_array(ps, v);
		ps->depth--;
		return r;
	case '"': {
		const unsigned char *raw;
		size_t raw_len;

		if (scan_string(ps, &raw, &raw_len) < 0)
			return -1;
		v->kind = GJ_STRING;
		decode_string(raw, raw_len, &v->text, &v->text_len);
		return 0;
	}
	case 't':
		v->kind = GJ_BOOL;
		v->boolean = true;
		return scan_literal(ps, "true");
	case 'f':
		v->kind = GJ_BOOL;
		return scan_literal(ps, "false");
	case 'n':
		v->kind = GJ_NULL;
		return scan_literal(ps, "null");
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return scan_number(ps, v);
		return syntax_error(ps, "looking for beginning of value");
	}
}

static void value_clear(struct gj_value *v)
{
	free(v->text);
	for (size_t i = 0; i < v->n_items; i++)
		value_clear(&v->items[i]);
	free(v->items);
	for (size_t i = 0; i < v->n_members; i++) {
		free(v->members[i].key);
		value_clear(&v->members[i].value);
	}
	free(v->members);
}

void gj_free(struct gj_value *v)
{
	if (!v)
		return;
	value_clear(v);
	free(v);
}

int gj_parse(const void *data, size_t len, struct gj_value **out, char *err, size_t errlen)
{
	struct parser ps = { data, (const unsigned char *)data + len, 0, err, errlen };
	struct gj_value *v = xcalloc(1, sizeof(*v));

	*out = NULL;
	if (parse_value(&ps, v) < 0)
		goto fail;
	skip_ws(&ps);
	if (ps.p < ps.end) {
		syntax_error(&ps, "after top-level value");
		goto fail;
	}
	*out = v;
	return 0;
fail:
	gj_free(v);
	return -1;
}

/* ---- decoding ---------------------------------------------------------- */

bool gj_key_is(const struct gj_member *m, const char *field)
{
	const unsigned char *k = (const unsigned char *)m->key;
	size_t n = m->key_len, i = 0;

	for (const char *f = field; *f; f++) {
		unsigned char want = (unsigned char)(*f >= 'A' && *f <= 'Z' ? *f + 32 : *f);
		unsigned char c;

		if (i >= n)
			return false;
		/* Go folds U+212A KELVIN SIGN to k and U+017F LATIN SMALL LETTER LONG S to s */
		if (want == 'k' && i + 3 <= n && k[i] == 0xE2 && k[i + 1] == 0x84 && k[i + 2] == 0xAA) {
			i += 3;
			continue;
		}
		if (want == 's' && i + 2 <= n && k[i] == 0xC5 && k[i + 1] == 0xBF) {
			i += 2;
			continue;
		}
		c = k[i] >= 'A' && k[i] <= 'Z' ? (unsigned char)(k[i] + 32) : k[i];
		if (c != want)
			return false;
		i++;
	}
	return i == n;
}

void gj_dec_init(struct gj_dec *d)
{
	memset(d, 0, sizeof(*d));
}

void gj_dec_free(struct gj_dec *d)
{
	free(d->error);
	d->error = NULL;
}

struct gj_frame gj_enter(struct gj_dec *d, const char *struct_name, const char *field)
{
	struct gj_frame f = { d->struct_name, d->n_fields };

	d->struct_name = struct_name;
	if (d->n_fields < GJ_MAX_FIELD_DEPTH)
		d->fields[d->n_fields++] = field;
	return f;
}

void gj_leave(struct gj_dec *d, struct gj_frame f)
{
	d->struct_name = f.struct_name;
	d->n_fields = f.n_fields;
}

const char *gj_kind_name(enum gj_kind k)
{
	switch (k) {
	case GJ_STRING: return "string";
	case GJ_NUMBER: return "number";
	case GJ_BOOL: return "bool";
	case GJ_ARRAY: return "array";
	case GJ_OBJECT: return "object";
	default: return "null";
	}
}

static void type_error_value(struct gj_dec *d, const char *value, const char *go_type)
{
	char path[512];
	size_t off = 0;

	if (d->error)
		return;
	path[0] = '\0';
	for (int i = 0; i < d->n_fields; i++)
		off += (size_t)snprintf(path + off, off < sizeof(path) ? sizeof(path) - off : 0, "%s%s",
					i ? "." : "", d->fields[i]);
	if (d->struct_name)
		d->error = xasprintf("json: cannot unmarshal %s into Go struct field %s.%s of type %s", value,
				     d->struct_name, path, go_type);
	else
		d->error = xasprintf("json: cannot unmarshal %s into Go value of type %s", value, go_type);
}

void gj_type_error(struct gj_dec *d, const struct gj_value *v, const char *go_type)
{
	type_error_value(d, gj_kind_name(v->kind), go_type);
}

void gj_error(struct gj_dec *d, const char *msg)
{
	if (!d->error)
		d->error = xstrdup(msg);
}

void gj_string(struct gj_dec *d, const struct gj_value *v, char **dst, const char *go_type)
{
	if (v->kind == GJ_NULL)
		return;
	if (v->kind != GJ_STRING) {
		gj_type_error(d, v, go_type);
		return;
	}
	if (memchr(v->text, '\0', v->text_len)) {
		gj_error(d, "json: a string holding a NUL character is not supported");
		return;
	}
	free(*dst);
	*dst = xstrdup(v->text);
}

void gj_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void gj_strings(struct gj_dec *d, const struct gj_value *v, char ***dst, size_t *n, bool *is_set)
{
	size_t i;

	if (v->kind == GJ_NULL) {
		gj_strv_free(*dst, *n);
		*dst = NULL;
		*n = 0;
		*is_set = false;
		return;
	}
	if (v->kind != GJ_ARRAY) {
		gj_type_error(d, v, "[]string");
		return;
	}
	if (v->n_items > *n) {
		*dst = xrealloc(*dst, v->n_items * sizeof(**dst));
		for (i = *n; i < v->n_items; i++)
			(*dst)[i] = xstrdup("");
	}
	for (i = 0; i < v->n_items; i++)
		gj_string(d, &v->items[i], &(*dst)[i], "string");
	for (i = v->n_items; i < *n; i++)
		free((*dst)[i]);
	*n = v->n_items;
	*is_set = true;
}

void gj_int64(struct gj_dec *d, const struct gj_value *v, int64_t *dst, const char *go_type)
{
	const char *s;
	char *end;
	long long x;
	char what[96];

	if (v->kind == GJ_NULL)
		return;
	if (v->kind != GJ_NUMBER) {
		gj_type_error(d, v, go_type);
		return;
	}
	s = v->text;
	if (strpbrk(s, ".eE") == NULL) {
		errno = 0;
		x = strtoll(s, &end, 10);
		if (errno == 0 && end && *end == '\0') {
			*dst = x;
			return;
		}
	}
	snprintf(what, sizeof(what), "number %s", s);
	type_error_value(d, what, go_type);
}
