/*
 * revcache.h - the revocation cache under the state dir:
 * STATE/cache/revocation/crl/<sha256(url)> (a CRL as fetched, and
 * <sha256(url)>.delta for its delta CRL) and
 * STATE/cache/revocation/ocsp/<sha256(url, request)> (an OCSP response).
 *
 * Owned by notation (crl.c and ocsp.c read and write it). Entries are plain
 * bytes from the network: every use parses and verifies them again (issuer
 * signature, nextUpdate), so a stale or damaged entry only costs a fetch.
 * They let an edge host that lost its uplink keep verifying until the CRL's
 * or response's nextUpdate. Files are written atomically, opened relative
 * to directory fds with O_NOFOLLOW; failures to write are logged, never
 * fatal.
 */
#ifndef FERRY_NOTATION_REVCACHE_H
#define FERRY_NOTATION_REVCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

struct nv_revcache {
	int crl_fd;    /* cache/revocation/crl, -1 when absent */
	int ocsp_fd;   /* cache/revocation/ocsp, -1 when absent */
};

enum nv_revcache_kind { NV_REVCACHE_CRL, NV_REVCACHE_CRL_DELTA, NV_REVCACHE_OCSP };

/* Open (creating) the cache below the state dir fd. On failure the cache
 * stays disabled (fds -1) and the reason is logged. */
void nv_revcache_open(int state_dir_fd, struct nv_revcache *c);
void nv_revcache_close(struct nv_revcache *c);

/* The entry for id (a URL, or a URL and request), at most max bytes:
 * 0 found, -1 absent or unreadable. */
int nv_revcache_get(const struct nv_revcache *c, enum nv_revcache_kind kind, const char *id, size_t max,
		    struct buf *out);
void nv_revcache_put(const struct nv_revcache *c, enum nv_revcache_kind kind, const char *id, const void *data,
		     size_t len);
void nv_revcache_drop(const struct nv_revcache *c, enum nv_revcache_kind kind, const char *id);

#endif
