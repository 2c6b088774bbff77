# artifact module: sources and unit tests (see Makefile.am)
libferry_a_SOURCES += \
	src/artifact/ignore.c src/artifact/ignore.h \
	src/artifact/extract.c src/artifact/extract.h \
	src/artifact/store.c src/artifact/store.h

UNIT_TESTS += tests/unit/test-ignore
tests_unit_test_ignore_SOURCES = tests/unit/test-ignore.c
tests_unit_test_ignore_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ignore_LDADD = $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-extract
tests_unit_test_extract_SOURCES = tests/unit/test-extract.c
tests_unit_test_extract_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_extract_LDADD = $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-store
tests_unit_test_store_SOURCES = tests/unit/test-store.c
tests_unit_test_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_store_LDADD = $(UNIT_LDADD)

# Extraction benchmark, not built by default: make bench/extract-bench
bench/extract-bench: bench/extract-bench.c libferry.a
	$(AM_V_at)$(MKDIR_P) bench
	$(AM_V_CCLD)$(CC) $(DEFS) $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) $(CPPFLAGS) $(AM_CFLAGS) $(CFLAGS) \
		-o $@ $< libferry.a $(DEP_LIBS) $(AM_LDFLAGS) $(LDFLAGS)
CLEANFILES += bench/extract-bench
EXTRA_DIST += bench/extract-bench.c
