/* cert.c - X.509 certificates from DER and PEM as Go's crypto/x509 parses
 * them (stricter where Go tolerates trailing bytes): structure, names,
 * validity, public key, the extensions Notation looks at. */
#include "notation/cert_internal.h"
#include "notation/der.h"
#include "util/b64.h"
#include "util/digest.h"
#include "util/limits.h"
#include "util/mem.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define REASON "VerificationError"

#define OID_KEY_USAGE   "2.5.29.15"
#define OID_BASIC_CONS  "2.5.29.19"
#define OID_EXT_KU      "2.5.29.37"
#define OID_SAN         "2.5.29.17"
#define OID_NAME_CONS   "2.5.29.30"
#define OID_CRL_DP      "2.5.29.31"
#define OID_POLICIES    "2.5.29.32"
#define OID_AKID        "2.5.29.35"
#define OID_SKID        "2.5.29.14"
#define OID_POLICY_MAPPINGS "2.5.29.33"
#define OID_POLICY_CONS "2.5.29.36"
#define OID_INHIBIT_ANY "2.5.29.54"
#define OID_AIA         "1.3.6.1.5.5.7.1.1"
#define OID_AIA_OCSP    "1.3.6.1.5.5.7.48.1"
#define OID_FRESHEST_CRL "2.5.29.46"

void nv_cert_free(struct nv_cert *c)
{
	size_t i;

	if (!c)
		return;
	free(c->der);
	free(c->sig_alg_oid);
	nv_name_free(c->subject, c->n_subject);
	nv_name_free(c->issuer, c->n_issuer);
	free(c->subject_string);
	free(c->issuer_string);
	free(c->ec_curve_oid);
	for (i = 0; i < c->n_eku; i++)
		free(c->eku_oids[i]);
	free(c->eku_oids);
	for (i = 0; i < c->n_ocsp; i++)
		free(c->ocsp_urls[i]);
	free(c->ocsp_urls);
	for (i = 0; i < c->n_crl; i++)
		free(c->crl_urls[i]);
	free(c->crl_urls);
	free(c);
}

void nv_certs_free(struct nv_cert **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		nv_cert_free(v[i]);
	free(v);
}

bool nv_cert_equal(const struct nv_cert *a, const struct nv_cert *b)
{
	return a->der_len == b->der_len && !memcmp(a->der, b->der, a->der_len);
}

static int push_string(char ***list, size_t *n, const unsigned char *s, size_t len)
{
	if (*n >= LIMIT_CERT_LIST_ITEMS || memchr(s, 0, len))
		return -1;
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = xstrndup((const char *)s, len);
	return 0;
}

/* ---- extensions ---- */

static int ext_key_usage(struct nv_cert *c, struct der val, const char **why)
{
	struct der_tlv t;
	const unsigned char *bits;
	size_t n;
	unsigned unused, i;

	*why = "x509: invalid key usage";
	if (der_read(&val, &t) < 0 || !der_empty(&val) || der_bit_string(&t, &bits, &n, &unused) < 0)
		return -1;
	c->key_usage = 0;
	for (i = 0; i < 9; i++)
		if (der_bit_at(bits, n, unused, i))
			c->key_usage |= 1u << i;
	c->has_key_usage = true;
	return 0;
}

static int ext_basic_constraints(struct nv_cert *c, struct der val, const char **why)
{
	struct der_tlv t;
	struct der seq;
	bool present;
	int64_t path_len;

	*why = "x509: invalid basic constraints";
	if (der_read_tag(&val, DER_SEQUENCE, &t) < 0 || !der_empty(&val))
		return -1;
	seq = der_contents(&t);
	if (der_read_optional(&seq, DER_BOOLEAN, &t, &present) < 0 || (present && der_boolean(&t, &c->is_ca) < 0))
		return -1;
	if (der_read_optional(&seq, DER_INTEGER, &t, &present) < 0 ||
	    (present && (der_integer_i64(&t, &path_len) < 0 || path_len < 0)))
		return -1;
	if (!der_empty(&seq))
		return -1;
	c->has_basic_constraints = true;
	if (present) {
		c->has_path_len = true;
		c->path_len = path_len > INT_MAX ? INT_MAX : (int)path_len;
	} else {
		c->path_len = -1;
	}
	return 0;
}

static int ext_eku(struct nv_cert *c, struct der val, const char **why)
{
	struct der_tlv t;
	struct der seq;

	*why = "x509: invalid extended key usages";
	if (der_read_tag(&val, DER_SEQUENCE, &t) < 0 || !der_empty(&val))
		return -1;
	seq = der_contents(&t);
	while (!der_empty(&seq)) {
		char oid[DER_OID_STR_MAX];

		if (der_read_tag(&seq, DER_OID, &t) < 0 || der_oid_tlv_string(&t, oid) < 0)
			return -1;
		if (push_string(&c->eku_oids, &c->n_eku, (const unsigned char *)oid, strlen(oid)) < 0)
			return -1;
	}
	c->has_eku = true;
	return 0;
}

static int ext_aia(struct nv_cert *c, struct der val, bool critical, const char **why)
{
	struct der_tlv t;
	struct der seq;

	if (critical) {
		*why = "x509: authority info access incorrectly marked critical";
		return -1;
	}
	*why = "x509: invalid authority info access";
	if (der_read_tag(&val, DER_SEQUENCE, &t) < 0 || !der_empty(&val))
		return -1;
	seq = der_contents(&t);
	while (!der_empty(&seq)) {
		struct der ad;
		struct der_tlv method, loc;
		char oid[DER_OID_STR_MAX];

		if (der_read_tag(&seq, DER_SEQUENCE, &t) < 0)
			return -1;
		ad = der_contents(&t);
		if (der_read_tag(&ad, DER_OID, &method) < 0 || der_oid_tlv_string(&method, oid) < 0)
			return -1;
		if (der_read(&ad, &loc) < 0 || !der_empty(&ad))
			return -1;
		if (loc.tag == DER_CTX_PRIM(6) && !strcmp(oid, OID_AIA_OCSP) &&
		    push_string(&c->ocsp_urls, &c->n_ocsp, loc.val, loc.val_len) < 0)
			return -1;
	}
	return 0;
}

static int ext_crl_dp(struct nv_cert *c, struct der val, const char **why)
{
	struct der_tlv t;
	struct der seq;

	*why = "x509: invalid CRL distribution points";
	if (der_read_tag(&val, DER_SEQUENCE, &t) < 0 || !der_empty(&val))
		return -1;
	seq = der_contents(&t);
	*why = "x509: invalid CRL distribution point";
	while (!der_empty(&seq)) {
		struct der dp, names;
		struct der_tlv name;
		bool present;

		if (der_read_tag(&seq, DER_SEQUENCE, &t) < 0)
			return -1;
		dp = der_contents(&t);
		if (der_read_optional(&dp, DER_CTX_CONS(0), &t, &present) < 0)
			return -1;
		if (!present)
			continue;
		names = der_contents(&t);
		if (der_read_tag(&names, DER_CTX_CONS(0), &t) < 0)
			continue; /* nameRelativeToCRLIssuer: no URL */
		names = der_contents(&t);
		while (!der_empty(&names)) {
			if (der_peek_tag(&names) != DER_CTX_PRIM(6))
				break;
			if (der_read(&names, &name) < 0 ||
			    push_string(&c->crl_urls, &c->n_crl, name.val, name.val_len) < 0)
				return -1;
		}
	}
	return 0;
}

/* Go parses these too; ferry checks their outer shape and Go's criticality
 * rules. *handled says whether Go counts a critical one as understood. */
static int ext_other_known(const char *oid, struct der val, bool critical, bool *handled, const char **why)
{
	struct der_tlv t;

	*handled = true;
	if (!strcmp(oid, OID_SKID)) {
		if (critical) {
			*why = "x509: subject key identifier incorrectly marked critical";
			return -1;
		}
		*why = "x509: invalid subject key identifier";
		return der_read_tag(&val, DER_OCTET_STRING, &t) < 0 || !der_empty(&val) ? -1 : 0;
	}
	if (!strcmp(oid, OID_INHIBIT_ANY)) {
		int64_t v;

		*why = "x509: invalid inhibit any policy extension";
		return der_read(&val, &t) < 0 || !der_empty(&val) || der_integer_i64(&t, &v) < 0 ? -1 : 0;
	}
	if (!strcmp(oid, OID_AKID)) {
		if (critical) {
			*why = "x509: authority key identifier incorrectly marked critical";
			return -1;
		}
		*why = "x509: invalid authority key identifier";
	} else if (!strcmp(oid, OID_POLICIES)) {
		*why = "x509: invalid certificate policies";
	} else if (!strcmp(oid, OID_POLICY_MAPPINGS)) {
		*why = "x509: invalid policy mappings extension";
	} else if (!strcmp(oid, OID_POLICY_CONS)) {
		*why = "x509: invalid policy constraints extension";
	} else if (!strcmp(oid, OID_NAME_CONS)) {
		*why = "x509: invalid NameConstraints extension";
	} else if (!strcmp(oid, OID_SAN)) {
		*why = "x509: invalid subject alternative names";
	} else {
		*handled = false;
		return 0;
	}
	if (der_read_tag(&val, DER_SEQUENCE, &t) < 0 || !der_empty(&val))
		return -1;
	if (!strcmp(oid, OID_SAN)) {
		/* Go understands rfc822Name, dNSName, URI (IA5 text) and IP addresses */
		struct der names = der_contents(&t);
		struct der_tlv name;
		size_t i;

		*handled = false;
		while (!der_empty(&names)) {
			if (der_read(&names, &name) < 0) {
				*why = "x509: invalid subject alternative name";
				return -1;
			}
			if (name.tag == DER_CTX_PRIM(1) || name.tag == DER_CTX_PRIM(2) || name.tag == DER_CTX_PRIM(6)) {
				for (i = 0; i < name.val_len; i++) {
					if (name.val[i] >= 0x80) {
						*why = name.tag == DER_CTX_PRIM(1) ? "x509: SAN rfc822Name is malformed"
						     : name.tag == DER_CTX_PRIM(2) ? "x509: SAN dNSName is malformed"
										   : "x509: SAN uniformResourceIdentifier is malformed";
						return -1;
					}
				}
				*handled = true;
			} else if (name.tag == DER_CTX_PRIM(7)) {
				static __thread char msg[64];

				if (name.val_len != 4 && name.val_len != 16) {
					snprintf(msg, sizeof(msg), "x509: cannot parse IP address of length %zu", name.val_len);
					*why = msg;
					return -1;
				}
				*handled = true;
			}
		}
	}
	return 0;
}

/* Key identifiers (path building prefers the parent whose subject key
 * identifier matches, as Go's CertPool does) and the Freshest CRL pointer
 * (CRL checks); their shape was checked with the other extensions. */
static void key_identifiers(struct nv_cert *c, const char *oid, struct der val)
{
	struct der_tlv t;

	if (!strcmp(oid, OID_SKID)) {
		if (der_read_tag(&val, DER_OCTET_STRING, &t) == 0) {
			c->skid = t.val;
			c->skid_len = t.val_len;
		}
	} else if (!strcmp(oid, OID_AKID)) {
		struct der seq;

		if (der_read_tag(&val, DER_SEQUENCE, &t) == 0) {
			seq = der_contents(&t);
			if (der_read_tag(&seq, DER_CTX_PRIM(0), &t) == 0) {
				c->akid = t.val;
				c->akid_len = t.val_len;
			}
		}
	} else if (!strcmp(oid, OID_FRESHEST_CRL)) {
		c->has_freshest_crl = true;
	}
}

static int parse_extensions(struct nv_cert *c, struct der exts, const char **why)
{
	static __thread char msg[DER_OID_STR_MAX + 80];
	char seen[LIMIT_CERT_EXTENSIONS][DER_OID_STR_MAX];
	size_t n = 0, i;

	while (!der_empty(&exts)) {
		struct der ext;
		struct der_tlv t, id, crit, value;
		char oid[DER_OID_STR_MAX];
		bool critical = false, present, handled = true;
		struct der val;
		int rc = 0;

		if (der_read_tag(&exts, DER_SEQUENCE, &t) < 0) {
			*why = "x509: malformed extension";
			return -1;
		}
		ext = der_contents(&t);
		if (der_read_tag(&ext, DER_OID, &id) < 0 || der_oid_tlv_string(&id, oid) < 0) {
			*why = "x509: malformed extension OID field";
			return -1;
		}
		if (der_read_optional(&ext, DER_BOOLEAN, &crit, &present) < 0 ||
		    (present && der_boolean(&crit, &critical) < 0)) {
			*why = "x509: malformed extension critical field";
			return -1;
		}
		if (der_read_tag(&ext, DER_OCTET_STRING, &value) < 0 || !der_empty(&ext)) {
			*why = "x509: malformed extension value field";
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (!strcmp(seen[i], oid)) {
				snprintf(msg, sizeof(msg), "x509: certificate contains duplicate extension with OID \"%s\"",
					 oid);
				*why = msg;
				return -1;
			}
		}
		if (n == LIMIT_CERT_EXTENSIONS) {
			*why = "x509: too many extensions";
			return -1;
		}
		memcpy(seen[n++], oid, sizeof(oid));
		val = der_contents(&value);
		if (!strcmp(oid, OID_KEY_USAGE)) {
			rc = ext_key_usage(c, val, why);
			c->key_usage_critical = critical;
		} else if (!strcmp(oid, OID_BASIC_CONS)) {
			rc = ext_basic_constraints(c, val, why);
		} else if (!strcmp(oid, OID_EXT_KU)) {
			rc = ext_eku(c, val, why);
			c->eku_critical = critical;
		} else if (!strcmp(oid, OID_AIA)) {
			rc = ext_aia(c, val, critical, why);
		} else if (!strcmp(oid, OID_CRL_DP)) {
			rc = ext_crl_dp(c, val, why);
		} else {
			rc = ext_other_known(oid, val, critical, &handled, why);
		}
		if (rc < 0)
			return -1;
		if (critical && !handled)
			c->has_unknown_critical_ext = true;
		key_identifiers(c, oid, der_contents(&value));
	}
	return 0;
}

/* ---- the certificate ---- */

static int parse_algorithm_identifier(const struct der_tlv *seq, struct nv_cert *c, const char **why)
{
	struct der ai = der_contents(seq);
	struct der_tlv oid, params;
	char s[DER_OID_STR_MAX];

	if (der_read_tag(&ai, DER_OID, &oid) < 0 || der_oid_tlv_string(&oid, s) < 0) {
		*why = "x509: malformed OID";
		return -1;
	}
	if (!der_empty(&ai)) {
		if (der_read(&ai, &params) < 0 || !der_empty(&ai)) {
			*why = "x509: malformed parameters";
			return -1;
		}
		c->sig_alg_params = params.raw;
		c->sig_alg_params_len = params.raw_len;
	}
	c->sig_alg_oid = xstrdup(s);
	return 0;
}

/* The issuer or the subject: where its DER is and its attributes (Go calls
 * a malformed subject a "malformed issuer" too). */
static int read_name(struct der *tbs, const unsigned char **raw, size_t *raw_len, struct nv_name_attr **attrs,
		     size_t *n, const char **why)
{
	struct der_tlv t;

	if (der_read_tag(tbs, DER_SEQUENCE, &t) < 0) {
		*why = "x509: malformed issuer";
		return -1;
	}
	*raw = t.raw;
	*raw_len = t.raw_len;
	return nv_name_parse(t.raw, t.raw_len, attrs, n, why);
}

/* notBefore or notAfter. */
static int read_validity_time(const struct der_tlv *t, int64_t *out, const char **why)
{
	if (t->tag != DER_UTC_TIME && t->tag != DER_GENERALIZED_TIME) {
		*why = "x509: unsupported time format";
		return -1;
	}
	if (der_time(t, out) < 0) {
		*why = t->tag == DER_UTC_TIME ? "x509: malformed UTCTime" : "x509: malformed GeneralizedTime";
		return -1;
	}
	return 0;
}

static int parse_tbs(struct nv_cert *c, const struct der_tlv *tbs_el, const struct der_tlv *outer_ai,
		     const char **why)
{
	struct der tbs = der_contents(tbs_el), d;
	struct der_tlv t, v, sig_ai, before, after;
	struct nvc_key key;
	int64_t version = 0;
	bool present;
	const unsigned char *serial;
	size_t serial_len;

	if (der_read_optional(&tbs, DER_CTX_CONS(0), &t, &present) < 0) {
		*why = "x509: malformed version";
		return -1;
	}
	if (present) {
		d = der_contents(&t);
		if (der_read(&d, &v) < 0 || !der_empty(&d) || der_integer_i64(&v, &version) < 0 || version < 0) {
			*why = "x509: malformed version";
			return -1;
		}
	}
	if (version > 2) {
		*why = "x509: invalid version";
		return -1;
	}
	c->version = (int)version + 1;

	if (der_read_tag(&tbs, DER_INTEGER, &t) < 0 || !der_integer_valid(t.val, t.val_len)) {
		*why = "x509: malformed serial number";
		return -1;
	}
	if (der_integer_negative(t.val, t.val_len)) {
		*why = "x509: negative serial number";
		return -1;
	}
	c->serial = t.val;
	c->serial_len = t.val_len;
	serial = t.val;
	serial_len = t.val_len;
	if (serial_len > 1 && serial[0] == 0)
		serial_len--;
	if (serial_len > 20) {
		*why = "x509: serial number longer than 20 octets";
		return -1;
	}

	if (der_read_tag(&tbs, DER_SEQUENCE, &sig_ai) < 0) {
		*why = "x509: malformed signature algorithm identifier";
		return -1;
	}
	if (sig_ai.val_len != outer_ai->val_len || memcmp(sig_ai.val, outer_ai->val, sig_ai.val_len)) {
		*why = "x509: inner and outer signature algorithm identifiers don't match";
		return -1;
	}
	if (parse_algorithm_identifier(&sig_ai, c, why) < 0)
		return -1;

	if (read_name(&tbs, &c->raw_issuer, &c->raw_issuer_len, &c->issuer, &c->n_issuer, why) < 0)
		return -1;

	if (der_read_tag(&tbs, DER_SEQUENCE, &t) < 0) {
		*why = "x509: malformed validity";
		return -1;
	}
	d = der_contents(&t);
	if (der_read(&d, &before) < 0 || der_read(&d, &after) < 0 || !der_empty(&d)) {
		*why = "x509: malformed validity";
		return -1;
	}
	if (read_validity_time(&before, &c->not_before, why) < 0 || read_validity_time(&after, &c->not_after, why) < 0)
		return -1;

	if (read_name(&tbs, &c->raw_subject, &c->raw_subject_len, &c->subject, &c->n_subject, why) < 0)
		return -1;

	if (der_read_tag(&tbs, DER_SEQUENCE, &t) < 0) {
		*why = "x509: malformed spki";
		return -1;
	}
	c->spki = t.raw;
	c->spki_len = t.raw_len;
	if (nvc_parse_spki(t.raw, t.raw_len, &key, why) < 0)
		return -1;
	switch (key.kind) {
	case NVC_KEY_RSA:
		c->key_type = NV_KEY_RSA;
		c->key_bits = key.rsa_bits;
		break;
	case NVC_KEY_EC:
		c->key_type = NV_KEY_EC;
		c->key_bits = key.ec_bits;
		c->ec_curve_oid = xstrdup(key.ec_curve_oid);
		break;
	default:
		c->key_type = NV_KEY_OTHER;
		break;
	}

	if (c->version > 1) {
		if (der_read_optional(&tbs, DER_CTX_PRIM(1), &t, &present) < 0) {
			*why = "x509: malformed issuerUniqueID";
			return -1;
		}
		if (der_read_optional(&tbs, DER_CTX_PRIM(2), &t, &present) < 0) {
			*why = "x509: malformed subjectUniqueID";
			return -1;
		}
	}
	if (c->version == 3) {
		if (der_read_optional(&tbs, DER_CTX_CONS(3), &t, &present) < 0) {
			*why = "x509: malformed extensions";
			return -1;
		}
		if (present) {
			d = der_contents(&t);
			if (der_read_tag(&d, DER_SEQUENCE, &t) < 0 || !der_empty(&d)) {
				*why = "x509: malformed extensions";
				return -1;
			}
			if (parse_extensions(c, der_contents(&t), why) < 0)
				return -1;
		}
	}
	if (!der_empty(&tbs)) {
		*why = "x509: malformed tbs certificate";
		return -1;
	}
	return 0;
}

static int parse_certificate(struct nv_cert *c, const char **why)
{
	struct der_tlv outer, tbs, ai, sig;
	struct der body;
	const unsigned char *bits;
	size_t nbits;
	unsigned unused;

	if (der_parse_tlv(c->der, c->der_len, &outer) < 0 || outer.tag != DER_SEQUENCE) {
		*why = "x509: malformed certificate";
		return -1;
	}
	if (der_check_tree(outer.raw, outer.raw_len, LIMIT_DER_DEPTH) < 0) {
		*why = "x509: malformed certificate";
		return -1;
	}
	body = der_contents(&outer);
	if (der_read_tag(&body, DER_SEQUENCE, &tbs) < 0) {
		*why = "x509: malformed tbs certificate";
		return -1;
	}
	c->tbs = tbs.raw;
	c->tbs_len = tbs.raw_len;
	if (der_read_tag(&body, DER_SEQUENCE, &ai) < 0) {
		*why = "x509: malformed algorithm identifier";
		return -1;
	}
	if (parse_tbs(c, &tbs, &ai, why) < 0)
		return -1;
	if (der_read_tag(&body, DER_BIT_STRING, &sig) < 0 || der_bit_string(&sig, &bits, &nbits, &unused) < 0 ||
	    unused != 0) {
		*why = "x509: malformed signature";
		return -1;
	}
	c->signature = bits;
	c->signature_len = nbits;
	if (!der_empty(&body)) {
		*why = "x509: malformed certificate";
		return -1;
	}
	if (outer.raw_len != c->der_len) {
		*why = "x509: trailing data";
		return -1;
	}
	return 0;
}

int nv_cert_parse_der(const void *der, size_t len, struct nv_cert **out, struct ferry_err *e)
{
	struct nv_cert *c;
	const char *why = NULL;

	*out = NULL;
	if (len > LIMIT_CERT_BYTES)
		return ferr_set(e, REASON, "x509: certificate larger than %llu bytes",
				(unsigned long long)LIMIT_CERT_BYTES);
	c = xcalloc(1, sizeof(*c));
	c->der = xmalloc(len ? len : 1);
	memcpy(c->der, der, len);
	c->der_len = len;
	c->path_len = -1;
	if (parse_certificate(c, &why) < 0) {
		nv_cert_free(c);
		return ferr_set(e, REASON, "%s", why);
	}
	c->subject_string = nv_name_string(c->subject, c->n_subject);
	c->issuer_string = nv_name_string(c->issuer, c->n_issuer);
	sha256_raw(c->der, c->der_len, c->sha256);
	*out = c;
	return 0;
}

/* ---- PEM (Go's encoding/pem Decode) ---- */

struct span {
	const char *p;
	size_t n;
};

static struct span get_line(struct span *rest)
{
	const char *nl = memchr(rest->p, '\n', rest->n);
	struct span line = { rest->p, nl ? (size_t)(nl - rest->p) : rest->n };

	if (nl) {
		rest->n -= line.n + 1;
		rest->p = nl + 1;
		if (line.n > 0 && line.p[line.n - 1] == '\r')
			line.n--;
	} else {
		rest->p += rest->n;
		rest->n = 0;
	}
	while (line.n > 0 && (line.p[line.n - 1] == ' ' || line.p[line.n - 1] == '\t'))
		line.n--;
	return line;
}

static bool has_prefix(struct span s, const char *prefix)
{
	size_t n = strlen(prefix);
	return s.n >= n && !memcmp(s.p, prefix, n);
}

static const char *find(struct span s, const char *needle)
{
	return memmem(s.p, s.n, needle, strlen(needle));
}

/* Next PEM block in *rest (any type). 1 with the decoded bytes in out, 0 if
 * there is none. */
static int pem_next(struct span *rest, struct buf *out)
{
	static const char begin[] = "\n-----BEGIN ", end[] = "\n-----END ", dashes[] = "-----";

	for (;;) {
		struct span type, body, trailer;
		const char *hit;
		size_t end_index, trailer_index, type_len, i;
		bool headers = false;
		char *b64;
		int rc;

		if (has_prefix(*rest, begin + 1)) {
			rest->p += sizeof(begin) - 2;
			rest->n -= sizeof(begin) - 2;
		} else if ((hit = find(*rest, begin))) {
			rest->n -= (size_t)(hit - rest->p) + sizeof(begin) - 1;
			rest->p = hit + sizeof(begin) - 1;
		} else {
			return 0;
		}
		type = get_line(rest);
		if (type.n < 5 || memcmp(type.p + type.n - 5, dashes, 5))
			continue;
		type_len = type.n - 5;
		for (;;) {
			struct span next = *rest, line;

			if (rest->n == 0)
				return 0;
			line = get_line(&next);
			if (!memchr(line.p, ':', line.n))
				break;
			headers = true;
			*rest = next;
		}
		if (!headers && has_prefix(*rest, end + 1)) {
			end_index = 0;
			trailer_index = sizeof(end) - 2;
		} else {
			if (!(hit = find(*rest, end)))
				continue;
			end_index = (size_t)(hit - rest->p);
			trailer_index = end_index + sizeof(end) - 1;
		}
		trailer.p = rest->p + trailer_index;
		trailer.n = rest->n - trailer_index;
		if (trailer.n < type_len + 5 || memcmp(trailer.p, type.p, type_len) ||
		    memcmp(trailer.p + type_len, dashes, 5))
			continue;
		trailer.p += type_len + 5;
		trailer.n -= type_len + 5;
		if (get_line(&trailer).n != 0)
			continue;
		body.p = rest->p;
		body.n = end_index;
		b64 = xmalloc(body.n + 1);
		for (i = 0, type_len = 0; i < body.n; i++)
			if (body.p[i] != ' ' && body.p[i] != '\t')
				b64[type_len++] = body.p[i];
		rc = b64_decode_std(b64, type_len, LIMIT_CERT_BYTES + 1, out, NULL);
		free(b64);
		if (rc < 0)
			continue;
		rest->p += end_index + sizeof(end) - 2;
		rest->n -= end_index + sizeof(end) - 2;
		get_line(rest);
		return 1;
	}
}

static int add_cert(struct nv_cert ***v, size_t *n, const void *der, size_t len, struct ferry_err *e)
{
	struct nv_cert *c;

	if (*n >= LIMIT_TRUST_CERTS)
		return ferr_set(e, REASON, "more than %d certificates", LIMIT_TRUST_CERTS);
	if (nv_cert_parse_der(der, len, &c, e) < 0)
		return -1;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = c;
	return 0;
}

int nv_certs_parse(const void *data, size_t len, struct nv_cert ***out, size_t *n, struct ferry_err *e)
{
	struct span rest = { data, len };
	struct buf block = BUF_INIT(0);
	struct nv_cert **v = NULL;
	size_t count = 0;
	int found;

	*out = NULL;
	*n = 0;
	found = pem_next(&rest, &block);
	if (!found) {
		/* concatenated DER, as Go's x509.ParseCertificates */
		const unsigned char *p = data;
		size_t left = len;

		while (left > 0) {
			struct der_tlv t;
			size_t take = der_parse_tlv(p, left, &t) == 0 ? t.raw_len : left;

			if (add_cert(&v, &count, p, take, e) < 0)
				goto fail;
			p += take;
			left -= take;
		}
	}
	while (found) {
		int rc = add_cert(&v, &count, block.data, block.len, e);

		buf_free(&block);
		if (rc < 0)
			goto fail;
		found = pem_next(&rest, &block);
	}
	*out = v;
	*n = count;
	return 0;
fail:
	nv_certs_free(v, count);
	return -1;
}
