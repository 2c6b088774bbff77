/*
 * b64.h - base64 as the formats ferry reads use it.
 *
 * Standard alphabet with padding (Kubernetes Secret data, JWS x5c: Go's
 * StdEncoding, which ignores CR and LF) and URL alphabet without padding (JWS
 * members: Go's RawURLEncoding, a '=' is an error).
 */
#ifndef FERRY_UTIL_B64_H
#define FERRY_UTIL_B64_H

#include <stddef.h>

#include "util/buf.h"

/* Decode; out is initialised with the given max. Returns 0, or -1 with the
 * offending input offset in *bad_at (when not NULL). */
int b64_decode_std(const char *in, size_t len, size_t max, struct buf *out, size_t *bad_at);
int b64_decode_url_raw(const char *in, size_t len, size_t max, struct buf *out, size_t *bad_at);
char *b64_encode_std(const void *data, size_t len);
char *b64_encode_url_raw(const void *data, size_t len);

#endif
