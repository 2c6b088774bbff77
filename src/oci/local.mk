# oci module: the registry client and manifest parsing (see Makefile.am)
libferry_a_SOURCES += \
	src/oci/oci.h src/oci/manifest.h src/oci/internal.h \
	src/oci/manifest.c src/oci/platform.c \
	src/oci/httphdr.c src/oci/httphdr.h src/oci/urlutil.c \
	src/oci/dockercfg.c src/oci/dockercfg.h \
	src/oci/transport.c src/oci/transport.h \
	src/oci/http.c src/oci/http.h \
	src/oci/request.c src/oci/auth.c src/oci/client.c \
	src/oci/resolve.c src/oci/fetch.c src/oci/tags.c src/oci/referrers.c

UNIT_TESTS += tests/unit/test-oci
tests_unit_test_oci_SOURCES = tests/unit/test-oci.c
tests_unit_test_oci_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_oci_LDADD = $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-oci-proto
tests_unit_test_oci_proto_SOURCES = tests/unit/test-oci-proto.c
tests_unit_test_oci_proto_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_oci_proto_LDADD = $(UNIT_LDADD)

# Not a self-contained test: the registry integration tests run it against a
# live registry; under `make check` it reports itself skipped.
CHECK_TOOLS += tests/tools/oci-probe
tests_tools_oci_probe_SOURCES = tests/tools/oci-probe.c
tests_tools_oci_probe_CFLAGS = $(UNIT_CFLAGS)
tests_tools_oci_probe_LDADD = $(UNIT_LDADD)
