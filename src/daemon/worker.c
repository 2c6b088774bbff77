/* worker.c - start a reconcile worker (fork + exec ferry-worker) and collect its result record. */
#include "daemon/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reconcile/job.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/timeutil.h"

void worker_child_setup(void)
{
	sigset_t all;
	int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE, SIGUSR1, SIGUSR2 };

	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* A stop signal is for the daemon, which gives running workers a grace
	 * period and then kills them; systemd's default KillMode=control-group
	 * sends it to the workers as well. */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the worker parses hostile input: it may never gain privileges by exec */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += n;
		len -= (size_t)n;
	}
}

int worker_start(const struct rc_job *job, struct worker *w, struct ferry_err *e)
{
	return worker_spawn(job, w, NULL, 0, e);
}

/* ferry-worker: $FERRY_WORKER, else beside this executable (a build tree),
 * else the installed FERRY_PKGLIBEXECDIR/ferry-worker. */
static const char *worker_program(void)
{
	static char path[4096];
	const char *env = getenv("FERRY_WORKER");
	char self[4096];
	ssize_t n;

	if (env && *env)
		return env;
	if (path[0])
		return path;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			snprintf(path, sizeof(path), "%.*s/ferry-worker", (int)(slash - self), self);
			if (access(path, X_OK) == 0)
				return path;
		}
	}
	snprintf(path, sizeof(path), "%s/ferry-worker", FERRY_PKGLIBEXECDIR);
	return path;
}

/* The job goes to the worker's stdin through an anonymous memory file, so
 * the parent never blocks on a worker that does not read. */
static int job_file(const struct rc_job *job, struct ferry_err *e)
{
	struct rc_job_settings settings = {
		.state_dir = job->store->root,
		.log_priority = log_max_priority(),
		.log_format = log_current_format(),
	};
	char *text = rc_job_serialize(job, &settings);
	size_t len = strlen(text), off = 0;
	int fd = memfd_create("ferry-job", MFD_CLOEXEC);

	if (fd < 0) {
		free(text);
		return ferr_set(e, "WorkerFailed", "memfd_create: %s", strerror(errno));
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ferr_set(e, "WorkerFailed", "writing the job record: %s", strerror(errno));
			close(fd);
			free(text);
			return -1;
		}
		off += (size_t)n;
	}
	free(text);
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return ferr_set(e, "WorkerFailed", "lseek: %s", strerror(errno));
	}
	return fd;
}

static void exec_worker(const char *program, int job_fd, int result_fd)
{
	char *const argv[] = { (char *)"ferry-worker", NULL };
	struct rc_result r;
	char *msg, *text;
	int err;

	if (dup2(job_fd, STDIN_FILENO) < 0 || dup2(result_fd, STDOUT_FILENO) < 0)
		_exit(126);
	execv(program, argv);
	err = errno;
	rc_result_init(&r);
	msg = xasprintf("cannot start the reconcile worker %s: %s", program, strerror(err));
	rc_result_fail(&r, RC_FAIL_WORKER, "WorkerFailed", msg);
	text = rc_result_serialize(&r);
	write_all(STDOUT_FILENO, text, strlen(text));
	_exit(0);
}

int worker_spawn(const struct rc_job *job, struct worker *w, const int *close_fds, size_t n_close,
		 struct ferry_err *e)
{
	const char *program = worker_program();
	int p[2], job_fd;
	pid_t pid;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	job_fd = job_file(job, e);
	if (job_fd < 0)
		return -1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		close(job_fd);
		return ferr_set(e, "WorkerFailed", "pipe: %s", strerror(errno));
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		close(job_fd);
		return ferr_set(e, "WorkerFailed", "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(p[0]);
		for (size_t i = 0; i < n_close; i++)
			if (close_fds[i] >= 0)
				close(close_fds[i]);
		worker_child_setup();
		if (getppid() == 1)
			_exit(1);
		exec_worker(program, job_fd, p[1]);
	}
	close(p[1]);
	close(job_fd);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	w->pid = pid;
	w->fd = p[0];
	buf_init(&w->out, LIMIT_WORKER_RESULT_BYTES);
	w->ns = xstrdup(job->src->ns);
	w->name = xstrdup(job->src->name);
	w->started_ms = ftime_mono_ms();
	return 0;
}

int worker_read(struct worker *w)
{
	char chunk[8192];

	if (w->eof)
		return 1;
	for (;;) {
		ssize_t n = read(w->fd, chunk, sizeof(chunk));
		if (n > 0) {
			if (buf_append(&w->out, chunk, (size_t)n) < 0) {
				/* no record is that long: stop reading what a
				 * runaway worker writes (the caller ends it) */
				w->overflow = true;
				w->eof = true;
				return 1;
			}
			continue;
		}
		if (n == 0) {
			w->eof = true;
			return 1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		w->eof = true;
		return 1;
	}
}

void worker_result(struct worker *w, int wstatus, bool timed_out, struct rc_result *r)
{
	struct ferry_err e;
	char *msg = NULL;

	ferr_clear(&e);
	worker_read(w);
	if (w->overflow)
		msg = xasprintf("reconcile worker (pid %d) sent a result larger than %llu bytes and was killed",
				(int)w->pid, (unsigned long long)LIMIT_WORKER_RESULT_BYTES);
	else if (timed_out)
		msg = xasprintf("reconcile worker (pid %d) exceeded its deadline after %llds and was killed",
				(int)w->pid, (long long)((ftime_mono_ms() - w->started_ms) / 1000));
	else if (WIFSIGNALED(wstatus))
		msg = xasprintf("reconcile worker (pid %d) crashed with signal %d (%s)", (int)w->pid,
				WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
	else if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
		msg = xasprintf("reconcile worker (pid %d) exited with status %d", (int)w->pid,
				WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
	else if (rc_result_parse((const char *)w->out.data ? (const char *)w->out.data : "", w->out.len,
				 w->ns, w->name, r, &e) < 0)
		msg = xasprintf("reconcile worker (pid %d): %s", (int)w->pid, e.msg);
	if (msg) {
		rc_result_init(r);
		rc_result_fail(r, RC_FAIL_WORKER, "WorkerFailed", msg);
		free(msg);
	}
}

void worker_release(struct worker *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	buf_free(&w->out);
	free(w->ns);
	free(w->name);
	w->ns = w->name = NULL;
}
