# reconcile module: sources and unit tests (see Makefile.am)
