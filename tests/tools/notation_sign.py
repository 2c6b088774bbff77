"""notation_sign - a Notary Project signer for ferry's tests, written from the
specification (signature-specification.md, signature-envelope-jws.md,
signature-envelope-cose.md) with python3-cryptography and python3-cbor2.

It produces the two envelope formats notation produces:
  JWS  application/jose+json  flattened JSON serialization: base64url (no
       padding) protected / payload / signature, unprotected header with x5c
       (standard base64 DER, leaf first) and io.cncf.notary.signingAgent.
  COSE application/cose       COSE_Sign1 (tag 18) with the protected map
       {1: alg, 2: crit, 3: cty, "io.cncf.notary.signingScheme",
       "io.cncf.notary.signingTime" (tag 1), ...}, unprotected {33: [DER...]}.
The payload is {"targetArtifact": {mediaType, digest, size[, annotations]}}.

An RFC 3161 countersignature is added when SignOptions.tsa_url names a TSA
(tests/tools/tsa_server.py) or timestamp_token gives one: JWS carries it as
standard base64 in the unprotected header io.cncf.notary.timestampSignature,
COSE as a bstr under the same label.

Every knob a negative test needs is a field of SignOptions: expiry in the
past, another target (callers pass any descriptor), payload tampered after
signing, padded base64url, crit missing or altered, a verificationPlugin
header, the signingAuthority scheme, a PSS salt length other than the hash
length, the wrong algorithm, extra (critical) headers.

Library:
    env, media_type = sign(target_descriptor(mt, digest, size), chain.leaf_key,
                           chain.der(), SignOptions(fmt="cose"))
CLI:
    notation_sign.py --key leaf.key --cert chain.pem --media-type MT
                     --digest sha256:... --size N [--cose] [-o FILE]
"""
import base64
import datetime
import hashlib
import json
import sys
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

MT_JWS = "application/jose+json"
MT_COSE = "application/cose"
MT_PAYLOAD = "application/vnd.cncf.notary.payload.v1+json"
SCHEME_X509 = "notary.x509"
SCHEME_SIGNING_AUTHORITY = "notary.x509.signingAuthority"

H_SCHEME = "io.cncf.notary.signingScheme"
H_SIGNING_TIME = "io.cncf.notary.signingTime"
H_AUTHENTIC_SIGNING_TIME = "io.cncf.notary.authenticSigningTime"
H_EXPIRY = "io.cncf.notary.expiry"
H_PLUGIN = "io.cncf.notary.verificationPlugin"
H_PLUGIN_MIN_VERSION = "io.cncf.notary.verificationPluginMinVersion"
H_SIGNING_AGENT = "io.cncf.notary.signingAgent"
H_TIMESTAMP = "io.cncf.notary.timestampSignature"

COSE_ALG = {"PS256": -37, "PS384": -38, "PS512": -39, "ES256": -7, "ES384": -35, "ES512": -36}
COSE_LABEL_ALG, COSE_LABEL_CRIT, COSE_LABEL_CTY, COSE_LABEL_X5CHAIN = 1, 2, 3, 33
_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_EC_COORD_BYTES = {"ES256": 32, "ES384": 48, "ES512": 66}


def target_descriptor(media_type: str, digest: str, size: int, annotations: dict = None) -> dict:
    d = {"mediaType": media_type, "digest": digest, "size": size}
    if annotations:
        d["annotations"] = dict(annotations)
    return d


def payload_bytes(target: dict) -> bytes:
    """The signed payload, compact JSON in notation's field order."""
    return json.dumps({"targetArtifact": target}, separators=(",", ":")).encode()


def alg_for_key(key) -> str:
    """The Notary algorithm the key implies (RSA 2048/3072/4096 -> PS256/384/512,
    P-256/384/521 -> ES256/384/512)."""
    if isinstance(key, rsa.RSAPrivateKey):
        try:
            return {2048: "PS256", 3072: "PS384", 4096: "PS512"}[key.key_size]
        except KeyError:
            raise ValueError(f"RSA-{key.key_size} has no Notary signing algorithm") from None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        try:
            return {256: "ES256", 384: "ES384", 521: "ES512"}[key.curve.key_size]
        except KeyError:
            raise ValueError(f"curve {key.curve.name} has no Notary signing algorithm") from None
    raise ValueError(f"unsupported key type {type(key).__name__}")


def hash_for_alg(alg: str):
    return _HASHES[alg[2:]]()


def raw_sign(key, alg: str, data: bytes, pss_salt: int = None) -> bytes:
    """PS*: RSASSA-PSS with MGF1(hash), salt = hash length unless pss_salt.
    ES*: ECDSA, raw r||s with fixed-size halves."""
    h = hash_for_alg(alg)
    if alg.startswith("PS"):
        salt = h.digest_size if pss_salt is None else pss_salt
        return key.sign(data, padding.PSS(mgf=padding.MGF1(h), salt_length=salt), h)
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(h)))
    n = _EC_COORD_BYTES[alg]
    return r.to_bytes(n, "big") + s.to_bytes(n, "big")


def b64url(data: bytes, pad: bool = False) -> str:
    s = base64.urlsafe_b64encode(data).decode()
    return s if pad else s.rstrip("=")


def rfc3339(t: datetime.datetime) -> str:
    """Seconds precision, `Z` for UTC, `+hh:mm` otherwise (Go's RFC 3339)."""
    if t.utcoffset() == datetime.timedelta(0):
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    return t.isoformat(timespec="seconds")


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


@dataclass
class SignOptions:
    fmt: str = "jws"                     # "jws" | "cose"
    scheme: str = SCHEME_X509
    signing_time: datetime.datetime = None   # default: now
    expiry: datetime.datetime = None         # None: no expiry header
    alg: str = None                      # default: derived from the key (override to mismatch)
    pss_salt: int = None                 # default: hash length
    cty: str = MT_PAYLOAD
    crit: list = None                    # None: the required set; [] or a list: exactly that
    omit_crit: bool = False              # no crit header at all
    extra_protected: dict = field(default_factory=dict)   # extended attributes
    extra_crit: list = field(default_factory=list)        # appended to crit
    verification_plugin: str = None      # adds the (critical) verificationPlugin header
    verification_plugin_min_version: str = None
    signing_agent: str = "ferry-test-signer/1.0"
    padded_b64: bool = False             # JWS: base64url segments with '=' padding (at least one segment padded)
    tamper: str = None                   # "payload" | "signature" | "protected": change bytes after signing
    payload_override: bytes = None       # sign these bytes instead of the descriptor JSON
    cose_untagged_time: bool = False     # COSE: times as plain ints (not tag 1)
    chain_in_protected: bool = False     # COSE: x5chain in the protected map instead
    tsa_url: str = None                  # RFC 3161 TSA asked for a countersignature over the signature bytes
    timestamp_token: bytes = None        # or this token as io.cncf.notary.timestampSignature


def _protected_fields(o: SignOptions, alg: str):
    """The Notary protected attributes (without alg/cty/crit) and the crit list."""
    t = o.signing_time or utcnow()
    fields = {H_SCHEME: o.scheme}
    if o.scheme == SCHEME_SIGNING_AUTHORITY:
        fields[H_AUTHENTIC_SIGNING_TIME] = t
    else:
        fields[H_SIGNING_TIME] = t
    if o.expiry is not None:
        fields[H_EXPIRY] = o.expiry
    if o.verification_plugin is not None:
        fields[H_PLUGIN] = o.verification_plugin
    if o.verification_plugin_min_version is not None:
        fields[H_PLUGIN_MIN_VERSION] = o.verification_plugin_min_version
    fields.update(o.extra_protected)
    if o.crit is not None:
        crit = list(o.crit)
    else:
        crit = [H_SCHEME]
        if o.scheme == SCHEME_SIGNING_AUTHORITY:
            crit.append(H_AUTHENTIC_SIGNING_TIME)
        if o.expiry is not None:
            crit.append(H_EXPIRY)
        if o.verification_plugin is not None:
            crit.append(H_PLUGIN)
        if o.verification_plugin_min_version is not None:
            crit.append(H_PLUGIN_MIN_VERSION)
    crit += list(o.extra_crit)
    return fields, crit


def _timestamp(o: SignOptions, signature: bytes):
    """The countersignature token for the raw signature bytes, or None."""
    if o.timestamp_token is not None:
        return o.timestamp_token
    if o.tsa_url:
        import tsa_server
        return tsa_server.request_token(o.tsa_url, signature)
    return None


def _tamper(data: bytes) -> bytes:
    """Flip one bit in the middle of data (a different but same-length value)."""
    b = bytearray(data)
    b[len(b) // 2] ^= 0x01
    return bytes(b)


def sign_jws(target: dict, key, chain_der, o: SignOptions) -> bytes:
    alg = o.alg or alg_for_key(key)
    fields, crit = _protected_fields(o, alg)
    header = {"alg": alg}
    if not o.omit_crit:
        header["crit"] = crit
    header["cty"] = o.cty
    for k, v in fields.items():
        header[k] = rfc3339(v) if isinstance(v, datetime.datetime) else v
    protected = json.dumps(header, separators=(",", ":")).encode()
    payload = o.payload_override if o.payload_override is not None else payload_bytes(target)
    if o.padded_b64 and all(len(x) % 3 == 0 for x in (protected, payload)):
        # Make sure at least the payload segment gets '=' padding: JSON
        # allows trailing whitespace, the signature covers it.
        payload += b"\n"
    signing_input = (b64url(protected) + "." + b64url(payload)).encode()
    signature = raw_sign(key, alg, signing_input, o.pss_salt)
    if o.tamper == "payload":
        payload = payload.replace(b'"size":', b'"size": ', 1) if b'"size":' in payload else _tamper(payload)
    elif o.tamper == "signature":
        signature = _tamper(signature)
    elif o.tamper == "protected":
        protected = protected.replace(b'"cty"', b'"cty" ', 1)
    env = {
        "payload": b64url(payload, o.padded_b64),
        "protected": b64url(protected, o.padded_b64),
        "header": {"x5c": [base64.b64encode(d).decode() for d in chain_der]},
        "signature": b64url(signature, o.padded_b64),
    }
    if o.signing_agent:
        env["header"][H_SIGNING_AGENT] = o.signing_agent
    token = _timestamp(o, signature)
    if token is not None:
        # Go's []byte in JSON: standard base64 with padding
        env["header"][H_TIMESTAMP] = base64.b64encode(token).decode()
    return json.dumps(env, separators=(",", ":")).encode()


def _cose_time(t: datetime.datetime, untagged: bool):
    secs = int(t.timestamp())
    return secs if untagged else cbor2.CBORTag(1, secs)


def sign_cose(target: dict, key, chain_der, o: SignOptions) -> bytes:
    alg = o.alg or alg_for_key(key)
    fields, crit = _protected_fields(o, alg)
    protected = {COSE_LABEL_ALG: COSE_ALG[alg]}
    if not o.omit_crit:
        protected[COSE_LABEL_CRIT] = crit
    protected[COSE_LABEL_CTY] = o.cty
    for k, v in fields.items():
        protected[k] = _cose_time(v, o.cose_untagged_time) if isinstance(v, datetime.datetime) else v
    unprotected = {}
    chain = [bytes(d) for d in chain_der]
    if o.chain_in_protected:
        protected[COSE_LABEL_X5CHAIN] = chain
    else:
        unprotected[COSE_LABEL_X5CHAIN] = chain
    if o.signing_agent:
        unprotected[H_SIGNING_AGENT] = o.signing_agent
    # Deterministic (length-first) map key order, as notation-core-go encodes.
    protected_bstr = cbor2.dumps(protected, canonical=True)
    payload = o.payload_override if o.payload_override is not None else payload_bytes(target)
    to_be_signed = cbor2.dumps(["Signature1", protected_bstr, b"", payload])
    signature = raw_sign(key, alg, to_be_signed, o.pss_salt)
    if o.tamper == "payload":
        payload = payload.replace(b'"size":', b'"size": ', 1) if b'"size":' in payload else _tamper(payload)
    elif o.tamper == "signature":
        signature = _tamper(signature)
    elif o.tamper == "protected":
        # A well-formed header that differs from the signed one: signing time + 1 s.
        label = H_AUTHENTIC_SIGNING_TIME if H_AUTHENTIC_SIGNING_TIME in protected else H_SIGNING_TIME
        t = protected[label]
        protected[label] = cbor2.CBORTag(1, t.value + 1) if isinstance(t, cbor2.CBORTag) else t + 1
        protected_bstr = cbor2.dumps(protected, canonical=True)
    token = _timestamp(o, signature)
    if token is not None:
        unprotected[H_TIMESTAMP] = token
    msg = cbor2.CBORTag(18, [protected_bstr, unprotected, payload, signature])
    return cbor2.dumps(msg, canonical=True)


def sign(target: dict, key, chain_der, options: SignOptions = None):
    """Returns (envelope bytes, envelope media type)."""
    o = options or SignOptions()
    if o.fmt == "jws":
        return sign_jws(target, key, chain_der, o), MT_JWS
    if o.fmt == "cose":
        return sign_cose(target, key, chain_der, o), MT_COSE
    raise ValueError(f"unknown envelope format {o.fmt!r}")


def thumbprints(chain_der) -> list:
    """Lowercase hex SHA-256 of each certificate, as the signature manifest
    annotation io.cncf.notary.x509chain.thumbprint#S256 lists them."""
    return [hashlib.sha256(d).hexdigest() for d in chain_der]


def main(argv=None):
    import argparse
    import os
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import pki
    p = argparse.ArgumentParser(description="sign an OCI manifest descriptor as a Notary Project envelope")
    p.add_argument("--key", required=True, help="PEM private key of the leaf")
    p.add_argument("--cert", required=True, help="PEM chain, leaf first")
    p.add_argument("--media-type", required=True, help="mediaType of the signed manifest")
    p.add_argument("--digest", required=True)
    p.add_argument("--size", required=True, type=int)
    p.add_argument("--cose", action="store_true", help="COSE_Sign1 instead of JWS")
    p.add_argument("--expiry-seconds", type=int, help="expiry relative to now (negative: already expired)")
    p.add_argument("--signing-authority", action="store_true", help="notary.x509.signingAuthority scheme")
    p.add_argument("--tsa-url", help="RFC 3161 TSA to countersign the signature (io.cncf.notary.timestampSignature)")
    p.add_argument("-o", "--output", help="output file (default: stdout)")
    a = p.parse_args(argv)
    key = pki.load_key(a.key)
    chain = [pki.cert_der(c) for c in pki.load_certs(a.cert)]
    now = utcnow()
    o = SignOptions(fmt="cose" if a.cose else "jws", signing_time=now, tsa_url=a.tsa_url,
                    scheme=SCHEME_SIGNING_AUTHORITY if a.signing_authority else SCHEME_X509)
    if a.expiry_seconds is not None:
        o.expiry = now + datetime.timedelta(seconds=a.expiry_seconds)
        if a.expiry_seconds < 0:
            o.signing_time = o.expiry - datetime.timedelta(hours=1)
    env, _ = sign(target_descriptor(a.media_type, a.digest, a.size), key, chain, o)
    if a.output:
        with open(a.output, "wb") as f:
            f.write(env)
    else:
        sys.stdout.buffer.write(env)


if __name__ == "__main__":
    main()
