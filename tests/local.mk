# Integration tests (pytest) and test tools; run by scripts/check.
EXTRA_DIST += tests/integration tests/tools tests/unit/unit.h
