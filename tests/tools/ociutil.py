"""ociutil - publish artifacts to a registry over the OCI distribution HTTP API.

Test-only helper used by the integration tests and scripts/demo. It talks to a
real registry (Debian's docker-registry) with nothing but the standard library:
monolithic blob uploads, manifest PUTs, tags, and Flux-format artifacts
(`flux push artifact` layout: config application/vnd.cncf.flux.config.v1+json,
one application/vnd.cncf.flux.content.v1.tar+gzip layer, OCI annotations).
"""
import base64
import gzip
import hashlib
import io
import json
import os
import ssl
import tarfile
import time
import urllib.error
import urllib.request

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
FLUX_CONFIG = "application/vnd.cncf.flux.config.v1+json"
FLUX_CONTENT = "application/vnd.cncf.flux.content.v1.tar+gzip"


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(media_type: str, data: bytes, **extra) -> dict:
    d = {"mediaType": media_type, "digest": sha256_digest(data), "size": len(data)}
    d.update(extra)
    return d


def make_tar(files: dict, gz: bool = True, mode: int = 0o644) -> bytes:
    """Build a tar (gzip'd by default) from {path: bytes | None(dir)}, Flux-style
    headers (uid/gid 0, zero mtime), entries in sorted order."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(files):
            content = files[path]
            info = tarfile.TarInfo(path)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 0
            if content is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            else:
                info.mode = mode
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    data = raw.getvalue()
    if not gz:
        return data
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as g:
        g.write(data)
    return out.getvalue()


class Registry:
    """A client for one registry base URL, e.g. http://127.0.0.1:5000."""

    def __init__(self, base_url: str, username: str = None, password: str = None,
                 cafile: str = None, certfile: str = None, keyfile: str = None):
        self.base_url = base_url.rstrip("/")
        self.username = username
        self.password = password
        self.ctx = None
        if base_url.startswith("https"):
            self.ctx = ssl.create_default_context(cafile=cafile)
            if certfile:
                self.ctx.load_cert_chain(certfile, keyfile)
        self._token = None

    @property
    def host(self) -> str:
        return self.base_url.split("://", 1)[1]

    def _auth_header(self, challenge: str):
        if challenge.lower().startswith("basic"):
            cred = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            return "Basic " + cred
        if challenge.lower().startswith("bearer"):
            params = {}
            for part in challenge[len("bearer "):].split(","):
                k, _, v = part.strip().partition("=")
                params[k] = v.strip('"')
            scope = params.get("scope", "")
            q = f"{params['realm']}?service={params.get('service', '')}"
            if scope:
                q += "&scope=" + urllib.request.quote(scope)
            req = urllib.request.Request(q)
            if self.username:
                cred = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
                req.add_header("Authorization", "Basic " + cred)
            with urllib.request.urlopen(req, context=self.ctx) as r:
                tok = json.loads(r.read())
            return "Bearer " + (tok.get("token") or tok.get("access_token"))
        raise RuntimeError("unsupported challenge " + challenge)

    def request(self, method: str, path: str, data: bytes = None, headers: dict = None,
                ok=(200, 201, 202, 204)):
        url = path if path.startswith("http") else self.base_url + path
        hdrs = dict(headers or {})
        for attempt in range(2):
            req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
            if self._token:
                req.add_header("Authorization", self._token)
            try:
                with urllib.request.urlopen(req, context=self.ctx) as r:
                    return r.status, dict(r.headers), r.read()
            except urllib.error.HTTPError as e:
                body = e.read()
                if e.code == 401 and attempt == 0 and (self.username or "Bearer" in e.headers.get("WWW-Authenticate", "")):
                    self._token = self._auth_header(e.headers.get("WWW-Authenticate", ""))
                    continue
                if e.code in ok:
                    return e.code, dict(e.headers), body
                raise RuntimeError(f"{method} {url}: {e.code} {body[:300]!r}") from None
        raise RuntimeError(f"{method} {url}: authentication failed")

    def push_blob(self, repo: str, data: bytes) -> str:
        digest = sha256_digest(data)
        status, _, _ = self.request("HEAD", f"/v2/{repo}/blobs/{digest}", ok=(200, 404))
        if status == 200:
            return digest
        _, hdrs, _ = self.request("POST", f"/v2/{repo}/blobs/uploads/")
        location = hdrs.get("Location") or hdrs.get("location")
        if location.startswith("/"):
            location = self.base_url + location
        sep = "&" if "?" in location else "?"
        self.request("PUT", f"{location}{sep}digest={digest}", data=data,
                     headers={"Content-Type": "application/octet-stream"})
        return digest

    def push_manifest(self, repo: str, ref: str, manifest, media_type: str = None) -> str:
        body = manifest if isinstance(manifest, bytes) else json.dumps(manifest, separators=(",", ":")).encode()
        if media_type is None:
            media_type = json.loads(body).get("mediaType", OCI_MANIFEST)
        self.request("PUT", f"/v2/{repo}/manifests/{ref}", data=body,
                     headers={"Content-Type": media_type})
        return sha256_digest(body)

    def get_manifest(self, repo: str, ref: str, accept: str = OCI_MANIFEST):
        _, hdrs, body = self.request("GET", f"/v2/{repo}/manifests/{ref}",
                                     headers={"Accept": accept})
        return hdrs, body

    def tags(self, repo: str):
        _, _, body = self.request("GET", f"/v2/{repo}/tags/list")
        return json.loads(body).get("tags") or []

    def push_artifact(self, repo: str, tag: str, layer: bytes,
                      layer_media_type: str = FLUX_CONTENT, annotations: dict = None,
                      config: bytes = None, config_media_type: str = FLUX_CONFIG,
                      extra_layers=(), manifest_media_type: str = OCI_MANIFEST):
        """Push a Flux-format artifact; returns (manifest digest, manifest bytes)."""
        if config is None:
            config = json.dumps({"created": "2026-01-01T00:00:00Z",
                                 "rootfs": {"type": "layers", "diff_ids": []}}).encode()
        self.push_blob(repo, config)
        layers = []
        for data, mt in ((layer, layer_media_type), *extra_layers):
            self.push_blob(repo, data)
            layers.append(descriptor(mt, data))
        manifest = {"schemaVersion": 2, "mediaType": manifest_media_type,
                    "config": descriptor(config_media_type, config), "layers": layers}
        if annotations is None:
            annotations = {
                "org.opencontainers.image.created": "2026-01-01T00:00:00Z",
                "org.opencontainers.image.source": "https://example.org/ferry/app",
                "org.opencontainers.image.revision": "main@sha1:0123456789abcdef0123456789abcdef01234567",
            }
        if annotations:
            manifest["annotations"] = annotations
        body = json.dumps(manifest, separators=(",", ":")).encode()
        digest = self.push_manifest(repo, tag if tag else sha256_digest(body), body, manifest_media_type)
        return digest, body

    def push_dir_artifact(self, repo: str, tag: str, files: dict, **kw):
        return self.push_artifact(repo, tag, make_tar(files), **kw)


def wait_for_registry(base_url: str, timeout: float = 10.0, ctx=None):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base_url.rstrip("/") + "/v2/", timeout=1, context=ctx)
            return
        except urllib.error.HTTPError:
            return  # 401 etc: it is up
        except Exception as e:  # noqa: BLE001 - connection refused while starting
            last = e
            time.sleep(0.05)
    raise RuntimeError(f"registry at {base_url} did not come up: {last}")


if __name__ == "__main__":
    import argparse
    p = argparse.ArgumentParser(description="push a directory as a Flux-format OCI artifact")
    p.add_argument("--registry", required=True, help="base URL, e.g. http://127.0.0.1:5000")
    p.add_argument("--repo", required=True)
    p.add_argument("--tag", required=True)
    p.add_argument("dir")
    a = p.parse_args()
    files = {}
    for root, dirs, names in os.walk(a.dir):
        for n in names:
            full = os.path.join(root, n)
            with open(full, "rb") as f:
                files[os.path.relpath(full, a.dir)] = f.read()
    d, _ = Registry(a.registry).push_dir_artifact(a.repo, a.tag, files)
    print(d)
