/*
 * fs.h - filesystem primitives for the state directory: directory fds,
 * atomic writes, bounded reads, recursive removal that never follows links.
 *
 * All paths are relative to a directory fd (the *at() family) and opened with
 * O_NOFOLLOW | O_CLOEXEC, so a symlink planted in the state dir can never
 * redirect a write. Used by artifact, reconcile, daemon and ctl.
 */
#ifndef FERRY_UTIL_FS_H
#define FERRY_UTIL_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/buf.h"

/* Open (and with create, make) each component of a relative path as a real
 * directory, refusing symlinks. Returns a directory fd or -1 with errno. */
int fs_open_dir_at(int dirfd, const char *relpath, bool create, mode_t mode);
/* Same for an absolute or cwd-relative path. */
int fs_open_dir(const char *path, bool create, mode_t mode);
/* Write tmp file, fsync, rename over name, fsync the directory. */
int fs_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode);
/* Read a regular file (no symlink) of at most max bytes. -1 + EFBIG if larger. */
int fs_read_file_at(int dirfd, const char *name, size_t max, struct buf *out);
int fs_read_file(const char *path, size_t max, struct buf *out);
/* Append everything fd delivers until end of file to out (bounded by out's
 * max: -1 + EFBIG past it). Pipes and sockets too. */
int fs_read_fd(int fd, struct buf *out);
/* Remove name (file, symlink or whole tree) below dirfd without following links.
 * A missing name is not an error. */
int fs_remove_tree_at(int dirfd, const char *name);
/* Remove everything inside the directory, keep the directory. */
int fs_empty_dir_at(int dirfd);
int fs_fsync_dir(int dirfd);
bool fs_exists_at(int dirfd, const char *name);

#endif
