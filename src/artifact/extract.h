/*
 * extract.h - hardened extraction of a digest-verified layer into staging.
 *
 * Owned by artifact. Runs only in a worker process. Reads tar, tar+gzip or
 * tar+zstd from an fd (never from the network), writes regular files and
 * directories only below dest_dirfd, and enforces the LIMIT_EXTRACT_* caps on
 * the real decompressed bytes. Symlinks are skipped with a warning (as Flux);
 * absolute paths, "..", hardlinks, devices, FIFOs and sockets are errors.
 *
 * How: libarchive only parses (format tar, filters gzip and zstd); ferry
 * creates every directory and file itself with mkdirat()/openat() relative to
 * dest_dirfd (O_NOFOLLOW, files O_EXCL), so the process cwd is never used or
 * changed and no symlink is ever created. dest_dirfd must be a fresh, empty
 * staging directory: any second entry for an existing path is an error.
 * Modes: files (perm & 0755) | 0400, directories (perm & 0755) | 0700,
 * implicit parents 0755; owners, times, ACLs and xattrs from the archive are not applied, so
 * files carry the extraction time as mtime (Flux clamps to "now" as well).
 * Entries matched by ign (a directory's contents included) are skipped.
 * blob_fd is rewound to offset 0 first. While running, the calling thread's
 * locale is C.UTF-8 (uselocale) so UTF-8 pax names decode.
 * Errors: reason "OCIArtifactLayerOperationFailed", messages like
 * `tar entry "../x": path escapes the destination`; callers prefix context.
 */
#ifndef FERRY_ARTIFACT_EXTRACT_H
#define FERRY_ARTIFACT_EXTRACT_H

#include <stdint.h>

#include "artifact/ignore.h"
#include "util/err.h"

struct extract_stats {
	uint64_t files;
	uint64_t dirs;
	uint64_t bytes;             /* file data written */
	uint64_t symlinks_skipped;
	uint64_t ignored;           /* entries dropped by spec.ignore */
	char first_symlink[256];    /* for the warning */
};

struct extract_limits {
	uint64_t total_bytes;       /* defaults from limits.h when 0 */
	uint64_t file_bytes;
	uint64_t entries;           /* tar entries plus the parent directories they imply */
	uint64_t inflated_bytes;
};

/* ign may be NULL. limits may be NULL (limits.h defaults). */
int artifact_extract(int blob_fd, int dest_dirfd, const struct ignore_rules *ign,
		     const struct extract_limits *limits, struct extract_stats *stats,
		     struct ferry_err *e);

#endif
