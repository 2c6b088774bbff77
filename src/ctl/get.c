/* get.c - `ferryctl get`: sources and readiness from the status files, like
 * `flux get sources oci`. Works without the daemon. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config/config.h"
#include "ctl/ctl.h"
#include "ctl/table.h"
#include "reconcile/conditions.h"
#include "util/fs.h"
#include "util/jsonutil.h"
#include "util/limits.h"
#include "util/mem.h"

struct row {
	json_t *obj;
	const char *ns;
	const char *name;
};

static int by_ns_name(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);
	return c ? c : strcmp(x->name, y->name);
}

static void load_ns(int status_fd, const char *ns, struct row **rows, size_t *n)
{
	int dfd = fs_open_dir_at(status_fd, ns, false, 0);
	DIR *d;
	struct dirent *de;

	if (dfd < 0)
		return;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		struct buf b;
		json_t *j;

		if (de->d_name[0] == '.' || !str_has_suffix(de->d_name, ".json"))
			continue;
		if (fs_read_file_at(dirfd(d), de->d_name, LIMIT_STATUS_FILE_BYTES, &b) < 0)
			continue;
		j = fjson_parse(b.data, b.len, "status", NULL);
		buf_free(&b);
		if (!j || !fjson_str(fjson_obj(j, "metadata"), "name")) {
			json_decref(j);
			continue;
		}
		*rows = xrealloc(*rows, (*n + 1) * sizeof(**rows));
		(*rows)[*n].obj = j;
		(*rows)[*n].ns = fjson_str(fjson_obj(j, "metadata"), "namespace");
		(*rows)[*n].name = fjson_str(fjson_obj(j, "metadata"), "name");
		if (!(*rows)[*n].ns)
			(*rows)[*n].ns = ns;
		(*n)++;
	}
	closedir(d);
}

static const json_t *condition(const json_t *obj, const char *type)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(fjson_obj(obj, "status"), "conditions"), i, c)
		if (str_eq(fjson_str(c, "type"), type))
			return c;
	return NULL;
}

/* "6.1.4@sha256:3b6cdcc7" as flux's CLI shortens revisions. */
static char *short_revision(const char *rev)
{
	const char *colon;

	if (!rev)
		return xstrdup("");
	colon = strstr(rev, "sha256:");
	if (!colon || strlen(colon) <= 7 + 8)
		return xstrdup(rev);
	return xstrndup(rev, (size_t)(colon - rev) + 7 + 8);
}

int ctl_get_main(const struct ctl_globals *g, int argc, char **argv)
{
	const char *ns_filter = NULL, *output = g->output;
	struct row *rows = NULL;
	size_t n = 0;
	int root, status_fd;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-A") == 0 || strcmp(argv[i], "--all-namespaces") == 0)
			ns_filter = NULL;
		else if ((strcmp(argv[i], "-n") == 0 || strcmp(argv[i], "--namespace") == 0) && i + 1 < argc)
			ns_filter = argv[++i];
		else if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc)
			output = argv[++i];
		else if (strcmp(argv[i], "sources") == 0 || strcmp(argv[i], "oci") == 0 ||
			 strcmp(argv[i], "source") == 0 || strcmp(argv[i], "ocirepository") == 0)
			continue;
		else {
			fprintf(stderr, "ferryctl get: unexpected argument '%s'\n"
					"Usage: ferryctl get [sources oci] [-A] [-n NAMESPACE] [-o table|json|yaml]\n",
				argv[i]);
			return 2;
		}
	}
	if (!ctl_output_valid(output)) {
		fprintf(stderr, "ferryctl get: unknown output format '%s' (table, json or yaml)\n", output);
		return 2;
	}
	root = fs_open_dir(g->state_dir, false, 0);
	if (root < 0) {
		fprintf(stderr, "ferryctl get: cannot open state dir %s: %s\n", g->state_dir, strerror(errno));
		return 1;
	}
	status_fd = fs_open_dir_at(root, "status", false, 0);
	close(root);
	if (status_fd >= 0) {
		if (ns_filter) {
			load_ns(status_fd, ns_filter, &rows, &n);
		} else {
			int dup_fd = fcntl(status_fd, F_DUPFD_CLOEXEC, 3);
			DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
			struct dirent *de;
			while (d && (de = readdir(d)))
				if (de->d_name[0] != '.')
					load_ns(status_fd, de->d_name, &rows, &n);
			if (d)
				closedir(d);
		}
		close(status_fd);
	}
	if (n > 1)
		qsort(rows, n, sizeof(*rows), by_ns_name);

	if (strcmp(output, "table") == 0) {
		struct ctl_table t;
		struct cfg_set *cfg = NULL;
		struct ferry_err e;

		/* spec.suspend lives in the config; best effort, status files alone still work */
		ferr_clear(&e);
		if (n > 0 && cfg_load_dir(g->config_dir, &cfg, &e) < 0)
			cfg = NULL;
		ctl_table_init(&t);
		if (!ns_filter)
			ctl_table_header(&t, "NAMESPACE", "NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE", NULL);
		else
			ctl_table_header(&t, "NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE", NULL);
		for (size_t i = 0; i < n; i++) {
			const json_t *st = fjson_obj(rows[i].obj, "status");
			const json_t *ready = condition(rows[i].obj, COND_READY);
			char *rev = short_revision(fjson_str(fjson_obj(st, "artifact"), "revision"));
			const char *ready_s = ready ? fjson_str(ready, "status") : "Unknown";
			const char *msg = ready ? fjson_str(ready, "message") : "";
			const struct cfg_source *src = cfg ? cfg_find_source(cfg, rows[i].ns, rows[i].name) : NULL;
			const char *susp = json_is_true(json_object_get(st, "suspended")) || (src && src->suspend)
					   ? "True" : "False";

			if (!ns_filter)
				ctl_table_row(&t, rows[i].ns, rows[i].name, rev, susp, ready_s, msg ? msg : "", NULL);
			else
				ctl_table_row(&t, rows[i].name, rev, susp, ready_s, msg ? msg : "", NULL);
			free(rev);
		}
		if (n == 0)
			fprintf(stderr, "no OCIRepository sources found in %s/status\n", g->state_dir);
		else
			ctl_table_print(&t, stdout);
		ctl_table_free(&t);
		if (cfg)
			cfg_set_free(cfg);
	} else {
		json_t *list = json_pack("{s:s,s:s,s:[]}", "apiVersion", "v1", "kind", "List", "items");
		for (size_t i = 0; i < n; i++)
			json_array_append(json_object_get(list, "items"), rows[i].obj);
		ctl_print_document(list, output, stdout);
		json_decref(list);
	}
	for (size_t i = 0; i < n; i++)
		json_decref(rows[i].obj);
	free(rows);
	return 0;
}
