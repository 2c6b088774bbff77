"""The Flux Notation example (shared/examples/flux-notation.yaml: Namespace,
OCIRepository, Secret with trustpolicy.json and two certificates) dropped
into ferry's config dir as it is, with only the registry address, the digest
and the certificates replaced. The registry in the test speaks plain HTTP on
loopback, so the registry address change includes `insecure: true`."""
import base64
import os
import re

from notation_fixtures import *  # noqa: F401,F403

EXAMPLE_HOST = "yoyoociacr.azurecr.io"
NAMESPACE = "oci-artifacts-flux-config"


def _example(shared_dir) -> str:
    with open(os.path.join(shared_dir, "examples", "flux-notation.yaml")) as f:
        return f.read()


def _adapt(text: str, host: str, digest: str, cert1: bytes, cert2: bytes) -> str:
    # The digest the OCIRepository pins.
    assert len(re.findall(r"sha256:[0-9a-f]{64}", text)) == 1
    text = re.sub(r"sha256:[0-9a-f]{64}", digest, text)

    # The trust policy keeps its statement, level, stores and identities; its
    # registry scope names the test registry.
    m = re.search(r"^(\s*trustpolicy\.json:\s*)(\S+)\s*$", text, re.M)
    assert m, "trustpolicy.json not found in the example"
    policy = base64.b64decode(m.group(2)).decode()
    assert EXAMPLE_HOST in policy
    policy = policy.replace(EXAMPLE_HOST, host)
    text = text[:m.start(2)] + base64.b64encode(policy.encode()).decode() + text[m.end(2):]

    # The certificates.
    assert "<BASE64 of a .crt cert>" in text and "<BASE64 of a .pem cert>" in text
    text = text.replace("<BASE64 of a .crt cert>", base64.b64encode(cert1).decode())
    text = text.replace("<BASE64 of a .pem cert>", base64.b64encode(cert2).decode())

    # The registry address: host, and plain HTTP for the loopback registry.
    m = re.search(r"^(\s*)url: oci://" + re.escape(EXAMPLE_HOST) + r"(\S*).*$", text, re.M)
    assert m, "url not found in the example"
    indent = m.group(1)
    text = (text[:m.start()] + f"{indent}url: oci://{host}{m.group(2)}\n{indent}insecure: true"
            + text[m.end():])
    assert EXAMPLE_HOST not in text
    return text


def test_flux_example_verifies_and_extracts(notation, shared_dir):
    text = _example(shared_dir)
    repo = re.search(r"url: oci://" + re.escape(EXAMPLE_HOST) + r"/(\S+)", text).group(1)
    name = re.search(r"kind: OCIRepository\s*\nmetadata:\s*\n\s*name: (\S+)", text).group(1)
    subject = notation.push(repo, "v1", {"manifests/deploy.yaml": b"kind: ConfigMap\n"})
    chain = chain_for("rsa3072")
    notation.sign(subject, chain)
    # certificate1.crt: the root; certificate2.pem: the intermediate (either anchors).
    notation.ferry.write("flux-notation.yaml",
                         _adapt(text, notation.host, subject.digest,
                                pki.cert_pem(chain.root), pki.cert_pem(chain.intermediates[0])))

    notation.run(expect_exit=0)

    notation.assert_verified(name, subject.digest, NAMESPACE)
    notation.assert_extracted(name, subject, NAMESPACE)


def test_flux_example_rejects_an_untrusted_signer(notation, shared_dir):
    text = _example(shared_dir)
    repo = re.search(r"url: oci://" + re.escape(EXAMPLE_HOST) + r"/(\S+)", text).group(1)
    name = re.search(r"kind: OCIRepository\s*\nmetadata:\s*\n\s*name: (\S+)", text).group(1)
    subject = notation.push(repo, "v1")
    signer, trusted = chain_for("rsa3072", "a"), chain_for("rsa3072", "b")
    sig = notation.sign(subject, signer)
    notation.ferry.write("flux-notation.yaml",
                         _adapt(text, notation.host, subject.digest,
                                pki.cert_pem(trusted.root), pki.cert_pem(trusted.intermediates[0])))

    notation.run(expect_exit=1)

    notation.assert_failed(name, aggregate(
        (sig["digest"], "the signature's certificate chain does not contain any trusted certificate")),
        NAMESPACE)
    notation.assert_not_extracted(name, subject, NAMESPACE)
