/*
 * daemon.h - ferryd as a long-running service: one sd-event loop that owns
 * the schedule, the config, the status files, the control socket and the
 * systemd notifications, and forks a worker per reconcile.
 *
 * Owned by daemon. Called by ferryd.c only.
 */
#ifndef FERRY_DAEMON_DAEMON_H
#define FERRY_DAEMON_DAEMON_H

#include <stdint.h>

struct daemon_opts {
	const char *config_dir;
	const char *state_dir;
	const char *control_socket;   /* NULL or "": no control socket */
	const char *metrics_file;     /* NULL: no metrics */
	int workers;                  /* parallel reconciles */
	int max_signatures;           /* <= 0: default */
	int64_t orphan_retention_ms;  /* artifacts of removed sources are kept this long */
	int64_t startup_spread_ms;    /* first runs spread over [0, min(interval, this)] */
};

/* Run until SIGTERM/SIGINT. Returns the process exit code. */
int daemon_run(const struct daemon_opts *o);

#endif
