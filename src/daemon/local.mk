libferry_a_SOURCES += \
	src/daemon/worker.c src/daemon/worker.h \
	src/daemon/once.c src/daemon/once.h
