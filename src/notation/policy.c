/* policy.c - trust policy document: Go decoding, Flux cleaning, notation-go validation, selection. */
#include "notation/policy.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "notation/gojson.h"
#include "notation/identity.h"
#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"

#define REASON "VerificationError"
#define TRUST_POLICY_LINK "https://notaryproject.dev/docs/quickstart/#create-a-trust-policy"

static const char *const check_names[NV_CHECK_COUNT] = {
	"integrity", "authenticity", "authenticTimestamp", "expiry", "revocation"
};
static const char *const action_names[] = { "enforce", "log", "skip" };

static const struct {
	const char *name;
	enum nv_action actions[NV_CHECK_COUNT];
} levels[] = {
	{ "strict", { NV_ACTION_ENFORCE, NV_ACTION_ENFORCE, NV_ACTION_ENFORCE, NV_ACTION_ENFORCE, NV_ACTION_ENFORCE } },
	{ "permissive", { NV_ACTION_ENFORCE, NV_ACTION_ENFORCE, NV_ACTION_LOG, NV_ACTION_LOG, NV_ACTION_LOG } },
	{ "audit", { NV_ACTION_ENFORCE, NV_ACTION_LOG, NV_ACTION_LOG, NV_ACTION_LOG, NV_ACTION_LOG } },
	{ "skip", { NV_ACTION_SKIP, NV_ACTION_SKIP, NV_ACTION_SKIP, NV_ACTION_SKIP, NV_ACTION_SKIP } },
};

const char *nv_check_name(enum nv_check c)
{
	return c < NV_CHECK_COUNT ? check_names[c] : "unknown";
}

const char *nv_action_name(enum nv_action a)
{
	return (size_t)a < ARRAY_SIZE(action_names) ? action_names[a] : "unknown";
}

/* ---- decoding (Go's json.Unmarshal into trustpolicy.Document) ---------- */

static void statement_clear(struct nv_statement *st)
{
	free(st->name);
	gj_strv_free(st->registry_scopes, st->n_registry_scopes);
	free(st->level);
	for (size_t i = 0; i < st->n_overrides; i++) {
		free(st->overrides[i].type);
		free(st->overrides[i].action);
	}
	free(st->overrides);
	free(st->verify_timestamp);
	gj_strv_free(st->trust_stores, st->n_trust_stores);
	gj_strv_free(st->trusted_identities, st->n_trusted_identities);
	memset(st, 0, sizeof(*st));
}

static void statement_init(struct nv_statement *st)
{
	memset(st, 0, sizeof(*st));
	st->name = xstrdup("");
	st->level = xstrdup("");
	st->verify_timestamp = xstrdup("");
}

void nv_policy_free(struct nv_policy *p)
{
	if (!p)
		return;
	free(p->version);
	for (size_t i = 0; i < p->n_statements; i++)
		statement_clear(&p->statements[i]);
	free(p->statements);
	free(p);
}

static void override_set(struct nv_statement *st, const char *type, const char *action)
{
	size_t at = 0;

	while (at < st->n_overrides && strcmp(st->overrides[at].type, type) < 0)
		at++;
	if (at < st->n_overrides && strcmp(st->overrides[at].type, type) == 0) {
		free(st->overrides[at].action);
		st->overrides[at].action = xstrdup(action);
		return;
	}
	st->overrides = xrealloc(st->overrides, (st->n_overrides + 1) * sizeof(*st->overrides));
	memmove(&st->overrides[at + 1], &st->overrides[at], (st->n_overrides - at) * sizeof(*st->overrides));
	st->overrides[at].type = xstrdup(type);
	st->overrides[at].action = xstrdup(action);
	st->n_overrides++;
}

static void override_clear(struct nv_statement *st)
{
	for (size_t i = 0; i < st->n_overrides; i++) {
		free(st->overrides[i].type);
		free(st->overrides[i].action);
	}
	free(st->overrides);
	st->overrides = NULL;
	st->n_overrides = 0;
}

static void decode_override(struct gj_dec *d, const struct gj_value *v, struct nv_statement *st)
{
	if (v->kind == GJ_NULL) {
		override_clear(st);
		st->has_override = false;
		return;
	}
	if (v->kind != GJ_OBJECT) {
		gj_type_error(d, v, "map[trustpolicy.ValidationType]trustpolicy.ValidationAction");
		return;
	}
	st->has_override = true;
	for (size_t i = 0; i < v->n_members; i++) {
		const struct gj_member *m = &v->members[i];
		char *action = xstrdup("");

		if (memchr(m->key, '\0', m->key_len)) {
			gj_error(d, "json: a string holding a NUL character is not supported");
			free(action);
			continue;
		}
		gj_string(d, &m->value, &action, "trustpolicy.ValidationAction");
		override_set(st, m->key, action);
		free(action);
	}
}

static void decode_signature_verification(struct gj_dec *d, const struct gj_value *v, struct nv_statement *st)
{
	if (v->kind == GJ_NULL)
		return;
	if (v->kind != GJ_OBJECT) {
		gj_type_error(d, v, "trustpolicy.SignatureVerification");
		return;
	}
	for (size_t i = 0; i < v->n_members; i++) {
		const struct gj_member *m = &v->members[i];
		struct gj_frame f;

		if (gj_key_is(m, "level")) {
			f = gj_enter(d, "SignatureVerification", "level");
			gj_string(d, &m->value, &st->level, "string");
		} else if (gj_key_is(m, "override")) {
			f = gj_enter(d, "SignatureVerification", "override");
			decode_override(d, &m->value, st);
		} else if (gj_key_is(m, "verifyTimestamp")) {
			f = gj_enter(d, "SignatureVerification", "verifyTimestamp");
			gj_string(d, &m->value, &st->verify_timestamp, "trustpolicy.TimestampOption");
		} else {
			continue;
		}
		gj_leave(d, f);
	}
}

static void decode_statement(struct gj_dec *d, const struct gj_value *v, struct nv_statement *st)
{
	if (v->kind == GJ_NULL)
		return;
	if (v->kind != GJ_OBJECT) {
		gj_type_error(d, v, "trustpolicy.TrustPolicy");
		return;
	}
	for (size_t i = 0; i < v->n_members; i++) {
		const struct gj_member *m = &v->members[i];
		struct gj_frame f;
		bool set;

		if (gj_key_is(m, "name")) {
			f = gj_enter(d, "TrustPolicy", "name");
			gj_string(d, &m->value, &st->name, "string");
		} else if (gj_key_is(m, "registryScopes")) {
			f = gj_enter(d, "TrustPolicy", "registryScopes");
			gj_strings(d, &m->value, &st->registry_scopes, &st->n_registry_scopes, &set);
		} else if (gj_key_is(m, "signatureVerification")) {
			f = gj_enter(d, "TrustPolicy", "signatureVerification");
			decode_signature_verification(d, &m->value, st);
		} else if (gj_key_is(m, "trustStores")) {
			f = gj_enter(d, "TrustPolicy", "trustStores");
			gj_strings(d, &m->value, &st->trust_stores, &st->n_trust_stores, &st->has_trust_stores);
		} else if (gj_key_is(m, "trustedIdentities")) {
			f = gj_enter(d, "TrustPolicy", "trustedIdentities");
			gj_strings(d, &m->value, &st->trusted_identities, &st->n_trusted_identities,
				   &st->has_trusted_identities);
		} else {
			continue;
		}
		gj_leave(d, f);
	}
}

static void decode_statements(struct gj_dec *d, const struct gj_value *v, struct nv_policy *p)
{
	size_t i;

	if (v->kind == GJ_NULL) {
		for (i = 0; i < p->n_statements; i++)
			statement_clear(&p->statements[i]);
		free(p->statements);
		p->statements = NULL;
		p->n_statements = 0;
		return;
	}
	if (v->kind != GJ_ARRAY) {
		gj_type_error(d, v, "[]trustpolicy.TrustPolicy");
		return;
	}
	if (v->n_items > p->n_statements) {
		p->statements = xrealloc(p->statements, v->n_items * sizeof(*p->statements));
		for (i = p->n_statements; i < v->n_items; i++)
			statement_init(&p->statements[i]);
	}
	for (i = v->n_items; i < p->n_statements; i++)
		statement_clear(&p->statements[i]);
	p->n_statements = v->n_items;
	for (i = 0; i < v->n_items; i++)
		decode_statement(d, &v->items[i], &p->statements[i]);
}

/* ferry's bounds (Go has none): validation compares names, scopes and
 * identities pairwise. */
static int check_size(const struct nv_policy *p, struct ferry_err *e)
{
	size_t values = 0;

	if (p->n_statements > LIMIT_TRUST_POLICY_STATEMENTS)
		return ferr_set(e, REASON, "trust policy document has more than %d trust policy statements",
				LIMIT_TRUST_POLICY_STATEMENTS);
	for (size_t i = 0; i < p->n_statements; i++)
		values += p->statements[i].n_registry_scopes + p->statements[i].n_trust_stores +
			  p->statements[i].n_trusted_identities;
	if (values > LIMIT_TRUST_POLICY_VALUES)
		return ferr_set(e, REASON,
				"trust policy document has more than %d registry scopes, trust stores and trusted "
				"identities", LIMIT_TRUST_POLICY_VALUES);
	return 0;
}

int nv_policy_parse(const void *data, size_t len, struct nv_policy **out, struct ferry_err *e)
{
	struct nv_policy *p = xcalloc(1, sizeof(*p));
	struct gj_value *doc = NULL;
	struct gj_dec d;
	char err[256];

	*out = NULL;
	gj_dec_init(&d);
	p->version = xstrdup("");
	if (gj_parse(data, len, &doc, err, sizeof(err)) < 0) {
		ferr_set(e, REASON, "%s", err);
		goto fail;
	}
	if (doc->kind == GJ_OBJECT) {
		for (size_t i = 0; i < doc->n_members; i++) {
			const struct gj_member *m = &doc->members[i];
			struct gj_frame f;

			if (gj_key_is(m, "version")) {
				f = gj_enter(&d, "Document", "version");
				gj_string(&d, &m->value, &p->version, "string");
			} else if (gj_key_is(m, "trustPolicies")) {
				f = gj_enter(&d, "Document", "trustPolicies");
				decode_statements(&d, &m->value, p);
			} else {
				continue;
			}
			gj_leave(&d, f);
		}
	} else if (doc->kind != GJ_NULL) {
		gj_type_error(&d, doc, "trustpolicy.Document");
	}
	if (d.error) {
		ferr_set(e, REASON, "%s", d.error);
		goto fail;
	}
	if (check_size(p, e) < 0)
		goto fail;
	gj_free(doc);
	gj_dec_free(&d);
	*out = p;
	return 0;
fail:
	gj_free(doc);
	gj_dec_free(&d);
	nv_policy_free(p);
	return -1;
}

/* ---- Flux's CleanTrustPolicy --------------------------------------------- */

size_t nv_policy_clean(struct nv_policy *p)
{
	size_t cleaned = 0;

	for (size_t i = 0; i < p->n_statements; i++) {
		struct nv_statement *st = &p->statements[i];

		if (strcmp(st->level, "skip") != 0)
			continue;
		if (st->n_trust_stores > 0 || st->n_trusted_identities > 0) {
			log_warn("warning: trust policy statement '%s' is set to skip signature verification but "
				 "configured with trust stores and/or trusted identities. Ignoring trust stores and "
				 "trusted identities", st->name);
			cleaned++;
		}
		gj_strv_free(st->trust_stores, st->n_trust_stores);
		gj_strv_free(st->trusted_identities, st->n_trusted_identities);
		st->trust_stores = NULL;
		st->trusted_identities = NULL;
		st->n_trust_stores = st->n_trusted_identities = 0;
		st->has_trust_stores = st->has_trusted_identities = true;
	}
	return cleaned;
}

/* ---- levels ------------------------------------------------------------------ */

static int check_by_name(const char *s)
{
	for (int i = 0; i < NV_CHECK_COUNT; i++)
		if (strcmp(s, check_names[i]) == 0)
			return i;
	return -1;
}

static int action_by_name(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(action_names); i++)
		if (strcmp(s, action_names[i]) == 0)
			return (int)i;
	return -1;
}

int nv_statement_level(const struct nv_statement *st, const char **name, enum nv_action actions[NV_CHECK_COUNT],
		       struct ferry_err *e)
{
	int base = -1;

	if (!st->level[0])
		return ferr_set(e, REASON, "signature verification level is empty or missing in the trust policy "
					   "statement");
	for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
		if (strcmp(st->level, levels[i].name) == 0)
			base = (int)i;
	if (base < 0) {
		_cleanup_free_ char *q = gj_quote(st->level);
		return ferr_set(e, REASON, "invalid signature verification level %s", q);
	}
	memcpy(actions, levels[base].actions, sizeof(levels[base].actions));
	*name = levels[base].name;
	if (st->n_overrides == 0)
		return 0;
	if (strcmp(levels[base].name, "skip") == 0)
		return ferr_set(e, REASON,
				"signature verification level \"skip\" can't be used to customize signature verification");
	*name = "custom";
	for (size_t i = 0; i < st->n_overrides; i++) {
		int type = check_by_name(st->overrides[i].type);
		int action = action_by_name(st->overrides[i].action);
		_cleanup_free_ char *qt = gj_quote(st->overrides[i].type);

		if (type < 0)
			return ferr_set(e, REASON,
					"verification type %s in custom signature verification is not supported, "
					"supported values are [\"integrity\" \"authenticity\" \"authenticTimestamp\" "
					"\"expiry\" \"revocation\"]", qt);
		if (action < 0) {
			_cleanup_free_ char *qa = gj_quote(st->overrides[i].action);
			return ferr_set(e, REASON,
					"verification action %s in custom signature verification is not supported, "
					"supported values are [\"enforce\" \"log\" \"skip\"]", qa);
		}
		if (type == NV_CHECK_INTEGRITY)
			return ferr_set(e, REASON,
					"%s verification can not be overridden in custom signature verification", qt);
		if (type != NV_CHECK_REVOCATION && action == NV_ACTION_SKIP)
			return ferr_set(e, REASON, "%s verification can not be skipped in custom signature verification",
					qt);
		actions[type] = (enum nv_action)action;
	}
	return 0;
}

/* ---- validation ------------------------------------------------------------- */

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* ^label(\.label)*(:[0-9]+)?$, label = alnum, or alnum [alnum-]* alnum */
static bool domain_ok(const char *s, size_t n)
{
	size_t i = 0;

	for (;;) {
		size_t start = i;

		while (i < n && (is_alnum(s[i]) || s[i] == '-'))
			i++;
		if (i == start || !is_alnum(s[start]) || !is_alnum(s[i - 1]))
			return false;
		if (i < n && s[i] == '.') {
			i++;
			continue;
		}
		break;
	}
	if (i < n && s[i] == ':') {
		size_t start = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return false;
	}
	return i == n;
}

/* one path component: [a-z0-9]+ ((\.|_|__|-*)[a-z0-9]+)* */
static bool component_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower_alnum(s[0]))
		return false;
	while (i < n) {
		while (i < n && is_lower_alnum(s[i]))
			i++;
		if (i == n)
			return true;
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == n || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

static bool repository_ok(const char *s)
{
	const char *p = s;

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (!component_ok(p, n))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

int nv_scope_validate(const char *scope, struct ferry_err *e)
{
	static const char ensure[] = "make sure it is a fully qualified repository without the scheme, protocol or "
				     "tag. For example domain.com/my/repository or a local scope like local/myOCILayout";
	_cleanup_free_ char *q = gj_quote(scope);
	const char *slash;

	if (strlen(scope) > 1 && strchr(scope, '*'))
		return ferr_set(e, REASON, "registry scope %s with wild card(s) is not valid, %s", q, ensure);
	slash = strchr(scope, '/');
	if (!slash || slash == scope || !slash[1] || !domain_ok(scope, (size_t)(slash - scope)) ||
	    !repository_ok(slash + 1))
		return ferr_set(e, REASON, "registry scope %s is not valid, %s", q, ensure);
	return 0;
}

static bool store_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_alnum(*s) && *s != '_' && *s != '.' && *s != '-')
			return false;
	return true;
}

static int validate_trust_stores(const struct nv_statement *st, const char *qn, struct ferry_err *e)
{
	for (size_t i = 0; i < st->n_trust_stores; i++) {
		const char *ts = st->trust_stores[i];
		const char *colon = strchr(ts, ':');
		_cleanup_free_ char *qv = gj_quote(ts);
		_cleanup_free_ char *type = NULL;

		if (!colon)
			return ferr_set(e, REASON,
					"trust policy statement %s has malformed trust store value %s. The required "
					"format is <TrustStoreType>:<TrustStoreName>", qn, qv);
		type = xstrndup(ts, (size_t)(colon - ts));
		if (strcmp(type, NV_STORE_CA) != 0 && strcmp(type, NV_STORE_SIGNING_AUTHORITY) != 0 &&
		    strcmp(type, NV_STORE_TSA) != 0) {
			_cleanup_free_ char *qt = gj_quote(type);
			return ferr_set(e, REASON,
					"trust policy statement %s uses an unsupported trust store type %s in trust store "
					"value %s", qn, qt, qv);
		}
		if (!store_name_ok(colon + 1)) {
			_cleanup_free_ char *qs = gj_quote(colon + 1);
			return ferr_set(e, REASON,
					"trust policy statement %s uses an unsupported trust store name %s in trust store "
					"value %s. Named store name needs to follow [a-zA-Z0-9_.-]+ format", qn, qs, qv);
		}
	}
	return 0;
}

static int validate_statement_core(const struct nv_statement *st, struct ferry_err *e)
{
	_cleanup_free_ char *qn = gj_quote(st->name);
	enum nv_action actions[NV_CHECK_COUNT];
	const char *level;

	if (!st->name[0])
		return ferr_set(e, REASON, "a trust policy statement is missing a name, every statement requires a name");
	if (nv_statement_level(st, &level, actions, e) < 0)
		return ferr_prefix(e, "trust policy statement %s has invalid signatureVerification", qn);
	if (st->verify_timestamp[0] && strcmp(st->verify_timestamp, "always") != 0 &&
	    strcmp(st->verify_timestamp, "afterCertExpiry") != 0) {
		_cleanup_free_ char *qv = gj_quote(st->verify_timestamp);
		return ferr_set(e, REASON,
				"trust policy statement %s has invalid signatureVerification: verifyTimestamp must be "
				"\"always\" or \"afterCertExpiry\", but got %s", qn, qv);
	}
	if (strcmp(level, "skip") == 0) {
		if (st->n_trust_stores > 0 || st->n_trusted_identities > 0)
			return ferr_set(e, REASON,
					"trust policy statement %s is set to skip signature verification but configured "
					"with trust stores and/or trusted identities, remove them if signature "
					"verification needs to be skipped", qn);
		return 0;
	}
	if (st->n_trust_stores == 0 || st->n_trusted_identities == 0)
		return ferr_set(e, REASON,
				"trust policy statement %s is either missing trust stores or trusted identities, both "
				"must be specified", qn);
	if (validate_trust_stores(st, qn, e) < 0)
		return -1;
	return nv_identities_validate(st->name, st->trusted_identities, st->n_trusted_identities, e);
}

static bool has_scope(const struct nv_statement *st, const char *scope)
{
	for (size_t i = 0; i < st->n_registry_scopes; i++)
		if (strcmp(st->registry_scopes[i], scope) == 0)
			return true;
	return false;
}

static int validate_registry_scopes(const struct nv_policy *p, struct ferry_err *e)
{
	for (size_t i = 0; i < p->n_statements; i++) {
		const struct nv_statement *st = &p->statements[i];
		_cleanup_free_ char *qn = gj_quote(st->name);

		if (st->n_registry_scopes == 0)
			return ferr_set(e, REASON,
					"trust policy statement %s has zero registry scopes, it must specify registry "
					"scopes with at least one value", qn);
		if (st->n_registry_scopes > 1 && has_scope(st, NV_SCOPE_WILDCARD))
			return ferr_set(e, REASON,
					"trust policy statement %s uses wildcard registry scope '*', a wildcard scope "
					"cannot be used in conjunction with other scope values", qn);
		for (size_t j = 0; j < st->n_registry_scopes; j++)
			if (strcmp(st->registry_scopes[j], NV_SCOPE_WILDCARD) != 0 &&
			    nv_scope_validate(st->registry_scopes[j], e) < 0)
				return -1;
	}
	/* Go walks a map here (random order); ferry names the first repeated
	 * scope in document order. Every occurrence counts, also within one
	 * statement. */
	for (size_t i = 0; i < p->n_statements; i++) {
		const struct nv_statement *st = &p->statements[i];

		for (size_t j = 0; j < st->n_registry_scopes; j++) {
			const char *scope = st->registry_scopes[j];
			size_t count = 0;

			for (size_t k = 0; k < p->n_statements; k++)
				for (size_t l = 0; l < p->statements[k].n_registry_scopes; l++)
					if (strcmp(p->statements[k].registry_scopes[l], scope) == 0)
						count++;
			if (count > 1) {
				_cleanup_free_ char *qs = gj_quote(scope);
				return ferr_set(e, REASON,
						"registry scope %s is present in multiple trust policy statements, one "
						"registry scope value can only be associated with one statement", qs);
			}
		}
	}
	return 0;
}

int nv_policy_validate(const struct nv_policy *p, struct ferry_err *e)
{
	if (!p->version[0])
		return ferr_set(e, REASON, "trust policy document has empty version, version must be specified");
	if (strcmp(p->version, "1.0") != 0) {
		_cleanup_free_ char *q = gj_quote(p->version);
		return ferr_set(e, REASON, "trust policy document uses unsupported version %s", q);
	}
	if (p->n_statements == 0)
		return ferr_set(e, REASON, "trust policy document can not have zero trust policy statements");
	for (size_t i = 0; i < p->n_statements; i++) {
		const struct nv_statement *st = &p->statements[i];

		for (size_t j = 0; j < i; j++) {
			if (strcmp(p->statements[j].name, st->name) == 0) {
				_cleanup_free_ char *q = gj_quote(st->name);
				return ferr_set(e, REASON,
						"multiple trust policy statements use the same name %s, statement names "
						"must be unique", q);
			}
		}
		if (validate_statement_core(st, e) < 0)
			return ferr_prefix(e, "trust policy");
	}
	return validate_registry_scopes(p, e);
}

/* ---- selection ----------------------------------------------------------------- */

int nv_policy_select(const struct nv_policy *p, const char *reference, const struct nv_statement **out,
		     struct ferry_err *e)
{
	const struct nv_statement *wildcard = NULL, *exact = NULL;
	const char *at = strrchr(reference, '@');
	_cleanup_free_ char *q = gj_quote(reference);
	_cleanup_free_ char *path = NULL;

	*out = NULL;
	if (!at)
		return ferr_set(e, REASON,
				"artifact URI %s could not be parsed, make sure it is the fully qualified oci artifact "
				"URI without the scheme/protocol. e.g domain.com:80/my/repository@sha256:digest", q);
	path = xstrndup(reference, (size_t)(at - reference));
	if (nv_scope_validate(path, e) < 0)
		return -1;
	for (size_t i = 0; i < p->n_statements; i++) {
		const struct nv_statement *st = &p->statements[i];

		if (has_scope(st, NV_SCOPE_WILDCARD))
			wildcard = st;
		else if (has_scope(st, path))
			exact = st;
	}
	*out = exact ? exact : wildcard;
	if (!*out)
		return ferr_set(e, REASON,
				"artifact %s has no applicable trust policy statement. Trust policy applicability for a "
				"given artifact is determined by registryScopes. To create a trust policy, see: %s",
				q, TRUST_POLICY_LINK);
	return 0;
}

bool nv_statement_has_store_type(const struct nv_statement *st, const char *type)
{
	size_t n = strlen(type);

	for (size_t i = 0; i < st->n_trust_stores; i++)
		if (strncmp(st->trust_stores[i], type, n) == 0 && st->trust_stores[i][n] == ':')
			return true;
	return false;
}

/* ---- canonical form ------------------------------------------------------------ */

static json_t *strv_json(char **v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

char *nv_policy_canonical(const struct nv_policy *p)
{
	json_t *doc = json_object();
	json_t *stmts = json_array();
	char *s;

	json_object_set_new(doc, "version", json_string(p->version));
	for (size_t i = 0; i < p->n_statements; i++) {
		const struct nv_statement *st = &p->statements[i];
		json_t *o = json_object();
		json_t *sv = json_object();
		json_t *ov = json_object();

		for (size_t j = 0; j < st->n_overrides; j++)
			json_object_set_new(ov, st->overrides[j].type, json_string(st->overrides[j].action));
		json_object_set_new(sv, "level", json_string(st->level));
		json_object_set_new(sv, "override", ov);
		json_object_set_new(sv, "verifyTimestamp", json_string(st->verify_timestamp));
		json_object_set_new(o, "name", json_string(st->name));
		json_object_set_new(o, "registryScopes", strv_json(st->registry_scopes, st->n_registry_scopes));
		json_object_set_new(o, "signatureVerification", sv);
		json_object_set_new(o, "trustStores", strv_json(st->trust_stores, st->n_trust_stores));
		json_object_set_new(o, "trustedIdentities",
				    strv_json(st->trusted_identities, st->n_trusted_identities));
		json_array_append_new(stmts, o);
	}
	json_object_set_new(doc, "trustPolicies", stmts);
	s = fjson_dump(doc, false);
	json_decref(doc);
	return s;
}
