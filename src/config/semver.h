/*
 * semver.h - semantic versions and constraints as Flux's OCIRepository
 * spec.ref.semver uses them, and the selection of a tag from a tag list.
 *
 * Owned by config; semver_select is called by the reconcile pipeline after
 * listing tags, the rest by the config validator and tests.
 *
 * Versions follow fluxcd/pkg/version.ParseVersion: exactly three
 * dot-separated parts (counted before parsing), optional lowercase `v`,
 * leading zeros allowed, SemVer pre-release (numeric identifiers without
 * leading zeros) and build metadata. Constraints follow
 * Masterminds/semver/v3 (NewConstraint / Check): operators = != > < >= => <=
 * =< ~ ~> ^, wildcards x X * and short forms (1, 1.2), hyphen ranges
 * "1.2 - 1.4.5", "," or spaces for AND, "||" for OR. A pre-release version
 * only satisfies an OR group in which some comparator has a pre-release
 * (the "-0" convention: ">=1.2.0-0").
 *
 * Selection (semver_select): tags not matching the filter (Go RE2 syntax, see
 * goregex.h) are dropped first, then the constraint is parsed, every tag
 * that parses as a version and satisfies it is a candidate, the highest
 * version wins. When several tags are the same version (precedence ignores
 * build metadata; `v1.0.0` equals `1.0.0`), ferry picks deterministically:
 * a tag without the `v` prefix first, then the byte-wise smallest tag.
 * (Flux leaves this to an unstable sort.)
 */
#ifndef FERRY_CONFIG_SEMVER_H
#define FERRY_CONFIG_SEMVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct semver {
	uint64_t major, minor, patch;
	char *pre;          /* "" when none */
	char *metadata;     /* "" when none */
	char *original;     /* the string parsed */
};

/* fluxcd/pkg version.ParseVersion. Returns 0, or -1 (v untouched). */
int semver_parse(const char *s, struct semver *v);
void semver_free(struct semver *v);
/* -1, 0, 1 by SemVer precedence (metadata ignored). */
int semver_compare(const struct semver *a, const struct semver *b);

struct semver_constraint;

/* Masterminds NewConstraint. On failure e->msg is Flux's
 * "semver '<c>' parse error: <why>" (reason ReadOperationFailed). */
int semver_constraint_parse(const char *c, struct semver_constraint **out, struct ferry_err *e);
bool semver_constraint_check(const struct semver_constraint *c, const struct semver *v);
void semver_constraint_free(struct semver_constraint *c);

/* Pick the tag for spec.ref.semver (+ semverFilter, NULL or "" for none).
 * *tag is a copy of the winning tag string. Errors (reason
 * ReadOperationFailed): the filter's "error parsing regexp: ...", the
 * constraint's parse error, "no match found for semver: <c>". */
int semver_select(char *const *tags, size_t n, const char *constraint, const char *filter, char **tag,
		  struct ferry_err *e);

#endif
