/* test-ignore.c - spec.ignore: .gitignore semantics of ignore_parse/ignore_match. */
#include "unit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact/ignore.h"
#include "util/err.h"
#include "util/limits.h"
#include "util/mem.h"

struct ignore_case {
	const char *patterns;
	const char *path;
	bool is_dir;
	bool ignored;
};

/* Verdicts as `git check-ignore --no-index` gives them for a .gitignore at the root. */
static const struct ignore_case cases[] = {
	/* plain names match at any depth, files and directories */
	{ "foo", "foo", false, true },
	{ "foo", "a/b/foo", false, true },
	{ "foo", "foo", true, true },
	{ "foo", "foobar", false, false },
	{ "foo", "a/foo/bar.txt", false, true },
	/* blank lines and comments */
	{ "\n\n# foo\n", "foo", false, false },
	{ "# comment\n\nfoo\n", "foo", false, true },
	{ "\\#foo", "#foo", false, true },
	{ "#foo", "#foo", false, false },
	/* trailing spaces trimmed unless escaped */
	{ "foo   ", "foo", false, true },
	{ "foo\\ ", "foo ", false, true },
	{ "foo\\ ", "foo", false, false },
	/* CRLF input */
	{ "foo\r\nbar\r\n", "bar", false, true },
	/* negation, last match wins */
	{ "*.log\n!keep.log", "keep.log", false, false },
	{ "*.log\n!keep.log", "other.log", false, true },
	{ "!keep.log\n*.log", "keep.log", false, true },
	{ "\\!important", "!important", false, true },
	/* directory-only patterns */
	{ "build/", "build", true, true },
	{ "build/", "build", false, false },
	{ "build/", "src/build", true, true },
	{ "build/", "build/out.bin", false, true },
	{ "build/", "src/build/x/y", false, true },
	/* a file below an excluded directory cannot be re-included */
	{ "build/\n!build/keep", "build/keep", false, true },
	/* but re-including a file excluded by a glob on the contents works */
	{ "build/*\n!build/keep", "build/keep", false, false },
	{ "build/*\n!build/keep", "build/other", false, true },
	{ "build/*\n!build/keep", "build", true, false },
	/* anchoring: leading or inner slash */
	{ "/foo", "foo", false, true },
	{ "/foo", "a/foo", false, false },
	{ "a/b", "a/b", false, true },
	{ "a/b", "x/a/b", false, false },
	{ "doc/*.txt", "doc/notes.txt", false, true },
	{ "doc/*.txt", "doc/server/arch.txt", false, false },
	{ "/build/", "build", true, true },
	{ "/build/", "sub/build", true, false },
	/* wildcards do not cross '/' */
	{ "*.txt", "a/b/c.txt", false, true },
	{ "a*c", "abc", false, true },
	{ "a*c", "ac", false, true },
	{ "a/*c", "a/b/c", false, false },
	{ "a?c", "abc", false, true },
	{ "a?c", "ac", false, false },
	{ "a/?/c", "a/b/c", false, true },
	{ "a?b", "a/b", false, false },
	/* classes */
	{ "file[0-9].txt", "file7.txt", false, true },
	{ "file[0-9].txt", "filex.txt", false, false },
	{ "file[!0-9].txt", "filex.txt", false, true },
	{ "file[^0-9].txt", "file7.txt", false, false },
	{ "[]]", "]", false, true },
	{ "[a-]", "-", false, true },
	{ "x[[:digit:]]", "x5", false, true },
	{ "x[[:digit:]]", "xa", false, false },
	{ "a[/]b", "a/b", false, false },
	{ "file[0-9", "file[0-9", false, false },
	/* escapes */
	{ "\\*", "*", false, true },
	{ "\\*", "x", false, false },
	{ "a\\?", "a?", false, true },
	{ "a\\?", "ab", false, false },
	/* "**" forms */
	{ "**/foo", "foo", false, true },
	{ "**/foo", "a/b/foo", false, true },
	{ "**/foo/bar", "x/foo/bar", false, true },
	{ "**/foo/bar", "foo/bar", false, true },
	{ "abc/**", "abc/x", false, true },
	{ "abc/**", "abc/x/y/z", false, true },
	{ "abc/**", "abc", true, false },
	{ "abc/**", "x/abc/y", false, false },
	{ "a/**/b", "a/b", false, true },
	{ "a/**/b", "a/x/b", false, true },
	{ "a/**/b", "a/x/y/b", false, true },
	{ "a/**/b", "a/xb", false, false },
	{ "a/**/b", "b", false, false },
	{ "**", "anything/at/all", false, true },
	{ "a**b", "axxb", false, true },
	{ "a**b", "ax/xb", false, false },
	{ "/**/x", "x", false, true },
	{ "/**/x", "p/q/x", false, true },
	/* dotfiles are ordinary names */
	{ "*", ".hidden", false, true },
	{ ".git/", ".git/config", false, true },
	/* empty patterns are no patterns */
	{ "!", "x", false, false },
	{ "/", "x", true, false },
};

static void test_gitignore_table(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ignore_rules *r = NULL;
		struct ferry_err e;
		bool got;

		ferr_clear(&e);
		assert_int_equal(ignore_parse(cases[i].patterns, &r, &e), 0);
		got = ignore_match(r, cases[i].path, cases[i].is_dir);
		if (got != cases[i].ignored)
			fail_msg("patterns \"%s\" path \"%s\"%s: expected %s, got %s", cases[i].patterns,
				 cases[i].path, cases[i].is_dir ? " (dir)" : "",
				 cases[i].ignored ? "ignored" : "kept", got ? "ignored" : "kept");
		ignore_free(r);
	}
}

static void test_no_rules_ignore_nothing(void **state)
{
	struct ignore_rules *r = NULL;
	struct ferry_err e;

	assert_false(ignore_match(NULL, "a/b", false));
	assert_int_equal(ignore_parse("", &r, &e), 0);
	assert_false(ignore_match(r, ".git/config", false));
	assert_false(ignore_match(r, "x.jpg", false));
	ignore_free(r);
	assert_int_equal(ignore_parse(NULL, &r, &e), 0);
	assert_false(ignore_match(r, "x", false));
	ignore_free(r);
	ignore_free(NULL);
}

static char *repeat_lines(const char *line, size_t n)
{
	size_t l = strlen(line);
	char *text = xmalloc(n * (l + 1) + 1), *p = text;

	for (size_t i = 0; i < n; i++) {
		memcpy(p, line, l);
		p += l;
		*p++ = '\n';
	}
	*p = '\0';
	return text;
}

static void test_pattern_count_limit(void **state)
{
	struct ignore_rules *r = NULL;
	struct ferry_err e;
	char *ok = repeat_lines("*.tmp", LIMIT_IGNORE_PATTERNS);
	char *over = repeat_lines("*.tmp", LIMIT_IGNORE_PATTERNS + 1);
	char *comments = repeat_lines("# note", LIMIT_IGNORE_PATTERNS * 2);
	char expected[128];

	assert_int_equal(ignore_parse(ok, &r, &e), 0);
	assert_true(ignore_match(r, "x.tmp", false));
	ignore_free(r);

	ferr_clear(&e);
	assert_int_equal(ignore_parse(over, &r, &e), -1);
	assert_null(r);
	snprintf(expected, sizeof(expected), "more than %d patterns", LIMIT_IGNORE_PATTERNS);
	assert_string_equal(e.msg, expected);
	assert_string_equal(e.reason, "SourceIgnoreError");

	assert_int_equal(ignore_parse(comments, &r, &e), 0);
	ignore_free(r);
	free(ok);
	free(over);
	free(comments);
}

static void test_pattern_length_limit(void **state)
{
	struct ignore_rules *r = NULL;
	struct ferry_err e;
	char *text = xmalloc(LIMIT_IGNORE_PATTERN_LEN + 16);
	char expected[128];

	strcpy(text, "ok\n");
	memset(text + 3, 'a', LIMIT_IGNORE_PATTERN_LEN + 1);
	text[3 + LIMIT_IGNORE_PATTERN_LEN + 1] = '\0';
	assert_int_equal(ignore_parse(text, &r, &e), -1);
	snprintf(expected, sizeof(expected), "line 2: pattern longer than %d bytes",
		 LIMIT_IGNORE_PATTERN_LEN);
	assert_string_equal(e.msg, expected);
	free(text);
}

/* Many stars against a long near-miss: must finish quickly (no backtracking blow-up). */
static void test_many_stars_are_cheap(void **state)
{
	struct ignore_rules *r = NULL;
	struct ferry_err e;
	char pattern[512], path[1024];
	size_t n = 0;

	for (int i = 0; i < 100; i++) {
		pattern[n++] = '*';
		pattern[n++] = 'a';
	}
	pattern[n++] = 'b';
	pattern[n] = '\0';
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(ignore_parse(pattern, &r, &e), 0);
	assert_false(ignore_match(r, path, false));
	path[sizeof(path) - 2] = 'b';
	assert_true(ignore_match(r, path, false));
	ignore_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gitignore_table),
		cmocka_unit_test(test_no_rules_ignore_nothing),
		cmocka_unit_test(test_pattern_count_limit),
		cmocka_unit_test(test_pattern_length_limit),
		cmocka_unit_test(test_many_stars_are_cheap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
