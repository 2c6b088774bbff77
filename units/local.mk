# units: systemd unit, sysusers, tmpfiles, journal catalog
