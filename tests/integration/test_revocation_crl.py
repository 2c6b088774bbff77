"""Revocation of the signing certificate through CRLs, end to end: the leaf
names a distribution point served over HTTP with CRLs from `openssl ca
-gencrl`; `ferryd --once` reads it when the certificate names no OCSP
responder, or when the responder cannot tell. Current, revoked and expired
CRLs; the cache under the state dir carries an offline run."""
import os
import time

import pytest

from notation_fixtures import *  # noqa: F401,F403
import revocation_servers  # noqa: E402


class CRLWorld:
    def __init__(self, notation, tmp_path, server, ocsp_urls=()):
        self.notation = notation
        self.server = server
        self.chain = chain_for("ec256", signer="crl", leaf_opts=dict(crl_urls=[server.url("/ca.crl")],
                                                                      ocsp_urls=list(ocsp_urls)))
        self.ca = revocation_servers.OpenSSLCA.for_chain(str(tmp_path / "ca"), self.chain)
        self.subject = notation.push()
        self.sig = notation.sign(self.subject, self.chain)

    def publish(self, seconds: int = 3600):
        self.server.put("/ca.crl", self.ca.crl(seconds))

    def setup(self, **policy_kw):
        n = self.notation
        self.secret_file = n.secret(policy=trust_policy([n.scope(self.subject.repo)], **policy_kw),
                                    certs={"root.crt": pki.cert_pem(self.chain.root)})
        n.source("app", self.subject, by="tag")

    def subject_msg(self, what: str) -> str:
        return f"signing certificate with subject \"{go_subject(self.chain.leaf)}\" {what}"


@pytest.fixture
def crl_server():
    srv = revocation_servers.CRLServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def crl(notation, tmp_path, crl_server):
    return CRLWorld(notation, tmp_path, crl_server)


def test_current_crl_without_the_signer_verifies(notation, crl):
    crl.publish()
    crl.setup()

    notation.run(expect_exit=0)

    notation.assert_verified("app", f"v1@{crl.subject.digest}")
    assert [(r[0], r[1]) for r in crl.server.requests] == [("GET", "/ca.crl")]


def test_revoked_entry_fails_at_strict_and_passes_with_log(notation, crl):
    crl.ca.revoke(crl.chain.leaf)
    crl.publish()
    crl.setup()
    notation.run(expect_exit=1)
    notation.assert_failed("app", aggregate((crl.sig["digest"], crl.subject_msg("is revoked"))))
    notation.assert_not_extracted("app", crl.subject)

    crl.setup(override={"revocation": "log"})
    notation.run(expect_exit=0)
    notation.assert_verified("app", f"v1@{crl.subject.digest}")


def test_certificate_hold_revokes(notation, crl):
    crl.ca.revoke(crl.chain.leaf, reason="certificateHold")
    crl.publish()
    crl.setup()

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate((crl.sig["digest"], crl.subject_msg("is revoked"))))


def test_expired_crl_is_unknown(notation, crl):
    crl.publish(seconds=1)
    time.sleep(2.2)
    crl.setup()

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate((crl.sig["digest"], crl.subject_msg("revocation status is unknown"))))


def test_ocsp_unknown_falls_back_to_the_crl(notation, tmp_path, crl_server):
    responder = revocation_servers.OCSPResponder(None).start()
    try:
        world = CRLWorld(notation, tmp_path, crl_server, ocsp_urls=[responder.ocsp_url()])
        world.ca.revoke(world.chain.leaf)
        # the responder answers from an empty database ("unknown"), the CRL knows better
        responder.ca = revocation_servers.OpenSSLCA(str(tmp_path / "empty"), world.chain.certs[1],
                                                    world.chain.keys[1])
        world.publish()
        world.setup()

        notation.run(expect_exit=1)

        notation.assert_failed("app", aggregate((world.sig["digest"], world.subject_msg("is revoked"))))
        assert [r[0] for r in responder.requests] == ["GET"]
        assert [r[1] for r in crl_server.requests] == ["/ca.crl"]
    finally:
        responder.stop()


def test_cached_crl_carries_an_offline_run(notation, crl):
    """An edge box that loses its uplink keeps verifying new revisions with
    the CRL it cached, until the CRL's nextUpdate."""
    crl.publish()
    crl.setup()
    notation.run(expect_exit=0)
    notation.assert_verified("app", f"v1@{crl.subject.digest}")
    cache = os.path.join(notation.ferry.state_dir, "cache", "revocation", "crl")
    assert len(os.listdir(cache)) == 1

    # the distribution point goes away; a new revision arrives from the (local) registry
    crl.server.stop()
    ref = f"oci://{notation.ref(crl.subject)}"
    p = notation.ferry.ctl("verify", "--secret", crl.secret_file, "--insecure", "--offline", ref)
    assert p.returncode == 1 and crl.subject_msg("revocation status is unknown") in p.stdout, p.stdout + p.stderr
    p = notation.ferry.ctl("verify", "--secret", crl.secret_file, "--insecure", "--offline",
                           "--state-dir", notation.ferry.state_dir, ref)
    assert p.returncode == 0 and f"verified: {notation.ref(crl.subject)}" in p.stdout, p.stdout + p.stderr
    second = notation.push(tag="v1", files={"app.conf": b"second revision\n"})
    notation.sign(second, crl.chain)
    notation.run(expect_exit=0)
    notation.assert_verified("app", f"v1@{second.digest}")
    notation.assert_extracted("app", second)

    # without the cache the same offline run cannot tell
    for name in os.listdir(cache):
        os.unlink(os.path.join(cache, name))
    third = notation.push(tag="v1", files={"app.conf": b"third revision\n"})
    sig = notation.sign(third, crl.chain)
    notation.run(expect_exit=1)
    notation.assert_failed("app", aggregate((sig["digest"], crl.subject_msg("revocation status is unknown"))))
    notation.assert_extracted("app", second)
