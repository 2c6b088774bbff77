/*
 * notify.h - the daemon's face to systemd: READY=1, RELOADING=1 with
 * MONOTONIC_USEC, STOPPING=1, and the one-line STATUS= text that
 * `systemctl status ferry` shows.
 *
 * Owned by daemon. sd_notify is a no-op without NOTIFY_SOCKET; the watchdog
 * pings come from the sd-event loop (sd_event_set_watchdog).
 */
#ifndef FERRY_DAEMON_NOTIFY_H
#define FERRY_DAEMON_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOTIFY_STATUS_MAX 1024   /* bytes of STATUS= text, longer is cut with "..." */

struct notify_summary {
	size_t sources;
	size_t ready;
	size_t failing;
	size_t suspended;
	size_t pending;              /* not reconciled yet, or in progress without a verdict */
	const char *first_failing;   /* "ns/name" of the first failing source */
	const char *first_reason;    /* its Ready reason */
	int64_t next_check_ms;       /* from now; < 0: nothing scheduled */
	const char *config_error;    /* NULL when the config loaded cleanly */
	const char *socket_error;    /* NULL when the control socket listens */
	size_t exposed_secrets;      /* Secrets in config files readable by all users */
	bool stopping;
	size_t running;              /* workers still running while stopping */
};

/* e.g. "3 sources: 2 ready, 1 failing (edge/app: VerificationError); next check in 4m".
 * Caller frees. */
char *notify_status_text(const struct notify_summary *s);

void notify_ready(const char *status);
void notify_status(const char *status);
void notify_reloading(void);
void notify_stopping(const char *status);

#endif
