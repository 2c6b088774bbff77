/* fs.c - *at()-based, symlink-refusing file helpers for ferry's state. */
#include "util/fs.h"
#include "util/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_open_dir_at(int dirfd, const char *relpath, bool create, mode_t mode)
{
	char *copy = xstrdup(relpath), *save = NULL, *part;
	int cur;

	cur = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0) {
		free(copy);
		return -1;
	}
	for (part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		int next;

		if (strcmp(part, ".") == 0)
			continue;
		if (strcmp(part, "..") == 0) {
			errno = EINVAL;
			goto fail;
		}
		next = openat(cur, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(cur, part, mode) < 0 && errno != EEXIST)
				goto fail;
			next = openat(cur, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0)
			goto fail;
		close(cur);
		cur = next;
	}
	free(copy);
	return cur;
fail:
	{
		int saved = errno;
		close(cur);
		free(copy);
		errno = saved;
	}
	return -1;
}

int fs_open_dir(const char *path, bool create, mode_t mode)
{
	int base, fd, saved;

	if (path[0] == '/') {
		base = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		path++;
	} else {
		base = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (base < 0)
		return -1;
	if (!*path)
		return base;
	fd = fs_open_dir_at(base, path, create, mode);
	saved = errno;
	close(base);
	errno = saved;
	return fd;
}

int fs_fsync_dir(int dirfd)
{
	if (fsync(dirfd) < 0 && errno != EINVAL && errno != EROFS)
		return -1;
	return 0;
}

int fs_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
	char tmp[300];
	const unsigned char *p = data;
	size_t off = 0;
	int fd, saved;

	if (snprintf(tmp, sizeof(tmp), ".%s.tmp.%d", name, (int)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) < 0)
		goto fail;
	return fs_fsync_dir(dirfd);
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	errno = saved;
	return -1;
}

int fs_read_fd(int fd, struct buf *out)
{
	unsigned char chunk[65536];

	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		if (buf_append(out, chunk, (size_t)r) < 0)
			return -1;
	}
}

static int read_regular(int fd, size_t max, struct buf *out)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if ((unsigned long long)st.st_size > max) {
		errno = EFBIG;
		return -1;
	}
	buf_init(out, max);
	if (fs_read_fd(fd, out) < 0) {
		int saved = errno;
		buf_free(out);
		errno = saved;
		return -1;
	}
	buf_cstr(out);
	return 0;
}

int fs_read_file_at(int dirfd, const char *name, size_t max, struct buf *out)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	int r, saved;

	if (fd < 0)
		return -1;
	r = read_regular(fd, max, out);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int fs_read_file(const char *path, size_t max, struct buf *out)
{
	return fs_read_file_at(AT_FDCWD, path, max, out);
}

static int remove_children(int fd, int depth)
{
	DIR *d;
	struct dirent *de;
	int dupfd, rc = 0;

	if (depth > 256) {
		errno = ELOOP;
		return -1;
	}
	/* a fresh open, not dup(): a dup would share (and move) the caller's read position */
	dupfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dupfd < 0)
		return -1;
	d = fdopendir(dupfd);
	if (!d) {
		close(dupfd);
		return -1;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			rc = -1;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				/* a directory we cannot enter (mode 0): make it enterable */
				if (fchmodat(fd, de->d_name, 0700, 0) == 0)
					sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			}
			if (sub < 0) {
				rc = -1;
				continue;
			}
			fchmod(sub, 0700);
			if (remove_children(sub, depth + 1) < 0)
				rc = -1;
			close(sub);
			if (unlinkat(fd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
				rc = -1;
		} else if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT) {
			rc = -1;
		}
	}
	closedir(d);
	return rc;
}

int fs_empty_dir_at(int dirfd)
{
	return remove_children(dirfd, 0);
}

int fs_remove_tree_at(int dirfd, const char *name)
{
	struct stat st;
	int sub, rc;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
	sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0 && fchmodat(dirfd, name, 0700, 0) == 0)
		sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return -1;
	rc = remove_children(sub, 0);
	close(sub);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = -1;
	return rc;
}

bool fs_exists_at(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}
