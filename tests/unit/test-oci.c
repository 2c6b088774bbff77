/* test-oci.c - manifest and index parsing (including hostile documents) and
 * platform selection. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "oci/manifest.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/limits.h"
#include "util/mem.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static int parse(const char *json, const char *ctype, struct oci_manifest *m, struct ferry_err *e)
{
	ferr_clear(e);
	return oci_manifest_parse(json, strlen(json), ctype, m, e);
}

static void expect_error(const char *json, const char *ctype, const char *msg)
{
	struct oci_manifest m;
	struct ferry_err e;

	assert_int_equal(parse(json, ctype, &m, &e), -1);
	if (!strstr(e.msg, msg))
		fail_msg("error \"%s\" does not contain \"%s\"", e.msg, msg);
	assert_null(m.layers);
	assert_null(m.manifests);
	assert_null(m.media_type);
}

static void test_flux_manifest(void **state)
{
	const char *json =
		"{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\","
		"\"config\":{\"mediaType\":\"" FLUX_MT_CONFIG "\",\"digest\":\"" D1 "\",\"size\":233},"
		"\"layers\":[{\"mediaType\":\"" FLUX_MT_CONTENT "\",\"digest\":\"" D2 "\",\"size\":1105},"
		"{\"mediaType\":\"text/plain\",\"digest\":\"" D3 "\",\"size\":0,"
		"\"annotations\":{\"org.opencontainers.image.title\":\"x\"}}],"
		"\"annotations\":{\"org.opencontainers.image.revision\":\"main@sha1:abc\","
		"\"org.opencontainers.image.source\":\"https://example.org/app\"}}";
	struct oci_manifest m;
	struct ferry_err e;

	assert_int_equal(parse(json, NULL, &m, &e), 0);
	assert_string_equal(m.media_type, OCI_MT_MANIFEST);
	assert_false(m.is_index);
	assert_string_equal(m.config.media_type, FLUX_MT_CONFIG);
	assert_int_equal(m.config.size, 233);
	assert_int_equal(m.n_layers, 2);
	assert_string_equal(m.layers[0].digest, D2);
	assert_int_equal(m.layers[0].size, 1105);
	assert_null(m.layers[0].annotations);
	assert_string_equal(json_string_value(json_object_get(m.layers[1].annotations,
							      "org.opencontainers.image.title")), "x");
	assert_int_equal(m.layers[1].size, 0);
	assert_string_equal(json_string_value(json_object_get(m.annotations, "org.opencontainers.image.revision")),
			    "main@sha1:abc");
	assert_null(m.subject);
	assert_null(m.artifact_type);
	oci_manifest_free(&m);
}

static void test_docker_manifest_and_list(void **state)
{
	const char *manifest =
		"{\"schemaVersion\":2,\"mediaType\":\"" DOCKER_MT_MANIFEST "\","
		"\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"" D1
		"\",\"size\":7},\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\","
		"\"digest\":\"" D2 "\",\"size\":9}]}";
	const char *list =
		"{\"schemaVersion\":2,\"mediaType\":\"" DOCKER_MT_LIST "\",\"manifests\":["
		"{\"mediaType\":\"" DOCKER_MT_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":1,"
		"\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
		"{\"mediaType\":\"" DOCKER_MT_MANIFEST "\",\"digest\":\"" D2 "\",\"size\":2,"
		"\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}}]}";
	struct oci_manifest m;
	struct ferry_err e;

	assert_int_equal(parse(manifest, NULL, &m, &e), 0);
	assert_false(m.is_index);
	assert_string_equal(m.media_type, DOCKER_MT_MANIFEST);
	assert_int_equal(m.n_layers, 1);
	oci_manifest_free(&m);

	assert_int_equal(parse(list, NULL, &m, &e), 0);
	assert_true(m.is_index);
	assert_int_equal(m.n_manifests, 2);
	assert_string_equal(m.manifests[1].platform_os, "linux");
	assert_string_equal(m.manifests[1].platform_arch, "arm");
	assert_string_equal(m.manifests[1].platform_variant, "v7");
	assert_null(m.manifests[0].platform_variant);
	oci_manifest_free(&m);
}

static void test_media_type_from_content_type(void **state)
{
	const char *index_no_mt = "{\"schemaVersion\":2,\"manifests\":[]}";
	const char *manifest_no_mt = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"" D1
				     "\",\"size\":1},\"layers\":[]}";
	struct oci_manifest m;
	struct ferry_err e;

	assert_int_equal(parse(index_no_mt, OCI_MT_INDEX, &m, &e), 0);
	assert_true(m.is_index);
	assert_string_equal(m.media_type, OCI_MT_INDEX);
	assert_int_equal(m.n_manifests, 0);
	oci_manifest_free(&m);

	/* no mediaType and no usable Content-Type: recognised by its shape */
	assert_int_equal(parse(manifest_no_mt, "application/json", &m, &e), 0);
	assert_false(m.is_index);
	assert_string_equal(m.media_type, OCI_MT_MANIFEST);
	oci_manifest_free(&m);

	assert_int_equal(parse(index_no_mt, NULL, &m, &e), 0);
	assert_true(m.is_index);
	oci_manifest_free(&m);
}

static void test_schema1_and_unknown_types(void **state)
{
	expect_error("{\"schemaVersion\":1,\"name\":\"x\",\"tag\":\"latest\",\"fsLayers\":[]}", NULL,
		     "Docker image manifest schema 1 is not supported");
	expect_error("{\"schemaVersion\":1}", "application/vnd.docker.distribution.manifest.v1+prettyjws",
		     "schema 1 is not supported");
	expect_error("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v1+json\"}",
		     NULL, "Docker image manifest schema 1 (application/vnd.docker.distribution.manifest.v1+json)"
		     " is not supported");
	expect_error("{\"schemaVersion\":2,\"mediaType\":\"text/html\"}", NULL,
		     "unsupported manifest media type 'text/html'");
	expect_error("{\"schemaVersion\":3,\"mediaType\":\"" OCI_MT_INDEX "\",\"manifests\":[]}", NULL,
		     "schemaVersion: must be 2");
	expect_error("{\"schemaVersion\":2}", NULL, "neither a manifest nor an index");
	expect_error("[]", NULL, "manifest must be a JSON object");
}

static void test_hostile_descriptors(void **state)
{
#define M(layer) "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\",\"config\":{\"mediaType\":\"a/b\"," \
	"\"digest\":\"" D1 "\",\"size\":1},\"layers\":[" layer "]}"
	expect_error(M("{\"mediaType\":\"a/b\",\"digest\":\"sha512:abcd\",\"size\":1}"), NULL,
		     "layers[0].digest: unsupported or malformed digest 'sha512:abcd'");
	expect_error(M("{\"mediaType\":\"a/b\",\"digest\":\"sha256:ABCDEF1111111111111111111111111111111111111111"
		       "111111111111111111\",\"size\":1}"), NULL, "layers[0].digest: unsupported or malformed");
	expect_error(M("{\"mediaType\":\"a/b\",\"digest\":\"" D2 "\",\"size\":-1}"), NULL,
		     "layers[0].size: must be a non-negative integer");
	expect_error(M("{\"mediaType\":\"a/b\",\"digest\":\"" D2 "\",\"size\":1.0}"), NULL,
		     "layers[0].size: must be a non-negative integer");
	expect_error(M("{\"mediaType\":\"a/b\",\"digest\":\"" D2 "\",\"size\":\"12\"}"), NULL,
		     "layers[0].size: must be a non-negative integer");
	expect_error(M("{\"mediaType\":\"a/b\",\"digest\":\"" D2 "\"}"), NULL, "layers[0].size: missing");
	expect_error(M("{\"digest\":\"" D2 "\",\"size\":1}"), NULL, "layers[0].mediaType: missing");
	expect_error(M("{\"mediaType\":7,\"digest\":\"" D2 "\",\"size\":1}"), NULL,
		     "layers[0].mediaType: must be a string");
	expect_error(M("{\"mediaType\":\"a/b\",\"digest\":\"" D2 "\",\"size\":1,\"annotations\":{\"k\":1}}"), NULL,
		     "layers[0].annotations[\"k\"]: value must be a string");
	expect_error(M("{\"mediaType\":\"a/b\",\"digest\":\"" D2 "\",\"size\":1},"
		       "{\"mediaType\":\"a/b\",\"digest\":\"" D2 "\",\"size\":99999999999999999999999}"), NULL,
		     "invalid manifest JSON");
	expect_error(M("7"), NULL, "layers[0]: descriptor must be an object");
#undef M
	expect_error("{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\",\"layers\":[]}", NULL,
		     "config: missing");
	expect_error("{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\",\"config\":{\"mediaType\":\"a/b\","
		     "\"digest\":\"" D1 "\",\"size\":1}}", NULL, "layers: missing");
	expect_error("{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_INDEX "\",\"manifests\":{}}", NULL,
		     "manifests: must be an array");
	expect_error("{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_INDEX "\",\"manifests\":[{\"mediaType\":\"a/b\","
		     "\"digest\":\"" D1 "\",\"size\":1,\"platform\":{\"os\":\"linux\"}}]}", NULL,
		     "manifests[0].platform: os and architecture are required");
	expect_error("{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_INDEX "\",\"manifests\":[],\"annotations\":[]}",
		     NULL, "annotations: must be an object");
	/* duplicate keys could make two parsers see two documents */
	expect_error("{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_INDEX "\",\"mediaType\":\"" OCI_MT_MANIFEST
		     "\",\"manifests\":[]}", NULL, "invalid manifest JSON");
	expect_error("{\"schemaVersion\":2,", NULL, "invalid manifest JSON");
}

static void test_count_and_depth_limits(void **state)
{
	struct buf b = BUF_INIT(0);
	struct oci_manifest m;
	struct ferry_err e;
	int i;

	buf_printf(&b, "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[", OCI_MT_INDEX);
	for (i = 0; i < LIMIT_INDEX_MANIFESTS + 1; i++)
		buf_printf(&b, "%s{\"mediaType\":\"a/b\",\"digest\":\"%s\",\"size\":1}", i ? "," : "", D1);
	buf_append_str(&b, "]}");
	ferr_clear(&e);
	assert_int_equal(oci_manifest_parse(b.data, b.len, NULL, &m, &e), -1);
	assert_non_null(strstr(e.msg, "manifests: 1025 entries exceed the limit of 1024"));
	buf_free(&b);

	buf_printf(&b, "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[],\"annotations\":{\"a\":", OCI_MT_INDEX);
	for (i = 0; i < LIMIT_JSON_DEPTH + 10; i++)
		buf_append_str(&b, "[");
	for (i = 0; i < LIMIT_JSON_DEPTH + 10; i++)
		buf_append_str(&b, "]");
	buf_append_str(&b, "}}");
	ferr_clear(&e);
	assert_int_equal(oci_manifest_parse(b.data, b.len, NULL, &m, &e), -1);
	assert_non_null(strstr(e.msg, "nesting deeper than"));
	buf_free(&b);

	{
		char *big = xcalloc(1, LIMIT_MANIFEST_BYTES + 1);

		memset(big, ' ', LIMIT_MANIFEST_BYTES + 1);
		big[0] = '{';
		big[LIMIT_MANIFEST_BYTES] = '}';
		ferr_clear(&e);
		assert_int_equal(oci_manifest_parse(big, LIMIT_MANIFEST_BYTES + 1, NULL, &m, &e), -1);
		assert_non_null(strstr(e.msg, "exceeds the limit of 4194304 bytes"));
		free(big);
	}
}

static void test_subject_artifact_type_and_copy(void **state)
{
	const char *json =
		"{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\",\"artifactType\":\"" NOTARY_MT_SIGNATURE "\","
		"\"config\":{\"mediaType\":\"" OCI_MT_EMPTY "\",\"digest\":\"" D1 "\",\"size\":2,\"data\":\"e30=\"},"
		"\"layers\":[{\"mediaType\":\"application/jose+json\",\"digest\":\"" D2 "\",\"size\":2078}],"
		"\"subject\":{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" D3 "\",\"size\":481},"
		"\"annotations\":{\"io.cncf.notary.x509chain.thumbprint#S256\":\"[]\"}}";
	struct oci_manifest m;
	struct oci_descriptor copy;
	struct ferry_err e;

	assert_int_equal(parse(json, NULL, &m, &e), 0);
	assert_string_equal(m.artifact_type, NOTARY_MT_SIGNATURE);
	assert_non_null(m.subject);
	assert_string_equal(m.subject->digest, D3);
	assert_int_equal(m.subject->size, 481);
	assert_string_equal(m.config.media_type, OCI_MT_EMPTY);
	oci_descriptor_copy(&copy, &m.layers[0]);
	oci_manifest_free(&m);
	assert_string_equal(copy.media_type, "application/jose+json");
	assert_string_equal(copy.digest, D2);
	assert_int_equal(copy.size, 2078);
	oci_descriptor_free(&copy);

	expect_error("{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\",\"config\":{\"mediaType\":\"a/b\","
		     "\"digest\":\"" D1 "\",\"size\":1},\"layers\":[],\"subject\":{\"mediaType\":\"a/b\","
		     "\"digest\":\"sha256:00\",\"size\":1}}", NULL, "subject.digest: unsupported or malformed");
	expect_error("{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\",\"artifactType\":5,\"config\":"
		     "{\"mediaType\":\"a/b\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}", NULL,
		     "artifactType: must be a string");
}

static void test_artifact_manifest(void **state)
{
	const char *json = "{\"mediaType\":\"" OCI_MT_ARTIFACT "\",\"artifactType\":\"" NOTARY_MT_SIGNATURE "\","
			   "\"blobs\":[{\"mediaType\":\"application/cose\",\"digest\":\"" D1 "\",\"size\":10}],"
			   "\"subject\":{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" D2 "\",\"size\":5}}";
	struct oci_manifest m;
	struct ferry_err e;

	assert_int_equal(parse(json, NULL, &m, &e), 0);
	assert_false(m.is_index);
	assert_int_equal(m.n_layers, 1);
	assert_string_equal(m.layers[0].media_type, "application/cose");
	assert_non_null(m.subject);
	oci_manifest_free(&m);
}

/* Real documents from the Notation test vectors. */
static void test_notation_vectors(void **state)
{
	const char *dir = getenv("FERRY_SHARED_DIR") ? getenv("FERRY_SHARED_DIR") : FERRY_SHARED_DIR;
	char *sig = xasprintf("%s/vectors/notation/notation-go/reconstructed/sha256-64300ad03f1dcd18136787363f3069c"
			      "9598623221cbe76e3233d35266b7973d6.signature-manifest.json", dir);
	char *tagidx = xasprintf("%s/vectors/notation/notation/test/e2e/testdata/registry/oci_layout/"
				 "e2e-valid-signature/blobs/sha256/13e107e0dd246f07ff18998a3d39e226965c41477a1bc"
				 "1765f7617632ff3f283", dir);
	struct buf b = BUF_INIT(LIMIT_MANIFEST_BYTES);
	struct oci_manifest m;
	struct ferry_err e;

	char *vectors = xasprintf("%s/vectors/notation", dir);

	if (access(vectors, F_OK) < 0) {
		print_message("shared vectors not found at %s (set FERRY_SHARED_DIR): skipped\n", vectors);
		free(vectors);
		free(sig);
		free(tagidx);
		skip();
	}
	free(vectors);
	assert_int_equal(fs_read_file(sig, LIMIT_MANIFEST_BYTES, &b), 0);
	ferr_clear(&e);
	assert_int_equal(oci_manifest_parse(b.data, b.len, NULL, &m, &e), 0);
	assert_string_equal(m.artifact_type, NOTARY_MT_SIGNATURE);
	assert_int_equal(m.n_layers, 1);
	assert_string_equal(m.layers[0].media_type, "application/jose+json");
	assert_int_equal(m.layers[0].size, 2078);
	assert_string_equal(m.subject->digest,
			    "sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0");
	assert_string_equal(json_string_value(json_object_get(m.annotations, "org.opencontainers.image.created")),
			    "2023-03-14T08:10:02Z");
	oci_manifest_free(&m);
	buf_free(&b);

	assert_int_equal(fs_read_file(tagidx, LIMIT_MANIFEST_BYTES, &b), 0);
	assert_int_equal(oci_manifest_parse(b.data, b.len, NULL, &m, &e), 0);
	assert_true(m.is_index);
	assert_int_equal(m.n_manifests, 1);
	assert_string_equal(m.manifests[0].artifact_type, NOTARY_MT_SIGNATURE);
	assert_int_equal(m.manifests[0].size, 728);
	oci_manifest_free(&m);
	buf_free(&b);
	free(sig);
	free(tagidx);
}

static struct oci_descriptor entry(const char *os, const char *arch, const char *variant, const char *digest)
{
	struct oci_descriptor d = { 0 };

	d.media_type = (char *)OCI_MT_MANIFEST;
	d.digest = (char *)digest;
	d.size = 1;
	d.platform_os = (char *)os;
	d.platform_arch = (char *)arch;
	d.platform_variant = (char *)variant;
	return d;
}

static void test_index_select(void **state)
{
	struct oci_descriptor ds[] = {
		entry("linux", "amd64", NULL, D1),
		entry("linux", "arm", "v6", D2),
		entry("linux", "arm", "v7", D3),
		entry("linux", "arm64", "v8", D1),
		entry(NULL, NULL, NULL, D2),  /* e.g. an attestation without platform */
	};
	struct oci_manifest idx = { .is_index = true, .manifests = ds, .n_manifests = ARRAY_SIZE(ds) };
	const struct oci_descriptor *out;
	struct ferry_err e;

	ferr_clear(&e);
	assert_int_equal(oci_index_select(&idx, "linux", "amd64", "", &out, &e), 0);
	assert_ptr_equal(out, &ds[0]);
	assert_int_equal(oci_index_select(&idx, "linux", "arm", "v7", &out, &e), 0);
	assert_ptr_equal(out, &ds[2]);
	assert_int_equal(oci_index_select(&idx, "linux", "arm", "v6", &out, &e), 0);
	assert_ptr_equal(out, &ds[1]);
	assert_int_equal(oci_index_select(&idx, "linux", "arm64", "v8", &out, &e), 0);
	assert_ptr_equal(out, &ds[3]);
	/* a v6 host cannot run v7 code */
	idx.n_manifests = 1;
	ds[0] = entry("linux", "arm", "v7", D1);
	assert_int_equal(oci_index_select(&idx, "linux", "arm", "v6", &out, &e), -1);
	assert_string_equal(e.msg, "no manifest for platform linux/arm/v6 in the image index; it offers: linux/arm/v7");
	/* a v8 (32-bit) host runs v7 when nothing better exists */
	assert_int_equal(oci_index_select(&idx, "linux", "arm", "v8", &out, &e), 0);
	assert_ptr_equal(out, &ds[0]);

	idx.n_manifests = ARRAY_SIZE(ds);
	ds[0] = entry("linux", "amd64", NULL, D1);
	ferr_clear(&e);
	assert_int_equal(oci_index_select(&idx, "linux", "riscv64", "", &out, &e), -1);
	assert_null(out);
	assert_string_equal(e.msg, "no manifest for platform linux/riscv64 in the image index; it offers: "
			    "linux/amd64, linux/arm/v6, linux/arm/v7, linux/arm64/v8");
	assert_int_equal(oci_index_select(&idx, "windows", "amd64", "", &out, &e), -1);

	idx.n_manifests = 0;
	assert_int_equal(oci_index_select(&idx, "linux", "amd64", "", &out, &e), -1);
	assert_string_equal(e.msg, "no manifest for platform linux/amd64 in the image index: its 0 entries name "
			    "no platform");
}

static void test_index_select_prefers_exact_variant(void **state)
{
	struct oci_descriptor ds[] = {
		entry("linux", "arm64", NULL, D1),
		entry("linux", "arm64", "v8", D2),
	};
	struct oci_manifest idx = { .is_index = true, .manifests = ds, .n_manifests = 2 };
	const struct oci_descriptor *out;
	struct ferry_err e;

	ferr_clear(&e);
	assert_int_equal(oci_index_select(&idx, "linux", "arm64", "v8", &out, &e), 0);
	assert_ptr_equal(out, &ds[1]);
	idx.n_manifests = 1;
	assert_int_equal(oci_index_select(&idx, "linux", "arm64", "v8", &out, &e), 0);
	assert_ptr_equal(out, &ds[0]);
}

static void test_host_platform(void **state)
{
	const char *os, *arch, *variant;
	struct utsname u;

	assert_int_equal(uname(&u), 0);
	oci_host_platform(&os, &arch, &variant);
	assert_string_equal(os, "linux");
	if (!strcmp(u.machine, "x86_64")) {
		assert_string_equal(arch, "amd64");
		assert_string_equal(variant, "");
	} else if (!strcmp(u.machine, "aarch64")) {
		assert_string_equal(arch, "arm64");
		assert_string_equal(variant, "v8");
	} else if (!strcmp(u.machine, "armv7l")) {
		assert_string_equal(arch, "arm");
		assert_string_equal(variant, "v7");
	} else {
		assert_non_null(arch);
		assert_true(strlen(arch) > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flux_manifest),
		cmocka_unit_test(test_docker_manifest_and_list),
		cmocka_unit_test(test_media_type_from_content_type),
		cmocka_unit_test(test_schema1_and_unknown_types),
		cmocka_unit_test(test_hostile_descriptors),
		cmocka_unit_test(test_count_and_depth_limits),
		cmocka_unit_test(test_subject_artifact_type_and_copy),
		cmocka_unit_test(test_artifact_manifest),
		cmocka_unit_test(test_notation_vectors),
		cmocka_unit_test(test_index_select),
		cmocka_unit_test(test_index_select_prefers_exact_variant),
		cmocka_unit_test(test_host_platform),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
