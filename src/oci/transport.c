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
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/rsa.h>

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

/* The public key of a PEM private key, as the certificate carries it: the
 * uncompressed EC point or the RSAPublicKey DER. 0 bytes when unknown. */
static size_t public_key_of(const struct cfg_secret_entry *key, unsigned char *out, size_t max)
{
	size_t n = 0;
	int der_len;
	unsigned char *der = xmalloc(key->len + 1);
	word32 idx;

	der_len = wc_KeyPemToDer(key->value, (int)key->len, der, (int)key->len, NULL);
	if (der_len > 0) {
		ecc_key ek;
		RsaKey rk;
		word32 olen = (word32)max;
		int r;

		if (wc_ecc_init(&ek) == 0) {
			idx = 0;
			if (wc_EccPrivateKeyDecode(der, &idx, &ek, (word32)der_len) == 0 &&
			    (ek.type != ECC_PRIVATEKEY_ONLY || wc_ecc_make_pub(&ek, NULL) == 0) &&
			    wc_ecc_export_x963(&ek, out, &olen) == 0)
				n = olen;
			wc_ecc_free(&ek);
		}
		if (!n && wc_InitRsaKey(&rk, NULL) == 0) {
			idx = 0;
			if (wc_RsaPrivateKeyDecode(der, &idx, &rk, (word32)der_len) == 0 &&
			    (r = wc_RsaKeyToPublicDer_ex(&rk, out, (word32)max, 0)) > 0)
				n = (size_t)r;
			wc_FreeRsaKey(&rk);
		}
	}
	explicit_bzero(der, key->len + 1);
	free(der);
	return n;
}

/* Only a definite mismatch is reported: the key's public half must occur in
 * the leaf certificate; keys this check does not know are left to libcurl. */
static bool key_pair_mismatch(const struct cfg_secret_entry *cert, const struct cfg_secret_entry *key)
{
	unsigned char pub[1024];
	unsigned char *der = xmalloc(cert->len + 1);
	size_t pub_len = public_key_of(key, pub, sizeof(pub));
	int der_len = wc_CertPemToDer(cert->value, (int)cert->len, der, (int)cert->len, CERT_TYPE);
	bool mismatch = false;

	if (pub_len && der_len > 0)
		mismatch = !memmem(der, (size_t)der_len, pub, pub_len);
	free(der);
	explicit_bzero(pub, sizeof(pub));
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
