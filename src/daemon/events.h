/*
 * events.h - a small ring of recent events per source (Flux's Kubernetes
 * events stand-in), kept in STATE/events/<ns>/<name>.json for `ferryctl
 * describe`, together with the time of the last successful reconcile.
 *
 * Owned by daemon. Written only by the daemon (atomic replace); read by the
 * daemon at start and by ferryctl. A repeated event (same type, reason and
 * message) bumps the count of the newest entry instead of adding one.
 */
#ifndef FERRY_DAEMON_EVENTS_H
#define FERRY_DAEMON_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/err.h"

#define EVENTS_DIR "events"

struct ev_entry {
	bool warning;            /* type Warning, else Normal */
	char *reason;
	char *message;
	unsigned count;
	int64_t first;           /* seconds since the epoch */
	int64_t last;
};

struct ev_ring {
	struct ev_entry *v;      /* oldest first, at most LIMIT_EVENTS_PER_SOURCE */
	size_t n;
	int64_t last_success;    /* last reconcile that ended Ready=True; 0: unknown */
};

/* Record an event; returns true (the ring always changes). The message is
 * trimmed to LIMIT_EVENT_MESSAGE_BYTES. */
bool events_record(struct ev_ring *r, bool warning, const char *reason, const char *message, int64_t now);
void events_free(struct ev_ring *r);
json_t *events_to_json(const struct ev_ring *r);
/* Tolerant of missing fields; at most LIMIT_EVENTS_PER_SOURCE newest entries kept. */
void events_from_json(const json_t *j, struct ev_ring *r);

/* STATE/events/<ns>/<name>.json relative to the state dir fd. A missing or
 * unreadable file yields an empty ring. */
void events_load(int state_fd, const char *ns, const char *name, struct ev_ring *r);
int events_write(int state_fd, const char *ns, const char *name, const struct ev_ring *r, struct ferry_err *e);
void events_remove(int state_fd, const char *ns, const char *name);

#endif
