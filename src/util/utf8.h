/*
 * utf8.h - UTF-8 the way Go's unicode/utf8 reads and writes it.
 *
 * One decoder for every place that looks at untrusted text rune by rune
 * (Go's %q quoting, JSON strings, X.509 names and strings, COSE text, tar
 * entry names): overlong forms, surrogates and values above U+10FFFF are
 * invalid, and an invalid or truncated sequence counts as one byte.
 */
#ifndef FERRY_UTIL_UTF8_H
#define FERRY_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTF8_RUNE_ERROR 0xFFFDu  /* Go's utf8.RuneError */
#define UTF8_MAX        4        /* bytes of the longest encoding */

/* Go's utf8.DecodeRune: the rune at s (n bytes available) and its width.
 * An invalid sequence gives UTF8_RUNE_ERROR with width 1 (n == 0: width 0). */
uint32_t utf8_decode(const void *s, size_t n, size_t *width);

/* Whether a decoded (rune, width) stands for an invalid byte rather than an
 * encoded U+FFFD. */
static inline bool utf8_is_error(uint32_t r, size_t width)
{
	return r == UTF8_RUNE_ERROR && width <= 1;
}

/* Go's utf8.Valid. */
bool utf8_valid(const void *s, size_t n);

/* Write the 1 to 4 byte encoding of r (a rune below 0x200000) to out;
 * returns its length. */
size_t utf8_encode(uint32_t r, unsigned char out[UTF8_MAX]);

#endif
