/* fields.c - reading typed fields of a YAML mapping, with path-named diagnostics. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/load.h"
#include "util/mem.h"

static void doc_diag(struct cfg_doc *d, enum cfg_diag_level level, const struct cfg_ynode *at, const char *path,
		     const char *fmt, va_list ap)
{
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	struct cfg_set *set = d->b->set;

	if (path)
		cfg_build_diag(d->b, level, d->file, at->line, at->column, "%s: %s", path, msg);
	else
		cfg_build_diag(d->b, level, d->file, at->line, at->column, "%s", msg);
	if (level == CFG_DIAG_ERROR) {
		d->n_errors++;
		if (!d->first_error)
			d->first_error = xstrdup(set->diags[set->n_diags - 1].message);
	}
}

void cfg_doc_error(struct cfg_doc *d, const struct cfg_ynode *at, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	doc_diag(d, CFG_DIAG_ERROR, at, path, fmt, ap);
	va_end(ap);
}

void cfg_doc_warn(struct cfg_doc *d, const struct cfg_ynode *at, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	doc_diag(d, CFG_DIAG_WARNING, at, path, fmt, ap);
	va_end(ap);
}

void cfg_doc_reset(struct cfg_doc *d)
{
	free(d->first_error);
	free(d->url_error);
	d->first_error = d->url_error = NULL;
	d->n_errors = 0;
}

char *cfg_path_join(const char *parent, const char *key)
{
	if (!parent || !*parent)
		return xstrdup(key);
	return xasprintf("%s.%s", parent, key);
}

void cfg_fields_known(struct cfg_doc *d, const struct cfg_ynode *map, const char *path, const char *const *known)
{
	for (size_t i = 0; i < cfg_ymap_size(map); i++) {
		const struct cfg_ynode *k = cfg_ymap_key(map, i);
		bool found = false;

		for (const char *const *p = known; *p && !found; p++)
			found = strcmp(*p, k->text) == 0;
		if (!found) {
			_cleanup_free_ char *full = cfg_path_join(path, k->text);
			cfg_doc_warn(d, k, full, "unknown field (ignored)");
		}
	}
}

static bool is_scalar(enum cfg_ytype t)
{
	return t != CFG_YMAP && t != CFG_YSEQ;
}

bool cfg_field_type(struct cfg_doc *d, const struct cfg_ynode *n, const char *path, enum cfg_ytype want)
{
	if (n->type == want || (want == CFG_YFLOAT && n->type == CFG_YINT))
		return true;
	if (d->sensitive || !is_scalar(n->type))
		cfg_doc_error(d, n, path, "expected %s, got %s", cfg_ytype_name(want), cfg_ytype_name(n->type));
	else if (want == CFG_YSTR)
		cfg_doc_error(d, n, path, "expected string, got %s %s (quote it to make it a string)",
			      cfg_ytype_name(n->type), n->text);
	else
		cfg_doc_error(d, n, path, "expected %s, got %s \"%s\"", cfg_ytype_name(want),
			      cfg_ytype_name(n->type), n->text);
	return false;
}

const struct cfg_ynode *cfg_field(struct cfg_doc *d, const struct cfg_ynode *map, const char *parent,
				  const char *key, enum cfg_ytype want)
{
	const struct cfg_ynode *n = cfg_ymap_get(map, key);
	_cleanup_free_ char *path = NULL;

	if (!n || n->type == CFG_YNULL)
		return NULL;
	path = cfg_path_join(parent, key);
	return cfg_field_type(d, n, path, want) ? n : NULL;
}
