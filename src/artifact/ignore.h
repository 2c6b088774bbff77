/*
 * ignore.h - spec.ignore: .gitignore syntax matching for extracted paths.
 *
 * Owned by artifact. Patterns are evaluated in order, last match wins, `!`
 * negates, a trailing `/` matches directories only, a leading or inner `/`
 * anchors to the root, `**` spans directories. ferry applies only the user's
 * patterns (no Flux default exclusions).
 */
#ifndef FERRY_ARTIFACT_IGNORE_H
#define FERRY_ARTIFACT_IGNORE_H

#include <stdbool.h>

#include "util/err.h"

struct ignore_rules;

/* Compile spec.ignore (NULL or "" gives rules that match nothing). Fails with
 * reason "SourceIgnoreError" beyond LIMIT_IGNORE_PATTERNS patterns or
 * LIMIT_IGNORE_PATTERN_LEN bytes per line; messages carry no "spec.ignore"
 * prefix, callers add their context. Malformed patterns (unterminated
 * "[", a trailing backslash) match nothing, as in git. A path below an
 * ignored directory is ignored and cannot be re-included (git semantics). */
int ignore_parse(const char *text, struct ignore_rules **out, struct ferry_err *e);
/* path is relative, '/'-separated, without a leading "./". */
bool ignore_match(const struct ignore_rules *r, const char *path, bool is_dir);
void ignore_free(struct ignore_rules *r);

#endif
