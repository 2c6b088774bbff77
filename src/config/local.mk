# config module: sources and unit tests (see Makefile.am)
libferry_a_SOURCES += \
	src/config/config.h src/config/model.h \
	src/config/semver.c src/config/semver.h \
	src/config/goregex.c src/config/goregex.h

UNIT_TESTS += tests/unit/test-semver
tests_unit_test_semver_SOURCES = tests/unit/test-semver.c
tests_unit_test_semver_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_semver_LDADD = $(UNIT_LDADD)
