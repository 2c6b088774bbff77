"""ferryctl against a running ferryd: reconcile round trip, suspend/resume
across a restart, describe, get, -o json|yaml, exit codes, the raw control
protocol and the metrics file."""
import json
import os
import re
import time

from daemon_fixtures import *  # noqa: F401,F403


def spec(tag):
    return f'insecure: true\nref:\n  tag: "{tag}"\n'


def test_reconcile_round_trip(registry, ferry, daemon):
    d1 = push(registry, "app", "1.0")
    ferry.source("app", registry.oci_url("app"), namespace="edge", interval="1h", extra_spec=spec("1.0"))
    daemon.start()
    daemon.wait_ready_source("app", "edge", revision=f"1.0@{d1}")

    # a new digest behind the same tag: the interval is 1h, ferryctl reconcile fetches it now
    d2 = push(registry, "app", "1.0", files={"app.conf": b"second\n"})
    r = daemon.ctl("reconcile", "source", "oci", "app", "-n", "edge")
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == [
        "► annotating OCIRepository app in edge namespace",
        "✔ OCIRepository annotated",
        "◎ waiting for OCIRepository reconciliation",
        "✔ OCIRepository reconciliation completed",
        f"✔ fetched revision 1.0@{d2}",
    ]
    assert ferry.read_current("app", "app.conf", "edge") == b"second\n"
    st = ferry.status("app", "edge")
    assert st["status"]["lastHandledReconcileAt"]

    # -o json: the outcome as a document
    r = daemon.ctl("reconcile", "app", "-n", "edge", "-o", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc == {"kind": "OCIRepository", "namespace": "edge", "name": "app", "ready": "True",
                   "reason": "Succeeded", "message": f"stored artifact for digest '1.0@{d2}'",
                   "revision": f"1.0@{d2}"}

    # a failing source: exit 1 and the Ready message
    registry.api().request("DELETE", f"/v2/app/manifests/{d2}")
    r = daemon.ctl("reconcile", "source", "oci", "app", "-n", "edge")
    assert r.returncode == 1, r.stderr
    last = r.stderr.splitlines()[-1]
    assert last.startswith("✗ failed to determine artifact digest"), r.stderr
    assert ferry.read_current("app", "app.conf", "edge") == b"second\n"

    # unknown source, bad usage, unreachable daemon
    r = daemon.ctl("reconcile", "source", "oci", "nope", "-n", "edge")
    assert r.returncode == 1
    assert r.stderr.splitlines()[-1] == f"✗ OCIRepository edge/nope not found in {ferry.config_dir}"
    r = daemon.ctl("reconcile", "source", "oci")
    assert r.returncode == 2
    assert "missing NAME" in r.stderr
    r = daemon.ctl("reconcile", "Bad_Name")
    assert r.returncode == 2
    assert daemon.stop() == 0
    r = daemon.ctl("reconcile", "source", "oci", "app", "-n", "edge")
    assert r.returncode == 3, r.stderr
    assert f"cannot reach ferryd at {daemon.socket_path}" in r.stderr


def test_suspend_resume_survives_restart(registry, ferry, daemon):
    d1 = push(registry, "app", "1.0")
    ferry.source("app", registry.oci_url("app"), interval="2s", extra_spec=spec("1.0"))
    daemon.start()
    daemon.wait_ready_source("app", revision=f"1.0@{d1}")

    r = daemon.ctl("suspend", "source", "oci", "app")
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == ["► suspending source oci app in default namespace", "✔ source suspended"]
    assert ferry.status("app")["status"]["suspended"] is True
    r = daemon.ctl("get")
    assert r.returncode == 0
    header, row = r.stdout.splitlines()[:2]
    assert header.split()[:5] == ["NAMESPACE", "NAME", "REVISION", "SUSPENDED", "READY"]
    assert row.split()[3] == "True", r.stdout

    # nothing runs while suspended, even with a 2s interval and a new digest
    d2 = push(registry, "app", "1.0", files={"app.conf": b"v2\n"})
    time.sleep(4.5)
    assert ferry.status("app")["status"]["artifact"]["revision"] == f"1.0@{d1}"
    r = daemon.ctl("reconcile", "app")
    assert r.returncode == 1
    assert r.stderr.splitlines()[-1] == "✗ OCIRepository default/app is suspended (ferryctl suspend)"
    status = wait_until(lambda: "1 suspended" in (daemon.notify.last_status() or "") and daemon.notify.last_status())
    assert status.startswith("1 source: 1 suspended"), status

    # the suspension survives a restart
    assert daemon.stop() == 0
    daemon.start()
    time.sleep(3)
    assert ferry.status("app")["status"]["artifact"]["revision"] == f"1.0@{d1}"
    assert ferry.status("app")["status"]["suspended"] is True

    # resume reconciles right away and waits for it
    r = daemon.ctl("resume", "source", "oci", "app")
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == [
        "► resuming source oci app in default namespace",
        "✔ source resumed",
        "◎ waiting for OCIRepository reconciliation",
        "✔ OCIRepository reconciliation completed",
        f"✔ fetched revision 1.0@{d2}",
    ]
    assert "suspended" not in ferry.status("app")["status"]

    # describe shows the events of all this
    r = daemon.ctl("describe", "app")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    fields = [ln.split(":", 1) for ln in out.splitlines() if ":" in ln]
    fields = {k.strip(): v.strip() for k, v in fields}
    assert fields["Name"] == "app"
    assert fields["Namespace"] == "default"
    assert fields["Suspended"] == "False"
    assert fields["URL"] == registry.oci_url("app")
    assert fields["Reference"] == "tag 1.0"
    assert fields["Revision"] == f"1.0@{d2}"
    assert fields["Interval"] == "2s"
    # values line up in one column
    starts = set()
    for ln in out.splitlines():
        if ln.startswith(("Name:", "Namespace:", "  URL:", "    Revision:")):
            value = ln.split(":", 1)[1]
            starts.add(len(ln) - len(value.lstrip()))
    assert len(starts) == 1, out
    assert "Conditions:" in out and "Events:" in out
    events = out.split("Events:")[1]
    for reason in ("NewArtifact", "Suspended", "Resumed"):
        assert reason in events, out
    assert daemon.stop() == 0


def test_spec_suspend_and_describe_json(registry, ferry, daemon):
    d1 = push(registry, "app", "1.0")
    ferry.source("app", registry.oci_url("app"), interval="1h", extra_spec=spec("1.0"))
    ferry.source("held", registry.oci_url("app"), interval="1h", extra_spec=spec("1.0") + "suspend: true\n")
    daemon.start()
    daemon.wait_ready_source("app", revision=f"1.0@{d1}")
    r = daemon.ctl("resume", "held")
    assert r.returncode == 1
    assert "spec.suspend is true in " in r.stderr and "default-held.yaml:1" in r.stderr, r.stderr
    r = daemon.ctl("get", "-n", "default")
    rows = {ln.split()[0]: ln.split() for ln in r.stdout.splitlines()[1:]}
    assert rows["held"][1] == "True" or rows["held"][2] == "True", r.stdout   # SUSPENDED (no revision yet)
    assert rows["app"][2] == "False", r.stdout

    r = daemon.ctl("describe", "app", "-o", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["kind"] == "OCIRepository"
    assert doc["spec"]["url"] == registry.oci_url("app")
    assert doc["status"]["artifact"]["revision"] == f"1.0@{d1}"
    assert [e["reason"] for e in doc["events"]] == ["NewArtifact"]
    r = daemon.ctl("describe", "app", "-o", "yaml")
    assert r.returncode == 0
    assert re.search(r"^kind: '?OCIRepository'?$", r.stdout, re.M), r.stdout
    assert re.search(r"^events:$", r.stdout, re.M), r.stdout
    r = daemon.ctl("describe", "missing")
    assert r.returncode == 1
    assert daemon.stop() == 0


def test_raw_protocol_and_metrics(registry, ferry, daemon, tmp_path):
    d1 = push(registry, "app", "1.0")
    ferry.source("app", registry.oci_url("app"), namespace="edge", interval="1h", extra_spec=spec("1.0"))
    metrics = tmp_path / "ferry.prom"
    daemon.start("--metrics-file", str(metrics))
    daemon.wait_ready_source("app", "edge", revision=f"1.0@{d1}")

    lines = daemon.request("reconcile edge/app")
    assert lines == ["accepted", f"revision 1.0@{d1}", f"ok True Succeeded stored artifact for digest '1.0@{d1}'"]
    lines = daemon.request("status")
    assert lines[0].startswith("source edge/app True Succeeded false "), lines
    assert lines[-1].startswith("ok 1 source: 1 ready; next check in "), lines
    assert daemon.request("sync edge/app") == [
        "error usage unknown command 'sync' (expected reconcile, suspend, resume or status)"]
    assert daemon.request("reconcile edge/x") == [
        f"error not-found OCIRepository edge/x not found in {ferry.config_dir}"]
    # a client that sends nothing is dropped after the request timeout
    import socket
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(daemon.socket_path)
        assert s.recv(4096).decode() == "error timeout no request within 5000 ms\n"
    # an over-long request line
    assert daemon.request("reconcile " + "a" * 5000) == ["error usage request longer than 4096 bytes"]

    text = metrics.read_text()
    assert ('ferry_reconcile_condition{kind="OCIRepository",name="app",namespace="edge",type="Ready",'
            'status="True"} 1') in text
    assert (f'ferry_artifact_info{{kind="OCIRepository",name="app",namespace="edge",revision="1.0@{d1}",'
            f'digest="') in text
    assert 'ferry_suspend_status{kind="OCIRepository",name="app",namespace="edge"} 0' in text
    assert 'ferry_reconcile_duration_seconds_count{kind="OCIRepository",name="app",namespace="edge"} 2' in text
    assert 'ferry_last_success_timestamp_seconds{kind="OCIRepository",name="app",namespace="edge"} ' in text
    daemon.request("suspend edge/app")
    wait_until(lambda: 'ferry_suspend_status{kind="OCIRepository",name="app",namespace="edge"} 1'
               in metrics.read_text(), what="suspend metric")
    assert daemon.stop() == 0


def test_restart_after_crash_keeps_status(registry, ferry, daemon):
    d1 = push(registry, "app", "1.0")
    ferry.source("app", registry.oci_url("app"), interval="1h", extra_spec=spec("1.0"))
    daemon.start()
    daemon.wait_ready_source("app", revision=f"1.0@{d1}")
    ferry.source("app", registry.oci_url("app"), interval="1h", extra_spec=spec("1.0") + "timeout: 30s\n")
    wait_until(lambda: ferry.status("app")["status"]["observedGeneration"] == 2, what="generation 2 observed")
    before = ferry.status("app")
    # a crash leaves staging litter behind
    os.makedirs(os.path.join(ferry.state_dir, "tmp", "default_app.leftover"))
    daemon.kill()
    daemon.start()
    time.sleep(1)
    assert os.listdir(os.path.join(ferry.state_dir, "tmp")) == []
    after = ferry.status("app")
    assert after["metadata"]["generation"] == 2
    assert after["status"]["observedGeneration"] == 2
    b = {c["type"]: c["lastTransitionTime"] for c in before["status"]["conditions"]}
    a = {c["type"]: c["lastTransitionTime"] for c in after["status"]["conditions"]}
    assert a == b
    assert daemon.stop() == 0



def ask(path, line):
    """One raw request; a refusal may close before the request is sent or read."""
    import socket
    data = b""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(path)
        try:
            s.sendall(line.encode() + b"\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            while chunk := s.recv(1 << 16):
                data += chunk
        except ConnectionResetError:
            pass
    return data.decode().splitlines()


def test_clients_that_never_read_are_dropped(ferry, daemon):
    """Clients that ask for a response larger than the socket buffer and then
    never read it must not hold the connection slots for ever."""
    ns, n = "n" * 63, 800
    docs = []
    for i in range(n):
        name = f"s{i:04d}-" + "x" * 247   # 253 characters: status lines of ~350 bytes
        docs.append(f"apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n"
                    f"  name: {name}\n  namespace: {ns}\nspec:\n  interval: 1h\n  suspend: true\n"
                    f"  url: oci://127.0.0.1:9/app\n")
    ferry.write("many.yaml", "---\n".join(docs))
    daemon.start()
    import socket
    stalled = []
    try:
        for _ in range(16):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(daemon.socket_path)
            s.sendall(b"status\n")
            stalled.append(s)
        wait_until(lambda: ask(daemon.socket_path, "status") == ["error busy too many control connections"],
                   what="all connection slots taken")

        def answered():
            lines = ask(daemon.socket_path, "status")
            return lines if lines and lines[-1].startswith("ok ") else None
        lines = wait_until(answered, timeout=15, interval=0.5, what="a slot freed from a client that never reads")
        assert len(lines) == n + 1
        assert lines[-1].startswith(f"ok {n} sources: "), lines[-1]
        # a stalled client got what fitted in the socket buffer, then the end
        stalled[0].settimeout(10)
        data = b""
        while chunk := stalled[0].recv(1 << 16):
            data += chunk
        assert data and not data.decode().splitlines()[-1].startswith("ok ")
        assert "took none of its response for 5000 ms; dropped" in daemon.log()
    finally:
        for s in stalled:
            s.close()
    assert daemon.stop() == 0
