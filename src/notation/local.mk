# notation module: sources and unit tests (see Makefile.am)

# DER reader, signature primitives, X.509 certificates and chain rules, envelopes
libferry_a_SOURCES += \
	src/notation/der.c src/notation/der.h \
	src/notation/crypto.c src/notation/crypto.h \
	src/notation/cert.c src/notation/cert.h src/notation/cert_internal.h \
	src/notation/cert_name.c src/notation/cert_chain.c src/notation/cert_path.c \
	src/notation/envelope.c src/notation/envelope.h src/notation/envelope_internal.h \
	src/notation/envelope_jws.c src/notation/envelope_cose.c

UNIT_TESTS += tests/unit/test-der tests/unit/test-cert
tests_unit_test_der_SOURCES = tests/unit/test-der.c
tests_unit_test_der_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_der_LDADD = $(UNIT_LDADD)
tests_unit_test_cert_SOURCES = tests/unit/test-cert.c tests/unit/vectors.c tests/unit/vectors.h
tests_unit_test_cert_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cert_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test-envelope
tests_unit_test_envelope_SOURCES = tests/unit/test-envelope.c tests/unit/nvtest-pki.c tests/unit/nvtest-pki.h \
	tests/unit/vectors.c tests/unit/vectors.h
tests_unit_test_envelope_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_envelope_LDADD = $(UNIT_LDADD)

# trust policy, trusted identities, trust bundles, verification flow
libferry_a_SOURCES += \
	src/notation/gojson.c src/notation/gojson.h \
	src/notation/identity.c src/notation/identity.h \
	src/notation/policy.c src/notation/policy.h \
	src/notation/bundle.c src/notation/bundle.h \
	src/notation/verify.c src/notation/verify.h src/notation/notation.h

UNIT_TESTS += tests/unit/test-identity tests/unit/test-policy tests/unit/test-bundle \
	tests/unit/test-verify tests/unit/test-conformance
tests_unit_test_identity_SOURCES = tests/unit/test-identity.c
tests_unit_test_identity_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_identity_LDADD = $(UNIT_LDADD)
tests_unit_test_policy_SOURCES = tests/unit/test-policy.c
tests_unit_test_policy_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_policy_LDADD = $(UNIT_LDADD)
tests_unit_test_bundle_SOURCES = tests/unit/test-bundle.c tests/unit/vectors.c tests/unit/vectors.h
tests_unit_test_bundle_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_bundle_LDADD = $(UNIT_LDADD)
# test-verify and test-conformance serve registry calls from memory / vector files
tests_unit_test_verify_SOURCES = tests/unit/test-verify.c tests/unit/nvtest-pki.c tests/unit/nvtest-pki.h \
	tests/unit/vectors.c tests/unit/vectors.h tests/unit/oci-wrap.h
tests_unit_test_verify_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_verify_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=oci_referrers,--wrap=oci_get_manifest \
	-Wl,--wrap=oci_get_blob,--wrap=oci_descriptors_free
tests_unit_test_verify_LDADD = $(UNIT_LDADD)
tests_unit_test_conformance_SOURCES = tests/unit/test-conformance.c tests/unit/oci-wrap.h \
	tests/unit/vectors.c tests/unit/vectors.h
tests_unit_test_conformance_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conformance_LDFLAGS = $(tests_unit_test_verify_LDFLAGS)
tests_unit_test_conformance_LDADD = $(UNIT_LDADD)

# RFC 3161 timestamps, OCSP / CRL revocation, their HTTP client and state-dir cache
libferry_a_SOURCES += \
	src/notation/tst.c src/notation/tst.h src/notation/timestamp.c \
	src/notation/revocation.c src/notation/revocation.h \
	src/notation/ocsp.c src/notation/ocsp.h src/notation/crl.c src/notation/crl.h \
	src/notation/revcache.c src/notation/revcache.h src/notation/fetch.c src/notation/fetch.h

UNIT_TESTS += tests/unit/test-tst
tests_unit_test_tst_SOURCES = tests/unit/test-tst.c tests/unit/nvtest-pki.c tests/unit/nvtest-pki.h \
	tests/unit/vectors.c tests/unit/vectors.h
tests_unit_test_tst_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tst_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test-timestamp
tests_unit_test_timestamp_SOURCES = tests/unit/test-timestamp.c tests/unit/nvtest-pki.c tests/unit/nvtest-pki.h \
	tests/unit/vectors.c tests/unit/vectors.h
tests_unit_test_timestamp_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_timestamp_LDADD = $(UNIT_LDADD)
# test-revocation serves OCSP responses and CRLs from a loopback HTTP server it forks
UNIT_TESTS += tests/unit/test-revocation
tests_unit_test_revocation_SOURCES = tests/unit/test-revocation.c tests/unit/nvtest-pki.c tests/unit/nvtest-pki.h
tests_unit_test_revocation_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_revocation_LDADD = $(UNIT_LDADD)
