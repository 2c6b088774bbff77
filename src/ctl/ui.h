/*
 * ui.h - what ferryctl's daemon commands (reconcile, suspend, resume,
 * describe) share: flux-CLI-style progress lines on stderr (► ✔ ◎ ✗, coloured
 * only on a terminal and without NO_COLOR), and parsing of
 * `[source oci] NAME [-n NAMESPACE] [--timeout DURATION] [-o FORMAT]`.
 *
 * Owned by daemon (the ferryctl side of the control socket).
 */
#ifndef FERRY_CTL_UI_H
#define FERRY_CTL_UI_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl/ctl.h"

#define UI_DEFAULT_NAMESPACE "default"
#define UI_DEFAULT_TIMEOUT_MS (5 * 60 * 1000)   /* like flux's --timeout */

struct ui_target {
	const char *name;
	const char *ns;
	const char *output;      /* table | json | yaml */
	int64_t timeout_ms;
};

void ui_action(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ui_success(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ui_waiting(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ui_failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Send "<verb> ns/name" (reconcile or resume) to ferryd, wait for the
 * reconcile it triggers and report it. Returns the exit code. */
int ctl_request_reconcile(const struct ctl_globals *g, const struct ui_target *t, const char *verb);

/* argv[0] is the subcommand. Returns 0, or 2 after printing a usage error. */
int ui_parse_target(const struct ctl_globals *g, int argc, char **argv, bool with_timeout, struct ui_target *t);

#endif
