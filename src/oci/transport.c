/*
 * transport.c - certSecretRef (CA added to the system store, client
 * certificate) and proxySecretRef for the registry client.
 */
#include "oci/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"

#define REASON_AUTH "AuthenticationFailed"

static const char *const known_bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Arch, Gentoo */
	"/etc/pki/tls/certs/ca-bundle.crt",                  /* Fedora, RHEL */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* Fedora, RHEL */
	"/etc/ssl/ca-bundle.pem",                            /* openSUSE */
	"/etc/ssl/cert.pem",                                 /* Alpine */
};

const char *oci_system_ca_file(void)
{
	const char *env = getenv("SSL_CERT_FILE");
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	if (env && *env && access(env, R_OK) == 0)
		return env;
	if (v->age >= CURLVERSION_SEVENTH && v->cainfo && access(v->cainfo, R_OK) == 0)
		return v->cainfo;
	for (size_t i = 0; i < ARRAY_SIZE(known_bundles); i++)
		if (access(known_bundles[i], R_OK) == 0)
			return known_bundles[i];
	return NULL;
}

/* System files may be symlinks (Fedora's bundle is), so this follows them. */
static int read_system_file(const char *path, size_t max, struct buf *out)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char chunk[65536];
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (out->len + (size_t)n > max) {
			errno = EFBIG;
			return -1;
		}
		buf_append(out, chunk, (size_t)n);
	}
	return 0;
}

static const struct cfg_secret_entry *entry(const struct cfg_secret *s, const char *key)
{
	for (size_t i = 0; i < s->n_entries; i++)
		if (!strcmp(s->entries[i].key, key))
			return &s->entries[i];
	return NULL;
}

/* The standard key, else the legacy one with a warning. */
static const struct cfg_secret_entry *tls_entry(const struct cfg_secret *s, const char *key,
						const char *legacy)
{
	const struct cfg_secret_entry *v = entry(s, key);

	if (v)
		return v;
	v = entry(s, legacy);
	if (v)
		log_warn("secret '%s/%s': key '%s' is deprecated, use '%s'", s->ns, s->name, legacy, key);
	return v;
}

static bool has_pem_block(const struct cfg_secret_entry *v, const char *label_suffix)
{
	const char *p = (const char *)v->value;

	while ((p = strstr(p, "-----BEGIN ")) != NULL) {
		const char *end = strstr(p + 11, "-----");
		size_t sl = strlen(label_suffix);

		if (!end)
			return false;
		if ((size_t)(end - (p + 11)) >= sl && !strncmp(end - sl, label_suffix, sl))
			return true;
		p = end;
	}
	return false;
}

/* Only a definite mismatch is reported; loading quirks are left to the TLS library. */
static bool key_pair_mismatch(const struct cfg_secret_entry *cert, const struct cfg_secret_entry *key)
{
	WOLFSSL_CTX *ctx;
	bool mismatch = false;

	wolfSSL_Init();
	ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
	if (!ctx)
		return false;
	if (wolfSSL_CTX_use_certificate_chain_buffer(ctx, cert->value, (long)cert->len) == WOLFSSL_SUCCESS &&
	    wolfSSL_CTX_use_PrivateKey_buffer(ctx, key->value, (long)key->len, WOLFSSL_FILETYPE_PEM) ==
		    WOLFSSL_SUCCESS)
		mismatch = wolfSSL_CTX_check_private_key(ctx) != WOLFSSL_SUCCESS;
	wolfSSL_CTX_free(ctx);
	return mismatch;
}

void oci_tls_free(struct oci_tls *t)
{
	if (!t)
		return;
	buf_free(&t->ca_bundle);
	if (t->client_key.data)
		explicit_bzero(t->client_key.data, t->client_key.len);
	buf_free(&t->client_key);
	buf_free(&t->client_cert);
}

int oci_tls_load(const struct cfg_secret *s, struct oci_tls *out, struct ferry_err *e)
{
	const struct cfg_secret_entry *ca, *cert, *key;
	const char *system;

	buf_init(&out->ca_bundle, 0);
	buf_init(&out->client_cert, 0);
	buf_init(&out->client_key, 0);
	ca = tls_entry(s, "ca.crt", "caFile");
	cert = tls_entry(s, "tls.crt", "certFile");
	key = tls_entry(s, "tls.key", "keyFile");
	if (!ca && !cert && !key)
		return ferr_set(e, REASON_AUTH, "secret '%s/%s' has none of the keys 'ca.crt', 'tls.crt', "
				"'tls.key'", s->ns, s->name);
	if (!!cert != !!key)
		return ferr_set(e, REASON_AUTH, "secret '%s/%s': found '%s' but not '%s': a client "
				"certificate needs both", s->ns, s->name, cert ? cert->key : key->key,
				cert ? "tls.key" : "tls.crt");
	if (cert) {
		if (!has_pem_block(cert, "CERTIFICATE"))
			return ferr_set(e, REASON_AUTH, "secret '%s/%s': failed to parse TLS certificate and key: "
					"no PEM certificate in '%s'", s->ns, s->name, cert->key);
		if (!has_pem_block(key, "PRIVATE KEY"))
			return ferr_set(e, REASON_AUTH, "secret '%s/%s': failed to parse TLS certificate and key: "
					"no PEM private key in '%s'", s->ns, s->name, key->key);
		if (key_pair_mismatch(cert, key))
			return ferr_set(e, REASON_AUTH, "secret '%s/%s': failed to parse TLS certificate and key: "
					"private key in '%s' does not match the public key in '%s'", s->ns,
					s->name, key->key, cert->key);
		buf_append(&out->client_cert, cert->value, cert->len);
		buf_append(&out->client_key, key->value, key->len);
	}
	if (ca) {
		if (!has_pem_block(ca, "CERTIFICATE")) {
			oci_tls_free(out);
			return ferr_set(e, REASON_AUTH, "secret '%s/%s': no PEM certificate in '%s'", s->ns,
					s->name, ca->key);
		}
		system = oci_system_ca_file();
		if (!system) {
			log_warn("no system CA bundle found: trusting only '%s' of secret '%s/%s'", ca->key,
				 s->ns, s->name);
		} else if (read_system_file(system, LIMIT_CA_BUNDLE_BYTES, &out->ca_bundle) < 0) {
			int err = errno;

			oci_tls_free(out);
			return ferr_set(e, REASON_AUTH, "failed to read the system CA bundle %s: %s", system,
					err == EFBIG ? "larger than the limit" : strerror(err));
		}
		if (out->ca_bundle.len && out->ca_bundle.data[out->ca_bundle.len - 1] != '\n')
			buf_append_str(&out->ca_bundle, "\n");
		buf_append(&out->ca_bundle, ca->value, ca->len);
		buf_append_str(&out->ca_bundle, "\n");
	}
	return 0;
}

void oci_proxy_free(struct oci_proxy *p)
{
	if (!p)
		return;
	if (p->password)
		explicit_bzero(p->password, strlen(p->password));
	free(p->url);
	free(p->username);
	free(p->password);
	memset(p, 0, sizeof(*p));
}

int oci_proxy_load(const struct cfg_secret *s, struct oci_proxy *out, struct ferry_err *e)
{
	const struct cfg_secret_entry *addr = entry(s, "address");
	const struct cfg_secret_entry *user = entry(s, "username");
	const struct cfg_secret_entry *pass = entry(s, "password");
	const char *a;

	memset(out, 0, sizeof(*out));
	if (!addr || !addr->len)
		return ferr_set(e, REASON_AUTH, "secret '%s/%s': key 'address' not found", s->ns, s->name);
	a = (const char *)addr->value;
	if (addr->len > LIMIT_URL_LEN || strlen(a) != addr->len)
		return ferr_set(e, REASON_AUTH, "secret '%s/%s': 'address' must be a URL of at most %d "
				"characters", s->ns, s->name, LIMIT_URL_LEN);
	for (size_t i = 0; i < addr->len; i++)
		if ((unsigned char)a[i] <= ' ' || a[i] == 0x7f)
			return ferr_set(e, REASON_AUTH, "secret '%s/%s': 'address' contains a blank or a "
					"control character", s->ns, s->name);
	if (!strncasecmp(a, "http://", 7) || !strncasecmp(a, "https://", 8))
		out->url = xstrdup(a);
	else if (!strncasecmp(a, "socks5://", 9))
		/* like Go's SOCKS5 dialer: the proxy resolves host names */
		out->url = xasprintf("socks5h://%s", a + 9);
	else
		return ferr_set(e, REASON_AUTH, "secret '%s/%s': proxy 'address' must start with http://, "
				"https:// or socks5://", s->ns, s->name);
	if (a[strcspn(a, ":") + 3] == '\0' || a[strcspn(a, ":") + 3] == '/') {
		oci_proxy_free(out);
		return ferr_set(e, REASON_AUTH, "secret '%s/%s': proxy 'address' has no host", s->ns, s->name);
	}
	if (user && user->len)
		out->username = xstrndup((const char *)user->value, user->len);
	if (pass && pass->len)
		out->password = xstrndup((const char *)pass->value, pass->len);
	return 0;
}
