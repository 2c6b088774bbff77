/*
 * config-helpers.h - shared helpers of the config unit tests: load a YAML
 * text, look for exact diagnostics, make scratch config directories.
 */
#ifndef FERRY_TESTS_CONFIG_HELPERS_H
#define FERRY_TESTS_CONFIG_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "util/mem.h"

static inline struct cfg_set *load_yaml(const char *yaml)
{
	struct cfg_set *set = NULL;
	struct ferry_err e;

	ferr_clear(&e);
	assert_int_equal(cfg_load_text("ferry.yaml", yaml, strlen(yaml), &set, &e), 0);
	assert_non_null(set);
	return set;
}

static inline void print_diags(const struct cfg_set *set)
{
	for (size_t i = 0; i < set->n_diags; i++)
		fprintf(stderr, "  [%s] %s\n", set->diags[i].level == CFG_DIAG_ERROR ? "error" : "warning",
			set->diags[i].message);
}

static inline size_t count_diags(const struct cfg_set *set, enum cfg_diag_level level)
{
	size_t n = 0;

	for (size_t i = 0; i < set->n_diags; i++)
		n += set->diags[i].level == level;
	return n;
}

/* Asserts that exactly this diagnostic (full text, given level) exists. */
static inline void expect_diag(const struct cfg_set *set, enum cfg_diag_level level, const char *message)
{
	for (size_t i = 0; i < set->n_diags; i++)
		if (set->diags[i].level == level && !strcmp(set->diags[i].message, message))
			return;
	fprintf(stderr, "missing %s: %s\nhave:\n", level == CFG_DIAG_ERROR ? "error" : "warning", message);
	print_diags(set);
	fail();
}

static inline void expect_clean(const struct cfg_set *set)
{
	if (set->n_diags) {
		print_diags(set);
		fail_msg("expected no diagnostics");
	}
}

static inline bool any_diag_contains(const struct cfg_set *set, const char *needle)
{
	for (size_t i = 0; i < set->n_diags; i++)
		if (strstr(set->diags[i].message, needle))
			return true;
	return false;
}

static inline char *make_tmpdir(void)
{
	char *dir = xstrdup("/tmp/ferry-config-test.XXXXXX");

	assert_non_null(mkdtemp(dir));
	return dir;
}

/* Write root/rel (creating parent directories) with the given mode. */
static inline void write_file(const char *root, const char *rel, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", root, rel);
	FILE *f;

	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
	free(path);
}

static inline void remove_tree(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

#endif
