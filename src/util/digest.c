/* digest.c - SHA-256 streams and OCI digest strings. */
#include "util/digest.h"

#include <string.h>

void sha256_stream_init(struct sha256_stream *s)
{
	wc_InitSha256(&s->ctx);
}

void sha256_stream_update(struct sha256_stream *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len) {
		word32 n = len > 0x40000000u ? 0x40000000u : (word32)len;
		wc_Sha256Update(&s->ctx, p, n);
		p += n;
		len -= n;
	}
}

void hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * len] = '\0';
}

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void sha256_stream_final_hex(struct sha256_stream *s, char hex[DIGEST_HEX_LEN + 1])
{
	unsigned char raw[WC_SHA256_DIGEST_SIZE];

	wc_Sha256Final(&s->ctx, raw);
	wc_Sha256Free(&s->ctx);
	hex_encode(raw, sizeof(raw), hex);
}

void sha256_raw(const void *data, size_t len, unsigned char out[32])
{
	struct sha256_stream s;

	sha256_stream_init(&s);
	sha256_stream_update(&s, data, len);
	wc_Sha256Final(&s.ctx, out);
	wc_Sha256Free(&s.ctx);
}

void sha256_hex(const void *data, size_t len, char hex[DIGEST_HEX_LEN + 1])
{
	struct sha256_stream s;

	sha256_stream_init(&s);
	sha256_stream_update(&s, data, len);
	sha256_stream_final_hex(&s, hex);
}

bool digest_is_valid(const char *digest)
{
	if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != DIGEST_STR_LEN)
		return false;
	for (const char *p = digest + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

const char *digest_hex(const char *digest)
{
	return digest + 7;
}
