"""Revocation on a host that cannot reach the responders: every request has
its own short deadline (OCSP 2 s, CRL 5 s), so an unreachable or stalled
responder makes the status "unknown" quickly — enforced at strict, logged at
permissive — instead of hanging the reconcile. OCSP and CRL requests go
through the source's proxy (spec.proxySecretRef), unlike Flux's."""
import socket
import time

from notation_fixtures import *  # noqa: F401,F403
import faultproxy  # noqa: E402
import revocation_servers  # noqa: E402

OCSP_TIMEOUT = 2.0


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_signed(notation, chain, **policy_kw):
    subject = notation.push()
    sig = notation.sign(subject, chain)
    notation.secret(policy=trust_policy([notation.scope(subject.repo)], **policy_kw),
                    certs={"root.crt": pki.cert_pem(chain.root)})
    return subject, sig


def unknown(chain) -> str:
    return f"signing certificate with subject \"{go_subject(chain.leaf)}\" revocation status is unknown"


def timed_run(notation, expect_exit):
    start = time.monotonic()
    notation.run(expect_exit=expect_exit)
    return time.monotonic() - start


def test_responders_down_is_unknown_quickly(notation):
    port = closed_port()
    chain = chain_for("ec256", signer="down", leaf_opts=dict(ocsp_urls=[f"http://127.0.0.1:{port}/ocsp"],
                                                             crl_urls=[f"http://127.0.0.1:{port}/ca.crl"]))
    subject, sig = setup_signed(notation, chain)
    notation.source("app", subject)

    elapsed = timed_run(notation, 1)

    notation.assert_failed("app", aggregate((sig["digest"], unknown(chain))))
    notation.assert_not_extracted("app", subject)
    assert elapsed < 5, elapsed

    # permissive logs it and deploys
    notation.secret(policy=trust_policy([notation.scope(subject.repo)], level="permissive"),
                    certs={"root.crt": pki.cert_pem(chain.root)})
    notation.run(expect_exit=0)
    notation.assert_verified("app", subject.digest)


def test_stalled_responder_is_cut_at_the_deadline(notation):
    responder = revocation_servers.OCSPResponder(None).start()
    responder.hang_seconds = 30
    try:
        chain = chain_for("ec256", signer="hang", leaf_opts=dict(ocsp_urls=[responder.ocsp_url()]))
        subject, sig = setup_signed(notation, chain)
        notation.source("app", subject)

        elapsed = timed_run(notation, 1)

        notation.assert_failed("app", aggregate((sig["digest"], unknown(chain))))
        assert len(responder.requests) == 1
        # one OCSP deadline, not the responder's 30 s
        assert OCSP_TIMEOUT <= elapsed < OCSP_TIMEOUT + 6, elapsed
    finally:
        responder.hang_seconds = 0
        responder.stop()


def test_revocation_requests_use_the_source_proxy(notation, registry, tmp_path):
    responder = revocation_servers.OCSPResponder(None).start()
    fwd = faultproxy.FaultProxy(registry.base_url, forward_proxy=True).start()
    try:
        chain = chain_for("ec256", signer="proxied", leaf_opts=dict(ocsp_urls=[responder.ocsp_url()]))
        responder.ca = revocation_servers.OpenSSLCA.for_chain(str(tmp_path / "ca"), chain)
        responder.ca.valid(chain.leaf)
        subject, _ = setup_signed(notation, chain)
        notation.ferry.write("default-proxy-secret.yaml", f"""\
            apiVersion: v1
            kind: Secret
            metadata:
              name: proxy
              namespace: default
            stringData:
              address: {fwd.base_url}
            """)
        notation.source("app", subject, extra_spec="proxySecretRef:\n  name: proxy\n")

        notation.run(expect_exit=0)

        notation.assert_verified("app", subject.digest)
        proxied = [r["path"] for r in fwd.proxied]
        assert any(p.startswith(responder.ocsp_url() + "/") for p in proxied), proxied
        assert len(responder.requests) == 1
    finally:
        fwd.stop()
        responder.stop()
