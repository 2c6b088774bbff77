/*
 * envelope.h - Notary Project signature envelopes (JWS and COSE) parsed and
 * integrity-verified into one shape.
 *
 * Owned by notation. nv_envelope_verify performs every integrity step of the
 * reference (§3.3 for JWS, §4.5 for COSE): structure, crit rules, signature
 * over the received bytes with the leaf key, code-signing chain rules,
 * algorithm/key match and the payload content type. Any failure is an
 * integrity failure; e->msg is notation-core-go's text.
 */
#ifndef FERRY_NOTATION_ENVELOPE_H
#define FERRY_NOTATION_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notation/cert.h"
#include "util/err.h"

#define NV_MT_JWS     "application/jose+json"
#define NV_MT_COSE    "application/cose"
#define NV_MT_PAYLOAD "application/vnd.cncf.notary.payload.v1+json"

enum nv_scheme { NV_SCHEME_X509 = 0, NV_SCHEME_X509_SIGNING_AUTHORITY };

struct nv_envelope {
	char *media_type;
	unsigned char *payload;          size_t payload_len;     /* exact signed payload bytes */
	char *content_type;
	enum nv_scheme scheme;
	bool has_signing_time;           int64_t signing_time;
	bool has_authentic_signing_time; int64_t authentic_signing_time;
	bool has_expiry;                 int64_t expiry;
	char *verification_plugin;       /* NULL if absent */
	char *verification_plugin_min_version;
	struct nv_cert **chain;          size_t chain_len;       /* leaf first */
	unsigned char *signature;        size_t signature_len;   /* raw signature bytes */
	unsigned char *timestamp_token;  size_t timestamp_token_len; /* NULL if absent */
	char *signing_agent;
	enum nv_alg alg;
};

int nv_envelope_verify(const char *media_type, const void *data, size_t len,
		       struct nv_envelope **out, struct ferry_err *e);
void nv_envelope_free(struct nv_envelope *env);

#endif
