/* revcache.c - CRLs and OCSP responses cached under STATE/cache/revocation,
 * one file per URL (or URL and request), named by its sha256. */
#include "notation/revcache.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "util/digest.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"

#define CACHE_DIR "cache/revocation"

void nv_revcache_open(int state_dir_fd, struct nv_revcache *c)
{
	int base;

	c->crl_fd = c->ocsp_fd = -1;
	base = fs_open_dir_at(state_dir_fd, CACHE_DIR, true, 0755);
	if (base < 0) {
		log_warn("revocation cache %s unavailable: %s", CACHE_DIR, strerror(errno));
		return;
	}
	c->crl_fd = fs_open_dir_at(base, "crl", true, 0755);
	c->ocsp_fd = fs_open_dir_at(base, "ocsp", true, 0755);
	if (c->crl_fd < 0 || c->ocsp_fd < 0)
		log_warn("revocation cache %s unavailable: %s", CACHE_DIR, strerror(errno));
	close(base);
}

void nv_revcache_close(struct nv_revcache *c)
{
	if (c->crl_fd >= 0)
		close(c->crl_fd);
	if (c->ocsp_fd >= 0)
		close(c->ocsp_fd);
	c->crl_fd = c->ocsp_fd = -1;
}

static int entry(const struct nv_revcache *c, enum nv_revcache_kind kind, const char *id,
		 char name[DIGEST_HEX_LEN + 8])
{
	int fd = kind == NV_REVCACHE_OCSP ? c->ocsp_fd : c->crl_fd;

	sha256_hex(id, strlen(id), name);
	if (kind == NV_REVCACHE_CRL_DELTA)
		strcat(name, ".delta");
	return fd;
}

int nv_revcache_get(const struct nv_revcache *c, enum nv_revcache_kind kind, const char *id, size_t max,
		    struct buf *out)
{
	char name[DIGEST_HEX_LEN + 8];
	int fd;

	if (!c)
		return -1;
	fd = entry(c, kind, id, name);
	if (fd < 0)
		return -1;
	buf_reset(out);
	if (fs_read_file_at(fd, name, max, out) < 0) {
		buf_reset(out);
		return -1;
	}
	return 0;
}

void nv_revcache_put(const struct nv_revcache *c, enum nv_revcache_kind kind, const char *id, const void *data,
		     size_t len)
{
	char name[DIGEST_HEX_LEN + 8];
	int fd;

	if (!c)
		return;
	fd = entry(c, kind, id, name);
	if (fd >= 0 && fs_write_atomic_at(fd, name, data, len, 0644) < 0)
		log_warn("cannot cache the revocation data of %s: %s", id, strerror(errno));
}

void nv_revcache_drop(const struct nv_revcache *c, enum nv_revcache_kind kind, const char *id)
{
	char name[DIGEST_HEX_LEN + 8];
	int fd;

	if (!c)
		return;
	fd = entry(c, kind, id, name);
	if (fd >= 0)
		unlinkat(fd, name, 0);
}
