/* test-conditions.c - Flux condition mechanics and the Ready summary. */
#include "unit.h"

#include <string.h>

#include "reconcile/conditions.h"
#include "util/mem.h"

static const struct condition *get(struct conditions *c, const char *t)
{
	return cond_get(c, t);
}

static void test_last_transition_preserved(void **state)
{
	struct conditions c = { 0 };

	cond_set(&c, COND_READY, COND_TRUE, "Succeeded", "stored", 1, 100);
	cond_set(&c, COND_READY, COND_TRUE, "Succeeded", "stored", 2, 200);
	assert_int_equal(get(&c, COND_READY)->last_transition, 100);
	assert_int_equal(get(&c, COND_READY)->observed_generation, 2);
	cond_set(&c, COND_READY, COND_FALSE, "Failed", "stored", 2, 300);
	assert_int_equal(get(&c, COND_READY)->last_transition, 300);
	cond_set(&c, COND_READY, COND_FALSE, "Failed", "other message", 2, 400);
	assert_int_equal(get(&c, COND_READY)->last_transition, 400);
	cond_free(&c);
}

static void test_message_trimmed(void **state)
{
	struct conditions c = { 0 };
	char *big = xmalloc(40000);

	memset(big, 'x', 39999);
	big[39999] = '\0';
	cond_set(&c, COND_FETCH_FAILED, COND_TRUE, "X", big, 1, 1);
	assert_int_equal(strlen(get(&c, COND_FETCH_FAILED)->message), 32768);
	assert_string_equal(get(&c, COND_FETCH_FAILED)->message + 32765, "...");
	free(big);
	cond_free(&c);
}

static void test_ready_success(void **state)
{
	struct conditions c = { 0 };

	cond_set(&c, COND_ARTIFACT_IN_STORAGE, COND_TRUE, "Succeeded", "stored artifact for digest 'latest@sha256:ab'", 1, 1);
	cond_set(&c, COND_SOURCE_VERIFIED, COND_TRUE, "Succeeded", "verified signature of revision latest@sha256:ab", 1, 1);
	cond_summarize_ready(&c, 1, 1);
	assert_string_equal(get(&c, COND_READY)->status, "True");
	assert_string_equal(get(&c, COND_READY)->reason, "Succeeded");
	assert_string_equal(get(&c, COND_READY)->message, "stored artifact for digest 'latest@sha256:ab'");
	cond_free(&c);
}

static void test_ready_fetch_failed_beats_reconciling(void **state)
{
	struct conditions c = { 0 };

	cond_set(&c, COND_RECONCILING, COND_TRUE, "ProgressingWithRetry", "building artifact", 1, 1);
	cond_set(&c, COND_FETCH_FAILED, COND_TRUE, "OCIArtifactPullFailed", "failed to pull artifact from 'oci://x/y': boom", 1, 1);
	cond_set(&c, COND_ARTIFACT_IN_STORAGE, COND_TRUE, "Succeeded", "stored", 1, 1);
	cond_summarize_ready(&c, 1, 1);
	assert_string_equal(get(&c, COND_READY)->status, "False");
	assert_string_equal(get(&c, COND_READY)->reason, "OCIArtifactPullFailed");
	assert_string_equal(get(&c, COND_READY)->message, "failed to pull artifact from 'oci://x/y': boom");
	cond_free(&c);
}

static void test_ready_storage_first(void **state)
{
	struct conditions c = { 0 };

	cond_set(&c, COND_FETCH_FAILED, COND_TRUE, "OCIArtifactPullFailed", "fetch", 1, 1);
	cond_set(&c, COND_STORAGE_FAILED, COND_TRUE, "ArchiveOperationFailed", "storage", 1, 1);
	cond_summarize_ready(&c, 1, 1);
	assert_string_equal(get(&c, COND_READY)->reason, "ArchiveOperationFailed");
	cond_free(&c);
}

static void test_ready_verification_false_wins(void **state)
{
	struct conditions c = { 0 };

	cond_set(&c, COND_FETCH_FAILED, COND_TRUE, "OCIArtifactPullFailed", "fetch", 1, 1);
	cond_set(&c, COND_SOURCE_VERIFIED, COND_FALSE, "VerificationError",
		 "failed to verify the signature using provider 'notation': no signature", 1, 1);
	cond_summarize_ready(&c, 1, 1);
	assert_string_equal(get(&c, COND_READY)->status, "False");
	assert_string_equal(get(&c, COND_READY)->reason, "VerificationError");
	cond_free(&c);
}

static void test_ready_unknown_verification_keeps_ready(void **state)
{
	struct conditions c = { 0 };

	cond_set(&c, COND_ARTIFACT_IN_STORAGE, COND_TRUE, "Succeeded", "stored", 1, 1);
	cond_set(&c, COND_SOURCE_VERIFIED, COND_UNKNOWN, "VerificationSkipped", "skip", 1, 1);
	cond_summarize_ready(&c, 1, 1);
	assert_string_equal(get(&c, COND_READY)->status, "True");
	cond_free(&c);
}

static void test_ready_stalled(void **state)
{
	struct conditions c = { 0 };

	cond_set(&c, COND_STALLED, COND_TRUE, "URLInvalid", "URL validation failed for 'x'", 1, 1);
	cond_summarize_ready(&c, 1, 1);
	assert_string_equal(get(&c, COND_READY)->status, "False");
	assert_string_equal(get(&c, COND_READY)->reason, "URLInvalid");
	cond_free(&c);
}

static void test_ready_only_progressing(void **state)
{
	struct conditions c = { 0 };

	cond_set(&c, COND_RECONCILING, COND_TRUE, "Progressing", "building artifact", 1, 1);
	cond_summarize_ready(&c, 1, 1);
	assert_string_equal(get(&c, COND_READY)->status, "False");
	assert_string_equal(get(&c, COND_READY)->reason, "Progressing");
	cond_free(&c);
}

static void test_sort_order(void **state)
{
	struct conditions c = { 0 };

	cond_set(&c, COND_SOURCE_VERIFIED, COND_TRUE, "Succeeded", "v", 1, 1);
	cond_set(&c, COND_ARTIFACT_IN_STORAGE, COND_TRUE, "Succeeded", "a", 2, 1);
	cond_set(&c, COND_READY, COND_TRUE, "Succeeded", "r", 2, 1);
	cond_set(&c, COND_FETCH_FAILED, COND_TRUE, "X", "f", 2, 1);
	cond_set(&c, COND_RECONCILING, COND_TRUE, "Progressing", "p", 2, 1);
	cond_set(&c, COND_STALLED, COND_TRUE, "S", "s", 2, 1);
	cond_sort(&c);
	assert_string_equal(c.v[0].type, COND_STALLED);
	assert_string_equal(c.v[1].type, COND_RECONCILING);
	assert_string_equal(c.v[2].type, COND_READY);
	assert_string_equal(c.v[3].type, COND_ARTIFACT_IN_STORAGE);
	assert_string_equal(c.v[4].type, COND_FETCH_FAILED);
	assert_string_equal(c.v[5].type, COND_SOURCE_VERIFIED);  /* older generation last */
	cond_free(&c);
}

static void test_json_round_trip(void **state)
{
	struct conditions c = { 0 }, d = { 0 };
	json_t *j;

	cond_set(&c, COND_READY, COND_TRUE, "Succeeded", "stored", 3, 1700000000);
	j = cond_to_json(&c);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "lastTransitionTime")),
			    "2023-11-14T22:13:20Z");
	cond_from_json(&d, j);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].last_transition, 1700000000);
	assert_int_equal(d.v[0].observed_generation, 3);
	assert_string_equal(d.v[0].message, "stored");
	json_decref(j);
	cond_free(&c);
	cond_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_transition_preserved),
		cmocka_unit_test(test_message_trimmed),
		cmocka_unit_test(test_ready_success),
		cmocka_unit_test(test_ready_fetch_failed_beats_reconciling),
		cmocka_unit_test(test_ready_storage_first),
		cmocka_unit_test(test_ready_verification_false_wins),
		cmocka_unit_test(test_ready_unknown_verification_keeps_ready),
		cmocka_unit_test(test_ready_stalled),
		cmocka_unit_test(test_ready_only_progressing),
		cmocka_unit_test(test_sort_order),
		cmocka_unit_test(test_json_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
