/* notify.c - sd_notify messages and the STATUS= summary line. */
#include "daemon/notify.h"

#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "util/buf.h"
#include "util/mem.h"
#include "util/timeutil.h"

static void count(struct buf *b, size_t n, const char *what, bool *first)
{
	if (!n)
		return;
	buf_printf(b, "%s%zu %s", *first ? "" : ", ", n, what);
	*first = false;
}

char *notify_status_text(const struct notify_summary *s)
{
	struct buf b = BUF_INIT(0);
	bool first = true;
	char *text;
	size_t len;

	if (s->stopping) {
		buf_printf(&b, "stopping: waiting for %zu worker%s", s->running, s->running == 1 ? "" : "s");
	} else if (s->sources == 0) {
		buf_append_str(&b, "no sources");
	} else {
		buf_printf(&b, "%zu source%s: ", s->sources, s->sources == 1 ? "" : "s");
		count(&b, s->ready, "ready", &first);
		if (s->failing) {
			count(&b, s->failing, "failing", &first);
			if (s->first_failing) {
				buf_printf(&b, " (%s: %s", s->first_failing, s->first_reason ? s->first_reason : "Failed");
				if (s->failing > 1)
					buf_printf(&b, ", +%zu more", s->failing - 1);
				buf_append_str(&b, ")");
			}
		}
		count(&b, s->suspended, "suspended", &first);
		count(&b, s->pending, "pending", &first);
		if (s->next_check_ms >= 0) {
			char age[32];

			ftime_format_age((s->next_check_ms + 999) / 1000, age, sizeof(age));
			buf_printf(&b, "; next check in %s", age);
		}
	}
	if (s->config_error)
		buf_printf(&b, "; %s", s->config_error);
	if (s->socket_error)
		buf_printf(&b, "; control socket unavailable: %s", s->socket_error);
	if (s->exposed_secrets)
		buf_printf(&b, "; warning: %zu Secret%s in files readable by all users (see the journal)",
			   s->exposed_secrets, s->exposed_secrets == 1 ? "" : "s");
	text = buf_steal(&b, &len);
	for (char *p = text; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	if (len > NOTIFY_STATUS_MAX)
		strcpy(text + NOTIFY_STATUS_MAX - 3, "...");
	return text;
}

void notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void notify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}

void notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading configuration",
		   (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000ULL);
}

void notify_stopping(const char *status)
{
	sd_notifyf(0, "STOPPING=1\nSTATUS=%s", status);
}
