/*
 * control.c - ferryd's control socket (--control-socket, default
 * /run/ferry/ferryd.sock, mode 0660, group "ferry" when that group exists).
 *
 * Protocol: a client connects, sends ONE request line and reads response
 * lines until the daemon closes the connection.
 *
 *   request  = VERB [SP NAMESPACE "/" NAME] LF      (printable ASCII, at most
 *                                                    LIMIT_CONTROL_LINE_BYTES)
 *     reconcile NS/NAME   reconcile now (or right after the run in progress)
 *                         and answer when that run has finished
 *     suspend NS/NAME     stop scheduling the source; kept in
 *                         status.suspended, survives restarts
 *     resume NS/NAME      undo suspend, then like reconcile
 *     status              one "source" line per source, then the STATUS= text
 *
 *   response = *(INFO LF) FINAL LF
 *     INFO  = "accepted"                             (reconcile, resume: the run
 *                                                    is queued, its result follows)
 *           | "revision" SP REVISION                 (reconcile, resume)
 *           | "source" SP NS/NAME SP READY SP REASON SP SUSPENDED SP NEXT
 *                                                    (status; SUSPENDED is
 *                                                    true|false, NEXT seconds
 *                                                    until the next check or -)
 *     FINAL = "ok" SP READY SP REASON SP MESSAGE     (reconcile, resume:
 *                                                    READY is True|False|Unknown)
 *           | "ok" SP TEXT                           (suspend, status)
 *           | "error" SP CODE SP MESSAGE
 *     CODE  = usage | not-found | suspended | busy | shutting-down | timeout
 *
 * Tokens (REVISION, READY, REASON, ...) never contain spaces: "\s" stands for
 * a space, "-" for an empty value. MESSAGE and TEXT run to the end of the
 * line. Both escape "\\", LF, CR and TAB as \\ \n \r \t and other control
 * bytes as \xHH (see protocol.h).
 *
 * Example:
 *   > reconcile edge/app
 *   < accepted
 *   < revision 1.2.0@sha256:3b6c...
 *   < ok True Succeeded stored artifact for digest '1.2.0@sha256:3b6c...'
 *
 * Bounds: at most LIMIT_CONTROL_CLIENTS connections at once (more get
 * "error busy"), the request must arrive within LIMIT_CONTROL_REQUEST_MS, a
 * response is at most LIMIT_CONTROL_RESPONSE_BYTES, and a client that takes
 * none of a pending response for LIMIT_CONTROL_STALL_MS is dropped. Every
 * socket is non-blocking: a slow or silent client never stalls the daemon,
 * nor holds a connection slot for ever. Access is
 * controlled by the socket file's mode and group; the peer's uid and pid
 * (SO_PEERCRED) are logged with every suspend and resume.
 */
#include "daemon/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/protocol.h"
#include "reconcile/conditions.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/timeutil.h"

struct client {
	struct daemon *d;
	int fd;
	sd_event_source *io;
	sd_event_source *timer;
	char in[LIMIT_CONTROL_LINE_BYTES + 2];
	size_t in_len;
	bool have_request;
	struct buf out;
	size_t out_off;
	bool final;                 /* the final line is queued: close once written */
	struct dsource *wait_src;   /* waiting for a run of this source */
	uint64_t wait_seq;
	uid_t uid;
	pid_t pid;
	struct client *next;
};

/* Unread input would turn the close into a reset that loses our answer. */
static void close_drained(int fd)
{
	for (int i = 0; i < 16; i++) {
		char sink[4096];
		if (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) <= 0)
			break;
	}
	close(fd);
}

static void client_free(struct client *c)
{
	struct daemon *d = c->d;

	for (struct client **p = &d->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	d->n_clients--;
	c->io = sd_event_source_disable_unref(c->io);
	c->timer = sd_event_source_disable_unref(c->timer);
	close_drained(c->fd);
	buf_free(&c->out);
	free(c);
}

static int on_client_stalled(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct client *c = userdata;

	log_debug("control client (uid %d, pid %d) took none of its response for %d ms; dropped", (int)c->uid,
		  (int)c->pid, LIMIT_CONTROL_STALL_MS);
	client_free(c);
	return 0;
}

/* A response waits in our buffer: the client must keep taking it, or its
 * slot would be held for ever. (Before the request, c->timer is the
 * request deadline.) */
static void watch_stall(struct client *c, bool progressed)
{
	uint64_t usec = (uint64_t)LIMIT_CONTROL_STALL_MS * 1000ULL;

	if (!c->have_request)
		return;
	if (!c->timer) {
		(void)sd_event_add_time_relative(c->d->ev, &c->timer, CLOCK_MONOTONIC, usec, 0, on_client_stalled, c);
	} else if (progressed) {
		sd_event_source_set_time_relative(c->timer, usec);
	}
}

/* Write what is pending. Returns false when the client was freed. */
static bool flush(struct client *c)
{
	bool progressed = false;

	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			c->out_off += (size_t)n;
			progressed = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			sd_event_source_set_io_events(c->io, EPOLLOUT);
			watch_stall(c, progressed);
			return true;
		}
		client_free(c);
		return false;
	}
	if (c->final) {
		client_free(c);
		return false;
	}
	if (c->have_request)
		c->timer = sd_event_source_disable_unref(c->timer);   /* waiting for a run: no deadline */
	sd_event_source_set_io_events(c->io, c->have_request ? 0 : EPOLLIN);
	return true;
}

static void reply_error(struct client *c, const char *code, const char *message)
{
	buf_append_str(&c->out, "error ");
	proto_append_escaped(&c->out, code, true);
	buf_append_str(&c->out, " ");
	proto_append_escaped(&c->out, message, false);
	buf_append_str(&c->out, "\n");
	c->final = true;
	c->wait_src = NULL;
	flush(c);
}

static void reply_ok(struct client *c, const char *text)
{
	buf_append_str(&c->out, "ok ");
	proto_append_escaped(&c->out, text, false);
	buf_append_str(&c->out, "\n");
	c->final = true;
	flush(c);
}

static void reply_result(struct client *c, const struct dsource *ds)
{
	const struct condition *ready = cond_get(&ds->st.conds, COND_READY);

	if (ds->st.has_artifact) {
		buf_append_str(&c->out, "revision ");
		proto_append_escaped(&c->out, ds->st.artifact.revision, true);
		buf_append_str(&c->out, "\n");
	}
	buf_append_str(&c->out, "ok ");
	proto_append_escaped(&c->out, ready ? ready->status : COND_UNKNOWN, true);
	buf_append_str(&c->out, " ");
	proto_append_escaped(&c->out, ready ? ready->reason : NULL, true);
	buf_append_str(&c->out, " ");
	proto_append_escaped(&c->out, ready ? ready->message : "", false);
	buf_append_str(&c->out, "\n");
	c->final = true;
	c->wait_src = NULL;
	flush(c);
}

static void status_lines(struct client *c)
{
	struct daemon *d = c->d;
	int64_t now = daemon_now_ms();

	for (size_t i = 0; i < d->n_src; i++) {
		const struct dsource *ds = d->src[i];
		const struct condition *ready = cond_get(&ds->st.conds, COND_READY);
		int64_t due = sched_effective_due(&ds->sched);

		buf_append_str(&c->out, "source ");
		proto_append_escaped(&c->out, ds->key, true);
		buf_append_str(&c->out, " ");
		proto_append_escaped(&c->out, ready ? ready->status : COND_UNKNOWN, true);
		buf_append_str(&c->out, " ");
		proto_append_escaped(&c->out, ready ? ready->reason : NULL, true);
		buf_printf(&c->out, " %s ", sources_is_suspended(ds) ? "true" : "false");
		if (ds->running || ds->sched.queued)
			buf_append_str(&c->out, "0\n");
		else if (due == SCHED_NEVER || ds->src->invalid)
			buf_append_str(&c->out, "-\n");
		else
			buf_printf(&c->out, "%lld\n", (long long)(due > now ? (due - now + 999) / 1000 : 0));
	}
	reply_ok(c, d->status_text ? d->status_text : "");
}

static void wait_for_run(struct client *c, struct dsource *ds)
{
	struct daemon *d = c->d;

	if (ds->src->invalid) {
		reply_result(c, ds);
		return;
	}
	c->wait_src = ds;
	c->wait_seq = ds->runs_started + 1;
	ds->requested_seq = c->wait_seq;
	buf_append_str(&c->out, "accepted\n");
	if (!flush(c))
		return;
	if (ds->running) {
		ds->rerun = true;
	} else if (!ds->sched.queued) {
		sched_soon(&ds->sched, daemon_now_ms());
		pool_enqueue(d, ds);
		pool_dispatch(d);
	}
	daemon_rearm(d);
	daemon_refresh_status(d);
}

static void set_suspended(struct client *c, struct dsource *ds, bool suspended)
{
	struct daemon *d = c->d;
	struct log_fields f = { .source = ds->key, .reason = suspended ? "Suspended" : "Resumed" };
	json_t *before = rc_status_to_json(&ds->st);

	log_event(LOG_NOTICE, &f, "%s over the control socket (uid %d, pid %d)",
		  suspended ? "reconciliation suspended" : "reconciliation resumed", (int)c->uid, (int)c->pid);
	ds->st.suspended = suspended;
	sources_save_status(d, ds, before);
	sources_record_event(d, ds, false, f.reason, "%s", suspended ? "reconciliation suspended by ferryctl"
								  : "reconciliation resumed by ferryctl");
	ds->sched.suspended = sources_is_suspended(ds);
	if (suspended) {
		if (sched_fifo_remove(&d->queue, ds))
			ds->sched.queued = false;
		if (!ds->running)
			control_source_gone(d, ds, "suspended", "the source was suspended");
	}
	sources_write_metrics(d);
	daemon_rearm(d);
	daemon_refresh_status(d);
}

static void handle_request(struct client *c, const char *text, size_t len)
{
	struct daemon *d = c->d;
	struct proto_request req;
	struct ferry_err e;
	struct dsource *ds;
	char msg[LIMIT_NAMESPACE_LEN + LIMIT_NAME_LEN + 512];

	c->have_request = true;
	c->timer = sd_event_source_disable_unref(c->timer);
	sd_event_source_set_io_events(c->io, 0);
	ferr_clear(&e);
	if (proto_parse_request(text, len, &req, &e) < 0) {
		reply_error(c, "usage", e.msg);
		return;
	}
	if (req.verb == PROTO_STATUS) {
		status_lines(c);
		return;
	}
	if (d->stopping) {
		reply_error(c, "shutting-down", "ferryd is stopping");
		return;
	}
	ds = sources_find(d, req.ns, req.name);
	if (!ds) {
		snprintf(msg, sizeof(msg), "OCIRepository %s/%s not found in %s", req.ns, req.name, d->o->config_dir);
		reply_error(c, "not-found", msg);
		return;
	}
	switch (req.verb) {
	case PROTO_SUSPEND:
		if (ds->st.suspended) {
			reply_ok(c, "already suspended");
			return;
		}
		set_suspended(c, ds, true);
		reply_ok(c, "suspended");
		return;
	case PROTO_RESUME:
		if (ds->src->suspend) {
			snprintf(msg, sizeof(msg), "spec.suspend is true in %s:%d; set it to false there to resume",
				 ds->src->loc.file ? ds->src->loc.file : "the config", ds->src->loc.line);
			reply_error(c, "suspended", msg);
			return;
		}
		if (ds->st.suspended)
			set_suspended(c, ds, false);
		wait_for_run(c, ds);
		return;
	case PROTO_RECONCILE:
		if (sources_is_suspended(ds)) {
			snprintf(msg, sizeof(msg), "OCIRepository %s is suspended (%s)", ds->key,
				 ds->src->suspend ? "spec.suspend" : "ferryctl suspend");
			reply_error(c, "suspended", msg);
			return;
		}
		wait_for_run(c, ds);
		return;
	case PROTO_STATUS:
		break;
	}
}

static int on_client_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct client *c = userdata;

	if (revents & EPOLLOUT) {
		if (!flush(c))
			return 0;
	}
	if ((revents & EPOLLIN) && !c->have_request) {
		for (;;) {
			ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len, MSG_DONTWAIT);
			char *lf;

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				return 0;
			if (n <= 0) {
				client_free(c);
				return 0;
			}
			lf = memchr(c->in + c->in_len, '\n', (size_t)n);
			c->in_len += (size_t)n;
			if (lf) {
				*lf = '\0';
				handle_request(c, c->in, (size_t)(lf - c->in));
				return 0;
			}
			if (c->in_len >= sizeof(c->in) - 1) {
				char msg[64];

				snprintf(msg, sizeof(msg), "request longer than %d bytes", LIMIT_CONTROL_LINE_BYTES);
				c->have_request = true;
				c->timer = sd_event_source_disable_unref(c->timer);
				reply_error(c, "usage", msg);
				return 0;
			}
		}
	}
	if (revents & (EPOLLHUP | EPOLLERR))
		client_free(c);
	return 0;
}

static int on_client_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct client *c = userdata;
	char msg[64];

	snprintf(msg, sizeof(msg), "no request within %d ms", LIMIT_CONTROL_REQUEST_MS);
	c->have_request = true;
	c->timer = sd_event_source_disable_unref(c->timer);
	reply_error(c, "timeout", msg);
	return 0;
}

static void refuse(int fd, bool stopping)
{
	static const char busy[] = "error busy too many control connections\n";
	static const char stop[] = "error shutting-down ferryd is stopping\n";

	if (stopping)
		(void)!send(fd, stop, sizeof(stop) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	else
		(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close_drained(fd);
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct daemon *d = userdata;

	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ucred cred = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
		socklen_t len = sizeof(cred);
		struct client *c;

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return 0;
		}
		if (d->n_clients >= LIMIT_CONTROL_CLIENTS || d->stopping) {
			refuse(cfd, d->stopping);
			continue;
		}
		getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
		c = xcalloc(1, sizeof(*c));
		c->d = d;
		c->fd = cfd;
		c->uid = cred.uid;
		c->pid = cred.pid;
		buf_init(&c->out, LIMIT_CONTROL_RESPONSE_BYTES);
		if (sd_event_add_io(d->ev, &c->io, cfd, EPOLLIN, on_client_io, c) < 0 ||
		    sd_event_add_time_relative(d->ev, &c->timer, CLOCK_MONOTONIC,
					       (uint64_t)LIMIT_CONTROL_REQUEST_MS * 1000ULL, 0, on_client_timeout, c) < 0) {
			c->io = sd_event_source_disable_unref(c->io);
			buf_free(&c->out);
			close(cfd);
			free(c);
			continue;
		}
		c->next = d->clients;
		d->clients = c;
		d->n_clients++;
	}
}

void control_run_finished(struct daemon *d, struct dsource *ds)
{
	for (struct client *c = d->clients, *next; c; c = next) {
		next = c->next;
		if (c->wait_src == ds && ds->runs_finished >= c->wait_seq)
			reply_result(c, ds);
	}
	if (sources_is_suspended(ds))
		control_source_gone(d, ds, "suspended", "the source was suspended");
}

void control_answer_now(struct daemon *d, struct dsource *ds)
{
	for (struct client *c = d->clients, *next; c; c = next) {
		next = c->next;
		if (c->wait_src == ds)
			reply_result(c, ds);
	}
}

void control_source_gone(struct daemon *d, struct dsource *ds, const char *code, const char *why)
{
	for (struct client *c = d->clients, *next; c; c = next) {
		next = c->next;
		if (c->wait_src == ds)
			reply_error(c, code, why);
	}
}

void control_collect_fds(struct daemon *d, int *fds, size_t *n, size_t max)
{
	if (d->listen_fd >= 0 && *n < max)
		fds[(*n)++] = d->listen_fd;
	for (struct client *c = d->clients; c && *n < max; c = c->next)
		fds[(*n)++] = c->fd;
}

static int fail_listen(struct daemon *d, const char *path, const char *what, int err)
{
	free(d->socket_error);
	d->socket_error = xasprintf("%s: %s: %s", path, what, strerror(err));
	log_error("control socket unavailable (%s); reconciling continues without it", d->socket_error);
	if (d->listen_fd >= 0)
		close(d->listen_fd);
	d->listen_fd = -1;
	return -1;
}

/* Is somebody answering on path? */
static bool in_use(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool used;

	if (fd < 0)
		return false;
	used = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return used;
}

int control_listen(struct daemon *d)
{
	const char *path = d->o->control_socket;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct group *grp;
	struct stat st;
	mode_t old_mask;
	char *copy;
	int rc;

	if (!path || !*path)
		return 0;
	if (strlen(path) >= sizeof(sa.sun_path))
		return fail_listen(d, path, "path too long", ENAMETOOLONG);
	memcpy(sa.sun_path, path, strlen(path));
	copy = xstrdup(path);
	if (mkdir(dirname(copy), 0755) < 0 && errno != EEXIST) {
		int err = errno;
		free(copy);
		return fail_listen(d, path, "cannot create its directory", err);
	}
	free(copy);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return fail_listen(d, path, "exists and is not a socket", EEXIST);
		if (in_use(&sa))
			return fail_listen(d, path, "another ferryd answers there", EADDRINUSE);
		unlink(path);
	}
	d->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->listen_fd < 0)
		return fail_listen(d, path, "socket", errno);
	old_mask = umask(0117);
	rc = bind(d->listen_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (rc < 0)
		return fail_listen(d, path, "bind", errno);
	if (chmod(path, 0660) < 0)
		log_warn("control socket %s: chmod: %s", path, strerror(errno));
	grp = getgrnam("ferry");
	/* under the unit the daemon runs as group ferry already: nothing to change */
	if (grp && stat(path, &st) == 0 && st.st_gid != grp->gr_gid &&
	    chown(path, (uid_t)-1, grp->gr_gid) < 0)
		log_warn("control socket %s: cannot give it to group ferry: %s", path, strerror(errno));
	if (listen(d->listen_fd, LIMIT_CONTROL_CLIENTS) < 0)
		return fail_listen(d, path, "listen", errno);
	if (stat(path, &st) == 0)
		d->socket_ino = st.st_ino;
	rc = sd_event_add_io(d->ev, &d->listen_src, d->listen_fd, EPOLLIN, on_accept, d);
	if (rc < 0)
		return fail_listen(d, path, "event loop", -rc);
	free(d->socket_error);
	d->socket_error = NULL;
	return 0;
}

void control_close(struct daemon *d)
{
	struct stat st;

	while (d->clients) {
		struct client *c = d->clients;

		if (!c->final)
			buf_append_str(&c->out, "error shutting-down ferryd is stopping\n");
		if (c->out.len > c->out_off)
			(void)!send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		client_free(c);
	}
	d->listen_src = sd_event_source_disable_unref(d->listen_src);
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		d->listen_fd = -1;
		if (stat(d->o->control_socket, &st) == 0 && st.st_ino == d->socket_ino)
			unlink(d->o->control_socket);
	}
}
