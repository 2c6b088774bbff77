/*
 * store.c - the artifact store under the state dir: opening and creating the
 * layout, private staging entries, promotion (rename + atomic `current` swap
 * + fsync), garbage collection of old revisions, and source removal.
 *
 * Every access goes through directory fds with O_NOFOLLOW; the only symlink
 * ferry creates or follows here is `current`, and its target is always a
 * bare revision name checked before use.
 */
#include "artifact/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/digest.h"
#include "util/fs.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"

#define REASON_DIR        "DirectoryCreationFailed"
#define REASON_STORE      "ArchiveOperationFailed"
#define CURRENT_LINK      "current"
#define CURRENT_TMP_PREFIX ".current."
#define BLOB_SUFFIX       ".blob"
#define RANDOM_LEN        6
/* "<prefix>.XXXXXX.blob" must fit in NAME_MAX */
#define STAGE_PREFIX_MAX  (NAME_MAX - 1 - RANDOM_LEN - (int)(sizeof(BLOB_SUFFIX) - 1))
#define PREFIX_HASH_LEN   16

static const char random_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* A single path component that cannot be ".", "..", hidden or nested. */
static bool valid_component(const char *s)
{
	return s && *s && *s != '.' && !strchr(s, '/') && strlen(s) <= NAME_MAX;
}

static bool valid_hex(const char *hex)
{
	if (!hex || strlen(hex) != DIGEST_HEX_LEN)
		return false;
	for (const char *p = hex; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* "<hex>" or "<hex>.blob" */
static bool is_revision_name(const char *n)
{
	size_t len = strlen(n);

	if (len == DIGEST_HEX_LEN + sizeof(BLOB_SUFFIX) - 1 && str_has_suffix(n, BLOB_SUFFIX)) {
		char hex[DIGEST_HEX_LEN + 1];

		memcpy(hex, n, DIGEST_HEX_LEN);
		hex[DIGEST_HEX_LEN] = '\0';
		return valid_hex(hex);
	}
	return valid_hex(n);
}

static void random_suffix(char out[RANDOM_LEN + 1])
{
	unsigned char rnd[RANDOM_LEN];

	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
		struct timespec ts;
		unsigned long long mix;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		mix = (unsigned long long)ts.tv_nsec * 2654435761ULL ^ (unsigned long long)getpid() << 20 ^
		      (unsigned long long)ts.tv_sec;
		for (int i = 0; i < RANDOM_LEN; i++, mix >>= 7)
			rnd[i] = (unsigned char)mix;
	}
	for (int i = 0; i < RANDOM_LEN; i++)
		out[i] = random_alphabet[rnd[i] % (sizeof(random_alphabet) - 1)];
	out[RANDOM_LEN] = '\0';
}

/* "<ns>_<name>", or for very long names a cut of it plus a hash of both, so
 * that staging names always fit in one path component. */
static char *stage_prefix(const char *ns, const char *name)
{
	char *full = xasprintf("%s_%s", ns, name);
	char hex[DIGEST_HEX_LEN + 1];
	char *cut;

	if (strlen(full) <= (size_t)STAGE_PREFIX_MAX)
		return full;
	sha256_hex(full, strlen(full), hex);
	cut = xasprintf("%.*s~%.*s", STAGE_PREFIX_MAX - 1 - PREFIX_HASH_LEN, full, PREFIX_HASH_LEN, hex);
	free(full);
	return cut;
}

static int check_source(const char *ns, const char *name, struct ferry_err *e)
{
	if (!valid_component(ns) || !valid_component(name))
		return ferr_set(e, REASON_DIR, "invalid source name '%s/%s'", ns ? ns : "", name ? name : "");
	return 0;
}

/* Open (with create, make 0755) a real subdirectory; -1 with errno, ELOOP
 * when it is a symlink. */
static int open_subdir(int dirfd, const char *name, bool create, mode_t mode)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
			return -1;
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && fchmod(fd, mode) < 0) {
			int saved = errno;

			close(fd);
			errno = saved;
			return -1;
		}
	}
	if (fd < 0 && errno == ENOTDIR) {
		struct stat st;

		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			errno = ELOOP;
	}
	return fd;
}

static const char *why(int err)
{
	return err == ELOOP ? "refusing a symbolic link" : strerror(err);
}

/* ---- open / close ---- */

static char *absolute_path(const char *path)
{
	char *abs, *cwd;
	size_t len;

	if (path[0] == '/') {
		abs = xstrdup(path);
	} else {
		cwd = getcwd(NULL, 0);
		if (!cwd)
			return NULL;
		abs = xasprintf("%s/%s", cwd, path);
		free(cwd);
	}
	len = strlen(abs);
	while (len > 1 && abs[len - 1] == '/')
		abs[--len] = '\0';
	return abs;
}

/* mkdir -p of the ancestors, following them (they belong to the system). */
static void make_ancestors(const char *path)
{
	char *copy = xstrdup(path);

	for (char *p = strchr(copy + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST)
			break;
		*p = '/';
	}
	free(copy);
}

static int open_root(struct store *s, struct ferry_err *e)
{
	bool created = false;

	make_ancestors(s->root);
	if (mkdir(s->root, 0755) == 0)
		created = true;
	else if (errno != EEXIST)
		return ferr_set(e, REASON_DIR, "cannot create state directory '%s': %s", s->root,
				strerror(errno));
	s->root_fd = open(s->root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->root_fd < 0)
		return ferr_set(e, REASON_DIR, "cannot open state directory '%s': %s", s->root,
				errno == ELOOP || errno == ENOTDIR ? "not a directory (symbolic link?)" :
				strerror(errno));
	if (created && fchmod(s->root_fd, 0755) < 0)
		return ferr_set(e, REASON_DIR, "cannot set mode of '%s': %s", s->root, strerror(errno));
	return 0;
}

static int open_layout_dir(struct store *s, const char *name, mode_t mode, int *fd, struct ferry_err *e)
{
	struct stat st;

	*fd = open_subdir(s->root_fd, name, true, mode);
	if (*fd < 0)
		return ferr_set(e, REASON_DIR, "cannot open '%s/%s': %s", s->root, name, why(errno));
	/* staging must stay private even if someone loosened it */
	if (mode == 0700 && fstat(*fd, &st) == 0 && (st.st_mode & 077) && fchmod(*fd, 0700) < 0)
		return ferr_set(e, REASON_DIR, "cannot set mode of '%s/%s': %s", s->root, name,
				strerror(errno));
	return 0;
}

int store_open(const char *state_dir, struct store *s, struct ferry_err *e)
{
	s->root = NULL;
	s->root_fd = s->artifacts_fd = s->tmp_fd = s->status_fd = -1;
	if (!state_dir || !*state_dir)
		return ferr_set(e, REASON_DIR, "empty state directory path");
	s->root = absolute_path(state_dir);
	if (!s->root)
		return ferr_set(e, REASON_DIR, "cannot resolve state directory '%s': %s", state_dir,
				strerror(errno));
	if (open_root(s, e) < 0 ||
	    open_layout_dir(s, "artifacts", 0755, &s->artifacts_fd, e) < 0 ||
	    open_layout_dir(s, "status", 0755, &s->status_fd, e) < 0 ||
	    open_layout_dir(s, "tmp", 0700, &s->tmp_fd, e) < 0) {
		store_close(s);
		return -1;
	}
	return 0;
}

void store_close(struct store *s)
{
	closep(&s->root_fd);
	closep(&s->artifacts_fd);
	closep(&s->tmp_fd);
	closep(&s->status_fd);
	free(s->root);
	s->root = NULL;
}

/* A new open file description of a directory: a dup() would share the
 * directory offset, and a listing read to its end would then read nothing
 * the next time. */
static int reopen_dir(int dirfd)
{
	return openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int store_clean_staging(struct store *s)
{
	_cleanup_close_ int fd = reopen_dir(s->tmp_fd);

	if (fd < 0)
		return -1;
	return fs_empty_dir_at(fd);
}

/* ---- staging ---- */

static int stage(struct store *s, const char *ns, const char *name, bool is_file, char **rel, int *fd,
		 struct ferry_err *e)
{
	_cleanup_free_ char *prefix = NULL;
	int err = 0;

	*rel = NULL;
	*fd = -1;
	if (check_source(ns, name, e) < 0)
		return -1;
	prefix = stage_prefix(ns, name);
	for (int attempt = 0; attempt < LIMIT_STAGE_NAME_ATTEMPTS; attempt++) {
		char rnd[RANDOM_LEN + 1];
		char *candidate;

		random_suffix(rnd);
		candidate = xasprintf("%s.%s%s", prefix, rnd, is_file ? BLOB_SUFFIX : "");
		if (is_file) {
			*fd = openat(s->tmp_fd, candidate, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (*fd >= 0 && fchmod(*fd, 0600) < 0) {
				err = errno;
				closep(fd);
				unlinkat(s->tmp_fd, candidate, 0);
				errno = err;
			}
		} else if (mkdirat(s->tmp_fd, candidate, 0700) == 0) {
			*fd = openat(s->tmp_fd, candidate, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (*fd < 0 || fchmod(*fd, 0700) < 0) {
				err = errno;
				closep(fd);
				unlinkat(s->tmp_fd, candidate, AT_REMOVEDIR);
				errno = err;
			}
		}
		if (*fd >= 0) {
			*rel = candidate;
			return 0;
		}
		err = errno;
		free(candidate);
		if (err != EEXIST)
			break;
	}
	return ferr_set(e, REASON_DIR, "cannot create staging %s in '%s/tmp': %s", is_file ? "file" : "directory",
			s->root, strerror(err));
}

int store_stage_dir(struct store *s, const char *ns, const char *name, char **rel, int *fd,
		    struct ferry_err *e)
{
	return stage(s, ns, name, false, rel, fd, e);
}

int store_stage_file(struct store *s, const char *ns, const char *name, char **rel, int *fd,
		     struct ferry_err *e)
{
	return stage(s, ns, name, true, rel, fd, e);
}

void store_unstage(struct store *s, const char *rel)
{
	if (!rel || !*rel || strchr(rel, '/') || !strcmp(rel, ".") || !strcmp(rel, ".."))
		return;
	if (fs_remove_tree_at(s->tmp_fd, rel) < 0)
		log_warn("cannot remove staging entry '%s/tmp/%s': %s", s->root, rel, strerror(errno));
}

bool store_is_stage_name(const char *ns, const char *name, const char *rel)
{
	_cleanup_free_ char *prefix = NULL;
	size_t plen;
	const char *rest;

	if (!valid_component(ns) || !valid_component(name) || !rel || strchr(rel, '/'))
		return false;
	prefix = stage_prefix(ns, name);
	plen = strlen(prefix);
	if (strncmp(rel, prefix, plen) != 0 || rel[plen] != '.')
		return false;
	rest = rel + plen + 1;
	for (int i = 0; i < RANDOM_LEN; i++)
		if (!rest[i] || !strchr(random_alphabet, rest[i]))
			return false;
	rest += RANDOM_LEN;
	return !*rest || !strcmp(rest, BLOB_SUFFIX);
}

/* ---- revisions ---- */

/* Open artifacts/<ns>/<name>; with create, make the missing levels. */
static int open_source_dir(struct store *s, const char *ns, const char *name, bool create,
			   struct ferry_err *e)
{
	_cleanup_close_ int ns_fd = -1;
	int fd;

	ns_fd = open_subdir(s->artifacts_fd, ns, create, 0755);
	if (ns_fd < 0)
		return ferr_set(e, REASON_DIR, "cannot open '%s/artifacts/%s': %s", s->root, ns, why(errno));
	fd = open_subdir(ns_fd, name, create, 0755);
	if (fd < 0)
		return ferr_set(e, REASON_DIR, "cannot open '%s/artifacts/%s/%s': %s", s->root, ns, name,
				why(errno));
	if (create && (fs_fsync_dir(ns_fd) < 0 || fs_fsync_dir(s->artifacts_fd) < 0)) {
		int err = errno;

		close(fd);
		return ferr_set(e, REASON_DIR, "cannot sync '%s/artifacts/%s': %s", s->root, ns, strerror(err));
	}
	return fd;
}

/* The revision `current` names, if it is a plausible one. */
static char *read_current(int src_fd)
{
	char target[NAME_MAX + 1];
	ssize_t n = readlinkat(src_fd, CURRENT_LINK, target, sizeof(target) - 1);

	if (n <= 0)
		return NULL;
	target[n] = '\0';
	return is_revision_name(target) ? xstrdup(target) : NULL;
}

static bool revision_present(int src_fd, const char *entry)
{
	struct stat st;

	if (fstatat(src_fd, entry, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return str_has_suffix(entry, BLOB_SUFFIX) ? S_ISREG(st.st_mode) : S_ISDIR(st.st_mode);
}

static int sync_staged(struct store *s, const char *rel, bool is_blob)
{
	_cleanup_close_ int fd = -1;

	fd = openat(s->tmp_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (is_blob ? 0 : O_DIRECTORY));
	if (fd < 0)
		return -1;
	if (is_blob) {
		struct stat st;

		if (fstat(fd, &st) < 0)
			return -1;
		if (!S_ISREG(st.st_mode)) {
			errno = EINVAL;
			return -1;
		}
		return fsync(fd);
	}
	/* One syncfs() (tmp/ and artifacts/ share the filesystem), not an
	 * fsync() per file: a tree of many files kept the daemon's event loop
	 * (and its watchdog pings) blocked for seconds to minutes, and a file
	 * the daemon may not open would fail the promotion. */
	return syncfs(fd);
}

/* Point `current` at entry: a fresh symlink renamed over the old one. */
static int swap_current(int src_fd, const char *entry)
{
	char rnd[RANDOM_LEN + 1];
	char tmp[sizeof(CURRENT_TMP_PREFIX) + RANDOM_LEN];
	int attempt = 0;

	do {
		random_suffix(rnd);
		snprintf(tmp, sizeof(tmp), "%s%s", CURRENT_TMP_PREFIX, rnd);
		if (symlinkat(entry, src_fd, tmp) == 0)
			break;
		if (errno != EEXIST || ++attempt >= LIMIT_STAGE_NAME_ATTEMPTS)
			return -1;
	} while (true);
	if (renameat(src_fd, tmp, src_fd, CURRENT_LINK) < 0) {
		int err = errno;

		unlinkat(src_fd, tmp, 0);
		errno = err;
		return -1;
	}
	return fs_fsync_dir(src_fd);
}

struct revision {
	char *name;
	struct timespec mtime;
};

static int cmp_newest_first(const void *a, const void *b)
{
	const struct revision *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? 1 : -1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int rename_noreplace(int from_fd, const char *from, int to_fd, const char *to)
{
	if (renameat2(from_fd, from, to_fd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* filesystem without RENAME_NOREPLACE: the caller checked `to` is absent */
	return renameat(from_fd, from, to_fd, to);
}

/* Remove an old revision so that it vanishes in one step: renamed into tmp/
 * first (emptied at start), then deleted there. Removed in place, a crash
 * or an entry that cannot be deleted left a partial tree under a revision
 * name, which the next collection could even keep as "the previous one". */
static int remove_revision(struct store *s, int src_fd, const char *ns, const char *name, const char *rev)
{
	_cleanup_free_ char *prefix = stage_prefix(ns, name);

	for (int attempt = 0; attempt < LIMIT_STAGE_NAME_ATTEMPTS; attempt++) {
		char rnd[RANDOM_LEN + 1];
		_cleanup_free_ char *grave = NULL;

		random_suffix(rnd);
		grave = xasprintf("%s.%s.old", prefix, rnd);
		if (rename_noreplace(src_fd, rev, s->tmp_fd, grave) == 0) {
			if (fs_fsync_dir(src_fd) < 0)
				return -1;
			return fs_remove_tree_at(s->tmp_fd, grave);
		}
		if (errno != EEXIST)
			break;
	}
	return fs_remove_tree_at(src_fd, rev);
}

/* Keep `current`'s target and one previous revision: prev (what `current`
 * named before the swap) when it still exists, else the newest other one. */
static void collect_garbage(struct store *s, int src_fd, const char *ns, const char *name,
			    const char *entry, const char *prev)
{
	struct revision *revs = NULL;
	size_t n = 0, cap = 0;
	const char *keep_prev = NULL;
	DIR *d;
	struct dirent *de;
	int dupfd = reopen_dir(src_fd);

	if (dupfd < 0 || !(d = fdopendir(dupfd))) {
		if (dupfd >= 0)
			close(dupfd);
		log_warn("garbage collection of '%s/artifacts/%s/%s' failed: %s", s->root, ns, name,
			 strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;
		bool tmp_link = str_has_prefix(de->d_name, CURRENT_TMP_PREFIX);

		if (!tmp_link && (!is_revision_name(de->d_name) || !strcmp(de->d_name, entry)))
			continue;
		if (fstatat(src_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			revs = xrealloc(revs, cap * sizeof(*revs));
		}
		revs[n].name = xstrdup(de->d_name);
		revs[n].mtime = tmp_link ? (struct timespec){ 0, 0 } : st.st_mtim;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(revs, n, sizeof(*revs), cmp_newest_first);
	if (prev && strcmp(prev, entry) && revision_present(src_fd, prev))
		keep_prev = prev;
	for (size_t i = 0; i < n && !keep_prev; i++)
		if (is_revision_name(revs[i].name))
			keep_prev = revs[i].name;
	for (size_t i = 0; i < n; i++) {
		if (keep_prev && !strcmp(revs[i].name, keep_prev))
			continue;
		if ((is_revision_name(revs[i].name) ? remove_revision(s, src_fd, ns, name, revs[i].name)
						    : fs_remove_tree_at(src_fd, revs[i].name)) < 0)
			log_warn("cannot remove old revision '%s/artifacts/%s/%s/%s': %s", s->root, ns, name,
				 revs[i].name, strerror(errno));
	}
	for (size_t i = 0; i < n; i++)
		free(revs[i].name);
	free(revs);
}

/* Staging is private (0700/0600) while a worker fills it; a promoted revision
 * is readable by the applications that consume it. Through an fd, so a
 * symlink planted in staging is never followed. */
static int publish_mode(struct store *s, const char *rel, bool is_blob)
{
	_cleanup_close_ int fd = openat(s->tmp_fd, rel,
					O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (is_blob ? 0 : O_DIRECTORY));

	if (fd < 0)
		return -1;
	return fchmod(fd, is_blob ? 0644 : 0755);
}

int store_promote(struct store *s, const char *ns, const char *name, const char *hex,
		  const char *rel, bool is_blob, struct ferry_err *e)
{
	_cleanup_close_ int src_fd = -1;
	_cleanup_free_ char *entry = NULL;
	_cleanup_free_ char *prev = NULL;
	bool replaced = false;

	if (check_source(ns, name, e) < 0)
		return -1;
	if (!valid_hex(hex))
		return ferr_set(e, REASON_STORE, "invalid revision '%s' for '%s/%s'", hex ? hex : "", ns, name);
	if (!store_is_stage_name(ns, name, rel) || str_has_suffix(rel, BLOB_SUFFIX) != is_blob)
		return ferr_set(e, REASON_STORE, "'%s' is not a staging %s of '%s/%s'", rel ? rel : "",
				is_blob ? "file" : "directory", ns, name);
	if (sync_staged(s, rel, is_blob) < 0)
		return ferr_set(e, REASON_STORE, "cannot sync staging entry '%s/tmp/%s': %s", s->root, rel,
				strerror(errno));
	if (publish_mode(s, rel, is_blob) < 0)
		return ferr_set(e, REASON_STORE, "cannot open up staging entry '%s/tmp/%s': %s", s->root, rel,
				strerror(errno));
	src_fd = open_source_dir(s, ns, name, true, e);
	if (src_fd < 0)
		return -1;
	entry = xasprintf("%s%s", hex, is_blob ? BLOB_SUFFIX : "");
	prev = read_current(src_fd);

	if (!fs_exists_at(src_fd, entry)) {
		if (rename_noreplace(s->tmp_fd, rel, src_fd, entry) < 0)
			goto fail;
	} else if (is_blob) {
		if (renameat(s->tmp_fd, rel, src_fd, entry) < 0)
			goto fail;
	} else {
		/* rebuild of the same revision: swap the trees in one step, the
		 * old one lands on the staging name */
		if (renameat2(s->tmp_fd, rel, src_fd, entry, RENAME_EXCHANGE) < 0)
			goto fail;
		replaced = true;
	}
	if (fs_fsync_dir(src_fd) < 0)
		goto fail;
	if (replaced)
		store_unstage(s, rel);
	if (!prev || strcmp(prev, entry)) {
		if (swap_current(src_fd, entry) < 0)
			return ferr_set(e, REASON_STORE, "cannot point '%s/artifacts/%s/%s/current' at %s: %s",
					s->root, ns, name, entry, strerror(errno));
	}
	collect_garbage(s, src_fd, ns, name, entry, prev);
	return 0;
fail:
	return ferr_set(e, REASON_STORE, "cannot store revision %s in '%s/artifacts/%s/%s': %s", entry, s->root,
			ns, name, strerror(errno));
}

char *store_current(struct store *s, const char *ns, const char *name)
{
	_cleanup_close_ int src_fd = -1;
	char *cur;

	if (check_source(ns, name, NULL) < 0)
		return NULL;
	src_fd = open_source_dir(s, ns, name, false, NULL);
	if (src_fd < 0)
		return NULL;
	cur = read_current(src_fd);
	if (cur && !revision_present(src_fd, cur)) {
		free(cur);
		return NULL;
	}
	return cur;
}

bool store_has(struct store *s, const char *ns, const char *name, const char *hex, bool is_blob)
{
	_cleanup_close_ int src_fd = -1;
	_cleanup_free_ char *entry = NULL;

	if (check_source(ns, name, NULL) < 0 || !valid_hex(hex))
		return false;
	src_fd = open_source_dir(s, ns, name, false, NULL);
	if (src_fd < 0)
		return false;
	entry = xasprintf("%s%s", hex, is_blob ? BLOB_SUFFIX : "");
	return revision_present(src_fd, entry);
}

char *store_path(struct store *s, const char *ns, const char *name, const char *entry)
{
	if (check_source(ns, name, NULL) < 0)
		return NULL;
	if (!entry)
		return xasprintf("%s/artifacts/%s/%s", s->root, ns, name);
	if (strcmp(entry, CURRENT_LINK) && !is_revision_name(entry))
		return NULL;
	return xasprintf("%s/artifacts/%s/%s/%s", s->root, ns, name, entry);
}

int store_remove_source(struct store *s, const char *ns, const char *name)
{
	_cleanup_close_ int ns_fd = -1;
	_cleanup_free_ char *prefix = NULL;
	char rnd[RANDOM_LEN + 1];
	char *grave = NULL;
	int rc = 0;

	if (check_source(ns, name, NULL) < 0) {
		errno = EINVAL;
		return -1;
	}
	ns_fd = open_subdir(s->artifacts_fd, ns, false, 0755);
	if (ns_fd < 0)
		return errno == ENOENT ? 0 : -1;
	/* move it out of sight in one step, then delete at leisure */
	prefix = stage_prefix(ns, name);
	for (int attempt = 0; attempt < LIMIT_STAGE_NAME_ATTEMPTS && !grave; attempt++) {
		random_suffix(rnd);
		grave = xasprintf("%s.%s.old", prefix, rnd);
		if (rename_noreplace(ns_fd, name, s->tmp_fd, grave) == 0)
			break;
		free(grave);
		grave = NULL;
		if (errno == ENOENT)
			goto out;
		if (errno != EEXIST) {
			rc = -1;
			goto out;
		}
	}
	if (!grave) {
		rc = -1;
		goto out;
	}
	if (fs_fsync_dir(ns_fd) < 0 || fs_remove_tree_at(s->tmp_fd, grave) < 0)
		rc = -1;
	free(grave);
out:
	if (unlinkat(s->artifacts_fd, ns, AT_REMOVEDIR) == 0)
		fs_fsync_dir(s->artifacts_fd);
	return rc;
}

/* ---- listing ---- */

static DIR *open_listing(int dirfd, const char *name)
{
	int fd = name ? open_subdir(dirfd, name, false, 0) : reopen_dir(dirfd);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **store_list_sources(struct store *s)
{
	char **out = NULL;
	size_t n = 0, cap = 0;
	DIR *top = open_listing(s->artifacts_fd, NULL);
	struct dirent *nsde;

	if (!top)
		return NULL;
	while ((nsde = readdir(top))) {
		DIR *sub;
		struct dirent *de;

		if (!valid_component(nsde->d_name) || !(sub = open_listing(s->artifacts_fd, nsde->d_name)))
			continue;
		while ((de = readdir(sub))) {
			struct stat st;

			if (!valid_component(de->d_name) ||
			    fstatat(dirfd(sub), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
				continue;
			if (n + 1 >= cap) {
				cap = cap ? cap * 2 : 16;
				out = xrealloc(out, cap * sizeof(*out));
			}
			out[n++] = xasprintf("%s/%s", nsde->d_name, de->d_name);
		}
		closedir(sub);
	}
	closedir(top);
	if (!out)
		out = xcalloc(1, sizeof(*out));
	qsort(out, n, sizeof(*out), cmp_str);
	out[n] = NULL;
	return out;
}
