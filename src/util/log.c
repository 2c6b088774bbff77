/* log.c - journal / stderr logging with ferry's structured fields. */
#include "util/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

static enum log_target log_target_now = LOG_TARGET_STDERR;
static enum log_format log_format_now = LOG_FORMAT_TEXT;
static int log_max = LOG_INFO;

static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_setup(enum log_target target, enum log_format format, int max_priority)
{
	if (target == LOG_TARGET_AUTO)
		target = stderr_is_journal() ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
	log_target_now = target;
	log_format_now = format;
	log_max = max_priority;
}

int log_max_priority(void)
{
	return log_max;
}

enum log_format log_current_format(void)
{
	return log_format_now;
}

int log_parse_level(const char *name)
{
	static const struct { const char *name; int prio; } levels[] = {
		{ "error", LOG_ERR }, { "warning", LOG_WARNING }, { "warn", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcmp(name, levels[i].name) == 0)
			return levels[i].prio;
	return -1;
}

static const char *level_name(int priority)
{
	switch (priority) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

static void json_escape(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void write_stderr(int priority, const struct log_fields *f, const char *msg)
{
	char ts[32];
	struct timespec now;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	flockfile(stderr);
	if (log_format_now == LOG_FORMAT_JSON) {
		fprintf(stderr, "{\"ts\":\"%s\",\"level\":\"%s\"", ts, level_name(priority));
		if (f && f->source) { fputs(",\"source\":", stderr); json_escape(stderr, f->source); }
		if (f && f->revision) { fputs(",\"revision\":", stderr); json_escape(stderr, f->revision); }
		if (f && f->reason) { fputs(",\"reason\":", stderr); json_escape(stderr, f->reason); }
		if (f && f->message_id) { fputs(",\"message_id\":", stderr); json_escape(stderr, f->message_id); }
		fputs(",\"msg\":", stderr);
		json_escape(stderr, msg);
		fputs("}\n", stderr);
	} else {
		fprintf(stderr, "%s %-7s ", ts, level_name(priority));
		if (f && f->source)
			fprintf(stderr, "%s: ", f->source);
		fprintf(stderr, "%s\n", msg);
	}
	funlockfile(stderr);
}

static void write_journal(int priority, const struct log_fields *f, const char *msg)
{
	char buf[7][8400];
	struct iovec iov[7];
	int n = 0;

#define ADD_FIELD(...) do { \
		int len_ = snprintf(buf[n], sizeof(buf[n]), __VA_ARGS__); \
		if (len_ < 0) len_ = 0; \
		if ((size_t)len_ >= sizeof(buf[n])) len_ = sizeof(buf[n]) - 1; \
		iov[n].iov_base = buf[n]; iov[n].iov_len = (size_t)len_; n++; \
	} while (0)
	ADD_FIELD("MESSAGE=%s", msg);
	ADD_FIELD("PRIORITY=%d", priority);
	ADD_FIELD("SYSLOG_IDENTIFIER=%s", program_invocation_short_name);
	if (f && f->source)
		ADD_FIELD("FERRY_SOURCE=%s", f->source);
	if (f && f->revision)
		ADD_FIELD("FERRY_REVISION=%s", f->revision);
	if (f && f->reason)
		ADD_FIELD("FERRY_REASON=%s", f->reason);
	if (f && f->message_id)
		ADD_FIELD("MESSAGE_ID=%s", f->message_id);
#undef ADD_FIELD
	sd_journal_sendv(iov, n);
}

static void vlog(int priority, const struct log_fields *f, const char *fmt, va_list ap)
{
	char msg[8192];

	if (priority > log_max)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_target_now == LOG_TARGET_JOURNAL)
		write_journal(priority, f, msg);
	else
		write_stderr(priority, f, msg);
}

void log_msg(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(priority, NULL, fmt, ap);
	va_end(ap);
}

void log_event(int priority, const struct log_fields *fields, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(priority, fields, fmt, ap);
	va_end(ap);
}
