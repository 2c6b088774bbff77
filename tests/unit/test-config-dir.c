/* test-config-dir.c - cfg_load_dir: byte-wise path order, recursion, skip rules, symbolic links,
 * Secret file permissions, and the directory bounds. */
#include "unit.h"

#include "config-helpers.h"
#include "util/limits.h"

static char *source_doc(const char *name, const char *url)
{
	return xasprintf("apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: %s\n"
			 "spec:\n  url: %s\n  interval: 1m\n", name, url);
}

static void put_source(const char *dir, const char *rel, const char *name, const char *url)
{
	char *doc = source_doc(name, url);

	write_file(dir, rel, doc, 0644);
	free(doc);
}

static struct cfg_set *load_dir(const char *dir)
{
	struct cfg_set *set = NULL;
	struct ferry_err e;

	ferr_clear(&e);
	if (cfg_load_dir(dir, &set, &e) < 0)
		fail_msg("cfg_load_dir: %s", e.msg);
	return set;
}

static void test_order_and_skip_rules(void **state)
{
	char *dir = make_tmpdir(), *want, *second;
	struct cfg_set *set;

	put_source(dir, "a.yaml", "app", "oci://ghcr.io/first/app");
	put_source(dir, "a-b.yaml", "dup", "oci://ghcr.io/first/dup");
	put_source(dir, "b.yml", "b", "oci://ghcr.io/org/b");
	put_source(dir, "deep/er/c.yaml", "c", "oci://ghcr.io/org/c");
	{
		char *one = source_doc("app", "oci://ghcr.io/second/app");
		char *two = source_doc("dup", "oci://ghcr.io/second/dup");

		second = xasprintf("%s---\n%s", one, two);
		write_file(dir, "a/x.yaml", second, 0644);
		free(second);
		free(one);
		free(two);
	}
	/* none of these may be read */
	put_source(dir, ".hidden.yaml", "hidden", "oci://ghcr.io/org/x");
	put_source(dir, ".git/config.yaml", "git", "oci://ghcr.io/org/x");
	put_source(dir, "x.yaml~", "tilde", "oci://ghcr.io/org/x");
	put_source(dir, "x.yaml.dpkg-old", "dpkg-old", "oci://ghcr.io/org/x");
	put_source(dir, "x.yaml.dpkg-dist", "dpkg-dist", "oci://ghcr.io/org/x");
	put_source(dir, "x.yaml.rpmnew", "rpmnew", "oci://ghcr.io/org/x");
	put_source(dir, "x.yaml.rpmsave", "rpmsave", "oci://ghcr.io/org/x");
	put_source(dir, "x.dpkg-new.yaml", "dpkg-new", "oci://ghcr.io/org/x");
	put_source(dir, "notes.txt", "txt", "oci://ghcr.io/org/x");
	put_source(dir, "old.dpkg-bak/y.yaml", "in-dpkg-dir", "oci://ghcr.io/org/x");
	put_source(dir, "backup~/y.yaml", "in-tilde-dir", "oci://ghcr.io/org/x");

	set = load_dir(dir);
	assert_int_equal(set->n_sources, 4);
	assert_string_equal(set->sources[0]->name, "app");
	assert_string_equal(set->sources[1]->name, "b");
	assert_string_equal(set->sources[2]->name, "c");
	assert_string_equal(set->sources[3]->name, "dup");
	/* byte-wise path order: "a-b.yaml" < "a.yaml" < "a/x.yaml" (not directory by directory) */
	assert_string_equal(cfg_find_source(set, "default", "app")->url, "oci://ghcr.io/first/app");
	assert_string_equal(cfg_find_source(set, "default", "dup")->url, "oci://ghcr.io/first/dup");
	want = xasprintf("%s/a.yaml:1:1: OCIRepository default/app is also defined at %s/a/x.yaml:1:1", dir, dir);
	expect_diag(set, CFG_DIAG_ERROR, want);
	free(want);
	want = xasprintf("%s/a-b.yaml:1:1: OCIRepository default/dup is also defined at %s/a/x.yaml:9:1", dir, dir);
	expect_diag(set, CFG_DIAG_ERROR, want);
	free(want);
	assert_int_equal(set->n_diags, 2);
	want = xasprintf("%s/deep/er/c.yaml", dir);
	assert_string_equal(cfg_find_source(set, "default", "c")->loc.file, want);
	free(want);
	cfg_set_free(set);

	/* a trailing slash does not double up in file names */
	second = xasprintf("%s/", dir);
	set = load_dir(second);
	want = xasprintf("%s/b.yml", dir);
	assert_string_equal(cfg_find_source(set, "default", "b")->loc.file, want);
	free(want);
	free(second);
	cfg_set_free(set);
	remove_tree(dir);
	free(dir);
}

static void test_symlinks_and_special_files(void **state)
{
	char *dir = make_tmpdir(), *outside = make_tmpdir(), *target, *path, *want;
	struct cfg_set *set;

	put_source(outside, "shared.yaml", "linked", "oci://ghcr.io/org/linked");
	put_source(outside, "sub/inner.yaml", "inner", "oci://ghcr.io/org/inner");
	put_source(dir, "plain.yaml", "plain", "oci://ghcr.io/org/plain");

	target = xasprintf("%s/shared.yaml", outside);
	path = xasprintf("%s/link.yaml", dir);
	assert_int_equal(symlink(target, path), 0);
	free(target);
	free(path);
	target = xasprintf("%s/sub", outside);
	path = xasprintf("%s/linkdir", dir);
	assert_int_equal(symlink(target, path), 0);
	free(target);
	free(path);
	path = xasprintf("%s/dangling.yaml", dir);
	assert_int_equal(symlink("/nonexistent/ferry.yaml", path), 0);
	free(path);
	path = xasprintf("%s/pipe.yaml", dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	free(path);

	set = load_dir(dir);
	assert_int_equal(set->n_sources, 2);
	assert_non_null(cfg_find_source(set, "default", "linked"));
	assert_non_null(cfg_find_source(set, "default", "plain"));
	assert_null(cfg_find_source(set, "default", "inner"));
	assert_int_equal(set->n_errors, 0);
	want = xasprintf("%s/linkdir: symbolic link to a directory is not followed", dir);
	expect_diag(set, CFG_DIAG_WARNING, want);
	free(want);
	want = xasprintf("%s/dangling.yaml: symbolic link to something other than a regular file; skipped", dir);
	expect_diag(set, CFG_DIAG_WARNING, want);
	free(want);
	want = xasprintf("%s/pipe.yaml: not a regular file; skipped", dir);
	expect_diag(set, CFG_DIAG_WARNING, want);
	free(want);
	assert_int_equal(set->n_diags, 3);
	cfg_set_free(set);
	remove_tree(dir);
	remove_tree(outside);
	free(dir);
	free(outside);
}

static void test_secret_permissions(void **state)
{
	char *dir = make_tmpdir(), *want;
	struct cfg_set *set;
	const char *secrets = "apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {password: x}\n"
			      "---\napiVersion: v1\nkind: Secret\nmetadata: {name: bad, namespace: ops}\n"
			      "data: {k: '!'}\n";

	write_file(dir, "open.yaml", secrets, 0644);
	write_file(dir, "closed.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: tight, namespace: ops}\n",
		   0640);
	put_source(dir, "source.yaml", "app", "oci://ghcr.io/org/app");

	set = load_dir(dir);
	want = xasprintf("%s/open.yaml: holds Secret default/creds but is readable by all users (mode 0644); "
			 "make it readable only by root and the ferry group (chmod 0640)", dir);
	expect_diag(set, CFG_DIAG_WARNING, want);
	free(want);
	/* a Secret rejected for its errors still had its values in a world-readable file */
	want = xasprintf("%s/open.yaml: holds Secret ops/bad but is readable by all users (mode 0644); "
			 "make it readable only by root and the ferry group (chmod 0640)", dir);
	expect_diag(set, CFG_DIAG_WARNING, want);
	free(want);
	assert_int_equal(count_diags(set, CFG_DIAG_WARNING), 2);
	assert_int_equal(set->n_exposed_secrets, 2);
	assert_int_equal(set->n_errors, 1);
	assert_int_equal(set->n_secrets, 2);
	assert_non_null(cfg_find_secret(set, "ops", "tight"));
	assert_string_equal(cfg_find_secret(set, "default", "creds")->loc.file + strlen(dir), "/open.yaml");
	cfg_set_free(set);
	remove_tree(dir);
	free(dir);
}

static void test_directory_bounds(void **state)
{
	char *dir = make_tmpdir(), *rel, *want, *big;
	struct cfg_set *set;
	struct ferry_err e;
	size_t n = 0;

	/* LIMIT_CONFIG_DIR_DEPTH levels of sub-directories are read, one more is not */
	rel = xmalloc(4 * (LIMIT_CONFIG_DIR_DEPTH + 2) + 16);
	rel[0] = '\0';
	for (int i = 0; i < LIMIT_CONFIG_DIR_DEPTH; i++)
		n += (size_t)sprintf(rel + n, "d%02d/", i);
	strcpy(rel + n, "ok.yaml");
	put_source(dir, rel, "deep-ok", "oci://ghcr.io/org/a");
	sprintf(rel + n, "dxx/no.yaml");
	put_source(dir, rel, "too-deep", "oci://ghcr.io/org/a");

	big = xmalloc(LIMIT_CONFIG_FILE_BYTES + 2);
	memset(big, '#', LIMIT_CONFIG_FILE_BYTES + 1);
	big[LIMIT_CONFIG_FILE_BYTES + 1] = '\0';
	write_file(dir, "big.yaml", big, 0644);
	free(big);

	set = load_dir(dir);
	assert_non_null(cfg_find_source(set, "default", "deep-ok"));
	assert_null(cfg_find_source(set, "default", "too-deep"));
	rel[n + 3] = '\0';
	want = xasprintf("%s/%s: directory nested too deeply; not read", dir, rel);
	expect_diag(set, CFG_DIAG_ERROR, want);
	free(want);
	want = xasprintf("%s/big.yaml: file is larger than 4194304 bytes; not read", dir);
	expect_diag(set, CFG_DIAG_ERROR, want);
	free(want);
	assert_int_equal(set->n_errors, 2);
	cfg_set_free(set);
	free(rel);
	remove_tree(dir);
	free(dir);

	ferr_clear(&e);
	set = (struct cfg_set *)&e;
	assert_int_equal(cfg_load_dir("/nonexistent/ferry-config", &set, &e), -1);
	assert_null(set);
	assert_string_equal(e.msg, "cannot read config directory '/nonexistent/ferry-config': No such file or directory");
}

static void test_empty_directory(void **state)
{
	char *dir = make_tmpdir();
	struct cfg_set *set = load_dir(dir);

	expect_clean(set);
	assert_int_equal(set->n_sources + set->n_secrets, 0);
	cfg_set_free(set);
	remove_tree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_skip_rules),
		cmocka_unit_test(test_symlinks_and_special_files),
		cmocka_unit_test(test_secret_permissions),
		cmocka_unit_test(test_directory_bounds),
		cmocka_unit_test(test_empty_directory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
