# daemon module: worker pool, service loop, control socket, metrics (see Makefile.am)
libferry_a_SOURCES += \
	src/daemon/worker.c src/daemon/worker.h \
	src/daemon/once.c src/daemon/once.h \
	src/daemon/daemon.h src/daemon/internal.h \
	src/daemon/loop.c src/daemon/pool.c src/daemon/sources.c src/daemon/reload.c \
	src/daemon/control.c \
	src/daemon/scheduler.c src/daemon/scheduler.h \
	src/daemon/protocol.c src/daemon/protocol.h \
	src/daemon/client.c src/daemon/client.h \
	src/daemon/notify.c src/daemon/notify.h \
	src/daemon/metrics.c src/daemon/metrics.h \
	src/daemon/events.c src/daemon/events.h \
	src/daemon/orphans.c src/daemon/orphans.h

# ferryctl's daemon commands live in src/ctl but are built from here
libferry_a_SOURCES += \
	src/ctl/reconcile.c src/ctl/suspend.c src/ctl/describe.c src/ctl/ui.c src/ctl/ui.h

UNIT_TESTS += tests/unit/test-scheduler tests/unit/test-control tests/unit/test-metrics \
	tests/unit/test-notify tests/unit/test-events
tests_unit_test_scheduler_SOURCES = tests/unit/test-scheduler.c
tests_unit_test_scheduler_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_scheduler_LDADD = $(UNIT_LDADD)
tests_unit_test_control_SOURCES = tests/unit/test-control.c
tests_unit_test_control_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_control_LDADD = $(UNIT_LDADD)
tests_unit_test_metrics_SOURCES = tests/unit/test-metrics.c
tests_unit_test_metrics_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_metrics_LDADD = $(UNIT_LDADD)
tests_unit_test_notify_SOURCES = tests/unit/test-notify.c
tests_unit_test_notify_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_notify_LDADD = $(UNIT_LDADD)
tests_unit_test_events_SOURCES = tests/unit/test-events.c
tests_unit_test_events_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_events_LDADD = $(UNIT_LDADD)

# footprint benchmark (not a test): bench/idle --build-dir DIR
EXTRA_DIST += bench/idle
