/*
 * ignore.c - spec.ignore: parse .gitignore lines into token lists and match
 * extracted paths against them with git's semantics.
 *
 * Each pattern is compiled into a short token list and matched by a set-of-
 * positions sweep (one pass per token over the text), so the cost is bounded
 * by pattern length times path length whatever the number of stars: no
 * backtracking, no recursion.
 */
#include "artifact/ignore.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "util/limits.h"
#include "util/mem.h"

#define IGNORE_REASON "SourceIgnoreError"

enum tok_kind {
	TOK_CHAR,       /* one literal byte */
	TOK_ANY,        /* '?': one byte except '/' */
	TOK_CLASS,      /* '[...]': one byte of the set, never '/' */
	TOK_STAR,       /* '*': any run without '/' */
	TOK_DIRS,       /* "**" then '/' at a component start: zero or more whole directories */
	TOK_REST,       /* "**" at a component start ending the pattern: anything, '/' included */
};

struct tok {
	enum tok_kind kind;
	unsigned char c;
	bool negated;
	uint8_t set[32];        /* TOK_CLASS: bitmap of the 256 byte values */
};

struct pattern {
	struct tok *toks;
	size_t ntoks;
	bool negate;
	bool dir_only;
	bool anchored;          /* matched against the whole path, else the last component */
	bool never;             /* malformed (unterminated class, trailing '\'): matches nothing */
};

struct ignore_rules {
	struct pattern *pats;
	size_t npats;
};

static void set_add(uint8_t set[32], unsigned char c)
{
	set[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static bool set_has(const uint8_t set[32], unsigned char c)
{
	return set[c >> 3] & (1u << (c & 7));
}

static const struct {
	const char *name;
	int (*is)(int);
} posix_classes[] = {
	{ "alnum", isalnum }, { "alpha", isalpha }, { "blank", isblank }, { "cntrl", iscntrl },
	{ "digit", isdigit }, { "graph", isgraph }, { "lower", islower }, { "print", isprint },
	{ "punct", ispunct }, { "space", isspace }, { "upper", isupper }, { "xdigit", isxdigit },
};

/* "[:name:]" at p[i]; adds the class and returns the bytes consumed, 0 if not one. */
static size_t parse_posix_class(const char *p, size_t len, size_t i, uint8_t set[32])
{
	size_t start = i + 2, end = start;

	while (end + 1 < len && !(p[end] == ':' && p[end + 1] == ']'))
		end++;
	if (end + 1 >= len)
		return 0;
	for (size_t k = 0; k < ARRAY_SIZE(posix_classes); k++) {
		if (strlen(posix_classes[k].name) == end - start &&
		    memcmp(posix_classes[k].name, p + start, end - start) == 0) {
			for (int c = 0; c < 256; c++)
				if (posix_classes[k].is(c))
					set_add(set, (unsigned char)c);
			return end + 2 - i;
		}
	}
	return 0;
}

/* Parse the class starting at p[i] == '['. Returns the index after ']' or 0
 * when the class is not terminated. */
static size_t parse_class(const char *p, size_t len, size_t i, struct tok *t)
{
	bool first = true;

	t->kind = TOK_CLASS;
	memset(t->set, 0, sizeof(t->set));
	i++;
	if (i < len && (p[i] == '!' || p[i] == '^')) {
		t->negated = true;
		i++;
	}
	for (;;) {
		unsigned char lo, hi;
		size_t used;

		if (i >= len)
			return 0;
		if (p[i] == ']' && !first)
			return i + 1;
		first = false;
		if (p[i] == '[' && i + 1 < len && p[i + 1] == ':' &&
		    (used = parse_posix_class(p, len, i, t->set)) > 0) {
			i += used;
			continue;
		}
		if (p[i] == '\\') {
			if (++i >= len)
				return 0;
		}
		lo = (unsigned char)p[i++];
		hi = lo;
		if (i + 1 < len && p[i] == '-' && p[i + 1] != ']') {
			i++;
			if (p[i] == '\\' && ++i >= len)
				return 0;
			hi = (unsigned char)p[i++];
		}
		for (unsigned c = lo; c <= hi; c++)
			set_add(t->set, (unsigned char)c);
	}
}

static struct tok *push_tok(struct pattern *pat, size_t *cap)
{
	if (pat->ntoks == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		pat->toks = xrealloc(pat->toks, *cap * sizeof(*pat->toks));
	}
	memset(&pat->toks[pat->ntoks], 0, sizeof(pat->toks[0]));
	return &pat->toks[pat->ntoks++];
}

static void compile(const char *p, size_t len, struct pattern *pat)
{
	size_t cap = 0, i = 0;

	while (i < len && !pat->never) {
		struct tok *t = push_tok(pat, &cap);
		char c = p[i];

		if (c == '\\') {
			if (i + 1 >= len) {
				pat->never = true;
				break;
			}
			t->kind = TOK_CHAR;
			t->c = (unsigned char)p[i + 1];
			i += 2;
		} else if (c == '?') {
			t->kind = TOK_ANY;
			i++;
		} else if (c == '[') {
			size_t next = parse_class(p, len, i, t);
			if (next == 0)
				pat->never = true;
			i = next;
		} else if (c == '*') {
			size_t run = i;
			bool at_start = i == 0 || p[i - 1] == '/';

			while (run < len && p[run] == '*')
				run++;
			if (run - i >= 2 && at_start && run == len) {
				t->kind = TOK_REST;
				i = run;
			} else if (run - i >= 2 && at_start && p[run] == '/') {
				t->kind = TOK_DIRS;
				i = run + 1;
			} else {
				t->kind = TOK_STAR;
				i = run;
			}
		} else {
			t->kind = TOK_CHAR;
			t->c = (unsigned char)c;
			i++;
		}
	}
}

/* Length of the line without trailing spaces, keeping spaces escaped by '\'. */
static size_t trimmed_len(const char *p, size_t len)
{
	size_t end = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\\' && i + 1 < len) {
			i++;
			end = i + 1;
		} else if (p[i] != ' ') {
			end = i + 1;
		}
	}
	return end;
}

/* Fill pat from one line; false when the line holds no pattern. */
static bool parse_line(const char *p, size_t len, struct pattern *pat)
{
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len == 0 || p[0] == '#')
		return false;
	len = trimmed_len(p, len);
	memset(pat, 0, sizeof(*pat));
	if (len > 0 && p[0] == '!') {
		pat->negate = true;
		p++;
		len--;
	}
	if (len > 0 && p[len - 1] == '/' && !(len >= 2 && p[len - 2] == '\\')) {
		pat->dir_only = true;
		len--;
	}
	if (memchr(p, '/', len))
		pat->anchored = true;
	if (len > 0 && p[0] == '/') {
		p++;
		len--;
	}
	if (len == 0)
		return false;
	compile(p, len, pat);
	return true;
}

int ignore_parse(const char *text, struct ignore_rules **out, struct ferry_err *e)
{
	struct ignore_rules *r = xcalloc(1, sizeof(*r));
	size_t cap = 0, lineno = 0;
	const char *line = text ? text : "";

	*out = NULL;
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		struct pattern pat;

		lineno++;
		if (len > LIMIT_IGNORE_PATTERN_LEN) {
			ignore_free(r);
			return ferr_set(e, IGNORE_REASON, "line %zu: pattern longer than %d bytes",
					lineno, LIMIT_IGNORE_PATTERN_LEN);
		}
		if (parse_line(line, len, &pat)) {
			if (r->npats == LIMIT_IGNORE_PATTERNS) {
				free(pat.toks);
				ignore_free(r);
				return ferr_set(e, IGNORE_REASON, "more than %d patterns",
						LIMIT_IGNORE_PATTERNS);
			}
			if (r->npats == cap) {
				cap = cap ? cap * 2 : 16;
				r->pats = xrealloc(r->pats, cap * sizeof(*r->pats));
			}
			r->pats[r->npats++] = pat;
		}
		line += len;
		if (*line == '\n')
			line++;
	}
	*out = r;
	return 0;
}

/* One token applied to the set of reachable text positions cur[0..m] -> nxt. */
static void step(const struct tok *t, const char *s, size_t m, const uint8_t *cur, uint8_t *nxt)
{
	bool active = false;

	switch (t->kind) {
	case TOK_CHAR:
	case TOK_ANY:
	case TOK_CLASS:
		nxt[0] = 0;
		for (size_t i = 0; i < m; i++) {
			unsigned char c = (unsigned char)s[i];
			bool ok;

			if (t->kind == TOK_CHAR)
				ok = c == t->c;
			else if (t->kind == TOK_ANY)
				ok = c != '/';
			else
				ok = c != '/' && set_has(t->set, c) != t->negated;
			nxt[i + 1] = cur[i] && ok;
		}
		break;
	case TOK_STAR:
		for (size_t j = 0; j <= m; j++) {
			active = cur[j] || (active && s[j - 1] != '/');
			nxt[j] = active;
		}
		break;
	case TOK_DIRS:
		for (size_t j = 0; j <= m; j++) {
			nxt[j] = cur[j] || (active && s[j - 1] == '/');
			active = active || cur[j];
		}
		break;
	case TOK_REST:
		for (size_t j = 0; j <= m; j++) {
			active = active || cur[j];
			nxt[j] = active;
		}
		break;
	}
}

static bool pattern_matches_text(const struct pattern *pat, const char *s, size_t m, uint8_t *a, uint8_t *b)
{
	memset(a, 0, m + 1);
	a[0] = 1;
	for (size_t k = 0; k < pat->ntoks; k++) {
		uint8_t *tmp;
		bool any = false;

		step(&pat->toks[k], s, m, a, b);
		for (size_t j = 0; j <= m && !any; j++)
			any = b[j];
		if (!any)
			return false;
		tmp = a;
		a = b;
		b = tmp;
	}
	return a[m];
}

/* Verdict of the last matching pattern for path[0..len): 1 ignored, 0 not. */
static bool excluded(const struct ignore_rules *r, const char *path, size_t len, bool is_dir,
		     uint8_t *a, uint8_t *b)
{
	const char *base = path;

	for (size_t i = 0; i < len; i++)
		if (path[i] == '/')
			base = path + i + 1;
	for (size_t k = r->npats; k-- > 0;) {
		const struct pattern *pat = &r->pats[k];
		const char *s = pat->anchored ? path : base;
		size_t m = len - (size_t)(s - path);

		if (pat->never || (pat->dir_only && !is_dir))
			continue;
		if (pattern_matches_text(pat, s, m, a, b))
			return !pat->negate;
	}
	return false;
}

bool ignore_match(const struct ignore_rules *r, const char *path, bool is_dir)
{
	size_t len;
	uint8_t *a, *b;
	bool ignored = false;

	if (!r || r->npats == 0 || !path)
		return false;
	len = strlen(path);
	a = xmalloc(len + 1);
	b = xmalloc(len + 1);
	for (size_t i = 0; i < len && !ignored; i++)
		if (path[i] == '/' && i > 0)
			ignored = excluded(r, path, i, true, a, b);
	if (!ignored)
		ignored = excluded(r, path, len, is_dir, a, b);
	free(a);
	free(b);
	return ignored;
}

void ignore_free(struct ignore_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->npats; i++)
		free(r->pats[i].toks);
	free(r->pats);
	free(r);
}
