/* envelope.c - nv_envelope_verify: dispatch by media type, the checks every
 * envelope format shares (notation-core-go base envelope, notation-go's
 * content type check) and Go's base64 decoding with its error offsets. */
#include "notation/cert_internal.h"
#include "notation/envelope_internal.h"
#include "notation/gojson.h"
#include "util/limits.h"
#include "util/mem.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

int nv_env_fail(struct ferry_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ferr_vset(e, NV_ENV_REASON, fmt, ap);
	va_end(ap);
	return -1;
}

void nv_envelope_free(struct nv_envelope *env)
{
	if (!env)
		return;
	free(env->media_type);
	free(env->payload);
	free(env->content_type);
	free(env->verification_plugin);
	free(env->verification_plugin_min_version);
	nv_certs_free(env->chain, env->chain_len);
	free(env->signature);
	free(env->timestamp_token);
	free(env->signing_agent);
	free(env);
}

int nv_envelope_verify(const char *media_type, const void *data, size_t len, struct nv_envelope **out,
		       struct ferry_err *e)
{
	struct nv_envelope *env;
	int rc;

	*out = NULL;
	if (!media_type || (strcmp(media_type, NV_MT_JWS) && strcmp(media_type, NV_MT_COSE))) {
		_cleanup_free_ char *q = gj_quote(media_type ? media_type : "");
		return ferr_set(e, NV_ENV_REASON,
				NV_PARSE_PREFIX "signature envelope format with media type %s is not supported", q);
	}
	if (len > LIMIT_SIGNATURE_ENVELOPE_BYTES)
		return ferr_set(e, NV_ENV_REASON, NV_PARSE_PREFIX "signature envelope larger than %llu bytes",
				(unsigned long long)LIMIT_SIGNATURE_ENVELOPE_BYTES);
	env = xcalloc(1, sizeof(*env));
	env->media_type = xstrdup(media_type);
	rc = strcmp(media_type, NV_MT_JWS) ? nv_cose_verify(data, len, env, e) : nv_jws_verify(data, len, env, e);
	if (rc < 0) {
		nv_envelope_free(env);
		return -1;
	}
	*out = env;
	return 0;
}

/* Go's time.Time zero value (0001-01-01T00:00:00Z) counts as absent. */
static bool time_is_zero(const struct nv_time *t)
{
	return !t->set || (t->sec == -62135596800LL && t->nsec == 0);
}

static int time_cmp(const struct nv_time *a, const struct nv_time *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	return a->nsec < b->nsec ? -1 : a->nsec > b->nsec;
}

int nv_envelope_base_checks(const struct nv_envelope *env, const struct nv_time *signing,
			    const struct nv_time *expiry, struct ferry_err *e)
{
	struct ferry_err inner = { 0 };
	enum nv_alg derived;
	char why[128];

	if (env->payload_len == 0)
		return ferr_set(e, NV_ENV_REASON, "content not present");
	if (env->signature_len == 0)
		return ferr_set(e, NV_ENV_REASON, "signature not present or is empty");
	if (env->alg == NV_ALG_NONE)
		return ferr_set(e, NV_ENV_REASON, "SignatureAlgorithm is not present");
	if (time_is_zero(signing))
		return ferr_set(e, NV_ENV_REASON, "signing-time not present");
	if (!time_is_zero(expiry) && time_cmp(expiry, signing) <= 0)
		return ferr_set(e, NV_ENV_REASON, "expiry cannot be equal or before the signing time");
	if (env->chain_len == 0)
		return ferr_set(e, NV_ENV_REASON, "certificate-chain not present or is empty");
	if (nv_chain_validate_codesigning(env->chain, env->chain_len, &inner) < 0)
		return ferr_set(e, NV_ENV_REASON, "certificate-chain is invalid, %s", inner.msg);
	if (nv_cert_key_spec_error(env->chain[0], why, sizeof(why)) < 0)
		return ferr_set(e, NV_ENV_REASON, "%s", why);
	derived = nv_cert_signing_alg(env->chain[0]);
	if (derived != env->alg)
		/* notation-core-go prints both algorithms as numbers, the second one with a stray "s" */
		return ferr_set(e, NV_ENV_REASON,
				"mismatch between signature algorithm derived from signing certificate (%d) and signing algorithm specified (%ds)",
				(int)derived, (int)env->alg);
	if (!env->content_type || strcmp(env->content_type, NV_MT_PAYLOAD)) {
		_cleanup_free_ char *q = gj_quote(env->content_type ? env->content_type : "");
		return ferr_set(e, NV_ENV_REASON, "payload content type %s not supported", q);
	}
	return 0;
}

/* ---- base64 as Go's encoding/base64 Decode reports it ---- */

static int sextet(bool url, unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

int nv_go_b64_decode(const char *in, size_t len, bool url, bool padded, size_t max, struct buf *out,
		     size_t *bad)
{
	const unsigned char *src = (const unsigned char *)in;
	size_t si = 0;

	buf_init(out, max);
	while (si < len) {
		unsigned dbuf[4] = { 0, 0, 0, 0 };
		int dlen = 4, j;
		bool trailing = false;
		size_t trailing_at = 0;

		for (j = 0; j < 4; j++) {
			unsigned char c;
			int v;

			if (si == len) {
				if (j == 0)
					goto done;
				if (j == 1 || padded) {
					*bad = si - (size_t)j;
					goto fail;
				}
				dlen = j;
				break;
			}
			c = src[si++];
			v = sextet(url, c);
			if (v >= 0) {
				dbuf[j] = (unsigned)v;
				continue;
			}
			if (c == '\n' || c == '\r') {
				j--;
				continue;
			}
			if (!padded || c != '=') {
				*bad = si - 1;
				goto fail;
			}
			/* padding */
			if (j < 2) {
				*bad = si - 1;
				goto fail;
			}
			if (j == 2) {
				while (si < len && (src[si] == '\n' || src[si] == '\r'))
					si++;
				if (si == len) {
					*bad = len;
					goto fail;
				}
				if (src[si] != '=') {
					*bad = si - 1;
					goto fail;
				}
				si++;
			}
			while (si < len && (src[si] == '\n' || src[si] == '\r'))
				si++;
			if (si < len) {
				trailing = true;
				trailing_at = si;
			}
			dlen = j;
			break;
		}
		{
			unsigned val = dbuf[0] << 18 | dbuf[1] << 12 | dbuf[2] << 6 | dbuf[3];
			unsigned char b[3] = { (unsigned char)(val >> 16), (unsigned char)(val >> 8), (unsigned char)val };

			if (buf_append(out, b, (size_t)(dlen - 1)) < 0) {
				*bad = si;
				buf_free(out);
				errno = EFBIG;
				return -1;
			}
		}
		if (trailing) {
			*bad = trailing_at;
			goto fail;
		}
	}
done:
	buf_cstr(out);
	return 0;
fail:
	buf_free(out);
	errno = EINVAL;
	return -1;
}
