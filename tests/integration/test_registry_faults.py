"""Transient failures between ferry and the registry, injected by
tests/tools/faultproxy.py: retries with backoff for 5xx, 429 + Retry-After,
truncated and stalled bodies, deadlines from spec.timeout, and blob
redirects to another origin that must not receive the registry credentials."""
import base64

from registry_fixtures import *  # noqa: F401,F403


def layer_of(manifest):
    return manifest["layers"][0]


def test_503_then_success(registry, fault_proxy, probe):
    digest, _ = push_simple(registry.api(), "app", "v1")
    fault_proxy.add("status", path=r"/manifests/v1$", method="HEAD", times=2, status=503)
    res = probe.run(fault_proxy.oci_url("app"), ["resolve", "v1"])
    assert res.ok, res
    assert res.out[0]["digest"] == digest
    assert len(fault_proxy.matching(r"^HEAD /v2/app/manifests/v1$")) == 3


def test_503_forever_gives_up_after_the_retry_budget(registry, fault_proxy, probe):
    push_simple(registry.api(), "app", "v1")
    fault_proxy.add("status", path=r"/tags/list", times=None, status=503,
                    headers={"Content-Type": "application/json"},
                    body='{"errors":[{"code":"UNAVAILABLE","message":"service unavailable"}]}')
    res = probe.run(fault_proxy.oci_url("app"), ["tags"])
    assert res.error["error"] == f"GET {fault_proxy.base_url}/v2/app/tags/list: UNAVAILABLE: service unavailable"
    assert res.error["http_status"] == 503
    assert res.error["transient"] is True
    assert len(fault_proxy.matching(r"^GET /v2/app/tags/list")) == 4   # LIMIT_RETRY_ATTEMPTS


def test_429_honours_retry_after(registry, fault_proxy, probe):
    push_simple(registry.api(), "app", "v1")
    fault_proxy.add("status", path=r"/tags/list", times=1, status=429, headers={"Retry-After": "2"})
    res = probe.run(fault_proxy.oci_url("app"), ["tags"])
    assert res.ok, res
    assert res.out[0]["tags"] == ["v1"]
    assert 2.0 <= res.elapsed < 10


def test_401_and_404_are_not_retried(registry, fault_proxy, probe):
    push_simple(registry.api(), "app", "v1")
    fault_proxy.add("status", path=r"/tags/list", times=None, status=403,
                    body='{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}')
    res = probe.run(fault_proxy.oci_url("app"), ["tags"])
    assert res.error["error"].endswith("/v2/app/tags/list: DENIED: requested access to the resource is denied")
    assert res.error["transient"] is False
    assert len(fault_proxy.matching(r"^GET /v2/app/tags/list")) == 1


def test_truncated_blob_is_downloaded_again(registry, fault_proxy, probe, tmp_path):
    _, manifest = push_simple(registry.api(), "app", "v1")
    layer = layer_of(manifest)
    out = tmp_path / "blob"
    fault_proxy.add("truncate", path=r"/blobs/", method="GET", times=1, keep=10)
    res = probe.run(fault_proxy.oci_url("app"), ["blob", layer["digest"], layer["size"], str(out)])
    assert res.ok, res
    assert out.read_bytes() == LAYER
    assert len(fault_proxy.matching(r"^GET /v2/app/blobs/")) == 2

    fault_proxy.clear()
    fault_proxy.add("truncate", path=r"/blobs/", method="GET", times=None, keep=10)
    res = probe.run(fault_proxy.oci_url("app"), ["blob", layer["digest"], layer["size"], str(out)])
    assert res.error["transient"] is True
    assert res.error["error"].startswith(f"GET {fault_proxy.base_url}/v2/app/blobs/{layer['digest']}: ")
    assert len(fault_proxy.matching(r"^GET /v2/app/blobs/")) == 4


def test_stalled_blob_download_is_cut_at_the_timeout_and_retried(registry, fault_proxy, probe, tmp_path):
    _, manifest = push_simple(registry.api(), "app", "v1")
    layer = layer_of(manifest)
    out = tmp_path / "blob"
    fault_proxy.add("stall", path=r"/blobs/", method="GET", times=1, keep=5, seconds=30)
    res = probe.run(fault_proxy.oci_url("app"), ["blob", layer["digest"], layer["size"], str(out)],
                    timeout_ms=1000)
    assert res.ok, res
    assert out.read_bytes() == LAYER
    assert res.elapsed < 10

    fault_proxy.clear()
    fault_proxy.add("stall", path=r"/blobs/", method="GET", times=None, keep=5, seconds=30)
    res = probe.run(fault_proxy.oci_url("app"), ["blob", layer["digest"], layer["size"], str(out)],
                    timeout_ms=1000)
    assert res.error["error"] == (f"GET {fault_proxy.base_url}/v2/app/blobs/{layer['digest']}: download stalled: "
                                  "no data for 1s (spec.timeout)")
    assert res.error["transient"] is True


def test_small_requests_have_a_total_deadline(registry, fault_proxy, probe):
    push_simple(registry.api(), "app", "v1")
    fault_proxy.add("stall", path=r"/tags/list", times=None, keep=3, seconds=30)
    res = probe.run(fault_proxy.oci_url("app"), ["tags"], timeout_ms=1500)
    assert res.error["error"].startswith(f"GET {fault_proxy.base_url}/v2/app/tags/list: timeout: no complete "
                                         "response within 1.5s (spec.timeout)")
    assert res.elapsed < 5
    assert len(fault_proxy.matching(r"^GET /v2/app/tags/list")) == 1


def test_blob_redirect_to_another_origin_gets_no_credentials(registry_factory, htpasswd_file, probe, tmp_path):
    reg_srv = registry_factory(htpasswd=htpasswd_file)
    api = reg_srv.api(username=USER, password=PASSWORD)
    _, manifest = push_simple(api, "app", "v1")
    layer = layer_of(manifest)
    basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    proxy = faultproxy.FaultProxy(reg_srv.base_url, cdn_upstream_auth=basic).start()
    try:
        proxy.add("redirect", path=r"/blobs/", method="GET", times=None)
        out = tmp_path / "blob"
        res = probe.run(proxy.oci_url("app"), ["resolve", "v1"], ["blob", layer["digest"], layer["size"], str(out)],
                        auth={proxy.host: (USER, PASSWORD)})
        assert res.ok, res
        assert out.read_bytes() == LAYER
        at_registry = proxy.matching(r"^GET /v2/app/blobs/")
        assert at_registry and all(r["headers"].get("Authorization") == basic for r in at_registry)
        at_cdn = proxy.matching(r"^GET /v2/app/blobs/", proxy.cdn_requests)
        assert len(at_cdn) == 1
        assert not any(k.lower() in ("authorization", "cookie") for k in at_cdn[0]["headers"])
        assert PASSWORD not in res.stdout + res.stderr
    finally:
        proxy.stop()


class _Redirector:
    """An https server that answers every request with a redirect."""

    def __init__(self, ca, target):
        import http.server
        import ssl
        import threading
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _go(self):
                outer.hits += 1
                self.send_response(307)
                self.send_header("Location", outer.target(self.path))
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_HEAD = _go

        self.hits = 0
        self.target = target
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        cert, key, _, _ = ca.issue("redirector", server=True)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_redirects_stay_on_https_and_are_bounded(registry, test_ca, probe):
    push_simple(registry.api(), "app", "v1")
    down = _Redirector(test_ca, lambda path: f"{registry.base_url}{path}")
    loop = _Redirector(test_ca, lambda path: f"https://127.0.0.1:{loop.port}{path}")
    try:
        res = probe.run(f"oci://127.0.0.1:{down.port}/app", ["tags"], insecure=False,
                        tls={"ca.crt": test_ca.cert_path})
        assert res.error["error"] == (f"GET https://127.0.0.1:{down.port}/v2/app/tags/list: redirect to "
                                      f"{registry.base_url}/v2/app/tags/list refused: only https:// is allowed")
        res = probe.run(f"oci://127.0.0.1:{loop.port}/app", ["tags"], insecure=False,
                        tls={"ca.crt": test_ca.cert_path})
        assert res.error["error"] == f"GET https://127.0.0.1:{loop.port}/v2/app/tags/list: stopped after 10 redirects"
        assert loop.hits == 11
    finally:
        down.stop()
        loop.stop()
