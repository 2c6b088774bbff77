/* cert_name.c - X.509 distinguished names: parsing as Go's crypto/x509 does,
 * rendering as Go's pkix.Name.String(). */
#include "notation/cert_internal.h"
#include "notation/der.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/mem.h"

#include <stdio.h>
#include <string.h>

void nv_name_free(struct nv_name_attr *attrs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(attrs[i].oid);
		free(attrs[i].value);
	}
	free(attrs);
}

static int name_fail(struct nv_name_attr *attrs, size_t n, const char **why, const char *msg)
{
	nv_name_free(attrs, n);
	*why = msg;
	return -1;
}

int nv_name_parse(const unsigned char *raw, size_t len, struct nv_name_attr **out, size_t *out_n,
		  const char **why)
{
	static __thread char msg[128];
	struct der d = der_init(raw, len), seq;
	struct der_tlv t;
	struct nv_name_attr *attrs = NULL;
	size_t n = 0;
	int set_index = 0;

	if (der_read_tag(&d, DER_SEQUENCE, &t) < 0 || !der_empty(&d))
		return name_fail(attrs, n, why, "x509: invalid RDNSequence");
	seq = der_contents(&t);
	while (!der_empty(&seq)) {
		struct der set;

		if (der_read_tag(&seq, DER_SET, &t) < 0)
			return name_fail(attrs, n, why, "x509: invalid RDNSequence");
		set = der_contents(&t);
		while (!der_empty(&set)) {
			struct der atav;
			struct der_tlv oid, value;
			char oidstr[DER_OID_STR_MAX], *s;
			const char *serr;

			if (der_read_tag(&set, DER_SEQUENCE, &t) < 0)
				return name_fail(attrs, n, why, "x509: invalid RDNSequence: invalid attribute");
			atav = der_contents(&t);
			if (der_read_tag(&atav, DER_OID, &oid) < 0 || der_oid_tlv_string(&oid, oidstr) < 0)
				return name_fail(attrs, n, why, "x509: invalid RDNSequence: invalid attribute type");
			if (der_read(&atav, &value) < 0 || !der_empty(&atav))
				return name_fail(attrs, n, why, "x509: invalid RDNSequence: invalid attribute value");
			/* Go's x509 parser has no UniversalString: refuse it like Go */
			if (value.tag == DER_UNIVERSAL_STRING) {
				snprintf(msg, sizeof(msg), "x509: invalid RDNSequence: invalid attribute value: unsupported string type: %u",
					 value.tag);
				return name_fail(attrs, n, why, msg);
			}
			if (der_string_utf8(&value, &s, &serr) < 0) {
				snprintf(msg, sizeof(msg), "x509: invalid RDNSequence: invalid attribute value: %s", serr);
				return name_fail(attrs, n, why, msg);
			}
			if (n == LIMIT_CERT_NAME_ATTRS) {
				free(s);
				return name_fail(attrs, n, why, "x509: too many attributes in a name");
			}
			attrs = xrealloc(attrs, (n + 1) * sizeof(*attrs));
			attrs[n].oid = xstrdup(oidstr);
			attrs[n].value = s;
			attrs[n].set_index = set_index;
			n++;
		}
		set_index++;
	}
	*out = attrs;
	*out_n = n;
	return 0;
}

/* ---- pkix.Name.String() ---- */

static const struct {
	const char *oid, *name;
} standard_types[] = {
	/* ToRDNSequence order */
	{ "2.5.4.6", "C" },      { "2.5.4.8", "ST" }, { "2.5.4.7", "L" },  { "2.5.4.9", "STREET" },
	{ "2.5.4.17", "POSTALCODE" }, { "2.5.4.10", "O" }, { "2.5.4.11", "OU" }, { "2.5.4.3", "CN" },
	{ "2.5.4.5", "SERIALNUMBER" },
};

static int standard_index(const char *oid)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(standard_types); i++)
		if (!strcmp(oid, standard_types[i].oid))
			return (int)i;
	return -1;
}

/* An RDN group of the sequence Go rebuilds: either one non-standard
 * attribute, or every value of one standard type. */
struct group {
	int type;                  /* standard_types index, -1 for non-standard */
	const struct nv_name_attr *attrs[LIMIT_CERT_NAME_ATTRS];
	size_t n;
};

/* asn1.Marshal(string): PrintableString when every byte is printable (no
 * '*' or '&'), else UTF8String. */
static void append_marshalled_hex(struct buf *b, const char *value)
{
	size_t len = strlen(value), i;
	unsigned char tag = 0x13;
	char hex[3];

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c >= '\'' && c <= ')') || (c >= '+' && c <= '/') || c == ' ' || c == ':' || c == '=' ||
		      c == '?')) {
			tag = 0x0c;
			break;
		}
	}
	buf_printf(b, "%02x", tag);
	if (len < 0x80) {
		buf_printf(b, "%02zx", len);
	} else {
		unsigned char l[8];
		int nl = 0;
		size_t v = len;

		while (v) {
			l[nl++] = (unsigned char)(v & 0xff);
			v >>= 8;
		}
		buf_printf(b, "%02x", 0x80 | nl);
		while (nl--)
			buf_printf(b, "%02x", l[nl]);
	}
	for (i = 0; i < len; i++) {
		snprintf(hex, sizeof(hex), "%02x", (unsigned char)value[i]);
		buf_append(b, hex, 2);
	}
}

static void append_escaped(struct buf *b, const char *value)
{
	size_t len = strlen(value), k;

	for (k = 0; k < len; k++) {
		char c = value[k];
		bool esc = false;

		switch (c) {
		case ',': case '+': case '"': case '\\': case '<': case '>': case ';':
			esc = true;
			break;
		case ' ':
			esc = k == 0 || k == len - 1;
			break;
		case '#':
			esc = k == 0;
			break;
		}
		if (esc)
			buf_append(b, "\\", 1);
		buf_append(b, &c, 1);
	}
}

char *nv_name_string(const struct nv_name_attr *attrs, size_t n)
{
	struct group *groups = xcalloc(n + ARRAY_SIZE(standard_types) + 1, sizeof(*groups));
	struct buf b = BUF_INIT(0);
	size_t ng = 0, i, t;
	long gi;

	for (i = 0; i < n && i < LIMIT_CERT_NAME_ATTRS; i++) {
		if (standard_index(attrs[i].oid) < 0) {
			groups[ng].type = -1;
			groups[ng].attrs[0] = &attrs[i];
			groups[ng].n = 1;
			ng++;
		}
	}
	for (t = 0; t < ARRAY_SIZE(standard_types); t++) {
		struct group *g = &groups[ng];
		bool single = !strcmp(standard_types[t].name, "CN") || !strcmp(standard_types[t].name, "SERIALNUMBER");

		g->type = (int)t;
		g->n = 0;
		for (i = 0; i < n && i < LIMIT_CERT_NAME_ATTRS; i++) {
			if (strcmp(attrs[i].oid, standard_types[t].oid))
				continue;
			if (single)
				g->attrs[0] = &attrs[i], g->n = 1; /* Go keeps the last one */
			else
				g->attrs[g->n++] = &attrs[i];
		}
		if (single && g->n && !g->attrs[0]->value[0])
			g->n = 0; /* an empty CommonName / SerialNumber is not rendered */
		if (g->n)
			ng++;
	}
	for (gi = (long)ng - 1; gi >= 0; gi--) {
		const struct group *g = &groups[gi];

		if (gi != (long)ng - 1)
			buf_append(&b, ",", 1);
		for (i = 0; i < g->n; i++) {
			if (i)
				buf_append(&b, "+", 1);
			if (g->type < 0) {
				buf_append_str(&b, g->attrs[i]->oid);
				buf_append(&b, "=#", 2);
				append_marshalled_hex(&b, g->attrs[i]->value);
			} else {
				buf_append_str(&b, standard_types[g->type].name);
				buf_append(&b, "=", 1);
				append_escaped(&b, g->attrs[i]->value);
			}
		}
	}
	free(groups);
	return buf_steal(&b, NULL);
}
