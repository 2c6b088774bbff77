"""Credentials and transport settings against real registries: TLS with a CA
from spec.certSecretRef (added to the system store), htpasswd Basic auth from
a dockerconfigjson Secret, client certificates (mTLS), the distribution token
flow against docker-registry `auth: token` with a real token issuer, identity
tokens, proxySecretRef, and the provider check. Credentials never show up in
what ferry prints."""
import pytest

from registry_fixtures import *  # noqa: F401,F403


@pytest.fixture
def tls_basic(registry_factory, test_ca, htpasswd_file):
    srv = tls_registry(registry_factory, test_ca, htpasswd=htpasswd_file)
    api = srv.api(username=USER, password=PASSWORD, cafile=test_ca.cert_path)
    digest, _ = push_simple(api, "org/app", "v1")
    return srv, digest


def test_tls_ca_from_cert_secret_and_basic_auth(tls_basic, test_ca, probe, tmp_path):
    srv, digest = tls_basic
    url = srv.oci_url("org/app")
    creds = {srv.host: (USER, PASSWORD)}
    res = probe.run(url, ["resolve", "v1"], ["pull", "v1", str(tmp_path / "l")], insecure=False, auth=creds,
                    tls={"ca.crt": test_ca.cert_path})
    assert res.ok, res
    assert res.out[0]["digest"] == digest
    assert (tmp_path / "l").read_bytes() == LAYER
    assert PASSWORD not in res.stdout + res.stderr

    # without the CA the system store alone does not trust the registry
    res = probe.run(url, ["resolve", "v1"], insecure=False, auth=creds)
    assert res.error["error"].startswith(f"HEAD https://{srv.host}/v2/org/app/manifests/v1: SSL certificate problem")
    assert res.error["transient"] is False

    # the CA is added to the system store, not put in its place: a bundle
    # holding a system root first and the test CA after it still works
    with open(test_ca.cert_path, "rb") as f:
        ca = f.read()
    res = probe.run(url, ["resolve", "v1"], insecure=False, auth=creds, tls={"caFile": ca})
    assert res.ok, res
    assert "key 'caFile' is deprecated, use 'ca.crt'" in res.stderr


def test_basic_auth_failures_name_the_problem(tls_basic, test_ca, probe):
    srv, _ = tls_basic
    url = srv.oci_url("org/app")
    tls = {"ca.crt": test_ca.cert_path}
    res = probe.run(url, ["tags"], insecure=False, tls=tls)
    assert res.error["error"] == (f"GET https://{srv.host}/v2/org/app/tags/list: UNAUTHORIZED: "
                                  "authentication required")
    assert res.error["http_status"] == 401
    res = probe.run(url, ["tags"], insecure=False, tls=tls, auth={srv.host: (USER, "wrong-password")})
    assert res.error["error"] == (f"GET https://{srv.host}/v2/org/app/tags/list: UNAUTHORIZED: "
                                  "authentication required")
    assert "wrong-password" not in res.stdout + res.stderr
    # an auths entry for another port does not apply (Kubernetes keyring rules)
    host_only = srv.host.split(":")[0]
    res = probe.run(url, ["tags"], insecure=False, tls=tls, auth={host_only: (USER, PASSWORD)})
    assert res.error["http_status"] == 401
    # the usual spellings of the same registry do
    for key in (f"https://{srv.host}", f"https://{srv.host}/v1/", f"{srv.host}/v2/", f"http://{srv.host}/org"):
        res = probe.run(url, ["tags"], insecure=False, tls=tls, auth={key: (USER, PASSWORD)})
        assert res.ok, (key, res)
    # malformed Secrets are AuthenticationFailed with the Secret named
    res = probe.run(url, ["tags"], insecure=False, tls=tls, auth=b'{"auths":{"%s":{"auth":"%%%%%%"}}}' % srv.host.encode())
    assert res.error["reason"] == "AuthenticationFailed"
    assert res.error["error"].startswith("failed to get credential: secret 'default/regcred': .dockerconfigjson: ")


def test_mutual_tls(registry_factory, test_ca, probe, tmp_path):
    srv = tls_registry(registry_factory, test_ca, client_cas=[test_ca.cert_path])
    cert, key, _, _ = test_ca.issue("ferry-client", client=True)
    api = srv.api(cafile=test_ca.cert_path, certfile=cert, keyfile=key)
    digest, _ = push_simple(api, "app", "v1")
    url = srv.oci_url("app")
    res = probe.run(url, ["resolve", "v1"], insecure=False,
                    tls={"ca.crt": test_ca.cert_path, "tls.crt": cert, "tls.key": key})
    assert res.ok, res
    assert res.out[0]["digest"] == digest
    res = probe.run(url, ["resolve", "v1"], insecure=False,
                    tls={"caFile": test_ca.cert_path, "certFile": cert, "keyFile": key})
    assert res.ok, res
    res = probe.run(url, ["resolve", "v1"], insecure=False, tls={"ca.crt": test_ca.cert_path})
    assert res.error["error"].startswith(f"HEAD https://{srv.host}/v2/app/manifests/v1: ")
    # a half key pair or a key of another certificate is refused before any request
    res = probe.run(url, ["resolve", "v1"], insecure=False, tls={"ca.crt": test_ca.cert_path, "tls.crt": cert})
    assert res.error["reason"] == "AuthenticationFailed"
    assert res.error["error"] == (f"failed to generate transport for '{url}': secret 'default/tls': found "
                                  "'tls.crt' but not 'tls.key': a client certificate needs both")
    for kind in ("ec256", "rsa2048"):
        kind_cert, _, _, _ = test_ca.issue(f"client-{kind}", client=True, key_kind=kind)
        _, other_key, _, _ = test_ca.issue(f"someone-else-{kind}", client=True, key_kind=kind)
        res = probe.run(url, ["resolve", "v1"], insecure=False,
                        tls={"ca.crt": test_ca.cert_path, "tls.crt": kind_cert, "tls.key": other_key})
        assert res.error["error"] == (f"failed to generate transport for '{url}': secret 'default/tls': failed "
                                      "to parse TLS certificate and key: private key in 'tls.key' does not match "
                                      "the public key in 'tls.crt'")
    rsa_cert, rsa_key, _, _ = test_ca.issue("client-rsa", client=True, key_kind="rsa2048")
    res = probe.run(url, ["resolve", "v1"], insecure=False,
                    tls={"ca.crt": test_ca.cert_path, "tls.crt": rsa_cert, "tls.key": rsa_key})
    assert res.ok, res


@pytest.fixture
def token_world(registry_factory, test_ca, tmp_path):
    iss = tokenissuer.TokenIssuer(test_ca, str(tmp_path / "issuer"), users={USER: PASSWORD},
                                  refresh_tokens={"refresh-token-1": USER}).start()
    srv = registry_factory(token=iss.registry_config())
    yield iss, srv
    iss.stop()


def push_with_token(iss, srv, repo="app", tag="v1"):
    """Upload with a push token signed by the issuer's key (clients only ever get pull)."""
    api = srv.api()
    api._token = "Bearer " + iss.make_token("pusher", [f"repository:{repo}:pull,push"], push=True)
    return push_simple(api, repo, tag)


def test_token_auth_with_basic_credentials_reuses_the_token(token_world, probe, tmp_path):
    iss, srv = token_world
    digest, manifest = push_with_token(iss, srv)
    layer = manifest["layers"][0]
    iss.requests.clear()
    res = probe.run(srv.oci_url("app"), ["resolve", "v1"], ["manifest", digest], ["tags"],
                    ["blob", layer["digest"], layer["size"], str(tmp_path / "b")], auth={srv.host: (USER, PASSWORD)})
    assert res.ok, res
    assert (tmp_path / "b").read_bytes() == LAYER
    reqs = iss.token_requests()
    assert len(reqs) == 1, reqs
    assert reqs[0]["method"] == "GET"
    assert reqs[0]["authorization"] is True
    assert reqs[0]["query"]["scope"] == ["repository:app:pull"]
    assert reqs[0]["query"]["service"] == [iss.service]
    assert reqs[0]["user_agent"].startswith("ferry/")
    assert PASSWORD not in res.stdout + res.stderr


def test_token_auth_failures(token_world, probe):
    iss, srv = token_world
    push_with_token(iss, srv)
    url = srv.oci_url("app")
    # anonymous: the issuer refuses
    res = probe.run(url, ["tags"])
    assert res.error["error"] == (
        f"failed to get an anonymous token (no credentials for {srv.host} in spec.secretRef): "
        f"GET {iss.realm}?service={iss.service}&scope=repository%3Aapp%3Apull: UNAUTHORIZED: authentication required")
    # wrong password
    res = probe.run(url, ["tags"], auth={srv.host: (USER, "not-the-password")})
    assert res.error["error"].startswith(f"failed to get a token: GET {iss.realm}?service=")
    assert "UNAUTHORIZED" in res.error["error"]
    assert "not-the-password" not in res.stdout + res.stderr
    # a token without the scope: the registry still says no, after one fresh token
    iss.grant = "none"
    iss.requests.clear()
    res = probe.run(url, ["tags"], auth={srv.host: (USER, PASSWORD)})
    assert res.error["http_status"] == 401
    assert res.error["error"].startswith(f"GET http://{srv.host}/v2/app/tags/list: UNAUTHORIZED: ")
    assert len(iss.token_requests()) == 2   # a token, one fresh one, then the 401 stands
    iss.grant = "requested"


def test_expired_token_is_refreshed_once(token_world, probe):
    iss, srv = token_world
    digest, _ = push_with_token(iss, srv)
    url = srv.oci_url("app")
    iss.requests.clear()
    iss.expired = 1
    res = probe.run(url, ["resolve", "v1"], auth={srv.host: (USER, PASSWORD)})
    assert res.ok, res
    assert res.out[0]["digest"] == digest
    assert len(iss.token_requests()) == 2

    iss.requests.clear()
    iss.expired = 100
    res = probe.run(url, ["tags"], auth={srv.host: (USER, PASSWORD)})
    assert res.error["http_status"] == 401
    assert len(iss.token_requests()) == 2   # one token, one refresh, then it gives up
    iss.expired = 0


def test_identity_token_uses_the_oauth2_grant(token_world, probe):
    iss, srv = token_world
    digest, _ = push_with_token(iss, srv)
    url = srv.oci_url("app")
    iss.requests.clear()
    res = probe.run(url, ["resolve", "v1"], auth={srv.host: {"identitytoken": "refresh-token-1"}})
    assert res.ok, res
    reqs = iss.token_requests()
    assert [r["method"] for r in reqs] == ["POST"]
    assert reqs[0]["form"] == {"grant_type": "refresh_token", "service": iss.service,
                               "scope": "repository:app:pull", "client_id": "ferry"}
    # a token server without the OAuth2 endpoint: Basic credentials over GET
    iss.oauth_post = False
    iss.requests.clear()
    res = probe.run(url, ["resolve", "v1"], auth={srv.host: {"identitytoken": "refresh-token-1",
                                                             "username": USER, "password": PASSWORD}})
    assert res.ok, res
    assert [r["method"] for r in iss.token_requests()] == ["POST", "GET"]
    assert "refresh-token-1" not in res.stdout + res.stderr


def test_es256_tokens(registry_factory, test_ca, probe, tmp_path):
    iss = tokenissuer.TokenIssuer(test_ca, str(tmp_path / "es"), users={USER: PASSWORD}, key_kind="ec256").start()
    try:
        assert iss.alg == "ES256"
        srv = registry_factory(token=iss.registry_config())
        digest, _ = push_with_token(iss, srv)
        res = probe.run(srv.oci_url("app"), ["resolve", "v1"], auth={srv.host: (USER, PASSWORD)})
        assert res.ok, res
        assert res.out[0]["digest"] == digest
    finally:
        iss.stop()


def test_proxy_secret_overrides_the_environment(registry, probe):
    digest, _ = push_simple(registry.api(), "app", "v1")
    fwd = faultproxy.FaultProxy(registry.base_url, forward_proxy=True, proxy_auth=("proxy-user", "proxy-pw")).start()
    try:
        proxy = {"address": fwd.base_url, "username": "proxy-user", "password": "proxy-pw"}
        env = {"http_proxy": "http://127.0.0.1:9", "no_proxy": "127.0.0.1"}
        res = probe.run(registry.oci_url("app"), ["resolve", "v1"], proxy=proxy, env=env)
        assert res.ok, res
        assert res.out[0]["digest"] == digest
        assert [r["method"] for r in fwd.proxied] == ["HEAD"]
        assert fwd.proxied[0]["path"] == f"http://{registry.host}/v2/app/manifests/v1"
        assert "proxy-pw" not in res.stdout + res.stderr

        res = probe.run(registry.oci_url("app"), ["resolve", "v1"], proxy=dict(proxy, password="nope"))
        assert res.error["http_status"] == 407
        # without proxySecretRef libcurl honours the environment
        fwd.proxied.clear()
        fwd.proxy_auth = None
        res = probe.run(registry.oci_url("app"), ["resolve", "v1"], env={"http_proxy": fwd.base_url})
        assert res.ok, res
        assert len(fwd.proxied) == 1
        res = probe.run(registry.oci_url("app"), ["resolve", "v1"], proxy={"address": "ftp://x"})
        assert res.error["reason"] == "AuthenticationFailed"
        assert res.error["error"] == ("failed to get proxy address: secret 'default/proxy': proxy 'address' must "
                                      "start with http://, https:// or socks5://")
    finally:
        fwd.stop()


def test_cloud_provider_registries_are_refused_others_pull(registry, probe):
    res = probe.run("oci://123456789012.dkr.ecr.us-east-1.amazonaws.com/app", ["resolve", "v1"], provider="aws")
    assert res.error["reason"] == "AuthenticationFailed"
    assert res.error["error"] == ("failed to get credential from 'aws': provider 'aws' is not available on this "
                                  "host: ferry supports only 'generic' (registry credentials from spec.secretRef)")
    # Flux asks a provider only for its own registries: elsewhere the field has no effect
    digest, _ = push_simple(registry.api(), "app", "v1")
    res = probe.run(registry.oci_url("app"), ["resolve", "v1"], provider="azure")
    assert res.ok, res
    assert res.out[0]["digest"] == digest
    assert f"spec.provider 'azure' has no effect: {registry.host} is not a registry of that provider" in res.stderr


class _TokenRealmWorld:
    """A registry (GET /v2/app/tags/list wants a bearer token) whose token realm
    on the same origin answers the OAuth2 POST with a 307 to `target(port)`,
    and a second origin that records whatever reaches it."""

    def __init__(self):
        import http.server
        import threading
        outer = self
        self.requests = []          # (origin, method, path, body)
        self.redirect_to = None     # "same" or "other"
        self.token_body = b'{"token":"granted","expires_in":300}'

        def handler(name):
            class H(http.server.BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"

                def log_message(self, *a):
                    pass

                def _reply(self, status, body=b"", headers=()):
                    self.send_response(status)
                    for k, v in headers:
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

                def _serve(self):
                    n = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(n) if n else b""
                    outer.requests.append((name, self.command, self.path, body))
                    token = outer.token_body
                    if name == "other" or self.path == "/token2":
                        return self._reply(200, token, [("Content-Type", "application/json")])
                    if self.path.startswith("/token?"):
                        return self._reply(200, token, [("Content-Type", "application/json")])
                    if self.path == "/token" and self.command == "POST":
                        port = outer.registry.server_address[1] if outer.redirect_to == "same" else \
                            outer.other.server_address[1]
                        return self._reply(307, headers=[("Location", f"http://127.0.0.1:{port}/token2")])
                    if self.path.startswith("/v2/app/tags/list"):
                        if self.headers.get("Authorization") == "Bearer granted":
                            return self._reply(200, b'{"name":"app","tags":["v1"]}',
                                               [("Content-Type", "application/json")])
                        realm = f"http://127.0.0.1:{outer.registry.server_address[1]}/token"
                        return self._reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', [
                            ("Content-Type", "application/json"),
                            ("WWW-Authenticate",
                             f'Bearer realm="{realm}",service="svc",scope="repository:app:pull"')])
                    return self._reply(404)

                do_GET = do_POST = _serve
            return H

        self.registry = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler("registry"))
        self.other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler("other"))
        for srv in (self.registry, self.other):
            threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.host = f"127.0.0.1:{self.registry.server_address[1]}"

    def stop(self):
        for srv in (self.registry, self.other):
            srv.shutdown()
            srv.server_close()


def test_refresh_token_form_is_not_repeated_to_another_origin(probe):
    world = _TokenRealmWorld()
    try:
        auth = {world.host: {"identitytoken": "refresh-token-1"}}
        # a 307 within the realm's origin repeats the POST there
        world.redirect_to = "same"
        res = probe.run(f"oci://{world.host}/app", ["tags"], auth=auth)
        assert res.ok, res
        assert [(r[0], r[1], r[2]) for r in world.requests if r[2].startswith("/token")] == [
            ("registry", "POST", "/token"), ("registry", "POST", "/token2")]
        assert b"refresh_token=refresh-token-1" in world.requests[-2][3]

        # a 307 to another origin would repeat the refresh token there: refused
        world.requests.clear()
        world.redirect_to = "other"
        res = probe.run(f"oci://{world.host}/app", ["tags"], auth=auth)
        other = world.other.server_address[1]
        assert res.error["error"] == (
            f"failed to get a token: POST http://{world.host}/token: redirect to http://127.0.0.1:{other}/token2 "
            "refused: the form holds credentials and is not sent to another origin")
        assert not [r for r in world.requests if r[0] == "other"]
        assert "refresh-token-1" not in res.stdout + res.stderr
    finally:
        world.stop()


def test_garbled_token_response_is_not_quoted(probe):
    world = _TokenRealmWorld()
    try:
        for body in (b'{"token":"bearersecretvalue', b'{"token" "bearersecretvalue"}', b'{"token":bearersecretvalue}'):
            world.token_body = body
            res = probe.run(f"oci://{world.host}/app", ["tags"])
            assert res.error["error"].startswith(
                "failed to get an anonymous token (no credentials for %s in spec.secretRef): GET http://%s/token?"
                % (world.host, world.host)), res.error
            assert ": the response is not valid JSON (line 1, column " in res.error["error"], res.error
            assert "bearersecret" not in res.stdout + res.stderr
    finally:
        world.stop()
