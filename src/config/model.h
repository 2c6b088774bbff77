/*
 * model.h - the validated configuration ferry acts on: OCIRepository sources
 * and Secrets, as read from the config directory.
 *
 * Produced by config (cfg_load_dir), read-only for everyone else. The parent
 * daemon holds one cfg_set at a time and swaps it whole on reload; workers
 * inherit it across fork().
 */
#ifndef FERRY_CONFIG_MODEL_H
#define FERRY_CONFIG_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct cfg_loc {
	char *file;     /* path as found under the config dir */
	int line;       /* 1-based, of the object's document start / of the field */
	int column;     /* 1-based */
};

enum cfg_layer_op { CFG_LAYER_EXTRACT = 0, CFG_LAYER_COPY = 1 };

struct cfg_source {
	char *api_version;      /* source.toolkit.fluxcd.io/v1 or v1beta2 */
	char *ns;               /* metadata.namespace, default "default" */
	char *name;             /* metadata.name */
	struct cfg_loc loc;     /* where the document starts */

	/* spec, with Flux's defaults applied */
	char *url;              /* oci://host[:port]/repo */
	char *ref_digest;       /* NULL if unset */
	char *ref_semver;
	char *ref_semver_filter;
	char *ref_tag;          /* NULL if unset; "latest" is applied by the resolver */
	bool has_layer_selector;
	char *layer_media_type; /* NULL: first layer */
	enum cfg_layer_op layer_op;
	char *provider;         /* generic | aws | azure | gcp */
	char *secret_ref;       /* spec.secretRef.name */
	char *service_account;  /* spec.serviceAccountName (no effect outside Kubernetes) */
	char *cert_secret_ref;
	char *proxy_secret_ref;
	bool insecure;
	int64_t interval_ms;
	char *interval;         /* as written, e.g. "5m0s" */
	int64_t timeout_ms;     /* default 60000 */
	char *timeout;          /* as written or "60s" */
	bool has_ignore;
	char *ignore;           /* spec.ignore (gitignore lines), NULL if unset */
	bool suspend;
	bool has_verify;
	char *verify_provider;  /* notation | cosign */
	char *verify_secret_ref;
	/* where each secret reference's name was written (file NULL when unset) */
	struct cfg_loc secret_ref_loc;
	struct cfg_loc cert_secret_ref_loc;
	struct cfg_loc proxy_secret_ref_loc;
	struct cfg_loc verify_secret_ref_loc;

	json_t *spec;           /* the spec as parsed (YAML -> JSON), for describe */
	char spec_hash[65];     /* sha256 hex of the canonical spec JSON: changes bump generation */

	/* Validation outcome. An invalid source is not reconciled; its status gets
	 * Ready=False with this reason (URLInvalid + stalled, or InvalidSpec). */
	bool invalid;
	bool stalled;
	char *invalid_reason;
	char *invalid_message;
};

struct cfg_secret_entry {
	char *key;
	unsigned char *value;   /* decoded bytes, NUL-terminated for convenience */
	size_t len;
};

struct cfg_secret {
	char *ns;
	char *name;
	char *type;             /* "Opaque" when unset */
	struct cfg_loc loc;
	struct cfg_secret_entry *entries;  /* sorted by key; stringData wins over data */
	size_t n_entries;
	char digest[65];        /* sha256 hex over type and sorted key/value pairs */
};

enum cfg_diag_level { CFG_DIAG_WARNING, CFG_DIAG_ERROR };

struct cfg_diag {
	enum cfg_diag_level level;
	struct cfg_loc loc;
	char *message;          /* "file:line:column: ..." fully formatted */
};

struct cfg_set {
	struct cfg_source **sources;    /* sorted by namespace, then name */
	size_t n_sources;
	struct cfg_secret **secrets;    /* sorted by namespace, then name */
	size_t n_secrets;
	struct cfg_diag *diags;         /* in file order */
	size_t n_diags;
	size_t n_errors;
	size_t n_exposed_secrets;       /* Secrets in files readable by all users */
	char **rejected_secrets;        /* "ns/name" of Secrets not loaded because of errors, sorted */
	size_t n_rejected_secrets;
};

#endif
