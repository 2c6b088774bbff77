/*
 * oci-probe.c - drives the registry client against a live registry for
 * the integration tests (tests/integration/test_registry_*.py start the
 * registry, token issuer and fault proxy, then run this program).
 *
 * It is built with `make check` but is not a test itself; without arguments
 * it has no registry to talk to and exits 77.
 *
 *   oci-probe [options] COMMAND ARGS [+ COMMAND ARGS ...]
 *
 * Options build the client: --url oci://..., --insecure, --timeout MS,
 * --provider NAME, --auth TYPE KEY FILE, --tls KEY FILE, --proxy KEY VALUE.
 * Commands run in order on one client (so tokens are reused) and print one
 * JSON object per line; the first failure prints {"error": ...} and exits 1.
 *   resolve REF | manifest DIGEST | manifest-tag TAG | blob DIGEST SIZE FILE |
 *   blob-mem DIGEST SIZE MAX | tags | referrers DIGEST [ARTIFACT_TYPE] |
 *   pull REF FILE   (resolve, index -> host platform, first layer to FILE)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config/model.h"
#include "oci/manifest.h"
#include "oci/oci.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"

struct secret_builder {
	struct cfg_secret s;
	bool used;
};

static void add_entry(struct secret_builder *b, const char *key, const void *value, size_t len)
{
	struct cfg_secret_entry *en;

	b->used = true;
	b->s.entries = xrealloc(b->s.entries, (b->s.n_entries + 1) * sizeof(*b->s.entries));
	en = &b->s.entries[b->s.n_entries++];
	en->key = xstrdup(key);
	en->value = xmalloc(len + 1);
	memcpy(en->value, value, len);
	en->value[len] = '\0';
	en->len = len;
}

static void add_file_entry(struct secret_builder *b, const char *key, const char *path)
{
	struct buf data = BUF_INIT(LIMIT_SECRET_VALUE_BYTES);

	if (fs_read_file(path, LIMIT_SECRET_VALUE_BYTES, &data) < 0) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	add_entry(b, key, data.data ? (const void *)data.data : "", data.len);
	buf_free(&data);
}

static void builder_init(struct secret_builder *b, const char *name, const char *type)
{
	memset(b, 0, sizeof(*b));
	b->s.ns = xstrdup("default");
	b->s.name = xstrdup(name);
	b->s.type = xstrdup(type);
}

static void builder_free(struct secret_builder *b)
{
	for (size_t i = 0; i < b->s.n_entries; i++) {
		free(b->s.entries[i].key);
		free(b->s.entries[i].value);
	}
	free(b->s.entries);
	free(b->s.ns);
	free(b->s.name);
	free(b->s.type);
}

static json_t *descriptor_json(const struct oci_descriptor *d)
{
	json_t *o = json_pack("{s:s, s:s, s:I}", "mediaType", d->media_type, "digest", d->digest, "size",
			      (json_int_t)d->size);

	if (d->artifact_type)
		json_object_set_new(o, "artifactType", json_string(d->artifact_type));
	return o;
}

static void print(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

	printf("%s\n", s);
	fflush(stdout);
	free(s);
	json_decref(o);
}

static int fail(const struct ferry_err *e)
{
	print(json_pack("{s:s, s:s, s:i, s:b}", "error", e->msg, "reason", e->reason, "http_status",
			e->http_status, "transient", e->transient));
	return 1;
}

static int open_out(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0) {
		perror(path);
		exit(2);
	}
	return fd;
}

static int pull(struct oci_client *c, const char *ref, const char *path, struct ferry_err *e)
{
	struct oci_descriptor d;
	struct oci_manifest m;
	struct buf body;
	char *ctype = NULL, *digest;
	json_t *out;
	int fd, r;

	if (oci_resolve(c, ref, &d, e) < 0)
		return -1;
	digest = xstrdup(d.digest);
	out = json_pack("{s:o}", "resolved", descriptor_json(&d));
	oci_descriptor_free(&d);
	for (int depth = 0;; depth++) {
		r = oci_get_manifest(c, digest, LIMIT_MANIFEST_BYTES, &body, &ctype, e);
		if (r == 0) {
			r = oci_manifest_parse(body.data, body.len, ctype, &m, e);
			buf_free(&body);
		}
		free(ctype);
		ctype = NULL;
		if (r < 0)
			goto fail;
		if (!m.is_index)
			break;
		{
			const char *os, *arch, *variant;
			const struct oci_descriptor *child;

			oci_host_platform(&os, &arch, &variant);
			if (depth > 0 || oci_index_select(&m, os, arch, variant, &child, e) < 0) {
				oci_manifest_free(&m);
				goto fail;
			}
			free(digest);
			digest = xstrdup(child->digest);
			json_object_set_new(out, "platform", json_sprintf("%s/%s", os, arch));
			oci_manifest_free(&m);
		}
	}
	json_object_set_new(out, "manifest", json_string(digest));
	if (m.n_layers == 0) {
		oci_manifest_free(&m);
		ferr_set(e, "", "no layers");
		goto fail;
	}
	fd = open_out(path);
	r = oci_get_blob_to_fd(c, m.layers[0].digest, m.layers[0].size, fd, e);
	close(fd);
	json_object_set_new(out, "layer", descriptor_json(&m.layers[0]));
	oci_manifest_free(&m);
	if (r < 0)
		goto fail;
	free(digest);
	print(out);
	return 0;
fail:
	free(digest);
	json_decref(out);
	return -1;
}

static int run(struct oci_client *c, char **argv, int argc, struct ferry_err *e)
{
	const char *cmd = argv[0];

	if (!strcmp(cmd, "resolve") && argc == 2) {
		struct oci_descriptor d;

		if (oci_resolve(c, argv[1], &d, e) < 0)
			return -1;
		print(descriptor_json(&d));
		oci_descriptor_free(&d);
	} else if ((!strcmp(cmd, "manifest") || !strcmp(cmd, "manifest-tag")) && argc == 2) {
		struct buf body;
		char *ctype = NULL;
		int r = !strcmp(cmd, "manifest")
				? oci_get_manifest(c, argv[1], LIMIT_MANIFEST_BYTES, &body, &ctype, e)
				: oci_get_manifest_by_tag(c, argv[1], LIMIT_MANIFEST_BYTES, &body, &ctype, e);

		if (r < 0)
			return -1;
		if (r == 1)
			print(json_pack("{s:b}", "notFound", 1));
		else
			print(json_pack("{s:s, s:s#}", "contentType", ctype ? ctype : "", "body", body.data,
					(int)body.len));
		free(ctype);
		buf_free(&body);
	} else if (!strcmp(cmd, "blob") && argc == 4) {
		int fd = open_out(argv[3]);
		int r = oci_get_blob_to_fd(c, argv[1], strtoll(argv[2], NULL, 10), fd, e);

		close(fd);
		if (r < 0)
			return -1;
		print(json_pack("{s:b}", "ok", 1));
	} else if (!strcmp(cmd, "blob-mem") && argc == 4) {
		struct buf out;

		if (oci_get_blob(c, argv[1], strtoll(argv[2], NULL, 10), strtoull(argv[3], NULL, 10), &out, e) < 0)
			return -1;
		print(json_pack("{s:I}", "bytes", (json_int_t)out.len));
		buf_free(&out);
	} else if (!strcmp(cmd, "tags") && argc == 1) {
		char **tags;
		size_t n;
		json_t *a = json_array();

		if (oci_list_tags(c, &tags, &n, e) < 0) {
			json_decref(a);
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_string(tags[i]));
		oci_strv_free(tags);
		print(json_pack("{s:o}", "tags", a));
	} else if (!strcmp(cmd, "referrers") && (argc == 2 || argc == 3)) {
		struct oci_descriptor *d;
		size_t n;
		json_t *a = json_array();

		if (oci_referrers(c, argv[1], argc == 3 ? argv[2] : NULL, &d, &n, e) < 0) {
			json_decref(a);
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, descriptor_json(&d[i]));
		oci_descriptors_free(d, n);
		print(json_pack("{s:o}", "referrers", a));
	} else if (!strcmp(cmd, "pull") && argc == 3) {
		return pull(c, argv[1], argv[2], e);
	} else {
		fprintf(stderr, "unknown command or wrong arguments: %s\n", cmd);
		exit(2);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct secret_builder auth, tls, proxy;
	struct oci_client_opts o = { .timeout_ms = 60000 };
	struct oci_client *c = NULL;
	struct ferry_err e;
	int i = 1, rc = 0;

	if (argc == 1) {
		fprintf(stderr, "test-oci-live: needs a live registry; run by tests/integration "
				"(pytest -k registry): skipped\n");
		return 77;
	}
	log_setup(LOG_TARGET_STDERR, LOG_FORMAT_TEXT, getenv("FERRY_DEBUG") ? LOG_DEBUG : LOG_INFO);
	builder_init(&auth, "regcred", "kubernetes.io/dockerconfigjson");
	builder_init(&tls, "tls", "Opaque");
	builder_init(&proxy, "proxy", "Opaque");
	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		const char *opt = argv[i];

		if (!strcmp(opt, "--url") && i + 1 < argc) {
			o.url = argv[++i];
		} else if (!strcmp(opt, "--insecure")) {
			o.insecure = true;
		} else if (!strcmp(opt, "--timeout") && i + 1 < argc) {
			o.timeout_ms = strtoll(argv[++i], NULL, 10);
		} else if (!strcmp(opt, "--provider") && i + 1 < argc) {
			o.provider = argv[++i];
		} else if (!strcmp(opt, "--user-agent") && i + 1 < argc) {
			o.user_agent = argv[++i];
		} else if (!strcmp(opt, "--auth") && i + 3 < argc) {
			free(auth.s.type);
			auth.s.type = xstrdup(argv[i + 1]);
			add_file_entry(&auth, argv[i + 2], argv[i + 3]);
			i += 3;
		} else if (!strcmp(opt, "--tls") && i + 2 < argc) {
			add_file_entry(&tls, argv[i + 1], argv[i + 2]);
			i += 2;
		} else if (!strcmp(opt, "--proxy") && i + 2 < argc) {
			add_entry(&proxy, argv[i + 1], argv[i + 2], strlen(argv[i + 2]));
			i += 2;
		} else {
			fprintf(stderr, "unknown option %s\n", opt);
			return 2;
		}
	}
	o.auth = auth.used ? &auth.s : NULL;
	o.tls = tls.used ? &tls.s : NULL;
	o.proxy = proxy.used ? &proxy.s : NULL;
	ferr_clear(&e);
	if (oci_client_new(&o, &c, &e) < 0) {
		rc = fail(&e);
		goto out;
	}
	while (i < argc) {
		int start = i;

		while (i < argc && strcmp(argv[i], "+") != 0)
			i++;
		ferr_clear(&e);
		if (i == start || run(c, argv + start, i - start, &e) < 0) {
			rc = fail(&e);
			goto out;
		}
		if (i < argc)
			i++;
	}
out:
	oci_client_free(c);
	builder_free(&auth);
	builder_free(&tls);
	builder_free(&proxy);
	return rc;
}
