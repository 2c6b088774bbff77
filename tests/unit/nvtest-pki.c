/* nvtest-pki.c - run-time test keys, certificates, signatures and Notation
 * envelopes on wolfCrypt (test code only). */
#include "nvtest-pki.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include "notation/cert.h"
#include "notation/der.h"
#include "util/b64.h"
#include "util/mem.h"

struct tkey {
	bool rsa;
	int bits;
	RsaKey rsa_key;
	ecc_key ec;
	WC_RNG rng;
	unsigned char spki[2048];
	size_t spki_len;
};

static void die(const char *what, int rc)
{
	fprintf(stderr, "nvtest-pki: %s failed: %d\n", what, rc);
	abort();
}

struct tkey *tkey_rsa(int bits)
{
	struct tkey *k = xcalloc(1, sizeof(*k));
	int rc;

	k->rsa = true;
	k->bits = bits;
	if ((rc = wc_InitRng(&k->rng)) != 0)
		die("wc_InitRng", rc);
	wc_InitRsaKey(&k->rsa_key, NULL);
	if ((rc = wc_MakeRsaKey(&k->rsa_key, bits, 65537, &k->rng)) != 0)
		die("wc_MakeRsaKey", rc);
	wc_RsaSetRNG(&k->rsa_key, &k->rng);
	rc = wc_RsaKeyToPublicDer(&k->rsa_key, k->spki, sizeof(k->spki));
	if (rc <= 0)
		die("wc_RsaKeyToPublicDer", rc);
	k->spki_len = (size_t)rc;
	return k;
}

struct tkey *tkey_ec(int bits)
{
	struct tkey *k = xcalloc(1, sizeof(*k));
	int curve = bits == 256 ? ECC_SECP256R1 : bits == 384 ? ECC_SECP384R1 : ECC_SECP521R1;
	int rc;

	k->bits = bits;
	if ((rc = wc_InitRng(&k->rng)) != 0)
		die("wc_InitRng", rc);
	wc_ecc_init(&k->ec);
	if ((rc = wc_ecc_make_key_ex(&k->rng, (bits + 7) / 8, &k->ec, curve)) != 0)
		die("wc_ecc_make_key_ex", rc);
	rc = wc_EccPublicKeyToDer(&k->ec, k->spki, sizeof(k->spki), 1);
	if (rc <= 0)
		die("wc_EccPublicKeyToDer", rc);
	k->spki_len = (size_t)rc;
	return k;
}

void tkey_free(struct tkey *k)
{
	if (!k)
		return;
	if (k->rsa)
		wc_FreeRsaKey(&k->rsa_key);
	else
		wc_ecc_free(&k->ec);
	wc_FreeRng(&k->rng);
	free(k);
}

/* ---- DER writing ---- */

/* Wrap the contents of inner as one element of out, then free inner. */
static void wrap(struct buf *out, unsigned tag, struct buf *inner)
{
	der_put_tlv(out, tag, inner->data, inner->len);
	buf_free(inner);
}

static void oid(struct buf *b, const char *dotted)
{
	unsigned char enc[64];
	size_t n = 0;
	unsigned long a, c;
	const char *p = dotted;
	char *end;

	a = strtoul(p, &end, 10);
	p = end + 1;
	c = strtoul(p, &end, 10);
	c += a * 40;
	for (;;) {
		unsigned char tmp[8];
		int k = 0;

		do {
			tmp[k++] = (unsigned char)(c & 0x7f);
			c >>= 7;
		} while (c);
		while (k--)
			enc[n++] = (unsigned char)(tmp[k] | (k ? 0x80 : 0));
		if (*end != '.')
			break;
		p = end + 1;
		c = strtoul(p, &end, 10);
	}
	der_put_tlv(b, 0x06, enc, n);
}

static void name(struct buf *out, const char *cn, const char *org)
{
	struct buf seq = BUF_INIT(0), set = BUF_INIT(0), atv = BUF_INIT(0);

	if (org) {
		oid(&atv, "2.5.4.10");
		der_put_tlv(&atv, 0x0c, org, strlen(org));
		wrap(&set, 0x30, &atv);
		wrap(&seq, 0x31, &set);
	}
	oid(&atv, "2.5.4.3");
	der_put_tlv(&atv, 0x0c, cn, strlen(cn));
	wrap(&set, 0x30, &atv);
	wrap(&seq, 0x31, &set);
	wrap(out, 0x30, &seq);
}

/* UTCTime before 2050, GeneralizedTime from then on (RFC 5280). */
static void put_time(struct buf *out, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];

	gmtime_r(&tt, &tm);
	strftime(s, sizeof(s), "%Y%m%d%H%M%SZ", &tm);
	if (tm.tm_year + 1900 < 2050)
		der_put_tlv(out, 0x17, s + 2, strlen(s) - 2); /* UTCTime: two-digit year */
	else
		der_put_tlv(out, 0x18, s, strlen(s));
}

static void extension(struct buf *exts, const char *id, bool critical, struct buf *value)
{
	struct buf e = BUF_INIT(0);

	oid(&e, id);
	if (critical)
		der_put_tlv(&e, 0x01, "\xff", 1);
	wrap(&e, 0x04, value);
	wrap(exts, 0x30, &e);
}

/* CRLDistributionPoints-shaped extension: one point per URL, fullName URI. */
static void dist_points(struct buf *exts, const char *id, const char *url, const char *url2)
{
	struct buf seq = BUF_INIT(0), v = BUF_INIT(0);

	for (int k = 0; k < 2; k++) {
		const char *u = k == 0 ? url : url2;
		struct buf uri = BUF_INIT(0), full = BUF_INIT(0), dpn = BUF_INIT(0);

		if (!u)
			continue;
		der_put_tlv(&uri, 0x86, u, strlen(u));
		wrap(&full, 0xa0, &uri);
		wrap(&dpn, 0xa0, &full);
		wrap(&seq, 0x30, &dpn);
	}
	wrap(&v, 0x30, &seq);
	extension(exts, id, false, &v);
}

static void hash_of(int hash_bits, const void *data, size_t len, unsigned char *out, size_t *out_len,
		    enum wc_HashType *type)
{
	*type = hash_bits == 1 ? WC_HASH_TYPE_SHA
	      : hash_bits == 384 ? WC_HASH_TYPE_SHA384
	      : hash_bits == 512 ? WC_HASH_TYPE_SHA512 : WC_HASH_TYPE_SHA256;
	*out_len = (size_t)wc_HashGetDigestSize(*type);
	if (wc_Hash(*type, data, (word32)len, out, (word32)*out_len) != 0)
		die("wc_Hash", 0);
}

/* PKCS#1 v1.5 or DER ECDSA signature of a certificate body. */
static void sign_tbs(const struct tkey *k, bool sha1, const struct buf *tbs, struct buf *sig)
{
	struct tkey *mk = (struct tkey *)k;
	unsigned char digest[64], out[1024];
	size_t dlen;
	enum wc_HashType type;
	word32 olen = sizeof(out);
	int rc;

	hash_of(sha1 ? 1 : 256, tbs->data, tbs->len, digest, &dlen, &type);
	if (k->rsa) {
		unsigned char info[128];
		word32 ilen = wc_EncodeSignature(info, digest, (word32)dlen, sha1 ? 88 /* SHAh */ : 414 /* SHA256h */);

		rc = wc_RsaSSL_Sign(info, ilen, out, olen, &mk->rsa_key, &mk->rng);
		if (rc <= 0)
			die("wc_RsaSSL_Sign", rc);
		olen = (word32)rc;
	} else {
		rc = wc_ecc_sign_hash(digest, (word32)dlen, out, &olen, &mk->rng, &mk->ec);
		if (rc != 0)
			die("wc_ecc_sign_hash", rc);
	}
	buf_init(sig, 0);
	buf_append(sig, out, olen);
}

void tcert_make(const struct tkey *k, const struct tcert_opts *o, struct buf *der)
{
	static const char *const code_signing[] = { "1.3.6.1.5.5.7.3.3", NULL };
	const struct tkey *signer = o->issuer_key ? o->issuer_key : k;
	struct buf tbs = BUF_INIT(0), t = BUF_INIT(0), exts = BUF_INIT(0), v = BUF_INIT(0), w = BUF_INIT(0);
	struct buf alg = BUF_INIT(0), sig = BUF_INIT(0), cert = BUF_INIT(0);
	unsigned char serial[9];
	const char *sig_oid = NULL;
	unsigned ku;
	size_t i;

	/* version 3 */
	der_put_tlv(&v, 0x02, "\x02", 1);
	wrap(&tbs, 0xa0, &v);
	/* serial */
	serial[0] = 0x01;
	for (i = 1; i < sizeof(serial); i++)
		serial[i] = (unsigned char)rand();
	der_put_tlv(&tbs, 0x02, serial, sizeof(serial));
	/* signature algorithm */
	if (signer->rsa && o->pss_salt) {
		struct buf params = BUF_INIT(0), h = BUF_INIT(0), m = BUF_INIT(0), x = BUF_INIT(0);
		unsigned char salt = (unsigned char)(o->pss_params_salt ? o->pss_params_salt : o->pss_salt);

		oid(&h, "2.16.840.1.101.3.4.2.1");
		der_put_tlv(&h, 0x05, "", 0);
		wrap(&x, 0x30, &h);
		wrap(&params, 0xa0, &x);
		oid(&m, "1.2.840.113549.1.1.8");
		oid(&h, "2.16.840.1.101.3.4.2.1");
		der_put_tlv(&h, 0x05, "", 0);
		wrap(&m, 0x30, &h);
		wrap(&x, 0x30, &m);
		wrap(&params, 0xa1, &x);
		der_put_tlv(&x, 0x02, &salt, 1);
		wrap(&params, 0xa2, &x);
		oid(&alg, "1.2.840.113549.1.1.10");
		wrap(&alg, 0x30, &params);
	} else if (signer->rsa) {
		sig_oid = o->sha1 ? "1.2.840.113549.1.1.5" : "1.2.840.113549.1.1.11";
		oid(&alg, sig_oid);
		der_put_tlv(&alg, 0x05, "", 0);
	} else {
		sig_oid = o->sha1 ? "1.2.840.10045.4.1" : "1.2.840.10045.4.3.2";
		oid(&alg, sig_oid);
	}
	{
		struct buf copy = BUF_INIT(0);
		buf_append(&copy, alg.data, alg.len);
		wrap(&tbs, 0x30, &copy);
	}
	/* issuer, validity, subject, key */
	name(&tbs, o->issuer_key ? o->issuer_cn : o->cn, o->issuer_key ? o->issuer_org : o->org);
	put_time(&t, o->not_before ? o->not_before : 1577836800);   /* 2020-01-01 */
	put_time(&t, o->not_after ? o->not_after : 4733510400);     /* 2120-01-01 */
	wrap(&tbs, 0x30, &t);
	name(&tbs, o->cn, o->org);
	buf_append(&tbs, k->spki, k->spki_len);
	/* extensions */
	if (o->is_ca) {
		der_put_tlv(&w, 0x01, "\xff", 1);
		if (o->path_len >= 0) {
			unsigned char pl = (unsigned char)o->path_len;
			der_put_tlv(&w, 0x02, &pl, 1);
		}
		wrap(&v, 0x30, &w);
		extension(&exts, "2.5.29.19", true, &v);
	} else if (!o->no_basic_constraints) {
		wrap(&v, 0x30, &w);
		extension(&exts, "2.5.29.19", true, &v);
	}
	if (!o->no_key_usage) {
		unsigned char bits[3] = { 0, 0, 0 };
		int top = -1;

		ku = o->key_usage ? o->key_usage : o->is_ca ? NV_KU_KEY_CERT_SIGN : NV_KU_DIGITAL_SIGNATURE;
		for (i = 0; i < 9; i++) {
			if (ku & (1u << i)) {
				bits[1 + i / 8] |= (unsigned char)(0x80 >> (i % 8));
				top = (int)i;
			}
		}
		bits[0] = (unsigned char)(7 - top % 8);
		der_put_tlv(&v, 0x03, bits, (size_t)(2 + top / 8));
		extension(&exts, "2.5.29.15", !o->key_usage_not_critical, &v);
	}
	if (!o->is_ca || o->ekus) {
		const char *const *list = o->ekus ? o->ekus : code_signing;

		for (i = 0; list[i]; i++)
			oid(&w, list[i]);
		wrap(&v, 0x30, &w);
		extension(&exts, "2.5.29.37", o->eku_critical, &v);
	}
	if (o->ocsp_url) {
		struct buf ad = BUF_INIT(0);

		for (int slot = 0; slot < 2; slot++) {
			const char *u = slot == 0 ? o->ocsp_url : o->ocsp_url2;

			if (!u)
				continue;
			oid(&ad, "1.3.6.1.5.5.7.48.1");
			der_put_tlv(&ad, 0x86, u, strlen(u));
			wrap(&w, 0x30, &ad);
		}
		wrap(&v, 0x30, &w);
		extension(&exts, "1.3.6.1.5.5.7.1.1", false, &v);
	}
	if (o->crl_url)
		dist_points(&exts, "2.5.29.31", o->crl_url, o->crl_url2);
	if (o->freshest_url)
		dist_points(&exts, "2.5.29.46", o->freshest_url, NULL);
	if (o->skid) {
		unsigned char id[20];
		size_t idl;
		enum wc_HashType ht;

		hash_of(1, k->spki, k->spki_len, id, &idl, &ht);
		der_put_tlv(&v, 0x04, id, idl);
		extension(&exts, "2.5.29.14", false, &v);
	}
	if (o->extra_ext_oid) {
		buf_append(&v, o->extra_ext_value, o->extra_ext_len);
		extension(&exts, o->extra_ext_oid, o->extra_ext_critical, &v);
	}
	wrap(&w, 0x30, &exts);
	wrap(&tbs, 0xa3, &w);
	{
		struct buf tbs_el = BUF_INIT(0);

		wrap(&tbs_el, 0x30, &tbs);
		if (signer->rsa && o->pss_salt)
			tsign_pss(signer, 256, tbs_el.data, tbs_el.len, o->pss_salt, &sig);
		else
			sign_tbs(signer, o->sha1, &tbs_el, &sig);
		buf_append(&cert, tbs_el.data, tbs_el.len);
		buf_free(&tbs_el);
	}
	wrap(&cert, 0x30, &alg);
	{
		unsigned char zero = 0;
		struct buf bs = BUF_INIT(0);

		buf_append(&bs, &zero, 1);
		buf_append(&bs, sig.data, sig.len);
		wrap(&cert, 0x03, &bs);
	}
	buf_free(&sig);
	buf_init(der, 0);
	wrap(der, 0x30, &cert);
}

/* ---- signatures ---- */

void tsign_pss(const struct tkey *k, int hash_bits, const void *data, size_t len, int salt_len, struct buf *sig)
{
	struct tkey *mk = (struct tkey *)k;
	unsigned char digest[64], out[1024];
	size_t dlen;
	enum wc_HashType type;
	int mgf = hash_bits == 384 ? WC_MGF1SHA384 : hash_bits == 512 ? WC_MGF1SHA512 : WC_MGF1SHA256;
	int rc;

	hash_of(hash_bits, data, len, digest, &dlen, &type);
	rc = wc_RsaPSS_Sign_ex(digest, (word32)dlen, out, sizeof(out), type, mgf, salt_len, &mk->rsa_key, &mk->rng);
	if (rc <= 0)
		die("wc_RsaPSS_Sign_ex", rc);
	buf_init(sig, 0);
	buf_append(sig, out, (size_t)rc);
}

void tsign_ecdsa_raw(const struct tkey *k, int hash_bits, const void *data, size_t len, struct buf *sig)
{
	struct tkey *mk = (struct tkey *)k;
	unsigned char digest[64], der[256], r[80], s[80], raw[160];
	size_t dlen, half = (size_t)(k->bits + 7) / 8;
	enum wc_HashType type;
	word32 der_len = sizeof(der), rl = sizeof(r), sl = sizeof(s);
	int rc;

	hash_of(hash_bits, data, len, digest, &dlen, &type);
	if ((rc = wc_ecc_sign_hash(digest, (word32)dlen, der, &der_len, &mk->rng, &mk->ec)) != 0)
		die("wc_ecc_sign_hash", rc);
	if ((rc = wc_ecc_sig_to_rs(der, der_len, r, &rl, s, &sl)) != 0)
		die("wc_ecc_sig_to_rs", rc);
	memset(raw, 0, sizeof(raw));
	memcpy(raw + half - rl, r, rl);
	memcpy(raw + 2 * half - sl, s, sl);
	buf_init(sig, 0);
	buf_append(sig, raw, 2 * half);
}

static void sign_for(const struct tkey *k, int hash_bits, bool salt_set, int salt, const void *data, size_t len,
		     struct buf *sig)
{
	if (k->rsa)
		tsign_pss(k, hash_bits, data, len, salt_set ? salt : hash_bits / 8, sig);
	else
		tsign_ecdsa_raw(k, hash_bits, data, len, sig);
}

char *tb64url(const void *p, size_t n)
{
	return b64_encode_url_raw(p, n);
}

void tjws_make(const struct tkey *k, const struct tjws *j, struct buf *out)
{
	_cleanup_free_ char *prot = tb64url(j->protected_json, strlen(j->protected_json));
	_cleanup_free_ char *pay = tb64url(j->payload, strlen(j->payload));
	_cleanup_free_ char *input = xasprintf("%s.%s", prot, pay);
	_cleanup_free_ char *sig64 = NULL;
	struct buf sig;
	size_t i;

	sign_for(k, j->hash_bits ? j->hash_bits : 256, j->pss_salt_set, j->pss_salt, input, strlen(input), &sig);
	sig64 = tb64url(sig.data, sig.len);
	buf_free(&sig);
	buf_init(out, 0);
	buf_printf(out, "{\"payload\":\"%s\",\"protected\":\"%s\",\"header\":{\"x5c\":[", pay, prot);
	for (i = 0; i < j->n_certs; i++) {
		_cleanup_free_ char *c = b64_encode_std(j->certs[i].data, j->certs[i].len);
		buf_printf(out, "%s\"%s\"", i ? "," : "", c);
	}
	buf_printf(out, "]%s%s},\"signature\":\"%s\"}", j->extra_header ? "," : "",
		   j->extra_header ? j->extra_header : "", sig64);
}

/* ---- CBOR / COSE ---- */

void tcbor_head(struct buf *b, unsigned major, uint64_t arg)
{
	unsigned char h[9];
	size_t n;

	if (arg < 24) {
		h[0] = (unsigned char)(major << 5 | arg);
		n = 1;
	} else if (arg <= 0xff) {
		h[0] = (unsigned char)(major << 5 | 24);
		h[1] = (unsigned char)arg;
		n = 2;
	} else if (arg <= 0xffff) {
		h[0] = (unsigned char)(major << 5 | 25);
		h[1] = (unsigned char)(arg >> 8);
		h[2] = (unsigned char)arg;
		n = 3;
	} else if (arg <= 0xffffffffu) {
		h[0] = (unsigned char)(major << 5 | 26);
		for (n = 0; n < 4; n++)
			h[1 + n] = (unsigned char)(arg >> (24 - 8 * n));
		n = 5;
	} else {
		h[0] = (unsigned char)(major << 5 | 27);
		for (n = 0; n < 8; n++)
			h[1 + n] = (unsigned char)(arg >> (56 - 8 * n));
		n = 9;
	}
	buf_append(b, h, n);
}

void tcbor_bstr(struct buf *b, const void *p, size_t n)
{
	tcbor_head(b, 2, n);
	buf_append(b, p, n);
}

void tcbor_tstr(struct buf *b, const char *s)
{
	tcbor_head(b, 3, strlen(s));
	buf_append(b, s, strlen(s));
}

void tcbor_int(struct buf *b, int64_t v)
{
	if (v >= 0)
		tcbor_head(b, 0, (uint64_t)v);
	else
		tcbor_head(b, 1, (uint64_t)(-1 - v));
}

void tcose_protected(int alg, int64_t signing_time, struct buf *out)
{
	buf_init(out, 0);
	tcbor_head(out, 5, 5);
	tcbor_int(out, 1);
	tcbor_int(out, alg);
	tcbor_int(out, 2);
	tcbor_head(out, 4, 1);
	tcbor_tstr(out, "io.cncf.notary.signingScheme");
	tcbor_int(out, 3);
	tcbor_tstr(out, "application/vnd.cncf.notary.payload.v1+json");
	tcbor_tstr(out, "io.cncf.notary.signingTime");
	tcbor_head(out, 6, 1);
	tcbor_int(out, signing_time);
	tcbor_tstr(out, "io.cncf.notary.signingScheme");
	tcbor_tstr(out, "notary.x509");
}

void tcose_make(const struct tkey *k, const struct tcose *c, struct buf *out)
{
	struct buf tbs = BUF_INIT(0), sig;
	size_t i, plen = strlen(c->payload);

	buf_append(&tbs, "\x84\x6aSignature1", 12);
	tcbor_bstr(&tbs, c->protected_map->data, c->protected_map->len);
	buf_append(&tbs, "\x40", 1);
	tcbor_bstr(&tbs, c->payload, plen);
	sign_for(k, c->hash_bits ? c->hash_bits : 256, c->pss_salt_set, c->pss_salt, tbs.data, tbs.len, &sig);
	buf_free(&tbs);

	buf_init(out, 0);
	buf_append(out, "\xd2\x84", 2);
	tcbor_bstr(out, c->protected_map->data, c->protected_map->len);
	tcbor_head(out, 5, c->n_unprotected + (c->n_certs ? 1 : 0));
	if (c->n_certs) {
		tcbor_int(out, 33);
		tcbor_head(out, 4, c->n_certs);
		for (i = 0; i < c->n_certs; i++)
			tcbor_bstr(out, c->certs[i].data, c->certs[i].len);
	}
	buf_append(out, c->unprotected_pairs, c->unprotected_pairs_len);
	tcbor_bstr(out, c->payload, plen);
	tcbor_bstr(out, sig.data, sig.len);
	buf_free(&sig);
}

/* ---- RFC 3161 tokens, CRLs, OCSP responses ---- */

static void gen_time(struct buf *out, int64_t t, int millis)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[40];
	size_t n;

	gmtime_r(&tt, &tm);
	strftime(s, sizeof(s), "%Y%m%d%H%M%S", &tm);
	n = strlen(s);
	if (millis > 0) {
		snprintf(s + n, sizeof(s) - n, ".%03d", millis);
		n = strlen(s);
		while (s[n - 1] == '0')
			s[--n] = '\0';
	}
	strcat(s, "Z");
	der_put_tlv(out, 0x18, s, strlen(s));
}

static void small_int(struct buf *out, unsigned tag, int64_t v)
{
	unsigned char b[9];
	int k = 8;

	do {
		b[k--] = (unsigned char)(v & 0xff);
		v >>= 8;
	} while (v > 0);
	if (b[k + 1] & 0x80)
		b[k--] = 0;
	der_put_tlv(out, tag, b + k + 1, (size_t)(8 - k));
}

void tcert_serial(const struct buf *cert, struct buf *out)
{
	struct nv_cert *c;
	struct ferry_err e;

	if (nv_cert_parse_der(cert->data, cert->len, &c, &e) < 0)
		die(e.msg, 0);
	buf_init(out, 0);
	buf_append(out, c->serial, c->serial_len);
	nv_cert_free(c);
}

static void alg_null(struct buf *out, const char *id)
{
	struct buf a = BUF_INIT(0);

	oid(&a, id);
	der_put_tlv(&a, 0x05, "", 0);
	wrap(out, 0x30, &a);
}

static void sig_alg(struct buf *out, const struct tkey *k)
{
	if (k->rsa) {
		alg_null(out, "1.2.840.113549.1.1.11");
	} else {
		struct buf a = BUF_INIT(0);

		oid(&a, "1.2.840.10045.4.3.2");
		wrap(out, 0x30, &a);
	}
}

static int cmp_buf(const void *a, const void *b)
{
	const struct buf *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->data, y->data, n);

	return c ? c : (int)x->len - (int)y->len;
}

static void attribute(struct buf *out, const char *id, struct buf *value)
{
	struct buf a = BUF_INIT(0);

	oid(&a, id);
	wrap(&a, 0x31, value);
	wrap(out, 0x30, &a);
}

void ttst_make(const struct tkey *key, const struct buf *signer_cert, const void *message, size_t len,
	       const struct ttst_opts *o, struct buf *token)
{
	const char *hash_oid = o->imprint_bits == 384 ? "2.16.840.1.101.3.4.2.2"
			     : o->imprint_bits == 512 ? "2.16.840.1.101.3.4.2.3"
			     : o->imprint_bits == 1 ? "1.3.14.3.2.26" : "2.16.840.1.101.3.4.2.1";
	struct buf tst = BUF_INIT(0), t = BUF_INIT(0), u = BUF_INIT(0), content = BUF_INIT(0);
	struct buf attrs[4], set = BUF_INIT(0), sig = BUF_INIT(0), si = BUF_INIT(0), sd = BUF_INIT(0);
	unsigned char digest[64];
	size_t dlen, n_attrs = 0, i;
	enum wc_HashType ht;
	struct nv_cert *cert;
	struct ferry_err e;

	if (nv_cert_parse_der(signer_cert->data, signer_cert->len, &cert, &e) < 0)
		die(e.msg, 0);
	/* TSTInfo */
	small_int(&tst, 0x02, o->tst_version ? o->tst_version : 1);
	oid(&tst, o->policy ? o->policy : "1.2.3.4.1");
	alg_null(&t, hash_oid);
	hash_of(o->imprint_bits ? o->imprint_bits : 256, message, len, digest, &dlen, &ht);
	der_put_tlv(&t, 0x04, digest, dlen);
	wrap(&tst, 0x30, &t);
	small_int(&tst, 0x02, 0x1234);
	gen_time(&tst, o->gen_time, o->gen_millis);
	if (o->accuracy_seconds || o->accuracy_millis) {
		if (o->accuracy_seconds)
			small_int(&t, 0x02, o->accuracy_seconds);
		if (o->accuracy_millis)
			small_int(&t, 0x80, o->accuracy_millis);
		wrap(&tst, 0x30, &t);
	}
	wrap(&content, 0x30, &tst);

	/* signed attributes */
	for (i = 0; i < 4; i++)
		buf_init(&attrs[i], 0);
	oid(&t, o->wrong_content_type_attr ? "1.2.840.113549.1.7.1" : "1.2.840.113549.1.9.16.1.4");
	attribute(&attrs[n_attrs++], "1.2.840.113549.1.9.3", &t);
	hash_of(256, content.data, content.len, digest, &dlen, &ht);
	if (o->wrong_message_digest)
		digest[0] ^= 1;
	der_put_tlv(&t, 0x04, digest, dlen);
	attribute(&attrs[n_attrs++], "1.2.840.113549.1.9.4", &t);
	if (o->signing_time) {
		put_time(&t, o->signing_time);
		attribute(&attrs[n_attrs++], "1.2.840.113549.1.9.5", &t);
	}
	if (!o->no_signing_cert_v2) {
		struct buf id = BUF_INIT(0), names = BUF_INIT(0), dn = BUF_INIT(0), is = BUF_INIT(0), ids = BUF_INIT(0);

		hash_of(256, signer_cert->data, signer_cert->len, digest, &dlen, &ht);
		if (o->wrong_cert_hash)
			digest[0] ^= 1;
		der_put_tlv(&id, 0x04, digest, dlen);
		if (!o->no_issuer_serial) {
			buf_append(&dn, cert->raw_issuer, cert->raw_issuer_len);
			wrap(&names, 0xa4, &dn);
			wrap(&is, 0x30, &names);
			der_put_tlv(&is, 0x02, cert->serial, cert->serial_len);
			wrap(&id, 0x30, &is);
		}
		wrap(&ids, 0x30, &id);
		wrap(&u, 0x30, &ids);
		wrap(&t, 0x30, &u);
		attribute(&attrs[n_attrs++], "1.2.840.113549.1.9.16.2.47", &t);
	}
	qsort(attrs, n_attrs, sizeof(attrs[0]), cmp_buf);
	for (i = 0; i < n_attrs; i++) {
		buf_append(&set, attrs[i].data, attrs[i].len);
		buf_free(&attrs[i]);
	}
	{
		struct buf whole = BUF_INIT(0);

		der_put_tlv(&whole, 0x31, set.data, set.len);
		if (key->rsa && o->pss)
			tsign_pss(key, 256, whole.data, whole.len, 32, &sig);
		else
			sign_tbs(key, false, &whole, &sig);
		buf_free(&whole);
	}
	if (o->tamper_signature)
		sig.data[sig.len / 2] ^= 1;

	/* SignerInfo */
	small_int(&si, 0x02, o->signer_version ? o->signer_version : 1);
	buf_append(&t, cert->raw_issuer, cert->raw_issuer_len);
	der_put_tlv(&t, 0x02, cert->serial, cert->serial_len);
	wrap(&si, 0x30, &t);
	alg_null(&si, "2.16.840.1.101.3.4.2.1");
	wrap(&si, 0xa0, &set);
	if (key->rsa && o->pss) {
		oid(&t, "1.2.840.113549.1.1.10");
		wrap(&si, 0x30, &t);
	} else if (key->rsa) {
		alg_null(&si, "1.2.840.113549.1.1.1");
	} else {
		oid(&t, "1.2.840.10045.4.3.2");
		wrap(&si, 0x30, &t);
	}
	wrap(&si, 0x04, &sig);

	/* SignedData */
	small_int(&sd, 0x02, 3);
	alg_null(&t, "2.16.840.1.101.3.4.2.1");
	wrap(&sd, 0x31, &t);
	oid(&t, "1.2.840.113549.1.9.16.1.4");
	wrap(&u, 0x04, &content);
	wrap(&t, 0xa0, &u);
	wrap(&sd, 0x30, &t);
	if (o->n_certs) {
		for (i = 0; i < o->n_certs; i++)
			buf_append(&t, o->certs[i].data, o->certs[i].len);
		wrap(&sd, 0xa0, &t);
	}
	wrap(&t, 0x30, &si);
	wrap(&sd, 0x31, &t);

	/* ContentInfo */
	oid(&u, "1.2.840.113549.1.7.2");
	wrap(&t, 0x30, &sd);
	wrap(&u, 0xa0, &t);
	buf_init(token, 0);
	wrap(token, 0x30, &u);
	nv_cert_free(cert);
}

static void ext_item(struct buf *exts, const char *id, bool critical, struct buf *value)
{
	extension(exts, id, critical, value);
}

void tcrl_make(const struct tkey *issuer_key, const struct tcrl_opts *o, struct buf *der)
{
	struct buf tbs = BUF_INIT(0), t = BUF_INIT(0), list = BUF_INIT(0), exts = BUF_INIT(0), v = BUF_INIT(0);
	struct buf alg = BUF_INIT(0), sig = BUF_INIT(0), crl = BUF_INIT(0), tbs_el = BUF_INIT(0);
	size_t i;

	small_int(&tbs, 0x02, 1);
	sig_alg(&alg, issuer_key);
	buf_append(&tbs, alg.data, alg.len);
	name(&tbs, o->issuer_cn, o->issuer_org);
	put_time(&tbs, o->this_update);
	if (!o->no_next_update)
		put_time(&tbs, o->next_update);
	for (i = 0; i < o->n_entries; i++) {
		const struct tcrl_entry *en = &o->entries[i];
		struct buf ent = BUF_INIT(0), ee = BUF_INIT(0);

		der_put_tlv(&ent, 0x02, en->serial->data, en->serial->len);
		put_time(&ent, en->revoked_at);
		if (en->reason >= 0) {
			small_int(&v, 0x0a, en->reason);
			ext_item(&ee, "2.5.29.21", false, &v);
		}
		if (en->invalidity) {
			gen_time(&v, en->invalidity, 0);
			ext_item(&ee, "2.5.29.24", false, &v);
		}
		if (en->unknown_critical_ext) {
			der_put_tlv(&v, 0x05, "", 0);
			ext_item(&ee, "1.2.3.4.5.6", true, &v);
		}
		if (ee.len)
			wrap(&ent, 0x30, &ee);
		wrap(&list, 0x30, &ent);
	}
	if (o->n_entries)
		wrap(&tbs, 0x30, &list);
	if (o->number >= 0) {
		small_int(&v, 0x02, o->number);
		ext_item(&exts, "2.5.29.20", false, &v);
	}
	if (o->delta_base >= 0) {
		small_int(&v, 0x02, o->delta_base);
		ext_item(&exts, "2.5.29.27", true, &v);
	}
	if (o->freshest_url)
		dist_points(&exts, "2.5.29.46", o->freshest_url, NULL);
	if (o->idp_critical) {
		wrap(&v, 0x30, &t);
		ext_item(&exts, "2.5.29.28", true, &v);
	}
	if (o->unknown_critical_ext) {
		der_put_tlv(&v, 0x05, "", 0);
		ext_item(&exts, "1.2.3.4.5.7", true, &v);
	}
	if (exts.len) {
		wrap(&t, 0x30, &exts);
		wrap(&tbs, 0xa0, &t);
	}
	wrap(&tbs_el, 0x30, &tbs);
	sign_tbs(issuer_key, false, &tbs_el, &sig);
	buf_append(&crl, tbs_el.data, tbs_el.len);
	buf_free(&tbs_el);
	buf_append(&crl, alg.data, alg.len);
	buf_free(&alg);
	{
		unsigned char zero = 0;

		buf_append(&t, &zero, 1);
		buf_append(&t, sig.data, sig.len);
		wrap(&crl, 0x03, &t);
	}
	buf_free(&sig);
	buf_init(der, 0);
	wrap(der, 0x30, &crl);
	buf_free(&exts);
}

void tocsp_make(const struct tkey *signer_key, const struct tocsp_opts *o, struct buf *der)
{
	static const unsigned char zero20[20];
	struct buf rd = BUF_INIT(0), t = BUF_INIT(0), single = BUF_INIT(0), list = BUF_INIT(0), v = BUF_INIT(0);
	struct buf basic = BUF_INIT(0), rd_el = BUF_INIT(0), sig = BUF_INIT(0), resp = BUF_INIT(0), u = BUF_INIT(0);

	if (o->response_status) {
		small_int(&resp, 0x0a, o->response_status);
		buf_init(der, 0);
		wrap(der, 0x30, &resp);
		return;
	}
	der_put_tlv(&t, 0x04, zero20, sizeof(zero20));
	wrap(&rd, 0xa2, &t);                           /* responderID byKey */
	gen_time(&rd, o->this_update, 0);              /* producedAt */
	/* SingleResponse */
	alg_null(&t, "1.3.14.3.2.26");
	der_put_tlv(&t, 0x04, zero20, sizeof(zero20));
	der_put_tlv(&t, 0x04, zero20, sizeof(zero20));
	der_put_tlv(&t, 0x02, o->serial->data, o->serial->len);
	wrap(&single, 0x30, &t);
	if (o->status == 0) {
		der_put_tlv(&single, 0x80, "", 0);
	} else if (o->status == 1) {
		gen_time(&t, o->this_update - 3600, 0);
		wrap(&single, 0xa1, &t);
	} else {
		der_put_tlv(&single, 0x82, "", 0);
	}
	gen_time(&single, o->this_update, 0);
	if (!o->no_next_update) {
		gen_time(&t, o->next_update, 0);
		wrap(&single, 0xa0, &t);
	}
	if (o->invalidity || o->critical_ext) {
		struct buf exts = BUF_INIT(0);

		if (o->invalidity) {
			gen_time(&v, o->invalidity, 0);
			extension(&exts, "2.5.29.24", false, &v);
		}
		if (o->critical_ext) {
			der_put_tlv(&v, 0x05, "", 0);
			extension(&exts, "1.2.3.4.5.8", true, &v);
		}
		wrap(&t, 0x30, &exts);
		wrap(&single, 0xa1, &t);
	}
	wrap(&list, 0x30, &single);
	wrap(&rd, 0x30, &list);
	wrap(&rd_el, 0x30, &rd);
	sign_tbs(signer_key, false, &rd_el, &sig);
	buf_append(&basic, rd_el.data, rd_el.len);
	buf_free(&rd_el);
	sig_alg(&basic, signer_key);
	{
		unsigned char zero = 0;

		buf_append(&t, &zero, 1);
		buf_append(&t, sig.data, sig.len);
		wrap(&basic, 0x03, &t);
	}
	buf_free(&sig);
	if (o->responder_cert) {
		buf_append(&t, o->responder_cert->data, o->responder_cert->len);
		wrap(&u, 0x30, &t);
		wrap(&basic, 0xa0, &u);
	}
	wrap(&t, 0x30, &basic);                        /* BasicOCSPResponse */
	oid(&u, "1.3.6.1.5.5.7.48.1.1");
	wrap(&u, 0x04, &t);
	wrap(&t, 0x30, &u);                            /* ResponseBytes */
	small_int(&resp, 0x0a, 0);
	wrap(&resp, 0xa0, &t);
	buf_init(der, 0);
	wrap(der, 0x30, &resp);
}
