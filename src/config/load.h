/*
 * load.h - internals shared by the files of the config loader: the set under
 * construction (diagnostics, objects) and the per-document reading context.
 *
 * Owned by config; nothing outside src/config includes this.
 */
#ifndef FERRY_CONFIG_LOAD_H
#define FERRY_CONFIG_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config/model.h"
#include "config/ynode.h"

struct cfg_build {
	struct cfg_set *set;
	size_t cap_sources, cap_secrets, cap_diags;
	size_t n_objects;
};

void cfg_build_init(struct cfg_build *b);
/* Sort, resolve duplicates, count errors; hands the set over. */
struct cfg_set *cfg_build_finish(struct cfg_build *b);
/* line 0: a file-level diagnostic ("FILE: message"). */
void cfg_build_diag(struct cfg_build *b, enum cfg_diag_level level, const char *file, int line, int column,
		    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void cfg_build_add_source(struct cfg_build *b, struct cfg_source *s);
void cfg_build_add_secret(struct cfg_build *b, struct cfg_secret *s);
/* A Secret with errors is left out; its identity is kept for messages. */
void cfg_build_reject_secret(struct cfg_build *b, const char *ns, const char *name);
void cfg_source_free(struct cfg_source *s);
void cfg_secret_free(struct cfg_secret *s);

/* Parse one file's text into b. mode: the file's permission bits, or
 * (mode_t)-1 when unknown (cfg_load_text). */
void cfg_load_file_text(struct cfg_build *b, const char *file, const char *text, size_t len, mode_t mode);

/* Reading one document. Every problem becomes a diagnostic; errors are also
 * counted here so the object can be marked invalid. */
struct cfg_doc {
	struct cfg_build *b;
	const char *file;
	bool sensitive;          /* never echo values (Secrets) */
	size_t n_errors;
	char *first_error;       /* full text of the first error */
	char *url_error;         /* Flux's URLInvalid message, when the URL is the problem */
};

void cfg_doc_error(struct cfg_doc *d, const struct cfg_ynode *at, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void cfg_doc_warn(struct cfg_doc *d, const struct cfg_ynode *at, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void cfg_doc_reset(struct cfg_doc *d);
/* "spec" + "url" -> "spec.url"; caller frees. */
char *cfg_path_join(const char *parent, const char *key);
/* Warn about every key of map not in known (NULL-terminated). */
void cfg_fields_known(struct cfg_doc *d, const struct cfg_ynode *map, const char *path, const char *const *known);
/* True when n has type want; otherwise an error naming path and both types. */
bool cfg_field_type(struct cfg_doc *d, const struct cfg_ynode *n, const char *path, enum cfg_ytype want);
/* map[key] when present, not null and of type want; NULL otherwise (a wrong
 * type is reported). parent is the path of map. */
const struct cfg_ynode *cfg_field(struct cfg_doc *d, const struct cfg_ynode *map, const char *parent,
				  const char *key, enum cfg_ytype want);

/* Kubernetes name rules; NULL when valid, else the reason. */
const char *cfg_dns_subdomain_error(const char *s);
const char *cfg_dns_label_error(const char *s);
const char *cfg_config_key_error(const char *s);

/* Kinds. root is the document's mapping; ns/name are validated metadata. */
void cfg_read_source(struct cfg_doc *d, const struct cfg_ynode *root, const char *api_version, const char *ns,
		     const char *name);
void cfg_read_secret(struct cfg_doc *d, const struct cfg_ynode *root, const char *ns, const char *name);

#endif
