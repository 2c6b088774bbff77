/*
 * ynode.h - YAML text to node trees with positions, for the config loader.
 *
 * Owned by config; used only by the config module. libyaml's event API feeds
 * a small tree builder that resolves plain scalars with the YAML 1.2 core
 * schema (null/~, true/false, ints, floats; quoted scalars are strings), keeps
 * the 1-based line and column of every node, expands aliases by sharing the
 * anchored node while counting every node the expansion stands for, supports
 * merge keys (<<), and rejects duplicate mapping keys. Depth, node count
 * (aliases expanded) and document count are bounded by limits.h.
 */
#ifndef FERRY_CONFIG_YNODE_H
#define FERRY_CONFIG_YNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cfg_ytype { CFG_YNULL, CFG_YBOOL, CFG_YINT, CFG_YFLOAT, CFG_YSTR, CFG_YMAP, CFG_YSEQ };

struct cfg_ynode {
	enum cfg_ytype type;
	int line;                 /* 1-based */
	int column;               /* 1-based */
	char *text;               /* scalars: the value as written (unescaped); "" otherwise */
	size_t len;
	bool boolean;             /* CFG_YBOOL */
	int64_t integer;          /* CFG_YINT */
	double number;            /* CFG_YFLOAT */
	struct cfg_ynode **kids;  /* CFG_YSEQ: items; CFG_YMAP: key, value, key, value, ... */
	size_t n_kids;
	size_t weight;            /* nodes in this subtree with aliases expanded */
	int height;               /* collection nesting below and including this node */
	bool merge_key;           /* a plain `<<` mapping key */
	struct cfg_ynode *arena_next;
};

struct cfg_yerr {
	int line;                 /* 1-based; 0 when not tied to a position */
	int column;
	char msg[512];
};

/* Called for every non-empty document, in order. A non-zero return stops the
 * parse and is returned by cfg_yaml_parse. */
typedef int (*cfg_ydoc_fn)(void *ctx, const struct cfg_ynode *root);

/* Parse a YAML stream. Returns 0, the callback's non-zero result, or -1 with
 * *err describing the first syntax or limit problem (documents before it have
 * been passed to fn). */
int cfg_yaml_parse(const char *text, size_t len, cfg_ydoc_fn fn, void *ctx, struct cfg_yerr *err);

/* "string", "integer", "number", "boolean", "null", "object", "array" */
const char *cfg_ytype_name(enum cfg_ytype t);
/* Value of key in a mapping, NULL when absent (or when map is not a mapping). */
const struct cfg_ynode *cfg_ymap_get(const struct cfg_ynode *map, const char *key);
static inline size_t cfg_ymap_size(const struct cfg_ynode *map) { return map->n_kids / 2; }
static inline const struct cfg_ynode *cfg_ymap_key(const struct cfg_ynode *map, size_t i)
{
	return map->kids[2 * i];
}
static inline const struct cfg_ynode *cfg_ymap_value(const struct cfg_ynode *map, size_t i)
{
	return map->kids[2 * i + 1];
}

#endif
