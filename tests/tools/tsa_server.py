"""tsa_server - an RFC 3161 timestamping authority for ferry's tests: Debian's
`openssl ts -reply` behind a loopback HTTP server (httpstub).

TSAServer(workdir, chain) serves POST application/timestamp-query at
url("/tsa") with a TimeStampResp signed by chain.leaf (a TSA certificate:
critical EKU timeStamping, see pki.make_tsa_chain), carrying the chain's CA
certificates, ESS signingCertificateV2 with SHA-256, accuracy 1 s, policy
1.2.3.4.1.

timestamp_request(data) builds a TimeStampReq (SHA-256 imprint, certReq,
no nonce); token_from_response(resp) extracts the TimeStampToken that goes
into a Notary envelope's io.cncf.notary.timestampSignature header.

CLI: tsa_server.py --dir DIR [--port N] makes a TSA chain in DIR and serves.
"""
import hashlib
import os
import subprocess
import tempfile

import pki
from httpstub import HTTPStub


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def _tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _der_len(len(value)) + value


def _read_tlv(data: bytes, pos: int):
    """(tag, start of contents, end of element) of the element at pos."""
    tag = data[pos]
    n = data[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(data[pos:pos + k], "big")
        pos += k
    return tag, pos, pos + n


SHA256_OID = bytes.fromhex("0609608648016503040201")


def timestamp_request(data: bytes) -> bytes:
    imprint = _tlv(0x30, _tlv(0x30, SHA256_OID + b"\x05\x00") + _tlv(0x04, hashlib.sha256(data).digest()))
    return _tlv(0x30, _tlv(0x02, b"\x01") + imprint + _tlv(0x01, b"\xff"))


def token_from_response(resp: bytes) -> bytes:
    """The TimeStampToken of a granted TimeStampResp."""
    tag, start, end = _read_tlv(resp, 0)
    if tag != 0x30:
        raise ValueError("not a TimeStampResp")
    _, s_start, s_end = _read_tlv(resp, start)          # PKIStatusInfo
    _, st_start, st_end = _read_tlv(resp, s_start)      # status INTEGER
    status = int.from_bytes(resp[st_start:st_end], "big")
    if status not in (0, 1) or s_end >= end:
        raise ValueError(f"timestamp not granted (status {status})")
    _, t_start, t_end = _read_tlv(resp, s_end)
    return resp[s_end:t_end]


def request_token(tsa_url: str, data: bytes, timeout: float = 10) -> bytes:
    """Ask a TSA for a token over data (RFC 3161 over HTTP)."""
    import urllib.request
    req = urllib.request.Request(tsa_url, data=timestamp_request(data),
                                 headers={"Content-Type": "application/timestamp-query"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return token_from_response(r.read())


class TSAServer(HTTPStub):
    def __init__(self, workdir: str, chain: pki.Chain, port: int = 0):
        super().__init__(port)
        self.chain = chain
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)

        def put(name, data, mode=0o644):
            p = os.path.join(workdir, name)
            with open(p, "wb") as f:
                f.write(data)
            os.chmod(p, mode)
            return p

        put("tsa.crt", pki.cert_pem(chain.leaf))
        put("tsa.key", pki.key_pem(chain.leaf_key), 0o600)
        put("certs.pem", pki.certs_pem(chain.certs[1:]))
        put("tsaserial", b"01\n")
        self.cnf = put("tsa.cnf", f"""[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {workdir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/certs.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
""".encode())

    def tsa_url(self) -> str:
        return self.url("/tsa")

    def respond(self, method, path, headers, body):
        if method != "POST" or path != "/tsa":
            return 404, "text/plain", b"not found\n"
        with tempfile.TemporaryDirectory(dir=self.dir) as d:
            q, r = os.path.join(d, "req.tsq"), os.path.join(d, "resp.tsr")
            with open(q, "wb") as f:
                f.write(body)
            p = subprocess.run(["openssl", "ts", "-reply", "-config", self.cnf, "-queryfile", q, "-out", r],
                               capture_output=True)
            if p.returncode != 0:
                return 500, "text/plain", p.stderr
            with open(r, "rb") as f:
                return 200, "application/timestamp-reply", f.read()


if __name__ == "__main__":
    import argparse
    import time
    ap = argparse.ArgumentParser(description="serve an openssl-backed RFC 3161 TSA on loopback")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    srv = TSAServer(a.dir, pki.make_tsa_chain("rsa2048"), a.port).start()
    with open(os.path.join(a.dir, "root.crt"), "wb") as f:
        f.write(pki.cert_pem(srv.chain.root))
    print(srv.tsa_url(), flush=True)
    while True:
        time.sleep(3600)
