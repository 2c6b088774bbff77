"""Shared fixtures for ferry's integration tests.

- `registry`: a real Debian docker-registry on a free loopback port, with its own
  storage directory, optionally with TLS, client-certificate auth, htpasswd basic
  auth or token auth (`RegistryServer.start(...)` options).
- `ferry`: a scratch config dir and state dir plus helpers to run the built
  `ferryd --once` / `ferryctl` binaries and read status files.

Binaries are taken from $FERRY_BUILD_DIR (scripts/check sets it), else the
repository root.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOLS = os.path.join(REPO_ROOT, "tests", "tools")
sys.path.insert(0, TOOLS)

import ociutil  # noqa: E402

BUILD_DIR = os.environ.get("FERRY_BUILD_DIR", REPO_ROOT)
SHARED_DIR = os.environ.get("FERRY_SHARED_DIR", os.path.join(REPO_ROOT, "..", "shared"))
REGISTRY_BIN = shutil.which("docker-registry") or "/usr/bin/docker-registry"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RegistryServer:
    """One docker-registry process. Call start() with the features a test needs."""

    def __init__(self, workdir: str):
        self.workdir = workdir
        self.proc = None
        self.port = None
        self.scheme = "http"
        self.client = None
        self.log_path = os.path.join(workdir, "registry.log")

    def start(self, tls_cert=None, tls_key=None, client_cas=None, htpasswd=None,
              token=None, extra_yaml=""):
        """token: dict(realm=, service=, issuer=, rootcertbundle=)."""
        os.makedirs(os.path.join(self.workdir, "data"), exist_ok=True)
        for attempt in range(5):
            self.port = free_port()
            lines = [
                "version: 0.1",
                "log:",
                "  level: warn",
                "  accesslog:",
                "    disabled: true",
                "storage:",
                "  filesystem:",
                f"    rootdirectory: {self.workdir}/data",
                "  delete:",
                "    enabled: true",
                "http:",
                f"  addr: 127.0.0.1:{self.port}",
                "  secret: ferry-test-secret",
            ]
            if tls_cert:
                self.scheme = "https"
                lines += ["  tls:", f"    certificate: {tls_cert}", f"    key: {tls_key}"]
                if client_cas:
                    lines += ["    clientcas:"] + [f"      - {c}" for c in client_cas]
            if htpasswd:
                lines += ["auth:", "  htpasswd:", "    realm: ferry-test", f"    path: {htpasswd}"]
            elif token:
                lines += ["auth:", "  token:"] + [f"    {k}: {v}" for k, v in token.items()]
            config = os.path.join(self.workdir, "config.yml")
            with open(config, "w") as f:
                f.write("\n".join(lines) + "\n" + textwrap.dedent(extra_yaml))
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen([REGISTRY_BIN, "serve", config], stdout=log, stderr=log,
                                         start_new_session=True)
            try:
                self._wait_up(tls_cert, client_cas)
                return self
            except RuntimeError:
                self.stop()
                if attempt == 4:
                    raise
        return self

    def _wait_up(self, tls_cert, client_cas):
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("docker-registry exited: " + open(self.log_path).read()[-2000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("docker-registry did not listen on port %d" % self.port)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def oci_url(self, repo: str) -> str:
        return f"oci://{self.host}/{repo}"

    def api(self, **kw) -> ociutil.Registry:
        return ociutil.Registry(self.base_url, **kw)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None


@pytest.fixture
def registry_factory(tmp_path):
    servers = []

    def make(**kw):
        d = tmp_path / f"registry{len(servers)}"
        d.mkdir()
        srv = RegistryServer(str(d)).start(**kw)
        servers.append(srv)
        return srv

    yield make
    for s in servers:
        s.stop()


@pytest.fixture
def registry(registry_factory):
    """A plain-HTTP registry on loopback; its client is registry.api()."""
    return registry_factory()


class Ferry:
    """A scratch ferry installation: config dir, state dir, binaries."""

    def __init__(self, root: str):
        self.root = root
        self.config_dir = os.path.join(root, "etc")
        self.state_dir = os.path.join(root, "state")
        os.makedirs(self.config_dir, mode=0o750)
        self.ferryd = os.path.join(BUILD_DIR, "ferryd")
        self.ferryctl = os.path.join(BUILD_DIR, "ferryctl")

    def write(self, name: str, text: str, mode: int = 0o640) -> str:
        path = os.path.join(self.config_dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        os.chmod(path, mode)
        return path

    def remove(self, name: str):
        os.unlink(os.path.join(self.config_dir, name))

    def source(self, name: str, url: str, namespace: str = "default", interval: str = "5m",
               extra_spec: str = "", api_version: str = "source.toolkit.fluxcd.io/v1",
               file: str = None) -> str:
        spec = textwrap.indent(textwrap.dedent(extra_spec).strip("\n"), "  ")
        text = (f"apiVersion: {api_version}\nkind: OCIRepository\nmetadata:\n"
                f"  name: {name}\n  namespace: {namespace}\nspec:\n  interval: {interval}\n"
                f"  url: {url}\n" + (spec + "\n" if spec.strip() else ""))
        return self.write(file or f"{namespace}-{name}.yaml", text)

    def run_once(self, *args, timeout: float = 120, env=None, check_exit=None):
        cmd = [self.ferryd, "--config-dir", self.config_dir, "--state-dir", self.state_dir,
               "--once", *args]
        full_env = dict(os.environ)
        full_env.update(env or {})
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env)
        if check_exit is not None:
            assert p.returncode == check_exit, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
        return p

    def ctl(self, *args, timeout: float = 60, env=None):
        cmd = [self.ferryctl, "--state-dir", self.state_dir, *args]
        full_env = dict(os.environ)
        full_env.update(env or {})
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env)

    def status(self, name: str, namespace: str = "default") -> dict:
        with open(os.path.join(self.state_dir, "status", namespace, name + ".json")) as f:
            return json.load(f)

    def condition(self, name: str, ctype: str, namespace: str = "default"):
        for c in self.status(name, namespace).get("status", {}).get("conditions", []):
            if c["type"] == ctype:
                return c
        return None

    def artifact_dir(self, name: str, namespace: str = "default") -> str:
        return os.path.join(self.state_dir, "artifacts", namespace, name)

    def current(self, name: str, namespace: str = "default") -> str:
        """Resolved path of the `current` symlink (None if absent)."""
        link = os.path.join(self.artifact_dir(name, namespace), "current")
        if not os.path.lexists(link):
            return None
        return os.path.realpath(link)

    def read_current(self, name: str, rel: str, namespace: str = "default") -> bytes:
        with open(os.path.join(self.current(name, namespace), rel), "rb") as f:
            return f.read()


@pytest.fixture
def ferry(tmp_path):
    root = tmp_path / "ferry"
    root.mkdir()
    f = Ferry(str(root))
    if not os.access(f.ferryd, os.X_OK):
        pytest.fail(f"ferryd not built at {f.ferryd} (set FERRY_BUILD_DIR)")
    return f


@pytest.fixture
def shared_dir():
    vectors = os.path.join(SHARED_DIR, "vectors", "notation")
    if not os.path.isdir(vectors):
        pytest.skip(f"shared vectors not found at {vectors}")
    return SHARED_DIR
