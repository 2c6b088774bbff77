# Integration tests (pytest), their tools and the benchmarks are distributed
# by name pattern, copied from the source tree: a build directory holds
# objects and programs under tests/tools too, and `EXTRA_DIST += <dir>` would
# pick those up in a VPATH build.
EXTRA_DIST += tests/unit/unit.h

dist-hook: dist-test-files
dist-test-files:
	cd $(srcdir) && find tests/integration tests/tools bench -type f \
		\( -name '*.py' -o -name '*.c' -o -name '*.h' -o -name '*.sh' \) \
		! -path '*/__pycache__/*' | while read -r f; do \
		$(MKDIR_P) "$(abs_top_builddir)/$(distdir)/$${f%/*}" && \
		cp -p "$$f" "$(abs_top_builddir)/$(distdir)/$$f" || exit 1; done
.PHONY: dist-test-files
