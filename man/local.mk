# man: hand-written roff pages, installed and distributed as they are.
dist_man_MANS = man/ferryd.8 man/ferryctl.1 man/ferry-sources.5
