libferry_a_SOURCES += \
	src/util/limits.h \
	src/util/err.c src/util/err.h \
	src/util/log.c src/util/log.h \
	src/util/mem.c src/util/mem.h \
	src/util/buf.c src/util/buf.h \
	src/util/fs.c src/util/fs.h \
	src/util/timeutil.c src/util/timeutil.h \
	src/util/b64.c src/util/b64.h \
	src/util/digest.c src/util/digest.h \
	src/util/utf8.c src/util/utf8.h \
	src/util/jsonutil.c src/util/jsonutil.h

UNIT_TESTS += tests/unit/test-util
tests_unit_test_util_SOURCES = tests/unit/test-util.c
tests_unit_test_util_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_util_LDADD = $(UNIT_LDADD)
