/* b64.c - strict base64 decoders (standard+padding, url raw) and encoders. */
#include "util/b64.h"
#include "util/mem.h"

#include <errno.h>
#include <string.h>

static const char STD[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int sextet(const char *alphabet, char c)
{
	const char *p = c ? strchr(alphabet, c) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

static int decode(const char *alphabet, bool padded, bool skip_crlf, const char *in, size_t len,
		  size_t max, struct buf *out, size_t *bad_at)
{
	unsigned quad[4];
	int nq = 0, pads = 0;
	size_t i;

	buf_init(out, max);
	for (i = 0; i < len; i++) {
		char c = in[i];
		int v;

		if (skip_crlf && (c == '\r' || c == '\n'))
			continue;
		if (c == '=' && padded) {
			if (nq < 2)
				goto bad;
			pads++;
			quad[nq++] = 0;
			if (nq == 4)
				break;
			continue;
		}
		if (pads)
			goto bad;
		v = sextet(alphabet, c);
		if (v < 0)
			goto bad;
		quad[nq++] = (unsigned)v;
		if (nq == 4) {
			unsigned char b[3] = { (unsigned char)(quad[0] << 2 | quad[1] >> 4),
					       (unsigned char)(quad[1] << 4 | quad[2] >> 2),
					       (unsigned char)(quad[2] << 6 | quad[3]) };
			if (buf_append(out, b, 3) < 0)
				goto big;
			nq = 0;
		}
	}
	if (pads) {
		/* finished a padded quad; only CR/LF may follow */
		for (i++; i < len; i++)
			if (!(skip_crlf && (in[i] == '\r' || in[i] == '\n')))
				goto bad;
		unsigned char b[3] = { (unsigned char)(quad[0] << 2 | quad[1] >> 4),
				       (unsigned char)(quad[1] << 4 | quad[2] >> 2), 0 };
		if (buf_append(out, b, (size_t)(3 - pads)) < 0)
			goto big;
		nq = 0;
	}
	if (nq) {
		unsigned char b[2];
		if (padded || nq == 1) {
			i = len;
			goto bad;
		}
		b[0] = (unsigned char)(quad[0] << 2 | quad[1] >> 4);
		b[1] = (unsigned char)(quad[1] << 4 | (nq == 3 ? quad[2] >> 2 : 0));
		if (buf_append(out, b, (size_t)(nq - 1)) < 0)
			goto big;
	}
	buf_cstr(out);
	return 0;
bad:
	if (bad_at)
		*bad_at = i;
	buf_free(out);
	errno = EINVAL;
	return -1;
big:
	if (bad_at)
		*bad_at = i;
	buf_free(out);
	errno = EFBIG;
	return -1;
}

int b64_decode_std(const char *in, size_t len, size_t max, struct buf *out, size_t *bad_at)
{
	return decode(STD, true, true, in, len, max, out, bad_at);
}

int b64_decode_url_raw(const char *in, size_t len, size_t max, struct buf *out, size_t *bad_at)
{
	return decode(URL, false, false, in, len, max, out, bad_at);
}

static char *encode(const char *alphabet, bool pad, const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out = xmalloc(len / 3 * 4 + 5), *o = out;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		*o++ = alphabet[p[i] >> 2];
		*o++ = alphabet[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*o++ = alphabet[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		*o++ = alphabet[p[i + 2] & 63];
	}
	if (len - i == 1) {
		*o++ = alphabet[p[i] >> 2];
		*o++ = alphabet[(p[i] & 3) << 4];
		if (pad) {
			*o++ = '=';
			*o++ = '=';
		}
	} else if (len - i == 2) {
		*o++ = alphabet[p[i] >> 2];
		*o++ = alphabet[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*o++ = alphabet[(p[i + 1] & 15) << 2];
		if (pad)
			*o++ = '=';
	}
	*o = '\0';
	return out;
}

char *b64_encode_std(const void *data, size_t len)
{
	return encode(STD, true, data, len);
}

char *b64_encode_url_raw(const void *data, size_t len)
{
	return encode(URL, false, data, len);
}
