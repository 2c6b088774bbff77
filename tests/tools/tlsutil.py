"""tlsutil - a throw-away certificate authority for ferry's TLS tests.

Makes, with python3-cryptography, a self-signed CA and leaf certificates
signed by it: server certificates (SAN 127.0.0.1 / localhost, serverAuth) for
a docker-registry with `http.tls`, client certificates (clientAuth) for mTLS
(`http.tls.clientcas`), and signing certificates for a token issuer. Files are
written as PEM.

Library:
    ca = tlsutil.CA(dir, "ferry test CA")
    cert_path, key_path = ca.issue("server", server=True)
    ca.cert_path (PEM of the CA)
CLI:
    tlsutil.py --out DIR     writes ca.crt, server.crt/.key, client.crt/.key
"""
import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ferry-test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_key(kind: str = "ec256"):
    if kind == "ec256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
    raise ValueError(kind)


def key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def cert_pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


class CA:
    def __init__(self, directory: str, cn: str = "ferry test CA", key_kind: str = "ec256"):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.key = make_key(key_kind)
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (x509.CertificateBuilder()
                     .subject_name(_name(cn)).issuer_name(_name(cn))
                     .public_key(self.key.public_key())
                     .serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(hours=1))
                     .not_valid_after(now + datetime.timedelta(days=2))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                  content_commitment=False, key_encipherment=False,
                                                  data_encipherment=False, key_agreement=False,
                                                  encipher_only=False, decipher_only=False), critical=True)
                     .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()),
                                    critical=False)
                     .sign(self.key, hashes.SHA256()))
        self.cert_path = os.path.join(directory, "ca.crt")
        with open(self.cert_path, "wb") as f:
            f.write(cert_pem(self.cert))

    def issue(self, name: str, server: bool = False, client: bool = False, hosts=("127.0.0.1", "localhost"),
              key_kind: str = "ec256", days: float = 2.0):
        """Write <name>.crt and <name>.key; returns (cert_path, key_path, cert, key)."""
        key = make_key(key_kind)
        now = datetime.datetime.now(datetime.timezone.utc)
        b = (x509.CertificateBuilder()
             .subject_name(_name(name)).issuer_name(self.cert.subject)
             .public_key(key.public_key())
             .serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(hours=1))
             .not_valid_after(now + datetime.timedelta(days=days))
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                            critical=False))
        ekus = []
        if server:
            ekus.append(ExtendedKeyUsageOID.SERVER_AUTH)
            sans = []
            for h in hosts:
                try:
                    sans.append(x509.IPAddress(ipaddress.ip_address(h)))
                except ValueError:
                    sans.append(x509.DNSName(h))
            b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        if client:
            ekus.append(ExtendedKeyUsageOID.CLIENT_AUTH)
        if ekus:
            b = b.add_extension(x509.ExtendedKeyUsage(ekus), critical=False)
        cert = b.sign(self.key, hashes.SHA256())
        cert_path = os.path.join(self.dir, name + ".crt")
        key_path = os.path.join(self.dir, name + ".key")
        with open(cert_path, "wb") as f:
            f.write(cert_pem(cert))
        with open(key_path, "wb") as f:
            f.write(key_pem(key))
        os.chmod(key_path, 0o600)
        return cert_path, key_path, cert, key


if __name__ == "__main__":
    import argparse
    p = argparse.ArgumentParser(description="write a test CA with server and client certificates")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    ca = CA(a.out)
    ca.issue("server", server=True)
    ca.issue("client", client=True)
    print(a.out)
