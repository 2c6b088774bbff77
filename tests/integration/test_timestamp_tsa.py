"""RFC 3161 timestamps end to end: the test signer asks a real TSA (Debian's
`openssl ts -reply` behind tests/tools/tsa_server.py) to countersign each
signature, and `ferryd --once` verifies the countersignature as notation-go
does: a signature whose signing certificate has expired since still verifies
with `verifyTimestamp: afterCertExpiry` and the TSA root in a `tsa` store,
and fails without one. Secret key names like `tsa.<store>.crt` bind a
certificate to one store."""
import datetime
import time

import pytest

from notation_fixtures import *  # noqa: F401,F403
import revocation_servers  # noqa: E402
import tsa_server  # noqa: E402


@pytest.fixture
def tsa(tmp_path):
    srv = tsa_server.TSAServer(str(tmp_path / "tsa"), pki.make_tsa_chain("rsa2048", key_slot="tsa")).start()
    yield srv
    srv.stop()


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def short_lived_chain(seconds: int, signer: str = "ts") -> pki.Chain:
    """A signer whose leaf certificate expires `seconds` from now."""
    now = now_utc()
    return chain_for("ec256", signer=signer, leaf_opts=dict(not_before=now - datetime.timedelta(hours=1),
                                                             not_after=now + datetime.timedelta(seconds=seconds)))


def not_after(cert) -> datetime.datetime:
    return cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def not_before(cert) -> datetime.datetime:
    return cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)


def wait_expired(chain: pki.Chain):
    left = (not_after(chain.leaf) - now_utc()).total_seconds()
    if left >= 0:
        time.sleep(left + 1.2)


def ts_policy(scope: str, verify_timestamp: str = "afterCertExpiry", stores=("ca:ferry", "tsa:tsa"), **kw) -> dict:
    doc = trust_policy([scope], stores=stores, **kw)
    if verify_timestamp:
        doc["trustPolicies"][0]["signatureVerification"]["verifyTimestamp"] = verify_timestamp
    return doc


@pytest.mark.parametrize("fmt", ["jws", "cose"])
def test_expired_signer_verifies_with_its_timestamp(notation, tsa, fmt):
    subject = notation.push(files={"app.conf": b"timestamped\n"})
    chain = short_lived_chain(4)
    notation.sign(subject, chain, fmt=fmt, tsa_url=tsa.tsa_url())
    assert [r[0] for r in tsa.requests] == ["POST"]
    wait_expired(chain)
    secret = notation.secret(policy=ts_policy(notation.scope(subject.repo)),
                             certs={"root.crt": pki.cert_pem(chain.root), "tsa.tsa.crt": pki.cert_pem(tsa.chain.root)})
    notation.source("app", subject)

    notation.run(expect_exit=0)

    notation.assert_verified("app", subject.digest)
    notation.assert_extracted("app", subject)
    # ferryctl verify says which timestamp anchored the verdict
    p = notation.ferry.ctl("verify", "--secret", secret, "--insecure", f"oci://{notation.ref(subject)}")
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"verified: {notation.ref(subject)}" in p.stdout
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("timestamp:")]
    assert len(line) == 1 and line[0].endswith("(RFC 3161 countersignature)"), p.stdout
    stamped = datetime.datetime.strptime(line[0].split()[1], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    assert not_before(chain.leaf) <= stamped <= not_after(chain.leaf)


def test_expired_signer_fails_without_a_tsa_store(notation, tsa):
    subject = notation.push()
    chain = short_lived_chain(3)
    sig = notation.sign(subject, chain, tsa_url=tsa.tsa_url())
    wait_expired(chain)
    notation.secret(policy=ts_policy(notation.scope(subject.repo), stores=("ca:ferry",)),
                    certs={"root.crt": pki.cert_pem(chain.root), "tsa.tsa.crt": pki.cert_pem(tsa.chain.root)})
    notation.source("app", subject)

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate((sig["digest"],
        f"verification time is after certificate \"{go_subject(chain.leaf)}\" validity period, it was expired at "
        f"\"{rfc1123z(not_after(chain.leaf))}\"")))
    notation.assert_not_extracted("app", subject)


def test_timestamp_checked_against_the_tsa_store(notation, tsa):
    """verifyTimestamp always: the countersignature must verify even for a
    valid signer; the TSA root must be a tsa certificate."""
    subject = notation.push()
    chain = chain_for("rsa3072", signer="ts-always")
    sig = notation.sign(subject, chain, tsa_url=tsa.tsa_url())
    policy = ts_policy(notation.scope(subject.repo), verify_timestamp="always")

    # bound to the tsa store: verified
    notation.secret(policy=policy, certs={"root.crt": pki.cert_pem(chain.root),
                                          "tsa.tsa.crt": pki.cert_pem(tsa.chain.root)})
    notation.source("app", subject)
    notation.run(expect_exit=0)
    notation.assert_verified("app", subject.digest)

    # the TSA root absent: nothing anchors the countersignature
    notation.secret(policy=policy, certs={"root.crt": pki.cert_pem(chain.root)})
    notation.run(expect_exit=1)
    notation.assert_failed("app", aggregate((sig["digest"],
        "failed to verify the timestamp countersignature with error: failed to verify signed token: cms "
        "verification failure: x509: certificate signed by unknown authority")))

    # bound to the ca store only (every certificate bound): the tsa store holds nothing
    notation.secret(policy=policy, certs={"ca.ferry.crt": pki.cert_pem(chain.root),
                                          "ca.other.crt": pki.cert_pem(tsa.chain.root)})
    notation.run(expect_exit=1)
    notation.assert_failed("app", aggregate((sig["digest"],
        "failed to load tsa trust store with error: the trust store \"tsa\" of type \"tsa\" does not exist")))


def test_unsigned_by_a_tsa_fails_when_a_timestamp_is_required(notation, tsa):
    subject = notation.push()
    chain = chain_for("ec384", signer="no-ts")
    sig = notation.sign(subject, chain)
    notation.secret(policy=ts_policy(notation.scope(subject.repo), verify_timestamp="always"),
                    certs={"root.crt": pki.cert_pem(chain.root), "tsa.tsa.crt": pki.cert_pem(tsa.chain.root)})
    notation.source("app", subject)

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate((sig["digest"],
                                             "no timestamp countersignature was found in the signature envelope")))


def test_revoked_tsa_certificate_fails_the_timestamp(notation, tmp_path):
    """The TSA chain's revocation is part of authenticTimestamp: a revoked
    TSA certificate fails it, whatever the revocation override says."""
    responder = revocation_servers.OCSPResponder(None).start()
    tsa = None
    try:
        tsa_chain = pki.make_tsa_chain("rsa2048", ocsp_urls=[responder.ocsp_url()])
        responder.ca = revocation_servers.OpenSSLCA.for_chain(str(tmp_path / "tsa-ca"), tsa_chain)
        responder.ca.valid(tsa_chain.leaf)
        tsa = tsa_server.TSAServer(str(tmp_path / "tsa"), tsa_chain).start()
        chain = chain_for("ec256", signer="ts-revoked")
        subject = notation.push()
        notation.sign(subject, chain, tsa_url=tsa.tsa_url())
        policy = ts_policy(notation.scope(subject.repo), verify_timestamp="always", override={"revocation": "skip"})
        notation.secret(policy=policy, certs={"root.crt": pki.cert_pem(chain.root),
                                              "tsa.tsa.crt": pki.cert_pem(tsa_chain.root)})
        notation.source("app", subject, by="tag")

        notation.run(expect_exit=0)
        notation.assert_verified("app", f"v1@{subject.digest}")
        assert [r[0] for r in responder.requests] == ["GET"]

        # the TSA's certificate revoked; a new revision is verified again
        responder.ca.revoke(tsa_chain.leaf)
        subject2 = notation.push(tag="v1", files={"app.conf": b"second\n"})
        sig = notation.sign(subject2, chain, tsa_url=tsa.tsa_url())
        notation.run(expect_exit=1)
        notation.assert_failed("app", aggregate((sig["digest"],
            f"timestamping certificate with subject \"{go_subject(tsa_chain.leaf)}\" is revoked")))
    finally:
        if tsa:
            tsa.stop()
        responder.stop()
