/*
 * protocol.h - the control-socket line protocol shared by ferryd (server, see
 * control.c for the full description) and ferryctl (client): request parsing,
 * escaping of response fields, splitting response lines.
 *
 * Owned by daemon. Requests are hostile input for the daemon and responses
 * are for the client: both sides bound lengths and check every byte.
 */
#ifndef FERRY_DAEMON_PROTOCOL_H
#define FERRY_DAEMON_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/limits.h"

enum proto_verb { PROTO_RECONCILE, PROTO_SUSPEND, PROTO_RESUME, PROTO_STATUS };

struct proto_request {
	enum proto_verb verb;
	char ns[LIMIT_NAMESPACE_LEN + 1];    /* empty for status */
	char name[LIMIT_NAME_LEN + 1];
};

/* Parse one request line, without its LF (a trailing CR is ignored). */
int proto_parse_request(const char *line, size_t len, struct proto_request *req, struct ferry_err *e);
const char *proto_verb_name(enum proto_verb v);
bool proto_valid_namespace(const char *ns);   /* DNS-1123 label */
bool proto_valid_name(const char *name);      /* DNS-1123 subdomain */

/* Escape s for a response line: backslash, CR, LF, TAB and other control
 * bytes become \\ \r \n \t \xHH; with token also space becomes \s and an
 * empty or NULL s becomes "-". */
void proto_append_escaped(struct buf *b, const char *s, bool token);
/* Inverse of proto_append_escaped; NULL on a malformed escape. A token "-"
 * decodes to the empty string. Caller frees. */
char *proto_unescape(const char *s, size_t len, bool token);

/* Split a response line into its first n space-separated tokens (unescaped)
 * and the unescaped remainder (may be empty). Returns -1 when the line has
 * fewer than n tokens or a malformed escape. Caller frees tokens and rest. */
int proto_split(const char *line, char **tokens, size_t n, char **rest);

#endif
