/*
 * err.h - the error record every fallible ferry function fills.
 *
 * A failure carries a Flux reason (e.g. "OCIArtifactPullFailed") and a human
 * message. Each layer that passes the error up prefixes its own context, so the
 * final text reads like Flux's ("failed to pull artifact from '...': ...").
 */
#ifndef FERRY_UTIL_ERR_H
#define FERRY_UTIL_ERR_H

#include <stdarg.h>
#include <stdbool.h>

#define FERR_REASON_MAX 64
#define FERR_MSG_MAX    4096

struct ferry_err {
	char reason[FERR_REASON_MAX];
	char msg[FERR_MSG_MAX];
	int http_status;      /* last HTTP status involved, 0 if none */
	bool transient;       /* worth retrying (network hiccup, 5xx, 429) */
};

void ferr_clear(struct ferry_err *e);
/* Replace reason and message. Returns -1 so callers can `return ferr_set(...)`. */
int ferr_set(struct ferry_err *e, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ferr_vset(struct ferry_err *e, const char *reason, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* Prepend "<context>: " to the message; keep the reason. Returns -1. */
int ferr_prefix(struct ferry_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Set the reason only if none is set yet. */
void ferr_default_reason(struct ferry_err *e, const char *reason);
bool ferr_is_set(const struct ferry_err *e);

#endif
