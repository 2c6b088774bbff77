/* identity.c - x509.subject trusted identities: DN parsing, overlap, matching. */
#include "notation/identity.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notation/gojson.h"
#include "util/digest.h"
#include "util/mem.h"
#include "util/utf8.h"

#define REASON "VerificationError"

/* ---- runes (Go converts strings to []rune: invalid bytes become U+FFFD) -- */

struct runes {
	uint32_t *r;
	size_t n;
};

static void to_runes(const char *s, size_t len, struct runes *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, w;

	out->r = xcalloc(len + 1, sizeof(*out->r));
	out->n = 0;
	while (i < len) {
		out->r[out->n++] = utf8_decode(p + i, len - i, &w);
		i += w;
	}
}

static void put_rune(char **buf, size_t *len, size_t *cap, uint32_t r)
{
	unsigned char tmp[UTF8_MAX];
	size_t n = utf8_encode(r, tmp);

	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, tmp, n);
	*len += n;
	(*buf)[*len] = '\0';
}

static char *runes_string(const uint32_t *r, size_t n)
{
	char *buf = xstrdup("");
	size_t len = 0, cap = 1;

	for (size_t i = 0; i < n; i++)
		put_rune(&buf, &len, &cap, r[i]);
	return buf;
}

/* ---- go-ldap decodeString ---------------------------------------------- */

static bool ldap_special(uint32_t c)
{
	return c == ' ' || c == '"' || c == '#' || c == '+' || c == ',' || c == ';' || c == '<' ||
	       c == '=' || c == '>' || c == '\\';
}

/* Go's %#U of a byte taken as a rune: U+0067 'g' */
static char *go_sharp_u(unsigned char c)
{
	if (c >= 0x20 && c < 0x7F)
		return xasprintf("U+%04X '%c'", c, c);
	if (c >= 0xA0 && c != 0xAD) {
		char ch[3] = { (char)(0xC0 | (c >> 6)), (char)(0x80 | (c & 0x3F)), 0 };
		return xasprintf("U+%04X '%s'", c, ch);
	}
	return xasprintf("U+%04X", c);
}

/* Trim ASCII spaces, keeping an escaped trailing space. */
static char *strip_spaces(const char *in, size_t len)
{
	size_t a = 0, b = len;
	char *out;

	while (a < b && in[a] == ' ')
		a++;
	while (b > a && in[b - 1] == ' ')
		b--;
	out = xstrndup(in + a, b - a);
	if (b > a && in[b - 1] == '\\' && len > 0 && in[len - 1] == ' ') {
		char *t = xasprintf("%s ", out);
		free(out);
		out = t;
	}
	return out;
}

static int ldap_decode(const char *in, size_t len, char **out, char **err)
{
	char *stripped = strip_spaces(in, len);
	struct runes s;
	char *buf = xstrdup("");
	size_t blen = 0, bcap = 1;
	int rc = -1;

	to_runes(stripped, strlen(stripped), &s);
	for (size_t i = 0; i < s.n; i++) {
		uint32_t c = s.r[i];
		char *pair, *bad;
		int hi, lo;

		if (c != '\\') {
			put_rune(&buf, &blen, &bcap, c);
			continue;
		}
		if (i + 1 >= s.n) {
			char *whole = runes_string(s.r, s.n);
			*err = xasprintf("got corrupted escaped character: '%s'", whole);
			free(whole);
			goto out;
		}
		if (ldap_special(s.r[i + 1])) {
			put_rune(&buf, &blen, &bcap, s.r[i + 1]);
			i++;
			continue;
		}
		if (i + 2 >= s.n) {
			char *ch = runes_string(&s.r[i + 1], 1);
			*err = xasprintf("failed to decode escaped character: encoding/hex: invalid byte: %s", ch);
			free(ch);
			goto out;
		}
		pair = runes_string(&s.r[i + 1], 2);
		if (strlen(pair) != 2) {
			*err = xasprintf("failed to decode escaped character: invalid byte: %s", pair);
			free(pair);
			goto out;
		}
		hi = hex_digit(pair[0]);
		lo = hex_digit(pair[1]);
		if (hi < 0 || lo < 0) {
			bad = go_sharp_u((unsigned char)(hi < 0 ? pair[0] : pair[1]));
			*err = xasprintf("failed to decode escaped character: encoding/hex: invalid byte: %s", bad);
			free(bad);
			free(pair);
			goto out;
		}
		free(pair);
		/* a raw byte, as Go's builder.WriteByte */
		if (blen + 2 > bcap) {
			bcap = (blen + 2) * 2;
			buf = xrealloc(buf, bcap);
		}
		buf[blen++] = (char)(hi << 4 | lo);
		buf[blen] = '\0';
		i += 2;
	}
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	free(s.r);
	free(stripped);
	return rc;
}

/* ---- go-ldap ParseDN ---------------------------------------------------- */

struct ldap_attr {
	char *type;
	char *value;
};

struct ldap_rdn {
	struct ldap_attr *attrs;
	size_t n;
};

struct ldap_dn {
	struct ldap_rdn *rdns;
	size_t n;
};

static void ldap_dn_free(struct ldap_dn *dn)
{
	for (size_t i = 0; i < dn->n; i++) {
		for (size_t j = 0; j < dn->rdns[i].n; j++) {
			free(dn->rdns[i].attrs[j].type);
			free(dn->rdns[i].attrs[j].value);
		}
		free(dn->rdns[i].attrs);
	}
	free(dn->rdns);
	dn->rdns = NULL;
	dn->n = 0;
}

static bool go_trim_space_empty(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
			p++;
		else if (p[0] == 0xC2 && (p[1] == 0x85 || p[1] == 0xA0))
			p += 2;
		else
			return false;
	}
	return true;
}

static void rdn_add(struct ldap_rdn *rdn, char *type, char *value)
{
	rdn->attrs = xrealloc(rdn->attrs, (rdn->n + 1) * sizeof(*rdn->attrs));
	rdn->attrs[rdn->n].type = type;
	rdn->attrs[rdn->n].value = value;
	rdn->n++;
}

static void dn_add(struct ldap_dn *dn, struct ldap_rdn *rdn)
{
	dn->rdns = xrealloc(dn->rdns, (dn->n + 1) * sizeof(*dn->rdns));
	dn->rdns[dn->n++] = *rdn;
	memset(rdn, 0, sizeof(*rdn));
}

static int ldap_parse_dn(const char *str, struct ldap_dn *dn, char **err)
{
	struct ldap_rdn rdn = { 0 };
	char *type = xstrdup("");
	char *value;
	bool escaping = false;
	size_t start = 0, len = strlen(str);
	int rc = -1;

	memset(dn, 0, sizeof(*dn));
	if (go_trim_space_empty(str)) {
		free(type);
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		char c = str[i];

		if (escaping) {
			escaping = false;
		} else if (c == '\\') {
			escaping = true;
		} else if (c == '=' && type[0] == '\0') {
			free(type);
			type = NULL;
			if (ldap_decode(str + start, i - start, &type, err) < 0)
				goto out;
			start = i + 1;
		} else if (c == ',' || c == '+' || c == ';') {
			if (type[0] == '\0') {
				*err = xstrdup("incomplete type, value pair");
				goto out;
			}
			if (ldap_decode(str + start, i - start, &value, err) < 0)
				goto out;
			start = i + 1;
			rdn_add(&rdn, type, value);
			type = xstrdup("");
			if (c != '+')
				dn_add(dn, &rdn);
		}
	}
	if (type[0] == '\0') {
		*err = xstrdup("DN ended with incomplete type, value pair");
		goto out;
	}
	if (ldap_decode(str + start, len - start, &value, err) < 0)
		goto out;
	rdn_add(&rdn, type, value);
	type = NULL;
	dn_add(dn, &rdn);
	rc = 0;
out:
	free(type);
	for (size_t j = 0; j < rdn.n; j++) {
		free(rdn.attrs[j].type);
		free(rdn.attrs[j].value);
	}
	free(rdn.attrs);
	if (rc < 0)
		ldap_dn_free(dn);
	return rc;
}

/* ---- notation-go pkix --------------------------------------------------- */

static struct nv_dn_attr *dn_find(const struct nv_dn *dn, const char *type)
{
	for (size_t i = 0; i < dn->n; i++)
		if (strcmp(dn->attrs[i].type, type) == 0)
			return &dn->attrs[i];
	return NULL;
}

const char *nv_dn_get(const struct nv_dn *dn, const char *type)
{
	struct nv_dn_attr *a = dn_find(dn, type);
	return a ? a->value : NULL;
}

static void dn_insert_sorted(struct nv_dn *dn, const char *type, const char *value)
{
	size_t at = 0;

	while (at < dn->n && strcmp(dn->attrs[at].type, type) < 0)
		at++;
	dn->attrs = xrealloc(dn->attrs, (dn->n + 1) * sizeof(*dn->attrs));
	memmove(&dn->attrs[at + 1], &dn->attrs[at], (dn->n - at) * sizeof(*dn->attrs));
	dn->attrs[at].type = xstrdup(type);
	dn->attrs[at].value = xstrdup(value);
	dn->n++;
}

void nv_dn_free(struct nv_dn *dn)
{
	if (!dn)
		return;
	for (size_t i = 0; i < dn->n; i++) {
		free(dn->attrs[i].type);
		free(dn->attrs[i].value);
	}
	free(dn->attrs);
	dn->attrs = NULL;
	dn->n = 0;
}

int nv_dn_parse(const char *s, struct nv_dn *out, struct ferry_err *e)
{
	static const char *const mandatory[] = { "C", "ST", "O" };
	_cleanup_free_ char *q = gj_quote(s);
	struct ldap_dn ldn;
	char *err = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (strstr(s, "=#"))
		return ferr_set(e, REASON,
				"unsupported distinguished name (DN) %s: notation does not support x509.subject "
				"identities containing \"=#\"", q);
	if (ldap_parse_dn(s, &ldn, &err) < 0) {
		ferr_set(e, REASON,
			 "parsing distinguished name (DN) %s failed with err: %s. A valid DN must contain 'C', "
			 "'ST' or 'S', and 'O' RDN attributes at a minimum, and follow RFC 4514 standard", q, err);
		free(err);
		return -1;
	}
	for (size_t i = 0; i < ldn.n; i++) {
		const struct ldap_rdn *rdn = &ldn.rdns[i];

		if (rdn->n > 1) {
			ferr_set(e, REASON,
				 "distinguished name (DN) %s has multi-valued RDN attributes, remove multi-valued "
				 "RDN attributes as they are not supported", q);
			goto out;
		}
		for (size_t j = 0; j < rdn->n; j++) {
			const char *type = strcmp(rdn->attrs[j].type, "S") == 0 ? "ST" : rdn->attrs[j].type;
			struct nv_dn_attr *have = dn_find(out, type);

			if (!have) {
				dn_insert_sorted(out, type, rdn->attrs[j].value);
			} else if (have->value[0] == '\0') {
				free(have->value);
				have->value = xstrdup(rdn->attrs[j].value);
			} else {
				_cleanup_free_ char *qt = gj_quote(type);
				ferr_set(e, REASON,
					 "distinguished name (DN) %s has duplicate RDN attribute for %s, DN can only "
					 "have unique RDN attributes", q, qt);
				goto out;
			}
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(mandatory); i++) {
		const char *v = nv_dn_get(out, mandatory[i]);

		if (!v || !*v) {
			_cleanup_free_ char *qt = gj_quote(mandatory[i]);
			ferr_set(e, REASON,
				 "distinguished name (DN) %s has no mandatory RDN attribute for %s, it must contain "
				 "'C', 'ST' or 'S', and 'O' RDN attributes at a minimum", q, qt);
			goto out;
		}
	}
	rc = 0;
out:
	ldap_dn_free(&ldn);
	if (rc < 0)
		nv_dn_free(out);
	return rc;
}

bool nv_dn_is_subset(const struct nv_dn *a, const struct nv_dn *b)
{
	for (size_t i = 0; i < a->n; i++) {
		const char *v = nv_dn_get(b, a->attrs[i].type);

		if (strcmp(a->attrs[i].value, v ? v : "") != 0)
			return false;
	}
	return true;
}

char *nv_dn_format(const struct nv_dn *dn)
{
	char *s = xstrdup("map[");

	for (size_t i = 0; i < dn->n; i++) {
		char *t = s;
		if (i) {
			s = xasprintf("%s ", t);
			free(t);
		}
		gj_append_quoted(&s, dn->attrs[i].type);
		t = s;
		s = xasprintf("%s:", t);
		free(t);
		gj_append_quoted(&s, dn->attrs[i].value);
	}
	{
		char *t = s;
		s = xasprintf("%s]", t);
		free(t);
	}
	return s;
}

/* ---- trusted identities -------------------------------------------------- */

static bool has_wildcard(char *const *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ids[i], NV_IDENTITY_WILDCARD) == 0)
			return true;
	return false;
}

struct parsed_identity {
	const char *raw;
	struct nv_dn dn;
};

static void parsed_free(struct parsed_identity *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		nv_dn_free(&p[i].dn);
	free(p);
}

int nv_identities_validate(const char *policy_name, char *const *ids, size_t n, struct ferry_err *e)
{
	_cleanup_free_ char *qn = gj_quote(policy_name);
	struct parsed_identity *parsed = xcalloc(n + 1, sizeof(*parsed));
	size_t np = 0;
	int rc = -1;

	if (n > 1 && has_wildcard(ids, n)) {
		ferr_set(e, REASON,
			 "trust policy statement %s uses a wildcard trusted identity '*', a wildcard identity "
			 "cannot be used in conjunction with other values", qn);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *id = ids[i];
		const char *colon;
		_cleanup_free_ char *qi = NULL;

		if (!*id) {
			ferr_set(e, REASON, "trust policy statement %s has an empty trusted identity", qn);
			goto out;
		}
		if (strcmp(id, NV_IDENTITY_WILDCARD) == 0)
			continue;
		qi = gj_quote(id);
		colon = strchr(id, ':');
		if (!colon) {
			ferr_set(e, REASON, "trust policy statement %s has trusted identity %s missing separator",
				 qn, qi);
			goto out;
		}
		if ((size_t)(colon - id) != strlen(NV_IDENTITY_X509_SUBJECT) ||
		    strncmp(id, NV_IDENTITY_X509_SUBJECT, (size_t)(colon - id)) != 0)
			continue;
		if (!colon[1]) {
			ferr_set(e, REASON,
				 "trust policy statement %s has trusted identity %s without an identity value", qn, qi);
			goto out;
		}
		if (nv_dn_parse(colon + 1, &parsed[np].dn, e) < 0) {
			ferr_prefix(e, "trust policy statement %s has trusted identity %s with invalid identity value",
				    qn, qi);
			goto out;
		}
		parsed[np++].raw = id;
	}
	for (size_t i = 0; i < np; i++) {
		for (size_t j = 0; j < np; j++) {
			if (i != j && nv_dn_is_subset(&parsed[i].dn, &parsed[j].dn)) {
				_cleanup_free_ char *a = gj_quote(parsed[i].raw);
				_cleanup_free_ char *b = gj_quote(parsed[j].raw);
				ferr_set(e, REASON,
					 "trust policy statement %s has overlapping x509 trustedIdentities, %s overlaps "
					 "with %s", qn, a, b);
				goto out;
			}
		}
	}
	rc = 0;
out:
	parsed_free(parsed, np);
	return rc;
}

int nv_identities_match(const char *policy_name, char *const *ids, size_t n, const struct nv_cert *leaf,
			struct ferry_err *e)
{
	_cleanup_free_ char *qn = gj_quote(policy_name);
	struct parsed_identity *trusted = xcalloc(n + 1, sizeof(*trusted));
	struct nv_dn leaf_dn = { 0 };
	size_t nt = 0;
	char *list = NULL;
	int rc = -1;

	if (has_wildcard(ids, n)) {
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *colon = strchr(ids[i], ':');
		_cleanup_free_ char *qi = gj_quote(ids[i]);

		if (!colon) {
			ferr_set(e, REASON, "trust policy statement %s has trusted identity %s missing separator",
				 qn, qi);
			goto out;
		}
		if ((size_t)(colon - ids[i]) != strlen(NV_IDENTITY_X509_SUBJECT) ||
		    strncmp(ids[i], NV_IDENTITY_X509_SUBJECT, (size_t)(colon - ids[i])) != 0)
			continue;
		if (!colon[1]) {
			ferr_set(e, REASON,
				 "trust policy statement %s has trusted identity %s without an identity value", qn, qi);
			goto out;
		}
		if (nv_dn_parse(colon + 1, &trusted[nt].dn, e) < 0)
			goto out;
		trusted[nt++].raw = ids[i];
	}
	if (nt == 0) {
		ferr_set(e, REASON, "no x509 trusted identities are configured in the trust policy %s", qn);
		goto out;
	}
	if (nv_dn_parse(leaf->subject_string ? leaf->subject_string : "", &leaf_dn, e) < 0) {
		_cleanup_free_ char *qe = gj_quote(e->msg);
		ferr_set(e, REASON,
			 "error while parsing the certificate subject from the digital signature. error : %s", qe);
		goto out;
	}
	for (size_t i = 0; i < nt; i++) {
		if (nv_dn_is_subset(&trusted[i].dn, &leaf_dn)) {
			rc = 0;
			goto out;
		}
	}
	list = xstrdup("[");
	for (size_t i = 0; i < nt; i++) {
		char *m = nv_dn_format(&trusted[i].dn);
		char *t = list;
		list = xasprintf("%s%s%s", t, i ? " " : "", m);
		free(t);
		free(m);
	}
	ferr_set(e, REASON,
		 "signing certificate from the digital signature does not match the X.509 trusted identities "
		 "%s] defined in the trust policy %s", list, qn);
out:
	free(list);
	nv_dn_free(&leaf_dn);
	parsed_free(trusted, nt);
	return rc;
}
