"""The registry client against a real docker-registry: resolve (HEAD, GET
fallback), manifests and blobs checked against their digests, tag pagination,
image indexes and the host platform, referrers (API and tag schema), and the
error texts a user sees."""
import hashlib
import json
import os
import platform

import pytest

from registry_fixtures import *  # noqa: F401,F403

SIG = "application/vnd.cncf.notary.signature"


def host_platform():
    m = platform.machine()
    return {"x86_64": ("linux", "amd64", None), "aarch64": ("linux", "arm64", "v8"),
            "armv7l": ("linux", "arm", "v7")}.get(m)


def test_resolve_fetch_and_list(registry, fault_proxy, probe, tmp_path):
    reg = registry.api()
    digest, manifest = push_simple(reg, "org/app", "v1.0.0")
    push_simple(reg, "org/app", "v1.1.0", ociutil.make_tar({"x": b"2"}))
    layer = manifest["layers"][0]
    out = str(tmp_path / "layer")
    res = probe.run(fault_proxy.oci_url("org/app"), ["resolve", "v1.0.0"], ["manifest", digest],
                    ["blob", layer["digest"], layer["size"], out], ["tags"])
    assert res.ok, res
    assert res.out[0] == {"digest": digest, "mediaType": ociutil.OCI_MANIFEST,
                          "size": len(json.dumps(manifest, separators=(",", ":")))}
    assert res.out[1]["contentType"] == ociutil.OCI_MANIFEST
    assert ociutil.sha256_digest(res.out[1]["body"].encode()) == digest
    with open(out, "rb") as f:
        assert f.read() == LAYER
    assert sorted(res.out[3]["tags"]) == ["v1.0.0", "v1.1.0"]
    # one HEAD resolves the tag; the Accept list names manifests and indexes of both families
    heads = fault_proxy.matching(r"^HEAD /v2/org/app/manifests/v1.0.0$")
    assert len(heads) == 1
    assert not fault_proxy.matching(r"^GET /v2/org/app/manifests/v1.0.0$")
    accept = heads[0]["headers"]["Accept"]
    for mt in (ociutil.OCI_MANIFEST, ociutil.OCI_INDEX, ociutil.DOCKER_MANIFEST,
               "application/vnd.docker.distribution.manifest.list.v2+json"):
        assert mt in accept
    assert heads[0]["headers"]["User-Agent"].startswith("ferry/")
    blob_get = fault_proxy.matching(r"^GET /v2/org/app/blobs/")[0]
    assert "Accept-Encoding" not in blob_get["headers"]


def test_resolve_by_get_when_head_has_no_digest(registry, fault_proxy, probe):
    digest, _ = push_simple(registry.api(), "app", "latest")
    fault_proxy.add("strip_header", path=r"/manifests/latest$", method="HEAD", name="Docker-Content-Digest")
    res = probe.run(fault_proxy.oci_url("app"), ["resolve", "latest"])
    assert res.ok, res
    assert res.out[0]["digest"] == digest
    assert len(fault_proxy.matching(r"^GET /v2/app/manifests/latest$")) == 1


def test_missing_tag_and_repository_messages(registry, probe):
    push_simple(registry.api(), "app", "v1")
    res = probe.run(registry.oci_url("app"), ["resolve", "nope"])
    assert res.error["error"] == f"GET http://{registry.host}/v2/app/manifests/nope: MANIFEST_UNKNOWN: manifest unknown"
    assert res.error["http_status"] == 404
    assert res.error["transient"] is False
    res = probe.run(registry.oci_url("missing/repo"), ["tags"])
    assert res.error["error"] == (f"GET http://{registry.host}/v2/missing/repo/tags/list: NAME_UNKNOWN: "
                                  "repository name not known to registry")
    res = probe.run(registry.oci_url("app"), ["resolve", "bad:tag"])
    assert "invalid reference 'bad:tag'" in res.error["error"]


def test_plain_http_registry_needs_insecure(registry, probe):
    push_simple(registry.api(), "app", "v1")
    res = probe.run(registry.oci_url("app"), ["resolve", "v1"], insecure=False)
    assert res.error["error"].startswith(f"HEAD https://{registry.host}/v2/app/manifests/v1: ")
    assert "spec.insecure" in res.error["error"]
    assert res.error["transient"] is False


def test_digest_mismatch_is_refused(registry, fault_proxy, probe, tmp_path):
    reg = registry.api()
    digest, manifest = push_simple(reg, "app", "v1")
    layer = manifest["layers"][0]
    forged = json.dumps({"schemaVersion": 2, "mediaType": ociutil.OCI_MANIFEST, "config": manifest["config"],
                         "layers": []}).encode()
    fault_proxy.add("status", path=r"/manifests/sha256:", times=None, status=200,
                    headers={"Content-Type": ociutil.OCI_MANIFEST}, body=forged)
    res = probe.run(fault_proxy.oci_url("app"), ["manifest", digest])
    assert res.error["error"] == (f"GET http://{fault_proxy.host}/v2/app/manifests/{digest}: manifest digest "
                                  f"mismatch: the body hashes to {ociutil.sha256_digest(forged)}")
    fault_proxy.clear()
    evil = bytes(b ^ 0xFF for b in LAYER)
    fault_proxy.add("status", path=r"/blobs/", times=None, status=200, body=evil)
    res = probe.run(fault_proxy.oci_url("app"), ["blob", layer["digest"], layer["size"], str(tmp_path / "b")])
    assert res.error["error"] == (f"GET http://{fault_proxy.host}/v2/app/blobs/{layer['digest']}: digest mismatch: "
                                  f"the {len(LAYER)} bytes received hash to sha256:{hashlib.sha256(evil).hexdigest()}")
    # a blob longer than its descriptor is cut off at the descriptor size
    fault_proxy.clear()
    fault_proxy.add("status", path=r"/blobs/", times=None, status=200, body=LAYER + b"trailing")
    res = probe.run(fault_proxy.oci_url("app"), ["blob", layer["digest"], layer["size"], str(tmp_path / "b")])
    assert "response body exceeds the limit of %d bytes" % layer["size"] in res.error["error"]
    # memory blobs have a ceiling of their own
    res = probe.run(registry.oci_url("app"), ["blob-mem", layer["digest"], layer["size"], 10])
    assert res.error["error"] == f"blob {layer['digest']} of {layer['size']} bytes exceeds the limit of 10 bytes"


def test_tag_list_pagination(registry, fault_proxy, probe):
    reg = registry.api()
    tags = ["1.0.0", "1.1.0", "1.2.0-rc.1", "2.0.0", "v2.1.0"]
    for t in tags:
        push_simple(reg, "app", t)
    fault_proxy.add("paginate_tags", path=r"/tags/list", times=None, page_size=2)
    res = probe.run(fault_proxy.oci_url("app"), ["tags"])
    assert res.ok, res
    assert sorted(res.out[0]["tags"]) == sorted(tags)
    pages = fault_proxy.matching(r"^GET /v2/app/tags/list")
    assert len(pages) == 3
    assert "last=" in pages[1]["path"] and "last=" in pages[2]["path"]


@pytest.mark.skipif(host_platform() is None, reason="no test mapping for this machine")
def test_index_selects_host_platform(registry, probe, tmp_path):
    reg = registry.api()
    os_, arch, variant = host_platform()
    other = ("linux", "s390x", None) if arch != "s390x" else ("linux", "ppc64le", None)
    _, layers = push_platform_index(reg, "multi", "v1", [other, (os_, arch, variant)])
    out = str(tmp_path / "layer")
    res = probe.run(registry.oci_url("multi"), ["pull", "v1", out])
    assert res.ok, res
    assert res.out[0]["platform"] == f"{os_}/{arch}"
    assert res.out[0]["resolved"]["mediaType"] == ociutil.OCI_INDEX
    want = "/".join(p for p in (os_, arch, variant) if p)
    with open(out, "rb") as f:
        assert f.read() == layers[want]

    push_platform_index(reg, "multi", "foreign", [("linux", "mips64", None), ("windows", "amd64", None)])
    res = probe.run(registry.oci_url("multi"), ["pull", "foreign", out])
    host = "/".join(p for p in (os_, arch, variant) if p)
    assert res.error["error"] == (f"no manifest for platform {host} in the image index; it offers: "
                                  "linux/mips64, windows/amd64")


def push_referrer(reg, repo, subject_digest, subject_size, artifact_type, data=b"sig"):
    reg.push_blob(repo, b"{}")
    reg.push_blob(repo, data)
    m = {"schemaVersion": 2, "mediaType": ociutil.OCI_MANIFEST, "artifactType": artifact_type,
         "config": {"mediaType": ociutil.OCI_EMPTY, "digest": ociutil.sha256_digest(b"{}"), "size": 2},
         "layers": [ociutil.descriptor("application/jose+json", data)],
         "subject": {"mediaType": ociutil.OCI_MANIFEST, "digest": subject_digest, "size": subject_size}}
    body = json.dumps(m, separators=(",", ":")).encode()
    return reg.push_manifest(repo, ociutil.sha256_digest(body), body), len(body)


def test_referrers_api_filters_and_pages(registry, probe):
    import referrers_server
    srv = referrers_server.ReferrersServer(registry.base_url, page_size=1, filter_artifact_type=False).start()
    try:
        reg = ociutil.Registry(srv.base_url)
        subject, body = push_simple(reg, "app", "v1")
        size = len(json.dumps(body, separators=(",", ":")))
        s1, _ = push_referrer(reg, "app", subject, size, SIG, b"one")
        push_referrer(reg, "app", subject, size, "application/spdx+json", b"sbom")
        s2, _ = push_referrer(reg, "app", subject, size, SIG, b"two")
        res = probe.run(f"oci://{srv.host}/app", ["referrers", subject, SIG], ["referrers", subject])
        assert res.ok, res
        assert [d["digest"] for d in res.out[0]["referrers"]] == [s1, s2]
        assert all(d["artifactType"] == SIG for d in res.out[0]["referrers"])
        assert len(res.out[1]["referrers"]) == 3
        gets = srv.requests_matching(r"^GET /v2/app/referrers/")
        assert "artifactType=application%2Fvnd.cncf.notary.signature" in gets[0][1]
        assert len(gets) == 6  # three one-entry pages, twice
        assert not srv.requests_matching(r"/manifests/sha256-")
    finally:
        srv.stop()


def test_referrers_tag_schema_fallback(registry, fault_proxy, probe):
    reg = registry.api()
    subject, body = push_simple(reg, "app", "v1")
    hexd = subject.split(":")[1]
    res = probe.run(fault_proxy.oci_url("app"), ["referrers", subject, SIG])
    assert res.ok, res
    assert res.out[0]["referrers"] == []
    assert fault_proxy.matching(rf"^GET /v2/app/referrers/{subject}\?artifactType=")
    assert fault_proxy.matching(rf"^GET /v2/app/manifests/sha256-{hexd}$")

    size = len(json.dumps(body, separators=(",", ":")))
    s1, n1 = push_referrer(reg, "app", subject, size, SIG)
    s2, n2 = push_referrer(reg, "app", subject, size, "application/spdx+json", b"sbom")
    index = {"schemaVersion": 2, "mediaType": ociutil.OCI_INDEX, "manifests": [
        {"mediaType": ociutil.OCI_MANIFEST, "digest": s2, "size": n2, "artifactType": "application/spdx+json"},
        {"mediaType": ociutil.OCI_MANIFEST, "digest": s1, "size": n1, "artifactType": SIG}]}
    reg.push_manifest("app", f"sha256-{hexd}", index, ociutil.OCI_INDEX)
    res = probe.run(registry.oci_url("app"), ["referrers", subject, SIG])
    assert res.ok, res
    assert res.out[0]["referrers"] == [{"mediaType": ociutil.OCI_MANIFEST, "digest": s1, "size": n1,
                                        "artifactType": SIG}]

    # a 404 naming the repository unknown is an error, not "no API"
    fault_proxy.add("status", path=r"/referrers/", status=404, headers={"Content-Type": "application/json"},
                    body='{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}')
    res = probe.run(fault_proxy.oci_url("app"), ["referrers", subject, SIG])
    assert res.error["error"] == (f"GET http://{fault_proxy.host}/v2/app/referrers/{subject}?artifactType="
                                  "application%2Fvnd.cncf.notary.signature: NAME_UNKNOWN: repository name not "
                                  "known to registry")
