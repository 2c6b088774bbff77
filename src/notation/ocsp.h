/*
 * ocsp.h - OCSP (RFC 6960) status of one certificate as notation-core-go's
 * revocation/internal/ocsp checks it: responders in the certificate's order,
 * http only, a SHA-1 CertID request without nonce, GET when the escaped
 * base64 request is shorter than 255 bytes else POST
 * application/ocsp-request, LIMIT_OCSP_TIMEOUT_MS and
 * LIMIT_OCSP_RESPONSE_BYTES per request, the response signed by the issuer
 * or by a responder certificate the issuer signed with id-kp-OCSPSigning,
 * nextUpdate present and not passed, thisUpdate not in the future, no
 * unknown critical single-response extension, and the invalidityDate rule
 * of the signingAuthority scheme.
 *
 * Owned by notation (revocation.c). Verified responses are cached
 * (revcache.h); the responder is always asked first, and a cached response
 * stands in only when it cannot answer, until its nextUpdate.
 */
#ifndef FERRY_NOTATION_OCSP_H
#define FERRY_NOTATION_OCSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notation/cert.h"
#include "notation/revocation.h"
#include "util/buf.h"

enum nv_ocsp_status { NV_OCSP_GOOD = 0, NV_OCSP_REVOKED, NV_OCSP_UNKNOWN };

struct nv_ocsp_response {
	enum nv_ocsp_status status;
	int64_t this_update;
	bool has_next_update;
	int64_t next_update;
	bool has_invalidity_date;
	int64_t invalidity_date;
	int64_t revoked_at;
};

/* The DER OCSPRequest for cert (SHA-1 CertID, no extensions). */
void nv_ocsp_request(const struct nv_cert *cert, const struct nv_cert *issuer, struct buf *der);
/* The GET URL for a request: server + "/" + url-escaped base64, or NULL
 * when the request must be POSTed. Caller frees. */
char *nv_ocsp_get_url(const char *server, const struct buf *request);

/* x/crypto's ParseResponseForCert plus the responder rule above: 0 with
 * out filled, -1 with why. */
int nv_ocsp_parse_response(const void *der, size_t len, const struct nv_cert *cert, const struct nv_cert *issuer,
			   struct nv_ocsp_response *out, char *why, size_t why_len);

/* The certificate's OCSP status (NON_REVOKABLE when it names no responder). */
enum nv_rev_result nv_ocsp_check(struct nv_rev_ctx *ctx, const struct nv_cert *cert, const struct nv_cert *issuer,
				 char *why, size_t why_len);

#endif
