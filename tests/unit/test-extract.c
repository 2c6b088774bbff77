/* test-extract.c - artifact_extract against well-formed and hostile archives
 * built here with libarchive's writer (or by hand where the writer refuses). */
#include "unit.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "artifact/extract.h"
#include "artifact/ignore.h"
#include "util/fs.h"
#include "util/mem.h"

#define REASON "OCIArtifactLayerOperationFailed"

enum comp { COMP_NONE, COMP_GZIP, COMP_ZSTD };

/* A scratch tree per test: <tmp>/dest receives the archive, <tmp>/outside
 * is a directory an attack would like to write into. */
struct fixture {
	char *tmp;
	int tmp_fd;
	int dest_fd;
	int blob_fd;
	struct archive *w;
	struct ferry_err e;
	struct extract_stats st;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	const char *base = getenv("TMPDIR");

	f->tmp = xasprintf("%s/ferry-extract-XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(f->tmp));
	f->tmp_fd = open(f->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->tmp_fd >= 0);
	assert_int_equal(mkdirat(f->tmp_fd, "dest", 0700), 0);
	assert_int_equal(mkdirat(f->tmp_fd, "outside", 0700), 0);
	f->dest_fd = openat(f->tmp_fd, "dest", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->dest_fd >= 0);
	f->blob_fd = memfd_create("blob", MFD_CLOEXEC);
	assert_true(f->blob_fd >= 0);
	ferr_clear(&f->e);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	close(f->dest_fd);
	close(f->tmp_fd);
	close(f->blob_fd);
	assert_int_equal(fs_remove_tree_at(root, f->tmp + 1), 0);
	close(root);
	free(f->tmp);
	free(f);
	return 0;
}

/* ---- archive builders ---- */

static void tar_begin(struct fixture *f, enum comp comp)
{
	f->w = archive_write_new();
	assert_int_equal(archive_write_set_format_pax_restricted(f->w), ARCHIVE_OK);
	if (comp == COMP_GZIP)
		assert_int_equal(archive_write_add_filter_gzip(f->w), ARCHIVE_OK);
	else if (comp == COMP_ZSTD)
		assert_int_equal(archive_write_add_filter_zstd(f->w), ARCHIVE_OK);
	assert_int_equal(archive_write_open_fd(f->w, f->blob_fd), ARCHIVE_OK);
}

static void tar_end(struct fixture *f)
{
	assert_int_equal(archive_write_close(f->w), ARCHIVE_OK);
	archive_write_free(f->w);
	f->w = NULL;
}

static struct archive_entry *new_entry(const char *name, mode_t type, mode_t perm, int64_t size)
{
	struct archive_entry *ent = archive_entry_new();

	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, type);
	archive_entry_set_perm(ent, perm);
	archive_entry_set_size(ent, size);
	archive_entry_set_mtime(ent, 1000000000, 0);
	return ent;
}

static void add_file(struct fixture *f, const char *name, const char *data, mode_t perm)
{
	size_t len = strlen(data);
	struct archive_entry *ent = new_entry(name, AE_IFREG, perm, (int64_t)len);

	assert_int_equal(archive_write_header(f->w, ent), ARCHIVE_OK);
	assert_int_equal(archive_write_data(f->w, data, len), (ssize_t)len);
	archive_entry_free(ent);
}

static void add_zeros(struct fixture *f, const char *name, uint64_t size)
{
	static const char zeros[65536];
	struct archive_entry *ent = new_entry(name, AE_IFREG, 0644, (int64_t)size);

	assert_int_equal(archive_write_header(f->w, ent), ARCHIVE_OK);
	for (uint64_t done = 0; done < size;) {
		size_t n = size - done < sizeof(zeros) ? (size_t)(size - done) : sizeof(zeros);

		assert_int_equal(archive_write_data(f->w, zeros, n), (ssize_t)n);
		done += n;
	}
	archive_entry_free(ent);
}

static void add_dir(struct fixture *f, const char *name, mode_t perm)
{
	struct archive_entry *ent = new_entry(name, AE_IFDIR, perm, 0);

	assert_int_equal(archive_write_header(f->w, ent), ARCHIVE_OK);
	archive_entry_free(ent);
}

static void add_symlink(struct fixture *f, const char *name, const char *target)
{
	struct archive_entry *ent = new_entry(name, AE_IFLNK, 0777, 0);

	archive_entry_set_symlink(ent, target);
	assert_int_equal(archive_write_header(f->w, ent), ARCHIVE_OK);
	archive_entry_free(ent);
}

static void add_hardlink(struct fixture *f, const char *name, const char *target)
{
	struct archive_entry *ent = new_entry(name, AE_IFREG, 0644, 0);

	archive_entry_set_hardlink(ent, target);
	assert_int_equal(archive_write_header(f->w, ent), ARCHIVE_OK);
	archive_entry_free(ent);
}

static void add_special(struct fixture *f, const char *name, mode_t type)
{
	struct archive_entry *ent = new_entry(name, type, 0666, 0);

	archive_entry_set_rdev(ent, makedev(1, 3));
	assert_int_equal(archive_write_header(f->w, ent), ARCHIVE_OK);
	archive_entry_free(ent);
}

/* Hand-made ustar pieces for headers libarchive's writer would not produce. */
static void raw_header(unsigned char h[512], const char *name, char type, uint64_t size)
{
	unsigned sum = 0;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011" PRIo64, size);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

static void write_all(int fd, const void *p, size_t len)
{
	assert_int_equal(write(fd, p, len), (ssize_t)len);
}

static void raw_padding(int fd, uint64_t len)
{
	static const unsigned char zero[512];

	if (len % 512)
		write_all(fd, zero, 512 - len % 512);
}

/* A pax 'x' header carrying one "key=value" record. */
static void raw_pax(int fd, const char *key, const char *value)
{
	unsigned char h[512];
	char rec[1024];
	size_t body = strlen(key) + strlen(value) + 3, n = 1;

	while ((size_t)snprintf(rec, sizeof(rec), "%zu", body + n) != n)
		n++;
	snprintf(rec, sizeof(rec), "%zu %s=%s\n", body + n, key, value);
	raw_header(h, "PaxHeader", 'x', strlen(rec));
	write_all(fd, h, 512);
	write_all(fd, rec, strlen(rec));
	raw_padding(fd, strlen(rec));
}

static void raw_end(int fd)
{
	static const unsigned char zero[1024];

	write_all(fd, zero, sizeof(zero));
}

/* Append one gzip member holding buf (libarchive's raw format + gzip filter);
 * members concatenate into one gzip stream. */
static void gzip_member(int fd, const void *buf, size_t len)
{
	struct archive *w = archive_write_new();
	struct archive_entry *ent = new_entry("raw", AE_IFREG, 0644, (int64_t)len);

	assert_int_equal(lseek(fd, 0, SEEK_END) >= 0, 1);
	assert_int_equal(archive_write_set_format_raw(w), ARCHIVE_OK);
	assert_int_equal(archive_write_add_filter_gzip(w), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_in_last_block(w, 1), ARCHIVE_OK);
	assert_int_equal(archive_write_open_fd(w, fd), ARCHIVE_OK);
	assert_int_equal(archive_write_header(w, ent), ARCHIVE_OK);
	if (len)
		assert_int_equal(archive_write_data(w, buf, len), (ssize_t)len);
	assert_int_equal(archive_write_close(w), ARCHIVE_OK);
	archive_write_free(w);
	archive_entry_free(ent);
}

/* ---- helpers ---- */

static int run(struct fixture *f, const struct ignore_rules *ign, const struct extract_limits *lim)
{
	ferr_clear(&f->e);
	return artifact_extract(f->blob_fd, f->dest_fd, ign, lim, &f->st, &f->e);
}

static void expect_error(struct fixture *f, const struct extract_limits *lim, const char *msg)
{
	assert_int_equal(run(f, NULL, lim), -1);
	assert_string_equal(f->e.msg, msg);
	assert_string_equal(f->e.reason, REASON);
}

static char *read_at(int dirfd, const char *name)
{
	struct buf b;

	if (fs_read_file_at(dirfd, name, 1 << 20, &b) < 0)
		return NULL;
	return buf_steal(&b, NULL);
}

static void assert_content(int dirfd, const char *name, const char *expected)
{
	char *got = read_at(dirfd, name);

	if (!got)
		fail_msg("%s: %s", name, strerror(errno));
	assert_string_equal(got, expected);
	free(got);
}

static mode_t mode_at(int dirfd, const char *name)
{
	struct stat st;

	assert_int_equal(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	return st.st_mode;
}

static size_t count_entries(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	assert_true(fd >= 0);
	d = fdopendir(fd);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* The scratch dir holds exactly dest/ and an empty outside/. */
static void assert_nothing_outside(struct fixture *f)
{
	assert_int_equal(count_entries(f->tmp_fd, "."), 2);
	assert_int_equal(count_entries(f->tmp_fd, "outside"), 0);
}

/* ---- well-formed archives ---- */

static void extract_simple(struct fixture *f, enum comp comp)
{
	tar_begin(f, comp);
	add_dir(f, "./", 0755);
	add_file(f, "./manifest.yaml", "kind: ConfigMap\n", 0644);
	add_dir(f, "./conf", 0755);
	add_file(f, "./conf/app.conf", "port=80\n", 0640);
	add_file(f, "deep/er/x.txt", "x", 0600);
	add_file(f, "a//b/./c", "normalized", 0644);
	tar_end(f);

	assert_int_equal(run(f, NULL, NULL), 0);
	assert_content(f->dest_fd, "manifest.yaml", "kind: ConfigMap\n");
	assert_content(f->dest_fd, "conf/app.conf", "port=80\n");
	assert_content(f->dest_fd, "deep/er/x.txt", "x");
	assert_content(f->dest_fd, "a/b/c", "normalized");
	assert_true(S_ISDIR(mode_at(f->dest_fd, "deep/er")));
	assert_int_equal(mode_at(f->dest_fd, "deep") & 07777, 0755);
	assert_int_equal(f->st.files, 4);
	assert_int_equal(f->st.dirs, 1);
	assert_int_equal(f->st.bytes, 16 + 8 + 1 + 10);
	assert_int_equal(f->st.symlinks_skipped, 0);
	assert_nothing_outside(f);
}

static void test_plain_tar(void **state)
{
	extract_simple(*state, COMP_NONE);
}

static void test_gzip_tar(void **state)
{
	extract_simple(*state, COMP_GZIP);
}

static void test_zstd_tar(void **state)
{
	extract_simple(*state, COMP_ZSTD);
}

static void test_reads_from_start_of_fd(void **state)
{
	struct fixture *f = *state;

	tar_begin(f, COMP_GZIP);
	add_file(f, "f", "data", 0644);
	tar_end(f);
	/* the fd is left at its end, as after hashing */
	assert_true(lseek(f->blob_fd, 0, SEEK_END) > 0);
	assert_int_equal(run(f, NULL, NULL), 0);
	assert_content(f->dest_fd, "f", "data");
}

static void test_utf8_pax_name(void **state)
{
	struct fixture *f = *state;
	unsigned char h[512];

	raw_pax(f->blob_fd, "path", "d\xc3\xa9j\xc3\xa0/\xe2\x9c\x93.txt");
	raw_header(h, "placeholder", '0', 2);
	write_all(f->blob_fd, h, 512);
	write_all(f->blob_fd, "ok", 2);
	raw_padding(f->blob_fd, 2);
	raw_end(f->blob_fd);
	assert_int_equal(run(f, NULL, NULL), 0);
	assert_content(f->dest_fd, "d\xc3\xa9j\xc3\xa0/\xe2\x9c\x93.txt", "ok");
}

static void test_empty_archive(void **state)
{
	struct fixture *f = *state;

	raw_end(f->blob_fd);
	assert_int_equal(run(f, NULL, NULL), 0);
	assert_int_equal(f->st.files, 0);
	assert_int_equal(count_entries(f->tmp_fd, "dest"), 0);
}

/* ---- input that is not a tar ---- */

static void test_not_a_tar(void **state)
{
	struct fixture *f = *state;
	static const char junk[2048] = "this is not a tar archive at all";

	write_all(f->blob_fd, junk, sizeof(junk));
	assert_int_equal(run(f, NULL, NULL), -1);
	assert_true(str_has_prefix(f->e.msg, "not a tar archive: "));
	assert_string_equal(f->e.reason, REASON);

	/* gzip around junk */
	assert_int_equal(ftruncate(f->blob_fd, 0), 0);
	assert_int_equal(lseek(f->blob_fd, 0, SEEK_SET), 0);
	gzip_member(f->blob_fd, junk, sizeof(junk));
	assert_int_equal(run(f, NULL, NULL), -1);
	assert_true(str_has_prefix(f->e.msg, "not a tar archive: "));

	/* empty input */
	assert_int_equal(ftruncate(f->blob_fd, 0), 0);
	assert_int_equal(run(f, NULL, NULL), -1);
	assert_true(str_has_prefix(f->e.msg, "not a tar archive: "));
}

static void test_other_formats_refused(void **state)
{
	struct fixture *f = *state;

	/* zip and bzip2 are valid archives libarchive could read, but not here */
	f->w = archive_write_new();
	assert_int_equal(archive_write_set_format_zip(f->w), ARCHIVE_OK);
	assert_int_equal(archive_write_open_fd(f->w, f->blob_fd), ARCHIVE_OK);
	add_file(f, "f", "zip", 0644);
	tar_end(f);
	assert_int_equal(run(f, NULL, NULL), -1);
	assert_true(str_has_prefix(f->e.msg, "not a tar archive: "));

	assert_int_equal(ftruncate(f->blob_fd, 0), 0);
	assert_int_equal(lseek(f->blob_fd, 0, SEEK_SET), 0);
	f->w = archive_write_new();
	assert_int_equal(archive_write_set_format_pax_restricted(f->w), ARCHIVE_OK);
	assert_int_equal(archive_write_add_filter_bzip2(f->w), ARCHIVE_OK);
	assert_int_equal(archive_write_open_fd(f->w, f->blob_fd), ARCHIVE_OK);
	add_file(f, "f", "bz", 0644);
	tar_end(f);
	assert_int_equal(run(f, NULL, NULL), -1);
	assert_true(str_has_prefix(f->e.msg, "not a tar archive: "));
	assert_false(fs_exists_at(f->dest_fd, "f"));
}

static void test_truncated_archive(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	tar_begin(f, COMP_GZIP);
	add_file(f, "first", "complete", 0644);
	add_zeros(f, "second", 1 << 20);
	tar_end(f);
	assert_int_equal(fstat(f->blob_fd, &st), 0);
	assert_int_equal(ftruncate(f->blob_fd, st.st_size / 2), 0);
	assert_int_equal(run(f, NULL, NULL), -1);
	assert_true(str_has_prefix(f->e.msg, "tar entry \"second\": ") ||
		    str_has_prefix(f->e.msg, "corrupt tar archive after entry \"first\": "));
	assert_string_equal(f->e.reason, REASON);
}

/* ---- names ---- */

static void test_path_traversal(void **state)
{
	struct fixture *f = *state;

	tar_begin(f, COMP_NONE);
	add_file(f, "../evil", "pwned", 0644);
	tar_end(f);
	expect_error(f, NULL, "tar entry \"../evil\": path escapes the destination");
	assert_nothing_outside(f);

	assert_int_equal(ftruncate(f->blob_fd, 0), 0);
	assert_int_equal(lseek(f->blob_fd, 0, SEEK_SET), 0);
	tar_begin(f, COMP_GZIP);
	add_file(f, "a/../../evil", "pwned", 0644);
	tar_end(f);
	expect_error(f, NULL, "tar entry \"a/../../evil\": path escapes the destination");
	assert_nothing_outside(f);
	assert_int_equal(count_entries(f->tmp_fd, "dest"), 0);

	assert_int_equal(ftruncate(f->blob_fd, 0), 0);
	assert_int_equal(lseek(f->blob_fd, 0, SEEK_SET), 0);
	tar_begin(f, COMP_NONE);
	add_dir(f, "sub/..", 0755);
	tar_end(f);
	expect_error(f, NULL, "tar entry \"sub/../\": path escapes the destination");
}

static void test_absolute_path(void **state)
{
	struct fixture *f = *state;
	char *abs = xasprintf("%s/outside/abs", f->tmp);
	char *msg = xasprintf("tar entry \"%s\": absolute path", abs);

	tar_begin(f, COMP_GZIP);
	add_file(f, abs, "pwned", 0644);
	tar_end(f);
	expect_error(f, NULL, msg);
	assert_nothing_outside(f);
	free(abs);
	free(msg);
}

static void test_backslash_and_empty_names(void **state)
{
	struct fixture *f = *state;
	unsigned char h[512];

	tar_begin(f, COMP_NONE);
	add_file(f, "a\\b", "x", 0644);
	tar_end(f);
	expect_error(f, NULL, "tar entry \"a\\\\b\": backslash in name");

	assert_int_equal(ftruncate(f->blob_fd, 0), 0);
	assert_int_equal(lseek(f->blob_fd, 0, SEEK_SET), 0);
	raw_pax(f->blob_fd, "path", "");
	raw_header(h, "", '0', 0);
	write_all(f->blob_fd, h, 512);
	raw_end(f->blob_fd);
	assert_int_equal(run(f, NULL, NULL), -1);
	assert_string_equal(f->e.reason, REASON);
	assert_true(strstr(f->e.msg, "empty name") || str_has_prefix(f->e.msg, "not a tar archive: "));
}

static void test_control_bytes_quoted_in_messages(void **state)
{
	struct fixture *f = *state;

	unsigned char h[512];

	raw_header(h, "../x\n\"y\xff", '0', 0);
	write_all(f->blob_fd, h, 512);
	raw_end(f->blob_fd);
	expect_error(f, NULL, "tar entry \"../x\\x0a\\\"y\\xff\": path escapes the destination");
}

static void test_long_names(void **state)
{
	struct fixture *f = *state;
	char name[2048], msg[4096];
	size_t n = 0;

	/* a 255-byte component and 64 levels are fine */
	memset(name, 'n', 255);
	strcpy(name + 255, "/ok");
	tar_begin(f, COMP_NONE);
	add_file(f, name, "long", 0644);
	for (int i = 0; i < 63; i++) {
		name[n++] = 'd';
		name[n++] = '/';
	}
	strcpy(name + n, "leaf");
	add_file(f, name, "deep", 0644);
	tar_end(f);
	assert_int_equal(run(f, NULL, NULL), 0);
	assert_content(f->dest_fd, name, "deep");

	/* a 256-byte component */
	assert_int_equal(ftruncate(f->blob_fd, 0), 0);
	assert_int_equal(lseek(f->blob_fd, 0, SEEK_SET), 0);
	memset(name, 'n', 256);
	name[256] = '\0';
	tar_begin(f, COMP_NONE);
	add_file(f, name, "x", 0644);
	tar_end(f);
	snprintf(msg, sizeof(msg), "tar entry \"%.200s...\": name component longer than 255 bytes", name);
	expect_error(f, NULL, msg);

	/* 65 levels */
	assert_int_equal(ftruncate(f->blob_fd, 0), 0);
	assert_int_equal(lseek(f->blob_fd, 0, SEEK_SET), 0);
	n = 0;
	for (int i = 0; i < 64; i++) {
		name[n++] = 'd';
		name[n++] = '/';
	}
	strcpy(name + n, "leaf");
	tar_begin(f, COMP_NONE);
	add_file(f, name, "x", 0644);
	tar_end(f);
	snprintf(msg, sizeof(msg), "tar entry \"%s\": path nested deeper than 64 levels", name);
	expect_error(f, NULL, msg);

	/* 1025 bytes in total */
	assert_int_equal(ftruncate(f->blob_fd, 0), 0);
	assert_int_equal(lseek(f->blob_fd, 0, SEEK_SET), 0);
	n = 0;
	while (n < 1025) {
		memset(name + n, 'p', 100);
		n += 100;
		name[n++] = '/';
	}
	name[1025] = '\0';
	tar_begin(f, COMP_NONE);
	add_file(f, name, "x", 0644);
	tar_end(f);
	snprintf(msg, sizeof(msg), "tar entry \"%.200s...\": path longer than 1024 bytes", name);
	expect_error(f, NULL, msg);
}

/* ---- entry types ---- */

static void test_symlink_then_write_through_it(void **state)
{
	struct fixture *f = *state;
	char *target = xasprintf("%s/outside", f->tmp);

	tar_begin(f, COMP_GZIP);
	add_symlink(f, "link", target);
	add_file(f, "link/file", "would escape", 0644);
	add_symlink(f, "rel", "../outside");
	add_file(f, "rel/file2", "would escape", 0644);
	tar_end(f);
	assert_int_equal(run(f, NULL, NULL), 0);
	assert_int_equal(f->st.symlinks_skipped, 2);
	assert_string_equal(f->st.first_symlink, "link");
	assert_nothing_outside(f);
	/* the names became plain directories inside dest */
	assert_true(S_ISDIR(mode_at(f->dest_fd, "link")));
	assert_content(f->dest_fd, "link/file", "would escape");
	assert_true(S_ISDIR(mode_at(f->dest_fd, "rel")));
	free(target);
}

static void test_hardlink_refused(void **state)
{
	struct fixture *f = *state;

	tar_begin(f, COMP_NONE);
	add_file(f, "a", "data", 0644);
	add_hardlink(f, "b", "a");
	tar_end(f);
	expect_error(f, NULL, "tar entry \"b\": unsupported file type hard link");
	assert_false(fs_exists_at(f->dest_fd, "b"));
}

static void test_devices_and_fifos_refused(void **state)
{
	struct fixture *f = *state;
	static const struct {
		mode_t type;
		const char *name;
		const char *msg;
	} cases[] = {
		{ AE_IFCHR, "dev/null", "tar entry \"dev/null\": unsupported file type character device" },
		{ AE_IFBLK, "dev/sda", "tar entry \"dev/sda\": unsupported file type block device" },
		{ AE_IFIFO, "pipe", "tar entry \"pipe\": unsupported file type FIFO" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(ftruncate(f->blob_fd, 0), 0);
		assert_int_equal(lseek(f->blob_fd, 0, SEEK_SET), 0);
		tar_begin(f, COMP_NONE);
		add_special(f, cases[i].name, cases[i].type);
		tar_end(f);
		expect_error(f, NULL, cases[i].msg);
		assert_false(fs_exists_at(f->dest_fd, cases[i].name));
	}
}

static void test_duplicate_paths(void **state)
{
	struct fixture *f = *state;

	tar_begin(f, COMP_NONE);
	add_dir(f, "x", 0755);
	add_file(f, "x", "file over dir", 0644);
	tar_end(f);
	expect_error(f, NULL, "tar entry \"x\": duplicate path");

	fs_empty_dir_at(f->dest_fd);
	assert_int_equal(ftruncate(f->blob_fd, 0), 0);
	assert_int_equal(lseek(f->blob_fd, 0, SEEK_SET), 0);
	tar_begin(f, COMP_GZIP);
	add_file(f, "f", "first", 0644);
	add_file(f, "f", "second", 0644);
	tar_end(f);
	expect_error(f, NULL, "tar entry \"f\": duplicate path");
	assert_content(f->dest_fd, "f", "first");

	fs_empty_dir_at(f->dest_fd);
	assert_int_equal(ftruncate(f->blob_fd, 0), 0);
	assert_int_equal(lseek(f->blob_fd, 0, SEEK_SET), 0);
	tar_begin(f, COMP_NONE);
	add_file(f, "y", "file", 0644);
	add_dir(f, "y", 0755);
	tar_end(f);
	expect_error(f, NULL, "tar entry \"y/\": duplicate path");

	fs_empty_dir_at(f->dest_fd);
	assert_int_equal(ftruncate(f->blob_fd, 0), 0);
	assert_int_equal(lseek(f->blob_fd, 0, SEEK_SET), 0);
	tar_begin(f, COMP_NONE);
	add_dir(f, "d", 0755);
	add_dir(f, "./d/", 0700);
	tar_end(f);
	expect_error(f, NULL, "tar entry \"./d/\": duplicate path");

	/* a directory first made as a parent may still get its own entry */
	fs_empty_dir_at(f->dest_fd);
	assert_int_equal(ftruncate(f->blob_fd, 0), 0);
	assert_int_equal(lseek(f->blob_fd, 0, SEEK_SET), 0);
	tar_begin(f, COMP_NONE);
	add_file(f, "p/q", "child first", 0644);
	add_dir(f, "p", 0750);
	tar_end(f);
	assert_int_equal(run(f, NULL, NULL), 0);
	assert_int_equal(mode_at(f->dest_fd, "p") & 07777, 0750);
}

static void test_file_as_parent_refused(void **state)
{
	struct fixture *f = *state;

	tar_begin(f, COMP_NONE);
	add_file(f, "a", "plain file", 0644);
	add_file(f, "a/b", "below a file", 0644);
	tar_end(f);
	expect_error(f, NULL, "tar entry \"a/b\": parent \"a\" is not a directory");
}

static void test_modes_masked(void **state)
{
	struct fixture *f = *state;

	tar_begin(f, COMP_GZIP);
	add_file(f, "suid", "x", 04777);
	add_file(f, "sgid", "x", 02755);
	add_file(f, "world", "x", 0666);
	add_file(f, "private", "x", 0600);
	add_file(f, "exec", "x", 0750);
	add_file(f, "writeonly", "x", 0200);
	add_file(f, "none", "x", 0000);
	add_file(f, "exec-only", "x", 0111);
	add_dir(f, "sticky", 01777);
	add_dir(f, "setgid", 02775);
	add_dir(f, "readonly", 0500);
	add_dir(f, "closed", 0000);
	tar_end(f);
	assert_int_equal(run(f, NULL, NULL), 0);
	assert_int_equal(mode_at(f->dest_fd, "suid") & 07777, 0755);
	assert_int_equal(mode_at(f->dest_fd, "sgid") & 07777, 0755);
	assert_int_equal(mode_at(f->dest_fd, "world") & 07777, 0644);
	assert_int_equal(mode_at(f->dest_fd, "private") & 07777, 0600);
	assert_int_equal(mode_at(f->dest_fd, "exec") & 07777, 0750);
	/* ferry, unprivileged, must read what it stores (fsync before promotion) */
	assert_int_equal(mode_at(f->dest_fd, "writeonly") & 07777, 0600);
	assert_int_equal(mode_at(f->dest_fd, "none") & 07777, 0400);
	assert_int_equal(mode_at(f->dest_fd, "exec-only") & 07777, 0511);
	assert_int_equal(mode_at(f->dest_fd, "sticky") & 07777, 0755);
	assert_int_equal(mode_at(f->dest_fd, "setgid") & 07777, 0755);
	assert_int_equal(mode_at(f->dest_fd, "readonly") & 07777, 0700);
	assert_int_equal(mode_at(f->dest_fd, "closed") & 07777, 0700);
}

/* ---- sizes and counts ---- */

static void test_size_bomb_stops_on_real_bytes(void **state)
{
	struct fixture *f = *state;
	struct extract_limits lim = { .file_bytes = 1 << 20 };
	struct stat st;

	tar_begin(f, COMP_GZIP);
	add_zeros(f, "big", 64ULL << 20);
	tar_end(f);
	assert_int_equal(fstat(f->blob_fd, &st), 0);
	assert_true(st.st_size < (1 << 20));
	expect_error(f, &lim, "tar entry \"big\": exceeds the 1048576-byte file limit");
	assert_int_equal(fstatat(f->dest_fd, "big", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(st.st_size <= (1 << 20));
}

static void test_default_file_limit(void **state)
{
	struct fixture *f = *state;
	struct archive_entry *ent;
	struct stat st;
	char data[4096];

	/* a sparse entry puts 4 KiB of data past 2 GiB: no 2 GiB is written */
	memset(data, 'x', sizeof(data));
	ent = new_entry("big", AE_IFREG, 0644, 3LL << 30);
	archive_entry_sparse_add_entry(ent, (3LL << 30) - 4096, 4096);
	tar_begin(f, COMP_ZSTD);
	assert_int_equal(archive_write_header(f->w, ent), ARCHIVE_OK);
	assert_int_equal(archive_write_data(f->w, data, sizeof(data)), (ssize_t)sizeof(data));
	archive_entry_free(ent);
	tar_end(f);
	expect_error(f, NULL, "tar entry \"big\": exceeds the 2147483648-byte file limit");
	assert_int_equal(fstatat(f->dest_fd, "big", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_size, 0);
}

static void test_sparse_file_within_limits(void **state)
{
	struct fixture *f = *state;
	struct archive_entry *ent;
	struct stat st;
	char data[4096];

	memset(data, 'x', sizeof(data));
	ent = new_entry("holes", AE_IFREG, 0644, 1 << 20);
	archive_entry_sparse_add_entry(ent, 8192, 4096);
	tar_begin(f, COMP_NONE);
	assert_int_equal(archive_write_header(f->w, ent), ARCHIVE_OK);
	assert_int_equal(archive_write_data(f->w, data, sizeof(data)), (ssize_t)sizeof(data));
	archive_entry_free(ent);
	tar_end(f);
	assert_int_equal(run(f, NULL, NULL), 0);
	assert_int_equal(fstatat(f->dest_fd, "holes", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_size, 1 << 20);
	assert_int_equal(f->st.bytes, 1 << 20);
}

static void test_header_lies_about_size(void **state)
{
	struct fixture *f = *state;
	struct extract_limits lim = { .file_bytes = 1 << 20 };
	static const char zeros[65536];
	unsigned char h[512];
	struct stat st;

	/* ustar size field says 1 KiB, the pax record (which wins) 4 MiB */
	raw_pax(f->blob_fd, "size", "4194304");
	raw_header(h, "liar", '0', 1024);
	write_all(f->blob_fd, h, 512);
	for (int i = 0; i < 64; i++)
		write_all(f->blob_fd, zeros, sizeof(zeros));
	raw_end(f->blob_fd);
	expect_error(f, &lim, "tar entry \"liar\": exceeds the 1048576-byte file limit");
	assert_int_equal(fstatat(f->dest_fd, "liar", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(st.st_size <= (1 << 20));

	/* a header claiming 10 MiB with 100 real bytes: not a size error */
	fs_empty_dir_at(f->dest_fd);
	assert_int_equal(ftruncate(f->blob_fd, 0), 0);
	assert_int_equal(lseek(f->blob_fd, 0, SEEK_SET), 0);
	raw_header(h, "short", '0', 10 << 20);
	write_all(f->blob_fd, h, 512);
	write_all(f->blob_fd, zeros, 100);
	assert_int_equal(run(f, NULL, &lim), -1);
	assert_true(str_has_prefix(f->e.msg, "tar entry \"short\": "));
	assert_null(strstr(f->e.msg, "limit"));
}

static void test_total_limit(void **state)
{
	struct fixture *f = *state;
	struct extract_limits lim = { .total_bytes = 1 << 20 };

	tar_begin(f, COMP_GZIP);
	add_zeros(f, "a", 600 << 10);
	add_zeros(f, "b", 600 << 10);
	tar_end(f);
	expect_error(f, &lim, "tar entry \"b\": exceeds the 1048576-byte total size limit");
	assert_true(f->st.bytes <= (1 << 20));
}

static void test_inflated_limit_counts_skipped_data(void **state)
{
	struct fixture *f = *state;
	struct extract_limits lim = { .inflated_bytes = 1 << 20 };
	struct ignore_rules *ign = NULL;

	assert_int_equal(ignore_parse("*.iso\n", &ign, &f->e), 0);
	tar_begin(f, COMP_GZIP);
	add_file(f, "small", "kept", 0644);
	add_zeros(f, "skip.iso", 8 << 20);
	add_file(f, "after", "never reached", 0644);
	tar_end(f);
	assert_int_equal(run(f, ign, &lim), -1);
	assert_string_equal(f->e.msg, "tar entry \"skip.iso\": decompressed data exceeds the 1048576-byte limit");
	assert_false(fs_exists_at(f->dest_fd, "skip.iso"));
	assert_false(fs_exists_at(f->dest_fd, "after"));
	ignore_free(ign);
}

static void test_entry_limit(void **state)
{
	struct fixture *f = *state;
	struct extract_limits lim = { .entries = 10 };
	char name[16];

	tar_begin(f, COMP_NONE);
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		add_file(f, name, "x", 0644);
	}
	tar_end(f);
	assert_int_equal(run(f, NULL, &lim), 0);
	assert_int_equal(f->st.files, 10);

	fs_empty_dir_at(f->dest_fd);
	assert_int_equal(ftruncate(f->blob_fd, 0), 0);
	assert_int_equal(lseek(f->blob_fd, 0, SEEK_SET), 0);
	tar_begin(f, COMP_NONE);
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		add_symlink(f, name, "x");
	}
	add_file(f, "f10", "x", 0644);
	tar_end(f);
	expect_error(f, &lim, "tar entry \"f10\": archive has more than 10 entries");
	assert_false(fs_exists_at(f->dest_fd, "f10"));
}

/* Parent directories an entry implies are inodes too: one deep name per entry
 * must not multiply the tree past the entry limit. */
static void test_entry_limit_counts_implied_parents(void **state)
{
	struct fixture *f = *state;
	struct extract_limits lim = { .entries = 10 };

	tar_begin(f, COMP_NONE);
	add_file(f, "1/2/3/4/5/6/7/8/9/f", "x", 0644);
	tar_end(f);
	assert_int_equal(run(f, NULL, &lim), 0);
	assert_content(f->dest_fd, "1/2/3/4/5/6/7/8/9/f", "x");

	fs_empty_dir_at(f->dest_fd);
	assert_int_equal(ftruncate(f->blob_fd, 0), 0);
	assert_int_equal(lseek(f->blob_fd, 0, SEEK_SET), 0);
	tar_begin(f, COMP_NONE);
	add_file(f, "a/f", "x", 0644);
	add_file(f, "b/c/d/e/g/h/i/j/k/l/f", "x", 0644);
	tar_end(f);
	expect_error(f, &lim, "tar entry \"b/c/d/e/g/h/i/j/k/l/f\": archive has more than 10 entries "
		     "(counting the parent directories it implies)");
	assert_false(fs_exists_at(f->dest_fd, "b/c/d/e/g/h/i/j"));
	assert_false(fs_exists_at(f->dest_fd, "b/c/d/e/g/h/i/j/k/l/f"));
	assert_nothing_outside(f);
}

/* ---- ignore rules ---- */

static void test_ignore_rules_applied(void **state)
{
	struct fixture *f = *state;
	struct ignore_rules *ign = NULL;

	assert_int_equal(ignore_parse("# drop logs but one\n*.log\n!keep.log\nbuild/\n/docs/*.md\n!/docs/README.md\n",
				      &ign, &f->e), 0);
	tar_begin(f, COMP_ZSTD);
	add_file(f, "app.yaml", "a", 0644);
	add_file(f, "debug.log", "x", 0644);
	add_file(f, "keep.log", "k", 0644);
	add_file(f, "sub/trace.log", "x", 0644);
	add_dir(f, "build", 0755);
	add_file(f, "build/out.bin", "x", 0644);
	add_file(f, "build/keep.log", "x", 0644);
	add_file(f, "src/build/gen.c", "x", 0644);
	add_file(f, "docs/guide.md", "x", 0644);
	add_file(f, "docs/README.md", "r", 0644);
	add_file(f, "docs/sub/deep.md", "d", 0644);
	add_symlink(f, "old.log", "keep.log");
	tar_end(f);
	assert_int_equal(run(f, ign, NULL), 0);
	assert_content(f->dest_fd, "app.yaml", "a");
	assert_content(f->dest_fd, "keep.log", "k");
	assert_content(f->dest_fd, "docs/README.md", "r");
	assert_content(f->dest_fd, "docs/sub/deep.md", "d");
	assert_false(fs_exists_at(f->dest_fd, "debug.log"));
	assert_false(fs_exists_at(f->dest_fd, "sub/trace.log"));
	assert_false(fs_exists_at(f->dest_fd, "build"));
	assert_false(fs_exists_at(f->dest_fd, "src/build"));
	assert_false(fs_exists_at(f->dest_fd, "docs/guide.md"));
	assert_int_equal(f->st.ignored, 8);
	assert_int_equal(f->st.files, 4);
	assert_int_equal(f->st.symlinks_skipped, 0);
	ignore_free(ign);
}

/* ---- streaming ---- */

static long status_kib(const char *key)
{
	char line[256];
	long v = -1;
	FILE *fp = fopen("/proc/self/status", "re");

	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (str_has_prefix(line, key))
			v = strtol(line + strlen(key), NULL, 10);
	fclose(fp);
	return v;
}

static void test_extraction_streams(void **state)
{
	struct fixture *f = *state;
	const uint64_t size = 64ULL << 20;
	const size_t chunk = 1 << 20;
	unsigned char h[512];
	unsigned char *zeros = xcalloc(1, chunk);
	long before, peak;
	int fd;
	struct stat st;

	/* the zero chunk is compressed once and repeated as gzip members */
	raw_header(h, "zeros.bin", '0', size);
	gzip_member(f->blob_fd, h, sizeof(h));
	fd = memfd_create("member", MFD_CLOEXEC);
	assert_true(fd >= 0);
	gzip_member(fd, zeros, chunk);
	assert_int_equal(fstat(fd, &st), 0);
	{
		char *member = xmalloc((size_t)st.st_size);

		assert_int_equal(pread(fd, member, (size_t)st.st_size, 0), st.st_size);
		for (uint64_t done = 0; done < size; done += chunk)
			write_all(f->blob_fd, member, (size_t)st.st_size);
		free(member);
	}
	close(fd);
	gzip_member(f->blob_fd, zeros, 1024);
	free(zeros);

	fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "5", 1) != 1) {
		if (fd >= 0)
			close(fd);
		skip();
	}
	close(fd);
	before = status_kib("VmRSS:");
	assert_int_equal(run(f, NULL, NULL), 0);
	peak = status_kib("VmHWM:");
	assert_true(before > 0 && peak > 0);
	assert_int_equal(f->st.bytes, size);
	assert_int_equal(fstatat(f->dest_fd, "zeros.bin", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal((uint64_t)st.st_size, size);
	print_message("extracting %" PRIu64 " MiB raised peak RSS by %ld KiB\n", size >> 20, peak - before);
	if (peak - before > 16 * 1024)
		fail_msg("peak RSS grew by %ld KiB while extracting %" PRIu64 " MiB", peak - before,
			 size >> 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_plain_tar),
		T(test_gzip_tar),
		T(test_zstd_tar),
		T(test_reads_from_start_of_fd),
		T(test_utf8_pax_name),
		T(test_empty_archive),
		T(test_not_a_tar),
		T(test_other_formats_refused),
		T(test_truncated_archive),
		T(test_path_traversal),
		T(test_absolute_path),
		T(test_backslash_and_empty_names),
		T(test_control_bytes_quoted_in_messages),
		T(test_long_names),
		T(test_symlink_then_write_through_it),
		T(test_hardlink_refused),
		T(test_devices_and_fifos_refused),
		T(test_duplicate_paths),
		T(test_file_as_parent_refused),
		T(test_modes_masked),
		T(test_size_bomb_stops_on_real_bytes),
		T(test_default_file_limit),
		T(test_sparse_file_within_limits),
		T(test_header_lies_about_size),
		T(test_total_limit),
		T(test_inflated_limit_counts_skipped_data),
		T(test_entry_limit),
		T(test_entry_limit_counts_implied_parents),
		T(test_ignore_rules_applied),
		T(test_extraction_streams),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
