/* test-status.c - status file round trip, corruption recovery, generations. */
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reconcile/status.h"
#include "util/fs.h"
#include "util/mem.h"

struct fixture {
	char dir[64];
	struct store s;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/ferry-test-status-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->s.root = xstrdup(f->dir);
	f->s.root_fd = fs_open_dir(f->dir, false, 0);
	f->s.status_fd = fs_open_dir_at(f->s.root_fd, "status", true, 0755);
	f->s.artifacts_fd = f->s.tmp_fd = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->s.status_fd);
	fs_remove_tree_at(f->s.root_fd, "status");
	close(f->s.root_fd);
	rmdir(f->dir);
	free(f->s.root);
	free(f);
	return 0;
}

static struct cfg_source *source(const char *hash)
{
	struct cfg_source *src = xcalloc(1, sizeof(*src));

	src->api_version = "source.toolkit.fluxcd.io/v1";
	src->ns = "edge";
	src->name = "app";
	snprintf(src->spec_hash, sizeof(src->spec_hash), "%s", hash);
	return src;
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct cfg_source *src = source("aa");
	struct rc_status st, back;
	struct ferry_err e;
	bool found;

	rc_status_init(&st, src);
	cond_set(&st.conds, COND_READY, COND_TRUE, "Succeeded", "stored artifact for digest 'v1@sha256:00'", 1, 1700000000);
	st.observed_generation = 1;
	st.has_artifact = true;
	st.artifact.revision = xstrdup("v1@sha256:00");
	st.artifact.digest = xstrdup("sha256:11");
	st.artifact.path = xstrdup("/var/lib/ferry/artifacts/edge/app/00");
	st.artifact.size = 1234;
	st.artifact.last_update = 1700000000;
	st.artifact.metadata = json_pack("{s:s}", "org.opencontainers.image.source", "https://example.org");
	st.has_observed_ignore = true;
	st.observed_ignore = xstrdup("*.md\n");
	ferr_clear(&e);
	assert_int_equal(rc_status_write(&f->s, &st, &e), 0);
	assert_int_equal(rc_status_load(&f->s, "edge", "app", &back, &found, &e), 0);
	assert_true(found);
	assert_int_equal(back.generation, 1);
	assert_int_equal(back.observed_generation, 1);
	assert_string_equal(back.spec_digest, "sha256:aa");
	assert_string_equal(back.artifact.revision, "v1@sha256:00");
	assert_string_equal(back.artifact.entry, "00");
	assert_int_equal(back.artifact.size, 1234);
	assert_int_equal(back.artifact.last_update, 1700000000);
	assert_string_equal(json_string_value(json_object_get(back.artifact.metadata, "org.opencontainers.image.source")),
			    "https://example.org");
	assert_true(back.has_observed_ignore);
	assert_string_equal(back.observed_ignore, "*.md\n");
	assert_int_equal(cond_get(&back.conds, COND_READY)->last_transition, 1700000000);
	rc_status_free(&st);
	rc_status_free(&back);
	free(src);
}

static void test_generation_bumps_on_spec_change(void **state)
{
	struct fixture *f = *state;
	struct cfg_source *a = source("aa"), *b = source("bb");
	struct rc_status st, back;
	struct ferry_err e;
	bool found;

	rc_status_init(&st, a);
	ferr_clear(&e);
	assert_int_equal(rc_status_write(&f->s, &st, &e), 0);
	assert_int_equal(rc_status_load(&f->s, "edge", "app", &back, &found, &e), 0);
	rc_status_adopt(&back, a);
	assert_int_equal(back.generation, 1);
	rc_status_adopt(&back, b);
	assert_int_equal(back.generation, 2);
	assert_string_equal(back.spec_digest, "sha256:bb");
	rc_status_adopt(&back, b);
	assert_int_equal(back.generation, 2);
	rc_status_free(&st);
	rc_status_free(&back);
	free(a);
	free(b);
}

static void test_corrupt_file_moved_aside(void **state)
{
	struct fixture *f = *state;
	struct rc_status st;
	struct ferry_err e;
	bool found = true;
	int dfd = fs_open_dir_at(f->s.status_fd, "edge", true, 0755);

	assert_int_equal(fs_write_atomic_at(dfd, "app.json", "{not json", 9, 0644), 0);
	ferr_clear(&e);
	assert_int_equal(rc_status_load(&f->s, "edge", "app", &st, &found, &e), 0);
	assert_false(found);
	assert_false(fs_exists_at(dfd, "app.json"));
	assert_true(fs_exists_at(dfd, "app.json.corrupt"));
	/* a file for another object is not taken for this one */
	{
		static const char other[] = "{\"metadata\":{\"name\":\"other\",\"namespace\":\"edge\"},\"status\":{}}";
		assert_int_equal(fs_write_atomic_at(dfd, "app.json", other, sizeof(other) - 1, 0644), 0);
	}
	assert_int_equal(rc_status_load(&f->s, "edge", "app", &st, &found, &e), 0);
	assert_false(found);
	close(dfd);
}

static void test_missing_is_not_found(void **state)
{
	struct fixture *f = *state;
	struct rc_status st;
	struct ferry_err e;
	bool found = true;

	ferr_clear(&e);
	assert_int_equal(rc_status_load(&f->s, "nope", "app", &st, &found, &e), 0);
	assert_false(found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generation_bumps_on_spec_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_file_moved_aside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_is_not_found, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
