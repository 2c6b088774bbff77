/*
 * goregex.h - Go (RE2) regular expressions, as Flux's spec.ref.semverFilter
 * is written, translated to POSIX extended expressions for regcomp(3).
 *
 * Owned by config; used for semverFilter (validation and tag selection).
 * Only whether a tag matches is ever asked, so leftmost-first versus
 * leftmost-longest and greedy versus lazy make no difference. Supported RE2
 * syntax: literals, ., ^, $, \A, \z, |, groups ( ), (?: ), (?P<n> ), (?<n> ),
 * flags (?i) (?i: ) and the no-op s, m, U; quantifiers * + ? {n} {n,} {n,m}
 * with an optional lazy ?; classes [...] with ranges, [:name:] and escapes;
 * \d \D \s \S \w \W; \b \B; escaped punctuation; \n \t \r \f \v \a; \xHH,
 * \x{H..} (ASCII), octal \0nn; \Q...\E. Differences from Go, all rejected
 * with an error rather than matched differently: Unicode classes (\p, \P),
 * non-ASCII characters inside [...], \C, quantified anchors (^*), and nested
 * counted repetitions whose product exceeds LIMIT_REGEX_REPEAT. Case folding
 * (?i) covers ASCII letters only, and "." also matches a newline (tags never
 * contain one). Errors read like Go's: "error parsing regexp: <what>: `<where>`".
 */
#ifndef FERRY_CONFIG_GOREGEX_H
#define FERRY_CONFIG_GOREGEX_H

#include <regex.h>
#include <stdbool.h>

#include "util/err.h"

struct cfg_goregex {
	regex_t re;
};

int cfg_goregex_compile(const char *expr, struct cfg_goregex *out, struct ferry_err *e);
bool cfg_goregex_match(const struct cfg_goregex *rx, const char *s);
void cfg_goregex_free(struct cfg_goregex *rx);

#endif
