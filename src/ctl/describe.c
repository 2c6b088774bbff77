/* describe.c - `ferryctl describe [source oci] NAME [-n NS]`: one source in
 * detail, from the config dir (spec, when readable), the status file
 * (conditions with ages, artifact, verification) and the recent events the
 * daemon keeps. Works without the daemon. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config/config.h"
#include "ctl/ctl.h"
#include "ctl/table.h"
#include "ctl/ui.h"
#include "daemon/events.h"
#include "util/fs.h"
#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/timeutil.h"

struct described {
	json_t *status_doc;            /* the status file, NULL when absent */
	struct cfg_set *cfg;           /* NULL when the config dir is unreadable */
	char *cfg_error;
	const struct cfg_source *src;  /* in cfg, NULL when not configured */
	struct ev_ring events;
	int64_t now;
};

static json_t *read_status(int state_fd, const char *ns, const char *name)
{
	char rel[LIMIT_NAMESPACE_LEN + 16], file[LIMIT_NAME_LEN + 16];
	struct buf b;
	json_t *j = NULL;
	int dfd;

	snprintf(rel, sizeof(rel), "status/%s", ns);
	snprintf(file, sizeof(file), "%s.json", name);
	dfd = fs_open_dir_at(state_fd, rel, false, 0);
	if (dfd < 0)
		return NULL;
	if (fs_read_file_at(dfd, file, LIMIT_STATUS_FILE_BYTES, &b) == 0) {
		j = fjson_parse(b.data, b.len, "status", NULL);
		buf_free(&b);
		if (j && !json_is_object(j)) {
			json_decref(j);
			j = NULL;
		}
	}
	close(dfd);
	return j;
}

static void age(int64_t now, const char *rfc3339, char *out, size_t n)
{
	int64_t t;

	if (!rfc3339 || ftime_parse_rfc3339(rfc3339, &t, NULL) < 0) {
		snprintf(out, n, "-");
		return;
	}
	ftime_format_age(now - t, out, n);
}

static void field(int indent, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void field(int indent, const char *key, const char *fmt, ...)
{
	va_list ap;
	int pad = 27 - indent - (int)strlen(key);

	printf("%*s%s:%*s", indent, "", key, pad > 1 ? pad : 1, "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void print_reference(const struct cfg_source *src)
{
	if (src->ref_digest)
		field(2, "Reference", "digest %s", src->ref_digest);
	else if (src->ref_semver && src->ref_semver_filter)
		field(2, "Reference", "semver %s (tags matching %s)", src->ref_semver, src->ref_semver_filter);
	else if (src->ref_semver)
		field(2, "Reference", "semver %s", src->ref_semver);
	else if (src->ref_tag)
		field(2, "Reference", "tag %s", src->ref_tag);
	else
		field(2, "Reference", "tag latest (default)");
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (const char *p = s; p && *p;) {
		const char *lf = strchr(p, '\n');
		size_t len = lf ? (size_t)(lf - p) : strlen(p);

		if (len > 0 && p[0] != '#')
			n++;
		p += len + (lf ? 1 : 0);
	}
	return n;
}

static void print_spec(const struct described *x)
{
	const struct cfg_source *s = x->src;

	if (!s) {
		if (x->cfg_error)
			printf("Spec:%*sunknown (%s)\n", 23, "", x->cfg_error);
		else
			printf("Spec:%*snot in the configuration (removed?)\n", 23, "");
		return;
	}
	printf("Spec:\n");
	field(2, "URL", "%s", s->url ? s->url : "");
	print_reference(s);
	field(2, "Interval", "%s", s->interval ? s->interval : "");
	field(2, "Timeout", "%s", s->timeout ? s->timeout : "60s");
	field(2, "Layer", "%s (%s)", s->layer_media_type ? s->layer_media_type : "first layer",
	      s->layer_op == CFG_LAYER_COPY ? "copy" : "extract");
	if (s->provider && strcmp(s->provider, "generic") != 0)
		field(2, "Provider", "%s", s->provider);
	if (s->secret_ref)
		field(2, "Secret Ref", "%s", s->secret_ref);
	if (s->cert_secret_ref)
		field(2, "Cert Secret Ref", "%s", s->cert_secret_ref);
	if (s->proxy_secret_ref)
		field(2, "Proxy Secret Ref", "%s", s->proxy_secret_ref);
	if (s->insecure)
		field(2, "Insecure", "true");
	if (s->has_ignore)
		field(2, "Ignore", "%zu pattern line(s)", count_lines(s->ignore));
	if (s->has_verify)
		field(2, "Verify", "%s (secret %s)", s->verify_provider ? s->verify_provider : "cosign",
		      s->verify_secret_ref ? s->verify_secret_ref : "none");
	if (s->suspend)
		field(2, "Suspend", "true");
	if (s->invalid)
		field(2, "Invalid", "%s: %s", s->invalid_reason ? s->invalid_reason : "InvalidSpec",
		      s->invalid_message ? s->invalid_message : "");
}

static void print_artifact(const json_t *a, int64_t now)
{
	const char *ts = fjson_str(a, "lastUpdateTime");
	char ago[32];
	int64_t size = 0;

	age(now, ts, ago, sizeof(ago));
	fjson_uint(a, "size", &size);
	printf("  Artifact:\n");
	field(4, "Revision", "%s", str_or(fjson_str(a, "revision"), ""));
	field(4, "Digest", "%s", str_or(fjson_str(a, "digest"), ""));
	field(4, "Path", "%s", str_or(fjson_str(a, "path"), ""));
	field(4, "Size", "%lld", (long long)size);
	field(4, "Last Update", "%s (%s ago)", str_or(ts, "-"), ago);
}

static void print_verification(const json_t *v)
{
	static const struct { const char *key, *label; } rows[] = {
		{ "result", "Result" }, { "revision", "Revision" }, { "level", "Level" },
		{ "policy", "Trust Policy" }, { "signer", "Signer" }, { "signature", "Signature" },
		{ "trustBundleDigest", "Trust Bundle" },
	};

	printf("  Verification:\n");
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		if (fjson_str(v, rows[i].key))
			field(4, rows[i].label, "%s", fjson_str(v, rows[i].key));
}

static void print_status(const struct described *x)
{
	const json_t *st = fjson_obj(x->status_doc, "status"), *meta = fjson_obj(x->status_doc, "metadata");
	const json_t *conds = fjson_arr(st, "conditions"), *c;
	int64_t gen = -1;
	size_t i;

	if (!st) {
		printf("Status:%*snot reconciled yet\n", 21, "");
		return;
	}
	printf("Status:\n");
	if (fjson_uint(meta, "generation", &gen) == 0)
		field(2, "Generation", "%lld", (long long)gen);
	if (json_is_integer(json_object_get(st, "observedGeneration")))
		field(2, "Observed Generation", "%lld", (long long)json_integer_value(json_object_get(st, "observedGeneration")));
	if (fjson_str(st, "lastHandledReconcileAt"))
		field(2, "Last Handled Reconcile", "%s", fjson_str(st, "lastHandledReconcileAt"));
	if (fjson_obj(st, "artifact"))
		print_artifact(fjson_obj(st, "artifact"), x->now);
	if (fjson_obj(st, "verification"))
		print_verification(fjson_obj(st, "verification"));
	printf("Conditions:\n");
	if (!conds || json_array_size(conds) == 0) {
		printf("  <none>\n");
		return;
	}
	{
		struct ctl_table t;

		ctl_table_init(&t);
		ctl_table_header(&t, "  TYPE", "STATUS", "REASON", "AGE", "MESSAGE", NULL);
		json_array_foreach(conds, i, c) {
			char ago[32], *type = xasprintf("  %s", str_or(fjson_str(c, "type"), "?"));

			age(x->now, fjson_str(c, "lastTransitionTime"), ago, sizeof(ago));
			ctl_table_row(&t, type, str_or(fjson_str(c, "status"), ""), str_or(fjson_str(c, "reason"), ""),
				      ago, str_or(fjson_str(c, "message"), ""), NULL);
			free(type);
		}
		ctl_table_print(&t, stdout);
		ctl_table_free(&t);
	}
}

static void print_events(const struct described *x)
{
	struct ctl_table t;

	printf("Events:\n");
	if (x->events.n == 0) {
		printf("  <none>\n");
		return;
	}
	ctl_table_init(&t);
	ctl_table_header(&t, "  TYPE", "REASON", "AGE", "MESSAGE", NULL);
	for (size_t i = 0; i < x->events.n; i++) {
		const struct ev_entry *e = &x->events.v[i];
		char last[32], first[32], when[96], *type = xasprintf("  %s", e->warning ? "Warning" : "Normal");

		ftime_format_age(x->now - e->last, last, sizeof(last));
		if (e->count > 1) {
			ftime_format_age(x->now - e->first, first, sizeof(first));
			snprintf(when, sizeof(when), "%s (x%u over %s)", last, e->count, first);
		} else {
			snprintf(when, sizeof(when), "%s", last);
		}
		ctl_table_row(&t, type, e->reason, when, e->message, NULL);
		free(type);
	}
	ctl_table_print(&t, stdout);
	ctl_table_free(&t);
}

static void print_human(const struct ui_target *t, const struct described *x)
{
	const json_t *st = fjson_obj(x->status_doc, "status");
	bool suspended = json_is_true(json_object_get(st, "suspended")) || (x->src && x->src->suspend);

	field(0, "Name", "%s", t->name);
	field(0, "Namespace", "%s", t->ns);
	field(0, "Kind", "OCIRepository");
	field(0, "API Version", "%s", x->src && x->src->api_version ? x->src->api_version
				       : str_or(fjson_str(x->status_doc, "apiVersion"), "source.toolkit.fluxcd.io/v1"));
	if (x->src && x->src->loc.file)
		field(0, "Source File", "%s:%d", x->src->loc.file, x->src->loc.line);
	field(0, "Suspended", "%s%s", suspended ? "True" : "False",
	      !suspended ? "" : x->src && x->src->suspend ? " (spec.suspend)" : " (ferryctl suspend)");
	print_spec(x);
	print_status(x);
	print_events(x);
}

static void print_document(const struct ui_target *t, const struct described *x)
{
	json_t *doc = x->status_doc ? json_deep_copy(x->status_doc)
				    : json_pack("{s:s,s:s,s:{s:s,s:s}}", "apiVersion", "source.toolkit.fluxcd.io/v1",
						"kind", "OCIRepository", "metadata", "name", t->name, "namespace", t->ns);
	json_t *ev = events_to_json(&x->events);

	if (x->src && x->src->spec)
		json_object_set(doc, "spec", x->src->spec);
	json_object_set(doc, "events", json_object_get(ev, "events"));
	json_decref(ev);
	ctl_print_document(doc, t->output, stdout);
	json_decref(doc);
}

int ctl_describe_main(const struct ctl_globals *g, int argc, char **argv)
{
	struct described x = { .now = ftime_now() };
	struct ui_target t;
	struct ferry_err e;
	int rc = ui_parse_target(g, argc, argv, false, &t), state_fd;

	if (rc)
		return rc;
	state_fd = fs_open_dir(g->state_dir, false, 0);
	if (state_fd >= 0) {
		x.status_doc = read_status(state_fd, t.ns, t.name);
		events_load(state_fd, t.ns, t.name, &x.events);
		close(state_fd);
	}
	ferr_clear(&e);
	if (cfg_load_dir(g->config_dir, &x.cfg, &e) < 0)
		x.cfg_error = xasprintf("%s", e.msg);
	else
		x.src = cfg_find_source(x.cfg, t.ns, t.name);
	if (!x.status_doc && !x.src) {
		fprintf(stderr, "✗ OCIRepository %s/%s not found (no status in %s/status%s%s)\n", t.ns, t.name,
			g->state_dir, x.cfg ? ", not in " : "", x.cfg ? g->config_dir : "");
		rc = 1;
	} else if (strcmp(t.output, "table") == 0) {
		print_human(&t, &x);
	} else {
		print_document(&t, &x);
	}
	json_decref(x.status_doc);
	if (x.cfg)
		cfg_set_free(x.cfg);
	free(x.cfg_error);
	events_free(&x.events);
	return rc;
}
