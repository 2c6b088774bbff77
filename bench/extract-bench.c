/*
 * extract-bench.c - throughput and memory of artifact_extract.
 *
 * Usage: extract-bench [-s MIB] [-n FILES] [ARCHIVE]
 * Without ARCHIVE, builds a tar+gzip in $TMPDIR holding FILES zero-filled
 * entries of MIB MiB in total (default: one entry of 256 MiB; the zero
 * chunk is compressed once and repeated as concatenated gzip members, so
 * building is quick). Extracts it into a fresh directory and prints wall
 * time, MiB/s and how much the peak RSS grew: extraction streams, so the
 * growth must stay flat whatever the archive size.
 * Build: make bench/extract-bench (in the build directory).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "artifact/extract.h"
#include "util/fs.h"
#include "util/mem.h"

#define CHUNK (1u << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long status_kib(const char *key)
{
	char line[256];
	long v = -1;
	FILE *fp = fopen("/proc/self/status", "re");

	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (strncmp(line, key, strlen(key)) == 0)
			v = strtol(line + strlen(key), NULL, 10);
	fclose(fp);
	return v;
}

static void die(const char *what)
{
	fprintf(stderr, "extract-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* One gzip member holding buf, appended to fd. */
static void gzip_member(int fd, const void *buf, size_t len)
{
	struct archive *w = archive_write_new();
	struct archive_entry *ent = archive_entry_new();

	archive_entry_set_pathname(ent, "raw");
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_size(ent, (la_int64_t)len);
	if (lseek(fd, 0, SEEK_END) < 0 || archive_write_set_format_raw(w) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(w) != ARCHIVE_OK || archive_write_set_bytes_in_last_block(w, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(w, fd) != ARCHIVE_OK || archive_write_header(w, ent) != ARCHIVE_OK ||
	    (len && archive_write_data(w, buf, len) != (la_ssize_t)len) || archive_write_close(w) != ARCHIVE_OK) {
		fprintf(stderr, "extract-bench: gzip: %s\n", archive_error_string(w));
		exit(1);
	}
	archive_write_free(w);
	archive_entry_free(ent);
}

static void ustar_header(unsigned char h[512], const char *name, uint64_t size)
{
	unsigned sum = 0;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011" PRIo64, size);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

/* files entries of total_mib / files MiB each (whole MiB). */
static void build_archive(int fd, unsigned total_mib, unsigned files)
{
	unsigned char *zeros = xcalloc(1, CHUNK);
	unsigned per_file = total_mib / files;
	int mfd = memfd_create("member", MFD_CLOEXEC);
	struct stat st;
	char *member;

	if (mfd < 0)
		die("memfd_create");
	gzip_member(mfd, zeros, CHUNK);
	if (fstat(mfd, &st) < 0)
		die("fstat");
	member = xmalloc((size_t)st.st_size);
	if (pread(mfd, member, (size_t)st.st_size, 0) != st.st_size)
		die("pread");
	for (unsigned f = 0; f < files; f++) {
		unsigned char h[512];
		char name[64];

		snprintf(name, sizeof(name), "zeros-%u.bin", f);
		ustar_header(h, name, (uint64_t)per_file * CHUNK);
		gzip_member(fd, h, sizeof(h));
		for (unsigned i = 0; i < per_file; i++)
			if (write(fd, member, (size_t)st.st_size) != st.st_size)
				die("write");
	}
	gzip_member(fd, zeros, 1024);
	free(member);
	free(zeros);
	close(mfd);
}

int main(int argc, char **argv)
{
	unsigned total_mib = 256, files = 1;
	const char *tmp = getenv("TMPDIR");
	char *dir, *blob_path;
	int opt, blob_fd, dest_fd, root, clear;
	struct extract_stats st;
	struct ferry_err e = { 0 };
	long rss_before, hwm_after;
	double t0, t1;

	while ((opt = getopt(argc, argv, "s:n:")) != -1) {
		if (opt == 's')
			total_mib = (unsigned)strtoul(optarg, NULL, 10);
		else if (opt == 'n')
			files = (unsigned)strtoul(optarg, NULL, 10);
		else {
			fprintf(stderr, "usage: extract-bench [-s MIB] [-n FILES] [ARCHIVE]\n");
			return 2;
		}
	}
	if (!files || total_mib < files) {
		fprintf(stderr, "extract-bench: need 1 <= FILES <= MIB\n");
		return 2;
	}
	dir = xasprintf("%s/ferry-extract-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		die("mkdtemp");
	if (optind < argc) {
		blob_fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
		if (blob_fd < 0)
			die(argv[optind]);
	} else {
		blob_path = xasprintf("%s/layer.tar.gz", dir);
		blob_fd = open(blob_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (blob_fd < 0)
			die(blob_path);
		t0 = now();
		build_archive(blob_fd, total_mib, files);
		printf("built %u MiB in %u file(s) as %lld bytes of gzip in %.2fs\n", total_mib, files,
		       (long long)lseek(blob_fd, 0, SEEK_END), now() - t0);
		free(blob_path);
	}
	root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || mkdirat(root, "out", 0700) < 0)
		die(dir);
	dest_fd = openat(root, "out", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dest_fd < 0)
		die(dir);

	clear = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	if (clear >= 0) {
		if (write(clear, "5", 1) != 1)
			fprintf(stderr, "extract-bench: cannot reset the peak RSS; growth is an upper bound\n");
		close(clear);
	}
	rss_before = status_kib("VmRSS:");
	t0 = now();
	if (artifact_extract(blob_fd, dest_fd, NULL, NULL, &st, &e) < 0) {
		fprintf(stderr, "extract-bench: %s\n", e.msg);
		return 1;
	}
	t1 = now();
	hwm_after = status_kib("VmHWM:");
	printf("extracted %" PRIu64 " file(s), %" PRIu64 " MiB in %.2fs: %.0f MiB/s; peak RSS grew %ld KiB (%ld -> %ld)\n",
	       st.files, st.bytes >> 20, t1 - t0, (double)(st.bytes >> 20) / (t1 - t0), hwm_after - rss_before,
	       rss_before, hwm_after);

	close(dest_fd);
	close(blob_fd);
	if (fs_empty_dir_at(root) < 0)
		fprintf(stderr, "extract-bench: cleanup of %s incomplete\n", dir);
	close(root);
	rmdir(dir);
	free(dir);
	return 0;
}
