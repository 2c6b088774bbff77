/* protocol.c - control-socket request parsing and response field escaping. */
#include "daemon/protocol.h"

#include <stdio.h>
#include <string.h>

#include "util/digest.h"
#include "util/mem.h"

static const char *const VERBS[] = {
	[PROTO_RECONCILE] = "reconcile",
	[PROTO_SUSPEND] = "suspend",
	[PROTO_RESUME] = "resume",
	[PROTO_STATUS] = "status",
};

const char *proto_verb_name(enum proto_verb v)
{
	return (size_t)v < ARRAY_SIZE(VERBS) ? VERBS[v] : "?";
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? */
static bool valid_label(const char *s, size_t len)
{
	if (len == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool proto_valid_namespace(const char *ns)
{
	size_t len = strlen(ns);

	return len <= LIMIT_NAMESPACE_LEN && valid_label(ns, len);
}

bool proto_valid_name(const char *name)
{
	size_t len = strlen(name);
	const char *p = name;

	if (len == 0 || len > LIMIT_NAME_LEN)
		return false;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t part = dot ? (size_t)(dot - p) : strlen(p);

		if (!valid_label(p, part))
			return false;
		if (!dot)
			return true;
		p = dot + 1;
	}
}

int proto_parse_request(const char *line, size_t len, struct proto_request *req, struct ferry_err *e)
{
	const char *space, *arg, *slash;
	size_t verb_len, arg_len;
	bool found = false;

	memset(req, 0, sizeof(*req));
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > LIMIT_CONTROL_LINE_BYTES)
		return ferr_set(e, "usage", "request longer than %d bytes", LIMIT_CONTROL_LINE_BYTES);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e)
			return ferr_set(e, "usage", "request contains a byte that is not printable ASCII (0x%02x)",
					(unsigned char)line[i]);
	if (len == 0)
		return ferr_set(e, "usage", "empty request");
	space = memchr(line, ' ', len);
	verb_len = space ? (size_t)(space - line) : len;
	for (size_t v = 0; v < ARRAY_SIZE(VERBS); v++) {
		if (strlen(VERBS[v]) == verb_len && memcmp(VERBS[v], line, verb_len) == 0) {
			req->verb = (enum proto_verb)v;
			found = true;
			break;
		}
	}
	if (!found)
		return ferr_set(e, "usage", "unknown command '%.*s' (expected reconcile, suspend, resume or status)",
				(int)(verb_len > 64 ? 64 : verb_len), line);
	arg = space ? space + 1 : line + len;
	arg_len = (size_t)(line + len - arg);
	if (req->verb == PROTO_STATUS) {
		if (space)
			return ferr_set(e, "usage", "status takes no argument");
		return 0;
	}
	if (!space || arg_len == 0)
		return ferr_set(e, "usage", "%s needs NAMESPACE/NAME", VERBS[req->verb]);
	if (memchr(arg, ' ', arg_len))
		return ferr_set(e, "usage", "%s takes one argument, NAMESPACE/NAME", VERBS[req->verb]);
	slash = memchr(arg, '/', arg_len);
	if (!slash)
		return ferr_set(e, "usage", "%s needs NAMESPACE/NAME, got '%.*s'", VERBS[req->verb],
				(int)(arg_len > 64 ? 64 : arg_len), arg);
	if ((size_t)(slash - arg) > LIMIT_NAMESPACE_LEN ||
	    (size_t)(arg + arg_len - slash - 1) > LIMIT_NAME_LEN)
		return ferr_set(e, "usage", "namespace or name too long");
	memcpy(req->ns, arg, (size_t)(slash - arg));
	memcpy(req->name, slash + 1, (size_t)(arg + arg_len - slash - 1));
	if (!proto_valid_namespace(req->ns))
		return ferr_set(e, "usage", "invalid namespace '%s': must be a lowercase RFC 1123 label", req->ns);
	if (!proto_valid_name(req->name))
		return ferr_set(e, "usage", "invalid name '%s': must be a lowercase RFC 1123 subdomain", req->name);
	return 0;
}

void proto_append_escaped(struct buf *b, const char *s, bool token)
{
	if (!s || !*s) {
		if (token)
			buf_append_str(b, "-");
		return;
	}
	if (token && strcmp(s, "-") == 0) {
		buf_append_str(b, "\\x2d");
		return;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '\\': buf_append_str(b, "\\\\"); break;
		case '\n': buf_append_str(b, "\\n"); break;
		case '\r': buf_append_str(b, "\\r"); break;
		case '\t': buf_append_str(b, "\\t"); break;
		case ' ':
			buf_append_str(b, token ? "\\s" : " ");
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				buf_printf(b, "\\x%02x", c);
			else
				buf_append(b, &c, 1);
		}
	}
}

char *proto_unescape(const char *s, size_t len, bool token)
{
	char *out = xmalloc(len + 1);
	size_t n = 0;

	if (token && len == 1 && s[0] == '-') {
		out[0] = '\0';
		return out;
	}
	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] != '\\') {
			out[n++] = s[i];
			continue;
		}
		if (++i >= len)
			goto bad;
		switch (s[i]) {
		case '\\': out[n++] = '\\'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 's': out[n++] = ' '; break;
		case 'x':
			if (i + 2 >= len)
				goto bad;
			hi = hex_digit(s[i + 1]);
			lo = hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				goto bad;
			out[n++] = (char)(hi * 16 + lo);
			i += 2;
			break;
		default:
			goto bad;
		}
	}
	out[n] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

int proto_split(const char *line, char **tokens, size_t n, char **rest)
{
	const char *p = line;
	size_t got = 0;

	*rest = NULL;
	for (size_t i = 0; i < n; i++)
		tokens[i] = NULL;
	for (; got < n; got++) {
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == 0)
			goto bad;
		tokens[got] = proto_unescape(p, len, true);
		if (!tokens[got])
			goto bad;
		if (!end) {
			p += len;
			got++;
			break;
		}
		p = end + 1;
	}
	if (got < n)
		goto bad;
	*rest = proto_unescape(p, strlen(p), false);
	if (!*rest)
		goto bad;
	return 0;
bad:
	for (size_t i = 0; i < n; i++) {
		free(tokens[i]);
		tokens[i] = NULL;
	}
	return -1;
}
