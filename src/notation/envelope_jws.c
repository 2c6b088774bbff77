/* envelope_jws.c - JWS JSON envelopes (application/jose+json) verified in
 * notation-core-go's order: envelope decoding with Go's encoding/json rules,
 * the golang-jwt check of the compact form, the protected header rules, the
 * signer info and the base checks. */
#include "notation/cert_internal.h"
#include "notation/envelope_internal.h"
#include "notation/gojson.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct jws_doc {
	char *payload, *protected_b64, *signature_b64;
	unsigned char **x5c;     /* decoded DER, NULL entries for JSON null */
	size_t *x5c_len;
	size_t n_x5c;
	bool x5c_set;
	unsigned char *timestamp;
	size_t timestamp_len;
	char *signing_agent;
};

static void jws_doc_free(struct jws_doc *j)
{
	size_t i;

	free(j->payload);
	free(j->protected_b64);
	free(j->signature_b64);
	for (i = 0; i < j->n_x5c; i++)
		free(j->x5c[i]);
	free(j->x5c);
	free(j->x5c_len);
	free(j->timestamp);
	free(j->signing_agent);
}

/* ---- the envelope document (Go struct jwsEnvelope) ---- */

/* A []byte field: standard base64 with padding. */
static void dec_bytes(struct gj_dec *d, const struct gj_value *v, unsigned char **dst, size_t *dst_len,
		      const char *go_type)
{
	struct buf b;
	size_t bad;

	if (v->kind == GJ_NULL) {
		free(*dst);
		*dst = NULL;
		*dst_len = 0;
		return;
	}
	if (v->kind != GJ_STRING) {
		gj_type_error(d, v, go_type);
		return;
	}
	if (nv_go_b64_decode(v->text, v->text_len, false, true, LIMIT_SIGNATURE_ENVELOPE_BYTES, &b, &bad) < 0) {
		char msg[80];

		snprintf(msg, sizeof(msg), "illegal base64 data at input byte %zu", bad);
		gj_error(d, msg);
		return;
	}
	free(*dst);
	*dst = (unsigned char *)buf_steal(&b, dst_len);
}

static void dec_x5c(struct gj_dec *d, const struct gj_value *v, struct jws_doc *j)
{
	size_t i;

	if (v->kind != GJ_NULL && v->kind != GJ_ARRAY) {
		gj_type_error(d, v, "[][]uint8");
		return;
	}
	for (i = 0; i < j->n_x5c; i++)
		free(j->x5c[i]);
	free(j->x5c);
	free(j->x5c_len);
	j->x5c = NULL;
	j->x5c_len = NULL;
	j->n_x5c = 0;
	j->x5c_set = v->kind == GJ_ARRAY;
	if (v->kind == GJ_NULL)
		return;
	j->x5c = xcalloc(v->n_items + 1, sizeof(*j->x5c));
	j->x5c_len = xcalloc(v->n_items + 1, sizeof(*j->x5c_len));
	j->n_x5c = v->n_items;
	for (i = 0; i < v->n_items; i++)
		dec_bytes(d, &v->items[i], &j->x5c[i], &j->x5c_len[i], "[]uint8");
}

static void dec_header(struct gj_dec *d, const struct gj_value *v, struct jws_doc *j)
{
	size_t i;

	if (v->kind == GJ_NULL)
		return;
	if (v->kind != GJ_OBJECT) {
		gj_type_error(d, v, "jws.jwsUnprotectedHeader");
		return;
	}
	for (i = 0; i < v->n_members; i++) {
		const struct gj_member *m = &v->members[i];
		struct gj_frame f;

		if (gj_key_is(m, NV_HDR_TIMESTAMP)) {
			f = gj_enter(d, "jwsUnprotectedHeader", NV_HDR_TIMESTAMP);
			dec_bytes(d, &m->value, &j->timestamp, &j->timestamp_len, "[]uint8");
			gj_leave(d, f);
		} else if (gj_key_is(m, "x5c")) {
			f = gj_enter(d, "jwsUnprotectedHeader", "x5c");
			dec_x5c(d, &m->value, j);
			gj_leave(d, f);
		} else if (gj_key_is(m, NV_HDR_SIGNING_AGENT)) {
			f = gj_enter(d, "jwsUnprotectedHeader", NV_HDR_SIGNING_AGENT);
			gj_string(d, &m->value, &j->signing_agent, "string");
			gj_leave(d, f);
		}
	}
}

static int decode_document(const void *data, size_t len, struct jws_doc *j, struct ferry_err *e)
{
	struct gj_value *root = NULL;
	struct gj_dec d;
	char err[256];
	size_t i;
	int rc = 0;

	if (gj_parse(data, len, &root, err, sizeof(err)) < 0)
		return nv_env_fail(e, NV_PARSE_PREFIX "%s", err);
	gj_dec_init(&d);
	if (root->kind == GJ_OBJECT) {
		for (i = 0; i < root->n_members; i++) {
			const struct gj_member *m = &root->members[i];
			struct gj_frame f;

			if (gj_key_is(m, "payload")) {
				f = gj_enter(&d, "jwsEnvelope", "payload");
				gj_string(&d, &m->value, &j->payload, "string");
			} else if (gj_key_is(m, "protected")) {
				f = gj_enter(&d, "jwsEnvelope", "protected");
				gj_string(&d, &m->value, &j->protected_b64, "string");
			} else if (gj_key_is(m, "signature")) {
				f = gj_enter(&d, "jwsEnvelope", "signature");
				gj_string(&d, &m->value, &j->signature_b64, "string");
			} else if (gj_key_is(m, "header")) {
				f = gj_enter(&d, "jwsEnvelope", "header");
				dec_header(&d, &m->value, j);
			} else {
				continue;
			}
			gj_leave(&d, f);
		}
	} else if (root->kind != GJ_NULL) {
		gj_type_error(&d, root, "jws.jwsEnvelope");
	}
	if (d.error)
		rc = nv_env_fail(e, NV_PARSE_PREFIX "%s", d.error);
	gj_dec_free(&d);
	gj_free(root);
	return rc;
}

/* ---- golang-jwt v4 Parser.Parse with notation-core-go's options ---- */

static int b64url_segment(const char *s, struct buf *out, char *err, size_t n)
{
	size_t bad;

	if (nv_go_b64_decode(s, strlen(s), true, false, LIMIT_SIGNATURE_ENVELOPE_BYTES, out, &bad) < 0) {
		snprintf(err, n, "illegal base64 data at input byte %zu", bad);
		return -1;
	}
	return 0;
}

/* json.Decoder.Decode into jwt.MapClaims: the first JSON value must be an
 * object or null; what follows it is not read. */
static int check_claims(const unsigned char *p, size_t n, char *err, size_t errlen)
{
	static const char after[] = "after top-level value";
	struct gj_value *v = NULL;
	char perr[256];
	size_t i = 0;
	enum gj_kind kind;

	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	if (i == n) {
		snprintf(err, errlen, "EOF");
		return -1;
	}
	if (gj_parse(p, n, &v, perr, sizeof(perr)) < 0) {
		size_t pl = strlen(perr);

		if (pl < sizeof(after) - 1 || strcmp(perr + pl - (sizeof(after) - 1), after)) {
			snprintf(err, errlen, "%s", !strcmp(perr, "unexpected end of JSON input") ? "unexpected EOF" : perr);
			return -1;
		}
		switch (p[i]) {
		case '{': kind = GJ_OBJECT; break;
		case 'n': kind = GJ_NULL; break;
		case '[': kind = GJ_ARRAY; break;
		case '"': kind = GJ_STRING; break;
		case 't': case 'f': kind = GJ_BOOL; break;
		default: kind = GJ_NUMBER; break;
		}
	} else {
		kind = v->kind;
		gj_free(v);
	}
	if (kind != GJ_OBJECT && kind != GJ_NULL) {
		snprintf(err, errlen, "json: cannot unmarshal %s into Go value of type jwt.MapClaims", gj_kind_name(kind));
		return -1;
	}
	return 0;
}

static bool jwt_known_method(const char *alg)
{
	static const char *const methods[] = { "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256",
					       "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA", "none" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(methods); i++)
		if (!strcmp(alg, methods[i]))
			return true;
	return false;
}

static enum nv_alg alg_from_name(const char *name)
{
	enum nv_alg a;

	for (a = NV_ALG_PS256; a <= NV_ALG_ES512; a++)
		if (!strcmp(name, nv_alg_jws_name(a)))
			return a;
	return NV_ALG_NONE;
}

static int jwt_verify(const struct jws_doc *j, const struct nv_cert *leaf, char *err, size_t n)
{
	struct buf header = BUF_INIT(0), claims = BUF_INIT(0), sig = BUF_INIT(0);
	struct gj_value *hdr = NULL;
	_cleanup_free_ char *signing_input = NULL;
	const char *alg = NULL;
	struct ferry_err ve = { 0 };
	enum nv_alg a;
	size_t i;
	int rc = -1;

	if (strchr(j->protected_b64, '.') || strchr(j->payload, '.') || strchr(j->signature_b64, '.')) {
		snprintf(err, n, "token contains an invalid number of segments");
		return -1;
	}
	if (b64url_segment(j->protected_b64, &header, err, n) < 0) {
		if (!strncasecmp(j->protected_b64, "bearer ", 7))
			snprintf(err, n, "tokenstring should not contain 'bearer '");
		goto out;
	}
	if (gj_parse(header.data, header.len, &hdr, err, n) < 0)
		goto out;
	if (hdr->kind != GJ_OBJECT && hdr->kind != GJ_NULL) {
		snprintf(err, n, "json: cannot unmarshal %s into Go value of type map[string]interface {}",
			 gj_kind_name(hdr->kind));
		goto out;
	}
	if (b64url_segment(j->payload, &claims, err, n) < 0 || check_claims(claims.data, claims.len, err, n) < 0)
		goto out;
	for (i = 0; hdr->kind == GJ_OBJECT && i < hdr->n_members; i++) {
		const struct gj_member *m = &hdr->members[i];

		if (m->key_len == 3 && !memcmp(m->key, "alg", 3))
			alg = m->value.kind == GJ_STRING ? m->value.text : NULL;
	}
	if (!alg) {
		snprintf(err, n, "signing method (alg) is unspecified.");
		goto out;
	}
	if (!jwt_known_method(alg)) {
		snprintf(err, n, "signing method (alg) is unavailable.");
		goto out;
	}
	a = alg_from_name(alg);
	if (a == NV_ALG_NONE) {
		snprintf(err, n, "signing method %s is invalid", alg);
		goto out;
	}
	if (b64url_segment(j->signature_b64, &sig, err, n) < 0)
		goto out;
	signing_input = xasprintf("%s.%s", j->protected_b64, j->payload);
	if (nv_verify_with_cert(leaf, a, true, signing_input, strlen(signing_input), sig.data, sig.len, &ve) < 0) {
		snprintf(err, n, "%s", ve.msg);
		goto out;
	}
	rc = 0;
out:
	gj_free(hdr);
	buf_free(&header);
	buf_free(&claims);
	buf_free(&sig);
	return rc;
}

/* ---- protected header (Go struct jwsProtectedHeader + extended attributes) ---- */

static const char *const known_keys[] = { "alg", "cty", "crit", NV_HDR_EXPIRY, NV_HDR_SIGNING_TIME,
					  NV_HDR_SIGNING_SCHEME, NV_HDR_AUTHENTIC_TIME };

struct protected {
	char *alg, *cty, *scheme;
	char **crit;
	size_t n_crit;
	bool crit_set;
	struct nv_time expiry, signing_time, authentic_time;
	const struct gj_value *root;  /* for extended attributes */
};

static void protected_free(struct protected *p)
{
	free(p->alg);
	free(p->cty);
	free(p->scheme);
	gj_strv_free(p->crit, p->n_crit);
}

static bool is_known_key(const struct gj_member *m)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known_keys); i++)
		if (strlen(known_keys[i]) == m->key_len && !memcmp(m->key, known_keys[i], m->key_len))
			return true;
	return false;
}

static const struct gj_value *extended_attr(const struct protected *p, const char *key)
{
	const struct gj_value *found = NULL;
	size_t i;

	if (p->root->kind != GJ_OBJECT)
		return NULL;
	for (i = 0; i < p->root->n_members; i++) {
		const struct gj_member *m = &p->root->members[i];

		if (strlen(key) == m->key_len && !memcmp(m->key, key, m->key_len) && !is_known_key(m))
			found = &m->value;
	}
	return found;
}

/* time.Time.UnmarshalJSON behind a pointer field: null leaves it unset. */
static int dec_time(const struct gj_value *v, struct nv_time *t, char *err, size_t n)
{
	if (v->kind == GJ_NULL) {
		t->set = false;
		return 0;
	}
	if (v->kind != GJ_STRING) {
		snprintf(err, n, "Time.UnmarshalJSON: input is not a JSON string");
		return -1;
	}
	if (memchr(v->text, '\0', v->text_len) || ftime_parse_rfc3339(v->text, &t->sec, &t->nsec) < 0) {
		_cleanup_free_ char *q = gj_quote(v->text);
		snprintf(err, n, "parsing time %s as \"2006-01-02T15:04:05Z07:00\": cannot parse %s as \"2006\"", q, q);
		return -1;
	}
	t->set = true;
	return 0;
}

/* Duplicate keys, and spellings of a known key that differ only in case
 * (Go would match them case-insensitively), make the header ambiguous:
 * ferry refuses them. */
static int check_unambiguous(const struct gj_value *root, char *err, size_t n)
{
	size_t i, k;

	for (i = 0; i < root->n_members; i++) {
		const struct gj_member *m = &root->members[i];

		for (k = 0; k < i; k++) {
			if (root->members[k].key_len == m->key_len && !memcmp(root->members[k].key, m->key, m->key_len))
				goto dup;
		}
		for (k = 0; k < ARRAY_SIZE(known_keys); k++)
			if (gj_key_is(m, known_keys[k]) && !is_known_key(m))
				goto dup;
		continue;
dup:
		{
			_cleanup_free_ char *q = gj_quote(memchr(m->key, 0, m->key_len) ? "" : m->key);
			snprintf(err, n, "repeated key: %s exists.", q);
		}
		return -1;
	}
	return 0;
}

static int decode_protected(const char *b64, struct gj_value **root, struct protected *p, char *err, size_t n)
{
	struct buf raw;
	struct gj_dec d;
	size_t i;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	if (b64url_segment(b64, &raw, err, n) < 0)
		return -1;
	if (gj_parse(raw.data, raw.len, root, err, n) < 0)
		goto out;
	p->root = *root;
	gj_dec_init(&d);
	if ((*root)->kind == GJ_OBJECT) {
		if (check_unambiguous(*root, err, n) < 0)
			goto out_dec;
		for (i = 0; i < (*root)->n_members; i++) {
			const struct gj_member *m = &(*root)->members[i];
			struct gj_frame f = gj_enter(&d, "jwsProtectedHeader", m->key);

			if (gj_key_is(m, "alg"))
				gj_string(&d, &m->value, &p->alg, "string");
			else if (gj_key_is(m, "cty"))
				gj_string(&d, &m->value, &p->cty, "string");
			else if (gj_key_is(m, "crit"))
				gj_strings(&d, &m->value, &p->crit, &p->n_crit, &p->crit_set);
			else if (gj_key_is(m, NV_HDR_SIGNING_SCHEME))
				gj_string(&d, &m->value, &p->scheme, "signature.SigningScheme");
			else if (gj_key_is(m, NV_HDR_EXPIRY) && dec_time(&m->value, &p->expiry, err, n) < 0)
				goto out_dec;
			else if (gj_key_is(m, NV_HDR_SIGNING_TIME) && dec_time(&m->value, &p->signing_time, err, n) < 0)
				goto out_dec;
			else if (gj_key_is(m, NV_HDR_AUTHENTIC_TIME) &&
				 dec_time(&m->value, &p->authentic_time, err, n) < 0)
				goto out_dec;
			gj_leave(&d, f);
		}
	} else if ((*root)->kind != GJ_NULL) {
		gj_type_error(&d, *root, "jws.jwsProtectedHeader");
	}
	if (d.error) {
		snprintf(err, n, "%s", d.error);
		goto out_dec;
	}
	rc = 0;
out_dec:
	gj_dec_free(&d);
out:
	buf_free(&raw);
	return rc;
}

static int validate_protected(const struct protected *p, struct ferry_err *e)
{
	const char *scheme = p->scheme ? p->scheme : "";
	bool sa = !strcmp(scheme, NV_SCHEME_SA_NAME);
	bool must_scheme = true, must_expiry, must_authentic;
	size_t i;

	if (!strcmp(scheme, NV_SCHEME_X509_NAME)) {
		if (p->authentic_time.set)
			return nv_env_fail(e, "\"%s\" header must not be present for %s signing scheme", NV_HDR_AUTHENTIC_TIME,
				    NV_SCHEME_X509_NAME);
	} else if (sa) {
		if (p->signing_time.set)
			return nv_env_fail(e, "\"%s\" header must not be present for %s signing scheme", NV_HDR_SIGNING_TIME,
				    NV_SCHEME_SA_NAME);
		if (!p->authentic_time.set)
			/* sic: notation-core-go names the other scheme here */
			return nv_env_fail(e, "\"%s\" header must be present for %s signing scheme", NV_HDR_AUTHENTIC_TIME,
				    NV_SCHEME_X509_NAME);
	} else {
		return nv_env_fail(e, "unsupported SigningScheme: `%s`", scheme);
	}

	if (p->n_crit == 0)
		return nv_env_fail(e, "missing \"crit\" header");
	must_expiry = p->expiry.set && !(p->expiry.sec == -62135596800LL && p->expiry.nsec == 0);
	must_authentic = sa;
	for (i = 0; i < p->n_crit; i++) {
		const char *c = p->crit[i];

		if (must_scheme && !strcmp(c, NV_HDR_SIGNING_SCHEME)) {
			must_scheme = false;
		} else if (must_expiry && !strcmp(c, NV_HDR_EXPIRY)) {
			must_expiry = false;
		} else if (must_authentic && !strcmp(c, NV_HDR_AUTHENTIC_TIME)) {
			must_authentic = false;
		} else if (!extended_attr(p, c)) {
			_cleanup_free_ char *q = gj_quote(c);
			return nv_env_fail(e, "%s header is marked critical but not present", q);
		}
	}
	if (must_scheme || must_expiry || must_authentic)
		return nv_env_fail(e, "these required headers are not marked as critical: [%s%s%s%s%s]",
			    must_scheme ? NV_HDR_SIGNING_SCHEME : "",
			    must_scheme && (must_authentic || must_expiry) ? " " : "",
			    must_authentic ? NV_HDR_AUTHENTIC_TIME : "", must_authentic && must_expiry ? " " : "",
			    must_expiry ? NV_HDR_EXPIRY : "");
	if (alg_from_name(p->alg ? p->alg : "") == NV_ALG_NONE) {
		_cleanup_free_ char *q = gj_quote(p->alg ? p->alg : "");
		return nv_env_fail(e, "signature algorithm %s is not supported", q);
	}
	return 0;
}

/* verificationPlugin / MinVersion: any presence is recorded (a non-string
 * value as ""), so the verifier fails the signature as notation-go would. */
static char *plugin_attr(const struct protected *p, const char *key)
{
	const struct gj_value *v = extended_attr(p, key);

	if (!v)
		return NULL;
	if (v->kind != GJ_STRING || memchr(v->text, '\0', v->text_len))
		return xstrdup("");
	return xstrdup(v->text);
}

static int fill_signer_info(const struct jws_doc *j, const struct protected *p, struct nv_envelope *env,
			    struct ferry_err *e)
{
	struct buf b;
	size_t bad, i;

	if (validate_protected(p, e) < 0)
		return -1;
	env->alg = alg_from_name(p->alg);
	env->scheme = strcmp(p->scheme, NV_SCHEME_SA_NAME) ? NV_SCHEME_X509 : NV_SCHEME_X509_SIGNING_AUTHORITY;
	env->has_signing_time = p->signing_time.set;
	env->signing_time = p->signing_time.sec;
	env->has_authentic_signing_time = p->authentic_time.set;
	env->authentic_signing_time = p->authentic_time.sec;
	env->has_expiry = p->expiry.set;
	env->expiry = p->expiry.sec;
	env->content_type = xstrdup(p->cty ? p->cty : "");
	env->verification_plugin = plugin_attr(p, NV_HDR_PLUGIN);
	env->verification_plugin_min_version = plugin_attr(p, NV_HDR_PLUGIN_MIN_VERSION);

	if (nv_go_b64_decode(j->signature_b64, strlen(j->signature_b64), true, false, LIMIT_SIGNATURE_ENVELOPE_BYTES,
			     &b, &bad) < 0)
		return nv_env_fail(e, "illegal base64 data at input byte %zu", bad);
	env->signature = (unsigned char *)buf_steal(&b, &env->signature_len);
	if (env->signature_len == 0)
		return nv_env_fail(e, "signature missing in jws-json envelope");

	if (j->n_x5c > LIMIT_CERT_CHAIN_LEN)
		return nv_env_fail(e, "certificate chain longer than %d certificates", LIMIT_CERT_CHAIN_LEN);
	env->chain = xcalloc(j->n_x5c + 1, sizeof(*env->chain));
	for (i = 0; i < j->n_x5c; i++) {
		if (nv_cert_parse_der(j->x5c[i] ? j->x5c[i] : (const unsigned char *)"", j->x5c_len[i], &env->chain[i],
				      e) < 0)
			return -1;
		env->chain_len++;
	}
	env->signing_agent = j->signing_agent ? xstrdup(j->signing_agent) : NULL;
	if (j->timestamp && j->timestamp_len) {
		env->timestamp_token = xmalloc(j->timestamp_len);
		memcpy(env->timestamp_token, j->timestamp, j->timestamp_len);
		env->timestamp_token_len = j->timestamp_len;
	}
	return 0;
}

int nv_jws_verify(const void *data, size_t len, struct nv_envelope *env, struct ferry_err *e)
{
	struct jws_doc j;
	struct protected p;
	struct gj_value *proot = NULL;
	struct nv_cert *leaf = NULL;
	struct ferry_err inner = { 0 };
	struct buf payload;
	char err[512];
	size_t bad;
	int rc = -1;

	memset(&j, 0, sizeof(j));
	memset(&p, 0, sizeof(p));
	if (decode_document(data, len, &j, e) < 0)
		goto out;
	if (!j.payload)
		j.payload = xstrdup("");
	if (!j.protected_b64)
		j.protected_b64 = xstrdup("");
	if (!j.signature_b64)
		j.signature_b64 = xstrdup("");

	if (j.n_x5c == 0) {
		nv_env_fail(e, "certificate chain is not present");
		goto out;
	}
	if (nv_cert_parse_der(j.x5c[0] ? j.x5c[0] : (const unsigned char *)"", j.x5c_len[0], &leaf, &inner) < 0) {
		nv_env_fail(e, "malformed leaf certificate");
		goto out;
	}
	if (jwt_verify(&j, leaf, err, sizeof(err)) < 0) {
		nv_env_fail(e, "signature is invalid. Error: %s", err);
		goto out;
	}
	if (decode_protected(j.protected_b64, &proot, &p, err, sizeof(err)) < 0) {
		nv_env_fail(e, "jws envelope protected header can't be decoded: %s", err);
		goto out;
	}
	if (nv_go_b64_decode(j.payload, strlen(j.payload), true, false, LIMIT_SIGNATURE_ENVELOPE_BYTES, &payload,
			     &bad) < 0) {
		nv_env_fail(e, "payload error: illegal base64 data at input byte %zu", bad);
		goto out;
	}
	env->payload = (unsigned char *)buf_steal(&payload, &env->payload_len);
	if (fill_signer_info(&j, &p, env, e) < 0)
		goto out;
	if (nv_envelope_base_checks(env, env->scheme == NV_SCHEME_X509 ? &p.signing_time : &p.authentic_time,
				    &p.expiry, e) < 0)
		goto out;
	rc = 0;
out:
	nv_cert_free(leaf);
	protected_free(&p);
	gj_free(proot);
	jws_doc_free(&j);
	return rc;
}
