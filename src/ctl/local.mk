libferry_a_SOURCES += \
	src/ctl/ctl.h \
	src/ctl/table.c src/ctl/table.h \
	src/ctl/get.c \
	src/ctl/verify.c
