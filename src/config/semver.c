/* semver.c - Flux/Masterminds semantic versions, constraints and tag selection. */
#include "config/semver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/goregex.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/mem.h"

#define REASON "ReadOperationFailed"

/* ------------------------------------------------------------------ versions */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool is_ident_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]) || v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* Dot-separated identifiers of [0-9A-Za-z-]+; returns the length scanned. */
static size_t scan_idents(const char *p)
{
	size_t n = 0;

	if (!is_ident_char(p[0]))
		return 0;
	for (;;) {
		while (is_ident_char(p[n]))
			n++;
		if (p[n] == '.' && is_ident_char(p[n + 1]))
			n++;
		else
			return n;
	}
}

/* SemVer pre-release rule: a numeric identifier has no leading zero. */
static bool prerelease_ok(const char *pre, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t j = i;
		bool numeric = true;

		while (j < len && pre[j] != '.') {
			numeric = numeric && is_digit(pre[j]);
			j++;
		}
		if (numeric && j - i > 1 && pre[i] == '0')
			return false;
		i = j + 1;
	}
	return true;
}

/* Masterminds NewVersion with coercion: v?N(.N)?(.N)?(-pre)?(+meta)?, leading zeros allowed. */
static int coerce_parse(const char *s, struct semver *v)
{
	const char *p = s, *pre = "", *meta = "";
	size_t n, pre_len = 0, meta_len = 0;
	uint64_t part[3] = { 0, 0, 0 };

	if (*p == 'v')
		p++;
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			if (*p != '.')
				break;
			p++;
		}
		n = strspn(p, "0123456789");
		if (!parse_u64(p, n, &part[i]))
			return -1;
		p += n;
	}
	if (*p == '-') {
		pre = p + 1;
		pre_len = scan_idents(pre);
		if (!pre_len || !prerelease_ok(pre, pre_len))
			return -1;
		p = pre + pre_len;
	}
	if (*p == '+') {
		meta = p + 1;
		meta_len = scan_idents(meta);
		if (!meta_len)
			return -1;
		p = meta + meta_len;
	}
	if (*p)
		return -1;
	v->major = part[0];
	v->minor = part[1];
	v->patch = part[2];
	v->pre = xstrndup(pre, pre_len);
	v->metadata = xstrndup(meta, meta_len);
	v->original = xstrdup(s);
	return 0;
}

int semver_parse(const char *s, struct semver *v)
{
	const char *dot1 = strchr(s, '.');

	/* ParseVersion counts parts with SplitN(v, ".", 3) before parsing */
	if (!dot1 || !strchr(dot1 + 1, '.'))
		return -1;
	return coerce_parse(s, v);
}

void semver_free(struct semver *v)
{
	if (!v)
		return;
	free(v->pre);
	free(v->metadata);
	free(v->original);
	v->pre = v->metadata = v->original = NULL;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* One pre-release identifier: numeric ones compare as numbers and sort
 * before alphanumeric ones; an absent identifier sorts first. */
static int compare_pre_part(const char *s, size_t sl, const char *o, size_t ol)
{
	uint64_t si = 0, oi = 0;
	bool s_num, o_num;
	int c;

	if (sl == ol && !memcmp(s, o, sl))
		return 0;
	if (!sl)
		return -1;
	if (!ol)
		return 1;
	s_num = parse_u64(s, sl, &si);
	o_num = parse_u64(o, ol, &oi);
	if (!s_num && !o_num) {
		c = memcmp(s, o, sl < ol ? sl : ol);
		if (c == 0)
			c = sl < ol ? -1 : 1;
		return c > 0 ? 1 : -1;
	}
	if (!o_num)
		return -1;
	if (!s_num)
		return 1;
	return si > oi ? 1 : -1;
}

static int compare_prerelease(const char *a, const char *b)
{
	for (;;) {
		size_t al = strcspn(a, "."), bl = strcspn(b, ".");
		int c = compare_pre_part(a, al, b, bl);

		if (c)
			return c;
		if (!a[al] && !b[bl])
			return 0;
		a += al + (a[al] == '.');
		b += bl + (b[bl] == '.');
	}
}

int semver_compare(const struct semver *a, const struct semver *b)
{
	int c;

	if ((c = cmp_u64(a->major, b->major)) || (c = cmp_u64(a->minor, b->minor)) ||
	    (c = cmp_u64(a->patch, b->patch)))
		return c;
	if (!*a->pre && !*b->pre)
		return 0;
	if (!*a->pre)
		return 1;
	if (!*b->pre)
		return -1;
	return compare_prerelease(a->pre, b->pre);
}

/* --------------------------------------------------------------- constraints */

enum op { OP_EQ_TILDE, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE, OP_TILDE, OP_CARET };

static const struct {
	const char *text;
	enum op op;
} OPS[] = {
	{ "", OP_EQ_TILDE }, { "=", OP_EQ_TILDE }, { "!=", OP_NE }, { ">", OP_GT }, { "<", OP_LT },
	{ ">=", OP_GE }, { "=>", OP_GE }, { "<=", OP_LE }, { "=<", OP_LE }, { "~", OP_TILDE },
	{ "~>", OP_TILDE }, { "^", OP_CARET },
};

struct comparator {
	enum op op;
	struct semver con;
	bool dirty, minor_dirty, patch_dirty;
};

struct group {
	struct comparator *items;
	size_t n;
	bool has_pre;
};

struct semver_constraint {
	struct group *groups;
	size_t n_groups;
};

/* Go's regexp \s */
static bool go_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static size_t skip_space(const char *p)
{
	size_t n = 0;

	while (go_space(p[n]))
		n++;
	return n;
}

static bool seg_char(char c)
{
	return is_digit(c) || c == '|' || c == 'x' || c == 'X' || c == '*';
}

/* The version part of a constraint, Masterminds' cvRegex:
 * v?SEG(.SEG)?(.SEG)?(-IDENTS)?(+IDENTS)? with SEG = [0-9|xX*]+. */
struct cv {
	const char *text;
	size_t len;
	const char *seg[3];
	size_t seg_len[3];      /* 0: absent */
	const char *pre;        /* including the '-' */
	size_t pre_len;
};

static size_t scan_cv(const char *s, struct cv *cv)
{
	const char *p = s;
	size_t n;

	memset(cv, 0, sizeof(*cv));
	if (*p == 'v' && seg_char(p[1]))
		p++;
	for (int i = 0; i < 3; i++) {
		const char *start = p + (i > 0);
		if (i > 0 && !(*p == '.' && seg_char(p[1])))
			break;
		n = 0;
		while (seg_char(start[n]))
			n++;
		if (!n)
			return 0;
		cv->seg[i] = start;
		cv->seg_len[i] = n;
		p = start + n;
	}
	if (*p == '-' && (n = scan_idents(p + 1))) {
		cv->pre = p;
		cv->pre_len = n + 1;
		p += n + 1;
	}
	if (*p == '+' && (n = scan_idents(p + 1)))
		p += n + 1;
	cv->text = s;
	cv->len = (size_t)(p - s);
	return cv->len;
}

/* "1.2 - 1.4.5" -> ">= 1.2, <= 1.4.5 " wherever the range pattern matches. */
static char *rewrite_ranges(const char *c)
{
	struct buf out = BUF_INIT(0);
	size_t i = 0;

	while (c[i]) {
		struct cv a, b;
		size_t j = i + skip_space(c + i), k, ws;

		if (scan_cv(c + j, &a)) {
			k = j + a.len;
			ws = skip_space(c + k);
			if (ws && c[k + ws] == '-') {
				k += ws + 1;
				ws = skip_space(c + k);
				if (ws && scan_cv(c + k + ws, &b)) {
					k += ws + b.len;
					k += skip_space(c + k);
					buf_printf(&out, ">= %.*s, <= %.*s ", (int)a.len, a.text, (int)b.len, b.text);
					i = k;
					continue;
				}
			}
		}
		buf_append(&out, c + i, 1);
		i++;
	}
	return buf_steal(&out, NULL);
}

/* Go's %q for the "improper constraint" message. */
static void go_quote(struct buf *out, const char *s, size_t len)
{
	buf_append_str(out, "\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': buf_append_str(out, "\\\""); continue;
		case '\\': buf_append_str(out, "\\\\"); continue;
		case '\a': buf_append_str(out, "\\a"); continue;
		case '\b': buf_append_str(out, "\\b"); continue;
		case '\f': buf_append_str(out, "\\f"); continue;
		case '\n': buf_append_str(out, "\\n"); continue;
		case '\r': buf_append_str(out, "\\r"); continue;
		case '\t': buf_append_str(out, "\\t"); continue;
		case '\v': buf_append_str(out, "\\v"); continue;
		}
		if (c < 0x20 || c == 0x7f)
			buf_printf(out, "\\x%02x", c);
		else
			buf_append(out, &s[i], 1);
	}
	buf_append_str(out, "\"");
}

static bool is_x(const char *s, size_t len)
{
	return len == 1 && (*s == 'x' || *s == 'X' || *s == '*');
}

static int parse_comparator(enum op op, const struct cv *cv, struct comparator *out)
{
	_cleanup_free_ char *ver = NULL;
	const struct cv *m = cv;

	memset(out, 0, sizeof(*out));
	out->op = op;
	if (is_x(m->seg[0], m->seg_len[0])) {
		ver = xasprintf("0.0.0%.*s", (int)m->pre_len, m->pre ? m->pre : "");
		out->dirty = true;
	} else if (!m->seg_len[1] || is_x(m->seg[1], m->seg_len[1])) {
		ver = xasprintf("%.*s.0.0%.*s", (int)m->seg_len[0], m->seg[0], (int)m->pre_len, m->pre ? m->pre : "");
		out->dirty = out->minor_dirty = true;
	} else if (!m->seg_len[2] || is_x(m->seg[2], m->seg_len[2])) {
		ver = xasprintf("%.*s.%.*s.0%.*s", (int)m->seg_len[0], m->seg[0], (int)m->seg_len[1], m->seg[1],
				(int)m->pre_len, m->pre ? m->pre : "");
		out->dirty = out->patch_dirty = true;
	} else {
		ver = xstrndup(m->text, m->len);
	}
	return coerce_parse(ver, &out->con);
}

static int op_lookup(const char *s, size_t len, enum op *op)
{
	for (size_t i = 0; i < ARRAY_SIZE(OPS); i++) {
		if (strlen(OPS[i].text) == len && !strncmp(OPS[i].text, s, len)) {
			*op = OPS[i].op;
			return 0;
		}
	}
	return -1;
}

static void group_add(struct group *g, const struct comparator *c)
{
	g->items = xrealloc(g->items, (g->n + 1) * sizeof(*g->items));
	g->items[g->n++] = *c;
	if (*c->con.pre)
		g->has_pre = true;
}

/* One OR group: ws* op ws* cv ws* ((ws+ | ',' ws*) op ws* cv ws*)* */
static int parse_group(const char *seg, size_t len, struct group *g, struct buf *why)
{
	_cleanup_free_ char *s = xstrndup(seg, len);
	const char *p = s + skip_space(s);

	for (;;) {
		size_t op_len = strspn(p, "=!<>~^"), ws;
		struct comparator c;
		struct cv cv;
		enum op op;

		if (op_lookup(p, op_len, &op) < 0)
			goto improper;
		p += op_len;
		p += skip_space(p);
		if (!scan_cv(p, &cv))
			goto improper;
		p += cv.len;
		if (parse_comparator(op, &cv, &c) < 0) {
			buf_append_str(why, "constraint parser error");
			return -1;
		}
		group_add(g, &c);
		ws = skip_space(p);
		p += ws;
		if (!*p)
			return 0;
		if (*p == ',')
			p += 1 + skip_space(p + 1);
		else if (!ws)
			goto improper;
	}
improper:
	buf_append_str(why, "improper constraint: ");
	go_quote(why, seg, len);
	return -1;
}

void semver_constraint_free(struct semver_constraint *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_groups; i++) {
		for (size_t j = 0; j < c->groups[i].n; j++)
			semver_free(&c->groups[i].items[j].con);
		free(c->groups[i].items);
	}
	free(c->groups);
	free(c);
}

int semver_constraint_parse(const char *c, struct semver_constraint **out, struct ferry_err *e)
{
	struct semver_constraint *sc = xcalloc(1, sizeof(*sc));
	struct buf why = BUF_INIT(0);
	_cleanup_free_ char *text = NULL;
	const char *p;
	int rc = -1;

	*out = NULL;
	if (strlen(c) > LIMIT_SEMVER_CONSTRAINT_LEN) {
		buf_printf(&why, "constraint is longer than %d characters", LIMIT_SEMVER_CONSTRAINT_LEN);
		goto out;
	}
	text = rewrite_ranges(c);
	p = text;
	for (;;) {
		const char *bar = strstr(p, "||");
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		sc->groups = xrealloc(sc->groups, (sc->n_groups + 1) * sizeof(*sc->groups));
		memset(&sc->groups[sc->n_groups], 0, sizeof(*sc->groups));
		sc->n_groups++;
		if (parse_group(p, len, &sc->groups[sc->n_groups - 1], &why) < 0)
			goto out;
		if (!bar)
			break;
		p = bar + 2;
	}
	*out = sc;
	sc = NULL;
	rc = 0;
out:
	if (rc < 0)
		ferr_set(e, REASON, "semver '%s' parse error: %s", c, buf_cstr(&why));
	buf_free(&why);
	semver_constraint_free(sc);
	return rc;
}

/* The comparison functions of Masterminds/semver v3 (constraints.go). */

static bool lt(const struct semver *a, const struct semver *b) { return semver_compare(a, b) < 0; }

static bool check_tilde(const struct semver *v, const struct comparator *c)
{
	if (lt(v, &c->con))
		return false;
	if (c->con.major == 0 && c->con.minor == 0 && c->con.patch == 0 && !c->minor_dirty && !c->patch_dirty)
		return true;
	if (v->major != c->con.major)
		return false;
	if (v->minor != c->con.minor && !c->minor_dirty)
		return false;
	return true;
}

static bool check_caret(const struct semver *v, const struct comparator *c)
{
	if (lt(v, &c->con))
		return false;
	if (c->con.major > 0 || c->minor_dirty)
		return v->major == c->con.major;
	if (v->major > 0)
		return false;
	if (c->con.minor > 0 || c->patch_dirty)
		return v->minor == c->con.minor;
	if (v->minor > 0)
		return false;
	return v->patch == c->con.patch;
}

static bool check_not_equal(const struct semver *v, const struct comparator *c)
{
	if (c->dirty) {
		if (c->con.major != v->major)
			return true;
		if (c->con.minor != v->minor && !c->minor_dirty)
			return true;
		if (c->minor_dirty)
			return false;
		if (c->con.patch != v->patch && !c->patch_dirty)
			return true;
		if (c->patch_dirty) {
			if (*v->pre || *c->con.pre)
				return compare_prerelease(v->pre, c->con.pre) != 0;
			return false;
		}
	}
	return semver_compare(v, &c->con) != 0;
}

static bool check_greater(const struct semver *v, const struct comparator *c)
{
	if (!c->dirty)
		return semver_compare(v, &c->con) > 0;
	if (v->major > c->con.major)
		return true;
	if (v->major < c->con.major || c->minor_dirty)
		return false;
	if (c->patch_dirty)
		return v->minor > c->con.minor;
	return semver_compare(v, &c->con) > 0;
}

static bool check_less_equal(const struct semver *v, const struct comparator *c)
{
	if (!c->dirty)
		return semver_compare(v, &c->con) <= 0;
	if (v->major > c->con.major)
		return false;
	if (v->major == c->con.major && v->minor > c->con.minor && !c->minor_dirty)
		return false;
	return true;
}

static bool comparator_check(const struct comparator *c, const struct semver *v, bool include_pre)
{
	if (*v->pre && !include_pre)
		return false;
	switch (c->op) {
	case OP_EQ_TILDE:
		return c->dirty ? check_tilde(v, c) : semver_compare(v, &c->con) == 0;
	case OP_NE:
		return check_not_equal(v, c);
	case OP_GT:
		return check_greater(v, c);
	case OP_LT:
		return semver_compare(v, &c->con) < 0;
	case OP_GE:
		return semver_compare(v, &c->con) >= 0;
	case OP_LE:
		return check_less_equal(v, c);
	case OP_TILDE:
		return check_tilde(v, c);
	case OP_CARET:
		return check_caret(v, c);
	}
	return false;
}

bool semver_constraint_check(const struct semver_constraint *c, const struct semver *v)
{
	for (size_t i = 0; i < c->n_groups; i++) {
		bool all = true;

		for (size_t j = 0; j < c->groups[i].n && all; j++)
			all = comparator_check(&c->groups[i].items[j], v, c->groups[i].has_pre);
		if (all)
			return true;
	}
	return false;
}

/* ----------------------------------------------------------------- selection */

/* Same precedence: a tag without the `v` prefix, then the byte-wise smallest. */
static bool better_tag(const struct semver *cand, const struct semver *best)
{
	int c = semver_compare(cand, best);
	bool cv = cand->original[0] == 'v', bv = best->original[0] == 'v';

	if (c)
		return c > 0;
	if (cv != bv)
		return !cv;
	return strcmp(cand->original, best->original) < 0;
}

int semver_select(char *const *tags, size_t n, const char *constraint, const char *filter, char **tag,
		  struct ferry_err *e)
{
	struct semver_constraint *sc = NULL;
	struct cfg_goregex rx;
	struct semver best = { 0 };
	bool have_filter = filter && *filter, have_best = false;
	int rc = -1;

	*tag = NULL;
	if (have_filter && cfg_goregex_compile(filter, &rx, e) < 0) {
		ferr_default_reason(e, REASON);
		return -1;
	}
	if (semver_constraint_parse(constraint, &sc, e) < 0)
		goto out;
	if (n > LIMIT_TAGS_TOTAL)
		n = LIMIT_TAGS_TOTAL;
	for (size_t i = 0; i < n; i++) {
		struct semver v;

		if (have_filter && !cfg_goregex_match(&rx, tags[i]))
			continue;
		if (semver_parse(tags[i], &v) < 0)
			continue;
		if (semver_constraint_check(sc, &v) && (!have_best || better_tag(&v, &best))) {
			semver_free(&best);
			best = v;
			have_best = true;
		} else {
			semver_free(&v);
		}
	}
	if (!have_best) {
		ferr_set(e, REASON, "no match found for semver: %s", constraint);
		goto out;
	}
	*tag = best.original;
	best.original = NULL;
	rc = 0;
out:
	semver_free(&best);
	semver_constraint_free(sc);
	if (have_filter)
		cfg_goregex_free(&rx);
	return rc;
}
