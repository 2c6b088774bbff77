libferry_a_SOURCES += \
	src/reconcile/conditions.c src/reconcile/conditions.h \
	src/reconcile/status.c src/reconcile/status.h \
	src/reconcile/result.c src/reconcile/result.h \
	src/reconcile/reconcile.c src/reconcile/apply.c src/reconcile/reconcile.h \
	src/reconcile/job.c src/reconcile/job.h

UNIT_TESTS += tests/unit/test-conditions tests/unit/test-status tests/unit/test-job
tests_unit_test_conditions_SOURCES = tests/unit/test-conditions.c
tests_unit_test_conditions_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conditions_LDADD = $(UNIT_LDADD)
tests_unit_test_status_SOURCES = tests/unit/test-status.c
tests_unit_test_status_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_status_LDADD = $(UNIT_LDADD)
tests_unit_test_job_SOURCES = tests/unit/test-job.c
tests_unit_test_job_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_job_LDADD = $(UNIT_LDADD)
