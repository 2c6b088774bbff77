/* test-job.c - job records handed to ferry-worker: round trip, least
 * privilege; and what the parent makes of a worker's result record. */
#include "unit.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "reconcile/job.h"
#include "reconcile/reconcile.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"

static const char CONFIG[] =
	"apiVersion: source.toolkit.fluxcd.io/v1\n"
	"kind: OCIRepository\n"
	"metadata: {name: app, namespace: edge}\n"
	"spec:\n"
	"  interval: 5m\n"
	"  url: oci://registry.example/apps/app\n"
	"  secretRef: {name: pull}\n"
	"  ref: {semver: '>=1.0.0', semverFilter: '^v'}\n"
	"  layerSelector: {mediaType: application/x-tar, operation: copy}\n"
	"  ignore: |\n"
	"    *.md\n"
	"  verify: {provider: notation, secretRef: {name: trust}}\n"
	"---\n"
	"apiVersion: v1\nkind: Secret\nmetadata: {name: trust, namespace: edge}\n"
	"stringData: {trustpolicy.json: '{}'}\n"
	"data: {root.crt: Ynl0ZXMAd2l0aCBudWw=}\n"
	"---\n"
	"apiVersion: v1\nkind: Secret\nmetadata: {name: pull, namespace: edge}\n"
	"type: kubernetes.io/dockerconfigjson\n"
	"stringData: {.dockerconfigjson: '{\"auths\":{}}'}\n"
	"---\n"
	"apiVersion: v1\nkind: Secret\nmetadata: {name: unrelated, namespace: edge}\n"
	"stringData: {password: hunter2}\n";

static void test_round_trip_carries_only_referenced_secrets(void **state)
{
	char dir[] = "/tmp/ferry-test-job-XXXXXX";
	struct cfg_set *cfg = NULL;
	struct rc_status st;
	struct store s = { 0 };
	struct rc_job job;
	struct rc_job_parsed parsed;
	struct ferry_err e;
	const struct cfg_source *src, *back;
	const struct cfg_secret *trust;
	char *text;

	assert_non_null(mkdtemp(dir));
	ferr_clear(&e);
	assert_int_equal(cfg_load_text("edge.yaml", CONFIG, sizeof(CONFIG) - 1, &cfg, &e), 0);
	for (size_t i = 0; i < cfg->n_diags; i++)
		fprintf(stderr, "%s\n", cfg->diags[i].message);
	assert_int_equal(cfg->n_errors, 0);
	src = cfg_find_source(cfg, "edge", "app");
	assert_non_null(src);
	rc_status_init(&st, src);
	st.generation = 7;
	st.observed_generation = 6;
	cond_set(&st.conds, COND_READY, COND_TRUE, "Succeeded", "stored", 6, 1700000000);
	s.root = dir;
	job = (struct rc_job){ .cfg = cfg, .src = src, .prev = &st, .store = &s, .max_signatures = 5 };
	text = rc_job_serialize(&job, &(struct rc_job_settings){ .state_dir = dir, .log_priority = LOG_DEBUG,
								 .log_format = LOG_FORMAT_JSON });
	assert_null(strstr(text, "unrelated"));
	assert_null(strstr(text, "aHVudGVyMg")); /* base64 of hunter2 */

	assert_int_equal(rc_job_parse(text, strlen(text), &parsed, &e), 0);
	back = parsed.job.src;
	assert_string_equal(back->ns, "edge");
	assert_string_equal(back->name, "app");
	assert_string_equal(back->url, src->url);
	assert_string_equal(back->ref_semver, ">=1.0.0");
	assert_string_equal(back->ref_semver_filter, "^v");
	assert_string_equal(back->layer_media_type, "application/x-tar");
	assert_int_equal(back->layer_op, CFG_LAYER_COPY);
	assert_true(back->has_ignore);
	assert_string_equal(back->ignore, "*.md\n");
	assert_true(back->has_verify);
	assert_string_equal(back->verify_secret_ref, "trust");
	assert_int_equal(back->timeout_ms, src->timeout_ms);
	assert_string_equal(back->spec_hash, src->spec_hash);
	assert_true(json_equal(back->spec, src->spec));
	assert_int_equal(parsed.cfg->n_secrets, 2);
	assert_non_null(cfg_find_secret(parsed.cfg, "edge", "pull"));
	assert_null(cfg_find_secret(parsed.cfg, "edge", "unrelated"));
	trust = cfg_find_secret(parsed.cfg, "edge", "trust");
	assert_non_null(trust);
	assert_int_equal(cfg_secret_get(trust, "root.crt")->len, 14);
	assert_memory_equal(cfg_secret_get(trust, "root.crt")->value, "bytes\0with nul", 14);
	assert_string_equal(trust->digest, cfg_find_secret(cfg, "edge", "trust")->digest);
	assert_int_equal(parsed.prev.generation, 7);
	assert_int_equal(parsed.prev.observed_generation, 6);
	assert_int_equal(cond_get(&parsed.prev.conds, COND_READY)->last_transition, 1700000000);
	assert_int_equal(parsed.job.max_signatures, 5);
	assert_int_equal(parsed.log_priority, LOG_DEBUG);
	assert_int_equal(parsed.log_format, LOG_FORMAT_JSON);
	assert_string_equal(parsed.store.root, dir);
	assert_true(parsed.store.tmp_fd >= 0);

	rc_job_parsed_free(&parsed);
	free(text);
	rc_status_free(&st);
	cfg_set_free(cfg);
	{
		int fd = fs_open_dir(dir, false, 0);
		fs_empty_dir_at(fd);
		close(fd);
		rmdir(dir);
	}
}

static void test_malformed_jobs_are_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"{}",
		"{\"source\":{\"namespace\":\"a\",\"name\":\"b\"},\"secrets\":[],\"status\":{},\"stateDir\":\"/tmp\"}",
		"{\"source\":{\"namespace\":\"a\",\"name\":\"b\",\"url\":\"oci://x/y\"},\"secrets\":[{\"name\":\"s\"}],"
		"\"status\":{},\"stateDir\":\"/tmp\"}",
		"{\"source\":{\"namespace\":\"a\",\"name\":\"b\",\"url\":\"oci://x/y\"},\"secrets\":[{\"namespace\":\"a\","
		"\"name\":\"s\",\"entries\":[{\"key\":\"k\",\"value\":\"!!\"}]}],\"status\":{},\"stateDir\":\"/tmp\"}",
	};
	struct rc_job_parsed p;
	struct ferry_err e;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		ferr_clear(&e);
		assert_int_equal(rc_job_parse(bad[i], strlen(bad[i]), &p, &e), -1);
		assert_true(ferr_is_set(&e));
	}
}

/* ---- results from a worker ---- */

#define HEX1 "1111111111111111111111111111111111111111111111111111111111111111"
#define HEX2 "2222222222222222222222222222222222222222222222222222222222222222"

static const char APP[] =
	"apiVersion: source.toolkit.fluxcd.io/v1\n"
	"kind: OCIRepository\n"
	"metadata: {name: app, namespace: edge}\n"
	"spec: {interval: 5m, url: 'oci://registry.example/apps/app', ref: {tag: v1}}\n";

static void up_to_date(struct rc_result *r, const char *revision)
{
	rc_result_init(r);
	r->revision = xstrdup(revision);
	r->manifest_digest = xstrdup(strchr(revision, '@') + 1);
	r->up_to_date = true;
}

/* The status says revision v1 (HEX1) is stored, as it is after a promotion. */
static void stored_v1(struct store *s, const struct cfg_source *src, struct rc_status *st)
{
	struct ferry_err e;
	char *rel;
	int fd;

	ferr_clear(&e);
	assert_int_equal(store_stage_dir(s, "edge", "app", &rel, &fd, &e), 0);
	close(fd);
	assert_int_equal(store_promote(s, "edge", "app", HEX1, rel, false, &e), 0);
	free(rel);
	rc_status_init(st, src);
	st->has_artifact = true;
	st->artifact.revision = xstrdup("v1@sha256:" HEX1);
	st->artifact.entry = xstrdup(HEX1);
	st->artifact.path = store_path(s, "edge", "app", HEX1);
}

/* "Up to date" from a worker is believed only for the revision the store
 * holds when the parent applies it: a worker that lies, or an artifact that
 * left storage while the worker ran, must not end in Ready=True. */
static void test_up_to_date_needs_the_stored_revision(void **state)
{
	char dir[] = "/tmp/ferry-test-apply-XXXXXX";
	struct cfg_set *cfg = NULL;
	const struct cfg_source *src;
	const struct condition *in_storage;
	struct rc_status st;
	struct rc_result r;
	struct store s;
	struct ferry_err e;

	assert_non_null(mkdtemp(dir));
	ferr_clear(&e);
	assert_int_equal(cfg_load_text("edge.yaml", APP, sizeof(APP) - 1, &cfg, &e), 0);
	assert_int_equal(cfg->n_errors, 0);
	src = cfg_find_source(cfg, "edge", "app");
	assert_non_null(src);
	assert_int_equal(store_open(dir, &s, &e), 0);

	/* the stored revision: Ready */
	stored_v1(&s, src, &st);
	up_to_date(&r, "v1@sha256:" HEX1);
	assert_true(rc_apply(&s, src, &st, &r, 1700000000));
	assert_true(cond_is(&st.conds, COND_ARTIFACT_IN_STORAGE, COND_TRUE));
	rc_result_free(&r);

	/* another revision claimed up to date: not Ready, nothing claims it is stored */
	up_to_date(&r, "v2@sha256:" HEX2);
	assert_false(rc_apply(&s, src, &st, &r, 1700000100));
	assert_false(cond_is(&st.conds, COND_READY, COND_TRUE));
	assert_string_equal(st.artifact.revision, "v1@sha256:" HEX1);
	in_storage = cond_get(&st.conds, COND_ARTIFACT_IN_STORAGE);
	assert_true(!in_storage || !strstr(in_storage->message, HEX2));
	rc_result_free(&r);
	rc_status_free(&st);

	/* the stored revision vanished while the worker ran */
	assert_int_equal(store_remove_source(&s, "edge", "app"), 0);
	stored_v1(&s, src, &st);
	assert_int_equal(store_remove_source(&s, "edge", "app"), 0);
	up_to_date(&r, "v1@sha256:" HEX1);
	assert_false(rc_apply(&s, src, &st, &r, 1700000200));
	assert_false(st.has_artifact);
	assert_false(cond_is(&st.conds, COND_READY, COND_TRUE));
	assert_false(cond_is(&st.conds, COND_ARTIFACT_IN_STORAGE, COND_TRUE));
	rc_result_free(&r);
	rc_status_free(&st);

	store_close(&s);
	cfg_set_free(cfg);
	{
		int fd = fs_open_dir(dir, false, 0);
		fs_empty_dir_at(fd);
		close(fd);
		rmdir(dir);
	}
}

/* A source whose spec has no verify block is never reported as verified,
 * whatever a worker's record says. */
static void test_verification_only_when_the_spec_asks(void **state)
{
	char dir[] = "/tmp/ferry-test-apply-XXXXXX";
	struct cfg_set *cfg = NULL;
	const struct cfg_source *src;
	struct rc_status st;
	struct rc_result r;
	struct store s;
	struct ferry_err e;

	assert_non_null(mkdtemp(dir));
	ferr_clear(&e);
	assert_int_equal(cfg_load_text("edge.yaml", APP, sizeof(APP) - 1, &cfg, &e), 0);
	src = cfg_find_source(cfg, "edge", "app");
	assert_non_null(src);
	assert_false(src->has_verify);
	assert_int_equal(store_open(dir, &s, &e), 0);
	stored_v1(&s, src, &st);
	up_to_date(&r, "v1@sha256:" HEX1);
	r.verify = RC_VERIFY_VERIFIED;
	r.verify_signer = xstrdup("CN=someone");
	assert_true(rc_apply(&s, src, &st, &r, 1700000000));
	assert_null(cond_get(&st.conds, COND_SOURCE_VERIFIED));
	assert_false(st.has_verification);
	rc_result_free(&r);
	rc_status_free(&st);
	store_close(&s);
	cfg_set_free(cfg);
	{
		int fd = fs_open_dir(dir, false, 0);
		fs_empty_dir_at(fd);
		close(fd);
		rmdir(dir);
	}
}

/* What a worker's record may make the parent do: promote only its own
 * staging entry, under the digest its revision names. */
static void test_result_validation(void **state)
{
	char stage[64], *good, *text;
	struct rc_result r;
	struct ferry_err e;
	int fd;
	char *rel = NULL;
	char dir[] = "/tmp/ferry-test-result-XXXXXX";
	struct store s;

	assert_non_null(mkdtemp(dir));
	ferr_clear(&e);
	assert_int_equal(store_open(dir, &s, &e), 0);
	assert_int_equal(store_stage_dir(&s, "edge", "app", &rel, &fd, &e), 0);
	close(fd);
	snprintf(stage, sizeof(stage), "%s", rel);
	free(rel);

#define RESULT(revision, digest, stage_name) \
	xasprintf("{\"failure\":\"ok\",\"verify\":\"not-run\",\"revision\":\"%s\"," \
		  "\"manifestDigest\":\"%s\",\"staged\":true,\"stage\":\"%s\"," \
		  "\"layerDigest\":\"sha256:" HEX2 "\"}", revision, digest, stage_name)

	good = RESULT("v1@sha256:" HEX1, "sha256:" HEX1, stage);
	assert_int_equal(rc_result_parse(good, strlen(good), "edge", "app", &r, &e), 0);
	assert_true(r.staged);
	assert_string_equal(r.stage_rel, stage);
	rc_result_free(&r);
	/* the same record for another source names a staging entry not its own */
	ferr_clear(&e);
	assert_int_equal(rc_result_parse(good, strlen(good), "edge", "other", &r, &e), -1);
	assert_string_equal(e.msg, "worker result failed validation");
	free(good);

	{
		char *bad[] = {
			/* a revision that is not the digest the tree is stored under */
			RESULT("v1@sha256:" HEX2, "sha256:" HEX1, stage),
			RESULT("sha256:" HEX2, "sha256:" HEX1, stage),
			/* staging names that leave tmp/ */
			RESULT("v1@sha256:" HEX1, "sha256:" HEX1, "../status"),
			RESULT("v1@sha256:" HEX1, "sha256:" HEX1, "edge_app.abcdef/../../x"),
			RESULT("v1@sha256:" HEX1, "sha256:" HEX1, "edge_app..."),
		};

		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			ferr_clear(&e);
			if (rc_result_parse(bad[i], strlen(bad[i]), "edge", "app", &r, &e) != -1)
				fail_msg("accepted: %s", bad[i]);
			assert_string_equal(e.msg, "worker result failed validation");
			free(bad[i]);
		}
	}
#undef RESULT
	text = xstrdup("{\"failure\":\"ok\",\"verify\":\"verified\",\"revision\":\"v1@sha256:" HEX1 "\","
		       "\"manifestDigest\":\"sha256:" HEX1 "\",\"upToDate\":true}");
	assert_int_equal(rc_result_parse(text, strlen(text), "edge", "app", &r, &e), 0);
	assert_true(r.up_to_date);
	rc_result_free(&r);
	free(text);

	store_unstage(&s, stage);
	store_close(&s);
	{
		int dfd = fs_open_dir(dir, false, 0);
		fs_empty_dir_at(dfd);
		close(dfd);
		rmdir(dir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_carries_only_referenced_secrets),
		cmocka_unit_test(test_malformed_jobs_are_refused),
		cmocka_unit_test(test_up_to_date_needs_the_stored_revision),
		cmocka_unit_test(test_result_validation),
		cmocka_unit_test(test_verification_only_when_the_spec_asks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
