/*
 * log.h - ferry's logger: native journal entries under systemd, plain or JSON
 * lines on stderr otherwise.
 *
 * Owned by util; every module logs through here. Never pass credentials, tokens
 * or key material in a message or field.
 */
#ifndef FERRY_UTIL_LOG_H
#define FERRY_UTIL_LOG_H

#include <syslog.h>

enum log_target { LOG_TARGET_AUTO, LOG_TARGET_STDERR, LOG_TARGET_JOURNAL };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

/* Stable journal MESSAGE_IDs (documented in units/ferry.catalog). */
#define LOG_MSGID_NEW_ARTIFACT        "5f0c2a7f8d3e4b1c9a6e21d4b7c39e01"
#define LOG_MSGID_VERIFICATION_FAILED "a3d96c1e0b2f4e7d8c5a19f06b2e4d72"
#define LOG_MSGID_FETCH_FAILED        "c81e4b27d59a4f06b3e2a7c90d1f5e38"
#define LOG_MSGID_RELOAD_FAILED       "e24f7a0c3b8d4195a6c2d8e71f0b9a43"

struct log_fields {
	const char *message_id; /* one of LOG_MSGID_*, or NULL */
	const char *source;     /* "namespace/name", or NULL */
	const char *revision;   /* artifact revision, or NULL */
	const char *reason;     /* Flux reason, or NULL */
};

void log_setup(enum log_target target, enum log_format format, int max_priority);
int log_parse_level(const char *name);           /* "debug".."error" -> priority, -1 if unknown */
int log_max_priority(void);
enum log_format log_current_format(void);
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_event(int priority, const struct log_fields *fields, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
