/*
 * vectors.h - the shared Notation test vectors for the notation unit tests.
 *
 * Read at run time from $FERRY_SHARED_DIR/vectors/notation (default: the
 * FERRY_SHARED_DIR of unit.h), never copied into the tree. A test that needs
 * them calls need_vectors() first: it skips, saying why, when they are absent.
 * Readers fail the running test when a file cannot be read or parsed.
 */
#ifndef FERRY_TESTS_VECTORS_H
#define FERRY_TESTS_VECTORS_H

#include <stddef.h>

#include "notation/bundle.h"
#include "notation/cert.h"
#include "util/buf.h"

/* The vector directory, NULL when absent (set by vectors_setup). */
extern char *vectors;

/* cmocka group setup and teardown: find the vector directory, forget it. */
int vectors_setup(void **state);
int vectors_teardown(void **state);

/* Skip the running test when the vectors are absent. */
void need_vectors(void);

/* Path of a file below the vector directory (allocated). */
char *vector_path(const char *rel);
/* A whole file, NUL-terminated (the NUL not counted in *len). */
unsigned char *read_path(const char *path, size_t *len);
unsigned char *read_vector(const char *rel, size_t *len);
void read_vector_buf(const char *rel, struct buf *b);

/* The names in a directory, without dot files, sorted. */
char **dir_names(const char *path, size_t *n);
void dir_names_free(char **names, size_t n);

/* Every certificate (PEM blocks or DER) of a vector file. */
struct nv_cert **load_vector_certs(const char *rel, size_t *n);

/* A list of certificates that trust material is gathered in. */
struct certs {
	struct nv_cert **v;
	size_t n;
};
void certs_add(struct certs *c, struct nv_cert **more, size_t n);
void certs_add_file(struct certs *c, const char *rel);
/* Every file of a vector trust-store directory, in name order. */
void certs_add_dir(struct certs *c, const char *rel);

/* The bundle of one trust policy document and its certificates (bindings
 * parallel to certs, NULL: all unbound, as Flux reads a Secret); takes
 * ownership of certs and bindings. */
struct nv_bundle *make_test_bundle(const char *secret, const char *policy_json, struct nv_cert **certs,
				   struct nv_cert_binding *bindings, size_t n);

#endif
