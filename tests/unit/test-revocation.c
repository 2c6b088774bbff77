/* test-revocation.c - OCSP and CRL revocation checks against a loopback HTTP server (a forked child that
 * serves canned responses made at run time and records every request): the raw POST body through the
 * registry client's HTTP layer, OCSP request encoding and GET/POST choice, responses good / revoked /
 * unknown and every rejection rule, CRLs with their entry rules and delta CRLs, OCSP falling back to CRLs,
 * the state-dir cache on an offline host, proxies, deadlines, and notation-go's chain verdicts.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "notation/cert.h"
#include "notation/crl.h"
#include "notation/crypto.h"
#include "notation/der.h"
#include "notation/fetch.h"
#include "notation/ocsp.h"
#include "notation/revcache.h"
#include "notation/revocation.h"
#include "nvtest-pki.h"
#include "oci/transport.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/timeutil.h"

#define NOW 1780272000 /* 2026-06-01T00:00:00Z */
#define HOUR 3600
#define DAY 86400

/* ---- a loopback HTTP server in a child process -------------------------------------------------- */

struct route {
	const char *path;       /* exact, or a prefix when it ends with '*' */
	int status;
	const struct buf *body;
	int delay_ms;
};

#define MAX_ROUTES 8

static struct server {
	int listen_fd;
	int port;
	pid_t pid;
	int log_fd;             /* read end: one line per request */
	struct route routes[MAX_ROUTES];
	size_t n_routes;
} srv = { -1, 0, 0, -1, { { 0 } }, 0 };

static const struct route *route_for(const char *target)
{
	for (size_t i = 0; i < srv.n_routes; i++) {
		const char *p = srv.routes[i].path;
		size_t n = strlen(p);

		if (n && p[n - 1] == '*' ? !strncmp(target, p, n - 1) : !strcmp(target, p))
			return &srv.routes[i];
	}
	return NULL;
}

static void serve_one(int c, int log_fd)
{
	char req[16384], method[16] = "", target[4096] = "", ctype[128] = "-";
	size_t got = 0, body_len = 0;
	char *end = NULL, *h;
	const struct route *r;
	struct buf line = BUF_INIT(0);

	req[0] = '\0';
	while (got < sizeof(req) - 1 && !(end = strstr(req, "\r\n\r\n"))) {
		ssize_t n = read(c, req + got, sizeof(req) - 1 - got);

		if (n <= 0)
			return;
		got += (size_t)n;
		req[got] = '\0';
	}
	if (!end || sscanf(req, "%15s %4095s", method, target) != 2)
		return;
	if ((h = strcasestr(req, "\r\nContent-Length:")))
		body_len = strtoul(h + 17, NULL, 10);
	if ((h = strcasestr(req, "\r\nContent-Type:")))
		sscanf(h + 15, " %127[^\r]", ctype);
	end += 4;
	while ((size_t)(req + got - end) < body_len && got < sizeof(req) - 1) {
		ssize_t n = read(c, req + got, sizeof(req) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf_printf(&line, "%s %s %s ", method, target, ctype);
	for (size_t i = 0; i < body_len && end + i < req + got; i++)
		buf_printf(&line, "%02x", (unsigned char)end[i]);
	buf_append(&line, "\n", 1);
	if (write(log_fd, line.data, line.len) < 0)
		_exit(2);
	buf_free(&line);
	r = route_for(target);
	if (r && r->delay_ms)
		usleep((useconds_t)r->delay_ms * 1000);
	{
		char head[256];
		size_t blen = r && r->body ? r->body->len : 0;
		int hl = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
				  r ? r->status : 404, blen);

		if (write(c, head, (size_t)hl) < 0 || (blen && write(c, r->body->data, blen) < 0))
			return;
	}
}

/* (Re)start the child with the current routes on the same port. */
static void server_restart(void)
{
	int p[2];

	if (srv.pid > 0) {
		kill(srv.pid, SIGKILL);
		waitpid(srv.pid, NULL, 0);
		srv.pid = 0;
	}
	if (srv.log_fd >= 0)
		close(srv.log_fd);
	if (pipe2(p, O_CLOEXEC) < 0)
		fail_msg("pipe: %s", strerror(errno));
	srv.pid = fork();
	if (srv.pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		for (;;) {
			int c = accept4(srv.listen_fd, NULL, NULL, SOCK_CLOEXEC);

			if (c < 0)
				continue;
			serve_one(c, p[1]);
			close(c);
		}
	}
	close(p[1]);
	srv.log_fd = p[0];
	fcntl(srv.log_fd, F_SETFL, O_NONBLOCK);
}

static void server_routes(const struct route *r, size_t n)
{
	assert_true(n <= MAX_ROUTES);
	if (n)
		memcpy(srv.routes, r, n * sizeof(*r));
	srv.n_routes = n;
	server_restart();
}

/* Requests served since the last call, one "METHOD target content-type bodyhex" line each. */
static char *server_log(void)
{
	struct buf b = BUF_INIT(0);
	char chunk[4096];
	ssize_t n;

	usleep(20000);
	while ((n = read(srv.log_fd, chunk, sizeof(chunk))) > 0)
		buf_append(&b, chunk, (size_t)n);
	return buf_cstr(&b);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A port on which nothing listens. */
static int closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;

	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &l);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static char *tmp_state;
static int state_fd = -1;

static int setup(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	char tmpl[] = "/tmp/ferry-test-revocation.XXXXXX";

	(void)state;
	/* the proxy tests set their own; the environment's must not interfere */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	srv.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (bind(srv.listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(srv.listen_fd, 16) < 0)
		return -1;
	getsockname(srv.listen_fd, (struct sockaddr *)&a, &l);
	srv.port = ntohs(a.sin_port);
	tmp_state = xstrdup(mkdtemp(tmpl));
	state_fd = open(tmp_state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return state_fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	if (srv.pid > 0) {
		kill(srv.pid, SIGKILL);
		waitpid(srv.pid, NULL, 0);
	}
	if (srv.log_fd >= 0)
		close(srv.log_fd);
	close(srv.listen_fd);
	fs_empty_dir_at(state_fd);
	close(state_fd);
	rmdir(tmp_state);
	free(tmp_state);
	return 0;
}

static char *url(const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", srv.port, path);
}

/* ---- test PKI: CA -> leaf, with the leaf naming responders and CRLs ---------------------------- */

struct pki {
	struct tkey *ca_key, *leaf_key, *other_key, *responder_key;
	struct buf ca, leaf, responder, serial;
	struct nv_cert *ca_cert, *leaf_cert;
	char *ocsp, *ocsp2, *crl, *crl2, *freshest;
};

struct pki_opts {
	const char *ocsp, *ocsp2, *crl, *crl2;   /* server paths, or full URLs when they contain ':' */
	const char *freshest;                    /* on the leaf */
	unsigned ca_key_usage;                   /* 0: keyCertSign | cRLSign */
	const char *const *responder_ekus;       /* delegated responder's EKUs (NULL: OCSPSigning) */
};

static char *loc(const char *p)
{
	return !p ? NULL : strchr(p, ':') ? xstrdup(p) : url(p);
}

static void pki_make(struct pki *p, const struct pki_opts *o)
{
	static const char *const ocsp_signing[] = { "1.3.6.1.5.5.7.3.9", NULL };
	struct tcert_opts ca = { .cn = "Test CA", .org = "Ferry Test", .is_ca = true, .path_len = -1,
				 .key_usage = o->ca_key_usage ? o->ca_key_usage : NV_KU_KEY_CERT_SIGN | NV_KU_CRL_SIGN };
	struct tcert_opts leaf = { .cn = "signer", .org = "Ferry Test", .issuer_cn = "Test CA", .issuer_org = "Ferry Test" };
	struct tcert_opts resp = { .cn = "OCSP responder", .org = "Ferry Test", .issuer_cn = "Test CA",
				   .issuer_org = "Ferry Test", .ekus = o->responder_ekus ? o->responder_ekus : ocsp_signing };
	struct ferry_err e;

	memset(p, 0, sizeof(*p));
	p->ca_key = tkey_ec(256);
	p->leaf_key = tkey_ec(256);
	p->other_key = tkey_ec(256);
	p->responder_key = tkey_ec(256);
	p->ocsp = loc(o->ocsp);
	p->ocsp2 = loc(o->ocsp2);
	p->crl = loc(o->crl);
	p->crl2 = loc(o->crl2);
	p->freshest = loc(o->freshest);
	tcert_make(p->ca_key, &ca, &p->ca);
	leaf.issuer_key = p->ca_key;
	leaf.ocsp_url = p->ocsp;
	leaf.ocsp_url2 = p->ocsp2;
	leaf.crl_url = p->crl;
	leaf.crl_url2 = p->crl2;
	leaf.freshest_url = p->freshest;
	tcert_make(p->leaf_key, &leaf, &p->leaf);
	resp.issuer_key = p->ca_key;
	tcert_make(p->responder_key, &resp, &p->responder);
	tcert_serial(&p->leaf, &p->serial);
	if (nv_cert_parse_der(p->ca.data, p->ca.len, &p->ca_cert, &e) < 0 ||
	    nv_cert_parse_der(p->leaf.data, p->leaf.len, &p->leaf_cert, &e) < 0)
		fail_msg("%s", e.msg);
}

static void pki_free(struct pki *p)
{
	tkey_free(p->ca_key);
	tkey_free(p->leaf_key);
	tkey_free(p->other_key);
	tkey_free(p->responder_key);
	buf_free(&p->ca);
	buf_free(&p->leaf);
	buf_free(&p->responder);
	buf_free(&p->serial);
	nv_cert_free(p->ca_cert);
	nv_cert_free(p->leaf_cert);
	free(p->ocsp);
	free(p->ocsp2);
	free(p->crl);
	free(p->crl2);
	free(p->freshest);
}

struct online {
	struct nv_rev_ctx ctx;
	struct nv_revcache cache;
};

/* A revocation context with network access (no proxy) and, optionally, the state-dir cache. */
static void online(struct online *o, bool with_cache, int64_t now)
{
	struct ferry_err e;

	o->cache.crl_fd = o->cache.ocsp_fd = -1;
	if (with_cache)
		nv_revcache_open(state_fd, &o->cache);
	nv_rev_ctx_init(&o->ctx, NULL, with_cache ? &o->cache : NULL, now);
	if (nv_fetch_new(NULL, &o->ctx.fetch, &e) < 0)
		fail_msg("%s", e.msg);
}

static void online_free(struct online *o)
{
	nv_rev_ctx_free(&o->ctx);
	nv_revcache_close(&o->cache);
}

static enum nv_rev_result check_cert(struct pki *p, int64_t signing_time, char *why, size_t n)
{
	struct online o;
	enum nv_rev_result r;

	online(&o, false, NOW);
	o.ctx.signing_time = signing_time;
	r = nv_revocation_check_cert(&o.ctx, p->leaf_cert, p->ca_cert, why, n);
	online_free(&o);
	return r;
}

static const char *result_name(enum nv_rev_result r)
{
	switch (r) {
	case NV_REV_OK: return "ok";
	case NV_REV_NON_REVOKABLE: return "non-revokable";
	case NV_REV_REVOKED: return "revoked";
	default: return "unknown";
	}
}

static void expect_result(struct pki *p, int64_t signing_time, enum nv_rev_result want, const char *why_part)
{
	char why[1024] = "";
	enum nv_rev_result got = check_cert(p, signing_time, why, sizeof(why));

	if (got != want || (why_part && !strstr(why, why_part)))
		fail_msg("got %s (%s), want %s (%s)", result_name(got), why, result_name(want), why_part ? why_part : "");
}

/* ---- the raw POST body through oci_http --------------------------------------------------------- */

static void test_fetch_raw_post_and_get(void **state)
{
	static const unsigned char body[] = { 0x30, 0x00, 0x00, 0x41, 0xff };
	struct buf ok = BUF_INIT(0), got = BUF_INIT(64);
	struct route routes[] = { { "/post", 200, &ok, 0 }, { "/get", 200, &ok, 0 } };
	struct nv_fetch *f;
	struct ferry_err e;
	char *u, *log;

	(void)state;
	buf_append(&ok, "answer", 6);
	server_routes(routes, 2);
	assert_int_equal(nv_fetch_new(NULL, &f, &e), 0);
	u = url("/post");
	assert_int_equal(nv_fetch_do(f, u, "application/ocsp-request", body, sizeof(body), 2000, &got, &e), 0);
	assert_int_equal(got.len, 6);
	assert_memory_equal(got.data, "answer", 6);
	log = server_log();
	/* the exact bytes, NULs included, with their content type */
	assert_string_equal(log, "POST /post application/ocsp-request 30000041ff\n");
	free(log);
	free(u);
	u = url("/get");
	assert_int_equal(nv_fetch_do(f, u, NULL, NULL, 0, 2000, &got, &e), 0);
	log = server_log();
	assert_string_equal(log, "GET /get - \n");
	free(log);
	free(u);
	/* a status other than 200, another scheme, an oversized body */
	u = url("/missing");
	assert_int_equal(nv_fetch_do(f, u, NULL, NULL, 0, 2000, &got, &e), -1);
	assert_string_equal(e.msg, "response had status code 404");
	free(u);
	assert_int_equal(nv_fetch_do(f, "https://127.0.0.1/x", NULL, NULL, 0, 2000, &got, &e), -1);
	assert_string_equal(e.msg, "unsupported scheme: https");
	got.max = 3;
	u = url("/get");
	assert_int_equal(nv_fetch_do(f, u, NULL, NULL, 0, 2000, &got, &e), -1);
	assert_non_null(strstr(e.msg, "response body exceeds the limit of 3 bytes"));
	free(u);
	free(server_log());
	nv_fetch_free(f);
	buf_free(&ok);
	buf_free(&got);
}

static void test_fetch_through_proxy(void **state)
{
	struct buf ok = BUF_INIT(0), got = BUF_INIT(64);
	struct route routes[] = { { "http://crl.example.invalid/ca.crl", 200, &ok, 0 } };
	struct oci_proxy proxy = { NULL, NULL, NULL };
	struct nv_fetch *f;
	struct ferry_err e;
	char *log;

	(void)state;
	buf_append(&ok, "crl", 3);
	server_routes(routes, 1);
	/* spec.proxySecretRef's proxy carries the request (the host itself does not resolve) */
	proxy.url = url("");
	assert_int_equal(nv_fetch_new(&proxy, &f, &e), 0);
	assert_int_equal(nv_fetch_do(f, "http://crl.example.invalid/ca.crl", NULL, NULL, 0, 2000, &got, &e), 0);
	assert_memory_equal(got.data, "crl", 3);
	log = server_log();
	assert_string_equal(log, "GET http://crl.example.invalid/ca.crl - \n");
	free(log);
	nv_fetch_free(f);
	free(proxy.url);
	/* without a proxy Secret, http_proxy from the environment applies */
	proxy.url = url("");
	setenv("http_proxy", proxy.url, 1);
	assert_int_equal(nv_fetch_new(NULL, &f, &e), 0);
	assert_int_equal(nv_fetch_do(f, "http://crl.example.invalid/ca.crl", NULL, NULL, 0, 2000, &got, &e), 0);
	unsetenv("http_proxy");
	log = server_log();
	assert_int_equal(count_lines(log), 1);
	free(log);
	nv_fetch_free(f);
	free(proxy.url);
	buf_free(&ok);
	buf_free(&got);
}

/* ---- OCSP --------------------------------------------------------------------------------------- */

static void test_ocsp_request(void **state)
{
	struct pki p;
	struct buf req, big = BUF_INIT(0);
	struct der d, in;
	struct der_tlv t, name_hash, key_hash, serial;
	unsigned char want[32];
	char oid[DER_OID_STR_MAX], *get;

	(void)state;
	pki_make(&p, &(struct pki_opts){ .ocsp = "/ocsp" });
	nv_ocsp_request(p.leaf_cert, p.ca_cert, &req);
	/* OCSPRequest { TBSRequest { requestList { Request { CertID } } } }, no nonce */
	d = der_init(req.data, req.len);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(der_read_tag(&d, DER_SEQUENCE, &t), 0);
		assert_true(der_empty(&d));
		d = der_contents(&t);
	}
	assert_int_equal(der_read_tag(&d, DER_SEQUENCE, &t), 0);
	in = der_contents(&t);
	assert_int_equal(der_read_tag(&in, DER_OID, &t), 0);
	der_oid_tlv_string(&t, oid);
	assert_string_equal(oid, "1.3.14.3.2.26"); /* SHA-1 CertID */
	assert_int_equal(der_read_tag(&d, DER_OCTET_STRING, &name_hash), 0);
	assert_int_equal(der_read_tag(&d, DER_OCTET_STRING, &key_hash), 0);
	assert_int_equal(der_read_tag(&d, DER_INTEGER, &serial), 0);
	nvc_hash(WC_HASH_TYPE_SHA, p.ca_cert->raw_subject, p.ca_cert->raw_subject_len, want);
	assert_int_equal(name_hash.val_len, 20);
	assert_memory_equal(name_hash.val, want, 20);
	assert_int_equal(key_hash.val_len, 20);
	assert_int_equal(serial.val_len, p.serial.len);
	assert_memory_equal(serial.val, p.serial.data, p.serial.len);
	/* short requests go as GET server/<url-escaped base64>; long ones are POSTed */
	get = nv_ocsp_get_url("http://h/ocsp/", &req);
	assert_non_null(get);
	assert_true(!strncmp(get, "http://h/ocsp/M", 15));
	assert_null(strpbrk(get + 14, "+/="));
	free(get);
	for (int i = 0; i < 200; i++)
		buf_append(&big, "x", 1);
	assert_null(nv_ocsp_get_url("http://h/ocsp", &big));
	buf_free(&big);
	buf_free(&req);
	pki_free(&p);
}

static struct buf ocsp_body;

static void ocsp_serve(struct pki *p, const struct tkey *signer, struct tocsp_opts o)
{
	struct route r[] = { { "/ocsp/*", 200, &ocsp_body, 0 } };

	buf_free(&ocsp_body);
	o.serial = o.serial ? o.serial : &p->serial;
	if (!o.this_update)
		o.this_update = NOW - HOUR;
	if (!o.next_update)
		o.next_update = NOW + DAY;
	tocsp_make(signer, &o, &ocsp_body);
	server_routes(r, 1);
}

static void test_ocsp_statuses(void **state)
{
	struct pki p;
	char *log;

	(void)state;
	pki_make(&p, &(struct pki_opts){ .ocsp = "/ocsp" });
	ocsp_serve(&p, p.ca_key, (struct tocsp_opts){ .status = 0 });
	expect_result(&p, 0, NV_REV_OK, NULL);
	log = server_log();
	assert_true(!strncmp(log, "GET /ocsp/", 10));
	assert_int_equal(count_lines(log), 1);
	free(log);
	ocsp_serve(&p, p.ca_key, (struct tocsp_opts){ .status = 1 });
	expect_result(&p, 0, NV_REV_REVOKED, "certificate is revoked via OCSP");
	ocsp_serve(&p, p.ca_key, (struct tocsp_opts){ .status = 2 });
	expect_result(&p, 0, NV_REV_UNKNOWN, "certificate has unknown status via OCSP");
	/* a delegated responder the CA issued for OCSP signing */
	ocsp_serve(&p, p.responder_key, (struct tocsp_opts){ .status = 1, .responder_cert = &p.responder });
	expect_result(&p, 0, NV_REV_REVOKED, NULL);
	/* the CA's own certificate embedded */
	ocsp_serve(&p, p.ca_key, (struct tocsp_opts){ .status = 0, .responder_cert = &p.ca });
	expect_result(&p, 0, NV_REV_OK, NULL);
	free(server_log());
	pki_free(&p);
}

static void test_ocsp_rejections(void **state)
{
	static const char *const code_signing[] = { "1.3.6.1.5.5.7.3.3", NULL };
	struct pki p, q;
	struct buf other_serial = BUF_INIT(0);

	(void)state;
	pki_make(&p, &(struct pki_opts){ .ocsp = "/ocsp" });
	/* signed by a key that is not the issuer's */
	ocsp_serve(&p, p.other_key, (struct tocsp_opts){ .status = 0 });
	expect_result(&p, 0, NV_REV_UNKNOWN, "bad OCSP signature");
	/* a responder without id-kp-OCSPSigning */
	pki_make(&q, &(struct pki_opts){ .ocsp = "/ocsp", .responder_ekus = code_signing });
	ocsp_serve(&q, q.responder_key, (struct tocsp_opts){ .status = 0, .responder_cert = &q.responder });
	expect_result(&q, 0, NV_REV_UNKNOWN, "not authorized for OCSP signing");
	/* a responder certificate the issuer did not sign */
	ocsp_serve(&p, q.responder_key, (struct tocsp_opts){ .status = 0, .responder_cert = &q.responder });
	expect_result(&p, 0, NV_REV_UNKNOWN, "bad OCSP signature");
	pki_free(&q);
	/* nextUpdate passed, absent, thisUpdate in the future */
	ocsp_serve(&p, p.ca_key, (struct tocsp_opts){ .status = 0, .this_update = NOW - 2 * DAY, .next_update = NOW - DAY });
	expect_result(&p, 0, NV_REV_UNKNOWN, "expired OCSP response");
	ocsp_serve(&p, p.ca_key, (struct tocsp_opts){ .status = 0, .no_next_update = true });
	expect_result(&p, 0, NV_REV_UNKNOWN, "expired OCSP response");
	ocsp_serve(&p, p.ca_key, (struct tocsp_opts){ .status = 0, .this_update = NOW + DAY, .next_update = NOW + 2 * DAY });
	expect_result(&p, 0, NV_REV_UNKNOWN, "not yet valid");
	/* an unknown critical single-response extension, another certificate's response, an error status */
	ocsp_serve(&p, p.ca_key, (struct tocsp_opts){ .status = 0, .critical_ext = true });
	expect_result(&p, 0, NV_REV_UNKNOWN, "unsupported critical extension");
	buf_append(&other_serial, "\x05", 1);
	ocsp_serve(&p, p.ca_key, (struct tocsp_opts){ .status = 0, .serial = &other_serial });
	expect_result(&p, 0, NV_REV_UNKNOWN, "no response matching the supplied certificate");
	ocsp_serve(&p, p.ca_key, (struct tocsp_opts){ .response_status = 3 });
	expect_result(&p, 0, NV_REV_UNKNOWN, "ocsp: error from server: try later");
	/* garbage */
	{
		struct buf junk = BUF_INIT(0);
		struct route r[] = { { "/ocsp/*", 200, &junk, 0 } };

		buf_append(&junk, "not ocsp", 8);
		server_routes(r, 1);
		expect_result(&p, 0, NV_REV_UNKNOWN, "malformed response");
		buf_free(&junk);
	}
	free(server_log());
	buf_free(&other_serial);
	pki_free(&p);
}

static void test_ocsp_invalidity_date(void **state)
{
	struct pki p;

	(void)state;
	pki_make(&p, &(struct pki_opts){ .ocsp = "/ocsp" });
	ocsp_serve(&p, p.ca_key, (struct tocsp_opts){ .status = 1, .invalidity = NOW - 10 * DAY });
	/* an authentic signing time before the invalidity date: still good for that signature */
	expect_result(&p, NOW - 20 * DAY, NV_REV_OK, NULL);
	/* after it, or without an authentic signing time (notary.x509): revoked */
	expect_result(&p, NOW - 5 * DAY, NV_REV_REVOKED, NULL);
	expect_result(&p, 0, NV_REV_REVOKED, NULL);
	free(server_log());
	pki_free(&p);
}

static void test_ocsp_servers_in_order(void **state)
{
	struct pki p;
	char *down = xasprintf("http://127.0.0.1:%d/ocsp", closed_port()), *log;

	(void)state;
	/* the first responder is down, the second answers */
	pki_make(&p, &(struct pki_opts){ .ocsp = down, .ocsp2 = "/ocsp" });
	ocsp_serve(&p, p.ca_key, (struct tocsp_opts){ .status = 0 });
	expect_result(&p, 0, NV_REV_OK, NULL);
	free(server_log());
	pki_free(&p);
	/* an "unknown" status ends the search: the second responder is not asked */
	pki_make(&p, &(struct pki_opts){ .ocsp = "/ocsp", .ocsp2 = "/ocsp" });
	ocsp_serve(&p, p.ca_key, (struct tocsp_opts){ .status = 2 });
	expect_result(&p, 0, NV_REV_UNKNOWN, NULL);
	log = server_log();
	assert_int_equal(count_lines(log), 1);
	free(log);
	pki_free(&p);
	/* only http responders */
	pki_make(&p, &(struct pki_opts){ .ocsp = "https://127.0.0.1/ocsp" });
	expect_result(&p, 0, NV_REV_UNKNOWN, "OCSPServer protocol https is not supported");
	pki_free(&p);
	free(down);
}

static void test_ocsp_deadline(void **state)
{
	struct buf resp;
	struct pki p;
	struct route r[] = { { "/slow/*", 200, NULL, 4000 } };
	int64_t start;

	(void)state;
	pki_make(&p, &(struct pki_opts){ .ocsp = "/slow" });
	tocsp_make(p.ca_key, &(struct tocsp_opts){ .serial = &p.serial, .this_update = NOW - HOUR, .next_update = NOW + DAY },
		   &resp);
	r[0].body = &resp;
	server_routes(r, 1);
	start = ftime_mono_ms();
	/* a responder that does not answer within LIMIT_OCSP_TIMEOUT_MS: unknown, not a hang */
	expect_result(&p, 0, NV_REV_UNKNOWN, NULL);
	/* (valgrind slows the work around the request, not the deadline itself) */
	assert_true(ftime_mono_ms() - start < LIMIT_OCSP_TIMEOUT_MS + (getenv("FERRY_UNDER_VALGRIND") ? 3000 : 800));
	assert_true(ftime_mono_ms() - start >= LIMIT_OCSP_TIMEOUT_MS - 100);
	free(server_log());
	buf_free(&resp);
	pki_free(&p);
}

/* ---- CRL ---------------------------------------------------------------------------------------- */

static struct buf crl_bodies[3];

static void crl_serve(struct pki *p, const struct tkey *signer, const struct tcrl_opts *base,
		      const struct tcrl_opts *delta, const struct tcrl_opts *second)
{
	struct route r[3];
	size_t n = 0;
	const struct tcrl_opts *all[3] = { base, delta, second };
	static const char *const paths[3] = { "/crl", "/delta", "/crl2" };

	(void)p;
	for (int i = 0; i < 3; i++) {
		struct tcrl_opts o;

		buf_free(&crl_bodies[i]);
		if (!all[i])
			continue;
		o = *all[i];
		o.issuer_cn = "Test CA";
		o.issuer_org = "Ferry Test";
		if (!o.this_update)
			o.this_update = NOW - HOUR;
		if (!o.next_update && !o.no_next_update)
			o.next_update = NOW + DAY;
		tcrl_make(signer, &o, &crl_bodies[i]);
		r[n++] = (struct route){ paths[i], 200, &crl_bodies[i], 0 };
	}
	server_routes(r, n);
}

#define NO_EXT .number = -1, .delta_base = -1

static void test_crl_entries(void **state)
{
	struct pki p;
	struct buf other = BUF_INIT(0);
	struct tcrl_entry en[3];

	(void)state;
	pki_make(&p, &(struct pki_opts){ .crl = "/crl" });
	buf_append(&other, "\x07", 1);
	/* not listed */
	en[0] = (struct tcrl_entry){ &other, NOW - DAY, -1, 0, false };
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT, .entries = en, .n_entries = 1 }, NULL, NULL);
	expect_result(&p, 0, NV_REV_OK, NULL);
	/* listed, with or without a reason */
	en[1] = (struct tcrl_entry){ &p.serial, NOW - DAY, 1 /* keyCompromise */, 0, false };
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT, .entries = en, .n_entries = 2 }, NULL, NULL);
	expect_result(&p, 0, NV_REV_REVOKED, "revoked via CRL");
	en[1].reason = -1;
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT, .entries = en, .n_entries = 2 }, NULL, NULL);
	expect_result(&p, 0, NV_REV_REVOKED, NULL);
	/* certificateHold revokes; a later removeFromCRL lifts it; the most recent entry decides */
	en[1] = (struct tcrl_entry){ &p.serial, NOW - 2 * DAY, 6, 0, false };
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT, .entries = en + 1, .n_entries = 1 }, NULL, NULL);
	expect_result(&p, 0, NV_REV_REVOKED, NULL);
	en[2] = (struct tcrl_entry){ &p.serial, NOW - DAY, 8, 0, false };
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT, .entries = en + 1, .n_entries = 2 }, NULL, NULL);
	expect_result(&p, 0, NV_REV_OK, NULL);
	en[2].revoked_at = NOW - 3 * DAY;
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT, .entries = en + 1, .n_entries = 2 }, NULL, NULL);
	expect_result(&p, 0, NV_REV_REVOKED, NULL);
	/* the invalidity date rule of the signingAuthority scheme */
	en[1] = (struct tcrl_entry){ &p.serial, NOW - DAY, 1, NOW - 10 * DAY, false };
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT, .entries = en + 1, .n_entries = 1 }, NULL, NULL);
	expect_result(&p, NOW - 20 * DAY, NV_REV_OK, NULL);
	expect_result(&p, NOW - 5 * DAY, NV_REV_REVOKED, NULL);
	/* an unknown critical entry extension on the certificate's entry */
	en[1] = (struct tcrl_entry){ &p.serial, NOW - DAY, -1, 0, true };
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT, .entries = en + 1, .n_entries = 1 }, NULL, NULL);
	expect_result(&p, 0, NV_REV_UNKNOWN, "unsupported critical extension found in CRL: 1.2.3.4.5.6");
	free(server_log());
	buf_free(&other);
	pki_free(&p);
}

static void test_crl_validation(void **state)
{
	struct pki p, q;

	(void)state;
	pki_make(&p, &(struct pki_opts){ .crl = "/crl" });
	crl_serve(&p, p.other_key, &(struct tcrl_opts){ NO_EXT }, NULL, NULL);
	expect_result(&p, 0, NV_REV_UNKNOWN, "CRL is not signed by CA");
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT, .this_update = NOW - 2 * DAY, .next_update = NOW - DAY },
		  NULL, NULL);
	expect_result(&p, 0, NV_REV_UNKNOWN, "expired CRL");
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT, .no_next_update = true }, NULL, NULL);
	expect_result(&p, 0, NV_REV_UNKNOWN, "CRL NextUpdate is not set");
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT, .unknown_critical_ext = true }, NULL, NULL);
	expect_result(&p, 0, NV_REV_UNKNOWN, "unsupported critical extension found in CRL: 1.2.3.4.5.7");
	/* a critical issuingDistributionPoint is tolerated */
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT, .idp_critical = true }, NULL, NULL);
	expect_result(&p, 0, NV_REV_OK, NULL);
	/* a distribution point that answers 404 */
	server_routes(NULL, 0);
	expect_result(&p, 0, NV_REV_UNKNOWN, "failed to download CRL");
	pki_free(&p);
	/* an issuer whose key usage lacks cRLSign cannot sign CRLs */
	pki_make(&q, &(struct pki_opts){ .crl = "/crl", .ca_key_usage = NV_KU_KEY_CERT_SIGN });
	crl_serve(&q, q.ca_key, &(struct tcrl_opts){ NO_EXT }, NULL, NULL);
	expect_result(&q, 0, NV_REV_UNKNOWN, "parent certificate cannot sign this kind of certificate");
	free(server_log());
	pki_free(&q);
}

static void test_crl_every_distribution_point(void **state)
{
	struct pki p;
	struct tcrl_entry en;
	char *log;

	(void)state;
	pki_make(&p, &(struct pki_opts){ .crl = "/crl", .crl2 = "/crl2" });
	en = (struct tcrl_entry){ &p.serial, NOW - DAY, -1, 0, false };
	/* both are read; the second lists the certificate */
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT }, NULL, &(struct tcrl_opts){ NO_EXT, .entries = &en, .n_entries = 1 });
	expect_result(&p, 0, NV_REV_REVOKED, NULL);
	log = server_log();
	assert_int_equal(count_lines(log), 2);
	free(log);
	/* one of them unreachable: unknown */
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT }, NULL, NULL);
	expect_result(&p, 0, NV_REV_UNKNOWN, "failed to download CRL from");
	free(server_log());
	pki_free(&p);
}

static void test_crl_delta(void **state)
{
	struct pki p;
	char *delta_url;
	struct tcrl_entry en;

	(void)state;
	pki_make(&p, &(struct pki_opts){ .crl = "/crl" });
	delta_url = url("/delta");
	en = (struct tcrl_entry){ &p.serial, NOW - HOUR, -1, 0, false };
	/* the base names a delta CRL that lists the certificate */
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ .number = 10, .delta_base = -1, .freshest_url = delta_url },
		  &(struct tcrl_opts){ .number = 11, .delta_base = 10, .entries = &en, .n_entries = 1 }, NULL);
	expect_result(&p, 0, NV_REV_REVOKED, NULL);
	/* a delta whose number does not exceed the base's */
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ .number = 10, .delta_base = -1, .freshest_url = delta_url },
		  &(struct tcrl_opts){ .number = 10, .delta_base = 10 }, NULL);
	expect_result(&p, 0, NV_REV_UNKNOWN, "delta CRL number is not greater than the base CRL number");
	/* a delta for a newer base */
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ .number = 10, .delta_base = -1, .freshest_url = delta_url },
		  &(struct tcrl_opts){ .number = 12, .delta_base = 11 }, NULL);
	expect_result(&p, 0, NV_REV_UNKNOWN, "delta CRL indicator is not less than or equal to the base CRL number");
	/* a delta that cannot be fetched */
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ .number = 10, .delta_base = -1, .freshest_url = delta_url }, NULL,
		  NULL);
	expect_result(&p, 0, NV_REV_UNKNOWN, "failed to download CRL");
	pki_free(&p);
	/* a Freshest CRL named only by the certificate is not supported */
	pki_make(&p, &(struct pki_opts){ .crl = "/crl", .freshest = "/delta" });
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT }, NULL, NULL);
	expect_result(&p, 0, NV_REV_UNKNOWN, "freshest CRL from certificate extension is not supported");
	free(server_log());
	free(delta_url);
	pki_free(&p);
}

static void test_ocsp_falls_back_to_crl(void **state)
{
	struct pki p;
	struct tcrl_entry en;
	char *down = xasprintf("http://127.0.0.1:%d/ocsp", closed_port()), *log;

	(void)state;
	pki_make(&p, &(struct pki_opts){ .ocsp = down, .crl = "/crl" });
	en = (struct tcrl_entry){ &p.serial, NOW - DAY, -1, 0, false };
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT, .entries = &en, .n_entries = 1 }, NULL, NULL);
	expect_result(&p, 0, NV_REV_REVOKED, NULL);
	log = server_log();
	assert_string_equal(log, "GET /crl - \n");
	free(log);
	pki_free(&p);
	free(down);
}

/* ---- the state-dir cache on an offline host ----------------------------------------------------- */

static enum nv_rev_result check_cached(struct pki *p, bool network, int64_t now)
{
	struct online o;
	enum nv_rev_result r;
	char why[512];

	online(&o, true, now);
	if (!network) {
		nv_fetch_free(o.ctx.fetch);
		o.ctx.fetch = NULL;
	}
	r = nv_revocation_check_cert(&o.ctx, p->leaf_cert, p->ca_cert, why, sizeof(why));
	online_free(&o);
	return r;
}

static void test_cache_carries_offline_runs(void **state)
{
	struct pki p, q;
	struct buf cached = BUF_INIT(0);
	struct nv_revcache c;

	(void)state;
	/* a CRL fetched once serves while its nextUpdate has not passed */
	pki_make(&p, &(struct pki_opts){ .crl = "/crl" });
	crl_serve(&p, p.ca_key, &(struct tcrl_opts){ NO_EXT }, NULL, NULL);
	assert_int_equal(check_cached(&p, true, NOW), NV_REV_OK);
	nv_revcache_open(state_fd, &c);
	assert_int_equal(nv_revcache_get(&c, NV_REVCACHE_CRL, p.crl, LIMIT_CRL_BYTES, &cached), 0);
	assert_int_equal(cached.len, crl_bodies[0].len);
	nv_revcache_close(&c);
	server_routes(NULL, 0);
	assert_int_equal(check_cached(&p, false, NOW + HOUR), NV_REV_OK);
	assert_int_equal(check_cached(&p, true, NOW + HOUR), NV_REV_OK);
	{
		char *log = server_log();

		assert_int_equal(count_lines(log), 0);
		free(log);
	}
	/* past its nextUpdate it is fetched again, and offline that is unknown */
	assert_int_equal(check_cached(&p, false, NOW + 2 * DAY), NV_REV_UNKNOWN);
	free(server_log());
	/* OCSP: the responder is asked first whenever it answers ... */
	pki_make(&q, &(struct pki_opts){ .ocsp = "/ocsp" });
	ocsp_serve(&q, q.ca_key, (struct tocsp_opts){ .status = 0 });
	assert_int_equal(check_cached(&q, true, NOW), NV_REV_OK);
	ocsp_serve(&q, q.ca_key, (struct tocsp_opts){ .status = 1 });
	assert_int_equal(check_cached(&q, true, NOW), NV_REV_REVOKED);
	/* ... and its last answer stands in while it is unreachable, until its nextUpdate */
	server_routes(NULL, 0);
	assert_int_equal(check_cached(&q, true, NOW + HOUR), NV_REV_REVOKED);
	assert_int_equal(check_cached(&q, false, NOW + HOUR), NV_REV_REVOKED);
	assert_int_equal(check_cached(&q, false, NOW + 2 * DAY), NV_REV_UNKNOWN);
	/* a damaged entry only costs a fetch */
	nv_revcache_open(state_fd, &c);
	nv_revcache_put(&c, NV_REVCACHE_CRL, p.crl, "junk", 4);
	nv_revcache_close(&c);
	assert_int_equal(check_cached(&p, false, NOW), NV_REV_UNKNOWN);
	free(server_log());
	buf_free(&cached);
	pki_free(&p);
	pki_free(&q);
}

/* ---- chains and notation-go's verdicts ---------------------------------------------------------- */

static void test_chain_verdicts(void **state)
{
	struct tkey *root_key = tkey_ec(256), *int_key = tkey_ec(256), *leaf_key = tkey_ec(256);
	struct buf root, inter, leaf, resp, serial;
	struct tcrl_entry en;
	struct nv_cert *chain[3];
	struct online o;
	struct ferry_err e;
	char *crl = url("/crl"), *ocsp = url("/ocsp"), *msg;

	(void)state;
	tcert_make(root_key, &(struct tcert_opts){ .cn = "Root", .is_ca = true, .path_len = -1,
						   .key_usage = NV_KU_KEY_CERT_SIGN | NV_KU_CRL_SIGN, .crl_url = crl }, &root);
	tcert_make(int_key, &(struct tcert_opts){ .cn = "Test CA", .org = "Ferry Test", .is_ca = true, .path_len = -1,
						  .key_usage = NV_KU_KEY_CERT_SIGN | NV_KU_CRL_SIGN, .issuer_key = root_key,
						  .issuer_cn = "Root", .crl_url = crl }, &inter);
	tcert_make(leaf_key, &(struct tcert_opts){ .cn = "signer", .org = "Ferry Test", .issuer_key = int_key,
						   .issuer_cn = "Test CA", .issuer_org = "Ferry Test", .ocsp_url = ocsp }, &leaf);
	nv_cert_parse_der(leaf.data, leaf.len, &chain[0], &e);
	nv_cert_parse_der(inter.data, inter.len, &chain[1], &e);
	nv_cert_parse_der(root.data, root.len, &chain[2], &e);
	tcert_serial(&leaf, &serial);
	/* the leaf good by OCSP; the intermediate's CRL (signed by the root) not reachable; the root never checked */
	tocsp_make(int_key, &(struct tocsp_opts){ .serial = &serial, .this_update = NOW - HOUR, .next_update = NOW + DAY },
		   &resp);
	server_routes((struct route[]){ { "/ocsp/*", 200, &resp, 0 } }, 1);
	online(&o, false, NOW);
	msg = nv_revocation_signing_chain(&o.ctx, chain, 3);
	assert_string_equal(msg, "signing certificate with subject \"CN=Test CA,O=Ferry Test\" revocation status is "
				 "unknown");
	free(msg);
	free(server_log());
	/* the intermediate's CRL now reachable and empty: the chain is fine */
	buf_free(&crl_bodies[0]);
	tcrl_make(root_key, &(struct tcrl_opts){ .issuer_cn = "Root", .this_update = NOW - HOUR, .next_update = NOW + DAY,
						 NO_EXT }, &crl_bodies[0]);
	server_routes((struct route[]){ { "/ocsp/*", 200, &resp, 0 }, { "/crl", 200, &crl_bodies[0], 0 } }, 2);
	assert_null(nv_revocation_signing_chain(&o.ctx, chain, 3));
	/* the leaf revoked: its subject is the one reported */
	buf_free(&resp);
	tocsp_make(int_key, &(struct tocsp_opts){ .serial = &serial, .status = 1, .this_update = NOW - HOUR,
						  .next_update = NOW + DAY }, &resp);
	server_routes((struct route[]){ { "/ocsp/*", 200, &resp, 0 }, { "/crl", 200, &crl_bodies[0], 0 } }, 2);
	msg = nv_revocation_signing_chain(&o.ctx, chain, 3);
	assert_string_equal(msg, "signing certificate with subject \"CN=signer,O=Ferry Test\" is revoked");
	free(msg);
	/* a revoked intermediate wins over an unknown leaf */
	en = (struct tcrl_entry){ NULL, NOW - DAY, -1, 0, false };
	{
		struct buf iserial;

		tcert_serial(&inter, &iserial);
		en.serial = &iserial;
		buf_free(&crl_bodies[0]);
		tcrl_make(root_key, &(struct tcrl_opts){ .issuer_cn = "Root", .this_update = NOW - HOUR,
							 .next_update = NOW + DAY, NO_EXT, .entries = &en, .n_entries = 1 },
			  &crl_bodies[0]);
		server_routes((struct route[]){ { "/crl", 200, &crl_bodies[0], 0 } }, 1);
		msg = nv_revocation_signing_chain(&o.ctx, chain, 3);
		assert_string_equal(msg, "signing certificate with subject \"CN=Test CA,O=Ferry Test\" is revoked");
		free(msg);
		buf_free(&iserial);
	}
	/* offline (no context): unknown, the leaf named */
	msg = nv_revocation_signing_chain(NULL, chain, 3);
	assert_string_equal(msg, "signing certificate with subject \"CN=signer,O=Ferry Test\" revocation status is unknown");
	free(msg);
	/* a chain that is not a code-signing chain */
	msg = nv_revocation_signing_chain(NULL, chain + 1, 2);
	assert_non_null(strstr(msg, "unable to check revocation status, err: invalid chain: expected chain to be correct "
				    "and complete: "));
	free(msg);
	free(server_log());
	online_free(&o);
	for (int i = 0; i < 3; i++)
		nv_cert_free(chain[i]);
	buf_free(&root);
	buf_free(&inter);
	buf_free(&leaf);
	buf_free(&resp);
	buf_free(&serial);
	tkey_free(root_key);
	tkey_free(int_key);
	tkey_free(leaf_key);
	free(crl);
	free(ocsp);
}

static int free_bodies(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++)
		buf_free(&crl_bodies[i]);
	buf_free(&ocsp_body);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch_raw_post_and_get),
		cmocka_unit_test(test_fetch_through_proxy),
		cmocka_unit_test(test_ocsp_request),
		cmocka_unit_test_teardown(test_ocsp_statuses, free_bodies),
		cmocka_unit_test_teardown(test_ocsp_rejections, free_bodies),
		cmocka_unit_test_teardown(test_ocsp_invalidity_date, free_bodies),
		cmocka_unit_test_teardown(test_ocsp_servers_in_order, free_bodies),
		cmocka_unit_test(test_ocsp_deadline),
		cmocka_unit_test_teardown(test_crl_entries, free_bodies),
		cmocka_unit_test_teardown(test_crl_validation, free_bodies),
		cmocka_unit_test_teardown(test_crl_every_distribution_point, free_bodies),
		cmocka_unit_test_teardown(test_crl_delta, free_bodies),
		cmocka_unit_test_teardown(test_ocsp_falls_back_to_crl, free_bodies),
		cmocka_unit_test_teardown(test_cache_carries_offline_runs, free_bodies),
		cmocka_unit_test_teardown(test_chain_verdicts, free_bodies),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
