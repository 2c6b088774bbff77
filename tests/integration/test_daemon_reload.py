"""Config changes while ferryd runs: files added, changed (generation bump)
and removed (status goes, artifacts stay for --orphan-retention), a broken
file (the old config keeps running), and a rotated trust bundle Secret
(re-verified promptly)."""
import json
import os
import signal
import time

from daemon_fixtures import *  # noqa: F401,F403
from notation_fixtures import *  # noqa: F401,F403


def spec(tag):
    return f'insecure: true\nref:\n  tag: "{tag}"\n'


def orphans(ferry):
    path = os.path.join(ferry.state_dir, "orphans.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)["orphans"]


def test_add_change_remove(registry, ferry, daemon):
    d1 = push(registry, "app", "1.0")
    d2 = push(registry, "app", "2.0")
    db = push(registry, "other", "1.0")
    ferry.source("app", registry.oci_url("app"), interval="1h", extra_spec=spec("1.0"))
    daemon.start()
    st = daemon.wait_ready_source("app", revision=f"1.0@{d1}")
    assert st["metadata"]["generation"] == 1
    assert st["status"]["observedGeneration"] == 1
    first_ready = daemon.condition("app")

    # a new file is picked up without a signal
    ferry.source("other", registry.oci_url("other"), interval="1h", extra_spec=spec("1.0"))
    daemon.wait_ready_source("other", revision=f"1.0@{db}", timeout=15)
    wait_until(lambda: (daemon.notify.last_status() or "").startswith("2 sources: 2 ready"), what="2 ready")

    # a changed spec bumps the generation and is reconciled right away (interval is 1h)
    ferry.source("app", registry.oci_url("app"), interval="1h", extra_spec=spec("2.0"))
    st = daemon.wait_ready_source("app", revision=f"2.0@{d2}", timeout=15)
    assert st["metadata"]["generation"] == 2
    assert st["status"]["observedGeneration"] == 2
    assert os.path.basename(ferry.current("app")) == d2.split(":")[1]
    ready = daemon.condition("app")
    assert ready["message"] == f"stored artifact for digest '2.0@{d2}'"
    assert ready["lastTransitionTime"] >= first_ready["lastTransitionTime"]

    # a removed file: the status file goes, the artifacts stay (orphan retention)
    current_before = ferry.current("other")
    ferry.remove("default-other.yaml")
    wait_until(lambda: not os.path.exists(os.path.join(ferry.state_dir, "status", "default", "other.json")),
               what="status file removed", timeout=15)
    assert ferry.current("other") == current_before
    assert os.path.isfile(os.path.join(current_before, "app.conf"))
    assert "default/other" in orphans(ferry)
    wait_until(lambda: (daemon.notify.last_status() or "").startswith("1 source: 1 ready"), what="1 source")
    assert "removed from the configuration; status removed, artifacts kept for 24h0m0s" in daemon.log()
    assert daemon.stop() == 0


def test_orphans_survive_restart_then_collected(registry, ferry, daemon):
    push(registry, "app", "1.0")
    ferry.source("gone", registry.oci_url("app"), interval="1h", extra_spec=spec("1.0"))
    daemon.start()
    daemon.wait_ready_source("gone")
    ferry.remove("default-gone.yaml")
    since = wait_until(lambda: orphans(ferry).get("default/gone"), what="orphan recorded", timeout=15)
    assert daemon.stop() == 0

    # a restart keeps the original removal time
    time.sleep(1.1)
    daemon.start("--orphan-retention", "1h")
    assert orphans(ferry)["default/gone"] == since
    assert ferry.current("gone") is not None
    assert daemon.stop() == 0

    # once the retention has passed, the artifacts are garbage-collected
    daemon.start("--orphan-retention", "1s")
    wait_until(lambda: not os.path.exists(ferry.artifact_dir("gone")), what="artifacts collected", timeout=10)
    wait_until(lambda: not orphans(ferry), what="orphan record emptied")
    assert "garbage collected artifacts for deleted resource" in daemon.log()
    assert daemon.stop() == 0


def test_broken_file_keeps_previous_config(registry, ferry, daemon):
    d1 = push(registry, "app", "1.0")
    ferry.source("app", registry.oci_url("app"), interval="1h", extra_spec=spec("1.0"))
    daemon.start()
    daemon.wait_ready_source("app", revision=f"1.0@{d1}")

    ferry.write("broken.yaml", "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: [\n")
    status = wait_until(lambda: "config error" in (daemon.notify.last_status() or "") and daemon.notify.last_status(),
                        what="STATUS with the config error", timeout=10)
    assert status.startswith("1 source: 1 ready"), status
    assert "; config error, running the previous config: " in status, status
    assert "broken.yaml" in status, status
    assert "configuration reload failed, keeping the previous configuration" in daemon.log()

    # the old config still runs: the source is still there and reconciles on request
    r = daemon.ctl("reconcile", "source", "oci", "app")
    assert r.returncode == 0, r.stderr
    assert daemon.condition("app")["status"] == "True"

    # SIGHUP with the broken file: reload cycle completes, the error stays visible
    before = time.monotonic()
    daemon.signal(signal.SIGHUP)
    daemon.notify.wait_for("RELOADING", "1", after=before)
    ready = daemon.notify.wait_for("READY", "1", after=before)[-1]
    assert "config error, running the previous config" in ready[1]["STATUS"]

    # fixing the file clears the error
    ferry.remove("broken.yaml")
    wait_until(lambda: "config error" not in (daemon.notify.last_status() or "x"), what="error cleared", timeout=10)
    assert daemon.stop() == 0


def test_rotated_trust_bundle_is_reverified_promptly(notation, registry, ferry, daemon):
    subject = notation.push("app", "v1")
    good = chain_for("rsa3072", signer="a")
    other = chain_for("rsa3072", signer="b")
    notation.sign(subject, good)
    notation.setup(subject, good, name="app", by="tag")
    # interval far away: only the Secret change can trigger the next reconcile
    with open(os.path.join(ferry.config_dir, "default-app.yaml")) as f:
        text = f.read().replace("interval: 5m", "interval: 1h")
    ferry.write("default-app.yaml", text)
    daemon.start()
    revision = notation.revision(subject, by="tag")
    daemon.wait_ready_source("app", revision=revision)
    notation.assert_verified("app", revision)
    current = ferry.current("app")

    # rotate: the bundle now trusts another root only
    notation.secret(policy=trust_policy([notation.scope("app")]), certs={"root.crt": pki.cert_pem(other.root)})
    daemon.wait_condition("app", "SourceVerified", "False", timeout=15)
    msg = notation.assert_failed("app", SIG_FAILED, exact=False)
    assert "a referenced Secret changed; reconciling" in daemon.log()
    assert ferry.current("app") == current, "the verified artifact must stay in place"
    assert msg

    # rotate back: verified again
    notation.secret(policy=trust_policy([notation.scope("app")]), certs={"root.crt": pki.cert_pem(good.root)})
    daemon.wait_condition("app", "SourceVerified", "True", timeout=15)
    notation.assert_verified("app", revision)
    assert daemon.stop() == 0


def test_new_subdirectory_is_watched(registry, ferry, daemon):
    d1 = push(registry, "app", "1.0")
    daemon.start()
    assert daemon.notify.wait_for("READY", "1")[0][1]["STATUS"] == "no sources"
    # a file in a directory that did not exist when ferryd started
    ferry.source("deep", registry.oci_url("app"), interval="1h", extra_spec=spec("1.0"),
                 file="team-a/apps/deep.yaml")
    daemon.wait_ready_source("deep", revision=f"1.0@{d1}", timeout=15)
    # and a later change inside it
    ferry.source("deep", registry.oci_url("app"), interval="1h", extra_spec=spec("1.0") + "suspend: true\n",
                 file="team-a/apps/deep.yaml")
    wait_until(lambda: (daemon.notify.last_status() or "").startswith("1 source: 1 suspended"),
               what="suspension picked up", timeout=15)
    assert daemon.stop() == 0
