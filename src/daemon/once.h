/*
 * once.h - `ferryd --once`: reconcile every non-suspended source one time,
 * in parallel workers, write their statuses and report whether all are Ready.
 *
 * Owned by daemon.
 */
#ifndef FERRY_DAEMON_ONCE_H
#define FERRY_DAEMON_ONCE_H

#include "artifact/store.h"
#include "config/model.h"

struct once_opts {
	int workers;          /* parallel reconciles */
	int max_signatures;   /* <= 0: default */
};

/* Returns the process exit code: 0 when every reconciled source ended
 * Ready=True and the config had no errors, 1 otherwise. */
int once_run(const struct cfg_set *cfg, struct store *s, const struct once_opts *o);

#endif
