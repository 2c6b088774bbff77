/* test-config.c - OCIRepository, Secret and Namespace documents: defaults, every field's
 * validation message with its position, kinds, duplicates, spec hashing, the Flux example. */
#include "unit.h"

#include "config-helpers.h"
#include "config/ociurl.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/limits.h"

#define HEADER \
	"apiVersion: source.toolkit.fluxcd.io/v1\n" \
	"kind: OCIRepository\n" \
	"metadata:\n" \
	"  name: app\n" \
	"spec:\n"
#define URL_AND_INTERVAL \
	"  url: oci://ghcr.io/org/app\n" \
	"  interval: 5m\n"

static const struct cfg_source *only_source(const struct cfg_set *set)
{
	assert_int_equal(set->n_sources, 1);
	return set->sources[0];
}

static void test_defaults(void **state)
{
	struct cfg_set *set = load_yaml(HEADER URL_AND_INTERVAL);
	const struct cfg_source *s = only_source(set);
	char *json;

	expect_clean(set);
	assert_string_equal(s->api_version, "source.toolkit.fluxcd.io/v1");
	assert_string_equal(s->ns, "default");
	assert_string_equal(s->name, "app");
	assert_string_equal(s->loc.file, "ferry.yaml");
	assert_int_equal(s->loc.line, 1);
	assert_int_equal(s->loc.column, 1);
	assert_string_equal(s->url, "oci://ghcr.io/org/app");
	assert_string_equal(s->interval, "5m");
	assert_int_equal(s->interval_ms, 300000);
	assert_string_equal(s->timeout, "60s");
	assert_int_equal(s->timeout_ms, 60000);
	assert_string_equal(s->provider, "generic");
	assert_null(s->ref_digest);
	assert_null(s->ref_semver);
	assert_null(s->ref_tag);
	assert_false(s->has_layer_selector);
	assert_int_equal(s->layer_op, CFG_LAYER_EXTRACT);
	assert_false(s->insecure);
	assert_false(s->suspend);
	assert_false(s->has_ignore);
	assert_false(s->has_verify);
	assert_false(s->invalid);
	assert_false(s->stalled);
	assert_null(s->invalid_reason);
	json = json_dumps(s->spec, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(json, "{\"interval\":\"5m\",\"provider\":\"generic\",\"timeout\":\"60s\","
				  "\"url\":\"oci://ghcr.io/org/app\"}");
	free(json);
	assert_int_equal(strlen(s->spec_hash), 64);
	cfg_set_free(set);
}

static void test_every_field(void **state)
{
	struct cfg_set *set = load_yaml(HEADER
		"  url: oci://registry.example.com:5000/team/app\n"
		"  interval: 1h30m\n"
		"  timeout: 90s\n"
		"  ref:\n"
		"    digest: sha256:e8dc5898b69f8b3786055325edbff66050f21e91fbed5db3d2e8147939fca213\n"
		"    semver: '>=1.0.0 <2.0.0'\n"
		"    semverFilter: '^v?\\d+\\.\\d+\\.\\d+$'\n"
		"    tag: stable\n"
		"  layerSelector:\n"
		"    mediaType: application/vnd.cncf.flux.content.v1.tar+gzip\n"
		"    operation: copy\n"
		"  provider: aws\n"
		"  secretRef:\n"
		"    name: pull\n"
		"  certSecretRef:\n"
		"    name: tls\n"
		"  proxySecretRef:\n"
		"    name: proxy\n"
		"  insecure: true\n"
		"  ignore: |\n"
		"    *.md\n"
		"  suspend: false\n"
		"  verify:\n"
		"    provider: notation\n"
		"    secretRef:\n"
		"      name: trust\n");
	const struct cfg_source *s = only_source(set);

	expect_clean(set);
	assert_int_equal(s->interval_ms, 5400000);
	assert_int_equal(s->timeout_ms, 90000);
	assert_string_equal(s->ref_digest, "sha256:e8dc5898b69f8b3786055325edbff66050f21e91fbed5db3d2e8147939fca213");
	assert_string_equal(s->ref_semver, ">=1.0.0 <2.0.0");
	assert_string_equal(s->ref_semver_filter, "^v?\\d+\\.\\d+\\.\\d+$");
	assert_string_equal(s->ref_tag, "stable");
	assert_true(s->has_layer_selector);
	assert_string_equal(s->layer_media_type, "application/vnd.cncf.flux.content.v1.tar+gzip");
	assert_int_equal(s->layer_op, CFG_LAYER_COPY);
	assert_string_equal(s->provider, "aws");
	assert_string_equal(s->secret_ref, "pull");
	assert_string_equal(s->cert_secret_ref, "tls");
	assert_string_equal(s->proxy_secret_ref, "proxy");
	assert_true(s->insecure);
	assert_true(s->has_ignore);
	assert_string_equal(s->ignore, "*.md\n");
	assert_false(s->suspend);
	assert_true(s->has_verify);
	assert_string_equal(s->verify_provider, "notation");
	assert_string_equal(s->verify_secret_ref, "trust");
	assert_string_equal(s->verify_secret_ref_loc.file, "ferry.yaml");
	assert_int_equal(s->verify_secret_ref_loc.line, 31);
	assert_int_equal(s->verify_secret_ref_loc.column, 13);
	assert_int_equal(s->secret_ref_loc.line, 19);
	assert_null(s->service_account);
	cfg_set_free(set);
}

/* One spec problem: exactly one error, at line:col, that marks the source InvalidSpec. */
static void expect_spec_error(const char *yaml, int line, int column, const char *text)
{
	struct cfg_set *set = load_yaml(yaml);
	char *want = xasprintf("ferry.yaml:%d:%d: %s", line, column, text);
	const struct cfg_source *s;

	expect_diag(set, CFG_DIAG_ERROR, want);
	if (set->n_errors != 1) {
		print_diags(set);
		fail_msg("expected exactly one error");
	}
	s = only_source(set);
	assert_true(s->invalid);
	assert_false(s->stalled);
	assert_string_equal(s->invalid_reason, "InvalidSpec");
	assert_string_equal(s->invalid_message, want);
	free(want);
	cfg_set_free(set);
}

static void test_field_errors(void **state)
{
	static const struct {
		const char *extra;
		int line, column;
		const char *text;
	} cases[] = {
		{ "  timeout: 1h\n", 8, 12,
		  "spec.timeout: \"1h\" is not a valid timeout: hours are not allowed (use minutes, e.g. 60m)" },
		{ "  timeout: soon\n", 8, 12, "spec.timeout: \"soon\" is not a duration" },
		{ "  timeout: 10\n", 8, 12, "spec.timeout: expected string, got integer 10 (quote it to make it a string)" },
		{ "  ref:\n    digest: sha256:abc\n", 9, 13,
		  "spec.ref.digest: \"sha256:abc\" is not a valid digest: expected sha256:<64 lowercase hex digits>" },
		{ "  ref:\n    semver: foo\n", 9, 13,
		  "spec.ref.semver: semver 'foo' parse error: improper constraint: \"foo\"" },
		{ "  ref:\n    semver: '>=1.0'\n    semverFilter: '(abc'\n", 10, 19,
		  "spec.ref.semverFilter: error parsing regexp: missing closing ): `(abc`" },
		{ "  ref:\n    tag: a/b\n", 9, 10,
		  "spec.ref.tag: tag can only contain the characters "
		  "`abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.`: a/b" },
		{ "  ref: latest\n", 8, 8, "spec.ref: expected object, got string \"latest\"" },
		{ "  layerSelector:\n    operation: move\n", 9, 16,
		  "spec.layerSelector.operation: Unsupported value: \"move\": supported values: \"extract\", \"copy\"" },
		{ "  layerSelector:\n    mediaType: [a]\n", 9, 16, "spec.layerSelector.mediaType: expected string, got array" },
		{ "  provider: ibm\n", 8, 13,
		  "spec.provider: Unsupported value: \"ibm\": supported values: \"generic\", \"aws\", \"azure\", \"gcp\"" },
		{ "  secretRef: {}\n", 8, 14, "spec.secretRef.name: required field is missing" },
		{ "  certSecretRef:\n    name: Bad_Name\n", 9, 11,
		  "spec.certSecretRef.name: \"Bad_Name\" is not a valid Secret name: a lowercase RFC 1123 subdomain "
		  "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an "
		  "alphanumeric character (e.g. 'example.com')" },
		{ "  proxySecretRef:\n    name: 42\n", 9, 11,
		  "spec.proxySecretRef.name: expected string, got integer 42 (quote it to make it a string)" },
		{ "  insecure: yes\n", 8, 13, "spec.insecure: expected boolean, got string \"yes\"" },
		{ "  suspend: 1\n", 8, 12, "spec.suspend: expected boolean, got integer \"1\"" },
		{ "  ignore: [a]\n", 8, 11, "spec.ignore: expected string, got array" },
		{ "  serviceAccountName: {a: b}\n", 8, 23, "spec.serviceAccountName: expected string, got object" },
		{ "  verify:\n    provider: gpg\n", 9, 15,
		  "spec.verify.provider: Unsupported value: \"gpg\": supported values: \"cosign\", \"notation\"" },
		{ "  verify:\n    provider: notation\n    secretRef:\n      name: ''\n", 11, 13,
		  "spec.verify.secretRef.name: \"\" is not a valid Secret name: a lowercase RFC 1123 subdomain must "
		  "consist of lower case alphanumeric characters, '-' or '.', and must start and end with an "
		  "alphanumeric character (e.g. 'example.com')" },
		{ "  verify:\n    provider: cosign\n    matchOIDCIdentity:\n    - issuer: x\n", 11, 7,
		  "spec.verify.matchOIDCIdentity[0].subject: required field is missing" },
		{ "  verify:\n    provider: cosign\n    matchOIDCIdentity:\n    - {issuer: '(', subject: x}\n", 11, 16,
		  "spec.verify.matchOIDCIdentity[0].issuer: error parsing regexp: missing closing ): `(`" },
		{ "  verify:\n    provider: notation\n    trustedRootSecretRef: {name: x_y}\n", 10, 34,
		  "spec.verify.trustedRootSecretRef.name: \"x_y\" is not a valid Secret name: a lowercase RFC 1123 "
		  "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end "
		  "with an alphanumeric character (e.g. 'example.com')" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *yaml = xasprintf(HEADER URL_AND_INTERVAL "%s", cases[i].extra);
		expect_spec_error(yaml, cases[i].line, cases[i].column, cases[i].text);
		free(yaml);
	}
}

static void test_required_and_durations(void **state)
{
	struct cfg_set *set;

	expect_spec_error(HEADER "  url: oci://ghcr.io/org/app\n  interval: 5 minutes\n", 7, 13,
			  "spec.interval: \"5 minutes\" is not a duration");
	expect_spec_error(HEADER "  url: oci://ghcr.io/org/app\n  interval: 0s\n", 7, 13,
			  "spec.interval: \"0s\" must be greater than zero");
	expect_spec_error(HEADER "  url: oci://ghcr.io/org/app\n  interval: 5m\n  timeout: 0ms\n", 8, 12,
			  "spec.timeout: \"0ms\" must be greater than zero");
	expect_spec_error(HEADER "  url: oci://ghcr.io/org/app\n", 6, 3, "spec.interval: required field is missing");
	expect_spec_error(HEADER "  url: oci://ghcr.io/org/app\n  interval:\n", 7, 12,
			  "spec.interval: required field is missing");
	expect_spec_error(HEADER "  interval: 5m\n", 6, 3, "spec.url: required field is missing");
	expect_spec_error("apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: app\n",
			  1, 1, "spec: required field is missing");
	/* a duplicate key is a YAML error: the document is not used at all */
	set = load_yaml(HEADER "  url: oci://ghcr.io/org/app\n  interval: 5m\n  interval: 6m\n");
	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:8:3: mapping key \"interval\" already defined at line 7");
	assert_int_equal(set->n_sources, 0);
	cfg_set_free(set);
}

static void test_durations_ok(void **state)
{
	static const struct {
		const char *interval, *timeout;
		int64_t interval_ms, timeout_ms;
	} cases[] = {
		{ "5m0s", "60s", 300000, 60000 },
		{ "1.5h", "1m30s", 5400000, 90000 },
		{ "250ms", "500ms", 250, 500 },
		{ "10m", "2.5m", 600000, 150000 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *yaml = xasprintf(HEADER "  url: oci://ghcr.io/org/app\n  interval: %s\n  timeout: %s\n",
				       cases[i].interval, cases[i].timeout);
		struct cfg_set *set = load_yaml(yaml);
		const struct cfg_source *s = only_source(set);

		expect_clean(set);
		assert_int_equal(s->interval_ms, cases[i].interval_ms);
		assert_int_equal(s->timeout_ms, cases[i].timeout_ms);
		assert_string_equal(s->interval, cases[i].interval);
		assert_string_equal(s->timeout, cases[i].timeout);
		cfg_set_free(set);
		free(yaml);
	}
}

static void test_url_invalid_stalls(void **state)
{
	static const struct {
		const char *url, *message;
	} cases[] = {
		{ "https://ghcr.io/org/app",
		  "URL validation failed for 'https://ghcr.io/org/app': URL must be in format 'oci://<domain>/<org>/<repo>'" },
		{ "oci://ghcr.io/org/app:v1",
		  "URL validation failed for 'oci://ghcr.io/org/app:v1': repository can only contain the characters "
		  "`abcdefghijklmnopqrstuvwxyz0123456789_-./`: org/app:v1" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *yaml = xasprintf(HEADER "  url: %s\n  interval: 5m\n", cases[i].url);
		char *want = xasprintf("ferry.yaml:6:8: spec.url: %s", cases[i].message);
		struct cfg_set *set = load_yaml(yaml);
		const struct cfg_source *s = only_source(set);

		expect_diag(set, CFG_DIAG_ERROR, want);
		assert_int_equal(set->n_errors, 1);
		assert_true(s->invalid);
		assert_true(s->stalled);
		assert_string_equal(s->invalid_reason, "URLInvalid");
		assert_string_equal(s->invalid_message, cases[i].message);
		cfg_set_free(set);
		free(yaml);
		free(want);
	}
}

static void test_oci_url_parse(void **state)
{
	static const struct {
		const char *url, *registry, *repository, *why;
	} cases[] = {
		{ "oci://ghcr.io/org/app", "ghcr.io", "org/app", NULL },
		{ "oci://localhost:5000/app", "localhost:5000", "app", NULL },
		{ "oci://127.0.0.1:5000/a/b/c", "127.0.0.1:5000", "a/b/c", NULL },
		{ "oci://[::1]:5000/app", "[::1]:5000", "app", NULL },
		{ "oci://docker.io/nginx", "index.docker.io", "library/nginx", NULL },
		{ "oci://docker.io/org/nginx", "index.docker.io", "org/nginx", NULL },
		{ "oci://nginx", "index.docker.io", "library/nginx", NULL },
		{ "oci://localhost/app", "index.docker.io", "localhost/app", NULL },
		{ "oci://ghcr.io/org/app@sha256:abc", NULL, NULL,
		  "repository can only contain the characters `abcdefghijklmnopqrstuvwxyz0123456789_-./`: org/app@sha256:abc" },
		{ "oci://ghcr.io/Org/app", NULL, NULL,
		  "repository can only contain the characters `abcdefghijklmnopqrstuvwxyz0123456789_-./`: Org/app" },
		{ "oci://", NULL, NULL, "a repository name must be specified" },
		{ "oci://ghcr.io/", NULL, NULL, "repository must be between 2 and 255 characters in length: " },
		{ "oci://ghcr.io/a", NULL, NULL, "repository must be between 2 and 255 characters in length: a" },
		{ "oci://user@ghcr.io/app", NULL, NULL, "registries must be valid RFC 3986 URI authorities: user@ghcr.io" },
		{ "oci://ghcr.io:https/app", NULL, NULL, "registries must be valid RFC 3986 URI authorities: ghcr.io:https" },
		{ "oci://gh cr.io/app", NULL, NULL, "registries must be valid RFC 3986 URI authorities: gh cr.io" },
		{ "OCI://ghcr.io/org/app", NULL, NULL, "URL must be in format 'oci://<domain>/<org>/<repo>'" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *registry = NULL, *repository = NULL;
		struct ferry_err e;
		int rc;

		ferr_clear(&e);
		rc = cfg_oci_url_parse(cases[i].url, &registry, &repository, &e);
		if (cases[i].registry) {
			if (rc)
				fail_msg("%s: %s", cases[i].url, e.msg);
			assert_string_equal(registry, cases[i].registry);
			assert_string_equal(repository, cases[i].repository);
		} else {
			char *want = xasprintf("URL validation failed for '%s': %s", cases[i].url, cases[i].why);
			assert_int_equal(rc, -1);
			assert_null(registry);
			assert_string_equal(e.reason, "URLInvalid");
			assert_string_equal(e.msg, want);
			free(want);
		}
		free(registry);
		free(repository);
	}
}

static void test_warnings_keep_source_valid(void **state)
{
	struct cfg_set *set = load_yaml(HEADER URL_AND_INTERVAL
		"  serviceAccountName: puller\n"
		"  colour: blue\n"
		"  ref:\n"
		"    semverFilter: '.*'\n"
		"  verify:\n"
		"    secretRef: {name: keys}\n");
	const struct cfg_source *s = only_source(set);

	assert_int_equal(set->n_errors, 0);
	expect_diag(set, CFG_DIAG_WARNING, "ferry.yaml:8:23: spec.serviceAccountName: has no effect outside Kubernetes (ignored)");
	expect_diag(set, CFG_DIAG_WARNING, "ferry.yaml:9:3: spec.colour: unknown field (ignored)");
	expect_diag(set, CFG_DIAG_WARNING,
		    "ferry.yaml:11:19: spec.ref.semverFilter: ignored because spec.ref.semver is not set");
	expect_diag(set, CFG_DIAG_WARNING,
		    "ferry.yaml:13:5: spec.verify.provider: cosign signatures cannot be verified by ferry (only "
		    "notation); this source will fail verification");
	assert_int_equal(count_diags(set, CFG_DIAG_WARNING), 4);
	assert_false(s->invalid);
	assert_string_equal(s->verify_provider, "cosign");
	assert_string_equal(s->service_account, "puller");
	cfg_set_free(set);

	set = load_yaml(HEADER URL_AND_INTERVAL "  verify: {provider: notation}\n");
	expect_diag(set, CFG_DIAG_WARNING, "ferry.yaml:8:11: spec.verify.secretRef: the notation provider needs a "
					   "Secret with trustpolicy.json and certificates; verification will fail without it");
	assert_int_equal(set->n_diags, 1);
	assert_false(only_source(set)->invalid);
	cfg_set_free(set);
}

static void test_metadata(void **state)
{
	struct cfg_set *set;
	char *long_name = xmalloc(260), *yaml;

	set = load_yaml("apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n"
			"  name: app\n  namespace: apps\n  labels: {tier: web}\n  annotations: {note: hi}\n"
			"spec:\n" URL_AND_INTERVAL);
	expect_clean(set);
	assert_string_equal(only_source(set)->ns, "apps");
	cfg_set_free(set);

	set = load_yaml("apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n"
			"  namespace: apps\nspec:\n" URL_AND_INTERVAL);
	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:4:3: metadata.name: required field is missing");
	assert_int_equal(set->n_sources, 0);
	cfg_set_free(set);

	set = load_yaml("apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n"
			"  name: ../etc\nspec:\n" URL_AND_INTERVAL);
	expect_diag(set, CFG_DIAG_ERROR,
		    "ferry.yaml:4:9: metadata.name: \"../etc\" is not a valid name: a lowercase RFC 1123 subdomain "
		    "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an "
		    "alphanumeric character (e.g. 'example.com')");
	assert_int_equal(set->n_sources, 0);
	cfg_set_free(set);

	memset(long_name, 'a', 254);
	long_name[254] = '\0';
	yaml = xasprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n", long_name);
	set = load_yaml(yaml);
	free(yaml);
	yaml = xasprintf("ferry.yaml:4:9: metadata.name: \"%s\" is not a valid name: must be no more than 253 "
			 "characters", long_name);
	expect_diag(set, CFG_DIAG_ERROR, yaml);
	assert_int_equal(set->n_secrets, 0);
	cfg_set_free(set);
	free(yaml);
	free(long_name);

	set = load_yaml("apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n"
			"  name: app\n  namespace: Prod\nspec:\n" URL_AND_INTERVAL);
	expect_diag(set, CFG_DIAG_ERROR,
		    "ferry.yaml:5:14: metadata.namespace: \"Prod\" is not a valid namespace: a lowercase RFC 1123 label "
		    "must consist of lower case alphanumeric characters or '-', and must start and end with an "
		    "alphanumeric character (e.g. 'my-name',  or '123-abc')");
	assert_int_equal(set->n_sources, 0);
	cfg_set_free(set);

	set = load_yaml("apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n"
			"  name: app\n  labels:\n    replicas: 3\n  uid: x\nspec:\n" URL_AND_INTERVAL);
	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:6:15: metadata.labels[replicas]: expected string, got integer 3 "
					 "(quote it to make it a string)");
	assert_int_equal(set->n_errors, 1);
	assert_int_equal(set->n_diags, 1);
	cfg_set_free(set);
}

static void test_kinds(void **state)
{
	struct cfg_set *set;

	set = load_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
	expect_diag(set, CFG_DIAG_WARNING, "ferry.yaml:2:7: kind: ConfigMap (apiVersion v1) is not used by ferry (ignored)");
	assert_int_equal(set->n_errors, 0);
	cfg_set_free(set);

	set = load_yaml("apiVersion: source.toolkit.fluxcd.io/v1beta1\nkind: OCIRepository\nmetadata: {name: x}\n");
	expect_diag(set, CFG_DIAG_ERROR,
		    "ferry.yaml:1:13: apiVersion: OCIRepository is not served as source.toolkit.fluxcd.io/v1beta1 "
		    "(use source.toolkit.fluxcd.io/v1 or source.toolkit.fluxcd.io/v1beta2)");
	assert_int_equal(set->n_sources, 0);
	cfg_set_free(set);

	set = load_yaml("apiVersion: example.com/v1\nkind: OCIRepository\nmetadata: {name: x}\n");
	expect_diag(set, CFG_DIAG_WARNING,
		    "ferry.yaml:2:7: kind: OCIRepository (apiVersion example.com/v1) is not used by ferry (ignored)");
	cfg_set_free(set);

	set = load_yaml("apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata: {name: x}\n"
			"spec: {url: 'oci://ghcr.io/a/b', interval: 1m}\nstatus: {observedGeneration: 3}\n");
	expect_diag(set, CFG_DIAG_WARNING, "ferry.yaml:1:13: apiVersion: source.toolkit.fluxcd.io/v1beta2 OCIRepository "
					   "is deprecated, upgrade to v1");
	assert_int_equal(set->n_diags, 1);
	assert_string_equal(only_source(set)->api_version, "source.toolkit.fluxcd.io/v1beta2");
	cfg_set_free(set);

	set = load_yaml("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n");
	expect_clean(set);
	assert_int_equal(set->n_sources + set->n_secrets, 0);
	cfg_set_free(set);

	set = load_yaml("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a.b\n");
	assert_true(any_diag_contains(set, "ferry.yaml:4:9: metadata.name: \"a.b\" is not a valid name: a lowercase RFC 1123 label"));
	cfg_set_free(set);

	set = load_yaml("apiVersion: v1\nmetadata: {name: x}\n");
	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:1:1: kind: required field is missing");
	cfg_set_free(set);

	set = load_yaml("- a\n- b\n");
	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:1:1: expected a Kubernetes object (a mapping with apiVersion, "
					 "kind and metadata), got array");
	cfg_set_free(set);

	set = load_yaml("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nextra: 1\n");
	expect_diag(set, CFG_DIAG_WARNING, "ferry.yaml:4:1: extra: unknown field (ignored)");
	assert_int_equal(set->n_secrets, 1);
	cfg_set_free(set);
}

static void test_multi_document(void **state)
{
	struct cfg_set *set = load_yaml(
		"---\n"
		"# nothing here\n"
		"---\n" HEADER URL_AND_INTERVAL
		"---\n"
		"\n"
		"...\n"
		"---\n"
		"apiVersion: v1\n"
		"kind: Secret\n"
		"metadata:\n"
		"  name: keys\n"
		"stringData:\n"
		"  a: b\n"
		"---\n"
		"apiVersion: source.toolkit.fluxcd.io/v1\n"
		"kind: OCIRepository\n"
		"metadata: {name: other, namespace: ops}\n"
		"spec: {url: 'oci://ghcr.io/a/b', interval: 1m}\n");

	expect_clean(set);
	assert_int_equal(set->n_sources, 2);
	assert_int_equal(set->n_secrets, 1);
	/* sorted by namespace, then name */
	assert_string_equal(set->sources[0]->ns, "default");
	assert_int_equal(set->sources[0]->loc.line, 4);
	assert_string_equal(set->sources[1]->ns, "ops");
	assert_int_equal(set->sources[1]->loc.line, 22);
	assert_int_equal(set->secrets[0]->loc.line, 15);
	assert_non_null(cfg_find_source(set, "ops", "other"));
	assert_non_null(cfg_find_source(set, "default", "app"));
	assert_null(cfg_find_source(set, "default", "other"));
	assert_non_null(cfg_find_secret(set, "default", "keys"));
	assert_null(cfg_find_secret(set, "ops", "keys"));
	cfg_set_free(set);
}

static void test_duplicates(void **state)
{
	struct cfg_set *set = load_yaml(
		HEADER URL_AND_INTERVAL
		"---\n"
		"apiVersion: source.toolkit.fluxcd.io/v1\n"
		"kind: OCIRepository\n"
		"metadata: {name: app, namespace: default}\n"
		"spec: {url: 'oci://ghcr.io/other/app', interval: 1m}\n"
		"---\n"
		"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
		"---\n"
		"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n");
	const struct cfg_source *s;

	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:1:1: OCIRepository default/app is also defined at ferry.yaml:9:1");
	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:14:1: Secret default/s is also defined at ferry.yaml:18:1");
	assert_int_equal(set->n_errors, 2);
	s = only_source(set);
	assert_string_equal(s->url, "oci://ghcr.io/org/app");
	assert_true(s->invalid);
	assert_string_equal(s->invalid_reason, "InvalidSpec");
	assert_string_equal(s->invalid_message,
			    "ferry.yaml:1:1: OCIRepository default/app is also defined at ferry.yaml:9:1");
	assert_int_equal(set->n_secrets, 1);
	assert_int_equal(set->secrets[0]->loc.line, 14);
	cfg_set_free(set);
}

#define SECRET_HEAD "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: apps\n"

static const struct cfg_secret *only_secret(const struct cfg_set *set)
{
	assert_int_equal(set->n_secrets, 1);
	return set->secrets[0];
}

static void test_secret_decoding(void **state)
{
	struct cfg_set *set = load_yaml(SECRET_HEAD
		"type: kubernetes.io/basic-auth\n"
		"immutable: true\n"
		"data:\n"
		"  username: YWRtaW4=\n"
		"  password: |\n"
		"    c2Vj\n"
		"    cmV0\n"
		"  empty: ''\n"
		"  nothing:\n"
		"stringData:\n"
		"  username: root\n"
		"  token: abc\n");
	const struct cfg_secret *s = only_secret(set);
	const struct cfg_secret_entry *e;

	expect_clean(set);
	assert_string_equal(s->ns, "apps");
	assert_string_equal(s->name, "creds");
	assert_string_equal(s->type, "kubernetes.io/basic-auth");
	assert_int_equal(s->loc.line, 1);
	assert_int_equal(s->n_entries, 5);
	/* sorted by key */
	assert_string_equal(s->entries[0].key, "empty");
	assert_string_equal(s->entries[1].key, "nothing");
	assert_string_equal(s->entries[2].key, "password");
	assert_string_equal(s->entries[3].key, "token");
	assert_string_equal(s->entries[4].key, "username");
	e = cfg_secret_get(s, "password");
	assert_non_null(e);
	assert_int_equal(e->len, 6);
	assert_string_equal((const char *)e->value, "secret");
	assert_string_equal((const char *)cfg_secret_get(s, "username")->value, "root");
	assert_int_equal(cfg_secret_get(s, "empty")->len, 0);
	assert_int_equal(cfg_secret_get(s, "nothing")->len, 0);
	assert_null(cfg_secret_get(s, "missing"));
	cfg_set_free(set);

	set = load_yaml("apiVersion: v1\nkind: Secret\nmetadata: {name: x}\n");
	assert_string_equal(only_secret(set)->type, "Opaque");
	assert_string_equal(only_secret(set)->ns, "default");
	cfg_set_free(set);
}

static void test_secret_errors(void **state)
{
	struct cfg_set *set;

	set = load_yaml(SECRET_HEAD "data:\n  good: YQ==\n  unpadded: YQ\n  bad: '*abc'\n");
	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:8:13: data[unpadded]: illegal base64 data at input byte 2");
	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:9:8: data[bad]: illegal base64 data at input byte 0");
	assert_int_equal(set->n_errors, 2);
	/* an invalid Secret is not stored at all, but remembered for messages */
	assert_int_equal(set->n_secrets, 0);
	assert_int_equal(set->n_rejected_secrets, 1);
	assert_string_equal(set->rejected_secrets[0], "apps/creds");
	cfg_set_free(set);

	set = load_yaml(SECRET_HEAD "stringData:\n  pin: 12345\n  'a/b': x\n");
	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:7:8: stringData[pin]: expected string, got integer");
	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:8:3: stringData[a/b]: a valid config key must consist of "
					 "alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
					 "'key-name')");
	assert_false(any_diag_contains(set, "12345"));
	cfg_set_free(set);

	{
		struct buf many = BUF_INIT(0);

		buf_append_str(&many, SECRET_HEAD "stringData:\n");
		for (int i = 0; i <= LIMIT_SECRET_KEYS; i++)
			buf_printf(&many, "  k%d: v\n", i);
		set = load_yaml(buf_cstr(&many));
		expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:7:3: stringData: more than 256 keys");
		assert_int_equal(set->n_secrets, 0);
		cfg_set_free(set);
		buf_free(&many);
	}

	set = load_yaml(SECRET_HEAD "data:\n  ..x: YQ==\n");
	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:7:3: data[..x]: must not start with '..'");
	cfg_set_free(set);

	set = load_yaml(SECRET_HEAD "type: kubernetes.io/dockerconfigjson\nstringData:\n  config.json: '{}'\n");
	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:1:1: data[.dockerconfigjson]: required for Secrets of type "
					 "kubernetes.io/dockerconfigjson");
	cfg_set_free(set);

	set = load_yaml(SECRET_HEAD "type: kubernetes.io/dockerconfigjson\nstringData:\n"
			"  .dockerconfigjson: '{\"auths\": hunter2'\n");
	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:1:1: data[.dockerconfigjson]: is not valid JSON");
	assert_false(any_diag_contains(set, "hunter2"));
	cfg_set_free(set);

	set = load_yaml(SECRET_HEAD "type: kubernetes.io/tls\ndata:\n  tls.crt: YQ==\n");
	expect_diag(set, CFG_DIAG_ERROR, "ferry.yaml:8:3: data[tls.key]: required for Secrets of type kubernetes.io/tls");
	assert_int_equal(set->n_errors, 1);
	cfg_set_free(set);

	set = load_yaml(SECRET_HEAD "type: kubernetes.io/dockerconfigjson\ndata:\n"
			"  .dockerconfigjson: eyJhdXRocyI6e319\n");
	expect_clean(set);
	assert_string_equal((const char *)cfg_secret_get(only_secret(set), ".dockerconfigjson")->value, "{\"auths\":{}}");
	cfg_set_free(set);
}

static void test_secret_digest(void **state)
{
	struct cfg_set *a = load_yaml(SECRET_HEAD "data: {k1: YQ==, k2: Yg==}\n");
	struct cfg_set *b = load_yaml(SECRET_HEAD "stringData:\n  k2: b\n  k1: a\n");
	struct cfg_set *c = load_yaml(SECRET_HEAD "stringData:\n  k2: b\n  k1: A\n");
	struct cfg_set *d = load_yaml(SECRET_HEAD "type: other\nstringData:\n  k2: b\n  k1: a\n");
	struct cfg_set *e = load_yaml(SECRET_HEAD "stringData:\n  k1: ab\n  k2: ''\n");

	assert_int_equal(strlen(only_secret(a)->digest), 64);
	assert_string_equal(only_secret(a)->digest, only_secret(b)->digest);
	assert_string_not_equal(only_secret(a)->digest, only_secret(c)->digest);
	assert_string_not_equal(only_secret(a)->digest, only_secret(d)->digest);
	assert_string_not_equal(only_secret(a)->digest, only_secret(e)->digest);
	cfg_set_free(a);
	cfg_set_free(b);
	cfg_set_free(c);
	cfg_set_free(d);
	cfg_set_free(e);
}

static char *hash_of(const char *yaml)
{
	struct cfg_set *set = load_yaml(yaml);
	char *hash;

	expect_clean(set);
	hash = xstrdup(only_source(set)->spec_hash);
	cfg_set_free(set);
	return hash;
}

static void test_spec_hash(void **state)
{
	char *block = hash_of(HEADER
		"  url: oci://ghcr.io/org/app\n"
		"  interval: 5m\n"
		"  ref:\n"
		"    tag: v1\n"
		"  verify:\n"
		"    provider: notation\n"
		"    secretRef:\n"
		"      name: trust\n");
	char *flow = hash_of("{apiVersion: source.toolkit.fluxcd.io/v1, kind: OCIRepository, metadata: {name: app},"
			     " spec: {verify: {secretRef: {name: trust}, provider: notation}, ref: {tag: 'v1'},"
			     " interval: \"5m\", url: 'oci://ghcr.io/org/app'}}");
	char *defaults = hash_of(HEADER
		"  url: oci://ghcr.io/org/app\n"
		"  interval: 5m\n"
		"  timeout: 60s\n"
		"  provider: generic\n"
		"  ref:\n"
		"    tag: v1\n"
		"    digest: ''\n"
		"  verify:\n"
		"    provider: notation\n"
		"    secretRef:\n"
		"      name: trust\n");
	char *interval = hash_of(HEADER
		"  url: oci://ghcr.io/org/app\n"
		"  interval: 6m\n"
		"  ref:\n"
		"    tag: v1\n"
		"  verify:\n"
		"    provider: notation\n"
		"    secretRef:\n"
		"      name: trust\n");
	char *insecure = hash_of(HEADER
		"  url: oci://ghcr.io/org/app\n"
		"  interval: 5m\n"
		"  insecure: true\n"
		"  ref:\n"
		"    tag: v1\n"
		"  verify:\n"
		"    provider: notation\n"
		"    secretRef:\n"
		"      name: trust\n");

	assert_string_equal(block, flow);
	assert_string_equal(block, defaults);
	assert_string_not_equal(block, interval);
	assert_string_not_equal(block, insecure);
	free(block);
	free(flow);
	free(defaults);
	free(interval);
	free(insecure);
}

/* --- the Flux Notation example users already write --- */

static char *read_example(void)
{
	const char *shared = getenv("FERRY_SHARED_DIR");
	char *path = xasprintf("%s/examples/flux-notation.yaml", shared && *shared ? shared : FERRY_SHARED_DIR);
	struct buf b = BUF_INIT(LIMIT_CONFIG_FILE_BYTES);
	FILE *f = fopen(path, "r");
	char chunk[4096];
	size_t n;

	free(path);
	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_append(&b, chunk, n), 0);
	fclose(f);
	return buf_steal(&b, NULL);
}

/* Line and column of the value of "  key: " in text. */
static void value_position(const char *text, const char *key, int *line, int *column)
{
	char *needle = xasprintf("  %s: ", key);
	const char *at = strstr(text, needle), *bol = text;

	assert_non_null(at);
	*line = 1;
	for (const char *p = text; p < at; p++)
		if (*p == '\n') {
			(*line)++;
			bol = p + 1;
		}
	*column = (int)(at + strlen(needle) - bol) + 1;
	free(needle);
}

static char *replace_value(const char *text, const char *key, const char *value)
{
	char *needle = xasprintf("  %s: ", key);
	const char *at = strstr(text, needle), *eol;
	char *out;

	assert_non_null(at);
	at += strlen(needle);
	eol = strchr(at, '\n');
	out = xasprintf("%.*s%s%s", (int)(at - text), text, value, eol ? eol : "");
	free(needle);
	return out;
}

static void test_flux_example_placeholders(void **state)
{
	char *text = read_example();
	struct cfg_set *set;
	int line, column;

	if (!text) {
		print_message("shared examples not found (set FERRY_SHARED_DIR); skipping\n");
		skip();
	}
	set = load_yaml(text);
	assert_int_equal(set->n_errors, 2);
	for (int i = 0; i < 2; i++) {
		const char *key = i ? "certificate2.pem" : "certificate1.crt";
		char *want;

		value_position(text, key, &line, &column);
		want = xasprintf("ferry.yaml:%d:%d: data[%s]: illegal base64 data at input byte 0", line, column, key);
		expect_diag(set, CFG_DIAG_ERROR, want);
		free(want);
	}
	assert_int_equal(set->n_sources, 1);
	assert_int_equal(set->n_secrets, 0);
	cfg_set_free(set);
	free(text);
}

static void test_flux_example_loads(void **state)
{
	char *text = read_example(), *fixed1, *fixed2, *cert;
	struct cfg_set *set;
	const struct cfg_source *s;
	const struct cfg_secret *secret;
	const struct cfg_secret_entry *policy;

	if (!text) {
		print_message("shared examples not found (set FERRY_SHARED_DIR); skipping\n");
		skip();
	}
	cert = b64_encode_std("-----BEGIN CERTIFICATE-----\n", 28);
	fixed1 = replace_value(text, "certificate1.crt", cert);
	fixed2 = replace_value(fixed1, "certificate2.pem", cert);
	set = load_yaml(fixed2);
	assert_int_equal(set->n_errors, 0);
	/* the only warning: v1beta2 is deprecated */
	assert_int_equal(set->n_diags, 1);
	assert_true(any_diag_contains(set, "source.toolkit.fluxcd.io/v1beta2 OCIRepository is deprecated"));

	s = cfg_find_source(set, "oci-artifacts-flux-config", "oci-artifacts");
	assert_non_null(s);
	assert_false(s->invalid);
	assert_string_equal(s->url, "oci://yoyoociacr.azurecr.io/oci-artifacts");
	assert_string_equal(s->provider, "azure");
	assert_int_equal(s->interval_ms, 300000);
	assert_int_equal(s->timeout_ms, 60000);
	assert_string_equal(s->ref_digest, "sha256:e8dc5898b69f8b3786055325edbff66050f21e91fbed5db3d2e8147939fca213");
	assert_true(s->has_verify);
	assert_string_equal(s->verify_provider, "notation");
	assert_string_equal(s->verify_secret_ref, "notation-config");

	secret = cfg_find_secret(set, "oci-artifacts-flux-config", "notation-config");
	assert_non_null(secret);
	assert_string_equal(secret->type, "Opaque");
	assert_int_equal(secret->n_entries, 3);
	policy = cfg_secret_get(secret, "trustpolicy.json");
	assert_non_null(policy);
	assert_non_null(strstr((const char *)policy->value, "\"trustPolicies\""));
	assert_string_equal((const char *)cfg_secret_get(secret, "certificate1.crt")->value,
			    "-----BEGIN CERTIFICATE-----\n");
	cfg_set_free(set);
	free(cert);
	free(fixed1);
	free(fixed2);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_field),
		cmocka_unit_test(test_field_errors),
		cmocka_unit_test(test_required_and_durations),
		cmocka_unit_test(test_durations_ok),
		cmocka_unit_test(test_url_invalid_stalls),
		cmocka_unit_test(test_oci_url_parse),
		cmocka_unit_test(test_warnings_keep_source_valid),
		cmocka_unit_test(test_metadata),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_multi_document),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_secret_decoding),
		cmocka_unit_test(test_secret_errors),
		cmocka_unit_test(test_secret_digest),
		cmocka_unit_test(test_spec_hash),
		cmocka_unit_test(test_flux_example_placeholders),
		cmocka_unit_test(test_flux_example_loads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
