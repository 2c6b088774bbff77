"""`ferryctl verify --secret FILE [--secret-name NAME] [--insecure] REF`: a
one-shot Notation verification of oci://host/repo@sha256:... or :tag with a
trust bundle Secret from a file. Exit 0 verified (prints the digest, the
signer's subject and the trust policy statement), 1 not verified, 2 usage."""
import pytest

from notation_fixtures import *  # noqa: F401,F403


def write_bundle(notation, chain, name="notation-config", file="bundle.yaml", **policy_kw):
    policy = trust_policy([notation.scope("app")], **policy_kw)
    return notation.secret(name, policy=policy, certs={"root.crt": pki.cert_pem(chain.root)}, file=file)


def verify(notation, *args):
    return notation.ferry.ctl("verify", *args)


def test_verified_by_digest(notation):
    subject = notation.push()
    chain = chain_for("rsa3072")
    sig = notation.sign(subject, chain)
    bundle = write_bundle(notation, chain)

    p = verify(notation, "--secret", bundle, "--insecure", f"oci://{notation.ref(subject)}")

    assert p.returncode == 0, p.stderr
    assert subject.digest in p.stdout
    assert go_subject(chain.leaf) in p.stdout
    assert "ferry-test" in p.stdout
    assert sig["digest"] in p.stdout


@pytest.mark.parametrize("fmt", ["jws", "cose"])
def test_verified_by_tag(notation, fmt):
    subject = notation.push(tag="1.2.3")
    chain = chain_for("ec384")
    notation.sign(subject, chain, fmt=fmt)
    bundle = write_bundle(notation, chain)

    p = verify(notation, "--secret", bundle, "--insecure", f"{notation.url('app')}:1.2.3")

    assert p.returncode == 0, p.stderr
    assert subject.digest in p.stdout


def test_untrusted_signer_is_not_verified(notation):
    subject = notation.push()
    signer, trusted = chain_for("rsa3072", "a"), chain_for("rsa3072", "b")
    notation.sign(subject, signer)
    bundle = write_bundle(notation, trusted)

    p = verify(notation, "--secret", bundle, "--insecure", f"oci://{notation.ref(subject)}")

    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "the signature's certificate chain does not contain any trusted certificate" in p.stdout + p.stderr


def test_unsigned_is_not_verified(notation):
    subject = notation.push()
    bundle = write_bundle(notation, chain_for("rsa3072"))

    p = verify(notation, "--secret", bundle, "--insecure", f"oci://{notation.ref(subject)}")

    assert p.returncode == 1, (p.stdout, p.stderr)
    assert (f'no signature is associated with "{notation.ref(subject)}", make sure the artifact was signed '
            "successfully") in p.stdout + p.stderr


def test_unknown_tag_is_not_verified(notation):
    notation.push(tag="v1")
    bundle = write_bundle(notation, chain_for("rsa3072"))

    p = verify(notation, "--secret", bundle, "--insecure", f"{notation.url('app')}:v2")

    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "MANIFEST_UNKNOWN" in p.stdout + p.stderr


def test_secret_name_picks_the_bundle(notation):
    subject = notation.push()
    signer, other = chain_for("ec256", "a"), chain_for("ec256", "b")
    notation.sign(subject, signer)
    wrong = write_bundle(notation, other, name="old-bundle", file="wrong.yaml")
    right = write_bundle(notation, signer, name="new-bundle", file="right.yaml")
    both = notation.ferry.write("bundles.yaml", open(wrong).read() + "---\n" + open(right).read())

    good = verify(notation, "--secret", both, "--secret-name", "new-bundle", "--insecure",
                  f"oci://{notation.ref(subject)}")
    bad = verify(notation, "--secret", both, "--secret-name", "old-bundle", "--insecure",
                 f"oci://{notation.ref(subject)}")

    assert good.returncode == 0, good.stderr
    assert bad.returncode == 1, (bad.stdout, bad.stderr)


@pytest.mark.parametrize("args", [
    [],                                                   # nothing
    ["--insecure", "oci://127.0.0.1:1/app@sha256:" + "0" * 64],   # no --secret
    ["--secret"],                                         # --secret without a file
    ["--secret", "x.yaml", "oci://127.0.0.1:1/app@sha256:zz"],    # not a digest
    ["--no-such-option", "--secret", "x.yaml", "oci://127.0.0.1:1/app:v1"],
])
def test_usage_errors(notation, args):
    p = verify(notation, *args)

    assert p.returncode == 2, (p.stdout, p.stderr)
    assert p.stderr.strip(), "a usage error says what is wrong"
