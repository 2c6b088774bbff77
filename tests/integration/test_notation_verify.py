"""`ferryd --once` verifies Notation signatures before it extracts: every
envelope format and signing key the Notary Project allows, both signature
manifest forms, digest and tag references. Signatures are found through the
referrers tag schema (docker-registry 2.8 has no Referrers API)."""
import pytest

from notation_fixtures import *  # noqa: F401,F403

KEY_TYPES = ["rsa2048", "rsa3072", "rsa4096", "ec256", "ec384", "ec521"]


@pytest.mark.parametrize("fmt", ["jws", "cose"])
@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_signed_artifact_verifies_and_extracts(notation, fmt, key_type):
    subject = notation.push(files={"etc/app.conf": b"level=1\n", "bin/run": b"#!/bin/sh\n"})
    chain = chain_for(key_type)
    notation.sign(subject, chain, fmt=fmt)
    notation.setup(subject, chain)

    notation.run(expect_exit=0)

    notation.assert_verified("app", subject.digest)
    notation.assert_extracted("app", subject)


def test_tag_reference_verifies_the_resolved_digest(notation):
    subject = notation.push(tag="6.1.4")
    chain = chain_for("ec384")
    notation.sign(subject, chain, fmt="cose")
    notation.setup(subject, chain, by="tag")

    notation.run(expect_exit=0)

    notation.assert_verified("app", f"6.1.4@{subject.digest}")
    notation.assert_extracted("app", subject)


@pytest.mark.parametrize("fmt", ["jws", "cose"])
def test_legacy_signature_manifest_verifies(notation, fmt):
    """Signature manifests without artifactType (config mediaType
    application/vnd.cncf.notary.signature), as OCI 1.0 registries hold them."""
    subject = notation.push()
    chain = chain_for("rsa3072")
    notation.sign(subject, chain, fmt=fmt, legacy=True)
    notation.setup(subject, chain)

    notation.run(expect_exit=0)

    notation.assert_verified("app", subject.digest)


def test_self_signed_leaf_as_its_own_anchor_verifies(notation):
    subject = notation.push()
    chain = pki.make_self_signed_leaf("ec256")
    notation.sign(subject, chain)
    notation.setup(subject, chain, trusted=[chain.leaf])

    notation.run(expect_exit=0)

    notation.assert_verified("app", subject.digest)


def test_intermediate_as_trust_anchor_verifies(notation):
    """Authenticity is a byte match with any certificate of the signature's
    chain, so pinning the intermediate works."""
    subject = notation.push()
    chain = chain_for("rsa3072", intermediates=2)
    notation.sign(subject, chain)
    notation.setup(subject, chain, trusted=[chain.certs[1]])

    notation.run(expect_exit=0)

    notation.assert_verified("app", subject.digest)


@pytest.mark.parametrize("fmt", ["jws", "cose"])
def test_signing_authority_scheme_needs_a_signing_authority_store(notation, fmt):
    subject = notation.push()
    chain = chain_for("ec384")
    sig = notation.sign(subject, chain, fmt=fmt, scheme=notation_sign.SCHEME_SIGNING_AUTHORITY)
    notation.setup(subject, chain, stores=["signingAuthority:ferry"])

    notation.run(expect_exit=0)
    notation.assert_verified("app", subject.digest)

    # The same signature under a policy that names only a `ca` store: no
    # certificate is trusted for the signingAuthority scheme.
    notation.secret(policy=trust_policy([notation.scope("app")], stores=["ca:ferry"]),
                    certs={"root.crt": pki.cert_pem(chain.root)})
    notation.run(expect_exit=1)
    notation.assert_failed("app", aggregate(
        (sig["digest"], "no trusted certificates are found to verify authenticity")))


@pytest.mark.parametrize("variant", ["no-eku", "no-basic-constraints"])
def test_optional_leaf_extensions_may_be_absent(notation, variant):
    subject = notation.push()
    leaf_opts = {"no-eku": {"eku": ()}, "no-basic-constraints": {"basic_constraints": False}}[variant]
    chain = chain_for("rsa2048", leaf_opts=leaf_opts)
    notation.sign(subject, chain)
    notation.setup(subject, chain)

    notation.run(expect_exit=0)

    notation.assert_verified("app", subject.digest)


def test_two_sources_with_their_own_bundles(notation):
    one, two = notation.push("one"), notation.push("two")
    signer_one, signer_two = chain_for("rsa3072", "a"), chain_for("ec256", "b")
    notation.sign(one, signer_one)
    notation.sign(two, signer_two)
    # bundle-two trusts the wrong signer: only `two` fails, `one` is still deployed.
    notation.secret("bundle-one", trust_policy([notation.scope("one")]),
                    {"root.crt": pki.cert_pem(signer_one.root)})
    notation.secret("bundle-two", trust_policy([notation.scope("two")]),
                    {"root.crt": pki.cert_pem(signer_one.root)})
    notation.source("one", one, secret="bundle-one")
    notation.source("two", two, secret="bundle-two")

    notation.run(expect_exit=1)

    notation.assert_verified("one", one.digest)
    notation.assert_extracted("one", one)
    notation.assert_failed("two", "signature verification failed\n", exact=False)
    notation.assert_not_extracted("two", two)
