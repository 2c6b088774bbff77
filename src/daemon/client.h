/*
 * client.h - the client side of ferryd's control socket (protocol in
 * control.c), used by ferryctl: send one request, collect the response lines.
 *
 * Owned by daemon. Responses are bounded by LIMIT_CONTROL_RESPONSE_BYTES.
 */
#ifndef FERRY_DAEMON_CLIENT_H
#define FERRY_DAEMON_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define CLIENT_UNREACHABLE "DaemonUnreachable"   /* reason: could not connect */

struct client_reply {
	char **info;        /* info lines as received (escaped) */
	size_t n_info;
	bool ok;            /* final line was "ok ..." */
	char *final;        /* the final line without "ok " / "error " */
};

/* Called with each info line as it arrives (e.g. "accepted"). */
typedef void (*client_info_fn)(const char *line, void *userdata);

/* Send request (without LF) to the socket at path and wait up to timeout_ms
 * (<= 0: no limit) for the final line. Fails with reason CLIENT_UNREACHABLE
 * when nothing listens there, "Timeout" or "ProtocolError" otherwise. */
int client_call(const char *path, const char *request, int64_t timeout_ms, struct client_reply *r,
		struct ferry_err *e);
int client_call_cb(const char *path, const char *request, int64_t timeout_ms, client_info_fn on_info,
		   void *userdata, struct client_reply *r, struct ferry_err *e);
void client_reply_free(struct client_reply *r);

#endif
