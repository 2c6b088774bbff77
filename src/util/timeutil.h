/*
 * timeutil.h - Go/Flux durations and RFC 3339 timestamps.
 *
 * Durations follow Flux's CRD pattern ^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$ (the
 * timeout field forbids `h`); timestamps are strict RFC 3339 as Go writes and
 * parses them.
 */
#ifndef FERRY_UTIL_TIMEUTIL_H
#define FERRY_UTIL_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Parse "1h30m", "90s", "1.5m", "250ms". Returns 0 and milliseconds, or -1. */
int ftime_parse_duration(const char *s, bool allow_hours, int64_t *ms);
/* Format like Go's time.Duration.String(): "5m0s", "1h0m0s", "250ms". */
void ftime_format_duration(int64_t ms, char *out, size_t n);
/* Strict RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm). Seconds since epoch and
 * nanoseconds. Returns 0 or -1. */
int ftime_parse_rfc3339(const char *s, int64_t *sec, int32_t *nsec);
/* "2006-01-02T15:04:05Z" (UTC, seconds). out needs 21 bytes. */
void ftime_format_rfc3339(int64_t sec, char *out, size_t n);
/* RFC 1123 with numeric zone, as Go's time.RFC1123Z: "Mon, 02 Jan 2006 15:04:05 -0700" (UTC). */
void ftime_format_rfc1123z(int64_t sec, char *out, size_t n);
int64_t ftime_now(void);            /* wall clock, seconds */
int64_t ftime_mono_ms(void);        /* CLOCK_MONOTONIC, milliseconds */
/* Human "3m", "2h", "5d" for ages. */
void ftime_format_age(int64_t seconds, char *out, size_t n);

#endif
