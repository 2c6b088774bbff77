/* test-semver.c - versions (Flux ParseVersion), constraints (Masterminds/semver v3), tag selection
 * for spec.ref.semver + semverFilter, and the RE2-to-POSIX translation of the filter. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "config/goregex.h"
#include "config/semver.h"
#include "util/limits.h"
#include "util/mem.h"

static void test_parse_versions(void **state)
{
	static const struct {
		const char *text;
		uint64_t major, minor, patch;
		const char *pre, *meta;
	} good[] = {
		{ "1.2.3", 1, 2, 3, "", "" },
		{ "v1.2.3", 1, 2, 3, "", "" },
		{ "01.02.003", 1, 2, 3, "", "" },
		{ "2025.02.03-rc.1", 2025, 2, 3, "rc.1", "" },
		{ "1.2.3-0.alpha-x+build.5-z", 1, 2, 3, "0.alpha-x", "build.5-z" },
		{ "1.2.3+20240101", 1, 2, 3, "", "20240101" },
		{ "0.0.0", 0, 0, 0, "", "" },
		{ "18446744073709551615.0.1", UINT64_MAX, 0, 1, "", "" },
		/* three parts by dot count, as ParseVersion counts them before parsing */
		{ "1.2-rc.1", 1, 2, 0, "rc.1", "" },
	};
	static const char *const bad[] = {
		"", "1", "1.2", "v1", "1.2.3.4", "V1.2.3", "1.2.3-", "1.2.3+", "1.2.3-01", "1.2.3-rc..1",
		"1.2.3-rc.", "latest", "1.2.x", "1.2.3 ", " 1.2.3", "1..2.3", "18446744073709551616.0.0",
		"1.2.3_4", "1.2.3-ü",
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct semver v;

		if (semver_parse(good[i].text, &v) < 0)
			fail_msg("%s did not parse", good[i].text);
		assert_true(v.major == good[i].major);
		assert_true(v.minor == good[i].minor);
		assert_true(v.patch == good[i].patch);
		assert_string_equal(v.pre, good[i].pre);
		assert_string_equal(v.metadata, good[i].meta);
		assert_string_equal(v.original, good[i].text);
		semver_free(&v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct semver v;

		if (semver_parse(bad[i], &v) == 0)
			fail_msg("'%s' parsed", bad[i]);
	}
}

static int cmp_text(const char *a, const char *b)
{
	struct semver x, y;
	int c;

	assert_int_equal(semver_parse(a, &x), 0);
	assert_int_equal(semver_parse(b, &y), 0);
	c = semver_compare(&x, &y);
	semver_free(&x);
	semver_free(&y);
	return c;
}

static void test_precedence(void **state)
{
	/* SemVer 2.0.0 section 11, in ascending order */
	static const char *const chain[] = {
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "1.10.0", "2.0.0",
	};

	for (size_t i = 0; i + 1 < ARRAY_SIZE(chain); i++) {
		if (cmp_text(chain[i], chain[i + 1]) != -1 || cmp_text(chain[i + 1], chain[i]) != 1)
			fail_msg("%s < %s", chain[i], chain[i + 1]);
	}
	assert_int_equal(cmp_text("v1.0.0", "1.0.0"), 0);
	assert_int_equal(cmp_text("1.0.0+a", "1.0.0+b"), 0);
	assert_int_equal(cmp_text("01.0.0", "1.0.0"), 0);
	assert_int_equal(cmp_text("1.0.0-2", "1.0.0-10"), -1);
	assert_int_equal(cmp_text("1.0.0-a10", "1.0.0-a9"), -1);
	assert_int_equal(cmp_text("1.0.0-99", "1.0.0-a"), -1);
}

static bool check(const char *constraint, const char *version)
{
	struct semver_constraint *c;
	struct semver v;
	struct ferry_err e;
	bool ok;

	ferr_clear(&e);
	if (semver_constraint_parse(constraint, &c, &e) < 0)
		fail_msg("%s: %s", constraint, e.msg);
	if (semver_parse(version, &v) < 0)
		fail_msg("version %s", version);
	ok = semver_constraint_check(c, &v);
	semver_free(&v);
	semver_constraint_free(c);
	return ok;
}

static void test_constraints(void **state)
{
	static const struct {
		const char *constraint, *version;
		bool want;
	} cases[] = {
		/* equality; short forms and wildcards are tilde ranges */
		{ "=2.0.0", "2.0.0", true }, { "2.0.0", "2.0.1", false }, { "=2.0", "2.0.7", true },
		{ "2.0", "2.1.0", false }, { "2", "2.9.9", true }, { "2", "3.0.0", false },
		{ "v1.2.3", "1.2.3", true }, { "1.2.3+meta", "1.2.3", true }, { "= 2.0", "2.0.0", true },
		{ "2.*", "2.1.1", true }, { "2.x", "3.0.0", false }, { "2.1.X", "2.1.9", true },
		{ "2.1.*", "2.2.0", false }, { "*", "4.5.6", true }, { "x", "0.0.0", true },
		{ "1.x.3", "1.9.0", true },
		/* inequality */
		{ "!=4.1.0", "4.1.0", false }, { "!=4.1.0", "4.1.1", true }, { "!=4.1", "4.1.5", false },
		{ "!=4.1", "4.2.0", true }, { "!=4.x", "4.1.0", false }, { "!=4.x", "5.1.0", true },
		{ "!=4.2.x", "4.2.3", false }, { "!=4.1.x", "4.2.0", true },
		/* comparisons, including their x-range readings */
		{ "<11", "10.9.9", true }, { "<11", "11.0.0", false }, { "<1.1", "1.0.9", true },
		{ "<1.1", "1.1.0", false }, { "<1.x", "0.1.1", true }, { "<1.x", "1.1.1", false },
		{ "<=11", "11.2.3", true }, { "<=11", "12.0.0", false }, { "<=1.1", "1.1.9", true },
		{ "<=1.1", "1.2.0", false }, { "=<1.1", "1.1.0", true }, { "<=1.x", "1.9.0", true },
		{ "<=2.x", "3.0.0", false }, { ">1.1", "1.1.9", false }, { ">1.1", "1.2.0", true },
		{ ">11", "11.9.9", false }, { ">11", "12.0.0", true }, { ">1.1.1", "1.1.2", true },
		{ ">=11.1", "11.1.0", true }, { ">=11.1", "11.0.9", false }, { "=>1.1", "1.1.0", true },
		/* tilde */
		{ "~1.2.3", "1.2.9", true }, { "~1.2.3", "1.2.2", false }, { "~1.2.3", "1.3.0", false },
		{ "~1.2", "1.2.0", true }, { "~1.2", "1.3.0", false }, { "~1", "1.9.0", true },
		{ "~1", "2.0.0", false }, { "~>1.2", "1.2.5", true }, { "~1.x", "1.4.0", true },
		{ "~0.2.3", "0.2.9", true }, { "~0.2.3", "0.3.0", false }, { "~*", "2.1.1", true },
		{ "~0.0.0", "1.2.3", true },
		/* caret */
		{ "^1.2.3", "1.8.9", true }, { "^1.2.3", "2.0.0", false }, { "^1.2.3", "1.2.2", false },
		{ "^1.2", "1.2.0", true }, { "^1", "1.9.9", true }, { "^1", "2.0.0", false },
		{ "^0.2.3", "0.2.9", true }, { "^0.2.3", "0.3.0", false }, { "^0.2.3", "0.2.2", false },
		{ "^0.2", "0.2.0", true }, { "^0.2", "0.3.0", false }, { "^0.0.3", "0.0.3", true },
		{ "^0.0.3", "0.0.4", false }, { "^0.0", "0.0.9", true }, { "^0.0", "0.1.0", false },
		{ "^0", "0.9.9", true }, { "^0", "1.0.0", false }, { "^1.x", "1.1.1", true },
		{ "^2.x", "1.1.1", false }, { "^0.0.0", "1.2.3", false },
		/* AND with spaces or commas, OR with || */
		{ ">1.1, <2", "1.2.1", true }, { ">1.1, <2", "1.1.1", false }, { ">1.1 <2", "1.2.1", true },
		{ ">1.1    <3", "4.3.2", false }, { ">=1.1, <2, !=1.2.3", "1.2.3", false },
		{ ">=1.1 <2 !=1.2.3", "1.2.4", true }, { ">=1.1, <2, !=1.2.3 || > 3", "4.1.2", true },
		{ ">=1.1, <2, !=1.2.3 || > 3", "3.0.0", false }, { ">=1.1 <2 !=1.2.3 || >= 3", "3.0.0", true },
		{ "> 1.1, <     2", "1.1.1", false }, { ">   1.1, <2", "1.2.1", true },
		{ "\t>=1.0.0\n<2.0.0 ", "1.5.0", true },
		/* hyphen ranges */
		{ "1.1 - 2", "1.1.1", true }, { "1.1 - 2", "2.9.9", true }, { "1.1 - 2", "3.0.0", false },
		{ "1.5.0 - 4.5", "4.5.9", true }, { "1.2 - 1.4.5", "1.4.5", true }, { "1.2 - 1.4.5", "1.4.6", false },
		{ "1.2 - 1.4.5", "1.1.9", false }, { "3 - 4 || => 3.0, < 4", "4.9.0", true },
		{ "1.1-3", "4.3.2", false },
		/* pre-releases only where a comparator of the group has one (the "-0" convention) */
		{ "*", "1.2.3-alpha.1", false }, { "*-0", "1.2.3-alpha.1", true }, { ">=1.1", "4.1.0-beta", false },
		{ ">=1.2.0-0", "1.2.1-rc.1", true }, { ">=1.2.0-0", "1.2.0-rc.1", true },
		{ ">=1.2.0-0 <1.3.0", "1.2.1-rc.1", true }, { ">=1.2.0 <1.3.0-0", "1.2.1-rc.1", true },
		{ ">=1.2.0 <1.3.0 || >=2.0.0-0", "1.2.1-rc.1", false },
		{ ">=1.2.0 <1.3.0 || >=2.0.0-0", "2.1.0-rc.1", true }, { "<=1.1-a", "0.1.0-alpha", true },
		{ ">1.2.3-alpha.1", "1.2.3-alpha.2", true }, { ">1.2.3-alpha.1", "1.2.3-alpha.0", false },
		{ ">0.0.0-0", "0.0.0-alpha", true }, { ">0-0", "0.0.1-alpha", false }, { ">=0-0", "0.0.1-alpha", true },
		{ "<0-z", "0.0.0-alpha", true }, { "~1.2.3-beta.2", "1.2.3-beta.4", true },
		{ "~1.2.3-beta.2", "1.2.4-beta.2", true }, { "~1.2.3-beta.2", "1.3.4-beta.2", false },
		{ "^1.2.0-alpha.0", "1.2.1-alpha.1", true }, { "^1.2.0-alpha.2", "1.2.0-alpha.1", false },
		{ "^0.2.3-beta.2", "0.2.4-beta.2", true }, { "^0.2.3-beta.2", "0.3.4-beta.2", false },
		{ "^1.1.2-alpha", "1.2.1-beta1", true }, { "!=4.1-alpha", "4.1.0-alpha", false },
		{ "!=4.1-alpha", "4.1.1-alpha", false }, { "!=4.1-alpha", "4.1.0", true },
		{ ">= 1.0.0  <= 2.0.0-beta", "1.0.1-beta", true },
		{ ">= 1.0.0  <= 2.0.0-beta != 1.0.1-beta || > 3", "1.0.1-beta", false },
		{ ">= 1.0.0  <= 2.0.0-beta || > 3", "3.0.1-beta", false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		if (check(cases[i].constraint, cases[i].version) != cases[i].want)
			fail_msg("'%s' vs %s: expected %s", cases[i].constraint, cases[i].version,
				 cases[i].want ? "match" : "no match");
	}
}

static void test_constraint_errors(void **state)
{
	static const struct {
		const char *constraint, *why;
	} cases[] = {
		{ "foo", "improper constraint: \"foo\"" },
		{ "", "improper constraint: \"\"" },
		{ ">= bar", "improper constraint: \">= bar\"" },
		{ "BAR >= 1.2.3", "improper constraint: \"BAR >= 1.2.3\"" },
		{ "12.3.4.1234", "improper constraint: \"12.3.4.1234\"" },
		{ "12.3.34~ 1.2.3", "improper constraint: \"12.3.34~ 1.2.3\"" },
		{ ">=1.0 || ", "improper constraint: \" \"" },
		{ ">=1.0,,<2", "improper constraint: \">=1.0,,<2\"" },
		{ "==1.0", "improper constraint: \"==1.0\"" },
		{ "<>1.0", "improper constraint: \"<>1.0\"" },
		{ "1.0\t&", "improper constraint: \"1.0\\t&\"" },
		{ ">1.2 - 1.4", "improper constraint: \">>= 1.2, <= 1.4 \"" },
		{ "v1.2.3-beta.01", "constraint parser error" },
		{ "1x.2", "constraint parser error" },
		{ "1.2 | 1.3", "constraint parser error" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct semver_constraint *c = (struct semver_constraint *)&c;
		struct ferry_err e;
		char *want = xasprintf("semver '%s' parse error: %s", cases[i].constraint, cases[i].why);

		ferr_clear(&e);
		assert_int_equal(semver_constraint_parse(cases[i].constraint, &c, &e), -1);
		assert_null(c);
		assert_string_equal(e.reason, "ReadOperationFailed");
		assert_string_equal(e.msg, want);
		free(want);
	}
}

static char *select_tag(const char *const *tags, size_t n, const char *constraint, const char *filter,
			struct ferry_err *e)
{
	char *tag = NULL;

	ferr_clear(e);
	if (semver_select((char *const *)tags, n, constraint, filter, &tag, e) < 0) {
		assert_null(tag);
		return NULL;
	}
	return tag;
}

static void expect_select(const char *const *tags, size_t n, const char *constraint, const char *filter,
			  const char *want)
{
	struct ferry_err e;
	char *tag = select_tag(tags, n, constraint, filter, &e);

	if (!tag)
		fail_msg("%s: %s", constraint, e.msg);
	if (strcmp(tag, want))
		fail_msg("'%s' (filter %s): got %s, want %s", constraint, filter ? filter : "-", tag, want);
	free(tag);
}

static void expect_select_error(const char *const *tags, size_t n, const char *constraint, const char *filter,
				const char *want)
{
	struct ferry_err e;
	char *tag = select_tag(tags, n, constraint, filter, &e);

	assert_null(tag);
	assert_string_equal(e.reason, "ReadOperationFailed");
	assert_string_equal(e.msg, want);
}

static void test_select(void **state)
{
	static const char *const tags[] = {
		"latest", "1.0.0", "v1.0.0", "1.0.5", "v1.2.0", "1.3.0-rc.1", "1.3.0-rc.2", "2.0.0",
		"2.0", "sha-1234", "1.2.0+build.2", "3.0.0-beta.1",
	};
	const size_t n = ARRAY_SIZE(tags);

	expect_select(tags, n, ">=1.0.0 <2.0.0", NULL, "1.2.0+build.2");
	expect_select(tags, n, ">=1.0.0 <2.0.0", "", "1.2.0+build.2");
	expect_select(tags, n, "1.0.x", NULL, "1.0.5");
	expect_select(tags, n, "*", NULL, "2.0.0");
	expect_select(tags, n, ">=1.3.0-0 <2.0.0", NULL, "1.3.0-rc.2");
	expect_select(tags, n, ">=1.3.0-0", NULL, "3.0.0-beta.1");
	expect_select(tags, n, ">=1.0.0-0", "^1\\.3\\.0-rc\\.1$", "1.3.0-rc.1");
	expect_select(tags, n, "^1", "^v", "v1.2.0");
	expect_select(tags, n, "~1.0", "(?i)^V1", "v1.0.0");
	expect_select_error(tags, n, ">=4.0.0", NULL, "no match found for semver: >=4.0.0");
	expect_select_error(tags, n, "*", "^release-", "no match found for semver: *");
	expect_select_error(tags, n, "bad", NULL, "semver 'bad' parse error: improper constraint: \"bad\"");
	/* the filter is compiled first, as in Flux */
	expect_select_error(tags, n, "bad", "(", "error parsing regexp: missing closing ): `(`");
	expect_select_error(tags, 0, "*", NULL, "no match found for semver: *");
}

static void test_select_tie_break(void **state)
{
	static const char *const v_first[] = { "v1.0.0", "1.0.0" };
	static const char *const v_last[] = { "1.0.0", "v1.0.0" };
	static const char *const meta[] = { "1.0.0+b", "v1.0.0+a", "1.0.0+a", "0.9.0" };
	static const char *const only_v[] = { "v1.0.0+2", "v1.0.0+10" };

	expect_select(v_first, 2, "*", NULL, "1.0.0");
	expect_select(v_last, 2, "*", NULL, "1.0.0");
	expect_select(meta, 4, ">=0.1", NULL, "1.0.0+a");
	expect_select(only_v, 2, "1", NULL, "v1.0.0+10");
}

static void test_goregex(void **state)
{
	static const struct {
		const char *re, *text;
		bool want;
	} cases[] = {
		{ "^v?\\d+\\.\\d+\\.\\d+$", "v1.2.3", true }, { "^v?\\d+\\.\\d+\\.\\d+$", "1.2.3", true },
		{ "^v?\\d+\\.\\d+\\.\\d+$", "1.2.3-rc.1", false }, { "^v?\\d+\\.\\d+\\.\\d+$", "1x2.3", false },
		{ "-rc\\.\\d+$", "1.0.0-rc.12", true }, { "(?i)^V1", "v1.0", true }, { "^V1", "v1.0", false },
		{ "a(?i:B)c", "abc", true }, { "a(?i:B)c", "abC", false }, { "(?i)a(?-i:b)", "Ab", true },
		{ "(?i)a(?-i:b)", "AB", false }, { "^1\\.(2|3)\\.", "1.3.0", true }, { "^1\\.(2|3)\\.", "1.4.0", false },
		{ "^[\\w.-]+$", "a_b.c-d", true }, { "^[\\w.-]+$", "a b", false }, { "^\\S+$", "a b", false },
		{ "^\\D+$", "abc", true }, { "^\\D+$", "a1", false }, { "^\\s$", "\t", true },
		{ "^a{2,3}$", "aa", true }, { "^a{2,3}$", "aaaa", false }, { "^a{2}$", "aa", true },
		{ "^a{2,}$", "aaaaa", true }, { "^a{2,}$", "a", false }, { "^a{,2}$", "a{,2}", true },
		{ "^a{$", "a{", true }, { "^a}$", "a}", true }, { "\\Qa.b\\E", "xa.by", true },
		{ "\\Qa.b\\E", "axb", false }, { "^(?:ab)+$", "abab", true }, { "^(?P<x>\\d+)$", "5", true },
		{ "^(?<x>\\d+)$", "5", true }, { "^x*?y$", "xxy", true }, { "^x+?y??$", "xx", true },
		{ "^[]a]+$", "]a]", true }, { "^[a-]+$", "-a", true }, { "^[\\^x]+$", "^x", true },
		{ "^[^^]$", "a", true }, { "^[^^]$", "^", false }, { "^[\\]]$", "]", true }, { "^[\\[]$", "[", true },
		{ "^[\\-z]$", "-", true }, { "^[.]$", "a", false }, { "^\\x41\\x{42}$", "AB", true },
		{ "^\\101$", "A", true }, { "^[[:digit:]]+$", "42", true }, { "^[[:^alpha:]]+$", "42", true },
		{ "^[[:^alpha:]]+$", "a", false }, { "^$", "", true }, { "^a|b$", "xb", true }, { "\\ba\\b", "x a y", true },
		{ "\\Aab\\z", "ab", true }, { "\\Aab\\z", "abc", false }, { "^a\\+b$", "a+b", true },
		{ "^a\\/b$", "a/b", true }, { "^a\\tb$", "a\tb", true }, { "^(a|)$", "", true }, { "^é+$", "éé", true },
		{ "(?s:.)", "a", true }, { "(?U)a+", "a", true }, { "^[a-c]+$", "cab", true }, { "^[a-c]+$", "cad", false },
	};
	static const struct {
		const char *re, *msg;
	} errors[] = {
		{ "(", "error parsing regexp: missing closing ): `(`" },
		{ "a(b", "error parsing regexp: missing closing ): `a(b`" },
		{ ")", "error parsing regexp: unexpected ): `)`" },
		{ "a**", "error parsing regexp: invalid nested repetition operator: `**`" },
		{ "a+*?", "error parsing regexp: invalid nested repetition operator: `+*?`" },
		{ "*a", "error parsing regexp: missing argument to repetition operator: `*`" },
		{ "a|?", "error parsing regexp: missing argument to repetition operator: `?`" },
		{ "a{1001}", "error parsing regexp: invalid repeat count: `{1001}`" },
		{ "a{3,2}", "error parsing regexp: invalid repeat count: `{3,2}`" },
		{ "(a{100}){100}", "error parsing regexp: expression too large" },
		{ "\\p{L}", "error parsing regexp: Unicode classes are not supported: `\\p`" },
		{ "[a", "error parsing regexp: missing closing ]: `[a`" },
		{ "[z-a]", "error parsing regexp: invalid character class range: `z-a`" },
		{ "[[:foo:]]", "error parsing regexp: invalid character class range: `[:foo:]`" },
		{ "(?=a)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`" },
		{ "(?P=x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?P=`" },
		{ "\\1", "error parsing regexp: invalid escape sequence: `\\1`" },
		{ "\\k", "error parsing regexp: invalid escape sequence: `\\k`" },
		{ "a\\", "error parsing regexp: trailing backslash at end of expression: ``" },
		{ "[é]", "error parsing regexp: non-ASCII characters in a character class are not supported: `[é]`" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cfg_goregex rx;
		struct ferry_err e;

		ferr_clear(&e);
		if (cfg_goregex_compile(cases[i].re, &rx, &e) < 0)
			fail_msg("%s: %s", cases[i].re, e.msg);
		if (cfg_goregex_match(&rx, cases[i].text) != cases[i].want)
			fail_msg("/%s/ on '%s': expected %s", cases[i].re, cases[i].text,
				 cases[i].want ? "match" : "no match");
		cfg_goregex_free(&rx);
	}
	for (size_t i = 0; i < ARRAY_SIZE(errors); i++) {
		struct cfg_goregex rx;
		struct ferry_err e;

		ferr_clear(&e);
		if (cfg_goregex_compile(errors[i].re, &rx, &e) == 0)
			fail_msg("/%s/ compiled", errors[i].re);
		assert_string_equal(e.msg, errors[i].msg);
	}
}

static void test_bounds(void **state)
{
	char *long_constraint = xmalloc(LIMIT_SEMVER_CONSTRAINT_LEN + 2), *want;
	char *long_regex = xmalloc(LIMIT_REGEX_LEN + 2);
	struct semver_constraint *c;
	struct cfg_goregex rx;
	struct ferry_err e;

	memset(long_constraint, ' ', LIMIT_SEMVER_CONSTRAINT_LEN + 1);
	long_constraint[0] = '1';
	long_constraint[LIMIT_SEMVER_CONSTRAINT_LEN + 1] = '\0';
	assert_int_equal(semver_constraint_parse(long_constraint, &c, &e), -1);
	want = xasprintf("semver '%s' parse error: constraint is longer than 1024 characters", long_constraint);
	assert_string_equal(e.msg, want);
	free(want);
	long_constraint[LIMIT_SEMVER_CONSTRAINT_LEN] = '\0';
	assert_int_equal(semver_constraint_parse(long_constraint, &c, &e), 0);
	semver_constraint_free(c);

	memset(long_regex, 'a', LIMIT_REGEX_LEN + 1);
	long_regex[LIMIT_REGEX_LEN + 1] = '\0';
	assert_int_equal(cfg_goregex_compile(long_regex, &rx, &e), -1);
	assert_string_equal(e.msg, "error parsing regexp: expression longer than 1024 characters");
	free(long_constraint);
	free(long_regex);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_versions),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_constraints),
		cmocka_unit_test(test_constraint_errors),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_select_tie_break),
		cmocka_unit_test(test_goregex),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
