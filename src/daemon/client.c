/* client.c - connect to ferryd's control socket, send a request, read the reply. */
#include "daemon/client.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/timeutil.h"

void client_reply_free(struct client_reply *r)
{
	for (size_t i = 0; i < r->n_info; i++)
		free(r->info[i]);
	free(r->info);
	free(r->final);
	memset(r, 0, sizeof(*r));
}

static int connect_to(const char *path, struct ferry_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return ferr_set(e, CLIENT_UNREACHABLE, "cannot reach ferryd at %s: path too long", path);
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ferr_set(e, CLIENT_UNREACHABLE, "cannot reach ferryd at %s: socket: %s", path, strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		close(fd);
		return ferr_set(e, CLIENT_UNREACHABLE, "cannot reach ferryd at %s: %s%s", path, strerror(err),
				err == ENOENT || err == ECONNREFUSED ? " (is ferryd running?)" : "");
	}
	return fd;
}

static int send_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Take the complete lines out of b. Returns 1 once the final line is in,
 * 0 when more is needed, -1 on garbage. */
static int take_lines(struct buf *b, size_t *off, struct client_reply *r, client_info_fn on_info, void *ud,
		      struct ferry_err *e)
{
	for (;;) {
		char *p = (char *)b->data + *off, *lf;
		size_t len, avail = b->len - *off;

		lf = avail ? memchr(p, '\n', avail) : NULL;
		if (!lf)
			return 0;
		len = (size_t)(lf - p);
		if (memchr(p, '\0', len))
			return ferr_set(e, "ProtocolError", "ferryd sent a NUL byte");
		*off += len + 1;
		if ((len >= 3 && memcmp(p, "ok ", 3) == 0) || (len >= 6 && memcmp(p, "error ", 6) == 0)) {
			r->ok = p[0] == 'o';
			r->final = xstrndup(p + (r->ok ? 3 : 6), len - (r->ok ? 3 : 6));
			return 1;
		}
		r->info = xrealloc(r->info, (r->n_info + 1) * sizeof(*r->info));
		r->info[r->n_info] = xstrndup(p, len);
		if (on_info)
			on_info(r->info[r->n_info], ud);
		r->n_info++;
	}
}

int client_call(const char *path, const char *request, int64_t timeout_ms, struct client_reply *r,
		struct ferry_err *e)
{
	return client_call_cb(path, request, timeout_ms, NULL, NULL, r, e);
}

int client_call_cb(const char *path, const char *request, int64_t timeout_ms, client_info_fn on_info,
		   void *userdata, struct client_reply *r, struct ferry_err *e)
{
	struct buf b = BUF_INIT(LIMIT_CONTROL_RESPONSE_BYTES);
	int64_t deadline = timeout_ms > 0 ? ftime_mono_ms() + timeout_ms : 0;
	size_t off = 0;
	char *line;
	int fd, rc = -1, send_err = 0;

	memset(r, 0, sizeof(*r));
	fd = connect_to(path, e);
	if (fd < 0)
		return -1;
	line = xasprintf("%s\n", request);
	if (send_all(fd, line, strlen(line)) < 0) {
		send_err = errno;
		/* a refusal ("error busy ...") may be written and the connection
		 * closed before our request went out: the answer is still there */
		if (send_err != EPIPE && send_err != ECONNRESET) {
			ferr_set(e, "ProtocolError", "cannot send the request to ferryd at %s: %s", path,
				 strerror(send_err));
			goto out;
		}
	}
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char chunk[4096];
		int wait = -1, got;
		ssize_t n;

		if (deadline) {
			int64_t left = deadline - ftime_mono_ms();
			if (left <= 0) {
				ferr_set(e, "Timeout", "no answer from ferryd within %llds", (long long)(timeout_ms / 1000));
				goto out;
			}
			wait = left > 60000 ? 60000 : (int)left;
		}
		if (poll(&pfd, 1, wait) < 0 && errno != EINTR) {
			ferr_set(e, "ProtocolError", "poll: %s", strerror(errno));
			goto out;
		}
		if (!pfd.revents)
			continue;
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 && send_err) {
			ferr_set(e, "ProtocolError", "cannot send the request to ferryd at %s: %s", path,
				 strerror(send_err));
			goto out;
		}
		if (n < 0) {
			ferr_set(e, "ProtocolError", "reading from ferryd: %s", strerror(errno));
			goto out;
		}
		if (n == 0) {
			ferr_set(e, "ProtocolError", b.len > off ? "ferryd closed the connection mid-line"
								  : "ferryd closed the connection without an answer");
			goto out;
		}
		if (buf_append(&b, chunk, (size_t)n) < 0) {
			ferr_set(e, "ProtocolError", "answer from ferryd larger than %llu bytes",
				 (unsigned long long)LIMIT_CONTROL_RESPONSE_BYTES);
			goto out;
		}
		got = take_lines(&b, &off, r, on_info, userdata, e);
		if (got < 0)
			goto out;
		if (got > 0) {
			rc = 0;
			goto out;
		}
	}
out:
	if (rc < 0)
		client_reply_free(r);
	free(line);
	buf_free(&b);
	close(fd);
	return rc;
}
