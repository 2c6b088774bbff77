"""ferryd --once against a real docker-registry: pull by digest and tag, atomic
promotion, Flux status, and failures that keep the previous artifact."""
import glob
import gzip
import io
import json
import os
import tarfile

import ociutil


def publish(registry, repo, tag, files, **kw):
    api = registry.api()
    digest, body = api.push_dir_artifact(repo, tag, files, **kw)
    return digest, body


def ready(ferry, name, ns="default"):
    return ferry.condition(name, "Ready", ns)


def blob_path(registry, digest):
    hexd = digest.split(":", 1)[1]
    return os.path.join(registry.workdir, "data", "docker", "registry", "v2", "blobs", "sha256",
                        hexd[:2], hexd, "data")


def test_tag_ref_pulls_extracts_and_reports_ready(registry, ferry):
    digest, _ = publish(registry, "apps/web", "v1", {"index.html": b"<h1>v1</h1>\n", "conf": None,
                                                     "conf/app.conf": b"port=80\n"})
    ferry.source("web", registry.oci_url("apps/web"), extra_spec="insecure: true\nref:\n  tag: v1")
    p = ferry.run_once(check_exit=0)
    rev = f"v1@{digest}"
    st = ferry.status("web")
    assert st["kind"] == "OCIRepository"
    assert st["metadata"]["generation"] == 1
    assert st["status"]["observedGeneration"] == 1
    c = ready(ferry, "web")
    assert (c["status"], c["reason"], c["message"]) == ("True", "Succeeded", f"stored artifact for digest '{rev}'")
    stored = ferry.condition("web", "ArtifactInStorage")
    assert stored["status"] == "True" and stored["message"] == f"stored artifact for digest '{rev}'"
    assert ferry.condition("web", "Reconciling") is None
    art = st["status"]["artifact"]
    assert art["revision"] == rev
    assert art["metadata"]["org.opencontainers.image.source"] == "https://example.org/ferry/app"
    assert os.path.realpath(art["path"]) == ferry.current("web")
    assert ferry.read_current("web", "index.html") == b"<h1>v1</h1>\n"
    assert ferry.read_current("web", "conf/app.conf") == b"port=80\n"
    assert os.path.basename(ferry.current("web")) == digest.split(":")[1]
    assert "stored artifact with revision" in p.stderr
    # get shows it
    out = ferry.ctl("get").stdout
    assert "web" in out and "True" in out and "v1@sha256:" + digest[7:15] in out


def test_digest_ref_revision_has_no_tag(registry, ferry):
    digest, _ = publish(registry, "apps/web", "v1", {"a.txt": b"a"})
    ferry.source("web", registry.oci_url("apps/web"), extra_spec=f"insecure: true\nref:\n  digest: {digest}")
    ferry.run_once(check_exit=0)
    assert ferry.status("web")["status"]["artifact"]["revision"] == digest
    assert ready(ferry, "web")["message"] == f"stored artifact for digest '{digest}'"


def test_default_tag_is_latest(registry, ferry):
    digest, _ = publish(registry, "apps/web", "latest", {"a.txt": b"a"})
    ferry.source("web", registry.oci_url("apps/web"), extra_spec="insecure: true")
    ferry.run_once(check_exit=0)
    assert ferry.status("web")["status"]["artifact"]["revision"] == f"latest@{digest}"


def test_unchanged_digest_is_not_downloaded_again(registry, ferry):
    publish(registry, "apps/web", "v1", {"a.txt": b"a"})
    ferry.source("web", registry.oci_url("apps/web"), extra_spec="insecure: true\nref:\n  tag: v1")
    ferry.run_once(check_exit=0)
    first = ferry.status("web")["status"]
    inode = os.stat(ferry.current("web")).st_ino
    ferry.run_once(check_exit=0)
    second = ferry.status("web")["status"]
    assert os.stat(ferry.current("web")).st_ino == inode
    assert second["artifact"]["lastUpdateTime"] == first["artifact"]["lastUpdateTime"]
    # lastTransitionTime of an unchanged condition is preserved
    t1 = {c["type"]: c["lastTransitionTime"] for c in first["conditions"]}
    t2 = {c["type"]: c["lastTransitionTime"] for c in second["conditions"]}
    assert t1 == t2


def test_tag_moved_to_new_digest_swaps_current_and_keeps_previous(registry, ferry):
    d1, _ = publish(registry, "apps/web", "stable", {"v.txt": b"one"})
    ferry.source("web", registry.oci_url("apps/web"), extra_spec="insecure: true\nref:\n  tag: stable")
    ferry.run_once(check_exit=0)
    d2, _ = publish(registry, "apps/web", "stable", {"v.txt": b"two"})
    ferry.run_once(check_exit=0)
    assert ferry.read_current("web", "v.txt") == b"two"
    assert ferry.status("web")["status"]["artifact"]["revision"] == f"stable@{d2}"
    entries = sorted(os.listdir(ferry.artifact_dir("web")))
    assert entries == sorted([d1[7:], d2[7:], "current"])
    d3, _ = publish(registry, "apps/web", "stable", {"v.txt": b"three"})
    ferry.run_once(check_exit=0)
    entries = sorted(os.listdir(ferry.artifact_dir("web")))
    assert entries == sorted([d2[7:], d3[7:], "current"]), "only current and previous are kept"


def test_missing_tag_fails_and_keeps_previous_artifact(registry, ferry):
    digest, _ = publish(registry, "apps/web", "v1", {"a.txt": b"a"})
    ferry.source("web", registry.oci_url("apps/web"), extra_spec="insecure: true\nref:\n  tag: v1")
    ferry.run_once(check_exit=0)
    before = ferry.current("web")
    ferry.source("web", registry.oci_url("apps/web"), extra_spec="insecure: true\nref:\n  tag: v2")
    ferry.run_once(check_exit=1)
    st = ferry.status("web")
    assert st["metadata"]["generation"] == 2
    assert st["status"]["observedGeneration"] == 1, "a plain error does not observe the new generation"
    c = ready(ferry, "web")
    assert c["status"] == "False" and c["reason"] == "OCIArtifactPullFailed"
    assert c["message"].startswith("failed to determine artifact digest: ")
    assert "MANIFEST_UNKNOWN" in c["message"] and "/v2/apps/web/manifests/v2" in c["message"]
    fetch = ferry.condition("web", "FetchFailed")
    assert fetch["status"] == "True" and fetch["message"] == c["message"]
    rec = ferry.condition("web", "Reconciling")
    assert rec["reason"] == "ProgressingWithRetry"
    assert ferry.current("web") == before
    assert ferry.read_current("web", "a.txt") == b"a"
    assert st["status"]["artifact"]["revision"] == f"v1@{digest}"


def test_wrong_blob_digest_served_is_rejected(registry, ferry):
    digest, body = publish(registry, "apps/web", "v1", {"a.txt": b"good"})
    ferry.source("web", registry.oci_url("apps/web"), extra_spec="insecure: true\nref:\n  tag: v1")
    ferry.run_once(check_exit=0)
    before = ferry.current("web")
    # publish v2 and then corrupt its layer inside the registry's storage
    d2, body2 = publish(registry, "apps/web", "v1", {"a.txt": b"evil"})
    layer = json.loads(body2)["layers"][0]["digest"]
    path = blob_path(registry, layer)
    data = bytearray(open(path, "rb").read())
    data[-5] ^= 0xFF
    open(path, "wb").write(bytes(data))
    ferry.run_once(check_exit=1)
    c = ready(ferry, "web")
    assert c["reason"] == "OCIArtifactPullFailed"
    assert c["message"].startswith(f"failed to pull artifact from '{registry.oci_url('apps/web')}': ")
    assert "digest" in c["message"]
    assert ferry.current("web") == before
    assert ferry.read_current("web", "a.txt") == b"good"
    assert os.listdir(os.path.join(ferry.state_dir, "tmp")) == []


def test_wrong_manifest_digest_served_is_rejected(registry, ferry):
    digest, body = publish(registry, "apps/web", "v1", {"a.txt": b"a"})
    path = blob_path(registry, digest)
    m = json.loads(open(path, "rb").read())
    m["annotations"]["org.opencontainers.image.source"] = "https://evil.example"
    open(path, "wb").write(json.dumps(m).encode())
    ferry.source("web", registry.oci_url("apps/web"), extra_spec=f"insecure: true\nref:\n  digest: {digest}")
    ferry.run_once(check_exit=1)
    c = ready(ferry, "web")
    assert c["status"] == "False"
    assert "digest" in c["message"]
    assert ferry.current("web") is None


def hostile_layer(kind):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("ok.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"ok"))
        if kind == "traversal":
            info = tarfile.TarInfo("../../escape.txt")
            info.size = 4
            tar.addfile(info, io.BytesIO(b"evil"))
        elif kind == "device":
            info = tarfile.TarInfo("dev/null")
            info.type = tarfile.CHRTYPE
            info.devmajor, info.devminor = 1, 3
            tar.addfile(info)
        elif kind == "hardlink":
            info = tarfile.TarInfo("link")
            info.type = tarfile.LNKTYPE
            info.linkname = "ok.txt"
            tar.addfile(info)
    return gzip.compress(raw.getvalue(), mtime=0)


def test_hostile_layers_fail_without_touching_anything(registry, ferry, tmp_path):
    publish(registry, "apps/web", "v1", {"a.txt": b"good"})
    ferry.source("web", registry.oci_url("apps/web"), extra_spec="insecure: true\nref:\n  tag: v1")
    ferry.run_once(check_exit=0)
    before = ferry.current("web")
    for kind, text in (("traversal", "escape"), ("device", "character device"), ("hardlink", "link")):
        registry.api().push_artifact("apps/web", "v1", hostile_layer(kind))
        ferry.run_once(check_exit=1)
        c = ready(ferry, "web")
        assert c["reason"] == "OCIArtifactLayerOperationFailed", (kind, c)
        assert c["message"].startswith("failed to extract layer contents from artifact: "), c["message"]
        assert text in c["message"], (kind, c["message"])
        assert ferry.current("web") == before
        assert ferry.read_current("web", "a.txt") == b"good"
        assert os.listdir(os.path.join(ferry.state_dir, "tmp")) == []
    assert not glob.glob(os.path.join(ferry.root, "**", "escape.txt"), recursive=True)
    assert not os.path.exists(os.path.join(ferry.state_dir, "escape.txt"))


def test_symlinks_are_skipped_with_a_warning(registry, ferry):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("real.txt")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"real"))
        info = tarfile.TarInfo("passwd")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tar.addfile(info)
    registry.api().push_artifact("apps/web", "v1", gzip.compress(raw.getvalue()))
    ferry.source("web", registry.oci_url("apps/web"), extra_spec="insecure: true\nref:\n  tag: v1")
    p = ferry.run_once(check_exit=0)
    assert ferry.read_current("web", "real.txt") == b"real"
    assert not os.path.lexists(os.path.join(ferry.current("web"), "passwd"))
    assert "symlink" in p.stderr and "passwd" in p.stderr


def test_copy_operation_stores_the_raw_blob(registry, ferry):
    layer = b"raw config bytes\n"
    digest, body = registry.api().push_artifact("apps/cfg", "v1", layer,
                                                layer_media_type="application/vnd.example.config.v1")
    ferry.source("cfg", registry.oci_url("apps/cfg"),
                 extra_spec="insecure: true\nref:\n  tag: v1\nlayerSelector:\n"
                            "  mediaType: application/vnd.example.config.v1\n  operation: copy")
    ferry.run_once(check_exit=0)
    cur = ferry.current("cfg")
    assert cur.endswith(digest[7:] + ".blob")
    assert open(cur, "rb").read() == layer
    st = ferry.status("cfg")["status"]
    assert st["artifact"]["digest"] == ociutil.sha256_digest(layer)
    assert st["artifact"]["size"] == len(layer)
    assert st["observedLayerSelector"] == {"mediaType": "application/vnd.example.config.v1", "operation": "copy"}


def test_layer_selector_not_found(registry, ferry):
    publish(registry, "apps/web", "v1", {"a.txt": b"a"})
    ferry.source("web", registry.oci_url("apps/web"),
                 extra_spec="insecure: true\nref:\n  tag: v1\nlayerSelector:\n  mediaType: application/x-missing")
    ferry.run_once(check_exit=1)
    c = ready(ferry, "web")
    assert c["reason"] == "OCIArtifactLayerOperationFailed"
    assert c["message"] == "failed to find layer with media type 'application/x-missing' in artifact"


def test_unreachable_registry(ferry):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there
    ferry.source("web", f"oci://127.0.0.1:{port}/apps/web", extra_spec="insecure: true\ntimeout: 5s")
    ferry.run_once(check_exit=1)
    c = ready(ferry, "web")
    assert c["status"] == "False" and c["reason"] == "OCIArtifactPullFailed"
    assert c["message"].startswith("failed to determine artifact digest: ")
    assert f"127.0.0.1:{port}" in c["message"]
    assert ferry.current("web") is None


def test_invalid_url_is_stalled(ferry):
    ferry.source("web", "oci://registry.example/apps/web:v1")
    ferry.run_once(check_exit=1)
    c = ready(ferry, "web")
    assert c["status"] == "False" and c["reason"] == "URLInvalid"
    assert c["message"].startswith("URL validation failed for 'oci://registry.example/apps/web:v1': ")
    stalled = ferry.condition("web", "Stalled")
    assert stalled["status"] == "True" and stalled["reason"] == "URLInvalid"
    assert ferry.status("web")["status"]["observedGeneration"] == 1


def test_invalid_spec_is_reported_and_other_sources_still_run(registry, ferry):
    publish(registry, "apps/web", "v1", {"a.txt": b"a"})
    ferry.source("good", registry.oci_url("apps/web"), extra_spec="insecure: true\nref:\n  tag: v1")
    ferry.source("bad", registry.oci_url("apps/web"), interval="5 minutes")
    p = ferry.run_once(check_exit=1)
    assert ready(ferry, "good")["status"] == "True"
    c = ready(ferry, "bad")
    assert c["status"] == "False" and c["reason"] == "InvalidSpec"
    assert 'spec.interval: "5 minutes" is not a duration' in c["message"]
    assert "default-bad.yaml:" in c["message"]
    assert 'spec.interval' in p.stderr


def test_spec_change_bumps_generation_and_rebuilds_with_ignore(registry, ferry):
    publish(registry, "apps/web", "v1", {"a.txt": b"a", "notes.md": b"# notes"})
    ferry.source("web", registry.oci_url("apps/web"), extra_spec="insecure: true\nref:\n  tag: v1")
    ferry.run_once(check_exit=0)
    assert os.path.exists(os.path.join(ferry.current("web"), "notes.md"))
    ferry.source("web", registry.oci_url("apps/web"),
                 extra_spec="insecure: true\nref:\n  tag: v1\nignore: |\n  *.md\n")
    ferry.run_once(check_exit=0)
    st = ferry.status("web")
    assert st["metadata"]["generation"] == 2 and st["status"]["observedGeneration"] == 2
    assert st["status"]["observedIgnore"] == "*.md\n"
    assert not os.path.exists(os.path.join(ferry.current("web"), "notes.md"))
    assert ferry.read_current("web", "a.txt") == b"a"


def test_workers_run_sources_in_parallel_processes(registry, ferry):
    for i in range(4):
        publish(registry, f"apps/s{i}", "v1", {"n.txt": str(i).encode()})
        ferry.source(f"s{i}", registry.oci_url(f"apps/s{i}"), extra_spec="insecure: true\nref:\n  tag: v1")
    ferry.run_once("--workers", "3", check_exit=0)
    for i in range(4):
        assert ferry.read_current(f"s{i}", "n.txt") == str(i).encode()


def test_corrupt_status_file_is_rebuilt(registry, ferry):
    publish(registry, "apps/web", "v1", {"a.txt": b"a"})
    ferry.source("web", registry.oci_url("apps/web"), extra_spec="insecure: true\nref:\n  tag: v1")
    ferry.run_once(check_exit=0)
    path = os.path.join(ferry.state_dir, "status", "default", "web.json")
    open(path, "w").write("{ garbage")
    ferry.run_once(check_exit=0)
    assert ready(ferry, "web")["status"] == "True"
    assert os.path.exists(path + ".corrupt")


def test_usage_errors_exit_2(ferry):
    import subprocess
    p = subprocess.run([ferry.ferryd, "--once", "--workers", "0"], capture_output=True, text=True)
    assert p.returncode == 2 and "--workers" in p.stderr
    p = subprocess.run([ferry.ferryd, "--bogus"], capture_output=True, text=True)
    assert p.returncode == 2
