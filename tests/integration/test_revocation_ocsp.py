"""Revocation of the signing certificate through OCSP, end to end: the leaf
names an `openssl ocsp` responder (tests/tools/revocation_servers.py) and
`ferryd --once` asks it before deploying. A revoked signer fails at strict
with notation-go's message and passes with `override: {revocation: log}`;
an unknown one fails at strict; `revocation: skip` asks nobody."""
import pytest

from notation_fixtures import *  # noqa: F401,F403
import revocation_servers  # noqa: E402


class OCSPWorld:
    def __init__(self, notation, tmp_path, responder):
        self.notation = notation
        self.responder = responder
        self.chain = chain_for("ec256", signer="ocsp", leaf_opts=dict(ocsp_urls=[responder.ocsp_url()]))
        responder.ca = revocation_servers.OpenSSLCA.for_chain(str(tmp_path / "ca"), self.chain)
        self.subject = notation.push()
        self.sig = notation.sign(self.subject, self.chain)

    def setup(self, **policy_kw):
        n = self.notation
        n.secret(policy=trust_policy([n.scope(self.subject.repo)], **policy_kw),
                 certs={"root.crt": pki.cert_pem(self.chain.root)})
        n.source("app", self.subject)

    def revoked_msg(self) -> str:
        return f"signing certificate with subject \"{go_subject(self.chain.leaf)}\" is revoked"

    def unknown_msg(self) -> str:
        return f"signing certificate with subject \"{go_subject(self.chain.leaf)}\" revocation status is unknown"


@pytest.fixture
def ocsp(notation, tmp_path):
    responder = revocation_servers.OCSPResponder(None).start()
    yield OCSPWorld(notation, tmp_path, responder)
    responder.stop()


def test_good_signer_verifies(notation, ocsp):
    ocsp.responder.ca.valid(ocsp.chain.leaf)
    ocsp.setup()

    notation.run(expect_exit=0)

    notation.assert_verified("app", ocsp.subject.digest)
    notation.assert_extracted("app", ocsp.subject)
    # one request for the leaf (the intermediate names no responder, the root is never checked), by GET
    assert [r[0] for r in ocsp.responder.requests] == ["GET"]


def test_revoked_signer_fails_at_strict(notation, ocsp):
    ocsp.responder.ca.valid(ocsp.chain.leaf)
    ocsp.responder.ca.revoke(ocsp.chain.leaf)
    ocsp.setup()

    notation.run(expect_exit=1)

    notation.assert_failed("app", aggregate((ocsp.sig["digest"], ocsp.revoked_msg())))
    notation.assert_not_extracted("app", ocsp.subject)


def test_revoked_signer_passes_with_revocation_log(notation, ocsp):
    ocsp.responder.ca.revoke(ocsp.chain.leaf)
    ocsp.setup(override={"revocation": "log"})

    p = notation.run(expect_exit=0)

    notation.assert_verified("app", ocsp.subject.digest)
    notation.assert_extracted("app", ocsp.subject)
    assert ocsp.revoked_msg() in p.stderr


def test_unknown_signer_fails_at_strict_and_passes_permissive(notation, ocsp):
    # the CA database does not know the certificate: openssl answers "unknown"
    ocsp.setup()
    notation.run(expect_exit=1)
    notation.assert_failed("app", aggregate((ocsp.sig["digest"], ocsp.unknown_msg())))

    ocsp.setup(level="permissive")
    notation.run(expect_exit=0)
    notation.assert_verified("app", ocsp.subject.digest)


def test_revocation_skip_asks_nobody(notation, ocsp):
    ocsp.responder.ca.revoke(ocsp.chain.leaf)
    ocsp.setup(override={"revocation": "skip"})

    notation.run(expect_exit=0)

    notation.assert_verified("app", ocsp.subject.digest)
    assert ocsp.responder.requests == []


def test_revoked_intermediate_is_reported(notation, tmp_path):
    """The intermediate names the responder of its issuer (the root)."""
    responder = revocation_servers.OCSPResponder(None).start()
    try:
        base = chain_for("ec256", signer="ocsp-int")
        inter = pki.make_cert(base.certs[1].subject, base.keys[1], base.root.subject, base.root_key, ca=True,
                              path_len=0, ocsp_urls=[responder.ocsp_url()])
        chain = pki.Chain([base.leaf, inter, base.root], base.keys)
        responder.ca = revocation_servers.OpenSSLCA(str(tmp_path / "root-ca"), base.root, base.root_key)
        responder.ca.revoke(inter)
        subject = notation.push()
        sig = notation.sign(subject, chain)
        notation.setup(subject, chain)

        notation.run(expect_exit=1)

        notation.assert_failed("app", aggregate((sig["digest"],
            f"signing certificate with subject \"{go_subject(inter)}\" is revoked")))
    finally:
        responder.stop()
