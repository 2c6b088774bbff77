/* vectors.c - finding and reading the shared Notation test vectors, and the
 * certificates and bundles the notation unit tests build from them. */
#include "unit.h"
#include "vectors.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "notation/policy.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/mem.h"

#define VECTOR_FILE_MAX (64u << 20)

char *vectors;

int vectors_setup(void **state)
{
	const char *env = getenv("FERRY_SHARED_DIR");
	struct stat st;

	(void)state;
	vectors = xasprintf("%s/vectors/notation", env && *env ? env : FERRY_SHARED_DIR);
	if (stat(vectors, &st) < 0) {
		free(vectors);
		vectors = NULL;
	}
	return 0;
}

int vectors_teardown(void **state)
{
	(void)state;
	free(vectors);
	vectors = NULL;
	return 0;
}

void need_vectors(void)
{
	if (!vectors) {
		print_message("shared vectors not found (set FERRY_SHARED_DIR): skipped\n");
		skip();
	}
}

char *vector_path(const char *rel)
{
	return xasprintf("%s/%s", vectors ? vectors : "", rel);
}

static void read_path_buf(const char *path, struct buf *b)
{
	if (fs_read_file(path, VECTOR_FILE_MAX, b) < 0)
		fail_msg("cannot read %s", path);
}

unsigned char *read_path(const char *path, size_t *len)
{
	struct buf b;

	read_path_buf(path, &b);
	return (unsigned char *)buf_steal(&b, len);
}

unsigned char *read_vector(const char *rel, size_t *len)
{
	char *path = vector_path(rel);
	unsigned char *data = read_path(path, len);

	free(path);
	return data;
}

void read_vector_buf(const char *rel, struct buf *b)
{
	char *path = vector_path(rel);

	read_path_buf(path, b);
	free(path);
}

char **dir_names(const char *path, size_t *n)
{
	struct dirent **ents;
	char **names;
	int count = scandir(path, &ents, NULL, alphasort);

	if (count < 0)
		fail_msg("cannot list %s", path);
	names = xcalloc((size_t)count + 1, sizeof(*names));
	*n = 0;
	for (int i = 0; i < count; i++) {
		if (ents[i]->d_name[0] != '.')
			names[(*n)++] = xstrdup(ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return names;
}

void dir_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

struct nv_cert **load_vector_certs(const char *rel, size_t *n)
{
	size_t len;
	unsigned char *data = read_vector(rel, &len);
	struct nv_cert **v;
	struct ferry_err e;

	if (nv_certs_parse(data, len, &v, n, &e) < 0)
		fail_msg("%s: %s", rel, e.msg);
	free(data);
	return v;
}

void certs_add(struct certs *c, struct nv_cert **more, size_t n)
{
	c->v = xrealloc(c->v, (c->n + n + 1) * sizeof(*c->v));
	memcpy(c->v + c->n, more, n * sizeof(*more));
	c->n += n;
}

void certs_add_file(struct certs *c, const char *rel)
{
	size_t n;
	struct nv_cert **more = load_vector_certs(rel, &n);

	certs_add(c, more, n);
	free(more);
}

void certs_add_dir(struct certs *c, const char *rel)
{
	char *path = vector_path(rel);
	size_t n;
	char **names = dir_names(path, &n);

	for (size_t i = 0; i < n; i++) {
		char *f = xasprintf("%s/%s", rel, names[i]);

		certs_add_file(c, f);
		free(f);
	}
	dir_names_free(names, n);
	free(path);
}

struct nv_bundle *make_test_bundle(const char *secret, const char *policy_json, struct nv_cert **certs,
				   struct nv_cert_binding *bindings, size_t n)
{
	struct nv_policy *p;
	struct nv_bundle *b;
	struct ferry_err e;

	if (nv_policy_parse(policy_json, strlen(policy_json), &p, &e) < 0)
		fail_msg("%s", e.msg);
	if (nv_bundle_from_parts_bound(secret, p, certs, bindings, n, &b, &e) < 0)
		fail_msg("%s", e.msg);
	return b;
}
