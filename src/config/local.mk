# config module: sources and unit tests (see Makefile.am)
libferry_a_SOURCES += \
	src/config/config.h src/config/model.h src/config/load.h \
	src/config/ynode.c src/config/ynode.h \
	src/config/loader.c src/config/object.c src/config/set.c src/config/fields.c src/config/names.c \
	src/config/source.c src/config/secret.c \
	src/config/ociurl.c src/config/ociurl.h \
	src/config/semver.c src/config/semver.h \
	src/config/goregex.c src/config/goregex.h

# `ferryctl check` is part of config's deliverable; its object lives in libferry.a like every ctl command.
libferry_a_SOURCES += src/ctl/check.c

UNIT_TESTS += tests/unit/test-config tests/unit/test-config-yaml tests/unit/test-config-dir \
	tests/unit/test-config-check tests/unit/test-semver
tests_unit_test_config_SOURCES = tests/unit/test-config.c tests/unit/config-helpers.h
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LDADD)
tests_unit_test_config_yaml_SOURCES = tests/unit/test-config-yaml.c tests/unit/config-helpers.h
tests_unit_test_config_yaml_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_yaml_LDADD = $(UNIT_LDADD)
tests_unit_test_config_dir_SOURCES = tests/unit/test-config-dir.c tests/unit/config-helpers.h
tests_unit_test_config_dir_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_dir_LDADD = $(UNIT_LDADD)
tests_unit_test_config_check_SOURCES = tests/unit/test-config-check.c tests/unit/config-helpers.h
tests_unit_test_config_check_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_check_LDADD = $(UNIT_LDADD)
tests_unit_test_semver_SOURCES = tests/unit/test-semver.c
tests_unit_test_semver_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_semver_LDADD = $(UNIT_LDADD)
