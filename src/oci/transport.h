/*
 * transport.h - TLS and proxy settings of a registry client, read from
 * spec.certSecretRef and spec.proxySecretRef.
 *
 * Internal to oci. The CA of certSecretRef is added to the system trust
 * store, not put in its place: libcurl's CURLOPT_CAINFO_BLOB replaces the
 * default CA file, so ferry hands it one PEM bundle made of the system bundle
 * (SSL_CERT_FILE, else libcurl's built-in CA file, else the usual
 * distribution paths) followed by ca.crt. This works with every libcurl TLS
 * backend, unlike CURLOPT_SSL_CTX_FUNCTION.
 */
#ifndef FERRY_OCI_TRANSPORT_H
#define FERRY_OCI_TRANSPORT_H

#include "config/model.h"
#include "util/buf.h"
#include "util/err.h"

struct oci_tls {
	struct buf ca_bundle;   /* len 0: libcurl's default trust store */
	struct buf client_cert; /* PEM, empty when no client certificate */
	struct buf client_key;
};

struct oci_proxy {
	char *url;              /* NULL: libcurl honours https_proxy / no_proxy */
	char *username;
	char *password;
};

/* Errors name the Secret and the key; reason AuthenticationFailed. */
int oci_tls_load(const struct cfg_secret *s, struct oci_tls *out, struct ferry_err *e);
void oci_tls_free(struct oci_tls *t);
int oci_proxy_load(const struct cfg_secret *s, struct oci_proxy *out, struct ferry_err *e);
void oci_proxy_free(struct oci_proxy *p);

/* The system CA bundle path ferry adds ca.crt to, NULL if none is found. */
const char *oci_system_ca_file(void);

#endif
