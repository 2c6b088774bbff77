"""Reconcile workers under stress: killed mid-download (the daemon survives,
staging is cleaned, `current` untouched, the source is retried), killed at
its deadline, and SIGTERM while a download runs (finished within the grace
period, or killed after it)."""
import os
import signal
import threading
import time

from daemon_fixtures import *  # noqa: F401,F403

BIG = 2 * 1024 * 1024


def spec(tag, extra=""):
    return f'insecure: true\nref:\n  tag: "{tag}"\n' + extra


def big_files(seed: bytes):
    # random bytes do not compress: the layer is as big as the file
    return {"app.conf": seed, "blob.bin": os.urandom(BIG)}


def staging(ferry):
    return sorted(os.listdir(os.path.join(ferry.state_dir, "tmp")))


def in_background(fn, *args):
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("result", fn(*args)), daemon=True)
    t.start()
    return t, out


def test_worker_killed_mid_download(registry, ferry, daemon, slow_proxy):
    d1 = push(registry, "app", "1.0")
    ferry.source("app", slow_proxy.oci_url("app"), interval="1h", extra_spec=spec("1.0"))
    daemon.start()
    daemon.wait_ready_source("app", revision=f"1.0@{d1}")
    current = ferry.current("app")

    d2 = push(registry, "app", "1.0", files=big_files(b"second\n"))
    slow_proxy.hold(after_bytes=256 * 1024)
    t, out = in_background(daemon.request, "reconcile default/app")
    assert slow_proxy.held.wait(15), "the download never started"
    workers = wait_until(daemon.children, what="a running worker")
    assert len(workers) == 1
    leftovers = wait_until(lambda: staging(ferry), what="a staging entry of the download")
    assert all(x.startswith("default_app.") for x in leftovers), leftovers
    os.kill(workers[0], signal.SIGKILL)
    t.join(15)
    final = out["result"][-1]
    assert final.startswith(f"ok False WorkerFailed reconcile worker (pid {workers[0]}) crashed with signal 9"), out

    # the daemon carries on; nothing half-done is visible
    assert daemon.proc.poll() is None
    assert staging(ferry) == []
    assert ferry.current("app") == current
    ready = daemon.condition("app")
    assert (ready["status"], ready["reason"]) == ("False", "WorkerFailed")
    assert "crashed with signal 9 (Killed)" in ready["message"]
    fetch = daemon.condition("app", "FetchFailed")
    assert fetch["reason"] == "WorkerFailed"

    # retried with backoff (1 s) once the registry answers again
    slow_proxy.release()
    daemon.wait_ready_source("app", revision=f"1.0@{d2}", timeout=20)
    assert ferry.read_current("app", "app.conf") == b"second\n"
    assert staging(ferry) == []
    assert daemon.stop() == 0


def test_worker_killed_at_deadline(registry, ferry, daemon, slow_proxy):
    d1 = push(registry, "app", "1.0", files=big_files(b"slow\n"))
    # spec.timeout 1s gives a 10 s deadline; the layer trickles in over ~20 s
    slow_proxy.blob_rate = 100 * 1024
    ferry.source("app", slow_proxy.oci_url("app"), interval="1h", extra_spec=spec("1.0", "timeout: 1s\n"))
    t0 = time.monotonic()
    daemon.start()
    ready = daemon.wait_condition("app", "Ready", "False", timeout=30, reason="WorkerFailed")
    elapsed = time.monotonic() - t0
    assert 9 <= elapsed < 20, elapsed
    assert "exceeded its deadline after 10s and was killed" in ready["message"], ready
    assert "passed its deadline of 10s; killing it" in daemon.log()
    assert staging(ferry) == []
    assert ferry.current("app") is None
    assert daemon.proc.poll() is None
    slow_proxy.blob_rate = 0
    daemon.wait_ready_source("app", revision=f"1.0@{d1}", timeout=20)
    assert daemon.stop() == 0


def test_sigterm_lets_running_worker_finish(registry, ferry, daemon, slow_proxy):
    d1 = push(registry, "app", "1.0")
    ferry.source("app", slow_proxy.oci_url("app"), interval="1h", extra_spec=spec("1.0"))
    daemon.start()
    daemon.wait_ready_source("app", revision=f"1.0@{d1}")

    d2 = push(registry, "app", "1.0", files=big_files(b"finished\n"))
    slow_proxy.blob_rate = 1024 * 1024     # about 2 s for the layer
    t, out = in_background(daemon.request, "reconcile default/app")
    wait_until(lambda: staging(ferry), what="download under way")
    before = time.monotonic()
    daemon.signal(signal.SIGTERM)
    daemon.notify.wait_for("STOPPING", "1", after=before)
    assert daemon.proc.wait(timeout=15) == 0
    t.join(5)
    assert out["result"][-1] == f"ok True Succeeded stored artifact for digest '1.0@{d2}'"
    assert ferry.read_current("app", "app.conf") == b"finished\n"
    assert staging(ferry) == []


def test_sigterm_kills_stalled_worker_after_grace(registry, ferry, daemon, slow_proxy):
    d1 = push(registry, "app", "1.0")
    ferry.source("app", slow_proxy.oci_url("app"), interval="1h", extra_spec=spec("1.0"))
    daemon.start()
    daemon.wait_ready_source("app", revision=f"1.0@{d1}")
    current = ferry.current("app")
    status_before = ferry.status("app")

    push(registry, "app", "1.0", files=big_files(b"never\n"))
    slow_proxy.hold(after_bytes=128 * 1024)
    t, out = in_background(daemon.request, "reconcile default/app")
    assert slow_proxy.held.wait(15)
    t0 = time.monotonic()
    daemon.signal(signal.SIGTERM)
    assert daemon.proc.wait(timeout=20) == 0
    waited = time.monotonic() - t0
    assert 9 <= waited < 15, waited
    t.join(5)
    assert out["result"] == ["accepted", "error shutting-down ferryd stopped before the reconcile finished"]
    assert "still running after 10s; killing them" in daemon.log()
    assert staging(ferry) == []
    assert ferry.current("app") == current
    # an aborted reconcile is not a failure of the source
    assert ferry.status("app")["status"]["conditions"] == status_before["status"]["conditions"]
    slow_proxy.release()


def test_removed_source_readded_while_its_worker_runs(registry, ferry, daemon, slow_proxy):
    """A source removed while its worker downloads and added back at once has
    two workers for one name: the old one ending must not sweep the new one's
    staging entry."""
    files = big_files(b"copied\n")
    d1 = push(registry, "app", "1.0", files=files)
    copy = spec("1.0", "layerSelector:\n  mediaType: application/vnd.cncf.flux.content.v1.tar+gzip\n"
                       "  operation: copy\n")
    second = throttle_proxy.ThrottleProxy(registry.base_url).start()
    try:
        slow_proxy.hold(after_bytes=256 * 1024)
        second.hold(after_bytes=256 * 1024)
        ferry.source("app", slow_proxy.oci_url("app"), interval="1h", extra_spec=copy)
        daemon.start()
        assert slow_proxy.held.wait(15), "the first download never started"
        old_worker = wait_until(daemon.children, what="the first worker")[0]

        ferry.remove("default-app.yaml")
        wait_until(lambda: "removed from the configuration" in daemon.log(), what="the removal", timeout=15)
        ferry.source("app", second.oci_url("app"), interval="1h", extra_spec=copy)
        assert second.held.wait(15), "the second download never started"
        new_worker = wait_until(lambda: [p for p in daemon.children() if p != old_worker],
                                what="the second worker")[0]
        entries = wait_until(lambda: len(staging(ferry)) == 2 and staging(ferry), what="two staging entries")

        # the removed source's worker ends first
        slow_proxy.release()
        wait_until(lambda: daemon.children() == [new_worker], what="the first worker to end", timeout=15)
        time.sleep(0.3)
        assert len(staging(ferry)) == 1, entries
        assert "removing staging leftover" not in daemon.log()

        second.release()
        st = daemon.wait_ready_source("app", revision=f"1.0@{d1}", timeout=20)
        assert st["status"]["artifact"]["path"].endswith(".blob")
        assert daemon.condition("app", "StorageOperationFailed") is None
        assert staging(ferry) == []
        assert daemon.stop() == 0
    finally:
        second.stop()


def test_worker_flooding_its_pipe_does_not_stall_the_daemon(registry, ferry, daemon, tmp_path):
    """A worker (exploited, say) that writes without end: ferryd keeps at most
    the result limit, stops reading and kills it at once, instead of reading
    and discarding until the worker's deadline."""
    flood = tmp_path / "flood-worker"
    flood.write_text("#!/bin/sh\ncat >/dev/null\nexec cat /dev/zero\n")
    flood.chmod(0o755)
    ferry.source("app", registry.oci_url("app"), interval="1h", extra_spec=spec("1.0", "timeout: 1s\n"))
    daemon.start(env={"FERRY_WORKER": str(flood)})
    ready = daemon.wait_condition("app", "Ready", "False", timeout=30, reason="WorkerFailed")
    assert "sent a result larger than 262144 bytes and was killed" in ready["message"], ready
    assert daemon.request("status")[-1].startswith("ok "), "the daemon answers"
    with open(f"/proc/{daemon.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    assert cpu < 1.5, f"ferryd used {cpu:.1f}s of CPU on a flooding worker"
    assert daemon.stop() == 0


def test_once_ends_a_flooding_worker(registry, ferry, tmp_path):
    flood = tmp_path / "flood-worker"
    flood.write_text("#!/bin/sh\ncat >/dev/null\nexec cat /dev/zero\n")
    flood.chmod(0o755)
    ferry.source("app", registry.oci_url("app"), interval="1h", extra_spec=spec("1.0"))
    p = ferry.run_once(env={"FERRY_WORKER": str(flood)}, timeout=60, check_exit=1)
    ready = ferry.condition("app", "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "WorkerFailed"), ready
    assert "sent a result larger than 262144 bytes and was killed" in ready["message"], (ready, p.stderr)


def test_once_kills_a_worker_at_its_deadline(registry, ferry, slow_proxy):
    """ferryd --once gives a worker the deadline ferryd gives it."""
    push(registry, "app", "1.0", files=big_files(b"slow\n"))
    # spec.timeout 1s gives a 10 s deadline; the layer trickles in over ~20 s
    slow_proxy.blob_rate = 100 * 1024
    ferry.source("app", slow_proxy.oci_url("app"), interval="1h", extra_spec=spec("1.0", "timeout: 1s\n"))
    t0 = time.monotonic()
    p = ferry.run_once(timeout=60, check_exit=1)
    elapsed = time.monotonic() - t0
    assert 9 <= elapsed < 15, (elapsed, p.stderr)
    ready = ferry.condition("app", "Ready")
    assert ready["reason"] == "WorkerFailed", ready
    assert "exceeded its deadline after 10s and was killed" in ready["message"], ready
    assert "passed its deadline of 10s; killing it" in p.stderr
    assert ferry.current("app") is None


def test_workers_run_without_new_privileges(registry, ferry, tmp_path):
    """A worker parses hostile bytes: it runs with no_new_privs, so nothing it
    execs can gain privileges, even when ferryd runs outside the unit."""
    probe = tmp_path / "probe-worker"
    probe.write_text("#!/bin/sh\ncat >/dev/null\n"
                     "nnp=$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' /proc/self/status)\n"
                     "printf '{\"failure\":\"fetch\",\"reason\":\"Probe\",\"message\":\"NoNewPrivs=%s\","
                     "\"verify\":\"not-run\"}' \"$nnp\"\n")
    probe.chmod(0o755)
    ferry.source("app", registry.oci_url("app"), interval="1h", extra_spec=spec("1.0"))
    ferry.run_once(env={"FERRY_WORKER": str(probe)}, timeout=60, check_exit=1)
    assert ferry.condition("app", "Ready")["message"] == "NoNewPrivs=1"
