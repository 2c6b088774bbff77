/* test-config-check.c - `ferryctl check`: options, diagnostics on stderr, the summary line,
 * secret references resolved within the namespace, exit codes. */
#include "unit.h"

#include "config-helpers.h"
#include "ctl/ctl.h"

struct run {
	int rc;
	char *out;
	char *err;
};

static char *slurp(FILE *f)
{
	long len;
	char *s;

	fflush(f);
	len = ftell(f);
	rewind(f);
	s = xmalloc((size_t)len + 1);
	assert_int_equal(fread(s, 1, (size_t)len, f), (size_t)len);
	s[len] = '\0';
	fclose(f);
	return s;
}

static struct run run_check(const char *config_dir, int argc, const char *const *args)
{
	struct ctl_globals g = { "/var/lib/ferry", config_dir, "/run/ferry/ferryd.sock", "table" };
	char *argv[8];
	FILE *out = tmpfile(), *err = tmpfile();
	int saved_out, saved_err;
	struct run r;

	assert_true(argc < 8);
	for (int i = 0; i < argc; i++)
		argv[i] = (char *)args[i];
	argv[argc] = NULL;
	assert_non_null(out);
	assert_non_null(err);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(fileno(out), STDOUT_FILENO);
	dup2(fileno(err), STDERR_FILENO);
	r.rc = ctl_check_main(&g, argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	fseek(out, 0, SEEK_END);
	fseek(err, 0, SEEK_END);
	r.out = slurp(out);
	r.err = slurp(err);
	return r;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

#define APP_SOURCE \
	"apiVersion: source.toolkit.fluxcd.io/v1\n" \
	"kind: OCIRepository\n" \
	"metadata:\n" \
	"  name: app\n" \
	"spec:\n" \
	"  url: oci://ghcr.io/org/app\n" \
	"  interval: 5m\n"

static void test_valid(void **state)
{
	char *dir = make_tmpdir();
	const char *args[] = { "check", "--config-dir", dir };
	struct run r;

	write_file(dir, "app.yaml", APP_SOURCE "  verify:\n    provider: notation\n    secretRef:\n      name: trust\n",
		   0644);
	write_file(dir, "trust.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: trust}\n"
				      "stringData: {trustpolicy.json: '{}'}\n", 0640);
	r = run_check("/nonexistent", 3, args);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "1 sources, 1 secrets: valid\n");
	assert_string_equal(r.err, "");
	run_free(&r);
	remove_tree(dir);
	free(dir);
}

static void test_missing_references(void **state)
{
	char *dir = make_tmpdir(), *want;
	const char *args[] = { "check" };
	struct run r;

	write_file(dir, "app.yaml", APP_SOURCE
		   "  colour: blue\n"
		   "  secretRef:\n    name: pull\n"
		   "  certSecretRef:\n    name: tls\n"
		   "  proxySecretRef:\n    name: proxy\n"
		   "  verify:\n    provider: notation\n    secretRef:\n      name: trust\n", 0644);
	/* tls exists, but in another namespace; proxy exists here; trust is invalid */
	write_file(dir, "secrets.yaml",
		   "apiVersion: v1\nkind: Secret\nmetadata: {name: tls, namespace: other}\n---\n"
		   "apiVersion: v1\nkind: Secret\nmetadata: {name: proxy}\nstringData: {address: 'http://p:3128'}\n---\n"
		   "apiVersion: v1\nkind: Secret\nmetadata: {name: trust}\ndata: {trustpolicy.json: '<BASE64>'}\n",
		   0600);
	r = run_check(dir, 1, args);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.out, "1 sources, 2 secrets: 4 errors\n");
	want = xasprintf("warning: %s/app.yaml:8:3: spec.colour: unknown field (ignored)\n"
			 "error: %s/secrets.yaml:13:26: data[trustpolicy.json]: illegal base64 data at input byte 0\n"
			 "error: %s/app.yaml:10:11: spec.secretRef: Secret default/pull not found\n"
			 "error: %s/app.yaml:12:11: spec.certSecretRef: Secret default/tls not found\n"
			 "error: %s/app.yaml:18:13: spec.verify.secretRef: Secret default/trust has errors and was not loaded\n",
			 dir, dir, dir, dir, dir);
	assert_string_equal(r.err, want);
	free(want);
	run_free(&r);
	remove_tree(dir);
	free(dir);
}

static void test_options(void **state)
{
	char *dir = make_tmpdir(), *opt = xasprintf("--config-dir=%s", dir);
	const char *eq[] = { "check", opt };
	const char *help[] = { "check", "--help" };
	const char *bogus[] = { "check", "--bogus" };
	const char *dangling[] = { "check", "--config-dir" };
	const char *missing[] = { "check", "--config-dir", "/nonexistent/ferry" };
	struct run r;

	write_file(dir, "app.yaml", APP_SOURCE, 0644);
	r = run_check("/nonexistent", 2, eq);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "1 sources, 0 secrets: valid\n");
	run_free(&r);

	r = run_check(dir, 2, help);
	assert_int_equal(r.rc, 0);
	assert_true(str_has_prefix(r.out, "Usage: ferryctl check [--config-dir DIR]\n"));
	run_free(&r);

	r = run_check(dir, 2, bogus);
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.out, "");
	assert_true(str_has_prefix(r.err, "ferryctl check: unexpected argument '--bogus'\nUsage: "));
	run_free(&r);

	r = run_check(dir, 2, dangling);
	assert_int_equal(r.rc, 2);
	assert_true(str_has_prefix(r.err, "ferryctl check: --config-dir needs a directory\n"));
	run_free(&r);

	r = run_check(dir, 3, missing);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "error: cannot read config directory '/nonexistent/ferry': No such file or directory\n");
	run_free(&r);

	free(opt);
	remove_tree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_missing_references),
		cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
