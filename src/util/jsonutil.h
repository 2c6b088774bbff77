/*
 * jsonutil.h - jansson helpers for JSON that comes from outside.
 *
 * Parsing rejects duplicate keys, bounds nesting depth and never accepts a
 * document larger than the caller's limit. Accessors return NULL / -1 instead
 * of coercing types.
 */
#ifndef FERRY_UTIL_JSONUTIL_H
#define FERRY_UTIL_JSONUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/err.h"

/* Parse; on failure fills e (reason may be NULL: not changed) with
 * "<what>: <jansson error> at line L column C". */
json_t *fjson_parse(const void *data, size_t len, const char *what, struct ferry_err *e);
/* Same, but duplicate keys are allowed (last wins, as Go's encoding/json). */
json_t *fjson_parse_lax(const void *data, size_t len, const char *what, struct ferry_err *e);
int fjson_depth(const json_t *j);
const char *fjson_str(const json_t *obj, const char *key);   /* NULL unless a string */
/* Exact non-negative integer (no floats); -1 if missing or wrong type. */
int fjson_uint(const json_t *obj, const char *key, int64_t *out);
json_t *fjson_obj(const json_t *obj, const char *key);       /* NULL unless an object */
json_t *fjson_arr(const json_t *obj, const char *key);       /* NULL unless an array */
/* Set obj[key] to the string value; a NULL value leaves the key out. */
void fjson_set_str(json_t *obj, const char *key, const char *value);
/* Serialise compactly with sorted keys; caller frees. */
char *fjson_dump(const json_t *j, bool pretty);

#endif
