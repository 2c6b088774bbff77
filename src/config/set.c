/* set.c - the cfg_set: assembling it (diagnostics, duplicates, order), finding in it, freeing it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/load.h"
#include "util/log.h"
#include "util/mem.h"

/* Room for one more item in an array of n that doubles from first. */
static void *reserve_one(void *items, size_t n, size_t *cap, size_t first, size_t item_size)
{
	if (n == *cap) {
		*cap = *cap ? 2 * *cap : first;
		items = xrealloc(items, *cap * item_size);
	}
	return items;
}

void cfg_build_init(struct cfg_build *b)
{
	memset(b, 0, sizeof(*b));
	b->set = xcalloc(1, sizeof(*b->set));
}

void cfg_build_diag(struct cfg_build *b, enum cfg_diag_level level, const char *file, int line, int column,
		    const char *fmt, ...)
{
	struct cfg_set *set = b->set;
	struct cfg_diag *d;
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	set->diags = reserve_one(set->diags, set->n_diags, &b->cap_diags, 16, sizeof(*set->diags));
	d = &set->diags[set->n_diags++];
	d->level = level;
	d->loc.file = xstrdup(file);
	d->loc.line = line;
	d->loc.column = column;
	if (line > 0)
		d->message = xasprintf("%s:%d:%d: %s", file, line, column, msg);
	else
		d->message = xasprintf("%s: %s", file, msg);
}

void cfg_build_add_source(struct cfg_build *b, struct cfg_source *s)
{
	struct cfg_set *set = b->set;

	set->sources = reserve_one(set->sources, set->n_sources, &b->cap_sources, 8, sizeof(*set->sources));
	set->sources[set->n_sources++] = s;
}

void cfg_build_add_secret(struct cfg_build *b, struct cfg_secret *s)
{
	struct cfg_set *set = b->set;

	set->secrets = reserve_one(set->secrets, set->n_secrets, &b->cap_secrets, 8, sizeof(*set->secrets));
	set->secrets[set->n_secrets++] = s;
}

void cfg_build_reject_secret(struct cfg_build *b, const char *ns, const char *name)
{
	struct cfg_set *set = b->set;

	set->rejected_secrets = xrealloc(set->rejected_secrets,
					 (set->n_rejected_secrets + 1) * sizeof(*set->rejected_secrets));
	set->rejected_secrets[set->n_rejected_secrets++] = xasprintf("%s/%s", ns, name);
}

static void loc_free(struct cfg_loc *l)
{
	free(l->file);
	l->file = NULL;
}

void cfg_source_free(struct cfg_source *s)
{
	if (!s)
		return;
	free(s->api_version);
	free(s->ns);
	free(s->name);
	loc_free(&s->loc);
	free(s->url);
	free(s->ref_digest);
	free(s->ref_semver);
	free(s->ref_semver_filter);
	free(s->ref_tag);
	free(s->layer_media_type);
	free(s->provider);
	free(s->secret_ref);
	free(s->service_account);
	free(s->cert_secret_ref);
	free(s->proxy_secret_ref);
	free(s->interval);
	free(s->timeout);
	free(s->ignore);
	free(s->verify_provider);
	free(s->verify_secret_ref);
	loc_free(&s->secret_ref_loc);
	loc_free(&s->cert_secret_ref_loc);
	loc_free(&s->proxy_secret_ref_loc);
	loc_free(&s->verify_secret_ref_loc);
	json_decref(s->spec);
	free(s->invalid_reason);
	free(s->invalid_message);
	free(s);
}

void cfg_secret_free(struct cfg_secret *s)
{
	if (!s)
		return;
	free(s->ns);
	free(s->name);
	free(s->type);
	loc_free(&s->loc);
	for (size_t i = 0; i < s->n_entries; i++) {
		free(s->entries[i].key);
		if (s->entries[i].value) {
			/* decoded credentials do not linger in freed heap */
			explicit_bzero(s->entries[i].value, s->entries[i].len);
			free(s->entries[i].value);
		}
	}
	free(s->entries);
	free(s);
}

void cfg_log_diags(const struct cfg_set *set)
{
	for (size_t i = 0; i < set->n_diags; i++)
		log_msg(set->diags[i].level == CFG_DIAG_ERROR ? LOG_ERR : LOG_WARNING, "%s", set->diags[i].message);
}

void cfg_set_free(struct cfg_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n_sources; i++)
		cfg_source_free(set->sources[i]);
	for (size_t i = 0; i < set->n_secrets; i++)
		cfg_secret_free(set->secrets[i]);
	for (size_t i = 0; i < set->n_diags; i++) {
		free(set->diags[i].loc.file);
		free(set->diags[i].message);
	}
	for (size_t i = 0; i < set->n_rejected_secrets; i++)
		free(set->rejected_secrets[i]);
	free(set->sources);
	free(set->secrets);
	free(set->diags);
	free(set->rejected_secrets);
	free(set);
}

static int loc_cmp(const struct cfg_loc *a, const struct cfg_loc *b)
{
	int c = strcmp(a->file, b->file);

	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->column < b->column ? -1 : a->column > b->column;
}

static int id_cmp(const char *ans, const char *aname, const char *bns, const char *bname)
{
	int c = strcmp(ans, bns);

	return c ? c : strcmp(aname, bname);
}

static int source_cmp(const void *x, const void *y)
{
	const struct cfg_source *a = *(struct cfg_source *const *)x, *b = *(struct cfg_source *const *)y;
	int c = id_cmp(a->ns, a->name, b->ns, b->name);

	return c ? c : loc_cmp(&a->loc, &b->loc);
}

static int secret_cmp(const void *x, const void *y)
{
	const struct cfg_secret *a = *(struct cfg_secret *const *)x, *b = *(struct cfg_secret *const *)y;
	int c = id_cmp(a->ns, a->name, b->ns, b->name);

	return c ? c : loc_cmp(&a->loc, &b->loc);
}

/* Diagnostics of files read in path order; keep insertion order for equal positions. */
struct diag_ref {
	struct cfg_diag d;
	size_t index;
};

static int diag_cmp(const void *x, const void *y)
{
	const struct diag_ref *a = x, *b = y;
	int c = loc_cmp(&a->d.loc, &b->d.loc);

	if (c)
		return c;
	return a->index < b->index ? -1 : a->index > b->index;
}

static void sort_diags(struct cfg_set *set)
{
	struct diag_ref *refs;

	if (set->n_diags < 2)
		return;
	refs = xmalloc(set->n_diags * sizeof(*refs));
	for (size_t i = 0; i < set->n_diags; i++) {
		refs[i].d = set->diags[i];
		refs[i].index = i;
	}
	qsort(refs, set->n_diags, sizeof(*refs), diag_cmp);
	for (size_t i = 0; i < set->n_diags; i++)
		set->diags[i] = refs[i].d;
	free(refs);
}

static void duplicate_diag(struct cfg_build *b, const char *kind, const char *ns, const char *name,
			   const struct cfg_loc *first, const struct cfg_loc *again)
{
	cfg_build_diag(b, CFG_DIAG_ERROR, first->file, first->line, first->column,
		       "%s %s/%s is also defined at %s:%d:%d", kind, ns, name, again->file, again->line,
		       again->column);
}

/* The first definition (in path order) stays; as nobody can tell which one
 * is meant, a duplicated OCIRepository is not reconciled at all. */
static void drop_duplicate_sources(struct cfg_build *b)
{
	struct cfg_set *set = b->set;
	size_t keep = 0;

	for (size_t i = 0; i < set->n_sources; i++) {
		struct cfg_source *s = set->sources[i];
		struct cfg_source *first = keep ? set->sources[keep - 1] : NULL;

		if (first && !id_cmp(first->ns, first->name, s->ns, s->name)) {
			duplicate_diag(b, "OCIRepository", s->ns, s->name, &first->loc, &s->loc);
			if (!first->invalid) {
				first->invalid = true;
				first->invalid_reason = xstrdup("InvalidSpec");
				first->invalid_message = xstrdup(set->diags[set->n_diags - 1].message);
			}
			cfg_source_free(s);
			continue;
		}
		set->sources[keep++] = s;
	}
	set->n_sources = keep;
}

static void drop_duplicate_secrets(struct cfg_build *b)
{
	struct cfg_set *set = b->set;
	size_t keep = 0;

	for (size_t i = 0; i < set->n_secrets; i++) {
		struct cfg_secret *s = set->secrets[i];
		struct cfg_secret *first = keep ? set->secrets[keep - 1] : NULL;

		if (first && !id_cmp(first->ns, first->name, s->ns, s->name)) {
			duplicate_diag(b, "Secret", s->ns, s->name, &first->loc, &s->loc);
			cfg_secret_free(s);
			continue;
		}
		set->secrets[keep++] = s;
	}
	set->n_secrets = keep;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct cfg_set *cfg_build_finish(struct cfg_build *b)
{
	struct cfg_set *set = b->set;

	if (set->n_sources > 1)
		qsort(set->sources, set->n_sources, sizeof(*set->sources), source_cmp);
	if (set->n_secrets > 1)
		qsort(set->secrets, set->n_secrets, sizeof(*set->secrets), secret_cmp);
	if (set->n_rejected_secrets > 1)
		qsort(set->rejected_secrets, set->n_rejected_secrets, sizeof(char *), str_cmp);
	drop_duplicate_sources(b);
	drop_duplicate_secrets(b);
	sort_diags(set);
	set->n_errors = 0;
	for (size_t i = 0; i < set->n_diags; i++)
		if (set->diags[i].level == CFG_DIAG_ERROR)
			set->n_errors++;
	b->set = NULL;
	return set;
}

/* The lists are sorted by (namespace, name), secret entries by key, and
 * hold no duplicates once built. */
struct id_key {
	const char *ns, *name;
};

static int source_key_cmp(const void *key, const void *item)
{
	const struct id_key *k = key;
	const struct cfg_source *s = *(struct cfg_source *const *)item;

	return id_cmp(k->ns, k->name, s->ns, s->name);
}

static int secret_key_cmp(const void *key, const void *item)
{
	const struct id_key *k = key;
	const struct cfg_secret *s = *(struct cfg_secret *const *)item;

	return id_cmp(k->ns, k->name, s->ns, s->name);
}

static int entry_key_cmp(const void *key, const void *item)
{
	return strcmp(key, ((const struct cfg_secret_entry *)item)->key);
}

const struct cfg_source *cfg_find_source(const struct cfg_set *set, const char *ns, const char *name)
{
	const struct id_key k = { ns, name };
	struct cfg_source *const *hit;

	if (!set || !set->n_sources)
		return NULL;
	hit = bsearch(&k, set->sources, set->n_sources, sizeof(*set->sources), source_key_cmp);
	return hit ? *hit : NULL;
}

const struct cfg_secret *cfg_find_secret(const struct cfg_set *set, const char *ns, const char *name)
{
	const struct id_key k = { ns, name };
	struct cfg_secret *const *hit;

	if (!set || !set->n_secrets)
		return NULL;
	hit = bsearch(&k, set->secrets, set->n_secrets, sizeof(*set->secrets), secret_key_cmp);
	return hit ? *hit : NULL;
}

const struct cfg_secret_entry *cfg_secret_get(const struct cfg_secret *s, const char *key)
{
	if (!s || !s->n_entries)
		return NULL;
	return bsearch(key, s->entries, s->n_entries, sizeof(*s->entries), entry_key_cmp);
}
