"""The configuration examples shipped in /usr/share/doc/ferry/examples load
with `ferryctl check` as a user would use them: the plain and the auth/TLS
examples as they are, the Notation example once its placeholders (the
digest and the two certificates) are replaced, and before that it fails on
exactly those placeholders.
"""
import base64
import datetime
import hashlib
import os
import re
import shutil
import subprocess

import pytest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("FERRY_BUILD_DIR", REPO_ROOT)
EXAMPLES = os.path.join(REPO_ROOT, "examples")
NOTATION_PLACEHOLDERS = ["spec.ref.digest", "certificate1.crt", "certificate2.pem"]


@pytest.fixture
def check(tmp_path):
    ferryctl = os.path.join(BUILD_DIR, "ferryctl")
    if not os.access(ferryctl, os.X_OK):
        pytest.fail(f"ferryctl not built at {ferryctl} (set FERRY_BUILD_DIR)")
    conf = tmp_path / "etc"
    conf.mkdir(mode=0o750)

    def run(name, text=None):
        dst = conf / name
        if text is None:
            shutil.copy(os.path.join(EXAMPLES, name), dst)
        else:
            dst.write_text(text)
        os.chmod(dst, 0o640)
        return subprocess.run([ferryctl, "--config-dir", str(conf), "check"], capture_output=True,
                              text=True, timeout=60)
    return run


def test_plain_example_is_valid(check):
    p = check("ocirepository.yaml")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "1 sources, 0 secrets: valid"
    assert p.stderr == ""


def test_auth_tls_example_is_valid(check):
    p = check("ocirepository-auth-tls.yaml")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "1 sources, 3 secrets: valid"
    assert p.stderr == ""


def test_notation_example_fails_only_on_its_placeholders(check):
    p = check("flux-notation.yaml")
    assert p.returncode == 1
    problems = [l for l in p.stderr.splitlines() if l.startswith("error:")]
    assert problems, p.stderr
    for line in problems:
        # the Secret with the certificate placeholders is not loaded, which the
        # OCIRepository naming it reports too
        assert any(ph in line for ph in NOTATION_PLACEHOLDERS + ["Secret oci-artifacts-flux-config/notation-config"]), \
            f"unexpected problem: {line}"
    for ph in NOTATION_PLACEHOLDERS:
        assert any(ph in line for line in problems), f"no problem reported for the placeholder {ph}"


def ca_certificate_pem():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                      x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "WA"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "example-ca")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def test_notation_example_with_values_is_valid(check):
    with open(os.path.join(EXAMPLES, "flux-notation.yaml")) as f:
        text = f.read()
    cert = base64.b64encode(ca_certificate_pem()).decode()
    digest = "sha256:" + hashlib.sha256(b"ferry example artifact").hexdigest()
    text, n_digest = re.subn(r'digest: "sha256:<[^"]*>"', f'digest: "{digest}"', text)
    text, n_certs = re.subn(r"^(  certificate[12]\.(?:crt|pem)): <[^>]*>$", rf"\1: {cert}", text, flags=re.M)
    assert (n_digest, n_certs) == (1, 2), "the example's placeholders changed: update this test"
    p = check("flux-notation.yaml", text)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "1 sources, 1 secrets: valid"
    # only Flux's own deprecation notice for the v1beta2 shape of the example
    assert [l for l in p.stderr.splitlines() if "deprecated" not in l] == [], p.stderr
