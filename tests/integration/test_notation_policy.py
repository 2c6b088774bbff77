"""Trust policy levels, trusted identities and trust bundles as Flux users
write them: what `ferryd --once` accepts, logs or rejects, and what happens
when the bundle changes between runs."""
import datetime
import os

import pytest

from notation_fixtures import *  # noqa: F401,F403

OTHER_SIGNER = "x509.subject: C=US, ST=WA, L=Seattle, O=ferry-test, CN=someone-else"
OTHER_SIGNER_MAP = '[map["C":"US" "CN":"someone-else" "L":"Seattle" "O":"ferry-test" "ST":"WA"]]'


def test_exact_signer_identity_verifies(notation):
    subject = notation.push()
    chain = chain_for("rsa3072")
    notation.sign(subject, chain)
    notation.setup(subject, chain, identities=[chain.identity()])

    notation.run(expect_exit=0)

    notation.assert_verified("app", subject.digest)


def test_identity_subset_and_other_prefixes(notation):
    """A trusted identity matches when its attributes are a subset of the
    signer's subject; identities with other prefixes are ignored."""
    subject = notation.push()
    chain = chain_for("ec256")
    notation.sign(subject, chain)
    notation.setup(subject, chain, identities=["x509.subject: C=US, ST=WA, O=ferry-test",
                                               "example.identity:anything"])

    notation.run(expect_exit=0)

    notation.assert_verified("app", subject.digest)


@pytest.mark.parametrize("level", ["strict", "permissive"])
def test_identity_mismatch_fails(notation, level):
    subject = notation.push()
    chain = chain_for("rsa3072")
    sig = notation.sign(subject, chain)
    notation.setup(subject, chain, level=level, identities=[OTHER_SIGNER])

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate(
        (sig["digest"], "signing certificate from the digital signature does not match the X.509 trusted "
                        f'identities {OTHER_SIGNER_MAP} defined in the trust policy "ferry-test"')))
    notation.assert_not_extracted("app", subject)


def test_identity_mismatch_at_audit_is_logged_and_the_artifact_deployed(notation):
    subject = notation.push()
    chain = chain_for("rsa3072")
    notation.sign(subject, chain)
    notation.setup(subject, chain, level="audit", identities=[OTHER_SIGNER])

    notation.run(expect_exit=0)

    notation.assert_unknown("app", subject.digest, "authenticity")
    notation.assert_extracted("app", subject)


def test_untrusted_signer_at_audit_is_logged_and_the_artifact_deployed(notation):
    subject = notation.push()
    signer, trusted = chain_for("ec384", "a"), chain_for("ec384", "b")
    notation.sign(subject, signer, fmt="cose")
    notation.setup(subject, signer, level="audit", trusted=[trusted.root])

    notation.run(expect_exit=0)

    notation.assert_unknown("app", subject.digest, "authenticity")
    notation.assert_extracted("app", subject)


def test_audit_still_enforces_integrity(notation):
    subject = notation.push()
    chain = chain_for("rsa3072")
    sig = notation.sign(subject, chain, tamper="signature")
    notation.setup(subject, chain, level="audit")

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate((sig["digest"], "signature is invalid. Error: ")), exact=False)
    notation.assert_not_extracted("app", subject)


@pytest.mark.parametrize("with_stores", [False, True])
def test_skip_level_deploys_without_a_signature(notation, with_stores):
    """Level skip checks nothing (Flux also drops trust stores and identities
    a skip statement carries)."""
    subject = notation.push()
    chain = chain_for("rsa3072")
    stores, identities = (["ca:ferry"], ["*"]) if with_stores else ([], [])
    notation.secret(policy=trust_policy([notation.scope("app")], level="skip", stores=stores,
                                        identities=identities),
                    certs={"root.crt": pki.cert_pem(chain.root)})
    notation.source("app", subject)

    notation.run(expect_exit=0)

    notation.assert_unknown("app", subject.digest, "skip")
    notation.assert_extracted("app", subject)


@pytest.mark.parametrize("level,override", [("permissive", None), ("audit", None),
                                            ("strict", {"expiry": "log"})])
def test_expired_signature_is_only_logged_below_strict(notation, level, override):
    subject = notation.push()
    chain = chain_for("rsa3072")
    expiry = notation_sign.utcnow() - datetime.timedelta(hours=1)
    notation.sign(subject, chain, signing_time=expiry - datetime.timedelta(days=1), expiry=expiry)
    notation.setup(subject, chain, level=level, override=override)

    notation.run(expect_exit=0)

    notation.assert_verified("app", subject.digest)
    notation.assert_extracted("app", subject)


def test_expired_signing_certificate_is_only_logged_at_permissive(notation):
    subject = notation.push()
    now = notation_sign.utcnow()
    chain = chain_for("ec256", leaf_opts={"not_before": now - datetime.timedelta(days=30),
                                          "not_after": now - datetime.timedelta(days=1)})
    notation.sign(subject, chain, signing_time=now - datetime.timedelta(days=2))
    notation.setup(subject, chain, level="permissive")

    notation.run(expect_exit=0)

    notation.assert_verified("app", subject.digest)


def test_a_later_good_signature_wins_over_bad_ones(notation):
    """Signatures are tried in registry order; the first that verifies wins."""
    subject = notation.push()
    good, stranger = chain_for("rsa3072", "a"), chain_for("ec256", "b")
    notation.sign(subject, good, tamper="payload")        # integrity failure
    notation.sign(subject, stranger, fmt="cose")          # untrusted
    notation.sign(subject, good)                          # good
    notation.setup(subject, good)

    notation.run(expect_exit=0)

    notation.assert_verified("app", subject.digest)
    notation.assert_extracted("app", subject)


def test_every_bad_signature_is_reported(notation):
    subject = notation.push()
    good, stranger = chain_for("rsa3072", "a"), chain_for("ec256", "b")
    first = notation.sign(subject, stranger)
    second = notation.sign(subject, good, target=dict(subject, digest="sha256:" + "0" * 64))
    notation.setup(subject, good)

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate(
        (first["digest"], "the signature's certificate chain does not contain any trusted certificate"),
        (second["digest"], "content descriptor mismatch")))


def test_wildcard_scope_applies_when_no_exact_scope_does(notation):
    subject = notation.push()
    chain, stranger = chain_for("rsa3072", "a"), chain_for("rsa3072", "b")
    notation.sign(subject, chain)
    # The exact statement for another repository trusts someone else; `*` trusts the signer.
    wildcard = {"name": "everything-else", "registryScopes": ["*"],
                "signatureVerification": {"level": "strict"}, "trustStores": ["ca:ferry"],
                "trustedIdentities": [chain.identity()]}
    notation.secret(policy=trust_policy([notation.scope("other")], identities=[OTHER_SIGNER],
                                        extra_statements=[wildcard]),
                    certs={"root.crt": pki.cert_pem(chain.root), "stranger.crt": pki.cert_pem(stranger.root)})
    notation.source("app", subject)

    notation.run(expect_exit=0)

    notation.assert_verified("app", subject.digest)


def test_string_data_secret(notation):
    subject = notation.push()
    chain = chain_for("ec521")
    notation.sign(subject, chain, fmt="cose")
    notation.secret(policy=trust_policy([notation.scope("app")], identities=[chain.identity()]),
                    certs={"root.pem": pki.cert_pem(chain.root)}, string_data=True)
    notation.source("app", subject)

    notation.run(expect_exit=0)

    notation.assert_verified("app", subject.digest)


@pytest.mark.parametrize("layout", ["pem-bundle", "der"])
def test_certificates_in_one_key(notation, layout):
    """Every certificate of a key counts, not only the first PEM block: here
    the signer's root comes after an unrelated CA. A DER .crt works too."""
    subject = notation.push()
    chain, unrelated = chain_for("rsa3072", "a"), chain_for("rsa3072", "b")
    notation.sign(subject, chain)
    if layout == "pem-bundle":
        certs = {"ca-bundle.pem": pki.certs_pem([unrelated.root, chain.root, chain.intermediates[0]])}
    else:
        certs = {"root.crt": pki.cert_der(chain.root)}
    notation.secret(policy=trust_policy([notation.scope("app")]), certs=certs)
    notation.source("app", subject)

    notation.run(expect_exit=0)

    notation.assert_verified("app", subject.digest)


def test_rotated_trust_bundle_is_rechecked_and_old_artifact_kept(notation):
    subject = notation.push()
    signer, successor = chain_for("rsa3072", "a"), chain_for("ec384", "b")
    sig = notation.sign(subject, signer)
    policy = trust_policy([notation.scope("app")])

    notation.secret(policy=policy, certs={"root.crt": pki.cert_pem(signer.root)})
    notation.source("app", subject)
    notation.run(expect_exit=0)
    notation.assert_verified("app", subject.digest)
    deployed = notation.ferry.current("app")
    assert deployed is not None

    # Same digest, but the bundle no longer trusts the signer: verified again, rejected.
    notation.secret(policy=policy, certs={"root.crt": pki.cert_pem(successor.root)})
    notation.run(expect_exit=1)
    notation.assert_failed("app", aggregate(
        (sig["digest"], "the signature's certificate chain does not contain any trusted certificate")))
    assert notation.ferry.current("app") == deployed
    for rel, content in subject.files.items():
        assert notation.ferry.read_current("app", rel) == content
    assert notation.ferry.status("app")["status"]["artifact"]["revision"] == subject.digest

    # Trusting both again restores it.
    notation.secret(policy=policy, certs={"root.crt": pki.cert_pem(signer.root),
                                          "successor.crt": pki.cert_pem(successor.root)})
    notation.run(expect_exit=0)
    notation.assert_verified("app", subject.digest)
    assert notation.ferry.current("app") == deployed


def test_new_signed_revision_replaces_the_old_one(notation):
    first = notation.push("app", "v1", {"version": b"1\n"})
    chain = chain_for("ec256")
    notation.sign(first, chain)
    notation.setup(first, chain, by="tag")
    notation.run(expect_exit=0)
    notation.assert_verified("app", f"v1@{first.digest}")

    # The tag moves to an unsigned manifest: rejected, the verified one stays.
    unsigned = notation.push("app", "v1", {"version": b"2\n"})
    notation.run(expect_exit=1)
    notation.assert_failed("app", f'no signature is associated with "{notation.ref(unsigned)}", '
                                  "make sure the artifact was signed successfully")
    assert os.path.basename(notation.ferry.current("app")) == first.hex
    assert notation.ferry.read_current("app", "version") == b"1\n"

    # Once it is signed it is deployed.
    notation.sign(unsigned, chain)
    notation.run(expect_exit=0)
    notation.assert_verified("app", f"v1@{unsigned.digest}")
    notation.assert_extracted("app", unsigned)
