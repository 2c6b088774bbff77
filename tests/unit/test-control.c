/* test-control.c - the control-socket protocol: request parsing with its
 * error texts, escaping of response fields, splitting response lines, and the
 * client against a scripted server. */
#include "unit.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/client.h"
#include "daemon/protocol.h"
#include "util/mem.h"

static int parse(const char *line, struct proto_request *req, struct ferry_err *e)
{
	ferr_clear(e);
	return proto_parse_request(line, strlen(line), req, e);
}

static void test_parse_valid(void **state)
{
	struct proto_request req;
	struct ferry_err e;

	assert_int_equal(parse("reconcile edge/app", &req, &e), 0);
	assert_int_equal(req.verb, PROTO_RECONCILE);
	assert_string_equal(req.ns, "edge");
	assert_string_equal(req.name, "app");
	assert_int_equal(parse("suspend flux-system/podinfo.v2\r", &req, &e), 0);
	assert_int_equal(req.verb, PROTO_SUSPEND);
	assert_string_equal(req.ns, "flux-system");
	assert_string_equal(req.name, "podinfo.v2");
	assert_int_equal(parse("resume a/b", &req, &e), 0);
	assert_int_equal(req.verb, PROTO_RESUME);
	assert_int_equal(parse("status", &req, &e), 0);
	assert_int_equal(req.verb, PROTO_STATUS);
	assert_string_equal(req.ns, "");
	assert_string_equal(proto_verb_name(PROTO_RESUME), "resume");
}

static void expect_error(const char *line, const char *message)
{
	struct proto_request req;
	struct ferry_err e;

	assert_int_equal(parse(line, &req, &e), -1);
	assert_string_equal(e.reason, "usage");
	assert_string_equal(e.msg, message);
}

static void test_parse_errors(void **state)
{
	expect_error("", "empty request");
	expect_error("\r", "empty request");
	expect_error("sync edge/app", "unknown command 'sync' (expected reconcile, suspend, resume or status)");
	expect_error("RECONCILE edge/app",
		     "unknown command 'RECONCILE' (expected reconcile, suspend, resume or status)");
	expect_error("reconcile", "reconcile needs NAMESPACE/NAME");
	expect_error("reconcile ", "reconcile needs NAMESPACE/NAME");
	expect_error("suspend app", "suspend needs NAMESPACE/NAME, got 'app'");
	expect_error("resume a/b c", "resume takes one argument, NAMESPACE/NAME");
	expect_error("reconcile  edge/app", "reconcile takes one argument, NAMESPACE/NAME");
	expect_error("status now", "status takes no argument");
	expect_error("reconcile Edge/app", "invalid namespace 'Edge': must be a lowercase RFC 1123 label");
	expect_error("reconcile edge.x/app", "invalid namespace 'edge.x': must be a lowercase RFC 1123 label");
	expect_error("reconcile /app", "invalid namespace '': must be a lowercase RFC 1123 label");
	expect_error("reconcile edge/app-", "invalid name 'app-': must be a lowercase RFC 1123 subdomain");
	expect_error("reconcile edge/a..b", "invalid name 'a..b': must be a lowercase RFC 1123 subdomain");
	expect_error("reconcile edge/a/b", "invalid name 'a/b': must be a lowercase RFC 1123 subdomain");
	expect_error("reconcile edge/", "invalid name '': must be a lowercase RFC 1123 subdomain");
	expect_error("reconcile edge/\x01", "request contains a byte that is not printable ASCII (0x01)");
	expect_error("reconcile edge/\xc3\xa9", "request contains a byte that is not printable ASCII (0xc3)");
	expect_error("reconcile edge/a\tb", "request contains a byte that is not printable ASCII (0x09)");
}

static void test_parse_bounds(void **state)
{
	char ns[LIMIT_NAMESPACE_LEN + 2], name[LIMIT_NAME_LEN + 2];
	char *line;
	struct proto_request req;
	struct ferry_err e;

	memset(ns, 'a', sizeof(ns) - 1);
	ns[sizeof(ns) - 1] = '\0';
	memset(name, 'b', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	/* longest legal namespace and name */
	ns[LIMIT_NAMESPACE_LEN] = '\0';
	name[LIMIT_NAME_LEN] = '\0';
	line = xasprintf("reconcile %s/%s", ns, name);
	assert_int_equal(parse(line, &req, &e), 0);
	assert_int_equal(strlen(req.ns), LIMIT_NAMESPACE_LEN);
	assert_int_equal(strlen(req.name), LIMIT_NAME_LEN);
	free(line);
	/* one byte more */
	ns[LIMIT_NAMESPACE_LEN] = 'a';
	line = xasprintf("reconcile %s/b", ns);
	expect_error(line, "namespace or name too long");
	free(line);
	line = xasprintf("reconcile a/%sb", name);
	expect_error(line, "namespace or name too long");
	free(line);
	/* over the line limit */
	line = xmalloc(LIMIT_CONTROL_LINE_BYTES + 2);
	memset(line, 'x', LIMIT_CONTROL_LINE_BYTES + 1);
	line[LIMIT_CONTROL_LINE_BYTES + 1] = '\0';
	expect_error(line, "request longer than 4096 bytes");
	free(line);
}

static char *escaped(const char *s, bool token)
{
	struct buf b = BUF_INIT(0);

	proto_append_escaped(&b, s, token);
	return buf_steal(&b, NULL);
}

static void round_trip(const char *s, bool token, const char *expected)
{
	char *enc = escaped(s, token), *dec;

	assert_string_equal(enc, expected);
	assert_null(strchr(enc, '\n'));
	dec = proto_unescape(enc, strlen(enc), token);
	assert_non_null(dec);
	assert_string_equal(dec, s ? s : "");
	free(enc);
	free(dec);
}

static void test_escaping(void **state)
{
	round_trip("signature verification failed\nfailed to verify signature with digest sha256:ab, x", false,
		   "signature verification failed\\nfailed to verify signature with digest sha256:ab, x");
	round_trip("C:\\path\twith tab\r", false, "C:\\\\path\\twith tab\\r");
	round_trip("bell\x07", false, "bell\\x07");
	round_trip("stored artifact for digest 'v1@sha256:ab'", false, "stored artifact for digest 'v1@sha256:ab'");
	round_trip("two words", true, "two\\swords");
	round_trip("", true, "-");
	round_trip(NULL, true, "-");
	round_trip("-", true, "\\x2d");
	round_trip("Succeeded", true, "Succeeded");
}

static void test_unescape_rejects_malformed(void **state)
{
	const char *bad[] = { "trailing\\", "\\q", "\\x4", "\\xzz", "\\x00", "a\\x0g" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(proto_unescape(bad[i], strlen(bad[i]), false));
}

static void test_split(void **state)
{
	char *tok[3], *rest;

	assert_int_equal(proto_split("ok True Succeeded stored artifact for digest 'x'\\nmore", tok, 3, &rest), 0);
	assert_string_equal(tok[0], "ok");
	assert_string_equal(tok[1], "True");
	assert_string_equal(tok[2], "Succeeded");
	assert_string_equal(rest, "stored artifact for digest 'x'\nmore");
	for (int i = 0; i < 3; i++)
		free(tok[i]);
	free(rest);

	assert_int_equal(proto_split("source edge/app False - true 12", tok, 3, &rest), 0);
	assert_string_equal(tok[1], "edge/app");
	assert_string_equal(tok[2], "False");
	assert_string_equal(rest, "- true 12");
	for (int i = 0; i < 3; i++)
		free(tok[i]);
	free(rest);

	assert_int_equal(proto_split("ok", tok, 1, &rest), 0);
	assert_string_equal(tok[0], "ok");
	assert_string_equal(rest, "");
	free(tok[0]);
	free(rest);

	assert_int_equal(proto_split("ok True", tok, 3, &rest), -1);
	assert_null(rest);
	assert_int_equal(proto_split("ok  True x", tok, 2, &rest), -1);
	assert_int_equal(proto_split("ok Tr\\ue x", tok, 2, &rest), -1);
	assert_int_equal(proto_split("ok True bad\\", tok, 2, &rest), -1);
}

/* A one-shot server that reads a request line and answers with `script`. */
static pid_t serve_once(const char *path, const char *script, const char *expect_request)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char req[256] = "";
		size_t n = 0;
		int c = accept(fd, NULL, NULL);

		while (n < sizeof(req) - 1 && read(c, req + n, 1) == 1 && req[n] != '\n')
			n++;
		req[n] = '\0';
		if (strcmp(req, expect_request) != 0)
			_exit(3);
		if (write(c, script, strlen(script)) < 0)
			_exit(4);
		close(c);
		_exit(0);
	}
	close(fd);
	return pid;
}

/* A server that refuses like ferryd at its connection limit: it answers and
 * hangs up without reading the request. */
static pid_t serve_refusal(const char *path, const char *answer)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int c = accept(fd, NULL, NULL);

		if (write(c, answer, strlen(answer)) < 0)
			_exit(4);
		close(c);
		_exit(0);
	}
	close(fd);
	return pid;
}

static void finish_server(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_client_round_trip(void **state)
{
	char dir[] = "/tmp/ferry-test-control-XXXXXX", path[128];
	struct client_reply r;
	struct ferry_err e;
	pid_t pid;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sock", dir);

	pid = serve_once(path, "revision 1.0@sha256:ab\nok True Succeeded stored artifact\n", "reconcile edge/app");
	ferr_clear(&e);
	assert_int_equal(client_call(path, "reconcile edge/app", 5000, &r, &e), 0);
	finish_server(pid);
	assert_true(r.ok);
	assert_int_equal(r.n_info, 1);
	assert_string_equal(r.info[0], "revision 1.0@sha256:ab");
	assert_string_equal(r.final, "True Succeeded stored artifact");
	client_reply_free(&r);
	unlink(path);

	pid = serve_once(path, "error not-found OCIRepository edge/x not found in /etc/ferry\n", "suspend edge/x");
	assert_int_equal(client_call(path, "suspend edge/x", 5000, &r, &e), 0);
	finish_server(pid);
	assert_false(r.ok);
	assert_string_equal(r.final, "not-found OCIRepository edge/x not found in /etc/ferry");
	client_reply_free(&r);
	unlink(path);

	/* a server that hangs up without a final line */
	pid = serve_once(path, "revision x\n", "status");
	ferr_clear(&e);
	assert_int_equal(client_call(path, "status", 5000, &r, &e), -1);
	finish_server(pid);
	assert_string_equal(e.reason, "ProtocolError");
	assert_string_equal(e.msg, "ferryd closed the connection without an answer");
	unlink(path);

	/* refused before the request could be sent (one larger than the socket
	 * buffer makes sure it cannot): the refusal is the answer */
	{
		size_t big = 1 << 20;
		char *request;

		pid = serve_refusal(path, "error busy too many control connections\n");
		request = xmalloc(big + 1);
		memset(request, 'x', big);
		request[big] = '\0';
		ferr_clear(&e);
		assert_int_equal(client_call(path, request, 5000, &r, &e), 0);
		finish_server(pid);
		assert_false(r.ok);
		assert_string_equal(r.final, "busy too many control connections");
		client_reply_free(&r);
		unlink(path);
		free(request);
	}

	/* nobody listening */
	ferr_clear(&e);
	assert_int_equal(client_call(path, "status", 5000, &r, &e), -1);
	assert_string_equal(e.reason, CLIENT_UNREACHABLE);
	assert_non_null(strstr(e.msg, "cannot reach ferryd at "));
	assert_non_null(strstr(e.msg, "(is ferryd running?)"));
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_unescape_rejects_malformed),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_client_round_trip),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
