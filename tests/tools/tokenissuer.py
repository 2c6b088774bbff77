"""tokenissuer - a Docker distribution token server for ferry's tests.

docker-registry with `auth: token` refuses every request without a bearer
token that it can verify: a JWT signed with a key whose certificate chains to
`rootcertbundle`, issued by `issuer` for audience `service`, not expired, and
granting the requested `access`. This server issues such tokens (RS256 or
ES256, certificate in the `x5c` header) so the registry checks real tokens:

- GET  /token?service=S&scope=repository:R:pull[&scope=...] with HTTP Basic
  credentials from `users` (or anonymously when `anonymous` is set);
- POST /token with the OAuth2 form (grant_type=refresh_token, refresh_token,
  service, scope, client_id), refresh tokens from `refresh_tokens`;
  `oauth_post=False` answers 404 to POST like token servers without OAuth2.

Knobs for negative tests: `expired` (how many of the next tokens are issued
already expired), `grant` ("requested" or "none": no access at all),
`expires_in` reported to clients. Every request is recorded in `requests`
(method, path, query dict, whether Authorization was sent, form dict).

Library:
    ca = tlsutil.CA(dir); iss = TokenIssuer(ca, dir, users={"alice": "pw"}).start()
    registry_factory(token=iss.registry_config())
"""
import base64
import datetime
import hashlib
import http.server
import json
import os
import ssl
import threading
import time
import urllib.parse
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenIssuer:
    def __init__(self, ca, directory: str, users=None, refresh_tokens=None, service: str = "ferry-registry",
                 issuer: str = "ferry-token-issuer", key_kind: str = "rsa2048", anonymous: bool = False,
                 tls: bool = False, expires_in: int = 300):
        self.ca = ca
        self.dir = directory
        self.users = dict(users or {})
        self.refresh_tokens = dict(refresh_tokens or {})
        self.service = service
        self.issuer = issuer
        self.anonymous = anonymous
        self.expires_in = expires_in
        self.expired = 0
        self.grant = "requested"
        self.oauth_post = True
        self.requests = []
        self._lock = threading.Lock()
        self.cert_path, self.key_path, self.cert, self.key = ca.issue("token-signer", key_kind=key_kind)
        self.alg = "RS256" if isinstance(self.key, rsa.RSAPrivateKey) else "ES256"
        self.tls = tls
        self._httpd = None
        self.port = None

    # -- registry side ------------------------------------------------------
    @property
    def realm(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/token"

    def registry_config(self) -> dict:
        """The `auth.token` block for RegistryServer.start(token=...)."""
        return {"realm": self.realm, "service": self.service, "issuer": self.issuer,
                "rootcertbundle": self.ca.cert_path}

    # -- tokens -------------------------------------------------------------
    def make_token(self, subject: str, scopes, expired: bool = False, push: bool = False) -> str:
        """A signed token for scopes ("repository:<name>:<actions>"). Clients get
        pull at most; push=True (for the test's own uploads) grants what is asked."""
        now = int(time.time())
        access = []
        if self.grant == "requested" or push:
            for s in scopes:
                parts = s.split(":")
                if len(parts) >= 3:
                    access.append({"type": parts[0], "name": ":".join(parts[1:-1]),
                                   "actions": [a for a in parts[-1].split(",") if push or a == "pull"]})
        claims = {"iss": self.issuer, "sub": subject, "aud": self.service,
                  "exp": now - 3600 if expired else now + self.expires_in,
                  "nbf": now - 7200 if expired else now - 10, "iat": now - 7200 if expired else now,
                  "jti": uuid.uuid4().hex, "access": access}
        der = self.cert.public_bytes(serialization.Encoding.DER)
        header = {"typ": "JWT", "alg": self.alg, "x5c": [base64.b64encode(der).decode()]}
        signing_input = (_b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         _b64url(json.dumps(claims, separators=(",", ":")).encode())).encode()
        if self.alg == "RS256":
            sig = self.key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        else:
            r, s = decode_dss_signature(self.key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return signing_input.decode() + "." + _b64url(sig)

    def token_requests(self):
        with self._lock:
            return list(self.requests)

    # -- server -------------------------------------------------------------
    def start(self):
        issuer = self

        class Handler(_Handler):
            srv = issuer

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        if self.tls:
            cert, key, _, _ = self.ca.issue("token-server", server=True)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            self._httpd.socket = ctx.wrap_socket(self._httpd.socket, server_side=True)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="token-issuer", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None


class _Handler(http.server.BaseHTTPRequestHandler):
    srv: TokenIssuer = None
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _send(self, status: int, body: dict, extra=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _deny(self, status: int = 401, code: str = "UNAUTHORIZED", message: str = "authentication required"):
        self._send(status, {"errors": [{"code": code, "message": message}]},
                   {"WWW-Authenticate": 'Basic realm="ferry-token-issuer"'} if status == 401 else None)

    def _issue(self, subject: str, scopes, refresh: bool):
        srv = self.srv
        with srv._lock:
            expired = srv.expired > 0
            if expired:
                srv.expired -= 1
        token = srv.make_token(subject, scopes, expired=expired)
        body = {"expires_in": srv.expires_in,
                "issued_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
        if refresh:
            body["access_token"] = token
        else:
            body["token"] = token
        self._send(200, body)

    def _record(self, method, query, form=None):
        with self.srv._lock:
            self.srv.requests.append({"method": method, "path": self.path.split("?")[0], "query": query,
                                      "authorization": "Authorization" in self.headers,
                                      "user_agent": self.headers.get("User-Agent"), "form": form})

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(u.query)
        self._record("GET", query)
        if u.path != "/token":
            return self._deny(404, "NOT_FOUND", "no such endpoint")
        if query.get("service", [None])[0] != self.srv.service:
            return self._deny(400, "INVALID_REQUEST", "unknown service")
        auth = self.headers.get("Authorization", "")
        subject = None
        if auth.startswith("Basic "):
            try:
                user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                return self._deny()
            if self.srv.users.get(user) != pw:
                return self._deny()
            subject = user
        elif self.srv.anonymous:
            subject = "anonymous"
        else:
            return self._deny()
        self._issue(subject, query.get("scope", []), refresh=False)

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(n).decode()) if n else {}
        self._record("POST", {}, {k: v[0] for k, v in form.items() if k != "refresh_token"})
        if u.path != "/token" or not self.srv.oauth_post:
            return self._deny(404, "NOT_FOUND", "no such endpoint")
        if form.get("grant_type", [None])[0] != "refresh_token":
            return self._deny(400, "UNSUPPORTED", "unsupported grant_type")
        user = self.srv.refresh_tokens.get(form.get("refresh_token", [None])[0])
        if not user:
            return self._deny(401, "UNAUTHORIZED", "invalid refresh token")
        self._issue(user, form.get("scope", [""])[0].split(), refresh=True)
