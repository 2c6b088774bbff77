"""Signatures `ferryd --once` must reject: the source gets
SourceVerified=False VerificationError with notation-go's message (as Flux
shows it), Ready=False with the same reason and message, exit code 1, and
nothing is extracted."""
import datetime

import pytest

from notation_fixtures import *  # noqa: F401,F403

NOW = notation_sign.utcnow


def test_unsigned_artifact(notation):
    subject = notation.push()
    chain = chain_for("rsa3072")
    notation.setup(subject, chain)

    notation.run(expect_exit=1)

    notation.assert_failed("app", f'no signature is associated with "{notation.ref(subject)}", '
                                  "make sure the artifact was signed successfully")
    notation.assert_not_extracted("app", subject)


def test_signature_of_another_artifact_does_not_count(notation):
    signed, unsigned = notation.push("app", "v1"), notation.push("app", "v2")
    chain = chain_for("ec256")
    notation.sign(signed, chain)
    notation.setup(unsigned, chain)

    notation.run(expect_exit=1)

    notation.assert_failed("app", f'no signature is associated with "{notation.ref(unsigned)}", '
                                  "make sure the artifact was signed successfully")


@pytest.mark.parametrize("fmt", ["jws", "cose"])
def test_untrusted_signer(notation, fmt):
    subject = notation.push()
    signer, trusted = chain_for("rsa3072", "a"), chain_for("rsa3072", "b")
    sig = notation.sign(subject, signer, fmt=fmt)
    notation.setup(subject, signer, trusted=[trusted.root])

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate(
        (sig["digest"], "the signature's certificate chain does not contain any trusted certificate")))
    notation.assert_not_extracted("app", subject)


@pytest.mark.parametrize("fmt", ["jws", "cose"])
@pytest.mark.parametrize("what", ["payload", "signature", "protected"])
def test_tampered_envelope(notation, fmt, what):
    subject = notation.push()
    chain = chain_for("ec384" if fmt == "cose" else "rsa3072")
    sig = notation.sign(subject, chain, fmt=fmt, tamper=what)
    notation.setup(subject, chain)

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate((sig["digest"], "signature is invalid. Error: ")), exact=False)
    notation.assert_not_extracted("app", subject)


@pytest.mark.parametrize("field", ["digest", "size", "mediaType"])
def test_signature_for_another_target(notation, field):
    """A valid, trusted signature whose payload names another descriptor."""
    subject, other = notation.push("app", "v1"), notation.push("app", "v2")
    chain = chain_for("rsa3072")
    target = dict(subject)
    target[field] = {"digest": other.digest, "size": subject["size"] + 1,
                     "mediaType": ociutil.DOCKER_MANIFEST}[field]
    sig = notation.sign(subject, chain, target=target)
    notation.setup(subject, chain)

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate((sig["digest"], "content descriptor mismatch")))
    notation.assert_not_extracted("app", subject)


def test_expired_signature_fails_at_strict(notation):
    subject = notation.push()
    chain = chain_for("rsa3072")
    expiry = NOW() - datetime.timedelta(days=1)
    sig = notation.sign(subject, chain, signing_time=expiry - datetime.timedelta(days=1), expiry=expiry)
    notation.setup(subject, chain, level="strict")

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate(
        (sig["digest"], f'digital signature has expired on "{rfc1123z(expiry)}"')))
    notation.assert_not_extracted("app", subject)


def test_expired_signing_certificate_fails_at_strict(notation):
    subject = notation.push()
    now = NOW()
    not_after = now - datetime.timedelta(days=2)
    chain = chain_for("ec256", leaf_opts={"not_before": now - datetime.timedelta(days=30),
                                          "not_after": not_after})
    sig = notation.sign(subject, chain, signing_time=now - datetime.timedelta(days=3))
    notation.setup(subject, chain)

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate(
        (sig["digest"], f'verification time is after certificate "{go_subject(chain.leaf)}" validity period, '
                        f'it was expired at "{rfc1123z(not_after)}"')))


def test_not_yet_valid_signing_certificate_fails_at_strict(notation):
    subject = notation.push()
    not_before = NOW() + datetime.timedelta(days=2)
    chain = chain_for("ec256", leaf_opts={"not_before": not_before,
                                          "not_after": not_before + datetime.timedelta(days=30)})
    sig = notation.sign(subject, chain)
    notation.setup(subject, chain)

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate(
        (sig["digest"], f'verification time is before certificate "{go_subject(chain.leaf)}" validity period, '
                        f'it will be valid from "{rfc1123z(not_before)}"')))


LEAF_VARIANTS = {
    # variant: (leaf options, notation-core-go's complaint after the subject)
    "leaf-is-ca": ({"ca": True, "key_usage": {"digital_signature"}},
                   "if the basic constraints extension is present, the ca field must be set to false"),
    "no-key-usage": ({"key_usage": None}, "key usage extension must be present"),
    "key-usage-not-critical": ({"ku_critical": False}, "key usage extension must be marked critical"),
    "server-auth-eku": ({"eku": (pki.EKU_SERVER_AUTH,)}, "extended key usage must not contain ServerAuth eku"),
    "time-stamping-eku": ({"eku": (pki.EKU_CODE_SIGNING, pki.EKU_TIME_STAMPING)},
                          "extended key usage must not contain Timestamping eku"),
}


@pytest.mark.parametrize("variant", sorted(LEAF_VARIANTS))
def test_signing_certificate_breaking_code_signing_rules(notation, variant):
    leaf_opts, complaint = LEAF_VARIANTS[variant]
    subject = notation.push()
    chain = chain_for("rsa3072", leaf_opts=leaf_opts)
    sig = notation.sign(subject, chain)
    notation.setup(subject, chain)

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate(
        (sig["digest"], f'certificate-chain is invalid, certificate with subject "{go_subject(chain.leaf)}": '
                        f"{complaint}")))
    notation.assert_not_extracted("app", subject)


def test_algorithm_not_matching_the_signing_key(notation):
    """An RSA-2048 leaf signing with PS384: the algorithm the certificate
    implies (PS256) does not match the header."""
    subject = notation.push()
    chain = chain_for("rsa2048")
    sig = notation.sign(subject, chain, alg="PS384")
    notation.setup(subject, chain)

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate(
        (sig["digest"], "mismatch between signature algorithm derived from signing certificate")), exact=False)


def test_padded_base64url_segments(notation):
    subject = notation.push()
    chain = chain_for("rsa3072")
    sig = notation.sign(subject, chain, padded_b64=True)
    notation.setup(subject, chain)

    notation.run(expect_exit=1)

    msg = notation.assert_failed("app", aggregate((sig["digest"], "")), exact=False)
    assert "illegal base64 data at input byte" in msg, msg


@pytest.mark.parametrize("fmt,complaint", [
    ("jws", 'missing "crit" header'),
    ("cose", "these required headers are not marked as critical: [io.cncf.notary.signingScheme]"),
])
def test_missing_crit_header(notation, fmt, complaint):
    subject = notation.push()
    chain = chain_for("ec384")
    sig = notation.sign(subject, chain, fmt=fmt, omit_crit=True)
    notation.setup(subject, chain)

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate((sig["digest"], complaint)))


def test_expiry_not_marked_critical(notation):
    subject = notation.push()
    chain = chain_for("ec256")
    sig = notation.sign(subject, chain, expiry=NOW() + datetime.timedelta(days=1),
                        crit=[notation_sign.H_SCHEME])
    notation.setup(subject, chain)

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate(
        (sig["digest"], "these required headers are not marked as critical: [io.cncf.notary.expiry]")))


@pytest.mark.parametrize("fmt", ["jws", "cose"])
def test_signature_that_requires_a_verification_plugin(notation, fmt):
    """ferry has no verification plugins, so it cannot do what such a
    signature demands and must not accept it."""
    subject = notation.push()
    chain = chain_for("rsa3072")
    sig = notation.sign(subject, chain, fmt=fmt, verification_plugin="io.example.verifier")
    notation.setup(subject, chain)

    notation.run(expect_exit=1)

    msg = notation.assert_failed("app", aggregate((sig["digest"], "")), exact=False)
    assert 'verification plugin "io.example.verifier"' in msg, msg
    notation.assert_not_extracted("app", subject)


def test_payload_content_type_must_be_notarys(notation):
    subject = notation.push()
    chain = chain_for("rsa3072")
    sig = notation.sign(subject, chain, cty="application/json")
    notation.setup(subject, chain)

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate((sig["digest"], 'payload content type "application/json" not supported')))


def test_envelope_with_an_unknown_media_type(notation):
    """A signature manifest whose layer is neither JWS nor COSE."""
    subject = notation.push()
    chain = chain_for("rsa3072")
    env, _ = notation_sign.sign(dict(subject), chain.leaf_key, chain.der())
    entry = notation_publish.attach(notation.reg, "app", dict(subject), env, "application/vnd.example+json",
                                    chain.der())
    notation.setup(subject, chain)

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate(
        (entry["digest"], 'unable to parse the digital signature, error : signature envelope format with '
                          'media type "application/vnd.example+json" is not supported')))


def test_no_applicable_trust_policy(notation):
    subject = notation.push()
    chain = chain_for("rsa3072")
    notation.sign(subject, chain)
    notation.secret(policy=trust_policy([notation.scope("some/other-repo")]),
                    certs={"root.crt": pki.cert_pem(chain.root)})
    notation.source("app", subject)

    notation.run(expect_exit=1)

    notation.assert_failed("app", f'artifact "{notation.ref(subject)}" has no applicable trust policy statement. '
                                  "Trust policy applicability for a given artifact is determined by "
                                  f"registryScopes. To create a trust policy, see: {POLICY_LINK}")
    notation.assert_not_extracted("app", subject)


def test_signature_limit_is_three_per_artifact(notation):
    """Flux asks notation-go to try at most 3 signatures: a good fourth one is
    never reached."""
    subject = notation.push()
    good, stranger = chain_for("rsa3072", "a"), chain_for("rsa3072", "b")
    for _ in range(3):
        notation.sign(subject, stranger)
    notation.sign(subject, good)
    notation.setup(subject, good)

    notation.run(expect_exit=1)

    notation.assert_failed("app", "signature evaluation stopped. The configured limit of 3 signatures to "
                                  "verify per artifact exceeded")
    notation.assert_not_extracted("app", subject)
