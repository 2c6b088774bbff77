/*
 * buf.h - a growable byte buffer with a hard ceiling.
 *
 * Every buffer that holds bytes from outside (HTTP bodies, files) is created
 * with the limit from limits.h that applies; appending past it fails with
 * EFBIG instead of growing.
 */
#ifndef FERRY_UTIL_BUF_H
#define FERRY_UTIL_BUF_H

#include <stddef.h>

struct buf {
	unsigned char *data;
	size_t len;
	size_t cap;
	size_t max;     /* 0 = unlimited (only for ferry's own output) */
};

#define BUF_INIT(limit) { NULL, 0, 0, (limit) }

void buf_init(struct buf *b, size_t max);
int buf_append(struct buf *b, const void *p, size_t n);   /* -1 + errno EFBIG past max */
int buf_append_str(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminate after len (not counted in len) and return the data as a string. */
char *buf_cstr(struct buf *b);
/* Hand the data to the caller (NUL-terminated) and reset the buffer. */
char *buf_steal(struct buf *b, size_t *len);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
