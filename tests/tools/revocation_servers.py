"""revocation_servers - OCSP and CRL services for ferry's revocation tests,
made of Debian's openssl CLI behind loopback HTTP servers (httpstub).

OpenSSLCA(workdir, cert, key): an `openssl ca` database for an issuing CA
(index.txt, crlnumber, openssl.cnf). valid(cert) records a certificate as
good, revoke(cert, reason) revokes it (`openssl ca -revoke`), crl(seconds)
returns a DER CRL from `openssl ca -gencrl -crlsec N` (a CRL whose
nextUpdate passes after N seconds).

OCSPResponder(ca): answers GET /<url-escaped base64 request> and POST
application/ocsp-request with `openssl ocsp -index ... -reqin ... -respout`:
good for valid(), revoked for revoke(), unknown for certificates the CA
database does not know. ocsp_url() is what certificates name.

CRLServer(): serves DER CRLs put(path, der) at url(path).

All are HTTPStub servers: stop() makes them unreachable, hang_seconds makes
them stall, requests lists what ferry asked.
"""
import base64
import os
import subprocess
import tempfile
import urllib.parse

from cryptography.hazmat.primitives import serialization

import pki
from httpstub import HTTPStub

OPENSSL = "openssl"


def _run(*args, cwd=None):
    p = subprocess.run([OPENSSL, *args], capture_output=True, cwd=cwd)
    if p.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)}: {p.stderr.decode(errors='replace')}")
    return p.stdout


class OpenSSLCA:
    def __init__(self, workdir: str, cert, key):
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.cert, self.key = cert, key
        self.cert_path = os.path.join(workdir, "ca.crt")
        self.key_path = os.path.join(workdir, "ca.key")
        with open(self.cert_path, "wb") as f:
            f.write(pki.cert_pem(cert))
        with open(self.key_path, "wb") as f:
            f.write(pki.key_pem(key))
        os.chmod(self.key_path, 0o600)
        open(os.path.join(workdir, "index.txt"), "w").close()
        with open(os.path.join(workdir, "index.txt.attr"), "w") as f:
            f.write("unique_subject = no\n")
        with open(os.path.join(workdir, "crlnumber"), "w") as f:
            f.write("1000\n")
        self.cnf = os.path.join(workdir, "openssl.cnf")
        with open(self.cnf, "w") as f:
            f.write(f"""[ ca ]
default_ca = ca_default
[ ca_default ]
dir = {workdir}
database = $dir/index.txt
certificate = $dir/ca.crt
private_key = $dir/ca.key
crlnumber = $dir/crlnumber
new_certs_dir = $dir
default_md = sha256
default_crl_days = 1
policy = policy_any
[ policy_any ]
commonName = supplied
""")

    @classmethod
    def for_chain(cls, workdir: str, chain: pki.Chain, index: int = 1):
        """The CA that issued chain.certs[index - 1] (default: the leaf's issuer)."""
        return cls(workdir, chain.certs[index], chain.keys[index])

    def _cert_file(self, cert) -> str:
        fd, path = tempfile.mkstemp(dir=self.dir, suffix=".pem")
        with os.fdopen(fd, "wb") as f:
            f.write(pki.cert_pem(cert))
        return path

    def valid(self, cert):
        path = self._cert_file(cert)
        _run("ca", "-config", self.cnf, "-batch", "-valid", path)
        os.unlink(path)

    def revoke(self, cert, reason: str = "keyCompromise"):
        path = self._cert_file(cert)
        _run("ca", "-config", self.cnf, "-batch", "-revoke", path, "-crl_reason", reason)
        os.unlink(path)

    def crl(self, seconds: int = 86400) -> bytes:
        """DER CRL of the database, nextUpdate `seconds` from now."""
        pem = os.path.join(self.dir, "crl.pem")
        _run("ca", "-config", self.cnf, "-batch", "-gencrl", "-crlsec", str(seconds), "-out", pem)
        return _run("crl", "-in", pem, "-outform", "DER")


class OCSPResponder(HTTPStub):
    def __init__(self, ca: OpenSSLCA, port: int = 0, next_update_minutes: int = 60):
        super().__init__(port)
        self.ca = ca
        self.next_update_minutes = next_update_minutes

    def ocsp_url(self, path: str = "/ocsp") -> str:
        return self.url(path)

    def respond(self, method, path, headers, body):
        if method == "GET":
            encoded = path.rsplit("/", 1)[-1]
            try:
                req = base64.b64decode(urllib.parse.unquote(encoded))
            except ValueError:
                return 400, "text/plain", b"bad request\n"
        else:
            req = body
        with tempfile.TemporaryDirectory(dir=self.ca.dir) as d:
            reqf, respf = os.path.join(d, "req.der"), os.path.join(d, "resp.der")
            with open(reqf, "wb") as f:
                f.write(req)
            _run("ocsp", "-index", os.path.join(self.ca.dir, "index.txt"), "-CA", self.ca.cert_path,
                 "-rsigner", self.ca.cert_path, "-rkey", self.ca.key_path, "-reqin", reqf, "-respout", respf,
                 "-nmin", str(self.next_update_minutes))
            with open(respf, "rb") as f:
                return 200, "application/ocsp-response", f.read()


class CRLServer(HTTPStub):
    def __init__(self, port: int = 0):
        super().__init__(port)
        self.files = {}

    def put(self, path: str, der: bytes):
        self.files[path] = der

    def respond(self, method, path, headers, body):
        if path in self.files:
            return 200, "application/pkix-crl", self.files[path]
        return 404, "text/plain", b"not found\n"


def der_cert(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)
