/* ynode.c - libyaml events to positioned node trees, with alias, depth and size bounds. */
#include "config/ynode.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "util/limits.h"
#include "util/mem.h"

#define TAG_PREFIX "tag:yaml.org,2002:"

struct frame {
	struct cfg_ynode *node;
	size_t cap;
	char *anchor;
};

struct anchor {
	char *name;
	struct cfg_ynode *node;
};

struct builder {
	struct cfg_ynode *arena;
	struct cfg_ynode *root;
	struct frame stack[LIMIT_YAML_DEPTH];
	int depth;
	struct anchor anchors[LIMIT_YAML_ANCHORS];
	size_t n_anchors;
	size_t total;
	struct cfg_yerr *err;
};

const char *cfg_ytype_name(enum cfg_ytype t)
{
	switch (t) {
	case CFG_YNULL: return "null";
	case CFG_YBOOL: return "boolean";
	case CFG_YINT: return "integer";
	case CFG_YFLOAT: return "number";
	case CFG_YSTR: return "string";
	case CFG_YMAP: return "object";
	case CFG_YSEQ: return "array";
	}
	return "unknown";
}

const struct cfg_ynode *cfg_ymap_get(const struct cfg_ynode *map, const char *key)
{
	if (!map || map->type != CFG_YMAP)
		return NULL;
	for (size_t i = 0; i < cfg_ymap_size(map); i++)
		if (strcmp(cfg_ymap_key(map, i)->text, key) == 0)
			return cfg_ymap_value(map, i);
	return NULL;
}

__attribute__((format(printf, 4, 5)))
static int fail(struct builder *b, int line, int column, const char *fmt, ...)
{
	va_list ap;

	b->err->line = line;
	b->err->column = column;
	va_start(ap, fmt);
	vsnprintf(b->err->msg, sizeof(b->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static void builder_reset(struct builder *b)
{
	struct cfg_ynode *n = b->arena;

	while (n) {
		struct cfg_ynode *next = n->arena_next;
		free(n->text);
		free(n->kids);
		free(n);
		n = next;
	}
	for (int i = 0; i < b->depth; i++)
		free(b->stack[i].anchor);
	for (size_t i = 0; i < b->n_anchors; i++)
		free(b->anchors[i].name);
	b->arena = NULL;
	b->root = NULL;
	b->depth = 0;
	b->n_anchors = 0;
	b->total = 0;
}

static int count_nodes(struct builder *b, size_t n, yaml_mark_t m)
{
	b->total += n;
	if (b->total > LIMIT_YAML_NODES)
		return fail(b, (int)m.line + 1, (int)m.column + 1,
			    "document has more than %d nodes (aliases expanded); refusing to load it",
			    LIMIT_YAML_NODES);
	return 0;
}

static struct cfg_ynode *node_new(struct builder *b, enum cfg_ytype type, yaml_mark_t m)
{
	struct cfg_ynode *n = xcalloc(1, sizeof(*n));

	n->type = type;
	n->line = (int)m.line + 1;
	n->column = (int)m.column + 1;
	n->text = xstrdup("");
	n->weight = 1;
	n->arena_next = b->arena;
	b->arena = n;
	return n;
}

static void attach(struct builder *b, struct cfg_ynode *n)
{
	struct frame *f;

	if (b->depth == 0) {
		b->root = n;
		return;
	}
	f = &b->stack[b->depth - 1];
	if (f->node->n_kids == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 8;
		f->node->kids = xrealloc(f->node->kids, f->cap * sizeof(*f->node->kids));
	}
	f->node->kids[f->node->n_kids++] = n;
}

static int add_anchor(struct builder *b, const char *name, struct cfg_ynode *n)
{
	if (b->n_anchors == LIMIT_YAML_ANCHORS)
		return fail(b, n->line, n->column, "document defines more than %d anchors",
			    LIMIT_YAML_ANCHORS);
	b->anchors[b->n_anchors].name = xstrdup(name);
	b->anchors[b->n_anchors].node = n;
	b->n_anchors++;
	return 0;
}

/* --- scalar resolution (YAML 1.2 core schema) --- */

static bool all_in(const char *s, const char *set)
{
	return *s && s[strspn(s, set)] == '\0';
}

static bool is_null_word(const char *s)
{
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static int bool_word(const char *s)
{
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return 1;
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return 0;
	return -1;
}

static bool parse_int(const char *s, int64_t *out)
{
	const char *digits = s;
	unsigned long long v;
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
		base = s[1] == 'o' ? 8 : 16;
		digits = s + 2;
		if (!all_in(digits, base == 8 ? "01234567" : "0123456789abcdefABCDEF"))
			return false;
	} else {
		if (*digits == '-' || *digits == '+')
			digits++;
		if (!all_in(digits, "0123456789"))
			return false;
	}
	errno = 0;
	if (base == 10) {
		long long sv = strtoll(s, &end, 10);
		if (errno || *end)
			return false;
		*out = sv;
		return true;
	}
	v = strtoull(digits, &end, base);
	if (errno || *end || v > INT64_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

static bool looks_like_int(const char *s)
{
	if (s[0] == '0' && s[1] == 'o')
		return all_in(s + 2, "01234567");
	if (s[0] == '0' && s[1] == 'x')
		return all_in(s + 2, "0123456789abcdefABCDEF");
	if (*s == '-' || *s == '+')
		s++;
	return all_in(s, "0123456789");
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? or .inf/.nan forms */
static bool parse_float(const char *s, double *out)
{
	const char *p = s;
	bool digits = false;

	if (*p == '-' || *p == '+')
		p++;
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF")) {
		*out = *s == '-' ? -INFINITY : INFINITY;
		return true;
	}
	if (p == s && (!strcmp(p, ".nan") || !strcmp(p, ".NaN") || !strcmp(p, ".NAN"))) {
		*out = NAN;
		return true;
	}
	while (*p >= '0' && *p <= '9') {
		p++;
		digits = true;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			p++;
			digits = true;
		}
	}
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return false;
	*out = strtod(s, NULL);
	return true;
}

static void resolve_plain(struct cfg_ynode *n)
{
	int b;

	if (is_null_word(n->text)) {
		n->type = CFG_YNULL;
	} else if ((b = bool_word(n->text)) >= 0) {
		n->type = CFG_YBOOL;
		n->boolean = b;
	} else if (looks_like_int(n->text)) {
		if (parse_int(n->text, &n->integer)) {
			n->type = CFG_YINT;
		} else {
			/* beyond int64: still a number, as JSON would carry it */
			n->type = CFG_YFLOAT;
			n->number = strtod(n->text, NULL);
		}
	} else if (parse_float(n->text, &n->number)) {
		n->type = CFG_YFLOAT;
	} else {
		n->type = CFG_YSTR;
	}
}

static int resolve_scalar(struct builder *b, struct cfg_ynode *n, const yaml_event_t *ev)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	enum cfg_ytype want;

	if (!tag || !strcmp(tag, "!")) {
		if (plain && !tag) {
			resolve_plain(n);
			n->merge_key = !strcmp(n->text, "<<");
		} else {
			n->type = CFG_YSTR;
		}
		return 0;
	}
	if (!strcmp(tag, TAG_PREFIX "str")) {
		n->type = CFG_YSTR;
		return 0;
	}
	if (!strcmp(tag, TAG_PREFIX "null"))
		want = CFG_YNULL;
	else if (!strcmp(tag, TAG_PREFIX "bool"))
		want = CFG_YBOOL;
	else if (!strcmp(tag, TAG_PREFIX "int"))
		want = CFG_YINT;
	else if (!strcmp(tag, TAG_PREFIX "float"))
		want = CFG_YFLOAT;
	else
		return fail(b, n->line, n->column, "unsupported YAML tag %s", tag);
	resolve_plain(n);
	if (want == CFG_YFLOAT && n->type == CFG_YINT) {
		n->type = CFG_YFLOAT;
		n->number = (double)n->integer;
	}
	if (n->type != want)
		return fail(b, n->line, n->column, "cannot read \"%s\" as a YAML %s", n->text,
			    cfg_ytype_name(want));
	return 0;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
	struct cfg_ynode *n;

	if (count_nodes(b, 1, ev->start_mark) < 0)
		return -1;
	n = node_new(b, CFG_YSTR, ev->start_mark);
	if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
		return fail(b, n->line, n->column, "NUL characters are not allowed in values");
	free(n->text);
	n->text = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
	n->len = ev->data.scalar.length;
	if (resolve_scalar(b, n, ev) < 0)
		return -1;
	if (ev->data.scalar.anchor && add_anchor(b, (const char *)ev->data.scalar.anchor, n) < 0)
		return -1;
	attach(b, n);
	return 0;
}

static int on_collection_start(struct builder *b, const yaml_event_t *ev, bool mapping)
{
	const char *tag = mapping ? (const char *)ev->data.mapping_start.tag
				  : (const char *)ev->data.sequence_start.tag;
	const char *anchor = mapping ? (const char *)ev->data.mapping_start.anchor
				     : (const char *)ev->data.sequence_start.anchor;
	const char *own = mapping ? TAG_PREFIX "map" : TAG_PREFIX "seq";
	struct cfg_ynode *n;

	if (b->depth == LIMIT_YAML_DEPTH)
		return fail(b, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
			    "nesting deeper than %d levels; refusing to load it", LIMIT_YAML_DEPTH);
	if (count_nodes(b, 1, ev->start_mark) < 0)
		return -1;
	n = node_new(b, mapping ? CFG_YMAP : CFG_YSEQ, ev->start_mark);
	if (tag && strcmp(tag, "!") && strcmp(tag, own))
		return fail(b, n->line, n->column, "unsupported YAML tag %s", tag);
	attach(b, n);
	b->stack[b->depth].node = n;
	b->stack[b->depth].cap = 0;
	b->stack[b->depth].anchor = anchor ? xstrdup(anchor) : NULL;
	b->depth++;
	return 0;
}

struct keyref {
	const struct cfg_ynode *key;
	size_t index;
};

static int keyref_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int c = strcmp(x->key->text, y->key->text);

	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int check_duplicate_keys(struct builder *b, struct cfg_ynode **kids, size_t n_pairs)
{
	struct keyref *refs;
	int rc = 0;

	if (n_pairs < 2)
		return 0;
	refs = xmalloc(n_pairs * sizeof(*refs));
	for (size_t i = 0; i < n_pairs; i++) {
		refs[i].key = kids[2 * i];
		refs[i].index = i;
	}
	qsort(refs, n_pairs, sizeof(*refs), keyref_cmp);
	for (size_t i = 1; i < n_pairs; i++) {
		if (strcmp(refs[i].key->text, refs[i - 1].key->text) == 0) {
			rc = fail(b, refs[i].key->line, refs[i].key->column,
				  "mapping key \"%s\" already defined at line %d", refs[i].key->text,
				  refs[i - 1].key->line);
			break;
		}
	}
	free(refs);
	return rc;
}

static void append_pairs(struct cfg_ynode ***out, size_t *n_pairs, size_t *cap, const struct cfg_ynode *from)
{
	for (size_t i = 0; i < cfg_ymap_size(from); i++) {
		if (2 * (*n_pairs + 1) > *cap) {
			*cap = *cap ? 2 * *cap : 16;
			*out = xrealloc(*out, *cap * sizeof(**out));
		}
		(*out)[2 * *n_pairs] = from->kids[2 * i];
		(*out)[2 * *n_pairs + 1] = from->kids[2 * i + 1];
		(*n_pairs)++;
	}
}

/* pairs are in priority order; keep the first pair of every key, in place. */
static size_t keep_first_of_each_key(struct cfg_ynode **pairs, size_t n_pairs)
{
	struct keyref *refs = xmalloc(n_pairs * sizeof(*refs));
	bool *keep = xcalloc(n_pairs, sizeof(*keep));
	size_t n = 0;

	for (size_t i = 0; i < n_pairs; i++) {
		refs[i].key = pairs[2 * i];
		refs[i].index = i;
	}
	qsort(refs, n_pairs, sizeof(*refs), keyref_cmp);
	for (size_t i = 0; i < n_pairs; i++)
		if (i == 0 || strcmp(refs[i].key->text, refs[i - 1].key->text))
			keep[refs[i].index] = true;
	for (size_t i = 0; i < n_pairs; i++) {
		if (!keep[i])
			continue;
		pairs[2 * n] = pairs[2 * i];
		pairs[2 * n + 1] = pairs[2 * i + 1];
		n++;
	}
	free(refs);
	free(keep);
	return n;
}

/* Keys must be scalars and unique; `<<: *anchor` (or a list of them) merges
 * the anchored mappings' keys that are not written explicitly, earlier
 * mappings of a list first. */
static int finish_mapping(struct builder *b, struct cfg_ynode *map)
{
	struct cfg_ynode **pairs = xmalloc((map->n_kids + 1) * sizeof(*pairs));
	const struct cfg_ynode *merges[64];
	size_t n_pairs = 0, n_merges = 0, cap = map->n_kids + 1;
	int rc = -1;

	for (size_t i = 0; i + 1 < map->n_kids; i += 2) {
		struct cfg_ynode *k = map->kids[i], *v = map->kids[i + 1];

		if (k->type == CFG_YMAP || k->type == CFG_YSEQ) {
			fail(b, k->line, k->column, "mapping keys must be strings");
			goto out;
		}
		if (k->merge_key) {
			bool ok = v->type == CFG_YMAP;
			if (v->type == CFG_YSEQ) {
				ok = true;
				for (size_t j = 0; j < v->n_kids; j++)
					ok = ok && v->kids[j]->type == CFG_YMAP;
			}
			if (!ok || n_merges == ARRAY_SIZE(merges)) {
				fail(b, k->line, k->column,
				     "map merge requires a mapping or a sequence of mappings as the value");
				goto out;
			}
			merges[n_merges++] = v;
			continue;
		}
		pairs[2 * n_pairs] = k;
		pairs[2 * n_pairs + 1] = v;
		n_pairs++;
	}
	if (check_duplicate_keys(b, pairs, n_pairs) < 0)
		goto out;
	if (n_merges) {
		for (size_t m = 0; m < n_merges; m++) {
			const struct cfg_ynode *v = merges[m];
			if (v->type == CFG_YMAP) {
				append_pairs(&pairs, &n_pairs, &cap, v);
			} else {
				for (size_t j = 0; j < v->n_kids; j++)
					append_pairs(&pairs, &n_pairs, &cap, v->kids[j]);
			}
		}
		n_pairs = keep_first_of_each_key(pairs, n_pairs);
	}
	free(map->kids);
	map->kids = pairs;
	map->n_kids = 2 * n_pairs;
	pairs = NULL;
	rc = 0;
out:
	free(pairs);
	return rc;
}

static int on_collection_end(struct builder *b)
{
	struct frame *f = &b->stack[b->depth - 1];
	struct cfg_ynode *n = f->node;
	char *anchor = f->anchor;
	int rc = 0;

	b->depth--;
	f->anchor = NULL;
	for (size_t i = 0; i < n->n_kids; i++) {
		n->weight += n->kids[i]->weight;
		if (n->kids[i]->height > n->height - 1)
			n->height = n->kids[i]->height + 1;
	}
	if (n->height == 0)
		n->height = 1;
	if (n->type == CFG_YMAP)
		rc = finish_mapping(b, n);
	if (rc == 0 && anchor)
		rc = add_anchor(b, anchor, n);
	free(anchor);
	return rc;
}

static int on_alias(struct builder *b, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	int line = (int)ev->start_mark.line + 1, column = (int)ev->start_mark.column + 1;
	struct cfg_ynode *target = NULL;

	for (size_t i = b->n_anchors; i-- > 0;) {
		if (!strcmp(b->anchors[i].name, name)) {
			target = b->anchors[i].node;
			break;
		}
	}
	if (!target) {
		for (int i = 0; i < b->depth; i++)
			if (b->stack[i].anchor && !strcmp(b->stack[i].anchor, name))
				return fail(b, line, column, "anchor \"%s\" value contains itself", name);
		return fail(b, line, column, "unknown anchor \"%s\" referenced", name);
	}
	if (b->depth + target->height > LIMIT_YAML_DEPTH)
		return fail(b, line, column, "nesting deeper than %d levels (aliases expanded); refusing to load it",
			    LIMIT_YAML_DEPTH);
	if (count_nodes(b, target->weight, ev->start_mark) < 0)
		return -1;
	attach(b, target);
	return 0;
}

static void line_col_at(const char *text, size_t len, size_t offset, int *line, int *column)
{
	*line = 1;
	*column = 1;
	for (size_t i = 0; i < offset && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*column = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			(*column)++;
		}
	}
}

static int syntax_error(struct builder *b, const yaml_parser_t *p, const char *text, size_t len)
{
	int line, column;

	if (p->error == YAML_READER_ERROR) {
		line_col_at(text, len, p->problem_offset, &line, &column);
		return fail(b, line, column, "%s", p->problem ? p->problem : "cannot read the input");
	}
	if (p->error == YAML_MEMORY_ERROR)
		return fail(b, 0, 0, "out of memory");
	line = (int)p->problem_mark.line + 1;
	column = (int)p->problem_mark.column + 1;
	if (p->context)
		return fail(b, line, column, "%s %s", p->context, p->problem ? p->problem : "");
	return fail(b, line, column, "%s", p->problem ? p->problem : "syntax error");
}

static int document_end(struct builder *b, cfg_ydoc_fn fn, void *ctx)
{
	int rc = 0;

	if (b->root && b->root->type != CFG_YNULL)
		rc = fn(ctx, b->root);
	builder_reset(b);
	return rc;
}

int cfg_yaml_parse(const char *text, size_t len, cfg_ydoc_fn fn, void *ctx, struct cfg_yerr *err)
{
	struct builder *b = xcalloc(1, sizeof(*b));
	yaml_parser_t parser;
	yaml_event_t ev;
	size_t documents = 0;
	bool done = false;
	int rc = 0;

	memset(err, 0, sizeof(*err));
	b->err = err;
	if (!yaml_parser_initialize(&parser)) {
		free(b);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = syntax_error(b, &parser, text, len);
			break;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++documents > LIMIT_CONFIG_DOCUMENTS)
				rc = fail(b, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
					  "more than %d documents in one file", LIMIT_CONFIG_DOCUMENTS);
			break;
		case YAML_DOCUMENT_END_EVENT:
			rc = document_end(b, fn, ctx);
			break;
		case YAML_SCALAR_EVENT:
			rc = on_scalar(b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = on_collection_start(b, &ev, false);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = on_collection_start(b, &ev, true);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			rc = on_collection_end(b);
			break;
		case YAML_ALIAS_EVENT:
			rc = on_alias(b, &ev);
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	builder_reset(b);
	free(b);
	yaml_parser_delete(&parser);
	return rc;
}
