/*
 * orphans.h - sources removed from the config whose artifacts are kept for
 * --orphan-retention before garbage collection, so an accidental delete does
 * not pull the files from under the applications that read them.
 *
 * Owned by daemon. The "ns/name" -> removal time map lives in
 * STATE/orphans.json (atomic replace), so a restart neither resets nor loses
 * the clock.
 */
#ifndef FERRY_DAEMON_ORPHANS_H
#define FERRY_DAEMON_ORPHANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define ORPHANS_FILE "orphans.json"

struct orphan {
	char *key;               /* "ns/name" */
	int64_t since;           /* seconds since the epoch */
};

struct orphan_set {
	struct orphan *v;        /* sorted by key */
	size_t n;
};

/* Missing file: empty set. A corrupt file is reported and treated as empty. */
int orphans_load(int state_fd, struct orphan_set *set, struct ferry_err *e);
int orphans_save(int state_fd, const struct orphan_set *set, struct ferry_err *e);
/* Add key with time now unless present. Returns true when added. */
bool orphans_mark(struct orphan_set *set, const char *key, int64_t now);
/* Remove key. Returns true when it was present. */
bool orphans_unmark(struct orphan_set *set, const char *key);
const struct orphan *orphans_find(const struct orphan_set *set, const char *key);
/* Earliest since + retention (seconds), or INT64_MAX when empty. */
int64_t orphans_next_expiry(const struct orphan_set *set, int64_t retention_s);
void orphans_free(struct orphan_set *set);

#endif
