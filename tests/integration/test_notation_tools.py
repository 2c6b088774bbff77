"""The Notation test tools checked against the Notary Project's own vectors
and an independent verifier, so that a ferry verdict on their output means
what the other tests claim. These tests need no ferry binary."""
import base64
import datetime
import json
import os

import cbor2
import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID

from notation_fixtures import *  # noqa: F401,F403

HASHES = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}
COSE_ALGS = {v: k for k, v in notation_sign.COSE_ALG.items()}


def b64url_strict(s: str) -> bytes:
    """Go's RawURLEncoding: no padding allowed."""
    if "=" in s:
        raise ValueError("padded base64url")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def check_signature(leaf: x509.Certificate, alg: str, data: bytes, sig: bytes, any_salt: bool):
    h = HASHES[alg[2:]]
    pub = leaf.public_key()
    if alg.startswith("PS"):
        assert isinstance(pub, rsa.RSAPublicKey)
        salt = padding.PSS.AUTO if any_salt else h.digest_size
        pub.verify(sig, data, padding.PSS(mgf=padding.MGF1(h), salt_length=salt), h)
    else:
        assert isinstance(pub, ec.EllipticCurvePublicKey)
        n = len(sig) // 2
        assert len(sig) == 2 * ((pub.curve.key_size + 7) // 8)
        pub.verify(encode_dss_signature(int.from_bytes(sig[:n], "big"), int.from_bytes(sig[n:], "big")),
                   data, ec.ECDSA(h))


def independent_verify(envelope: bytes, media_type: str):
    """Structure + signature of an envelope, written from the spec without the
    signer's code. Returns (protected header dict, payload bytes, chain)."""
    if media_type == notation_sign.MT_JWS:
        env = json.loads(envelope)
        protected_raw, payload = b64url_strict(env["protected"]), b64url_strict(env["payload"])
        header = json.loads(protected_raw)
        chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in env["header"]["x5c"]]
        signing_input = (env["protected"] + "." + env["payload"]).encode()
        check_signature(chain[0], header["alg"], signing_input, b64url_strict(env["signature"]), any_salt=True)
        return header, payload, chain
    assert envelope[:2] == b"\xd2\x84", envelope[:2].hex()
    msg = cbor2.loads(envelope)
    protected_raw, unprotected, payload, sig = msg.value
    header = cbor2.loads(protected_raw)
    chain = [x509.load_der_x509_certificate(d) for d in unprotected[33]]
    tbs = cbor2.dumps(["Signature1", protected_raw, b"", payload])
    check_signature(chain[0], COSE_ALGS[header[1]], tbs, sig, any_salt=False)
    return header, payload, chain


# -- the independent verifier agrees with the upstream vectors ---------------

def test_checker_accepts_upstream_envelopes(shared_dir):
    base = os.path.join(shared_dir, "vectors", "notation", "notation-go")
    for rel, mt in [("internal/mock/testdata/ca_valid_sig_env.json", notation_sign.MT_JWS),
                    ("internal/testdata/jws_signature.sig", notation_sign.MT_JWS),
                    ("internal/testdata/cose_signature.sig", notation_sign.MT_COSE)]:
        with open(os.path.join(base, rel), "rb") as f:
            header, payload, _ = independent_verify(f.read(), mt)
        assert json.loads(payload)["targetArtifact"]["digest"].startswith("sha256:")


def test_checker_rejects_upstream_padded_envelope(shared_dir):
    path = os.path.join(shared_dir, "vectors", "notation", "notation-go", "internal", "mock", "testdata",
                        "ca_invalid_sig_env.json")
    with open(path, "rb") as f:
        with pytest.raises(ValueError):
            independent_verify(f.read(), notation_sign.MT_JWS)


# -- the signer --------------------------------------------------------------

TARGET = notation_sign.target_descriptor(ociutil.OCI_MANIFEST, "sha256:" + "ab" * 32, 1234)


@pytest.mark.parametrize("fmt", ["jws", "cose"])
@pytest.mark.parametrize("key_type", pki.KEY_TYPES)
def test_signer_output_verifies_independently(fmt, key_type):
    chain = chain_for(key_type)
    t = datetime.datetime(2026, 3, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
    env, mt = notation_sign.sign(TARGET, chain.leaf_key, chain.der(),
                                 SignOptions(fmt=fmt, signing_time=t, expiry=t + datetime.timedelta(days=1)))
    header, payload, certs = independent_verify(env, mt)
    assert json.loads(payload) == {"targetArtifact": TARGET}
    assert [c.fingerprint(hashes.SHA256()).hex() for c in certs] == chain.thumbprints()
    want_alg = {"rsa2048": "PS256", "rsa3072": "PS384", "rsa4096": "PS512",
                "ec256": "ES256", "ec384": "ES384", "ec521": "ES512"}[key_type]
    if fmt == "jws":
        assert mt == "application/jose+json"
        assert header == {"alg": want_alg,
                          "crit": ["io.cncf.notary.signingScheme", "io.cncf.notary.expiry"],
                          "cty": "application/vnd.cncf.notary.payload.v1+json",
                          "io.cncf.notary.signingScheme": "notary.x509",
                          "io.cncf.notary.signingTime": "2026-03-01T12:00:00Z",
                          "io.cncf.notary.expiry": "2026-03-02T12:00:00Z"}
    else:
        assert mt == "application/cose"
        raw = cbor2.loads(env).value[0]
        # times are tag 1 (epoch seconds), not cbor2's datetime tag 0
        assert bytes.fromhex("c11a") in raw
        assert header == {1: notation_sign.COSE_ALG[want_alg],
                          2: ["io.cncf.notary.signingScheme", "io.cncf.notary.expiry"],
                          3: "application/vnd.cncf.notary.payload.v1+json",
                          "io.cncf.notary.signingScheme": "notary.x509",
                          "io.cncf.notary.signingTime": t,
                          "io.cncf.notary.expiry": t + datetime.timedelta(days=1)}


def test_cose_protected_header_uses_the_deterministic_key_order(shared_dir):
    """Same key order as notation-core-go's encoder (vector cose_signature.sig)."""
    path = os.path.join(shared_dir, "vectors", "notation", "notation-go", "internal", "testdata",
                        "cose_signature.sig")
    with open(path, "rb") as f:
        upstream = cbor2.loads(f.read()).value[0]
    chain = chain_for("rsa2048")
    env, _ = notation_sign.sign(TARGET, chain.leaf_key, chain.der(), SignOptions(fmt="cose"))
    mine = cbor2.loads(env).value[0]
    assert list(cbor2.loads(mine)) == list(cbor2.loads(upstream))


@pytest.mark.parametrize("fmt", ["jws", "cose"])
@pytest.mark.parametrize("what", ["payload", "signature", "protected"])
def test_tampered_envelopes_fail_the_independent_check(fmt, what):
    chain = chain_for("ec256")
    env, mt = notation_sign.sign(TARGET, chain.leaf_key, chain.der(), SignOptions(fmt=fmt, tamper=what))
    with pytest.raises(InvalidSignature):
        independent_verify(env, mt)


def test_pss_salt_knob():
    chain = chain_for("rsa3072")
    env, mt = notation_sign.sign(TARGET, chain.leaf_key, chain.der(), SignOptions(fmt="cose", pss_salt=20))
    with pytest.raises(InvalidSignature):
        independent_verify(env, mt)          # COSE demands salt = hash length
    env, mt = notation_sign.sign(TARGET, chain.leaf_key, chain.der(), SignOptions(fmt="jws", pss_salt=20))
    independent_verify(env, mt)              # JWS accepts any salt length


def test_negative_knobs_shape_the_headers():
    chain = chain_for("ec384")
    env, _ = notation_sign.sign(TARGET, chain.leaf_key, chain.der(),
                                SignOptions(omit_crit=True, verification_plugin="io.example.verifier"))
    header = json.loads(b64url_strict(json.loads(env)["protected"]))
    assert "crit" not in header and header["io.cncf.notary.verificationPlugin"] == "io.example.verifier"

    env, _ = notation_sign.sign(TARGET, chain.leaf_key, chain.der(),
                                SignOptions(scheme=notation_sign.SCHEME_SIGNING_AUTHORITY))
    header = json.loads(b64url_strict(json.loads(env)["protected"]))
    assert header["crit"] == ["io.cncf.notary.signingScheme", "io.cncf.notary.authenticSigningTime"]
    assert "io.cncf.notary.signingTime" not in header and "io.cncf.notary.authenticSigningTime" in header

    for key_type in ("rsa3072", "ec384"):
        signer = chain_for(key_type)
        env, _ = notation_sign.sign(TARGET, signer.leaf_key, signer.der(), SignOptions(padded_b64=True))
        assert any(json.loads(env)[k].endswith("=") for k in ("protected", "payload", "signature"))
        with pytest.raises(ValueError):
            independent_verify(env, notation_sign.MT_JWS)


# -- the PKI -----------------------------------------------------------------

def verify_issued_by(child: x509.Certificate, parent: x509.Certificate):
    pub, h = parent.public_key(), child.signature_hash_algorithm
    if isinstance(pub, rsa.RSAPublicKey):
        pub.verify(child.signature, child.tbs_certificate_bytes, padding.PKCS1v15(), h)
    else:
        pub.verify(child.signature, child.tbs_certificate_bytes, ec.ECDSA(h))


def test_chain_has_the_notary_extensions():
    chain = chain_for("rsa3072", intermediates=2)
    leaf, *cas = chain.certs
    ku = leaf.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and not ku.value.key_cert_sign
    assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert list(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == \
        [ExtendedKeyUsageOID.CODE_SIGNING]
    for i, ca in enumerate(cas):
        bc = ca.extensions.get_extension_for_class(x509.BasicConstraints)
        assert bc.value.ca is True
        assert bc.value.path_length is None or bc.value.path_length >= i
        ku = ca.extensions.get_extension_for_class(x509.KeyUsage)
        assert ku.critical and ku.value.key_cert_sign
    for child, parent in zip(chain.certs, chain.certs[1:]):
        assert child.issuer == parent.subject
        verify_issued_by(child, parent)
    assert chain.root.issuer == chain.root.subject
    assert chain.identity() == "x509.subject: C=US, ST=WA, L=Seattle, O=ferry-test, CN=signer"


def test_chain_variants():
    now = notation_sign.utcnow()
    expired = chain_for("ec256", leaf_opts={"not_before": now - datetime.timedelta(days=9),
                                            "not_after": now - datetime.timedelta(days=1)})
    assert expired.leaf.not_valid_after < now.replace(tzinfo=None)
    no_ku = chain_for("ec256", leaf_opts={"key_usage": None})
    with pytest.raises(x509.ExtensionNotFound):
        no_ku.leaf.extensions.get_extension_for_class(x509.KeyUsage)
    ca_leaf = chain_for("ec256", leaf_opts={"ca": True, "key_usage": {"digital_signature"}})
    assert ca_leaf.leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    server = chain_for("ec256", leaf_opts={"eku": (pki.EKU_SERVER_AUTH,)})
    assert list(server.leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == \
        [ExtendedKeyUsageOID.SERVER_AUTH]


# -- the publisher and the Referrers API stand-in ----------------------------

def test_signature_manifest_is_byte_identical_to_notations(shared_dir):
    """notation-go's manifest for its jws_signature.sig vector (793 bytes)."""
    base = os.path.join(shared_dir, "vectors", "notation", "notation-go")
    with open(os.path.join(base, "internal", "testdata", "jws_signature.sig"), "rb") as f:
        env = f.read()
    chain = [base64.b64decode(c) for c in json.loads(env)["header"]["x5c"]]
    subject = {"mediaType": ociutil.OCI_MANIFEST, "size": 481,
               "digest": "sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0"}
    manifest, config = notation_publish.signature_manifest(subject, env, notation_sign.MT_JWS, chain,
                                                           created="2023-03-14T08:10:02Z")
    with open(os.path.join(base, "reconstructed", "sha256-64300ad03f1dcd18136787363f3069c9598623221cbe7"
                           "6e3233d35266b7973d6.signature-manifest.json"), "rb") as f:
        assert manifest == f.read()
    assert config == b"{}"


def test_publisher_appends_to_the_referrers_tag_index(registry):
    reg = registry.api()
    digest, body = reg.push_dir_artifact("app", "v1", {"a": b"1"})
    subject = notation_publish.subject_descriptor(reg, "app", "v1")
    assert subject == {"mediaType": ociutil.OCI_MANIFEST, "digest": digest, "size": len(body)}
    chain = chain_for("ec256")
    e1 = notation_publish.sign_and_attach(reg, "app", subject, chain.leaf_key, chain.der())
    e2 = notation_publish.sign_and_attach(reg, "app", subject, chain.leaf_key, chain.der(),
                                          SignOptions(fmt="cose"), legacy=True)
    _, raw = reg.get_manifest("app", "sha256-" + digest.split(":")[1], accept=ociutil.OCI_INDEX)
    index = json.loads(raw)
    assert index["mediaType"] == ociutil.OCI_INDEX
    assert [m["digest"] for m in index["manifests"]] == [e1["digest"], e2["digest"]]
    assert {m["artifactType"] for m in index["manifests"]} == {"application/vnd.cncf.notary.signature"}
    _, raw = reg.get_manifest("app", e2["digest"])
    legacy = json.loads(raw)
    assert "artifactType" not in legacy and legacy["config"]["mediaType"] == "application/vnd.cncf.notary.signature"
    assert legacy["layers"][0]["mediaType"] == "application/cose"
    assert legacy["subject"] == subject


def test_referrers_server_pages_and_filters(registry, referrers_proxy):
    proxy = referrers_proxy
    reg = ociutil.Registry(proxy.base_url)
    digest, body = reg.push_dir_artifact("team/app", "v1", {"a": b"1"})
    subject = notation_publish.subject_descriptor(reg, "team/app", digest)
    chain = chain_for("ec256")
    sigs = [notation_publish.sign_and_attach(reg, "team/app", subject, chain.leaf_key, chain.der(),
                                             referrers_tag_index=False)["digest"] for _ in range(3)]
    proxy.register("team/app", digest, {"mediaType": ociutil.OCI_MANIFEST, "digest": "sha256:" + "0" * 64,
                                        "size": 2, "artifactType": "application/spdx+json"})
    proxy.page_size = 2

    def pages(query):
        url, out = f"/v2/team/app/referrers/{digest}{query}", []
        while url:
            _, hdrs, raw = reg.request("GET", url)
            assert hdrs["Content-Type"] == ociutil.OCI_INDEX
            out.append((hdrs.get("OCI-Filters-Applied"), [m["digest"] for m in json.loads(raw)["manifests"]]))
            link = hdrs.get("Link")
            url = link[link.index("<") + 1:link.index(">")] if link else None
        return out

    assert pages("?artifactType=application%2Fvnd.cncf.notary.signature") == \
        [("artifactType", sigs[:2]), ("artifactType", sigs[2:])]
    proxy.filter_artifact_type = False
    assert pages("?artifactType=application%2Fvnd.cncf.notary.signature") == \
        [(None, sigs[:2]), (None, [sigs[2], "sha256:" + "0" * 64])]
    proxy.mode = "unsupported"
    status, _, _ = reg.request("GET", f"/v2/team/app/referrers/{digest}", ok=(404,))
    assert status == 404
