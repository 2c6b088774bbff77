/*
 * loader.c - cfg_load_dir and cfg_load_text: which files are read, in which
 * order, and how.
 *
 * Every *.yaml / *.yml below the directory is read, in byte-wise order of the
 * path relative to it. Names starting with '.', ending in '~', '.rpmnew' or
 * '.rpmsave', or containing '.dpkg-' are skipped, for files and directories
 * alike. Sub-directories are entered only when they are real directories: a
 * symbolic link to a directory is never followed (no loops, no escaping the
 * tree by accident) and gets a warning. A symbolic link to a regular file is
 * read (its target's mode counts for the Secret permission check); a link to
 * anything else, and any other non-regular file with a YAML name, is skipped
 * with a warning. Nesting, file count and file size are bounded by
 * LIMIT_CONFIG_DIR_DEPTH, LIMIT_CONFIG_FILES and LIMIT_CONFIG_FILE_BYTES.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/load.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/limits.h"
#include "util/mem.h"

struct candidate {
	char *rel;
	bool link;
};

struct walk {
	struct cfg_build *b;
	const char *root;
	struct candidate *files;
	size_t n, cap;
	bool capped;
};

static bool skipped_name(const char *name)
{
	return name[0] == '.' || str_has_suffix(name, "~") || strstr(name, ".dpkg-") ||
	       str_has_suffix(name, ".rpmnew") || str_has_suffix(name, ".rpmsave");
}

static bool yaml_name(const char *name)
{
	return str_has_suffix(name, ".yaml") || str_has_suffix(name, ".yml");
}

static char *display_path(const char *root, const char *rel)
{
	return xasprintf("%s/%s", root, rel);
}

static void walk_diag(struct walk *w, enum cfg_diag_level level, const char *rel, const char *msg, int err)
{
	_cleanup_free_ char *path = display_path(w->root, rel);

	if (err)
		cfg_build_diag(w->b, level, path, 0, 0, "%s: %s", msg, strerror(err));
	else
		cfg_build_diag(w->b, level, path, 0, 0, "%s", msg);
}

static void add_candidate(struct walk *w, const char *rel, bool link)
{
	if (w->n == LIMIT_CONFIG_FILES) {
		if (!w->capped)
			cfg_build_diag(w->b, CFG_DIAG_ERROR, w->root, 0, 0,
				       "more than %d YAML files; the rest is not read", LIMIT_CONFIG_FILES);
		w->capped = true;
		return;
	}
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 32;
		w->files = xrealloc(w->files, w->cap * sizeof(*w->files));
	}
	w->files[w->n].rel = xstrdup(rel);
	w->files[w->n].link = link;
	w->n++;
}

static void walk_dir(struct walk *w, int dfd, const char *rel, int depth);

static void visit(struct walk *w, int dfd, const char *name, const char *child, int depth)
{
	struct stat st, target;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		walk_diag(w, CFG_DIAG_ERROR, child, "cannot read", errno);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (depth >= LIMIT_CONFIG_DIR_DEPTH) {
			walk_diag(w, CFG_DIAG_ERROR, child, "directory nested too deeply; not read", 0);
			return;
		}
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			walk_diag(w, CFG_DIAG_ERROR, child, "cannot read directory", errno);
			return;
		}
		walk_dir(w, fd, child, depth + 1);
	} else if (S_ISLNK(st.st_mode)) {
		bool ok = fstatat(dfd, name, &target, 0) == 0;
		if (ok && S_ISDIR(target.st_mode))
			walk_diag(w, CFG_DIAG_WARNING, child, "symbolic link to a directory is not followed", 0);
		else if (yaml_name(name) && ok && S_ISREG(target.st_mode))
			add_candidate(w, child, true);
		else if (yaml_name(name))
			walk_diag(w, CFG_DIAG_WARNING, child, "symbolic link to something other than a regular file; skipped", 0);
	} else if (yaml_name(name)) {
		if (S_ISREG(st.st_mode))
			add_candidate(w, child, false);
		else
			walk_diag(w, CFG_DIAG_WARNING, child, "not a regular file; skipped", 0);
	}
}

/* Takes ownership of dfd. */
static void walk_dir(struct walk *w, int dfd, const char *rel, int depth)
{
	DIR *dir = fdopendir(dfd);
	struct dirent *de;

	if (!dir) {
		walk_diag(w, CFG_DIAG_ERROR, rel ? rel : ".", "cannot read directory", errno);
		close(dfd);
		return;
	}
	while ((de = readdir(dir))) {
		_cleanup_free_ char *child = NULL;

		if (skipped_name(de->d_name))
			continue;   /* also ".", ".." */
		child = rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		visit(w, dirfd(dir), de->d_name, child, depth);
	}
	closedir(dir);
}

static int candidate_cmp(const void *a, const void *b)
{
	return strcmp(((const struct candidate *)a)->rel, ((const struct candidate *)b)->rel);
}

static void load_file(struct walk *w, int rootfd, const struct candidate *c)
{
	_cleanup_free_ char *path = display_path(w->root, c->rel);
	_cleanup_close_ int fd = -1;
	struct buf text = BUF_INIT(LIMIT_CONFIG_FILE_BYTES);
	struct stat st;

	fd = openat(rootfd, c->rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (c->link ? 0 : O_NOFOLLOW));
	if (fd < 0 || fstat(fd, &st) < 0) {
		cfg_build_diag(w->b, CFG_DIAG_ERROR, path, 0, 0, "cannot read: %s", strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		cfg_build_diag(w->b, CFG_DIAG_WARNING, path, 0, 0, "not a regular file; skipped");
		return;
	}
	if (st.st_size > (off_t)LIMIT_CONFIG_FILE_BYTES || fs_read_fd(fd, &text) < 0) {
		if (st.st_size > (off_t)LIMIT_CONFIG_FILE_BYTES || errno == EFBIG)
			cfg_build_diag(w->b, CFG_DIAG_ERROR, path, 0, 0, "file is larger than %llu bytes; not read",
				       (unsigned long long)LIMIT_CONFIG_FILE_BYTES);
		else
			cfg_build_diag(w->b, CFG_DIAG_ERROR, path, 0, 0, "cannot read: %s", strerror(errno));
		buf_free(&text);
		return;
	}
	cfg_load_file_text(w->b, path, (const char *)buf_cstr(&text), text.len, st.st_mode);
	buf_free(&text);
}

int cfg_load_dir(const char *dir, struct cfg_set **out, struct ferry_err *e)
{
	_cleanup_free_ char *root = xstrdup(dir);
	struct walk w = { 0 };
	struct cfg_build b;
	int rootfd, walkfd;
	size_t len = strlen(root);

	*out = NULL;
	while (len > 1 && root[len - 1] == '/')
		root[--len] = '\0';
	rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return ferr_set(e, NULL, "cannot read config directory '%s': %s", dir, strerror(errno));
	walkfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	if (walkfd < 0) {
		int err = errno;
		close(rootfd);
		return ferr_set(e, NULL, "cannot read config directory '%s': %s", dir, strerror(err));
	}
	cfg_build_init(&b);
	w.b = &b;
	w.root = strcmp(root, "/") ? root : "";
	walk_dir(&w, walkfd, NULL, 0);
	if (w.n > 1)
		qsort(w.files, w.n, sizeof(*w.files), candidate_cmp);
	for (size_t i = 0; i < w.n; i++) {
		load_file(&w, rootfd, &w.files[i]);
		free(w.files[i].rel);
	}
	free(w.files);
	close(rootfd);
	*out = cfg_build_finish(&b);
	return 0;
}

int cfg_load_text(const char *name, const char *text, size_t len, struct cfg_set **out, struct ferry_err *e)
{
	struct cfg_build b;

	(void)e;
	cfg_build_init(&b);
	cfg_load_file_text(&b, name, text, len, (mode_t)-1);
	*out = cfg_build_finish(&b);
	return 0;
}
