/*
 * config.h - read the config directory into a cfg_set (see model.h).
 *
 * Owned by config. Never touches the network. Called by ferryd at start and on
 * reload (parse everything, then swap), and by `ferryctl check`.
 */
#ifndef FERRY_CONFIG_CONFIG_H
#define FERRY_CONFIG_CONFIG_H

#include "config/model.h"
#include "util/err.h"

/* Read every *.yaml / *.yml under dir (recursively, sorted; hidden files,
 * *~, *.dpkg-*, *.rpmnew, *.rpmsave skipped). Returns 0 with *out set (which
 * may carry error diagnostics: check (*out)->n_errors), or -1 when the
 * directory itself cannot be read. */
int cfg_load_dir(const char *dir, struct cfg_set **out, struct ferry_err *e);
/* Parse one YAML text as if it were the file `name` (used by tests). */
int cfg_load_text(const char *name, const char *text, size_t len, struct cfg_set **out,
		  struct ferry_err *e);
void cfg_set_free(struct cfg_set *set);
/* Log every diagnostic of the set (errors as LOG_ERR, warnings as LOG_WARNING). */
void cfg_log_diags(const struct cfg_set *set);

const struct cfg_source *cfg_find_source(const struct cfg_set *set, const char *ns, const char *name);
const struct cfg_secret *cfg_find_secret(const struct cfg_set *set, const char *ns, const char *name);
const struct cfg_secret_entry *cfg_secret_get(const struct cfg_secret *s, const char *key);

#endif
