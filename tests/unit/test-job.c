/* test-job.c - job records handed to ferry-worker: round trip, least privilege. */
#include "unit.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "reconcile/job.h"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_carries_only_referenced_secrets),
		cmocka_unit_test(test_malformed_jobs_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
