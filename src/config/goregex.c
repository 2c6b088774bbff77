/* goregex.c - translate RE2 syntax to POSIX ERE and compile it; see goregex.h. */
#include "config/goregex.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/limits.h"
#include "util/digest.h"
#include "util/mem.h"

#define ERE_SPECIALS ".[]()*+?{}|^$\\"

struct group {
	bool icase;             /* flags in force when the group opened */
	size_t max_weight;      /* largest repeat product inside */
};

struct tr {
	const char *expr;
	const char *p;
	struct buf out;
	struct group *groups;
	int depth;
	bool icase;
	bool have_atom;         /* something a quantifier may follow was just emitted */
	bool after_repeat;      /* the last thing was a quantifier */
	const char *last_repeat;
	size_t atom_weight;
	size_t max_weight;      /* of the current group level */
	char err[FERR_MSG_MAX];
};

__attribute__((format(printf, 2, 3)))
static int tr_fail(struct tr *t, const char *fmt, ...)
{
	va_list ap;
	char what[FERR_MSG_MAX - 32];

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(t->err, sizeof(t->err), "error parsing regexp: %s", what);
	return -1;
}

static void emit(struct tr *t, const char *s)
{
	buf_append_str(&t->out, s);
}

static void emit_byte(struct tr *t, unsigned char c)
{
	buf_append(&t->out, &c, 1);
}

static void atom_done(struct tr *t, size_t weight)
{
	t->have_atom = true;
	t->after_repeat = false;
	t->atom_weight = weight;
}

/* --- character sets --- */

struct cset {
	bool has[128];
};

static void cset_add_range(struct cset *s, int lo, int hi)
{
	for (int c = lo; c <= hi; c++)
		if (c > 0 && c < 128)
			s->has[c] = true;
}

static void cset_add_class(struct cset *s, int (*pred)(int), bool negate)
{
	for (int c = 1; c < 128; c++)
		if ((pred(c) != 0) != negate)
			s->has[c] = true;
}

static int is_word(int c) { return isalnum(c) || c == '_'; }
static int is_perl_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
static int is_ascii(int c) { return c > 0 && c < 128; }

static void cset_fold(struct cset *s)
{
	for (int c = 'a'; c <= 'z'; c++) {
		if (s->has[c] || s->has[c - 32])
			s->has[c] = s->has[c - 32] = true;
	}
}

/* Emit as a POSIX bracket expression: ']' first, '^' never first, '-' last,
 * every other byte on its own (no ranges: they would depend on the locale). */
static void cset_emit(struct tr *t, const struct cset *s, bool negate)
{
	struct buf body = BUF_INIT(0);
	bool dash = s->has['-'];
	char *b;

	if (s->has[']'])
		buf_append_str(&body, "]");
	for (int c = 1; c < 128; c++)
		if (s->has[c] && c != ']' && c != '^' && c != '-')
			buf_append(&body, &(char){ (char)c }, 1);
	if (s->has['^'])
		buf_append_str(&body, "^");
	b = buf_cstr(&body);
	if (!negate && b[0] == '^') {
		if (!dash) {
			emit(t, "\\^");
			buf_free(&body);
			return;
		}
		emit(t, "[-");
		emit(t, b);
		emit(t, "]");
		buf_free(&body);
		return;
	}
	if (!b[0] && !dash) {
		emit(t, negate ? "." : "(x^)");
		buf_free(&body);
		return;
	}
	emit(t, negate ? "[^" : "[");
	emit(t, b);
	if (dash)
		emit(t, "-");
	emit(t, "]");
	buf_free(&body);
}

static bool perl_class(char c, struct cset *s)
{
	switch (c) {
	case 'd': cset_add_class(s, isdigit, false); return true;
	case 'D': cset_add_class(s, isdigit, true); return true;
	case 's': cset_add_class(s, is_perl_space, false); return true;
	case 'S': cset_add_class(s, is_perl_space, true); return true;
	case 'w': cset_add_class(s, is_word, false); return true;
	case 'W': cset_add_class(s, is_word, true); return true;
	}
	return false;
}

/* A single-character escape at t->p (just after the backslash): returns the
 * byte, -1 on error (t->err set), -2 when it is not a single character. */
static int escape_char(struct tr *t)
{
	const char *start = t->p - 1;
	char c = *t->p;

	if (!c)
		return tr_fail(t, "trailing backslash at end of expression: ``");
	if (c >= '0' && c <= '7') {
		int v = 0, n = 0;
		if (c != '0' && !(t->p[1] >= '0' && t->p[1] <= '7'))
			return tr_fail(t, "invalid escape sequence: `%.2s`", start);
		while (n < 3 && *t->p >= '0' && *t->p <= '7') {
			v = v * 8 + (*t->p - '0');
			t->p++;
			n++;
		}
		if (v == 0 || v > 127)
			return tr_fail(t, "invalid escape sequence: `%.*s`", (int)(t->p - start), start);
		return v;
	}
	if (c == 'x') {
		int v = 0;
		t->p++;
		if (*t->p == '{') {
			const char *q = t->p + 1;
			while (hex_digit(*q) >= 0 && v < 256)
				v = v * 16 + hex_digit(*q++);
			if (*q != '}' || q == t->p + 1 || v == 0 || v > 127)
				return tr_fail(t, "invalid escape sequence: `%.*s`", (int)(q - start + (*q == '}')), start);
			t->p = q + 1;
			return v;
		}
		if (hex_digit(t->p[0]) < 0 || hex_digit(t->p[1]) < 0)
			return tr_fail(t, "invalid escape sequence: `%.*s`", (int)strnlen(start, 4), start);
		v = hex_digit(t->p[0]) * 16 + hex_digit(t->p[1]);
		t->p += 2;
		if (v == 0 || v > 127)
			return tr_fail(t, "non-ASCII or NUL escapes are not supported: `%.4s`", start);
		return v;
	}
	t->p++;
	switch (c) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case 'f': return '\f';
	case 'v': return '\v';
	case 'a': return '\a';
	}
	if ((unsigned char)c < 128 && ispunct((unsigned char)c))
		return (unsigned char)c;
	t->p--;
	return -2;
}

static const struct {
	const char *name;
	int (*pred)(int);
} POSIX_CLASSES[] = {
	{ "alnum", isalnum }, { "alpha", isalpha }, { "ascii", is_ascii }, { "blank", isblank },
	{ "cntrl", iscntrl }, { "digit", isdigit }, { "graph", isgraph }, { "lower", islower },
	{ "print", isprint }, { "punct", ispunct }, { "space", isspace }, { "upper", isupper },
	{ "word", is_word }, { "xdigit", isxdigit },
};

/* One class member at t->p: a character (returned) or a whole class merged
 * into s (returns -2). -1 on error. */
static int class_item(struct tr *t, struct cset *s, const char *open)
{
	if (t->p[0] == '[' && t->p[1] == ':') {
		const char *end = strstr(t->p + 2, ":]");
		if (end) {
			const char *name = t->p + 2;
			bool neg = *name == '^';
			size_t len;

			if (neg)
				name++;
			len = (size_t)(end - name);
			for (size_t i = 0; i < ARRAY_SIZE(POSIX_CLASSES); i++) {
				if (strlen(POSIX_CLASSES[i].name) == len && !strncmp(name, POSIX_CLASSES[i].name, len)) {
					cset_add_class(s, POSIX_CLASSES[i].pred, neg);
					t->p = end + 2;
					return -2;
				}
			}
			return tr_fail(t, "invalid character class range: `%.*s`", (int)(end + 2 - t->p), t->p);
		}
	}
	if (*t->p == '\\') {
		int c;
		t->p++;
		if (perl_class(*t->p, s)) {
			t->p++;
			return -2;
		}
		if (*t->p == 'p' || *t->p == 'P')
			return tr_fail(t, "Unicode classes are not supported: `\\%c`", *t->p);
		c = escape_char(t);
		if (c == -2)
			return tr_fail(t, "invalid escape sequence: `\\%c`", *t->p);
		return c;
	}
	if (!*t->p)
		return tr_fail(t, "missing closing ]: `%s`", open);
	if ((unsigned char)*t->p >= 128)
		return tr_fail(t, "non-ASCII characters in a character class are not supported: `%s`", open);
	return (unsigned char)*t->p++;
}

static int parse_class(struct tr *t)
{
	const char *open = t->p;
	struct cset s = { { false } };
	bool negate = false, first = true;

	t->p++;
	if (*t->p == '^') {
		negate = true;
		t->p++;
	}
	while (first || *t->p != ']') {
		const char *item_start = t->p;
		int lo, hi;

		if (!*t->p)
			return tr_fail(t, "missing closing ]: `%s`", open);
		if (first && *t->p == ']') {
			t->p++;
			s.has[']'] = true;
			first = false;
			continue;
		}
		first = false;
		lo = class_item(t, &s, open);
		if (lo == -1)
			return -1;
		if (lo == -2)
			continue;
		if (t->p[0] == '-' && t->p[1] && t->p[1] != ']') {
			t->p++;
			hi = class_item(t, &s, open);
			if (hi == -1)
				return -1;
			if (hi == -2 || hi < lo)
				return tr_fail(t, "invalid character class range: `%.*s`", (int)(t->p - item_start),
					       item_start);
			cset_add_range(&s, lo, hi);
		} else {
			cset_add_range(&s, lo, lo);
		}
	}
	t->p++;
	if (t->icase)
		cset_fold(&s);
	cset_emit(t, &s, negate);
	atom_done(t, 1);
	return 0;
}

static void emit_literal(struct tr *t, unsigned char c)
{
	if (t->icase && isalpha(c)) {
		char both[8];
		snprintf(both, sizeof(both), "[%c%c]", tolower(c), toupper(c));
		emit(t, both);
	} else if (c < 128 && strchr(ERE_SPECIALS, c)) {
		emit_byte(t, '\\');
		emit_byte(t, c);
	} else {
		emit_byte(t, c);
	}
	atom_done(t, 1);
}

/* A UTF-8 sequence is grouped so that a quantifier applies to all of it. */
static void emit_utf8(struct tr *t)
{
	const char *s = t->p;
	size_t n = 1;

	while (((unsigned char)s[n] & 0xc0) == 0x80 && n < 4)
		n++;
	emit(t, "(");
	buf_append(&t->out, s, n);
	emit(t, ")");
	t->p += n;
	atom_done(t, 1);
}

static int parse_escape(struct tr *t)
{
	struct cset s = { { false } };
	char c;
	int v;

	t->p++;
	c = *t->p;
	if (perl_class(c, &s)) {
		t->p++;
		if (t->icase)
			cset_fold(&s);
		cset_emit(t, &s, false);
		atom_done(t, 1);
		return 0;
	}
	switch (c) {
	case 'b':
	case 'B':
		emit(t, c == 'b' ? "\\b" : "\\B");
		t->p++;
		t->have_atom = false;
		return 0;
	case 'A':
		emit(t, "^");
		t->p++;
		t->have_atom = false;
		return 0;
	case 'z':
		emit(t, "$");
		t->p++;
		t->have_atom = false;
		return 0;
	case 'p':
	case 'P':
		return tr_fail(t, "Unicode classes are not supported: `\\%c`", c);
	case 'Q': {
		const char *end = strstr(t->p + 1, "\\E");
		const char *stop = end ? end : t->p + 1 + strlen(t->p + 1);
		for (const char *q = t->p + 1; q < stop; q++)
			emit_literal(t, (unsigned char)*q);
		t->p = end ? end + 2 : stop;
		return 0;
	}
	}
	v = escape_char(t);
	if (v == -1)
		return -1;
	if (v == -2)
		return tr_fail(t, "invalid escape sequence: `\\%c`", c);
	emit_literal(t, (unsigned char)v);
	return 0;
}

static int parse_flags(struct tr *t, const char *start, bool *icase, bool *group)
{
	bool negate = false;

	for (;; t->p++) {
		switch (*t->p) {
		case 'i':
			*icase = !negate;
			break;
		case 's':
		case 'm':
		case 'U':
			break;
		case '-':
			if (negate)
				goto bad;
			negate = true;
			break;
		case ':':
			*group = true;
			t->p++;
			return 0;
		case ')':
			*group = false;
			t->p++;
			return 0;
		default:
			goto bad;
		}
	}
bad:
	return tr_fail(t, "invalid or unsupported Perl syntax: `%.*s`", (int)(t->p + 1 - start), start);
}

static int open_group(struct tr *t)
{
	const char *start = t->p;
	bool icase = t->icase, group = true;

	t->p++;
	if (*t->p == '?') {
		t->p++;
		if (*t->p == 'P' || *t->p == '<') {
			const char *name;
			if (*t->p == 'P')
				t->p++;
			if (*t->p != '<')
				return tr_fail(t, "invalid or unsupported Perl syntax: `%.*s`", (int)(t->p + 1 - start), start);
			name = ++t->p;
			while (isalnum((unsigned char)*t->p) || *t->p == '_')
				t->p++;
			if (*t->p != '>' || t->p == name)
				return tr_fail(t, "invalid named capture: `%.*s`", (int)(t->p + 1 - start), start);
			t->p++;
		} else if (parse_flags(t, start, &icase, &group) < 0) {
			return -1;
		}
	}
	if (!group) {
		t->icase = icase;    /* (?i) lasts to the end of the enclosing group */
		t->have_atom = false;
		return 0;
	}
	t->groups[t->depth].icase = t->icase;
	t->groups[t->depth].max_weight = t->max_weight;
	t->depth++;
	t->icase = icase;
	t->max_weight = 1;
	t->have_atom = false;
	t->after_repeat = false;
	emit(t, "(");
	return 0;
}

static int close_group(struct tr *t)
{
	size_t inner;

	if (t->depth == 0)
		return tr_fail(t, "unexpected ): `%s`", t->expr);
	t->p++;
	t->depth--;
	inner = t->max_weight;
	t->icase = t->groups[t->depth].icase;
	t->max_weight = t->groups[t->depth].max_weight;
	emit(t, ")");
	atom_done(t, inner);
	return 0;
}

/* {n}, {n,}, {n,m}: returns 1 and the bounds, 0 if this '{' is a literal. */
static int parse_braces(const char *p, long *lo, long *hi, const char **end)
{
	char *q;

	if (*p != '{' || !isdigit((unsigned char)p[1]))
		return 0;
	*lo = strtol(p + 1, &q, 10);
	*hi = *lo;
	if (*q == ',') {
		q++;
		if (*q == '}') {
			*hi = -1;
		} else {
			if (!isdigit((unsigned char)*q))
				return 0;
			*hi = strtol(q, &q, 10);
		}
	}
	if (*q != '}')
		return 0;
	*end = q + 1;
	return 1;
}

static int parse_repeat(struct tr *t)
{
	const char *start = t->p;
	long lo = 0, hi = 0;
	const char *end = t->p + 1;
	bool counted = *t->p == '{';

	if (counted && !parse_braces(t->p, &lo, &hi, &end))
		return 1;   /* a literal '{' */
	if (*end == '?')
		end++;      /* lazy: the same language */
	if (t->after_repeat)
		return tr_fail(t, "invalid nested repetition operator: `%.*s`", (int)(end - t->last_repeat), t->last_repeat);
	if (!t->have_atom)
		return tr_fail(t, "missing argument to repetition operator: `%.*s`", (int)(end - start), start);
	if (counted) {
		size_t weight;
		if (lo > 1000 || hi > 1000 || (hi >= 0 && hi < lo))
			return tr_fail(t, "invalid repeat count: `%.*s`", (int)(end - start), start);
		weight = t->atom_weight * (size_t)(hi > lo ? hi : lo > 0 ? lo : 1);
		if (weight > LIMIT_REGEX_REPEAT)
			return tr_fail(t, "expression too large");
		if (weight > t->max_weight)
			t->max_weight = weight;
		emit(t, "{");
		buf_printf(&t->out, "%ld", lo);
		if (hi != lo) {
			emit(t, ",");
			if (hi >= 0)
				buf_printf(&t->out, "%ld", hi);
		}
		emit(t, "}");
	} else {
		emit_byte(t, (unsigned char)*start);
	}
	t->last_repeat = start;
	t->p = end;
	t->after_repeat = true;
	return 0;
}

static int translate(struct tr *t)
{
	while (*t->p) {
		unsigned char c = (unsigned char)*t->p;
		int rc = 0;

		switch (c) {
		case '\\':
			rc = parse_escape(t);
			break;
		case '[':
			rc = parse_class(t);
			break;
		case '(':
			rc = open_group(t);
			break;
		case ')':
			rc = close_group(t);
			break;
		case '|':
			emit(t, "|");
			t->p++;
			t->have_atom = t->after_repeat = false;
			break;
		case '^':
		case '$':
			emit_byte(t, c);
			t->p++;
			t->have_atom = t->after_repeat = false;
			break;
		case '.':
			emit(t, ".");
			t->p++;
			atom_done(t, 1);
			break;
		case '*':
		case '+':
		case '?':
		case '{':
			rc = parse_repeat(t);
			if (rc == 1) {
				t->p++;
				emit_literal(t, c);
				rc = 0;
			}
			break;
		default:
			if (c >= 128) {
				emit_utf8(t);
			} else {
				t->p++;
				emit_literal(t, c);
			}
		}
		if (rc < 0)
			return -1;
	}
	if (t->depth)
		return tr_fail(t, "missing closing ): `%s`", t->expr);
	return 0;
}

int cfg_goregex_compile(const char *expr, struct cfg_goregex *out, struct ferry_err *e)
{
	struct tr t = { 0 };
	int rc;

	if (strlen(expr) > LIMIT_REGEX_LEN)
		return ferr_set(e, NULL, "error parsing regexp: expression longer than %d characters",
				LIMIT_REGEX_LEN);
	t.expr = expr;
	t.p = expr;
	t.max_weight = 1;
	t.groups = xcalloc(strlen(expr) + 1, sizeof(*t.groups));
	buf_init(&t.out, 0);
	rc = translate(&t);
	if (rc == 0) {
		int code = regcomp(&out->re, buf_cstr(&t.out), REG_EXTENDED | REG_NOSUB);
		if (code) {
			char why[256];
			regerror(code, &out->re, why, sizeof(why));
			snprintf(t.err, sizeof(t.err), "error parsing regexp: %s: `%s`", why, expr);
			rc = -1;
		}
	}
	free(t.groups);
	buf_free(&t.out);
	if (rc < 0)
		return ferr_set(e, NULL, "%s", t.err);
	return 0;
}

bool cfg_goregex_match(const struct cfg_goregex *rx, const char *s)
{
	return regexec(&rx->re, s, 0, NULL, 0) == 0;
}

void cfg_goregex_free(struct cfg_goregex *rx)
{
	regfree(&rx->re);
}
