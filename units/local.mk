# units: the systemd unit, the sysusers entry and the journal catalog.
# No tmpfiles.d entry: StateDirectory= and RuntimeDirectory= in the unit create
# every directory ferryd writes to, owned by the ferry user.

systemdsystemunit_DATA = units/ferry.service
CLEANFILES += units/ferry.service
EXTRA_DIST += units/ferry.service.in units/ferry.sysusers

# Paths are substituted at make time so that `make prefix=...` stays coherent.
units/ferry.service: $(srcdir)/units/ferry.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) units && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' \
	    -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    $(srcdir)/units/ferry.service.in >$@.tmp && mv -f $@.tmp $@

catalogdir = $(prefix)/lib/systemd/catalog
dist_catalog_DATA = units/ferry.catalog

# systemd-sysusers reads <name>.conf; the source keeps a self-describing name.
sysusersdir = $(prefix)/lib/sysusers.d
install-data-local: install-units-sysusers
uninstall-local: uninstall-units-sysusers
.PHONY: install-units-sysusers uninstall-units-sysusers
install-units-sysusers:
	$(MKDIR_P) '$(DESTDIR)$(sysusersdir)'
	$(INSTALL_DATA) $(srcdir)/units/ferry.sysusers '$(DESTDIR)$(sysusersdir)/ferry.conf'
uninstall-units-sysusers:
	rm -f '$(DESTDIR)$(sysusersdir)/ferry.conf'
