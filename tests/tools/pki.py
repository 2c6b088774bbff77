"""pki - test certificate authorities and code-signing chains for ferry's
Notation tests.

Makes RSA (2048/3072/4096) and EC (P-256/384/521) keys and X.509 chains with
python3-cryptography: a self-signed root CA, optional intermediate CAs and a
code-signing leaf with the extensions the Notary Project requires (leaf:
keyUsage critical digitalSignature, optional EKU codeSigning, basicConstraints
cA=false or absent; CA: basicConstraints cA=true, keyUsage critical
keyCertSign). Validity windows and extensions are configurable so tests can
build the negative variants too (expired, not yet valid, leaf that is a CA,
missing keyUsage, serverAuth EKU, ...).

Library use:
    chain = pki.make_chain("rsa3072", intermediates=1, cn="signer")
    chain.leaf_key, chain.certs (leaf first), chain.root, chain.pem()
    tsa = pki.make_tsa_chain("rsa2048")          # RFC 3161 TSA root -> TSA leaf
    make_cert(..., ocsp_urls=[...], crl_urls=[...])  # revocation locations
CLI:
    pki.py --out DIR [--key ec384] [--intermediates 1] [--cn signer]
writes root.crt, intermediate<N>.crt, leaf.crt, chain.pem (leaf..root),
leaf.key (PKCS#8 PEM) and ca-bundle.pem (root + intermediates).
"""
import datetime
import hashlib
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KEY_TYPES = ("rsa2048", "rsa3072", "rsa4096", "ec256", "ec384", "ec521")
_CURVES = {"ec256": ec.SECP256R1, "ec384": ec.SECP384R1, "ec521": ec.SECP521R1}

EKU_CODE_SIGNING = ExtendedKeyUsageOID.CODE_SIGNING
EKU_SERVER_AUTH = ExtendedKeyUsageOID.SERVER_AUTH
EKU_CLIENT_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH
EKU_TIME_STAMPING = ExtendedKeyUsageOID.TIME_STAMPING

_key_cache = {}


def make_key(key_type: str = "rsa3072", slot: str = None):
    """A private key of one of KEY_TYPES. With a slot name the key is made once
    per (type, slot) and reused within the process: RSA generation is the slow
    part of building chains, and distinct slots keep distinct keys."""
    if slot is not None and (key_type, slot) in _key_cache:
        return _key_cache[(key_type, slot)]
    if key_type.startswith("rsa"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[3:]))
    elif key_type in _CURVES:
        key = ec.generate_private_key(_CURVES[key_type]())
    else:
        raise ValueError(f"unknown key type {key_type!r}, expected one of {KEY_TYPES}")
    if slot is not None:
        _key_cache[(key_type, slot)] = key
    return key


def key_type_of(key) -> str:
    pub = key.public_key() if hasattr(key, "public_key") else key
    if isinstance(pub, rsa.RSAPublicKey):
        return f"rsa{pub.key_size}"
    return "ec" + {"secp256r1": "256", "secp384r1": "384", "secp521r1": "521"}[pub.curve.name]


def name(cn: str = None, o: str = "ferry-test", c: str = "US", st: str = "WA",
         l: str = "Seattle", ou: str = None, extra=()) -> x509.Name:
    """A subject in certificate order C, ST, L, O, OU, CN (each optional)."""
    attrs = []
    for oid, value in ((NameOID.COUNTRY_NAME, c), (NameOID.STATE_OR_PROVINCE_NAME, st),
                       (NameOID.LOCALITY_NAME, l), (NameOID.ORGANIZATION_NAME, o),
                       (NameOID.ORGANIZATIONAL_UNIT_NAME, ou), (NameOID.COMMON_NAME, cn)):
        if value is not None:
            attrs.append(x509.NameAttribute(oid, value))
    attrs.extend(x509.NameAttribute(oid, value) for oid, value in extra)
    return x509.Name(attrs)


def subject_identity(n: x509.Name) -> str:
    """The trust policy identity naming a subject: `x509.subject: C=US, ST=WA, ...`."""
    short = {NameOID.COUNTRY_NAME: "C", NameOID.STATE_OR_PROVINCE_NAME: "ST",
             NameOID.LOCALITY_NAME: "L", NameOID.ORGANIZATION_NAME: "O",
             NameOID.ORGANIZATIONAL_UNIT_NAME: "OU", NameOID.COMMON_NAME: "CN"}
    parts = [f"{short[a.oid]}={a.value}" for a in n]
    return "x509.subject: " + ", ".join(parts)


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _hash_for(signing_key):
    if isinstance(signing_key, ec.EllipticCurvePrivateKey):
        return {256: hashes.SHA256(), 384: hashes.SHA384(), 521: hashes.SHA512()}[signing_key.curve.key_size]
    return hashes.SHA256()


def make_cert(subject: x509.Name, key, issuer_name: x509.Name = None, issuer_key=None, *,
              ca: bool = False, basic_constraints: bool = True, bc_critical: bool = True,
              path_len: int = None, key_usage: str = "default", ku_critical: bool = True,
              eku=(), eku_critical: bool = False, not_before=None, not_after=None,
              days: int = 365, serial: int = None, hash_alg=None,
              ocsp_urls=(), crl_urls=()) -> x509.Certificate:
    """One certificate. issuer_name/issuer_key None = self-signed.

    key_usage: "default" (CA: keyCertSign+cRLSign, leaf: digitalSignature),
    None (extension absent), or a set of names from x509.KeyUsage's arguments
    (e.g. {"digital_signature", "key_encipherment"}).
    basic_constraints False omits the extension; eku=() omits EKU.
    ocsp_urls adds an authorityInfoAccess with those OCSP responders,
    crl_urls a cRLDistributionPoints extension (one point per URL)."""
    now = _now()
    not_before = not_before or now - datetime.timedelta(hours=1)
    not_after = not_after or now + datetime.timedelta(days=days)
    if issuer_name is None:
        issuer_name, issuer_key = subject, key
    b = (x509.CertificateBuilder()
         .subject_name(subject).issuer_name(issuer_name)
         .public_key(key.public_key())
         .serial_number(serial or x509.random_serial_number())
         .not_valid_before(not_before).not_valid_after(not_after))
    if basic_constraints:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=path_len if ca else None),
                            critical=bc_critical)
    if key_usage == "default":
        key_usage = {"key_cert_sign", "crl_sign"} if ca else {"digital_signature"}
    if key_usage is not None:
        flags = {f: False for f in ("digital_signature", "content_commitment", "key_encipherment",
                                    "data_encipherment", "key_agreement", "key_cert_sign",
                                    "crl_sign", "encipher_only", "decipher_only")}
        for f in key_usage:
            if f not in flags:
                raise ValueError(f"unknown key usage {f!r}")
            flags[f] = True
        b = b.add_extension(x509.KeyUsage(**flags), critical=ku_critical)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=eku_critical)
    if ocsp_urls:
        b = b.add_extension(x509.AuthorityInformationAccess(
            [x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(u))
             for u in ocsp_urls]), critical=False)
    if crl_urls:
        b = b.add_extension(x509.CRLDistributionPoints(
            [x509.DistributionPoint([x509.UniformResourceIdentifier(u)], None, None, None) for u in crl_urls]),
            critical=False)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    if issuer_key is not key:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                            critical=False)
    return b.sign(issuer_key, hash_alg or _hash_for(issuer_key))


class Chain:
    """A code-signing chain: certs[0] is the leaf, certs[-1] the root."""

    def __init__(self, certs, keys):
        self.certs = list(certs)
        self.keys = list(keys)

    @property
    def leaf(self):
        return self.certs[0]

    @property
    def leaf_key(self):
        return self.keys[0]

    @property
    def root(self):
        return self.certs[-1]

    @property
    def root_key(self):
        return self.keys[-1]

    @property
    def intermediates(self):
        return self.certs[1:-1]

    @property
    def key_type(self) -> str:
        return key_type_of(self.leaf_key)

    def der(self):
        """DER of every cert, leaf first (what x5c / x5chain carry)."""
        return [cert_der(c) for c in self.certs]

    def pem(self, certs=None) -> bytes:
        return certs_pem(self.certs if certs is None else certs)

    def thumbprints(self):
        return [hashlib.sha256(d).hexdigest() for d in self.der()]

    def identity(self) -> str:
        return subject_identity(self.leaf.subject)

    def with_leaf(self, leaf_cert, leaf_key=None):
        """The same CAs with another leaf."""
        return Chain([leaf_cert] + self.certs[1:], [leaf_key or self.leaf_key] + self.keys[1:])

    def issue_leaf(self, subject: x509.Name = None, key=None, **leaf_opts):
        """A new leaf issued by this chain's first CA (the intermediate, or the
        root when there is none); returns a Chain sharing the CAs."""
        key = key or make_key(self.key_type)
        issuer, issuer_key = self.certs[1], self.keys[1]
        opts = dict(eku=(EKU_CODE_SIGNING,))
        opts.update(leaf_opts)
        leaf = make_cert(subject or name("signer"), key, issuer.subject, issuer_key, **opts)
        return self.with_leaf(leaf, key)


def make_chain(key_type: str = "rsa3072", intermediates: int = 1, cn: str = "signer",
               org: str = "ferry-test", subject: x509.Name = None, ca_key_type: str = None,
               root_cn: str = None, key_slot: str = None, leaf_opts: dict = None) -> Chain:
    """Root CA -> `intermediates` CAs -> code-signing leaf. The leaf key is
    key_type; CA keys default to the same type. leaf_opts go to make_cert for
    the leaf (eku, key_usage, ca, not_before, not_after, ...); the default leaf
    has keyUsage critical digitalSignature, EKU codeSigning and
    basicConstraints cA=false. key_slot reuses keys made for the same slot
    (see make_key); the certificates are always new."""

    def slot(role):
        return None if key_slot is None else f"{key_slot}/{role}"

    ca_key_type = ca_key_type or key_type
    tag = root_cn or f"{org} root {os.urandom(3).hex()}"
    root_key = make_key(ca_key_type, slot("root"))
    root_name = name(tag, o=org)
    root = make_cert(root_name, root_key, ca=True, days=3650)
    certs, keys = [root], [root_key]
    parent_name, parent_key = root_name, root_key
    for i in range(intermediates):
        k = make_key(ca_key_type, slot(f"intermediate{i + 1}"))
        n = name(f"{tag} intermediate {i + 1}", o=org)
        path_len = intermediates - i - 1
        certs.insert(0, make_cert(n, k, parent_name, parent_key, ca=True, path_len=path_len, days=1825))
        keys.insert(0, k)
        parent_name, parent_key = n, k
    leaf_key = make_key(key_type, slot("leaf"))
    opts = dict(eku=(EKU_CODE_SIGNING,))
    opts.update(leaf_opts or {})
    leaf = make_cert(subject or name(cn, o=org), leaf_key, parent_name, parent_key, **opts)
    return Chain([leaf] + certs, [leaf_key] + keys)


def make_tsa_chain(key_type: str = "rsa2048", org: str = "ferry-test", cn: str = "ferry test TSA",
                   intermediates: int = 0, key_slot: str = None, **leaf_opts) -> Chain:
    """A timestamping authority: root CA [-> intermediates] -> TSA leaf with
    the one critical EKU timeStamping and keyUsage digitalSignature, as RFC
    3161 and the Notary Project require. leaf_opts go to make_cert (e.g.
    ocsp_urls, crl_urls, not_before, not_after)."""
    opts = dict(eku=(EKU_TIME_STAMPING,), eku_critical=True)
    opts.update(leaf_opts)
    return make_chain(key_type, intermediates=intermediates, cn=cn, org=org, root_cn=f"{cn} root {os.urandom(3).hex()}",
                      key_slot=key_slot, leaf_opts=opts)


def make_self_signed_leaf(key_type: str = "rsa3072", cn: str = "self-signed signer", **opts) -> Chain:
    """A single self-signed code-signing certificate (a one-element chain)."""
    key = make_key(key_type)
    o = dict(eku=(EKU_CODE_SIGNING,))
    o.update(opts)
    return Chain([make_cert(name(cn), key, **o)], [key])


def cert_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def certs_pem(certs) -> bytes:
    return b"".join(cert_pem(c) for c in certs)


def key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_key(path: str):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def load_certs(path: str):
    """Every certificate of a PEM bundle (or one DER certificate)."""
    with open(path, "rb") as f:
        data = f.read()
    if b"-----BEGIN" in data:
        out, marker = [], b"-----END CERTIFICATE-----"
        for block in data.split(marker)[:-1]:
            out.append(x509.load_pem_x509_certificate(block + marker))
        return out
    return [x509.load_der_x509_certificate(data)]


def write_chain(chain: Chain, out: str):
    os.makedirs(out, exist_ok=True)

    def put(fname, data, mode=0o644):
        p = os.path.join(out, fname)
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, mode)

    put("root.crt", cert_pem(chain.root))
    for i, c in enumerate(chain.intermediates):
        put(f"intermediate{i + 1}.crt", cert_pem(c))
    put("leaf.crt", cert_pem(chain.leaf))
    put("chain.pem", chain.pem())
    put("ca-bundle.pem", certs_pem(list(reversed(chain.certs[1:]))))
    put("leaf.key", key_pem(chain.leaf_key), 0o600)


if __name__ == "__main__":
    import argparse
    p = argparse.ArgumentParser(description="make a test root CA, intermediates and a code-signing leaf")
    p.add_argument("--out", required=True, help="directory for root.crt, leaf.crt, chain.pem, leaf.key")
    p.add_argument("--key", default="rsa3072", choices=KEY_TYPES)
    p.add_argument("--intermediates", type=int, default=1)
    p.add_argument("--cn", default="signer")
    p.add_argument("--org", default="ferry-test")
    a = p.parse_args()
    ch = make_chain(a.key, a.intermediates, cn=a.cn, org=a.org)
    write_chain(ch, a.out)
    print(ch.identity())
