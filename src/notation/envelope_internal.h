/*
 * envelope_internal.h - what envelope.c shares with envelope_jws.c and
 * envelope_cose.c.
 *
 * Owned by notation (envelope files); other code uses envelope.h.
 */
#ifndef FERRY_NOTATION_ENVELOPE_INTERNAL_H
#define FERRY_NOTATION_ENVELOPE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notation/envelope.h"
#include "util/buf.h"

#define NV_ENV_REASON "VerificationError"
#define NV_PARSE_PREFIX "unable to parse the digital signature, error : "

#define NV_HDR_SIGNING_SCHEME     "io.cncf.notary.signingScheme"
#define NV_HDR_SIGNING_TIME       "io.cncf.notary.signingTime"
#define NV_HDR_AUTHENTIC_TIME     "io.cncf.notary.authenticSigningTime"
#define NV_HDR_EXPIRY             "io.cncf.notary.expiry"
#define NV_HDR_PLUGIN             "io.cncf.notary.verificationPlugin"
#define NV_HDR_PLUGIN_MIN_VERSION "io.cncf.notary.verificationPluginMinVersion"
#define NV_HDR_TIMESTAMP          "io.cncf.notary.timestampSignature"
#define NV_HDR_SIGNING_AGENT      "io.cncf.notary.signingAgent"
#define NV_SCHEME_X509_NAME       "notary.x509"
#define NV_SCHEME_SA_NAME         "notary.x509.signingAuthority"

/* A time with Go's precision, for the signing-time / expiry comparison. */
struct nv_time {
	bool set;
	int64_t sec;
	int32_t nsec;
};

/* Set an envelope error (reason NV_ENV_REASON); returns -1. */
int nv_env_fail(struct ferry_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Go's base64 decoding (encoding/base64, not strict): std or URL alphabet,
 * padded or raw, CR and LF skipped anywhere. On failure *bad is the offset
 * Go reports in "illegal base64 data at input byte N". */
int nv_go_b64_decode(const char *in, size_t len, bool url, bool padded, size_t max, struct buf *out,
		     size_t *bad);

/* notation-core-go's checks after the format-specific parsing (base
 * envelope validateEnvelopeContent), then notation-go's payload content type
 * check. signing is the scheme's signing time. */
int nv_envelope_base_checks(const struct nv_envelope *env, const struct nv_time *signing,
			    const struct nv_time *expiry, struct ferry_err *e);

int nv_jws_verify(const void *data, size_t len, struct nv_envelope *env, struct ferry_err *e);
int nv_cose_verify(const void *data, size_t len, struct nv_envelope *env, struct ferry_err *e);

#endif
