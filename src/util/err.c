/* err.c - error records with a Flux reason and a prefixed message chain. */
#include "util/err.h"

#include <stdio.h>
#include <string.h>

void ferr_clear(struct ferry_err *e)
{
	if (!e)
		return;
	e->reason[0] = '\0';
	e->msg[0] = '\0';
	e->http_status = 0;
	e->transient = false;
}

int ferr_vset(struct ferry_err *e, const char *reason, const char *fmt, va_list ap)
{
	if (!e)
		return -1;
	snprintf(e->reason, sizeof(e->reason), "%s", reason ? reason : "");
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return -1;
}

int ferr_set(struct ferry_err *e, const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ferr_vset(e, reason, fmt, ap);
	va_end(ap);
	return -1;
}

int ferr_prefix(struct ferry_err *e, const char *fmt, ...)
{
	char prefix[FERR_MSG_MAX];
	char old[FERR_MSG_MAX];
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	if (old[0])
		snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix, old);
	else
		snprintf(e->msg, sizeof(e->msg), "%s", prefix);
	return -1;
}

void ferr_default_reason(struct ferry_err *e, const char *reason)
{
	if (e && !e->reason[0])
		snprintf(e->reason, sizeof(e->reason), "%s", reason);
}

bool ferr_is_set(const struct ferry_err *e)
{
	return e && (e->msg[0] || e->reason[0]);
}
