/*
 * store.h - the on-disk artifact store under the state dir.
 *
 *   artifacts/<ns>/<name>/<hex>/       extracted tree of manifest sha256:<hex>
 *   artifacts/<ns>/<name>/<hex>.blob   raw layer (operation copy)
 *   artifacts/<ns>/<name>/current      symlink to the live revision, swapped atomically
 *   tmp/                               staging (same filesystem), emptied at start
 *
 * Owned by artifact. Workers create staging entries; the parent promotes them
 * (rename + symlink swap + fsync) and garbage-collects, keeping the current and
 * one previous revision. All access is relative to directory fds and refuses
 * symlinks except `current` itself.
 */
#ifndef FERRY_ARTIFACT_STORE_H
#define FERRY_ARTIFACT_STORE_H

#include <stdbool.h>

#include "util/err.h"

struct store {
	char *root;         /* state dir path, for messages and status paths */
	int root_fd;
	int artifacts_fd;
	int tmp_fd;
	int status_fd;
};

/* Open (creating when missing, mode 0755 for artifacts, 0700 for tmp) the
 * state dir. */
int store_open(const char *state_dir, struct store *s, struct ferry_err *e);
void store_close(struct store *s);
/* Remove everything under tmp/ (start-up, after a crash). */
int store_clean_staging(struct store *s);

/* A fresh private staging directory tmp/<ns>_<name>.XXXXXX (0700). *rel gets
 * the name below tmp/, *fd an open directory fd. */
int store_stage_dir(struct store *s, const char *ns, const char *name, char **rel, int *fd,
		    struct ferry_err *e);
/* A fresh staging file tmp/<ns>_<name>.XXXXXX.blob (0600, O_RDWR). */
int store_stage_file(struct store *s, const char *ns, const char *name, char **rel, int *fd,
		     struct ferry_err *e);
/* Remove a staging entry (file or tree). */
void store_unstage(struct store *s, const char *rel);
/* True when rel is a plausible staging entry name for ns/name (no '/', prefix). */
bool store_is_stage_name(const char *ns, const char *name, const char *rel);

/* Move staging entry rel into place as revision hex (a tree, or with is_blob
 * the file "<hex>.blob"), swap `current` to it, fsync, and garbage-collect
 * all but the current and previous revision. An existing revision with the
 * same hex is replaced atomically (rebuild after spec.ignore changed). */
int store_promote(struct store *s, const char *ns, const char *name, const char *hex,
		  const char *rel, bool is_blob, struct ferry_err *e);
/* The live revision's entry name ("<hex>" or "<hex>.blob") or NULL. Caller frees. */
char *store_current(struct store *s, const char *ns, const char *name);
/* Does revision hex exist (as tree or blob)? */
bool store_has(struct store *s, const char *ns, const char *name, const char *hex, bool is_blob);
/* Absolute path of a stored revision, for status.artifact.path. Caller frees. */
char *store_path(struct store *s, const char *ns, const char *name, const char *entry);
/* Remove artifacts of ns/name whose newest mtime is older than max_age_s
 * (orphan GC); max_age_s = 0 removes now. */
int store_remove_source(struct store *s, const char *ns, const char *name);
/* List ns/name pairs that have artifacts (for orphan GC). Each element
 * "ns/name", NULL-terminated; free each and the array. */
char **store_list_sources(struct store *s);

#endif
