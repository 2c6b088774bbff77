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

/* Open the state dir, creating what is missing (root, artifacts/, status/
 * 0755, tmp/ 0700). The state dir itself and its subdirectories must not be
 * symlinks; its ancestors may be (e.g. /var/lib on another mount). Errors
 * carry reason "DirectoryCreationFailed". */
int store_open(const char *state_dir, struct store *s, struct ferry_err *e);
void store_close(struct store *s);
/* Remove everything under tmp/ (start-up, after a crash). 0 / -1 + errno. */
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
 * all but the current and previous revision (the one `current` named before,
 * else the newest other). An existing revision with the same hex is replaced
 * atomically with RENAME_EXCHANGE (rebuild after spec.ignore changed). rel
 * must be a staging name of ns/name (store_is_stage_name). A symlink at
 * artifacts/<ns> or artifacts/<ns>/<name> is refused. Errors carry reason
 * "ArchiveOperationFailed" (or "DirectoryCreationFailed"). */
int store_promote(struct store *s, const char *ns, const char *name, const char *hex,
		  const char *rel, bool is_blob, struct ferry_err *e);
/* The live revision's entry name ("<hex>" or "<hex>.blob") or NULL. Caller frees. */
char *store_current(struct store *s, const char *ns, const char *name);
/* Does revision hex exist (as tree or blob)? */
bool store_has(struct store *s, const char *ns, const char *name, const char *hex, bool is_blob);
/* Absolute path of a stored revision ("<hex>", "<hex>.blob" or "current"),
 * for status.artifact.path; entry NULL gives the source's directory. NULL for
 * invalid names. Caller frees. */
char *store_path(struct store *s, const char *ns, const char *name, const char *entry);
/* Remove artifacts/<ns>/<name> entirely (orphan GC): it is first renamed into
 * tmp/ so it disappears in one step. Missing is fine. 0 / -1 + errno. */
int store_remove_source(struct store *s, const char *ns, const char *name);
/* List ns/name pairs that have artifacts (for orphan GC). Each element
 * "ns/name", sorted, NULL-terminated; free each and the array. NULL if
 * artifacts/ cannot be read. */
char **store_list_sources(struct store *s);

#endif
