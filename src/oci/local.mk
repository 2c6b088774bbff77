# oci module: the registry client and manifest parsing (see Makefile.am)
libferry_a_SOURCES += \
	src/oci/oci.h src/oci/manifest.h \
	src/oci/manifest.c src/oci/platform.c

UNIT_TESTS += tests/unit/test-oci
tests_unit_test_oci_SOURCES = tests/unit/test-oci.c
tests_unit_test_oci_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_oci_LDADD = $(UNIT_LDADD)
