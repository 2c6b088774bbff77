/* cert_path.c - certificate path building as Go's x509.Certificate.Verify
 * does it (used for RFC 3161 timestamp signers): candidates by issuer name
 * ordered by key identifier match, roots before intermediates, depth first,
 * validity of every certificate at the verification time, CA and path
 * length constraints, Go's CheckSignatureFrom, the requested extended key
 * usage across the chain, and Go's error texts. */
#include "notation/cert_internal.h"
#include "notation/gojson.h"
#include "util/limits.h"
#include "util/mem.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define REASON "VerificationError"
#define EKU_ANY "2.5.29.37.0"

struct builder {
	struct nv_cert *const *roots;  size_t n_roots;
	struct nv_cert *const *inter;  size_t n_inter;
	int64_t at_us;
	int sig_checks;
	struct nv_path *paths;         size_t n_paths;
};

enum cert_type { LEAF, INTERMEDIATE, ROOT };

static bool bytes_equal(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	return an == bn && (an == 0 || !memcmp(a, b, an));
}

/* time.Format(time.RFC3339) of a UTC time given in microseconds (Go drops
 * the fraction in this layout). */
static void rfc3339_us(int64_t us, char *out, size_t n)
{
	int64_t sec = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
	time_t t = (time_t)sec;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Go's isValid for one certificate of a candidate chain. */
static int is_valid(const struct nv_cert *c, enum cert_type type, size_t chain_len, int64_t at_us, char *err,
		    size_t n)
{
	char now[40], bound[40];

	if (c->has_unknown_critical_ext) {
		snprintf(err, n, "x509: unhandled critical extension");
		return -1;
	}
	if (at_us < c->not_before * 1000000) {
		rfc3339_us(at_us, now, sizeof(now));
		rfc3339_us(c->not_before * 1000000, bound, sizeof(bound));
		snprintf(err, n, "x509: certificate has expired or is not yet valid: current time %s is before %s", now,
			 bound);
		return -1;
	}
	if (at_us > c->not_after * 1000000) {
		rfc3339_us(at_us, now, sizeof(now));
		rfc3339_us(c->not_after * 1000000, bound, sizeof(bound));
		snprintf(err, n, "x509: certificate has expired or is not yet valid: current time %s is after %s", now,
			 bound);
		return -1;
	}
	if (type == INTERMEDIATE && (!c->has_basic_constraints || !c->is_ca)) {
		snprintf(err, n, "x509: certificate is not authorized to sign other certificates");
		return -1;
	}
	if (type != LEAF && c->has_basic_constraints && c->has_path_len && (int64_t)chain_len - 1 > c->path_len) {
		snprintf(err, n, "x509: too many intermediates for path length constraint");
		return -1;
	}
	return 0;
}

/* Go's alreadyInChain, by subject and public key. */
static bool in_chain(const struct nv_cert *c, struct nv_cert *const *chain, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (bytes_equal(c->raw_subject, c->raw_subject_len, chain[i]->raw_subject, chain[i]->raw_subject_len) &&
		    bytes_equal(c->spki, c->spki_len, chain[i]->spki, chain[i]->spki_len))
			return true;
	return false;
}

/* CertPool.findPotentialParents: same subject as child's issuer; key
 * identifiers matching first, one missing next, mismatching last. */
static size_t potential_parents(const struct nv_cert *child, struct nv_cert *const *pool, size_t n,
				struct nv_cert **out)
{
	size_t k = 0;

	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < n; i++) {
			const struct nv_cert *p = pool[i];
			bool match, one;

			if (!bytes_equal(p->raw_subject, p->raw_subject_len, child->raw_issuer, child->raw_issuer_len))
				continue;
			match = bytes_equal(p->skid, p->skid_len, child->akid, child->akid_len);
			one = !match && ((p->skid_len == 0) != (child->akid_len == 0));
			if ((pass == 0 && match) || (pass == 1 && one) || (pass == 2 && !match && !one))
				out[k++] = pool[i];
		}
	}
	return k;
}

struct hint {
	char err[256];
	const struct nv_cert *cert;
};

static void add_path(struct builder *b, struct nv_cert *const *chain, size_t n, struct nv_cert *root)
{
	struct nv_path *p;

	if (b->n_paths >= LIMIT_PATH_CHAINS)
		return;
	b->paths = xrealloc(b->paths, (b->n_paths + 1) * sizeof(*b->paths));
	p = &b->paths[b->n_paths++];
	p->n = n + 1;
	p->certs = xcalloc(n + 1, sizeof(*p->certs));
	memcpy(p->certs, chain, n * sizeof(*chain));
	p->certs[n] = root;
}

/* big.Int.String() of the serial number (two's complement INTEGER). */
static void serial_decimal(const struct nv_cert *c, char *out, size_t n)
{
	unsigned char mag[64];
	char digits[160];
	size_t len = c->serial_len < sizeof(mag) ? c->serial_len : sizeof(mag), k = 0, i;
	bool neg = len > 0 && (c->serial[0] & 0x80), zero;

	memcpy(mag, c->serial, len);
	if (neg) { /* magnitude of a negative number: invert and add one */
		for (i = 0; i < len; i++)
			mag[i] = (unsigned char)~mag[i];
		for (i = len; i-- > 0;)
			if (++mag[i] != 0)
				break;
	}
	do {
		unsigned rem = 0;

		zero = true;
		for (i = 0; i < len; i++) {
			unsigned cur = rem * 256 + mag[i];

			mag[i] = (unsigned char)(cur / 10);
			rem = cur % 10;
			if (mag[i])
				zero = false;
		}
		digits[k++] = (char)('0' + rem);
	} while (!zero && k < sizeof(digits) - 1);
	i = 0;
	if (neg && n > 1)
		out[i++] = '-';
	while (k > 0 && i + 1 < n)
		out[i++] = digits[--k];
	out[i] = '\0';
}

/* The name Go's UnknownAuthorityError gives a candidate authority. */
static void hint_name(const struct nv_cert *c, char *out, size_t n)
{
	const char *cn = NULL, *o = NULL;

	for (size_t i = 0; i < c->n_subject; i++) {
		if (!strcmp(c->subject[i].oid, "2.5.4.3"))
			cn = c->subject[i].value;
		else if (!strcmp(c->subject[i].oid, "2.5.4.10") && !o)
			o = c->subject[i].value;
	}
	if (cn && *cn) {
		snprintf(out, n, "%s", cn);
	} else if (o) {
		snprintf(out, n, "%s", o);
	} else {
		char dec[128];

		serial_decimal(c, dec, sizeof(dec));
		snprintf(out, n, "serial:%s", dec);
	}
}

/* buildChains. Go keeps one err variable per level that the last validity
 * check or deeper level assigned; with no chain found it is returned, or,
 * when nil, "unknown authority" with the first candidate's failure as hint.
 * err is "" for nil. */
static void build(struct builder *b, struct nv_cert **chain, size_t n, char *err, size_t err_len)
{
	const struct nv_cert *c = chain[n - 1];
	struct nv_cert **cands;
	struct hint hint = { "", NULL };
	size_t before = b->n_paths, k;

	err[0] = '\0';
	cands = xcalloc(b->n_roots + b->n_inter + 1, sizeof(*cands));
	for (int pool = 0; pool < 2; pool++) {
		k = pool == 0 ? potential_parents(c, b->roots, b->n_roots, cands)
			      : potential_parents(c, b->inter, b->n_inter, cands);
		for (size_t i = 0; i < k; i++) {
			struct nv_cert *cand = cands[i];
			struct ferry_err se;

			if (in_chain(cand, chain, n))
				continue;
			if (++b->sig_checks > LIMIT_PATH_SIGNATURE_CHECKS) {
				snprintf(err, err_len, "x509: signature check attempts limit reached while verifying "
					 "certificate chain");
				continue;
			}
			if (nv_cert_check_signature_from(c, cand, &se) < 0) {
				if (!hint.cert) {
					snprintf(hint.err, sizeof(hint.err), "%s", se.msg);
					hint.cert = cand;
				}
				continue;
			}
			if (is_valid(cand, pool == 0 ? ROOT : INTERMEDIATE, n, b->at_us, err, err_len) < 0) {
				if (!hint.cert) {
					snprintf(hint.err, sizeof(hint.err), "%s", err);
					hint.cert = cand;
				}
				continue;
			}
			err[0] = '\0';
			if (pool == 0) {
				add_path(b, chain, n, cand);
			} else if (n < LIMIT_CERT_CHAIN_LEN) {
				chain[n] = cand;
				build(b, chain, n + 1, err, err_len);
			}
		}
	}
	free(cands);
	if (b->n_paths > before) {
		err[0] = '\0';
		return;
	}
	if (err[0])
		return;
	if (hint.cert) {
		char name[256];
		_cleanup_free_ char *qe = gj_quote(hint.err);
		_cleanup_free_ char *qn = NULL;

		hint_name(hint.cert, name, sizeof(name));
		qn = gj_quote(name);
		snprintf(err, err_len, "x509: certificate signed by unknown authority (possibly because of %s while "
			 "trying to verify candidate authority certificate %s)", qe, qn);
	} else {
		snprintf(err, err_len, "x509: certificate signed by unknown authority");
	}
}

/* checkChainForKeyUsage with one requested usage. */
static bool chain_allows(const struct nv_path *p, const char *eku)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct nv_cert *c = p->certs[i];
		bool ok = c->n_eku == 0;

		for (size_t k = 0; k < c->n_eku && !ok; k++)
			ok = !strcmp(c->eku_oids[k], EKU_ANY) || !strcmp(c->eku_oids[k], eku);
		if (!ok)
			return false;
	}
	return true;
}

void nv_paths_free(struct nv_path *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i].certs);
	free(p);
}

int nv_path_verify(struct nv_cert *leaf, struct nv_cert *const *roots, size_t n_roots,
		   struct nv_cert *const *intermediates, size_t n_intermediates, int64_t at_us, const char *eku,
		   struct nv_path **paths, size_t *n_paths, struct ferry_err *e)
{
	struct builder b = { roots, n_roots, intermediates, n_intermediates, at_us, 0, NULL, 0 };
	char err[FERR_MSG_MAX] = "";
	size_t kept = 0;
	bool trusted_leaf = false;

	*paths = NULL;
	*n_paths = 0;
	if (is_valid(leaf, LEAF, 0, at_us, err, sizeof(err)) < 0)
		return ferr_set(e, REASON, "%s", err);
	for (size_t i = 0; i < n_roots && !trusted_leaf; i++)
		trusted_leaf = nv_cert_equal(roots[i], leaf);
	if (trusted_leaf) {
		b.paths = xcalloc(1, sizeof(*b.paths));
		b.paths[0].certs = xcalloc(1, sizeof(*b.paths[0].certs));
		b.paths[0].certs[0] = leaf;
		b.paths[0].n = 1;
		b.n_paths = 1;
	} else {
		struct nv_cert **chain = xcalloc(LIMIT_CERT_CHAIN_LEN + 1, sizeof(*chain));

		chain[0] = leaf;
		build(&b, chain, 1, err, sizeof(err));
		free(chain);
		if (b.n_paths == 0) {
			nv_paths_free(b.paths, b.n_paths);
			return ferr_set(e, REASON, "%s", err[0] ? err : "x509: certificate signed by unknown authority");
		}
	}
	for (size_t i = 0; i < b.n_paths; i++) {
		if (eku && !chain_allows(&b.paths[i], eku)) {
			free(b.paths[i].certs);
			continue;
		}
		b.paths[kept++] = b.paths[i];
	}
	if (kept == 0) {
		free(b.paths);
		return ferr_set(e, REASON, "x509: certificate specifies an incompatible key usage");
	}
	*paths = b.paths;
	*n_paths = kept;
	return 0;
}
