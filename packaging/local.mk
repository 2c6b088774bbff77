# packaging: the files a package ships besides programs, units and man pages
# (the README of /etc/ferry, the examples), and `make deb` / `make rpm`, which
# build native packages from the `make dist` tarball.

ferryconfdir = $(sysconfdir)/ferry
dist_ferryconf_DATA = etc/ferry/README

examplesdir = $(docdir)/examples
dist_examples_DATA = \
	examples/ocirepository.yaml \
	examples/ocirepository-auth-tls.yaml \
	examples/flux-notation.yaml

EXTRA_DIST += \
	packaging/debian/changelog \
	packaging/debian/control \
	packaging/debian/copyright \
	packaging/debian/ferry.lintian-overrides \
	packaging/debian/ferry.postrm \
	packaging/debian/rules \
	packaging/debian/source/format \
	packaging/rpm/ferry.spec \
	tests/packaging/run

# --- make deb -----------------------------------------------------------------
# Unpacks the dist tarball below $(DEB_WORKDIR), adds packaging/debian as
# debian/, builds the binary package with dpkg-buildpackage and checks it with
# lintian (errors fail the build). DEB_VERSION sets the package version; when
# it differs from the top of debian/changelog an entry is added for it. Unset,
# it is the changelog's version if that packages $(VERSION), else $(VERSION)-1.
DEB_VERSION =
DEB_WORKDIR = $(abs_builddir)/_deb
DEB_BUILD_FLAGS =
LINTIAN_FLAGS = --fail-on error --display-info

.PHONY: deb rpm clean-packaging
deb: dist-gzip
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || { \
	  echo "make deb: needs dpkg-dev and debhelper (apt-get install dpkg-dev debhelper)" >&2; exit 1; }
	rm -rf '$(DEB_WORKDIR)' && $(MKDIR_P) '$(DEB_WORKDIR)'
	cp $(distdir).tar.gz '$(DEB_WORKDIR)/$(PACKAGE)_$(VERSION).orig.tar.gz'
	tar -C '$(DEB_WORKDIR)' -xzf $(distdir).tar.gz
	cp -R '$(DEB_WORKDIR)/$(distdir)/packaging/debian' '$(DEB_WORKDIR)/$(distdir)/debian'
	cd '$(DEB_WORKDIR)/$(distdir)' && \
	top=`dpkg-parsechangelog -S Version` && want='$(DEB_VERSION)' && \
	if test -z "$$want"; then \
	  case "$$top" in $(VERSION)-*) want=$$top ;; *) want='$(VERSION)-1' ;; esac; \
	fi && \
	if test "$$top" != "$$want"; then \
	  { printf '%s (%s) %s; urgency=medium\n\n  * Package build of upstream %s.\n\n -- %s  %s\n\n' \
	      '$(PACKAGE)' "$$want" "`dpkg-parsechangelog -S Distribution`" '$(VERSION)' \
	      "`dpkg-parsechangelog -S Maintainer`" "`date -R`"; \
	    cat debian/changelog; } >debian/changelog.new && mv debian/changelog.new debian/changelog; \
	fi
	cd '$(DEB_WORKDIR)/$(distdir)' && \
	DEB_BUILD_OPTIONS="$${DEB_BUILD_OPTIONS-parallel=2}" dpkg-buildpackage -b -us -uc $(DEB_BUILD_FLAGS)
	@if command -v lintian >/dev/null; then \
	  echo "lintian $(LINTIAN_FLAGS) $(DEB_WORKDIR)/*.changes"; \
	  lintian $(LINTIAN_FLAGS) '$(DEB_WORKDIR)'/*.changes; \
	else echo "make deb: lintian not installed, package not checked" >&2; fi
	@ls -1 '$(DEB_WORKDIR)'/*.deb

# --- make rpm -----------------------------------------------------------------
# rpmbuild -bb of packaging/rpm/ferry.spec (Version set to $(VERSION)) with the
# dist tarball as Source0. On hosts whose rpm database does not hold the build
# dependencies (any non-RPM distribution), they are not checked.
RPM_WORKDIR = $(abs_builddir)/_rpm
RPMBUILD_FLAGS = `rpm -q rpm >/dev/null 2>&1 || echo --nodeps`

rpm: dist-gzip
	@command -v rpmbuild >/dev/null || { \
	  echo "make rpm: needs rpmbuild (Debian: apt-get install rpm)" >&2; exit 1; }
	rm -rf '$(RPM_WORKDIR)' && $(MKDIR_P) '$(RPM_WORKDIR)/SOURCES' '$(RPM_WORKDIR)/SPECS'
	cp $(distdir).tar.gz '$(RPM_WORKDIR)/SOURCES/'
	cp $(srcdir)/units/ferry.sysusers '$(RPM_WORKDIR)/SOURCES/ferry.sysusers'
	sed -e 's/^Version:.*/Version:        $(VERSION)/' $(srcdir)/packaging/rpm/ferry.spec \
	  >'$(RPM_WORKDIR)/SPECS/ferry.spec'
	rpmbuild --define '_topdir $(RPM_WORKDIR)' $(RPMBUILD_FLAGS) -bb '$(RPM_WORKDIR)/SPECS/ferry.spec'
	@ls -1 '$(RPM_WORKDIR)'/RPMS/*/*.rpm

clean-local: clean-packaging
clean-packaging:
	rm -rf '$(DEB_WORKDIR)' '$(RPM_WORKDIR)'
