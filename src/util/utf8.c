/* utf8.c - UTF-8 decoding, validation and encoding with Go's rules. */
#include "util/utf8.h"

uint32_t utf8_decode(const void *data, size_t n, size_t *width)
{
	const unsigned char *s = data;
	uint32_t r;
	size_t need;

	*width = n ? 1 : 0;
	if (n == 0)
		return UTF8_RUNE_ERROR;
	if (s[0] < 0x80)
		return s[0];
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		need = 2;
		r = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		need = 3;
		r = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		need = 4;
		r = s[0] & 0x07;
	} else {
		return UTF8_RUNE_ERROR;
	}
	if (n < need)
		return UTF8_RUNE_ERROR;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return UTF8_RUNE_ERROR;
		r = (r << 6) | (s[i] & 0x3F);
	}
	if ((need == 3 && r < 0x800) || (need == 4 && (r < 0x10000 || r > 0x10FFFF)) ||
	    (r >= 0xD800 && r <= 0xDFFF))
		return UTF8_RUNE_ERROR;
	*width = need;
	return r;
}

bool utf8_valid(const void *data, size_t n)
{
	const unsigned char *s = data;
	size_t i = 0, w;

	while (i < n) {
		uint32_t r = utf8_decode(s + i, n - i, &w);

		if (utf8_is_error(r, w))
			return false;
		i += w;
	}
	return true;
}

size_t utf8_encode(uint32_t r, unsigned char out[UTF8_MAX])
{
	if (r < 0x80) {
		out[0] = (unsigned char)r;
		return 1;
	}
	if (r < 0x800) {
		out[0] = (unsigned char)(0xC0 | (r >> 6));
		out[1] = (unsigned char)(0x80 | (r & 0x3F));
		return 2;
	}
	if (r < 0x10000) {
		out[0] = (unsigned char)(0xE0 | (r >> 12));
		out[1] = (unsigned char)(0x80 | ((r >> 6) & 0x3F));
		out[2] = (unsigned char)(0x80 | (r & 0x3F));
		return 3;
	}
	out[0] = (unsigned char)(0xF0 | (r >> 18));
	out[1] = (unsigned char)(0x80 | ((r >> 12) & 0x3F));
	out[2] = (unsigned char)(0x80 | ((r >> 6) & 0x3F));
	out[3] = (unsigned char)(0x80 | (r & 0x3F));
	return 4;
}
