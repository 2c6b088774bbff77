/* object.c - one file's documents: apiVersion/kind dispatch, metadata, file-level checks. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/load.h"
#include "util/limits.h"
#include "util/mem.h"

#define FLUX_SOURCE_GROUP "source.toolkit.fluxcd.io/"
#define FLUX_SOURCE_V1 FLUX_SOURCE_GROUP "v1"
#define FLUX_SOURCE_V1BETA2 FLUX_SOURCE_GROUP "v1beta2"

struct file_ctx {
	struct cfg_build *b;
	const char *file;
	char **secret_ids;      /* "ns/name" of every Secret document, for the permission check */
	size_t n_secret_ids;
};

/* ObjectMeta: what ferry reads, and what `kubectl get -o yaml` adds that is accepted silently. */
static const char *const META_FIELDS[] = {
	"name", "namespace", "labels", "annotations", "generateName", "uid", "resourceVersion", "generation",
	"creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "finalizers", "ownerReferences",
	"managedFields", "selfLink", NULL,
};
static const char *const SOURCE_FIELDS[] = { "apiVersion", "kind", "metadata", "spec", "status", NULL };
static const char *const NAMESPACE_FIELDS[] = { "apiVersion", "kind", "metadata", "spec", "status", NULL };

static void read_string_map(struct cfg_doc *d, const struct cfg_ynode *meta, const char *key)
{
	const struct cfg_ynode *map = cfg_field(d, meta, "metadata", key, CFG_YMAP);

	if (!map)
		return;
	for (size_t i = 0; i < cfg_ymap_size(map); i++) {
		const struct cfg_ynode *v = cfg_ymap_value(map, i);
		_cleanup_free_ char *path = xasprintf("metadata.%s[%s]", key, cfg_ymap_key(map, i)->text);

		if (v->type != CFG_YNULL)
			cfg_field_type(d, v, path, CFG_YSTR);
	}
}

/* name (and namespace when namespaced) become path components in the state
 * directory: only DNS-1123 names pass. */
static int read_metadata(struct cfg_doc *d, const struct cfg_ynode *root, bool namespaced, const char **ns,
			 const char **name)
{
	const struct cfg_ynode *meta = cfg_ymap_get(root, "metadata"), *n;
	const char *why;
	size_t errors = d->n_errors;

	*ns = "default";
	*name = NULL;
	if (!meta || meta->type == CFG_YNULL) {
		cfg_doc_error(d, meta ? meta : root, "metadata.name", "required field is missing");
		return -1;
	}
	if (!cfg_field_type(d, meta, "metadata", CFG_YMAP))
		return -1;
	cfg_fields_known(d, meta, "metadata", META_FIELDS);
	read_string_map(d, meta, "labels");
	read_string_map(d, meta, "annotations");
	n = cfg_field(d, meta, "metadata", "name", CFG_YSTR);
	if (!n) {
		const struct cfg_ynode *raw = cfg_ymap_get(meta, "name");
		if (!raw || raw->type == CFG_YNULL)
			cfg_doc_error(d, raw ? raw : meta, "metadata.name", "required field is missing");
		return -1;
	}
	why = namespaced ? cfg_dns_subdomain_error(n->text) : cfg_dns_label_error(n->text);
	if (why) {
		cfg_doc_error(d, n, "metadata.name", "\"%s\" is not a valid name: %s", n->text, why);
		return -1;
	}
	*name = n->text;
	if (namespaced && (n = cfg_field(d, meta, "metadata", "namespace", CFG_YSTR)) && *n->text) {
		if ((why = cfg_dns_label_error(n->text))) {
			cfg_doc_error(d, n, "metadata.namespace", "\"%s\" is not a valid namespace: %s", n->text, why);
			return -1;
		}
		*ns = n->text;
	}
	return d->n_errors == errors ? 0 : -1;
}

static void read_oci_repository(struct cfg_doc *d, const struct cfg_ynode *root, const struct cfg_ynode *api)
{
	const char *ns, *name;

	if (strcmp(api->text, FLUX_SOURCE_V1) && strcmp(api->text, FLUX_SOURCE_V1BETA2)) {
		cfg_doc_error(d, api, "apiVersion",
			      "OCIRepository is not served as %s (use " FLUX_SOURCE_V1 " or " FLUX_SOURCE_V1BETA2 ")",
			      api->text);
		return;
	}
	if (!strcmp(api->text, FLUX_SOURCE_V1BETA2))
		cfg_doc_warn(d, api, "apiVersion", FLUX_SOURCE_V1BETA2 " OCIRepository is deprecated, upgrade to v1");
	cfg_fields_known(d, root, NULL, SOURCE_FIELDS);
	if (read_metadata(d, root, true, &ns, &name) < 0)
		return;
	cfg_read_source(d, root, api->text, ns, name);
}

static void read_secret(struct file_ctx *f, struct cfg_doc *d, const struct cfg_ynode *root)
{
	const char *ns, *name;

	d->sensitive = true;
	if (read_metadata(d, root, true, &ns, &name) < 0)
		return;
	f->secret_ids = xrealloc(f->secret_ids, (f->n_secret_ids + 1) * sizeof(*f->secret_ids));
	f->secret_ids[f->n_secret_ids++] = xasprintf("%s/%s", ns, name);
	cfg_read_secret(d, root, ns, name);
}

static int on_document(void *ctx, const struct cfg_ynode *root)
{
	struct file_ctx *f = ctx;
	struct cfg_doc d = { .b = f->b, .file = f->file };
	const struct cfg_ynode *api, *kind;
	const char *ns, *name;

	if (++f->b->n_objects > LIMIT_CONFIG_OBJECTS) {
		if (f->b->n_objects == LIMIT_CONFIG_OBJECTS + 1)
			cfg_build_diag(f->b, CFG_DIAG_ERROR, f->file, root->line, root->column,
				       "more than %d objects in the configuration; the rest is not read",
				       LIMIT_CONFIG_OBJECTS);
		return 0;
	}
	if (root->type != CFG_YMAP) {
		cfg_doc_error(&d, root, NULL, "expected a Kubernetes object (a mapping with apiVersion, kind and "
			      "metadata), got %s", cfg_ytype_name(root->type));
		goto out;
	}
	api = cfg_field(&d, root, NULL, "apiVersion", CFG_YSTR);
	kind = cfg_field(&d, root, NULL, "kind", CFG_YSTR);
	if (!api || !kind) {
		if (!api && !cfg_ymap_get(root, "apiVersion"))
			cfg_doc_error(&d, root, "apiVersion", "required field is missing");
		if (!kind && !cfg_ymap_get(root, "kind"))
			cfg_doc_error(&d, root, "kind", "required field is missing");
		goto out;
	}
	if (!strcmp(kind->text, "OCIRepository") && str_has_prefix(api->text, FLUX_SOURCE_GROUP)) {
		read_oci_repository(&d, root, api);
	} else if (!strcmp(kind->text, "Secret") && !strcmp(api->text, "v1")) {
		read_secret(f, &d, root);
	} else if (!strcmp(kind->text, "Namespace") && !strcmp(api->text, "v1")) {
		cfg_fields_known(&d, root, NULL, NAMESPACE_FIELDS);
		read_metadata(&d, root, false, &ns, &name);
	} else {
		cfg_doc_warn(&d, kind, "kind", "%s (apiVersion %s) is not used by ferry (ignored)", kind->text,
			     api->text);
	}
out:
	cfg_doc_reset(&d);
	return 0;
}

void cfg_load_file_text(struct cfg_build *b, const char *file, const char *text, size_t len, mode_t mode)
{
	struct file_ctx f = { .b = b, .file = file };
	struct cfg_yerr yerr;

	if (len > LIMIT_CONFIG_FILE_BYTES) {
		cfg_build_diag(b, CFG_DIAG_ERROR, file, 0, 0, "file is larger than %llu bytes; not read",
			       (unsigned long long)LIMIT_CONFIG_FILE_BYTES);
		return;
	}
	if (cfg_yaml_parse(text, len, on_document, &f, &yerr) < 0) {
		if (yerr.line > 0)
			cfg_build_diag(b, CFG_DIAG_ERROR, file, yerr.line, yerr.column, "%s", yerr.msg);
		else
			cfg_build_diag(b, CFG_DIAG_ERROR, file, 0, 0, "%s", yerr.msg);
	}
	for (size_t i = 0; i < f.n_secret_ids; i++) {
		if (mode != (mode_t)-1 && (mode & S_IROTH)) {
			b->set->n_exposed_secrets++;
			cfg_build_diag(b, CFG_DIAG_WARNING, file, 0, 0,
				       "holds Secret %s but is readable by all users (mode %04o); make it readable "
				       "only by root and the ferry group (chmod 0640)",
				       f.secret_ids[i], (unsigned)(mode & 07777));
		}
		free(f.secret_ids[i]);
	}
	free(f.secret_ids);
}
