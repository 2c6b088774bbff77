/* secret.c - a v1 Secret document: data (base64) and stringData decoded, keys checked, digest computed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config/load.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/limits.h"
#include "util/mem.h"

static const char *const SECRET_FIELDS[] = {
	"apiVersion", "kind", "metadata", "type", "data", "stringData", "immutable", NULL,
};

struct entries {
	struct cfg_secret_entry *v;
	size_t n;
};

static void entry_free(struct cfg_secret_entry *e)
{
	free(e->key);
	if (e->value) {
		explicit_bzero(e->value, e->len);
		free(e->value);
	}
}

static void entries_free(struct entries *es)
{
	for (size_t i = 0; i < es->n; i++)
		entry_free(&es->v[i]);
	free(es->v);
}

/* stringData is applied after data: the same key replaces the decoded value. */
static void entries_put(struct entries *es, const char *key, unsigned char *value, size_t len)
{
	for (size_t i = 0; i < es->n; i++) {
		if (!strcmp(es->v[i].key, key)) {
			explicit_bzero(es->v[i].value, es->v[i].len);
			free(es->v[i].value);
			es->v[i].value = value;
			es->v[i].len = len;
			return;
		}
	}
	es->v = xrealloc(es->v, (es->n + 1) * sizeof(*es->v));
	es->v[es->n].key = xstrdup(key);
	es->v[es->n].value = value;
	es->v[es->n].len = len;
	es->n++;
}

static bool key_ok(struct cfg_doc *d, const struct cfg_ynode *key, const char *path)
{
	const char *why = cfg_config_key_error(key->text);

	if (why)
		cfg_doc_error(d, key, path, "%s", why);
	return !why;
}

static void read_values(struct cfg_doc *d, const struct cfg_ynode *root, const char *field, bool base64,
			struct entries *es)
{
	const struct cfg_ynode *map = cfg_field(d, root, NULL, field, CFG_YMAP);

	if (!map)
		return;
	if (cfg_ymap_size(map) > LIMIT_SECRET_KEYS) {
		cfg_doc_error(d, map, field, "more than %d keys", LIMIT_SECRET_KEYS);
		return;
	}
	for (size_t i = 0; i < cfg_ymap_size(map); i++) {
		const struct cfg_ynode *k = cfg_ymap_key(map, i), *v = cfg_ymap_value(map, i);
		_cleanup_free_ char *path = xasprintf("%s[%s]", field, k->text);
		struct buf out = BUF_INIT(LIMIT_SECRET_VALUE_BYTES);
		size_t bad_at = 0;

		if (!key_ok(d, k, path))
			continue;
		if (v->type == CFG_YNULL) {
			entries_put(es, k->text, (unsigned char *)xstrdup(""), 0);
			continue;
		}
		if (!cfg_field_type(d, v, path, CFG_YSTR))
			continue;
		if (base64) {
			if (b64_decode_std(v->text, v->len, LIMIT_SECRET_VALUE_BYTES, &out, &bad_at) < 0) {
				if (errno == EFBIG)
					cfg_doc_error(d, v, path, "decoded value is larger than %llu bytes",
						      (unsigned long long)LIMIT_SECRET_VALUE_BYTES);
				else
					cfg_doc_error(d, v, path, "illegal base64 data at input byte %zu", bad_at);
				continue;
			}
		} else {
			if (v->len > LIMIT_SECRET_VALUE_BYTES) {
				cfg_doc_error(d, v, path, "value is larger than %llu bytes",
					      (unsigned long long)LIMIT_SECRET_VALUE_BYTES);
				continue;
			}
			buf_append(&out, v->text, v->len);
		}
		size_t len;
		unsigned char *value = (unsigned char *)buf_steal(&out, &len);
		entries_put(es, k->text, value, len);
	}
}

static const struct cfg_secret_entry *entry_get(const struct entries *es, const char *key)
{
	for (size_t i = 0; i < es->n; i++)
		if (!strcmp(es->v[i].key, key))
			return &es->v[i];
	return NULL;
}

static void require_key(struct cfg_doc *d, const struct cfg_ynode *root, const struct entries *es,
			const char *type, const char *key)
{
	const struct cfg_ynode *data = cfg_ymap_get(root, "data");

	if (!entry_get(es, key))
		cfg_doc_error(d, data && data->type == CFG_YMAP ? data : root, NULL,
			      "data[%s]: required for Secrets of type %s", key, type);
}

/* What the API server would refuse for the types ferry reads. Messages never
 * quote the value. */
static void check_type(struct cfg_doc *d, const struct cfg_ynode *root, const struct entries *es, const char *type)
{
	const struct cfg_secret_entry *e;

	if (!strcmp(type, "kubernetes.io/dockerconfigjson")) {
		require_key(d, root, es, type, ".dockerconfigjson");
		if ((e = entry_get(es, ".dockerconfigjson"))) {
			json_error_t jerr;
			json_t *j = json_loadb((const char *)e->value, e->len, JSON_DECODE_ANY, &jerr);
			if (!j || !json_is_object(j))
				cfg_doc_error(d, root, NULL, "data[.dockerconfigjson]: %s", j ? "is not a JSON object"
					      : "is not valid JSON");
			json_decref(j);
		}
	} else if (!strcmp(type, "kubernetes.io/dockercfg")) {
		require_key(d, root, es, type, ".dockercfg");
	} else if (!strcmp(type, "kubernetes.io/tls")) {
		require_key(d, root, es, type, "tls.crt");
		require_key(d, root, es, type, "tls.key");
	}
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cfg_secret_entry *)a)->key, ((const struct cfg_secret_entry *)b)->key);
}

/* sha256 over: type NUL, then per key in order: key NUL, 8-byte big-endian length, value. */
static void secret_digest(struct cfg_secret *s)
{
	struct sha256_stream h;

	sha256_stream_init(&h);
	sha256_stream_update(&h, s->type, strlen(s->type) + 1);
	for (size_t i = 0; i < s->n_entries; i++) {
		unsigned char len[8];
		uint64_t n = s->entries[i].len;

		for (int b = 7; b >= 0; b--, n >>= 8)
			len[b] = (unsigned char)(n & 0xff);
		sha256_stream_update(&h, s->entries[i].key, strlen(s->entries[i].key) + 1);
		sha256_stream_update(&h, len, sizeof(len));
		sha256_stream_update(&h, s->entries[i].value, s->entries[i].len);
	}
	sha256_stream_final_hex(&h, s->digest);
}

void cfg_read_secret(struct cfg_doc *d, const struct cfg_ynode *root, const char *ns, const char *name)
{
	struct entries es = { NULL, 0 };
	const struct cfg_ynode *n;
	const char *type = "Opaque";
	struct cfg_secret *s;

	d->sensitive = true;
	cfg_fields_known(d, root, NULL, SECRET_FIELDS);
	if ((n = cfg_field(d, root, NULL, "type", CFG_YSTR)) && *n->text)
		type = n->text;
	cfg_field(d, root, NULL, "immutable", CFG_YBOOL);
	read_values(d, root, "data", true, &es);
	read_values(d, root, "stringData", false, &es);
	if (es.n > LIMIT_SECRET_KEYS)
		cfg_doc_error(d, root, NULL, "more than %d keys in data and stringData together", LIMIT_SECRET_KEYS);
	check_type(d, root, &es, type);
	if (d->n_errors) {
		/* like the API server, an invalid Secret is not stored at all */
		cfg_build_reject_secret(d->b, ns, name);
		entries_free(&es);
		return;
	}
	s = xcalloc(1, sizeof(*s));
	s->ns = xstrdup(ns);
	s->name = xstrdup(name);
	s->type = xstrdup(type);
	s->loc.file = xstrdup(d->file);
	s->loc.line = root->line;
	s->loc.column = root->column;
	if (es.n)
		qsort(es.v, es.n, sizeof(*es.v), entry_cmp);
	s->entries = es.v;
	s->n_entries = es.n;
	secret_digest(s);
	cfg_build_add_secret(d->b, s);
}
