"""ociprobe - run ferry's registry client (tests/tools/oci-probe) from Python.

The integration tests start a registry (and a token issuer or fault proxy)
and then drive the client through this program, one client per run, so a
test sees exactly what ferry's worker would: descriptors, bytes, and the
error text, reason, HTTP status and transient flag of a failure.

    p = ociprobe.Probe(build_dir, tmpdir)
    res = p.run("oci://127.0.0.1:5000/app", ["resolve", "v1"], ["tags"], insecure=True,
                auth={"127.0.0.1:5000": ("alice", "pw")}, timeout_ms=2000)
    res.ok, res.out (list of JSON objects), res.error (dict or None), res.stderr
"""
import base64
import json
import os
import subprocess
import time


class Result:
    def __init__(self, proc, elapsed):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.elapsed = elapsed
        self.out = [json.loads(line) for line in proc.stdout.splitlines() if line.strip().startswith("{")]
        self.error = self.out[-1] if self.out and "error" in self.out[-1] else None
        self.ok = self.rc == 0 and self.error is None

    def __repr__(self):
        return f"<probe rc={self.rc} out={self.out} stderr={self.stderr[-2000:]!r}>"


def dockerconfigjson(entries: dict) -> bytes:
    """{key: (user, password) | dict} -> .dockerconfigjson bytes."""
    auths = {}
    for key, v in entries.items():
        if isinstance(v, tuple):
            auths[key] = {"auth": base64.b64encode(f"{v[0]}:{v[1]}".encode()).decode()}
        else:
            auths[key] = v
    return json.dumps({"auths": auths}).encode()


class Probe:
    def __init__(self, build_dir: str, tmpdir: str):
        self.binary = os.environ.get("FERRY_OCI_LIVE") or os.path.join(build_dir, "tests", "tools", "oci-probe")
        self.tmpdir = tmpdir
        self._n = 0

    def available(self) -> bool:
        return os.access(self.binary, os.X_OK)

    def _file(self, name: str, data: bytes) -> str:
        self._n += 1
        path = os.path.join(self.tmpdir, f"probe-{self._n}-{name}")
        with open(path, "wb") as f:
            f.write(data)
        return path

    def run(self, url: str, *commands, insecure: bool = True, timeout_ms: int = None, auth=None,
            auth_type: str = "kubernetes.io/dockerconfigjson", auth_key: str = ".dockerconfigjson",
            tls: dict = None, proxy: dict = None, provider: str = None, env: dict = None,
            wall_timeout: float = 120) -> Result:
        """auth: dict for dockerconfigjson() or raw bytes; tls: {key: path or bytes}; proxy: {key: value}."""
        args = [self.binary, "--url", url]
        if insecure:
            args.append("--insecure")
        if timeout_ms is not None:
            args += ["--timeout", str(timeout_ms)]
        if provider:
            args += ["--provider", provider]
        if auth is not None:
            data = auth if isinstance(auth, bytes) else dockerconfigjson(auth)
            args += ["--auth", auth_type, auth_key, self._file("auth", data)]
        for key, value in (tls or {}).items():
            path = self._file(key, value) if isinstance(value, bytes) else value
            args += ["--tls", key, path]
        for key, value in (proxy or {}).items():
            args += ["--proxy", key, value]
        for i, cmd in enumerate(commands):
            if i:
                args.append("+")
            args += [str(c) for c in cmd]
        full_env = dict(os.environ)
        for k in ("http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
            full_env.pop(k, None)
        full_env.update(env or {})
        start = time.monotonic()
        proc = subprocess.run(args, capture_output=True, text=True, timeout=wall_timeout, env=full_env)
        return Result(proc, time.monotonic() - start)
