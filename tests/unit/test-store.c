/* test-store.c - the artifact store: layout, staging, promotion, GC, removal. */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "artifact/store.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/mem.h"

#define NS   "flux-system"
#define NAME "podinfo"

#define HEX1 "1111111111111111111111111111111111111111111111111111111111111111"
#define HEX2 "2222222222222222222222222222222222222222222222222222222222222222"
#define HEX3 "3333333333333333333333333333333333333333333333333333333333333333"
#define HEX0 "0000000000000000000000000000000000000000000000000000000000000000"

struct fixture {
	char *base;     /* scratch dir */
	char *state;    /* base/state, the store root */
	struct store s;
	struct ferry_err e;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	f->base = xasprintf("%s/ferry-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->base));
	f->state = xasprintf("%s/state", f->base);
	f->s.root_fd = f->s.artifacts_fd = f->s.tmp_fd = f->s.status_fd = -1;
	ferr_clear(&f->e);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	store_close(&f->s);
	assert_int_equal(fs_remove_tree_at(root, f->base + 1), 0);
	close(root);
	free(f->base);
	free(f->state);
	free(f);
	return 0;
}

static void open_store(struct fixture *f)
{
	if (store_open(f->state, &f->s, &f->e) < 0)
		fail_msg("store_open: %s", f->e.msg);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode;
}

static char *pathf(struct fixture *f, const char *rel)
{
	return xasprintf("%s/%s", f->state, rel);
}

/* Names in a directory of the store, sorted, joined by ' '. */
static char *listing(struct fixture *f, const char *rel)
{
	char *dir = pathf(f, rel);
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	char *out = xstrdup("");

	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
			char *next = xasprintf("%s%s%s", out, *out ? " " : "", names[i]->d_name);

			free(out);
			out = next;
		}
		free(names[i]);
	}
	free(names);
	free(dir);
	return out;
}

static void assert_listing(struct fixture *f, const char *rel, const char *expected)
{
	char *got = listing(f, rel);

	assert_string_equal(got, expected);
	free(got);
}

static char *read_text(const char *path)
{
	struct buf b;

	if (fs_read_file(path, 1 << 20, &b) < 0)
		return NULL;
	return buf_steal(&b, NULL);
}

static void assert_file(struct fixture *f, const char *rel, const char *expected)
{
	char *path = pathf(f, rel);
	char *got = read_text(path);

	if (!got)
		fail_msg("%s: %s", path, strerror(errno));
	assert_string_equal(got, expected);
	free(got);
	free(path);
}

static char *current_target(struct fixture *f)
{
	char *path = pathf(f, "artifacts/" NS "/" NAME "/current");
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	free(path);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

static void assert_current(struct fixture *f, const char *expected)
{
	char *link = current_target(f);
	char *cur = store_current(&f->s, NS, NAME);

	assert_non_null(link);
	assert_string_equal(link, expected);
	assert_non_null(cur);
	assert_string_equal(cur, expected);
	free(link);
	free(cur);
}

static void write_at(int dirfd, const char *name, const char *text)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* A staged tree holding the file "data" with text; returns the staging name. */
static char *stage_tree(struct fixture *f, const char *ns, const char *name, const char *text)
{
	char *rel = NULL;
	int fd = -1;

	if (store_stage_dir(&f->s, ns, name, &rel, &fd, &f->e) < 0)
		fail_msg("store_stage_dir: %s", f->e.msg);
	write_at(fd, "data", text);
	assert_int_equal(mkdirat(fd, "sub", 0755), 0);
	close(fd);
	return rel;
}

static void promote(struct fixture *f, const char *ns, const char *name, const char *hex, const char *rel,
		    bool is_blob)
{
	if (store_promote(&f->s, ns, name, hex, rel, is_blob, &f->e) < 0)
		fail_msg("store_promote: %s", f->e.msg);
}

static void promote_text(struct fixture *f, const char *hex, const char *text)
{
	char *rel = stage_tree(f, NS, NAME, text);

	promote(f, NS, NAME, hex, rel, false);
	free(rel);
}

/* ---- layout ---- */

static void test_open_creates_layout(void **state)
{
	struct fixture *f = *state;
	mode_t old = umask(077);
	char *p;

	open_store(f);
	umask(old);
	assert_int_equal(mode_of(f->state) & 07777, 0755);
	p = pathf(f, "artifacts");
	assert_int_equal(mode_of(p), S_IFDIR | 0755);
	free(p);
	p = pathf(f, "status");
	assert_int_equal(mode_of(p), S_IFDIR | 0755);
	free(p);
	p = pathf(f, "tmp");
	assert_int_equal(mode_of(p), S_IFDIR | 0700);
	free(p);
	assert_string_equal(f->s.root, f->state);

	/* reopening an existing store works and tightens a loosened tmp/ */
	store_close(&f->s);
	p = pathf(f, "tmp");
	assert_int_equal(chmod(p, 0777), 0);
	open_store(f);
	assert_int_equal(mode_of(p), S_IFDIR | 0700);
	free(p);
}

static void test_open_relative_path_is_made_absolute(void **state)
{
	struct fixture *f = *state;
	char *cwd = getcwd(NULL, 0);

	assert_int_equal(chdir(f->base), 0);
	assert_int_equal(store_open("state/", &f->s, &f->e), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(f->s.root, f->state);
	free(cwd);
}

static void test_open_refuses_symlinks(void **state)
{
	struct fixture *f = *state;
	char *real = xasprintf("%s/real", f->base);
	char *p;

	/* the state dir itself */
	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink(real, f->state), 0);
	assert_int_equal(store_open(f->state, &f->s, &f->e), -1);
	assert_string_equal(f->e.reason, "DirectoryCreationFailed");
	assert_non_null(strstr(f->e.msg, f->state));
	assert_int_equal(f->s.root_fd, -1);
	assert_int_equal(unlink(f->state), 0);

	/* a layout directory */
	assert_int_equal(mkdir(f->state, 0755), 0);
	p = pathf(f, "tmp");
	assert_int_equal(symlink(real, p), 0);
	ferr_clear(&f->e);
	assert_int_equal(store_open(f->state, &f->s, &f->e), -1);
	{
		char *expected = xasprintf("cannot open '%s': refusing a symbolic link", p);

		assert_string_equal(f->e.msg, expected);
		free(expected);
	}
	assert_int_equal(f->s.tmp_fd, -1);
	free(p);
	free(real);
}

/* ---- staging ---- */

static void test_stage_entries(void **state)
{
	struct fixture *f = *state;
	char *dir_rel = NULL, *file_rel = NULL, *other = NULL, *p;
	int dir_fd = -1, file_fd = -1, other_fd = -1;
	struct stat st;

	open_store(f);
	assert_int_equal(store_stage_dir(&f->s, NS, NAME, &dir_rel, &dir_fd, &f->e), 0);
	assert_int_equal(store_stage_file(&f->s, NS, NAME, &file_rel, &file_fd, &f->e), 0);
	assert_int_equal(store_stage_dir(&f->s, NS, NAME, &other, &other_fd, &f->e), 0);

	assert_true(str_has_prefix(dir_rel, NS "_" NAME "."));
	assert_int_equal(strlen(dir_rel), strlen(NS "_" NAME ".") + 6);
	assert_true(str_has_prefix(file_rel, NS "_" NAME "."));
	assert_true(str_has_suffix(file_rel, ".blob"));
	assert_int_equal(strlen(file_rel), strlen(NS "_" NAME ".") + 6 + 5);
	assert_string_not_equal(dir_rel, other);
	assert_true(store_is_stage_name(NS, NAME, dir_rel));
	assert_true(store_is_stage_name(NS, NAME, file_rel));

	assert_int_equal(fstat(dir_fd, &st), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0700);
	assert_int_equal(fstat(file_fd, &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0600);
	assert_int_equal(write(file_fd, "blob", 4), 4);
	assert_true(fcntl(dir_fd, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(file_fd, F_GETFD) & FD_CLOEXEC);

	p = xasprintf("tmp/%s", file_rel);
	assert_file(f, p, "blob");
	free(p);

	close(dir_fd);
	close(file_fd);
	close(other_fd);
	free(dir_rel);
	free(file_rel);
	free(other);
}

static void test_stage_name_check(void **state)
{
	static const struct {
		const char *ns, *name, *rel;
		bool ok;
	} cases[] = {
		{ "ns", "app", "ns_app.Ab3xYz", true },
		{ "ns", "app", "ns_app.Ab3xYz.blob", true },
		{ "ns", "app", "ns_app.Ab3xY", false },
		{ "ns", "app", "ns_app.Ab3xYz.old", false },
		{ "ns", "app", "ns_app.Ab3xYz.blob.x", false },
		{ "ns", "app", "ns_app.Ab-xYz", false },
		{ "ns", "app", "ns_app2.Ab3xYz", false },
		{ "ns", "app", "ns_ap.Ab3xYz", false },
		{ "ns", "app", "other_app.Ab3xYz", false },
		{ "ns", "app", "../ns_app.Ab3xYz", false },
		{ "ns", "app", "x/ns_app.Ab3xYz", false },
		{ "ns", "app", "", false },
		{ "ns", "..", "ns_...Ab3xYz", false },
		{ "", "app", "_app.Ab3xYz", false },
		{ "a/b", "app", "a/b_app.Ab3xYz", false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (store_is_stage_name(cases[i].ns, cases[i].name, cases[i].rel) != cases[i].ok)
			fail_msg("store_is_stage_name(%s, %s, %s) != %d", cases[i].ns, cases[i].name, cases[i].rel,
				 cases[i].ok);
	assert_false(store_is_stage_name("ns", "app", NULL));
}

static void test_stage_long_names_fit(void **state)
{
	struct fixture *f = *state;
	char ns[64], name[254], other[254];
	char *rel = NULL;
	int fd = -1;

	memset(ns, 'n', 63);
	ns[63] = '\0';
	memset(name, 'a', 253);
	name[253] = '\0';
	memcpy(other, name, sizeof(other));
	other[252] = 'b';
	open_store(f);
	assert_int_equal(store_stage_file(&f->s, ns, name, &rel, &fd, &f->e), 0);
	assert_true(strlen(rel) <= NAME_MAX);
	assert_true(store_is_stage_name(ns, name, rel));
	assert_false(store_is_stage_name(ns, other, rel));
	close(fd);
	free(rel);
}

static void test_stage_rejects_bad_names(void **state)
{
	struct fixture *f = *state;
	static const char *bad[][2] = { { "..", "x" }, { "ns", "." }, { "ns", "a/b" }, { "", "x" }, { "ns", "" } };
	char *rel = NULL;
	int fd = -1;

	open_store(f);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		ferr_clear(&f->e);
		assert_int_equal(store_stage_dir(&f->s, bad[i][0], bad[i][1], &rel, &fd, &f->e), -1);
		assert_null(rel);
		assert_int_equal(fd, -1);
		assert_true(str_has_prefix(f->e.msg, "invalid source name"));
	}
	assert_listing(f, "tmp", "");
}

static void test_staging_cleanup(void **state)
{
	struct fixture *f = *state;
	char *a = NULL, *b = NULL, *outside;
	int fa = -1, fb = -1;

	open_store(f);
	assert_int_equal(store_stage_dir(&f->s, NS, NAME, &a, &fa, &f->e), 0);
	assert_int_equal(store_stage_file(&f->s, NS, NAME, &b, &fb, &f->e), 0);
	write_at(fa, "f", "x");
	assert_int_equal(mkdirat(fa, "locked", 0), 0);
	close(fa);
	close(fb);

	/* unstage removes one entry, and nothing outside tmp/ */
	outside = pathf(f, "keep");
	assert_int_equal(mkdir(outside, 0755), 0);
	store_unstage(&f->s, "../keep");
	store_unstage(&f->s, "..");
	assert_int_equal(mode_of(outside) & S_IFMT, S_IFDIR);
	store_unstage(&f->s, b);
	assert_listing(f, "tmp", a);

	/* start-up cleanup empties tmp/, unreadable dirs included */
	free(b);
	assert_int_equal(store_stage_dir(&f->s, "other", "src", &b, &fb, &f->e), 0);
	close(fb);
	assert_int_equal(store_clean_staging(&f->s), 0);
	assert_listing(f, "tmp", "");
	assert_int_equal(mode_of(outside) & S_IFMT, S_IFDIR);
	/* and again, with the same store open */
	free(b);
	assert_int_equal(store_stage_file(&f->s, NS, NAME, &b, &fb, &f->e), 0);
	close(fb);
	assert_int_equal(store_clean_staging(&f->s), 0);
	assert_listing(f, "tmp", "");
	free(a);
	free(b);
	free(outside);
}

/* ---- promotion ---- */

static void test_promote_points_current(void **state)
{
	struct fixture *f = *state;
	char *rel, *path, *expected;

	open_store(f);
	assert_null(store_current(&f->s, NS, NAME));
	assert_false(store_has(&f->s, NS, NAME, HEX1, false));
	rel = stage_tree(f, NS, NAME, "one");
	promote(f, NS, NAME, HEX1, rel, false);

	assert_current(f, HEX1);
	assert_true(store_has(&f->s, NS, NAME, HEX1, false));
	assert_false(store_has(&f->s, NS, NAME, HEX1, true));
	assert_file(f, "artifacts/" NS "/" NAME "/current/data", "one");
	assert_listing(f, "artifacts/" NS "/" NAME, HEX1 " current");
	assert_listing(f, "tmp", "");
	/* private while staged, readable by the applications once promoted */
	path = pathf(f, "artifacts/" NS "/" NAME "/" HEX1);
	assert_int_equal(mode_of(path), S_IFDIR | 0755);
	free(path);

	path = store_path(&f->s, NS, NAME, HEX1);
	expected = xasprintf("%s/artifacts/" NS "/" NAME "/" HEX1, f->state);
	assert_string_equal(path, expected);
	free(path);
	free(expected);
	path = store_path(&f->s, NS, NAME, NULL);
	expected = xasprintf("%s/artifacts/" NS "/" NAME, f->state);
	assert_string_equal(path, expected);
	free(path);
	free(expected);
	assert_null(store_path(&f->s, NS, "../x", HEX1));
	assert_null(store_path(&f->s, NS, NAME, "../../etc"));
	free(rel);
}

/* Stage a tree holding a file its owner may not read and promote it: 0 or
 * the step that failed. */
static int promote_unreadable(const char *state_dir)
{
	struct store s;
	struct ferry_err e;
	char *rel;
	int fd, rc = 0;

	ferr_clear(&e);
	if (store_open(state_dir, &s, &e) < 0)
		return 1;
	if (store_stage_dir(&s, NS, NAME, &rel, &fd, &e) < 0) {
		store_close(&s);
		return 2;
	}
	write_at(fd, "secret", "x");
	if (fchmodat(fd, "secret", 0200, 0) < 0)
		rc = 3;
	close(fd);
	if (!rc && store_promote(&s, NS, NAME, HEX1, rel, false, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		rc = 4;
	}
	free(rel);
	store_close(&s);
	return rc;
}

/* Promotion flushes the tree without opening each file: with a walk, a file
 * the unprivileged daemon may not read failed the promotion, and trees of
 * many files kept the event loop blocked. As root this runs as nobody. */
static void test_promote_needs_no_access_to_the_files(void **state)
{
	struct fixture *f = *state;
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		assert_int_equal(promote_unreadable(f->state), 0);
		open_store(f);
		assert_current(f, HEX1);
		return;
	}
	assert_int_equal(chown(f->base, 65534, 65534), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(10);
		_exit(promote_unreadable(f->state));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	open_store(f);
	assert_current(f, HEX1);
}

static void test_promote_keeps_current_and_previous(void **state)
{
	struct fixture *f = *state;

	open_store(f);
	promote_text(f, HEX1, "one");
	promote_text(f, HEX2, "two");
	assert_current(f, HEX2);
	assert_listing(f, "artifacts/" NS "/" NAME, HEX1 " " HEX2 " current");
	promote_text(f, HEX3, "three");
	assert_current(f, HEX3);
	assert_listing(f, "artifacts/" NS "/" NAME, HEX2 " " HEX3 " current");
	assert_file(f, "artifacts/" NS "/" NAME "/current/data", "three");
	assert_file(f, "artifacts/" NS "/" NAME "/" HEX2 "/data", "two");
	/* back to an older digest: a new tree, the previous one is kept */
	promote_text(f, HEX1, "one again");
	assert_current(f, HEX1);
	assert_listing(f, "artifacts/" NS "/" NAME, HEX1 " " HEX3 " current");
	assert_listing(f, "tmp", "");
}

static int set_immutable(const char *path, bool on)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int flags = 0, rc = -1;

	if (fd < 0)
		return -1;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
		flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
		rc = ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	close(fd);
	return rc;
}

/* An old revision that cannot be removed completely (here a file marked
 * immutable; in life a crash half-way) must not stay behind as a partial
 * tree under its revision name. */
static void test_gc_removes_a_revision_in_one_step(void **state)
{
	struct fixture *f = *state;
	char *stuck;
	bool immutable;

	open_store(f);
	promote_text(f, HEX1, "one");
	stuck = pathf(f, "artifacts/" NS "/" NAME "/" HEX1 "/sub/stuck");
	write_at(f->s.root_fd, "artifacts/" NS "/" NAME "/" HEX1 "/sub/stuck", "x");
	immutable = set_immutable(stuck, true) == 0;
	free(stuck);
	if (!immutable) {
		print_message("skipped: marking a file immutable needs CAP_LINUX_IMMUTABLE and a filesystem "
			      "that has the flag\n");
		skip();
	}
	promote_text(f, HEX2, "two");
	promote_text(f, HEX3, "three");
	{
		/* unlock the file wherever it is before judging, so that nothing
		 * immutable outlives the test */
		char *left = listing(f, "tmp");
		char *in_tmp = xasprintf("%s/tmp/%s/sub/stuck", f->state, left);
		char *in_place = pathf(f, "artifacts/" NS "/" NAME "/" HEX1 "/sub/stuck");

		assert_int_equal(set_immutable(*left ? in_tmp : in_place, false), 0);
		assert_current(f, HEX3);
		assert_listing(f, "artifacts/" NS "/" NAME, HEX2 " " HEX3 " current");
		/* what was left lies in tmp/, which is emptied at start */
		assert_true(str_has_prefix(left, NS "_" NAME ".") && str_has_suffix(left, ".old"));
		free(in_tmp);
		free(in_place);
		free(left);
	}
	assert_int_equal(store_clean_staging(&f->s), 0);
	assert_listing(f, "tmp", "");
}

static void test_gc_keeps_the_revision_current_named(void **state)
{
	struct fixture *f = *state;
	char *stray = pathf(f, "artifacts/" NS "/" NAME "/" HEX0);
	char *old2 = pathf(f, "artifacts/" NS "/" NAME "/" HEX2);
	struct timespec future[2] = { { time(NULL) + 3600, 0 }, { time(NULL) + 3600, 0 } };
	struct timespec past[2] = { { 1000, 0 }, { 1000, 0 } };

	open_store(f);
	promote_text(f, HEX1, "one");
	promote_text(f, HEX2, "two");
	/* a leftover revision that looks newest by mtime, and HEX2 looking old */
	assert_int_equal(mkdir(stray, 0755), 0);
	assert_int_equal(utimensat(AT_FDCWD, stray, future, 0), 0);
	assert_int_equal(utimensat(AT_FDCWD, old2, past, 0), 0);
	promote_text(f, HEX3, "three");
	assert_listing(f, "artifacts/" NS "/" NAME, HEX2 " " HEX3 " current");
	free(stray);
	free(old2);
}

static void test_rebuild_same_revision_swaps_atomically(void **state)
{
	struct fixture *f = *state;
	char *link = pathf(f, "artifacts/" NS "/" NAME "/current");
	struct stat link_before, link_after, tree_before, tree_after;
	int old_fd;

	open_store(f);
	promote_text(f, HEX1, "one");
	promote_text(f, HEX2, "two, all files");
	assert_int_equal(lstat(link, &link_before), 0);
	old_fd = open(link, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(old_fd >= 0);
	assert_int_equal(fstat(old_fd, &tree_before), 0);

	promote_text(f, HEX2, "two, ignored some");

	assert_current(f, HEX2);
	assert_file(f, "artifacts/" NS "/" NAME "/current/data", "two, ignored some");
	/* the link was not rewritten: it named HEX2 all along */
	assert_int_equal(lstat(link, &link_after), 0);
	assert_int_equal(link_after.st_ino, link_before.st_ino);
	/* a new tree took the name in one step; the old one was removed */
	assert_int_equal(stat(link, &tree_after), 0);
	assert_true(tree_after.st_ino != tree_before.st_ino);
	assert_int_equal(openat(old_fd, "data", O_RDONLY | O_CLOEXEC), -1);
	assert_int_equal(fstat(old_fd, &tree_before), 0);
	assert_int_equal(tree_before.st_nlink, 0);
	close(old_fd);
	assert_listing(f, "artifacts/" NS "/" NAME, HEX1 " " HEX2 " current");
	assert_listing(f, "tmp", "");
	free(link);
}

static void test_promote_blob(void **state)
{
	struct fixture *f = *state;
	char *rel = NULL;
	int fd = -1;

	open_store(f);
	assert_int_equal(store_stage_file(&f->s, NS, NAME, &rel, &fd, &f->e), 0);
	assert_int_equal(write(fd, "layer", 5), 5);
	close(fd);
	/* a blob staging name is not a tree, and the other way round */
	assert_int_equal(store_promote(&f->s, NS, NAME, HEX1, rel, false, &f->e), -1);
	promote(f, NS, NAME, HEX1, rel, true);
	free(rel);
	assert_current(f, HEX1 ".blob");
	assert_true(store_has(&f->s, NS, NAME, HEX1, true));
	assert_false(store_has(&f->s, NS, NAME, HEX1, false));
	assert_file(f, "artifacts/" NS "/" NAME "/" HEX1 ".blob", "layer");
	{
		char *path = pathf(f, "artifacts/" NS "/" NAME "/" HEX1 ".blob");
		assert_int_equal(mode_of(path), S_IFREG | 0644);
		free(path);
	}

	/* same digest again replaces the file */
	assert_int_equal(store_stage_file(&f->s, NS, NAME, &rel, &fd, &f->e), 0);
	assert_int_equal(write(fd, "layer2", 6), 6);
	close(fd);
	promote(f, NS, NAME, HEX1, rel, true);
	free(rel);
	assert_file(f, "artifacts/" NS "/" NAME "/" HEX1 ".blob", "layer2");

	/* switching to extract keeps the blob as previous revision */
	promote_text(f, HEX1, "tree");
	assert_current(f, HEX1);
	assert_listing(f, "artifacts/" NS "/" NAME, HEX1 " " HEX1 ".blob current");
	assert_listing(f, "tmp", "");
}

static void test_promote_refuses_planted_symlink(void **state)
{
	struct fixture *f = *state;
	char *elsewhere = xasprintf("%s/elsewhere", f->base);
	char *src = pathf(f, "artifacts/" NS "/" NAME);
	char *nsdir = pathf(f, "artifacts/" NS);
	char *rel, *staged, *expected;

	open_store(f);
	assert_int_equal(mkdir(elsewhere, 0755), 0);
	assert_int_equal(mkdir(nsdir, 0755), 0);
	assert_int_equal(symlink(elsewhere, src), 0);
	rel = stage_tree(f, NS, NAME, "payload");
	assert_int_equal(store_promote(&f->s, NS, NAME, HEX1, rel, false, &f->e), -1);
	expected = xasprintf("cannot open '%s': refusing a symbolic link", src);
	assert_string_equal(f->e.msg, expected);
	free(expected);
	assert_listing(f, "../elsewhere", "");
	assert_null(store_current(&f->s, NS, NAME));
	assert_false(store_has(&f->s, NS, NAME, HEX1, false));
	/* the staged tree is left for the caller to unstage */
	staged = xasprintf("tmp/%s/data", rel);
	assert_file(f, staged, "payload");
	free(staged);

	/* the same one level up */
	assert_int_equal(unlink(src), 0);
	assert_int_equal(rmdir(nsdir), 0);
	assert_int_equal(symlink(elsewhere, nsdir), 0);
	ferr_clear(&f->e);
	assert_int_equal(store_promote(&f->s, NS, NAME, HEX1, rel, false, &f->e), -1);
	expected = xasprintf("cannot open '%s': refusing a symbolic link", nsdir);
	assert_string_equal(f->e.msg, expected);
	free(expected);
	assert_listing(f, "../elsewhere", "");
	free(rel);
	free(elsewhere);
	free(src);
	free(nsdir);
}

static void test_promote_validates_arguments(void **state)
{
	struct fixture *f = *state;
	char *rel, *other;

	open_store(f);
	rel = stage_tree(f, NS, NAME, "x");
	other = stage_tree(f, "other", "src", "y");

	assert_int_equal(store_promote(&f->s, NS, NAME, "ABC", rel, false, &f->e), -1);
	assert_string_equal(f->e.msg, "invalid revision 'ABC' for '" NS "/" NAME "'");
	assert_int_equal(store_promote(&f->s, NS, NAME, HEX1 "0", rel, false, &f->e), -1);
	assert_int_equal(store_promote(&f->s, NS, NAME, "../../../../etc/passwd", rel, false, &f->e), -1);
	assert_int_equal(store_promote(&f->s, NS, "..", HEX1, rel, false, &f->e), -1);
	assert_string_equal(f->e.msg, "invalid source name '" NS "/..'");
	assert_int_equal(store_promote(&f->s, NS, "a/b", HEX1, rel, false, &f->e), -1);
	/* another source's staging entry */
	assert_int_equal(store_promote(&f->s, NS, NAME, HEX1, other, false, &f->e), -1);
	assert_true(str_has_suffix(f->e.msg, "is not a staging directory of '" NS "/" NAME "'"));
	assert_int_equal(store_promote(&f->s, NS, NAME, HEX1, "../state", false, &f->e), -1);
	assert_string_equal(f->e.reason, "ArchiveOperationFailed");
	assert_null(store_current(&f->s, NS, NAME));
	free(rel);
	free(other);
}

static void test_current_missing_target(void **state)
{
	struct fixture *f = *state;
	char *tree = pathf(f, "artifacts/" NS "/" NAME "/" HEX1);
	int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	open_store(f);
	promote_text(f, HEX1, "one");
	assert_int_equal(fs_remove_tree_at(root, tree + 1), 0);
	assert_null(store_current(&f->s, NS, NAME));
	close(root);
	free(tree);
}

/* ---- sources ---- */

static void test_list_and_remove_sources(void **state)
{
	struct fixture *f = *state;
	char **list;
	char *rel, *junk;

	open_store(f);
	rel = stage_tree(f, "b-ns", "app", "1");
	promote(f, "b-ns", "app", HEX1, rel, false);
	free(rel);
	rel = stage_tree(f, "a-ns", "zeta", "2");
	promote(f, "a-ns", "zeta", HEX1, rel, false);
	free(rel);
	rel = stage_tree(f, "a-ns", "alpha", "3");
	promote(f, "a-ns", "alpha", HEX2, rel, false);
	free(rel);
	junk = pathf(f, "artifacts/a-ns/stray-file");
	assert_int_equal(close(open(junk, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)), 0);
	free(junk);
	junk = pathf(f, "artifacts/a-ns/linked");
	assert_int_equal(symlink(f->base, junk), 0);
	free(junk);

	list = store_list_sources(&f->s);
	assert_non_null(list);
	assert_string_equal(list[0], "a-ns/alpha");
	assert_string_equal(list[1], "a-ns/zeta");
	assert_string_equal(list[2], "b-ns/app");
	assert_null(list[3]);
	for (char **p = list; *p; p++)
		free(*p);
	free(list);

	assert_int_equal(store_remove_source(&f->s, "b-ns", "app"), 0);
	assert_listing(f, "artifacts", "a-ns");
	assert_int_equal(store_remove_source(&f->s, "a-ns", "zeta"), 0);
	assert_listing(f, "artifacts/a-ns", "alpha linked stray-file");
	assert_listing(f, "tmp", "");
	assert_true(store_has(&f->s, "a-ns", "alpha", HEX2, false));
	/* missing sources are fine, invalid names are not */
	assert_int_equal(store_remove_source(&f->s, "none", "none"), 0);
	assert_int_equal(store_remove_source(&f->s, "a-ns", ".."), -1);
	assert_int_equal(errno, EINVAL);
	assert_true(store_has(&f->s, "a-ns", "alpha", HEX2, false));

	list = store_list_sources(&f->s);
	assert_string_equal(list[0], "a-ns/alpha");
	assert_null(list[1]);
	free(list[0]);
	free(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_open_creates_layout),
		T(test_open_relative_path_is_made_absolute),
		T(test_open_refuses_symlinks),
		T(test_stage_entries),
		T(test_stage_name_check),
		T(test_stage_long_names_fit),
		T(test_stage_rejects_bad_names),
		T(test_staging_cleanup),
		T(test_promote_points_current),
		T(test_promote_needs_no_access_to_the_files),
		T(test_promote_keeps_current_and_previous),
		T(test_gc_removes_a_revision_in_one_step),
		T(test_gc_keeps_the_revision_current_named),
		T(test_rebuild_same_revision_swaps_atomically),
		T(test_promote_blob),
		T(test_promote_refuses_planted_symlink),
		T(test_promote_validates_arguments),
		T(test_current_missing_target),
		T(test_list_and_remove_sources),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
