/*
 * digest.h - OCI content digests: "sha256:<64 lowercase hex>".
 *
 * Streaming SHA-256 (wolfCrypt) for manifests and blobs, validation of digest
 * strings taken from manifests and config.
 */
#ifndef FERRY_UTIL_DIGEST_H
#define FERRY_UTIL_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/sha256.h>

#define DIGEST_HEX_LEN 64
#define DIGEST_STR_LEN (7 + DIGEST_HEX_LEN) /* "sha256:" + hex */

struct sha256_stream {
	wc_Sha256 ctx;
};

void sha256_stream_init(struct sha256_stream *s);
void sha256_stream_update(struct sha256_stream *s, const void *data, size_t len);
/* Finish; writes 64 hex chars + NUL to hex (65 bytes). Frees the context. */
void sha256_stream_final_hex(struct sha256_stream *s, char hex[DIGEST_HEX_LEN + 1]);
void sha256_hex(const void *data, size_t len, char hex[DIGEST_HEX_LEN + 1]);
void sha256_raw(const void *data, size_t len, unsigned char out[32]);
/* "sha256:<hex>" with 64 lowercase hex digits. Only sha256 is accepted. */
bool digest_is_valid(const char *digest);
/* Pointer to the hex part of a valid digest. */
const char *digest_hex(const char *digest);
void hex_encode(const unsigned char *in, size_t len, char *out);
/* Value of one hex digit (either case), or -1. */
int hex_digit(char c);

#endif
