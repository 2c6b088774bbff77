/* test-config-yaml.c - the YAML layer: core-schema scalars, positions, anchors and merge keys,
 * and the bounds that make hostile files (billion laughs, deep nesting, huge documents) fail fast. */
#include "unit.h"

#include <time.h>

#include "config-helpers.h"
#include "config/ynode.h"
#include "util/buf.h"
#include "util/limits.h"

/* A compact, typed rendering of a tree: {k:v}, [a,b], null, true, i42, f1.5, "s". */
static void render(struct buf *b, const struct cfg_ynode *n)
{
	switch (n->type) {
	case CFG_YNULL: buf_append_str(b, "null"); break;
	case CFG_YBOOL: buf_append_str(b, n->boolean ? "true" : "false"); break;
	case CFG_YINT: buf_printf(b, "i%lld", (long long)n->integer); break;
	case CFG_YFLOAT: buf_printf(b, "f%g", n->number); break;
	case CFG_YSTR: buf_printf(b, "\"%s\"", n->text); break;
	case CFG_YSEQ:
		buf_append_str(b, "[");
		for (size_t i = 0; i < n->n_kids; i++) {
			if (i)
				buf_append_str(b, ",");
			render(b, n->kids[i]);
		}
		buf_append_str(b, "]");
		break;
	case CFG_YMAP:
		buf_append_str(b, "{");
		for (size_t i = 0; i < cfg_ymap_size(n); i++) {
			if (i)
				buf_append_str(b, ",");
			buf_printf(b, "%s:", cfg_ymap_key(n, i)->text);
			render(b, cfg_ymap_value(n, i));
		}
		buf_append_str(b, "}");
		break;
	}
}

struct capture {
	struct buf out;
	int docs;
};

static int capture_doc(void *ctx, const struct cfg_ynode *root)
{
	struct capture *c = ctx;

	if (c->docs++)
		buf_append_str(&c->out, " | ");
	render(&c->out, root);
	return 0;
}

/* Rendering of all documents, or "error L:C: msg". Caller frees. */
static char *parse(const char *yaml)
{
	struct capture c = { BUF_INIT(0), 0 };
	struct cfg_yerr err;

	if (cfg_yaml_parse(yaml, strlen(yaml), capture_doc, &c, &err) < 0) {
		buf_free(&c.out);
		return xasprintf("error %d:%d: %s", err.line, err.column, err.msg);
	}
	return buf_steal(&c.out, NULL);
}

static void expect_parse(const char *yaml, const char *want)
{
	char *got = parse(yaml);

	if (strcmp(got, want))
		fail_msg("%s\n  got:  %s\n  want: %s", yaml, got, want);
	free(got);
}

static void test_core_schema(void **state)
{
	static const struct {
		const char *value, *want;
	} cases[] = {
		{ "~", "null" }, { "null", "null" }, { "Null", "null" }, { "NULL", "null" }, { "", "null" },
		{ "true", "true" }, { "True", "true" }, { "FALSE", "false" },
		{ "yes", "\"yes\"" }, { "on", "\"on\"" }, { "n", "\"n\"" },
		{ "42", "i42" }, { "-7", "i-7" }, { "+3", "i3" }, { "017", "i17" }, { "0o17", "i15" },
		{ "0x1F", "i31" }, { "0x", "\"0x\"" }, { "1_000", "\"1_000\"" },
		{ "9223372036854775807", "i9223372036854775807" }, { "9223372036854775808", "f9.22337e+18" },
		{ "1.5", "f1.5" }, { ".5", "f0.5" }, { "1e3", "f1000" }, { "-1.5E-1", "f-0.15" }, { "1.", "f1" },
		{ "-.inf", "f-inf" }, { ".NaN", "fnan" }, { "1.2.3", "\"1.2.3\"" }, { "5m", "\"5m\"" },
		{ "'42'", "\"42\"" }, { "\"true\"", "\"true\"" }, { "'~'", "\"~\"" }, { "!!str 5", "\"5\"" },
		{ "!!int '7'", "i7" }, { "!!float 2", "f2" }, { "! 5", "\"5\"" }, { "\"a\\tb\"", "\"a\tb\"" },
		{ "|\n  x\n  y", "\"x\ny\"" }, { ">\n  x\n  y\n", "\"x y\n\"" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *yaml = xasprintf("v: %s", cases[i].value);
		char *want = xasprintf("{v:%s}", cases[i].want);
		expect_parse(yaml, want);
		free(yaml);
		free(want);
	}
	expect_parse("v: !!bool yes", "error 1:4: cannot read \"yes\" as a YAML boolean");
	expect_parse("v: !foo bar", "error 1:4: unsupported YAML tag !foo");
	expect_parse("v: !!set {a: b}", "error 1:4: unsupported YAML tag tag:yaml.org,2002:set");
	expect_parse("1: one\n2.5: two\ntrue: three\n", "{1:\"one\",2.5:\"two\",true:\"three\"}");
}

static void test_positions(void **state)
{
	struct cfg_set *set = load_yaml("# comment\n\n"
					"apiVersion: source.toolkit.fluxcd.io/v1\n"
					"kind: OCIRepository\n"
					"metadata: {name: app, labels: {é: 'ü'}}\n"
					"spec:\n"
					"    url: \"oci://ghcr.io/org/app\"\n"
					"    interval: |-\n"
					"      5 minutes\n");

	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:8:15: spec.interval: \"5 minutes\" is not a duration");
	assert_int_equal(set->sources[0]->loc.line, 3);
	assert_int_equal(set->n_diags, 1);
	cfg_set_free(set);

	set = load_yaml("apiVersion: v1\nkind: Namespace\nmetadata: {name: s, labels: {é: 1}}\n");
	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:3:33: metadata.labels[é]: expected string, got integer 1 "
					 "(quote it to make it a string)");
	cfg_set_free(set);
}

static void test_anchors_and_merge(void **state)
{
	expect_parse("base: &b {interval: 5m, url: x}\n"
		     "copy: *b\n"
		     "merged:\n"
		     "  <<: *b\n"
		     "  interval: 1m\n"
		     "list: [*b, &s scalar, *s]\n",
		     "{base:{interval:\"5m\",url:\"x\"},copy:{interval:\"5m\",url:\"x\"},"
		     "merged:{interval:\"1m\",url:\"x\"},list:[{interval:\"5m\",url:\"x\"},\"scalar\",\"scalar\"]}");
	/* earlier mappings of a merge list win; explicit keys win over all */
	expect_parse("a: &a {k: a, only_a: 1}\nb: &b {k: b, only_b: 2}\nm: {z: 0, <<: [*a, *b]}\n",
		     "{a:{k:\"a\",only_a:i1},b:{k:\"b\",only_b:i2},m:{z:i0,k:\"a\",only_a:i1,only_b:i2}}");
	expect_parse("m: {'<<': {a: 1}}\n", "{m:{<<:{a:i1}}}");
	expect_parse("m: {<<: 5}\n", "error 1:5: map merge requires a mapping or a sequence of mappings as the value");
	expect_parse("a: *nope\n", "error 1:4: unknown anchor \"nope\" referenced");
	expect_parse("a: &x [1, *x]\n", "error 1:11: anchor \"x\" value contains itself");
	/* an anchor may be redefined; an alias uses the latest definition */
	expect_parse("a: &x 1\nb: &x 2\nc: *x\n", "{a:i1,b:i2,c:i2}");
}

static void test_mapping_rules(void **state)
{
	expect_parse("a: 1\nb: 2\na: 3\n", "error 3:1: mapping key \"a\" already defined at line 1");
	expect_parse("? [a]\n: b\n", "error 1:3: mapping keys must be strings");
	expect_parse("a: \"x\\0y\"\n", "error 1:4: NUL characters are not allowed in values");
	expect_parse("---\n---\na: 1\n--- ~\n...\n---\n# only a comment\n", "{a:i1}");
	expect_parse("", "");
}

static void test_syntax_errors(void **state)
{
	struct cfg_set *set;

	expect_parse("a: b: c\n", "error 1:5: mapping values are not allowed in this context");
	expect_parse("a: [1, 2\n", "error 2:1: while parsing a flow sequence did not find expected ',' or ']'");
	expect_parse("a: \xff\n", "error 1:4: invalid leading UTF-8 octet");

	/* documents before a syntax error are kept */
	set = load_yaml("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n---\nkind: [\n");
	assert_int_equal(set->n_secrets, 1);
	assert_int_equal(set->n_errors, 1);
	assert_true(any_diag_contains(set, "ferry.yaml:6:1: "));
	cfg_set_free(set);
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void test_billion_laughs(void **state)
{
	const char *lol =
		"a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
		"h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
		"i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
	struct timespec start;
	struct cfg_set *set;

	clock_gettime(CLOCK_MONOTONIC, &start);
	set = load_yaml(lol);
	assert_true(seconds_since(&start) < 1.0);
	assert_int_equal(set->n_errors, 1);
	expect_diag(set, CFG_DIAG_ERROR,
		    "ferry.yaml:6:8: document has more than 100000 nodes (aliases expanded); refusing to load it");
	cfg_set_free(set);
}

static void test_limits(void **state)
{
	struct buf b = BUF_INIT(0);
	struct timespec start;
	char *text, *got;

	/* flow nesting far beyond the bound fails at the first level too many */
	for (int i = 0; i < 100000; i++)
		buf_append_str(&b, "[");
	clock_gettime(CLOCK_MONOTONIC, &start);
	got = parse(buf_cstr(&b));
	assert_true(seconds_since(&start) < 1.0);
	assert_string_equal(got, "error 1:33: nesting deeper than 32 levels; refusing to load it");
	free(got);
	buf_free(&b);

	/* exactly LIMIT_YAML_DEPTH levels are fine */
	for (int i = 0; i < LIMIT_YAML_DEPTH; i++)
		buf_append_str(&b, "[");
	for (int i = 0; i < LIMIT_YAML_DEPTH; i++)
		buf_append_str(&b, "]");
	got = parse(buf_cstr(&b));
	assert_string_equal(got, buf_cstr(&b));
	free(got);
	buf_free(&b);

	/* an alias cannot smuggle in depth either */
	buf_append_str(&b, "a: &deep ");
	for (int i = 0; i < 20; i++)
		buf_append_str(&b, "[");
	for (int i = 0; i < 20; i++)
		buf_append_str(&b, "]");
	buf_append_str(&b, "\nb: [[[[[[[[[[[[*deep]]]]]]]]]]]]\n");
	got = parse(buf_cstr(&b));
	assert_string_equal(got, "error 2:16: nesting deeper than 32 levels (aliases expanded); refusing to load it");
	free(got);
	buf_free(&b);

	/* large merges stay fast: merged keys are deduplicated by sorting, not pairwise */
	buf_append_str(&b, "base: &b {");
	for (int i = 0; i < 20000; i++)
		buf_printf(&b, "%sk%d: 0", i ? ", " : "", i);
	buf_append_str(&b, "}\nm1: {<<: *b, k7: 1}\n");
	clock_gettime(CLOCK_MONOTONIC, &start);
	got = parse(buf_cstr(&b));
	assert_true(seconds_since(&start) < 2.0);
	assert_non_null(strstr(got, ",m1:{k7:i1,k0:i0,k1:i0,k2:i0,"));
	assert_null(strstr(strstr(got, ",m1:{"), "k7:i0"));
	free(got);
	buf_free(&b);

	/* node count */
	buf_append_str(&b, "[0");
	for (int i = 0; i < LIMIT_YAML_NODES; i++)
		buf_append_str(&b, ",0");
	buf_append_str(&b, "]");
	got = parse(buf_cstr(&b));
	assert_non_null(strstr(got, "document has more than 100000 nodes"));
	free(got);
	buf_free(&b);

	/* documents per file */
	for (int i = 0; i <= LIMIT_CONFIG_DOCUMENTS; i++)
		buf_append_str(&b, "---\na: 1\n");
	got = parse(buf_cstr(&b));
	text = xasprintf("error %d:1: more than %d documents in one file", 2 * LIMIT_CONFIG_DOCUMENTS + 1,
			 LIMIT_CONFIG_DOCUMENTS);
	assert_string_equal(got, text);
	free(text);
	free(got);
	buf_free(&b);

	/* anchors per document */
	for (int i = 0; i <= LIMIT_YAML_ANCHORS; i++)
		buf_printf(&b, "k%d: &a%d v\n", i, i);
	got = parse(buf_cstr(&b));
	text = xasprintf("error %d:%d: document defines more than %d anchors", LIMIT_YAML_ANCHORS + 1,
			 (int)strlen("k256: ") + 1, LIMIT_YAML_ANCHORS);
	assert_string_equal(got, text);
	free(text);
	free(got);
	buf_free(&b);
}

static void test_file_size_limit(void **state)
{
	size_t len = LIMIT_CONFIG_FILE_BYTES + 1;
	char *text = xmalloc(len + 1);
	struct cfg_set *set = NULL;
	struct ferry_err e;

	memset(text, '#', len);
	text[len] = '\0';
	assert_int_equal(cfg_load_text("big.yaml", text, len, &set, &e), 0);
	expect_diag(set, CFG_DIAG_ERROR, "big.yaml: file is larger than 4194304 bytes; not read");
	cfg_set_free(set);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_schema),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_anchors_and_merge),
		cmocka_unit_test(test_mapping_rules),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_file_size_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
