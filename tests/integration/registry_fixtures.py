"""Fixtures and helpers for the registry client's integration tests.

Import into a test module with `from registry_fixtures import *`. Builds on
conftest.py (`registry`, `registry_factory`) and the tools under tests/tools:
ociprobe (runs the client), tlsutil (a test CA), tokenissuer (distribution
token server), faultproxy (fault injection, redirects, forward proxy).
"""
import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))

import faultproxy  # noqa: E402
import ociprobe  # noqa: E402
import ociutil  # noqa: E402
import tlsutil  # noqa: E402
import tokenissuer  # noqa: E402

BUILD_DIR = os.environ.get("FERRY_BUILD_DIR",
                           os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

__all__ = ["probe", "test_ca", "fault_proxy", "htpasswd_file", "push_simple", "push_platform_index",
           "faultproxy", "ociprobe", "ociutil", "tlsutil", "tokenissuer", "BUILD_DIR", "USER", "PASSWORD",
           "LAYER", "tls_registry"]

USER = "ferry-user"
PASSWORD = "s3cret-Pa55word"
LAYER = ociutil.make_tar({"hello.txt": b"hello from ferry\n"})


@pytest.fixture
def probe(tmp_path):
    p = ociprobe.Probe(BUILD_DIR, str(tmp_path))
    if not p.available():
        pytest.fail(f"{p.binary} not built (run `make check` in the build dir, set FERRY_BUILD_DIR)")
    return p


@pytest.fixture
def test_ca(tmp_path):
    return tlsutil.CA(str(tmp_path / "ca"))


@pytest.fixture
def fault_proxy(registry):
    """A fault proxy in front of the plain `registry`; stopped after the test."""
    p = faultproxy.FaultProxy(registry.base_url).start()
    yield p
    p.stop()


@pytest.fixture
def htpasswd_file(tmp_path):
    path = str(tmp_path / "htpasswd")
    subprocess.run(["htpasswd", "-Bbc", path, USER, PASSWORD], check=True, capture_output=True)
    return path


def tls_registry(registry_factory, ca, **kw):
    """A docker-registry on https with a server certificate from ca."""
    cert, key, _, _ = ca.issue("registry", server=True)
    return registry_factory(tls_cert=cert, tls_key=key, **kw)


def push_simple(reg: ociutil.Registry, repo: str, tag: str, layer: bytes = LAYER):
    digest, body = reg.push_artifact(repo, tag, layer)
    return digest, json.loads(body)


def push_platform_index(reg: ociutil.Registry, repo: str, tag: str, platforms):
    """An OCI index with one single-layer manifest per (os, arch, variant);
    returns (index digest, {platform string: layer bytes})."""
    entries, layers = [], {}
    for os_, arch, variant in platforms:
        name = "/".join(p for p in (os_, arch, variant) if p)
        layer = ociutil.make_tar({"platform.txt": name.encode()})
        digest, body = reg.push_artifact(repo, None, layer)
        platform = {"os": os_, "architecture": arch}
        if variant:
            platform["variant"] = variant
        entries.append({"mediaType": ociutil.OCI_MANIFEST, "digest": digest, "size": len(body),
                        "platform": platform})
        layers[name] = layer
    index = {"schemaVersion": 2, "mediaType": ociutil.OCI_INDEX, "manifests": entries}
    return reg.push_manifest(repo, tag, index, ociutil.OCI_INDEX), layers
