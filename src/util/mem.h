/*
 * mem.h - allocation helpers that abort on exhaustion, string helpers and
 * cleanup attributes.
 *
 * ferry treats out-of-memory as fatal: a worker dies and is reported, the
 * daemon is restarted by systemd. This keeps every other path free of
 * allocation-failure branches.
 */
#ifndef FERRY_UTIL_MEM_H
#define FERRY_UTIL_MEM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
bool str_eq(const char *a, const char *b);          /* NULL-safe; NULL == NULL */
const char *str_or(const char *s, const char *fallback);

static inline void freep(void *p) { free(*(void **)p); }
void closep(int *fd);
#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
