/*
 * dockercfg.c - find the credentials for one repository in an image pull
 * Secret, the way Kubernetes' keyring (and so Flux) does.
 */
#include "oci/dockercfg.h"

#include <ctype.h>
#include <fnmatch.h>
#include <string.h>
#include <strings.h>

#include "util/b64.h"
#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/mem.h"

#define TYPE_DOCKERCONFIGJSON "kubernetes.io/dockerconfigjson"
#define TYPE_DOCKERCFG        "kubernetes.io/dockercfg"
#define KEY_DOCKERCONFIGJSON  ".dockerconfigjson"
#define KEY_DOCKERCFG         ".dockercfg"

void oci_creds_free(struct oci_creds *c)
{
	if (!c)
		return;
	if (c->password)
		explicit_bzero(c->password, strlen(c->password));
	if (c->identity_token)
		explicit_bzero(c->identity_token, strlen(c->identity_token));
	if (c->registry_token)
		explicit_bzero(c->registry_token, strlen(c->registry_token));
	free(c->username);
	free(c->password);
	free(c->identity_token);
	free(c->registry_token);
	free(c->matched_key);
	memset(c, 0, sizeof(*c));
}

static const struct cfg_secret_entry *secret_entry(const struct cfg_secret *s, const char *key)
{
	for (size_t i = 0; i < s->n_entries; i++)
		if (!strcmp(s->entries[i].key, key))
			return &s->entries[i];
	return NULL;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Docker Hub answers to several names; credentials for one apply to all. */
static const char *hub_alias(const char *host)
{
	if (!strcmp(host, "index.docker.io") || !strcmp(host, "registry-1.docker.io") ||
	    !strcmp(host, "docker.io"))
		return "docker.io";
	return host;
}

/* Split "host[:port]/path" (scheme already removed) into lower-case host,
 * port and path, Kubernetes style: "/v1/..." and "/v2/..." count as "/...". */
static void split_key(const char *key, char **host, char **port, char **path)
{
	const char *slash = key + strcspn(key, "/?#");
	char *hp = xstrndup(key, (size_t)(slash - key));
	char *at = strrchr(hp, '@');
	char *h = at ? at + 1 : hp;
	char *colon = h[0] == '[' ? strstr(h, "]:") : strrchr(h, ':');
	const char *pth = slash;
	size_t plen;

	if (colon && h[0] == '[')
		colon++;
	*port = xstrdup(colon ? colon + 1 : "");
	if (colon)
		*colon = '\0';
	*host = xstrdup(hub_alias(h));
	free(hp);
	lower(*host);
	plen = strcspn(pth, "?#");
	if (plen >= 4 && (!strncmp(pth, "/v2/", 4) || !strncmp(pth, "/v1/", 4))) {
		pth += 3;
		plen -= 3;
	}
	*path = xstrndup(pth, plen);
	if (!strcmp(*path, "/"))
		(*path)[0] = '\0';
}

static const char *strip_scheme(const char *key)
{
	if (!strncasecmp(key, "https://", 8))
		return key + 8;
	if (!strncasecmp(key, "http://", 7))
		return key + 7;
	return key;
}

static bool hosts_match(const char *glob, const char *host)
{
	const char *g = glob, *h = host;

	for (;;) {
		size_t gl = strcspn(g, "."), hl = strcspn(h, ".");
		char *gp = xstrndup(g, gl), *hpart = xstrndup(h, hl);
		bool ok = fnmatch(gp, hpart, 0) == 0;

		free(gp);
		free(hpart);
		if (!ok)
			return false;
		g += gl;
		h += hl;
		if (!*g || !*h)
			return !*g && !*h;
		g++;
		h++;
	}
}

bool oci_dockercfg_key_matches(const char *key, const char *registry, const char *repository)
{
	char *kh, *kp, *kpath, *th, *tp, *tpath, *target;
	bool ok;

	target = xasprintf("%s/%s", registry, repository);
	split_key(strip_scheme(key), &kh, &kp, &kpath);
	split_key(target, &th, &tp, &tpath);
	ok = *kh && !strcmp(kp, tp) && str_has_prefix(tpath, kpath) && hosts_match(kh, th);
	free(target);
	free(kh);
	free(kp);
	free(kpath);
	free(th);
	free(tp);
	free(tpath);
	return ok;
}

/* The normalised key Kubernetes sorts by: host[:port] + effective path. */
static char *sort_key(const char *key)
{
	char *h, *p, *path, *out;

	split_key(strip_scheme(key), &h, &p, &path);
	out = xasprintf("%s%s%s%s", h, *p ? ":" : "", p, path);
	free(h);
	free(p);
	free(path);
	return out;
}

struct candidate {
	char *sort;
	const char *key;
	json_t *entry;
	size_t order;
};

static int cmp_candidate(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	int c = strcmp(y->sort, x->sort);   /* reverse: most specific first */

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int entry_string(const json_t *entry, const char *field, const char *key, char **out,
			struct ferry_err *e)
{
	json_t *v = json_object_get(entry, field);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return ferr_set(e, "", "auths[\"%.200s\"].%s: must be a string", key, field);
	if (*json_string_value(v))
		*out = xstrdup(json_string_value(v));
	return 0;
}

static int read_entry(const char *key, const json_t *entry, struct oci_creds *out, struct ferry_err *e)
{
	char *auth = NULL;
	int r = -1;

	if (!json_is_object(entry))
		return ferr_set(e, "", "auths[\"%.200s\"]: must be an object", key);
	if (entry_string(entry, "username", key, &out->username, e) < 0 ||
	    entry_string(entry, "password", key, &out->password, e) < 0 ||
	    entry_string(entry, "identitytoken", key, &out->identity_token, e) < 0 ||
	    entry_string(entry, "registrytoken", key, &out->registry_token, e) < 0 ||
	    entry_string(entry, "auth", key, &auth, e) < 0)
		goto out;
	if (auth) {
		struct buf dec = BUF_INIT(LIMIT_SECRET_VALUE_BYTES);
		char *colon;

		if (b64_decode_std(auth, strlen(auth), LIMIT_SECRET_VALUE_BYTES, &dec, NULL) < 0) {
			buf_free(&dec);
			ferr_set(e, "", "auths[\"%.200s\"].auth: not valid base64 (expected base64 of "
				 "'username:password')", key);
			goto out;
		}
		buf_cstr(&dec);
		colon = dec.len == strlen((char *)dec.data) ? strchr((char *)dec.data, ':') : NULL;
		if (!colon) {
			explicit_bzero(dec.data, dec.len);
			buf_free(&dec);
			ferr_set(e, "", "auths[\"%.200s\"].auth: expected base64 of 'username:password'", key);
			goto out;
		}
		free(out->username);
		if (out->password)
			explicit_bzero(out->password, strlen(out->password));
		free(out->password);
		out->username = xstrndup((char *)dec.data, (size_t)(colon - (char *)dec.data));
		out->password = xstrdup(colon + 1);
		explicit_bzero(dec.data, dec.len);
		buf_free(&dec);
	}
	out->matched_key = xstrdup(key);
	r = 0;
out:
	if (auth) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	return r;
}

/* jansson's messages quote the text near the error, here the Secret's own
 * bytes (a password, a token): say where, never what. */
static json_t *parse_secret_json(const struct cfg_secret *s, const struct cfg_secret_entry *ent, const char *key,
				 struct ferry_err *e)
{
	json_error_t jerr;
	json_t *doc = json_loadb((const char *)ent->value, ent->len, JSON_DECODE_ANY, &jerr);

	if (!doc) {
		ferr_set(e, "", "secret '%s/%s': %s: not valid JSON (line %d, column %d)", s->ns, s->name, key,
			 jerr.line, jerr.column);
		return NULL;
	}
	if (fjson_depth(doc) > LIMIT_JSON_DEPTH) {
		json_decref(doc);
		ferr_set(e, "", "secret '%s/%s': %s: nesting deeper than %d levels", s->ns, s->name, key,
			 LIMIT_JSON_DEPTH);
		return NULL;
	}
	return doc;
}

int oci_dockercfg_lookup(const struct cfg_secret *s, const char *registry, const char *repository,
			 struct oci_creds *out, bool *found, struct ferry_err *e)
{
	const struct cfg_secret_entry *ent = NULL;
	struct candidate *cands = NULL;
	json_t *doc = NULL, *auths;
	const char *k;
	json_t *v;
	size_t n = 0, i;
	bool legacy;
	int r = -1;

	memset(out, 0, sizeof(*out));
	*found = false;
	if (str_eq(s->type, TYPE_DOCKERCONFIGJSON)) {
		ent = secret_entry(s, KEY_DOCKERCONFIGJSON);
		legacy = false;
	} else if (str_eq(s->type, TYPE_DOCKERCFG)) {
		ent = secret_entry(s, KEY_DOCKERCFG);
		legacy = true;
	} else {
		ent = secret_entry(s, KEY_DOCKERCONFIGJSON);
		legacy = false;
		if (!ent && (ent = secret_entry(s, KEY_DOCKERCFG)))
			legacy = true;
		if (!ent)
			return ferr_set(e, "", "secret '%s/%s' of type '%s' is not an image pull secret: "
					"expected type '%s' with key '%s'", s->ns, s->name,
					s->type ? s->type : "Opaque", TYPE_DOCKERCONFIGJSON, KEY_DOCKERCONFIGJSON);
	}
	if (!ent)
		return ferr_set(e, "", "secret '%s/%s': key '%s' not found", s->ns, s->name,
				legacy ? KEY_DOCKERCFG : KEY_DOCKERCONFIGJSON);

	doc = parse_secret_json(s, ent, legacy ? KEY_DOCKERCFG : KEY_DOCKERCONFIGJSON, e);
	if (!doc)
		return -1;
	if (!json_is_object(doc)) {
		ferr_set(e, "", "secret '%s/%s': %s: must be a JSON object", s->ns, s->name,
			 legacy ? KEY_DOCKERCFG : KEY_DOCKERCONFIGJSON);
		goto out;
	}
	auths = legacy ? doc : json_object_get(doc, "auths");
	if (!auths || json_is_null(auths)) {
		r = 0;
		goto out;
	}
	if (!json_is_object(auths)) {
		ferr_set(e, "", "secret '%s/%s': %s: auths must be an object", s->ns, s->name, KEY_DOCKERCONFIGJSON);
		goto out;
	}
	cands = xcalloc(json_object_size(auths) + 1, sizeof(*cands));
	json_object_foreach(auths, k, v) {
		cands[n].sort = sort_key(k);
		cands[n].key = k;
		cands[n].entry = v;
		cands[n].order = n;
		n++;
	}
	qsort(cands, n, sizeof(*cands), cmp_candidate);
	for (i = 0; i < n; i++) {
		if (!oci_dockercfg_key_matches(cands[i].key, registry, repository))
			continue;
		if (read_entry(cands[i].key, cands[i].entry, out, e) < 0) {
			oci_creds_free(out);
			ferr_prefix(e, "secret '%s/%s': %s", s->ns, s->name,
				    legacy ? KEY_DOCKERCFG : KEY_DOCKERCONFIGJSON);
			goto out;
		}
		*found = true;
		break;
	}
	r = 0;
out:
	for (i = 0; i < n; i++)
		free(cands[i].sort);
	free(cands);
	json_decref(doc);
	return r;
}
