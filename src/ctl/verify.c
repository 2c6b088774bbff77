/* verify.c - `ferryctl verify`: one-shot Notation verification of an artifact
 * in a registry with a trust-bundle Secret, using the same code as ferryd. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "ctl/ctl.h"
#include "notation/notation.h"
#include "oci/oci.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/timeutil.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: ferryctl verify --secret FILE [--secret-name NAME] [--insecure] [--timeout DURATION]\n"
		   "                       [--max-signatures N] [--state-dir DIR] [--offline]\n"
		   "                       oci://HOST/REPO(@sha256:DIGEST|:TAG)\n"
		   "Verify the Notary Project signature of an artifact with a trust-bundle Secret\n"
		   "(trustpolicy.json + certificates) exactly as ferryd does. With --state-dir, CRLs and\n"
		   "OCSP responses are read from and saved to ferryd's cache in DIR/cache/revocation;\n"
		   "--offline sends no OCSP or CRL request (what a host without its uplink decides).\n"
		   "Exit codes: 0 verified, 1 not verified, 2 usage.\n");
}

/* Split "oci://host/repo@sha256:..." or "oci://host/repo:tag" into the
 * repository URL and the reference. */
static int split_reference(const char *arg, char **url, char **tag, char **digest)
{
	const char *at = strchr(arg, '@'), *slash, *colon;

	*tag = *digest = NULL;
	if (!str_has_prefix(arg, "oci://"))
		return -1;
	if (at) {
		*url = xstrndup(arg, (size_t)(at - arg));
		*digest = xstrdup(at + 1);
		return digest_is_valid(*digest) ? 0 : -1;
	}
	slash = strrchr(arg + 6, '/');
	colon = slash ? strrchr(slash, ':') : NULL;
	if (colon) {
		*url = xstrndup(arg, (size_t)(colon - arg));
		*tag = xstrdup(colon + 1);
	} else {
		*url = xstrdup(arg);
		*tag = xstrdup("latest");
	}
	return 0;
}

static const struct cfg_secret *pick_secret(const struct cfg_set *set, const char *name)
{
	const struct cfg_secret *found = NULL;

	for (size_t i = 0; i < set->n_secrets; i++) {
		const struct cfg_secret *s = set->secrets[i];
		if (name ? strcmp(s->name, name) == 0 : cfg_secret_get(s, "trustpolicy.json") != NULL) {
			if (found && !name)
				return NULL; /* ambiguous: ask for --secret-name */
			found = s;
		}
	}
	return found;
}

static const char *result_name(enum nv_result r)
{
	switch (r) {
	case NV_VERIFIED: return "verified";
	case NV_SKIPPED: return "skipped (trust policy level skip: nothing was checked)";
	case NV_AUDIT_ONLY: return "not trusted, accepted by the audit level (authenticity only logged)";
	default: return "not verified";
	}
}

int ctl_verify_main(const struct ctl_globals *g, int argc, char **argv)
{
	const char *secret_file = NULL, *secret_name = NULL, *ref = NULL, *timeout = "60s", *state_dir = NULL;
	int state_fd = -1;
	bool insecure = false, offline = false;
	int max_signatures = 0, rc = 1;
	int64_t timeout_ms;
	struct cfg_set *set = NULL;
	const struct cfg_secret *secret;
	struct nv_bundle *bundle = NULL;
	struct oci_client *client = NULL;
	struct oci_descriptor desc;
	struct nv_outcome out;
	struct buf file, manifest;
	char *url = NULL, *tag = NULL, *digest = NULL, *ctype = NULL, *reference = NULL;
	struct ferry_err e;

	(void)g;
	memset(&desc, 0, sizeof(desc));
	memset(&out, 0, sizeof(out));
	buf_init(&manifest, LIMIT_MANIFEST_BYTES);
	buf_init(&file, 0);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--secret") == 0 && i + 1 < argc)
			secret_file = argv[++i];
		else if (strcmp(argv[i], "--secret-name") == 0 && i + 1 < argc)
			secret_name = argv[++i];
		else if (strcmp(argv[i], "--insecure") == 0)
			insecure = true;
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout = argv[++i];
		else if (strcmp(argv[i], "--max-signatures") == 0 && i + 1 < argc)
			max_signatures = atoi(argv[++i]);
		else if (strcmp(argv[i], "--state-dir") == 0 && i + 1 < argc)
			state_dir = argv[++i];
		else if (strcmp(argv[i], "--offline") == 0)
			offline = true;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] != '-' && !ref)
			ref = argv[i];
		else {
			fprintf(stderr, "ferryctl verify: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!secret_file || !ref || max_signatures < 0 ||
	    ftime_parse_duration(timeout, false, &timeout_ms) < 0) {
		usage(stderr);
		return 2;
	}
	if (split_reference(ref, &url, &tag, &digest) < 0) {
		fprintf(stderr, "ferryctl verify: '%s' is not oci://HOST/REPO@sha256:<64 hex> or oci://HOST/REPO:TAG\n",
			ref);
		free(url);
		free(tag);
		free(digest);
		return 2;
	}
	log_setup(LOG_TARGET_STDERR, LOG_FORMAT_TEXT, LOG_WARNING);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ferr_clear(&e);
	if (fs_read_file(secret_file, LIMIT_CONFIG_FILE_BYTES, &file) < 0) {
		fprintf(stderr, "ferryctl verify: cannot read %s: %s\n", secret_file, strerror(errno));
		rc = 2;
		goto out;
	}
	if (cfg_load_text(secret_file, (const char *)file.data, file.len, &set, &e) < 0) {
		fprintf(stderr, "ferryctl verify: %s\n", e.msg);
		rc = 2;
		goto out;
	}
	for (size_t i = 0; i < set->n_diags; i++)
		fprintf(stderr, "%s: %s\n", set->diags[i].level == CFG_DIAG_ERROR ? "error" : "warning",
			set->diags[i].message);
	secret = pick_secret(set, secret_name);
	if (!secret) {
		fprintf(stderr, "ferryctl verify: %s\n",
			secret_name ? "no Secret with that name in the file"
				    : "the file must hold exactly one Secret with a trustpolicy.json key "
				      "(or use --secret-name)");
		rc = 2;
		goto out;
	}
	if (nv_bundle_load(secret, &bundle, &e) < 0) {
		printf("not verified: failed to verify the signature using provider 'notation': %s\n", e.msg);
		goto out;
	}
	if (state_dir && (state_fd = fs_open_dir(state_dir, false, 0)) < 0) {
		fprintf(stderr, "ferryctl verify: cannot open state dir %s: %s\n", state_dir, strerror(errno));
		rc = 2;
		goto out;
	}
	if (oci_client_new(&(struct oci_client_opts){ .url = url, .insecure = insecure, .timeout_ms = timeout_ms },
			   &client, &e) < 0) {
		fprintf(stderr, "ferryctl verify: %s\n", e.msg);
		rc = strcmp(e.reason, "URLInvalid") == 0 ? 2 : 1;
		goto out;
	}
	if (tag) {
		if (oci_resolve(client, tag, &desc, &e) < 0) {
			printf("not verified: failed to determine artifact digest: %s\n", e.msg);
			goto out;
		}
		digest = xstrdup(desc.digest);
	}
	if (oci_get_manifest(client, digest, LIMIT_MANIFEST_BYTES, &manifest, &ctype, &e) < 0) {
		printf("not verified: failed to pull artifact from '%s': %s\n", url, e.msg);
		goto out;
	}
	reference = xasprintf("%s@%s", oci_client_name(client), digest);
	{
		struct oci_manifest m;
		struct ferry_err pe;
		char *media_type;
		struct nv_artifact art;

		ferr_clear(&pe);
		if (oci_manifest_parse(manifest.data, manifest.len, ctype, &m, &pe) == 0) {
			media_type = xstrdup(m.media_type ? m.media_type : ctype);
			oci_manifest_free(&m);
		} else {
			media_type = xstrdup(ctype ? ctype : "");
		}
		art = (struct nv_artifact){ .reference = reference, .media_type = media_type, .digest = digest,
					    .size = (int64_t)manifest.len };
		if (nv_verify(client, bundle, &art,
			      &(struct nv_verify_opts){ .max_signatures = max_signatures, .revocation_cache = state_fd >= 0,
							.state_dir_fd = state_fd, .offline = offline },
			      &out, &e) < 0) {
			printf("not verified: %s\n", reference);
			printf("error: failed to verify the signature using provider 'notation': %s\n", e.msg);
			free(media_type);
			goto out;
		}
		free(media_type);
	}
	printf("%s: %s\n", result_name(out.result), reference);
	if (out.policy_name)
		printf("policy:    %s (level %s)\n", out.policy_name, str_or(out.level, "?"));
	if (out.signer_subject)
		printf("signer:    %s\n", out.signer_subject);
	if (out.signature_digest)
		printf("signature: %s\n", out.signature_digest);
	if (out.timestamp_used) {
		char ts[32];
		ftime_format_rfc3339(out.timestamp_time, ts, sizeof(ts));
		printf("timestamp: %s (RFC 3161 countersignature)\n", ts);
	}
	if (out.logged)
		printf("logged:    %s\n", out.logged);
	rc = out.result == NV_VERIFIED ? 0 : 1;
out:
	nv_outcome_free(&out);
	if (state_fd >= 0)
		close(state_fd);
	oci_descriptor_free(&desc);
	oci_client_free(client);
	nv_bundle_free(bundle);
	cfg_set_free(set);
	buf_free(&file);
	buf_free(&manifest);
	free(url);
	free(tag);
	free(digest);
	free(ctype);
	free(reference);
	curl_global_cleanup();
	return rc;
}
