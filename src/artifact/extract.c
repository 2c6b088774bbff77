/*
 * extract.c - artifact_extract: stream a tar (plain, gzip or zstd) from a
 * digest-verified fd into a fresh staging directory under ferry's policy.
 *
 * libarchive only parses; every file and directory is created by this file
 * with openat()/mkdirat() relative to directory fds opened O_NOFOLLOW, new
 * files with O_CREAT|O_EXCL. No path is ever resolved against the process
 * cwd and no symlink is ever created, so nothing can land outside dest_dirfd.
 */
#include "artifact/extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/limits.h"
#include "util/mem.h"
#include "util/utf8.h"

#define EXTRACT_REASON      "OCIArtifactLayerOperationFailed"
#define READ_BLOCK_BYTES    (64 * 1024)
#define SHOWN_NAME_MAX      200     /* bytes of an entry name quoted in messages */

/* Inodes of directories created by explicit entries (a second entry for one
 * is a duplicate path; a directory made implicitly as a parent is not). */
struct ino_set {
	uint64_t *slots;        /* 0 = empty; inode numbers are never 0 */
	size_t cap;
	size_t used;
};

struct extractor {
	struct archive *a;
	int dest_fd;
	const struct ignore_rules *ign;
	struct extract_limits lim;
	struct extract_stats *st;
	struct ferry_err *e;
	uint64_t entries;
	struct ino_set explicit_dirs;
	const char *raw_name;                   /* current entry, as in the archive */
	char shown[SHOWN_NAME_MAX * 4 + 8];     /* raw_name quoted for messages */
	char path[LIMIT_EXTRACT_PATH_LEN + 1];  /* normalized relative path */
};

static size_t ino_hash(uint64_t ino)
{
	uint64_t h = ino * 0x9E3779B97F4A7C15ULL;

	return (size_t)(h ^ (h >> 32));
}

static bool ino_set_add(struct ino_set *s, uint64_t ino)
{
	size_t i;

	if (s->used * 2 >= s->cap) {
		struct ino_set grown = { NULL, s->cap ? s->cap * 2 : 64, 0 };

		grown.slots = xcalloc(grown.cap, sizeof(uint64_t));
		for (size_t k = 0; k < s->cap; k++)
			if (s->slots[k])
				ino_set_add(&grown, s->slots[k]);
		free(s->slots);
		*s = grown;
	}
	for (i = ino_hash(ino) & (s->cap - 1); s->slots[i]; i = (i + 1) & (s->cap - 1))
		if (s->slots[i] == ino)
			return false;
	s->slots[i] = ino;
	s->used++;
	return true;
}

/* Quote an untrusted name for a message: Go %q style escapes for quotes,
 * backslashes, control bytes and invalid UTF-8; long names are cut. */
static void quote_name(const char *raw, char *out, size_t outsz)
{
	const unsigned char *s = (const unsigned char *)(raw ? raw : "");
	size_t o = 0, shown = 0;

	while (*s && shown < SHOWN_NAME_MAX && o + 8 < outsz) {
		size_t n;
		uint32_t r = utf8_decode(s, strnlen((const char *)s, UTF8_MAX), &n);

		if (*s == '"' || *s == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*s++;
		} else if (utf8_is_error(r, n) || *s < 0x20 || *s == 0x7f) {
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", *s++);
		} else {
			memcpy(out + o, s, n);
			o += n;
			s += n;
		}
		shown++;
	}
	if (*s && o + 4 < outsz) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

__attribute__((format(printf, 2, 3)))
static int entry_fail(struct extractor *x, const char *fmt, ...)
{
	char detail[FERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return ferr_set(x->e, EXTRACT_REASON, "tar entry \"%s\": %s", x->shown, detail);
}

static int check_inflated(struct extractor *x)
{
	int64_t inflated = archive_filter_bytes(x->a, 0);

	if (inflated >= 0 && (uint64_t)inflated > x->lim.inflated_bytes)
		return entry_fail(x, "decompressed data exceeds the %" PRIu64 "-byte limit",
				  x->lim.inflated_bytes);
	return 0;
}

/* Normalize raw into x->path: strip "./" and empty components, refuse
 * absolute paths, "..", backslashes and oversized names. */
static int normalize_path(struct extractor *x, const char *raw)
{
	size_t len, out = 0, depth = 0;
	const char *p;

	if (!raw || !*raw)
		return entry_fail(x, "empty name");
	len = strlen(raw);
	if (raw[0] == '/')
		return entry_fail(x, "absolute path");
	if (strchr(raw, '\\'))
		return entry_fail(x, "backslash in name");
	if (len > LIMIT_EXTRACT_PATH_LEN)
		return entry_fail(x, "path longer than %d bytes", LIMIT_EXTRACT_PATH_LEN);
	for (p = raw; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return entry_fail(x, "path escapes the destination");
		if (n > LIMIT_EXTRACT_NAME_LEN)
			return entry_fail(x, "name component longer than %d bytes", LIMIT_EXTRACT_NAME_LEN);
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (++depth > LIMIT_EXTRACT_DEPTH)
				return entry_fail(x, "path nested deeper than %d levels", LIMIT_EXTRACT_DEPTH);
			if (out > 0)
				x->path[out++] = '/';
			memcpy(x->path + out, p, n);
			out += n;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	x->path[out] = '\0';
	return 0;
}

static const char *unsupported_type(struct archive_entry *ent)
{
	if (archive_entry_hardlink(ent))
		return "hard link";
	switch (archive_entry_filetype(ent)) {
	case AE_IFREG:
	case AE_IFDIR:
	case AE_IFLNK:
		return NULL;
	case AE_IFCHR:
		return "character device";
	case AE_IFBLK:
		return "block device";
	case AE_IFIFO:
		return "FIFO";
	case AE_IFSOCK:
		return "socket";
	default:
		return "unknown";
	}
}

/* Open the directory holding x->path, creating missing parents 0755.
 * *leaf points at the last component. */
static int open_parent(struct extractor *x, const char **leaf)
{
	char *slash = strrchr(x->path, '/');
	char *p = x->path;
	int cur;

	*leaf = slash ? slash + 1 : x->path;
	/* normalize_path already refused these; a second line of defence, as
	 * openat() of ".." would leave dest_dirfd */
	if (strstr(x->path, "/../") || str_has_prefix(x->path, "../") || str_has_suffix(x->path, "/..") ||
	    !strcmp(x->path, "..") || !**leaf)
		return entry_fail(x, "path escapes the destination");
	cur = fcntl(x->dest_fd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return entry_fail(x, "%s", strerror(errno));
	while (slash && p < slash) {
		char *end = strchr(p, '/');
		int next;

		*end = '\0';
		next = openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT) {
			/* a parent made here is an inode like any entry's: without
			 * counting it, one deep name per entry multiplies the tree */
			if (++x->entries > x->lim.entries) {
				close(cur);
				*end = '/';
				return entry_fail(x, "archive has more than %" PRIu64 " entries (counting the "
						  "parent directories it implies)", x->lim.entries);
			}
			if (mkdirat(cur, p, 0755) < 0 && errno != EEXIST)
				goto fail;
			next = openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (next >= 0 && fchmod(next, 0755) < 0) {
				close(next);
				next = -1;
			}
		}
		if (next < 0)
			goto fail;
		*end = '/';
		close(cur);
		cur = next;
		p = end + 1;
	}
	return cur;
fail:
	{
		int err = errno;
		char parent[sizeof(x->shown)];

		close(cur);
		quote_name(x->path, parent, sizeof(parent));
		if (err == ENOTDIR || err == ELOOP)
			entry_fail(x, "parent \"%s\" is not a directory", parent);
		else
			entry_fail(x, "cannot create parent \"%s\": %s", parent, strerror(err));
		for (char *q = x->path; q < slash; q++)
			if (!*q)
				*q = '/';
	}
	return -1;
}

static int make_dir(struct extractor *x, struct archive_entry *ent)
{
	_cleanup_close_ int parent = -1;
	_cleanup_close_ int fd = -1;
	const char *leaf;
	struct stat st;

	parent = open_parent(x, &leaf);
	if (parent < 0)
		return -1;
	if (mkdirat(parent, leaf, 0700) < 0 && errno != EEXIST)
		return entry_fail(x, "cannot create directory: %s", strerror(errno));
	fd = openat(parent, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOTDIR || errno == ELOOP)
			return entry_fail(x, "duplicate path");
		return entry_fail(x, "cannot open directory: %s", strerror(errno));
	}
	if (fstat(fd, &st) < 0)
		return entry_fail(x, "%s", strerror(errno));
	if (!ino_set_add(&x->explicit_dirs, (uint64_t)st.st_ino))
		return entry_fail(x, "duplicate path");
	if (fchmod(fd, (archive_entry_perm(ent) & 0755) | 0700) < 0)
		return entry_fail(x, "cannot set mode: %s", strerror(errno));
	x->st->dirs++;
	return 0;
}

static int pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = pwrite(fd, p, len, off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
		off += w;
	}
	return 0;
}

/* Copy the entry's data, counting the real bytes (holes of sparse entries
 * included) against the per-file, total and inflated limits before each write. */
static int write_file(struct extractor *x, struct archive_entry *ent)
{
	_cleanup_close_ int parent = -1;
	_cleanup_close_ int fd = -1;
	const char *leaf;
	uint64_t size = 0;

	parent = open_parent(x, &leaf);
	if (parent < 0)
		return -1;
	fd = openat(parent, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return entry_fail(x, "duplicate path");
		return entry_fail(x, "cannot create file: %s", strerror(errno));
	}
	/* owner-readable: the unprivileged daemon reads what it stores (fsync
	 * before promotion), as directories are forced |0700 to be cleaned up */
	if (fchmod(fd, (archive_entry_perm(ent) & 0755) | 0400) < 0)
		return entry_fail(x, "cannot set mode: %s", strerror(errno));
	for (;;) {
		const void *block;
		size_t len;
		la_int64_t off;
		uint64_t end;
		int r = archive_read_data_block(x->a, &block, &len, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK)
			return entry_fail(x, "%s", str_or(archive_error_string(x->a), "read error"));
		if (check_inflated(x) < 0)
			return -1;
		if (off < 0 || (uint64_t)off > UINT64_MAX - len)
			return entry_fail(x, "invalid data offset");
		end = (uint64_t)off + len;
		if (end > x->lim.file_bytes)
			return entry_fail(x, "exceeds the %" PRIu64 "-byte file limit", x->lim.file_bytes);
		if (end > size && x->st->bytes + end > x->lim.total_bytes)
			return entry_fail(x, "exceeds the %" PRIu64 "-byte total size limit",
					  x->lim.total_bytes);
		if (len > 0 && pwrite_all(fd, block, len, (off_t)off) < 0)
			return entry_fail(x, "write failed: %s", strerror(errno));
		if (end > size)
			size = end;
	}
	/* A sparse entry may end in a hole that produces no data block. */
	if (archive_entry_sparse_count(ent) > 0 && archive_entry_size_is_set(ent) &&
	    archive_entry_size(ent) > 0 && (uint64_t)archive_entry_size(ent) > size) {
		uint64_t end = (uint64_t)archive_entry_size(ent);

		if (end > x->lim.file_bytes)
			return entry_fail(x, "exceeds the %" PRIu64 "-byte file limit", x->lim.file_bytes);
		if (x->st->bytes + end > x->lim.total_bytes)
			return entry_fail(x, "exceeds the %" PRIu64 "-byte total size limit",
					  x->lim.total_bytes);
		size = end;
	}
	if (ftruncate(fd, (off_t)size) < 0)
		return entry_fail(x, "write failed: %s", strerror(errno));
	x->st->bytes += size;
	x->st->files++;
	return 0;
}

/* Read and drop the data of an entry that is not written, still counting
 * the decompression work. */
static int drain(struct extractor *x)
{
	for (;;) {
		const void *block;
		size_t len;
		la_int64_t off;
		int r = archive_read_data_block(x->a, &block, &len, &off);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK)
			return entry_fail(x, "%s", str_or(archive_error_string(x->a), "read error"));
		if (check_inflated(x) < 0)
			return -1;
	}
}

static int extract_entry(struct extractor *x, struct archive_entry *ent)
{
	const char *bad_type;
	bool is_dir;

	if (++x->entries > x->lim.entries)
		return entry_fail(x, "archive has more than %" PRIu64 " entries", x->lim.entries);
	if (check_inflated(x) < 0 || normalize_path(x, x->raw_name) < 0)
		return -1;
	bad_type = unsupported_type(ent);
	if (bad_type)
		return entry_fail(x, "unsupported file type %s", bad_type);
	is_dir = archive_entry_filetype(ent) == AE_IFDIR;
	if (!x->path[0]) {
		if (!is_dir)
			return entry_fail(x, "names the destination itself");
		return drain(x);
	}
	if (ignore_match(x->ign, x->path, is_dir)) {
		x->st->ignored++;
		return drain(x);
	}
	if (archive_entry_filetype(ent) == AE_IFLNK) {
		if (x->st->symlinks_skipped++ == 0)
			quote_name(x->raw_name, x->st->first_symlink, sizeof(x->st->first_symlink));
		return drain(x);
	}
	if (is_dir)
		return make_dir(x, ent) < 0 ? -1 : drain(x);
	return write_file(x, ent);
}

static void apply_default_limits(const struct extract_limits *in, struct extract_limits *out)
{
	*out = in ? *in : (struct extract_limits){ 0 };
	if (!out->total_bytes)
		out->total_bytes = LIMIT_EXTRACT_TOTAL_BYTES;
	if (!out->file_bytes)
		out->file_bytes = LIMIT_EXTRACT_FILE_BYTES;
	if (!out->entries)
		out->entries = LIMIT_EXTRACT_ENTRIES;
	if (!out->inflated_bytes)
		out->inflated_bytes = LIMIT_DECOMPRESS_RATIO_BYTES;
}

static int open_reader(struct extractor *x, int blob_fd)
{
	x->a = archive_read_new();
	if (!x->a)
		return ferr_set(x->e, EXTRACT_REASON, "cannot allocate the tar reader");
	/* WARN here would mean an external decompressor program: refuse it. */
	if (archive_read_support_format_tar(x->a) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(x->a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(x->a) != ARCHIVE_OK)
		return ferr_set(x->e, EXTRACT_REASON, "tar reader without built-in gzip/zstd support: %s",
				str_or(archive_error_string(x->a), "unknown"));
	if (lseek(blob_fd, 0, SEEK_SET) < 0 && errno != ESPIPE)
		return ferr_set(x->e, EXTRACT_REASON, "cannot rewind the layer: %s", strerror(errno));
	if (archive_read_open_fd(x->a, blob_fd, READ_BLOCK_BYTES) != ARCHIVE_OK)
		return ferr_set(x->e, EXTRACT_REASON, "not a tar archive: %s",
				str_or(archive_error_string(x->a), "unreadable"));
	return 0;
}

static int extract_all(struct extractor *x, int blob_fd)
{
	char last[sizeof(x->shown)] = "";

	if (open_reader(x, blob_fd) < 0)
		return -1;
	for (;;) {
		struct archive_entry *ent;
		int r = archive_read_next_header(x->a, &ent);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			const char *why = str_or(archive_error_string(x->a), "unreadable header");

			if (x->entries == 0)
				return ferr_set(x->e, EXTRACT_REASON, "not a tar archive: %s", why);
			return ferr_set(x->e, EXTRACT_REASON, "corrupt tar archive after entry \"%s\": %s",
					last, why);
		}
		x->raw_name = archive_entry_pathname(ent);
		quote_name(x->raw_name, x->shown, sizeof(x->shown));
		if (extract_entry(x, ent) < 0)
			return -1;
		memcpy(last, x->shown, sizeof(last));
	}
	if (archive_filter_bytes(x->a, 0) >= 0 &&
	    (uint64_t)archive_filter_bytes(x->a, 0) > x->lim.inflated_bytes)
		return ferr_set(x->e, EXTRACT_REASON, "decompressed data exceeds the %" PRIu64 "-byte limit",
				x->lim.inflated_bytes);
	return 0;
}

int artifact_extract(int blob_fd, int dest_dirfd, const struct ignore_rules *ign,
		     const struct extract_limits *limits, struct extract_stats *stats,
		     struct ferry_err *e)
{
	struct extract_stats local_stats;
	struct extractor x = { .dest_fd = dest_dirfd, .ign = ign, .e = e };
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	locale_t saved = (locale_t)0;
	int rc;

	x.st = stats ? stats : &local_stats;
	memset(x.st, 0, sizeof(*x.st));
	apply_default_limits(limits, &x.lim);
	/* pax names are UTF-8; libarchive converts them to the thread's locale
	 * and fails under plain "C". */
	if (utf8 != (locale_t)0)
		saved = uselocale(utf8);
	rc = extract_all(&x, blob_fd);
	if (x.a)
		archive_read_free(x.a);
	if (utf8 != (locale_t)0) {
		uselocale(saved);
		freelocale(utf8);
	}
	free(x.explicit_dirs.slots);
	return rc;
}
