/* reconcile.c - the worker side of one reconcile: resolve, verify, pull, stage. */
#include "reconcile/reconcile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "artifact/extract.h"
#include "artifact/ignore.h"
#include "config/config.h"
#include "config/semver.h"
#include "notation/notation.h"
#include "oci/manifest.h"
#include "oci/oci.h"
#include "reconcile/conditions.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/timeutil.h"

/* Everything one reconcile holds; released in one place. */
struct pipeline {
	const struct rc_job *job;
	const struct cfg_source *src;
	struct rc_result *r;
	struct oci_client *client;
	char *tag;                    /* NULL for digest refs */
	struct buf manifest;          /* bytes of the manifest the revision names */
	char *manifest_type;
	struct oci_manifest top;      /* those bytes parsed, when top_error is NULL */
	char *top_error;
	struct oci_manifest child;    /* the host platform's manifest when top is an index */
	struct nv_bundle *bundle;
};

char *rc_revision(const char *tag, const char *digest)
{
	return tag ? xasprintf("%s@%s", tag, digest) : xstrdup(digest);
}

static const struct cfg_secret *secret(const struct pipeline *p, const char *name)
{
	return name ? cfg_find_secret(p->job->cfg, p->src->ns, name) : NULL;
}

static int fail(struct pipeline *p, enum rc_failure f, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct pipeline *p, enum rc_failure f, const char *reason, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	rc_result_fail(p->r, f, reason, msg);
	free(msg);
	return -1;
}

static int missing_secret(struct pipeline *p, const char *what, const char *name)
{
	return fail(p, RC_FAIL_FETCH, "AuthenticationFailed",
		    "%s: failed to get secret '%s/%s': secrets \"%s\" not found", what, p->src->ns, name, name);
}

static int open_client(struct pipeline *p)
{
	const struct cfg_source *src = p->src;
	struct oci_client_opts o = {
		.url = src->url,
		.insecure = src->insecure,
		.timeout_ms = src->timeout_ms > 0 ? src->timeout_ms : LIMIT_DEFAULT_TIMEOUT_MS,
		.provider = src->provider,
		.auth = secret(p, src->secret_ref),
		.tls = secret(p, src->cert_secret_ref),
		.proxy = secret(p, src->proxy_secret_ref),
	};
	struct ferry_err e;

	ferr_clear(&e);
	if (src->secret_ref && !o.auth)
		return missing_secret(p, "failed to get credential", src->secret_ref);
	if (src->proxy_secret_ref && !o.proxy)
		return missing_secret(p, "failed to get proxy address", src->proxy_secret_ref);
	if (src->cert_secret_ref && !o.tls) {
		char *what = xasprintf("failed to generate transport for '%s'", src->url);
		int rc = missing_secret(p, what, src->cert_secret_ref);
		free(what);
		return rc;
	}
	if (oci_client_new(&o, &p->client, &e) < 0) {
		if (strcmp(e.reason, "URLInvalid") == 0)
			return fail(p, RC_FAIL_STALLED, "URLInvalid", "%s", e.msg);
		return fail(p, RC_FAIL_FETCH, e.reason[0] ? e.reason : "AuthenticationFailed", "%s", e.msg);
	}
	return 0;
}

static int pick_semver_tag(struct pipeline *p)
{
	struct ferry_err e;
	char **tags = NULL;
	size_t n = 0;
	int rc;

	ferr_clear(&e);
	rc = oci_list_tags(p->client, &tags, &n, &e);
	if (rc == 0)
		rc = semver_select(tags, n, p->src->ref_semver, p->src->ref_semver_filter, &p->tag, &e);
	oci_strv_free(tags);
	if (rc < 0)
		return fail(p, RC_FAIL_FETCH, "ReadOperationFailed",
			    "failed to determine the artifact tag for '%s': %s", p->src->url, e.msg);
	return 0;
}

/* Resolve the reference to the digest the revision will name. */
static int resolve(struct pipeline *p)
{
	const struct cfg_source *src = p->src;
	struct rc_result *r = p->r;
	struct oci_descriptor d;
	struct ferry_err e;

	if (src->ref_digest) {
		r->manifest_digest = xstrdup(src->ref_digest);
		r->ref = xasprintf("%s@%s", oci_client_name(p->client), src->ref_digest);
	} else {
		if (src->ref_semver) {
			if (pick_semver_tag(p) < 0)
				return -1;
		} else {
			p->tag = xstrdup(src->ref_tag ? src->ref_tag : "latest");
		}
		ferr_clear(&e);
		memset(&d, 0, sizeof(d));
		if (oci_resolve(p->client, p->tag, &d, &e) < 0)
			return fail(p, RC_FAIL_FETCH, "OCIArtifactPullFailed",
				    "failed to determine artifact digest: %s", e.msg);
		r->manifest_digest = xstrdup(d.digest);
		r->ref = xasprintf("%s:%s", oci_client_name(p->client), p->tag);
		oci_descriptor_free(&d);
	}
	r->revision = rc_revision(p->tag, r->manifest_digest);
	return 0;
}

/* The manifest the revision names, fetched by digest and parsed once (verify
 * and pull share it). A document that does not parse is kept: verification
 * still names its Content-Type, and pull reports the parse error. */
static int fetch_manifest(struct pipeline *p)
{
	struct ferry_err e;

	if (p->manifest_type)
		return 0;
	ferr_clear(&e);
	if (oci_get_manifest(p->client, p->r->manifest_digest, LIMIT_MANIFEST_BYTES, &p->manifest,
			     &p->manifest_type, &e) < 0)
		return fail(p, RC_FAIL_FETCH, "OCIArtifactPullFailed", "failed to pull artifact from '%s': %s",
			    p->src->url, e.msg);
	if (oci_manifest_parse(p->manifest.data, p->manifest.len, p->manifest_type, &p->top, &e) < 0)
		p->top_error = xstrdup(e.msg);
	return 0;
}

static bool verification_needed(const struct pipeline *p, const char *bundle_digest)
{
	const struct rc_status *prev = p->job->prev;
	const struct condition *sv = cond_get(&prev->conds, COND_SOURCE_VERIFIED);

	if (!prev->has_artifact || !str_eq(prev->artifact.revision, p->r->revision))
		return true;
	if (!sv || strcmp(sv->status, COND_FALSE) == 0 || sv->observed_generation != prev->generation)
		return true;
	if (!prev->has_verification || !str_eq(prev->verification.revision, p->r->revision) ||
	    !str_eq(prev->verification.bundle_digest, bundle_digest))
		return true;
	return false;
}

static const char *manifest_media_type(const struct pipeline *p)
{
	return !p->top_error && p->top.media_type ? p->top.media_type : p->manifest_type;
}

static int verify(struct pipeline *p)
{
	const struct cfg_source *src = p->src;
	struct rc_result *r = p->r;
	const struct cfg_secret *sec;
	struct nv_outcome out;
	struct nv_artifact art;
	struct nv_verify_opts opts = { .max_signatures = p->job->max_signatures,
				       .revocation_cache = p->job->store != NULL,
				       .state_dir_fd = p->job->store ? p->job->store->root_fd : -1 };
	struct ferry_err e;
	char *reference;
	int rc;

	if (!src->has_verify)
		return 0;
	if (!str_eq(src->verify_provider, "notation"))
		return fail(p, RC_FAIL_VERIFY, "VerificationError",
			    "failed to verify the signature using provider '%s': provider '%s' is not "
			    "supported by ferry, use 'notation'", str_or(src->verify_provider, "cosign"),
			    str_or(src->verify_provider, "cosign"));
	reference = xasprintf("%s@%s", oci_client_name(p->client), r->manifest_digest);
	ferr_clear(&e);
	if (!src->verify_secret_ref) {
		ferr_set(&e, "VerificationError", "verification secret cannot be empty: '%s'", reference);
		goto failed;
	}
	sec = secret(p, src->verify_secret_ref);
	if (!sec) {
		ferr_set(&e, "VerificationError", "secrets \"%s\" not found", src->verify_secret_ref);
		goto failed;
	}
	if (nv_bundle_load(sec, &p->bundle, &e) < 0)
		goto failed;
	r->bundle_digest = xasprintf("sha256:%s", nv_bundle_fingerprint(p->bundle));
	if (!verification_needed(p, r->bundle_digest)) {
		free(reference);
		return 0;
	}
	if (fetch_manifest(p) < 0) {
		free(reference);
		return -1;
	}
	art.reference = reference;
	art.media_type = manifest_media_type(p);
	art.digest = r->manifest_digest;
	art.size = (int64_t)p->manifest.len;
	memset(&out, 0, sizeof(out));
	rc = nv_verify(p->client, p->bundle, &art, &opts, &out, &e);
	r->verify_level = out.level ? xstrdup(out.level) : NULL;
	r->verify_policy = out.policy_name ? xstrdup(out.policy_name) : NULL;
	if (rc == 0) {
		switch (out.result) {
		case NV_VERIFIED: r->verify = RC_VERIFY_VERIFIED; break;
		case NV_SKIPPED: r->verify = RC_VERIFY_SKIPPED; break;
		case NV_AUDIT_ONLY: r->verify = RC_VERIFY_AUDIT; break;
		default: r->verify = RC_VERIFY_FAILED; break;
		}
		r->verify_signer = out.signer_subject ? xstrdup(out.signer_subject) : NULL;
		r->verify_signature = out.signature_digest ? xstrdup(out.signature_digest) : NULL;
		r->verify_message = out.logged ? xstrdup(out.logged) : NULL;
		nv_outcome_free(&out);
		free(reference);
		return 0;
	}
	nv_outcome_free(&out);
failed:
	free(reference);
	r->verify = RC_VERIFY_FAILED;
	r->verify_message = xstrdup(e.msg);
	return fail(p, RC_FAIL_VERIFY, "VerificationError",
		    "failed to verify the signature using provider 'notation': %s", e.msg);
}

static bool layer_selector_equal(const struct cfg_source *src, const json_t *observed)
{
	const json_t *sel = json_object_get(src->spec, "layerSelector");

	if (!sel || json_object_size(sel) == 0)
		return !observed || json_object_size(observed) == 0;
	return observed && json_equal((json_t *)sel, (json_t *)observed);
}

static bool up_to_date(const struct pipeline *p)
{
	const struct rc_status *prev = p->job->prev;
	const struct cfg_source *src = p->src;

	if (!prev->has_artifact || !str_eq(prev->artifact.revision, p->r->revision) || !prev->artifact.entry)
		return false;
	if (!store_has(p->job->store, src->ns, src->name, digest_hex(p->r->manifest_digest),
		       src->layer_op == CFG_LAYER_COPY))
		return false;
	if (prev->has_observed_ignore != src->has_ignore ||
	    (src->has_ignore && !str_eq(prev->observed_ignore, src->ignore)))
		return false;
	return layer_selector_equal(src, prev->observed_layer_selector);
}

static const struct oci_descriptor *select_layer(struct pipeline *p, const struct oci_manifest *m)
{
	const char *want = p->src->layer_media_type;

	if (m->n_layers == 0) {
		fail(p, RC_FAIL_FETCH, "OCIArtifactLayerOperationFailed", "no layers found in artifact");
		return NULL;
	}
	if (!want)
		return &m->layers[0];
	for (size_t i = 0; i < m->n_layers; i++)
		if (strcmp(m->layers[i].media_type, want) == 0)
			return &m->layers[i];
	fail(p, RC_FAIL_FETCH, "OCIArtifactLayerOperationFailed",
	     "failed to find layer with media type '%s' in artifact", want);
	return NULL;
}

/* The image manifest to pull: the parsed top manifest, or for an index the
 * host platform's child. */
static const struct oci_manifest *image_manifest(struct pipeline *p)
{
	struct ferry_err e;
	const struct oci_descriptor *child;
	const char *os, *arch, *variant;
	struct buf body;
	char *ctype = NULL;
	int rc;

	if (p->top_error) {
		fail(p, RC_FAIL_FETCH, "OCIArtifactLayerOperationFailed", "failed to parse artifact manifest: %s",
		     p->top_error);
		return NULL;
	}
	if (!p->top.is_index)
		return &p->top;
	ferr_clear(&e);
	oci_host_platform(&os, &arch, &variant);
	if (oci_index_select(&p->top, os, arch, variant, &child, &e) < 0) {
		fail(p, RC_FAIL_FETCH, "OCIArtifactPullFailed", "failed to pull artifact from '%s': %s",
		     p->src->url, e.msg);
		return NULL;
	}
	if (oci_get_manifest(p->client, child->digest, LIMIT_MANIFEST_BYTES, &body, &ctype, &e) < 0) {
		fail(p, RC_FAIL_FETCH, "OCIArtifactPullFailed", "failed to pull artifact from '%s': %s",
		     p->src->url, e.msg);
		return NULL;
	}
	rc = oci_manifest_parse(body.data, body.len, ctype, &p->child, &e);
	buf_free(&body);
	free(ctype);
	if (rc < 0) {
		fail(p, RC_FAIL_FETCH, "OCIArtifactLayerOperationFailed", "failed to parse artifact manifest: %s",
		     e.msg);
		return NULL;
	}
	if (p->child.is_index) {
		fail(p, RC_FAIL_FETCH, "OCIArtifactLayerOperationFailed",
		     "failed to parse artifact manifest: nested image index");
		return NULL;
	}
	return &p->child;
}

static int extract_layer(struct pipeline *p, int blob_fd)
{
	const struct cfg_source *src = p->src;
	struct ignore_rules *ign = NULL;
	struct extract_stats st;
	struct ferry_err e;
	char *rel = NULL;
	int dfd = -1, rc;

	ferr_clear(&e);
	if (src->has_ignore && ignore_parse(src->ignore, &ign, &e) < 0)
		return fail(p, RC_FAIL_FETCH, "OCIArtifactLayerOperationFailed",
			    "failed to extract layer contents from artifact: spec.ignore: %s", e.msg);
	if (store_stage_dir(p->job->store, src->ns, src->name, &rel, &dfd, &e) < 0) {
		ignore_free(ign);
		return fail(p, RC_FAIL_STORAGE, "DirectoryCreationFailed",
			    "failed to create temporary working directory: %s", e.msg);
	}
	memset(&st, 0, sizeof(st));
	if (lseek(blob_fd, 0, SEEK_SET) < 0)
		ferr_set(&e, "OCIArtifactLayerOperationFailed", "%s", strerror(errno)), rc = -1;
	else
		rc = artifact_extract(blob_fd, dfd, ign, NULL, &st, &e);
	/* write the tree out here, within the worker's deadline: the parent's
	 * own flush before promotion then finds little left to do */
	if (rc == 0 && syncfs(dfd) < 0) {
		int err = errno;

		close(dfd);
		ignore_free(ign);
		store_unstage(p->job->store, rel);
		free(rel);
		return fail(p, RC_FAIL_STORAGE, "ArchiveOperationFailed", "unable to archive artifact to storage: %s",
			    strerror(err));
	}
	close(dfd);
	ignore_free(ign);
	if (rc < 0) {
		store_unstage(p->job->store, rel);
		free(rel);
		return fail(p, RC_FAIL_FETCH, "OCIArtifactLayerOperationFailed",
			    "failed to extract layer contents from artifact: %s", e.msg);
	}
	if (st.symlinks_skipped)
		rc_result_warn(p->r, "skipped %llu symlink(s) in the artifact, e.g. \"%s\" (ferry extracts "
			       "regular files and directories only)", (unsigned long long)st.symlinks_skipped,
			       st.first_symlink);
	p->r->files = st.files;
	p->r->bytes = st.bytes;
	p->r->stage_rel = rel;
	p->r->stage_is_blob = false;
	return 0;
}

static int pull(struct pipeline *p)
{
	const struct cfg_source *src = p->src;
	struct rc_result *r = p->r;
	const struct oci_descriptor *layer;
	const struct oci_manifest *m;
	struct ferry_err e;
	char *blob_rel = NULL;
	int blob_fd = -1, rc = -1;

	if (fetch_manifest(p) < 0 || !(m = image_manifest(p)))
		return -1;
	layer = select_layer(p, m);
	if (!layer)
		goto out;
	r->annotations = m->annotations ? json_deep_copy(m->annotations) : json_object();
	r->layer_digest = xstrdup(layer->digest);
	r->layer_size = layer->size;
	ferr_clear(&e);
	if (store_stage_file(p->job->store, src->ns, src->name, &blob_rel, &blob_fd, &e) < 0) {
		fail(p, RC_FAIL_STORAGE, "DirectoryCreationFailed",
		     "failed to create temporary working directory: %s", e.msg);
		goto out;
	}
	if (oci_get_blob_to_fd(p->client, layer->digest, layer->size, blob_fd, &e) < 0) {
		fail(p, RC_FAIL_FETCH, "OCIArtifactPullFailed", "failed to pull artifact from '%s': %s",
		     src->url, e.msg);
		goto out;
	}
	if (src->layer_op == CFG_LAYER_COPY) {
		if (fsync(blob_fd) < 0) {
			fail(p, RC_FAIL_STORAGE, "ArchiveOperationFailed",
			     "unable to copy artifact to storage: %s", strerror(errno));
			goto out;
		}
		r->stage_rel = blob_rel;
		r->stage_is_blob = true;
		blob_rel = NULL;
		r->bytes = (uint64_t)layer->size;
		r->files = 1;
	} else if (extract_layer(p, blob_fd) < 0) {
		goto out;
	}
	r->staged = true;
	rc = 0;
out:
	if (blob_fd >= 0)
		close(blob_fd);
	if (blob_rel) {
		store_unstage(p->job->store, blob_rel);
		free(blob_rel);
	}
	return rc;
}

void rc_reconcile(const struct rc_job *job, struct rc_result *r)
{
	struct pipeline p = { .job = job, .src = job->src, .r = r };
	int64_t start = ftime_mono_ms();

	rc_result_init(r);
	buf_init(&p.manifest, LIMIT_MANIFEST_BYTES);
	if (open_client(&p) < 0 || resolve(&p) < 0 || verify(&p) < 0)
		goto out;
	if (up_to_date(&p)) {
		r->up_to_date = true;
		goto out;
	}
	pull(&p);
out:
	r->duration_ms = ftime_mono_ms() - start;
	nv_bundle_free(p.bundle);
	oci_client_free(p.client);
	buf_free(&p.manifest);
	free(p.manifest_type);
	oci_manifest_free(&p.top);
	free(p.top_error);
	oci_manifest_free(&p.child);
	free(p.tag);
}
