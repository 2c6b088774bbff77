"""ferryd as a systemd Type=notify service: READY=1, STATUS=, watchdog pings,
the notify-reload protocol on SIGHUP, STOPPING=1 and exit 0 on SIGTERM."""
import os
import signal
import stat
import time

from daemon_fixtures import *  # noqa: F401,F403


def test_ready_status_watchdog_reload_stop(registry, ferry, daemon):
    digest = push(registry, "app", "1.0")
    ferry.source("app", registry.oci_url("app"), interval="1h", extra_spec='insecure: true\nref:\n  tag: "1.0"\n')
    daemon.start(watchdog_usec=1_000_000)

    # READY=1 carries the first STATUS= line
    ready = daemon.notify.wait_for("READY", "1")[0]
    assert "STATUS" in ready[1]
    assert ready[1]["STATUS"].startswith("1 source: "), ready[1]

    daemon.wait_ready_source("app", revision=f"1.0@{digest}")
    assert stat.S_IMODE(os.stat(daemon.socket_path).st_mode) == 0o660
    wait_until(lambda: daemon.notify.last_status().startswith("1 source: 1 ready; next check in "),
               what="STATUS with the source ready", timeout=10)
    status = daemon.notify.last_status()
    assert status.endswith("m") or status.endswith("h"), status   # next check about an hour away

    # watchdog: pings at least every half interval (0.5 s) while idle
    t0 = time.monotonic()
    time.sleep(2.2)
    pings = [m for m in daemon.notify.with_key("WATCHDOG", "1") if m[0] >= t0]
    assert len(pings) >= 3, pings

    # SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1
    before = time.monotonic()
    mono_before = time.clock_gettime(time.CLOCK_MONOTONIC)
    daemon.signal(signal.SIGHUP)
    reloading = daemon.notify.wait_for("RELOADING", "1", after=before)[0]
    usec = int(reloading[1]["MONOTONIC_USEC"])
    assert mono_before * 1e6 - 1e6 < usec < time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6 + 1e6
    ready_again = daemon.notify.wait_for("READY", "1", after=reloading[0])
    assert ready_again[0][0] >= reloading[0]
    assert ready_again[0][1]["STATUS"].startswith("1 source: 1 ready"), ready_again

    # SIGTERM: STOPPING=1 and a clean exit
    before = time.monotonic()
    daemon.signal(signal.SIGTERM)
    assert daemon.proc.wait(timeout=15) == 0
    stopping = daemon.notify.with_key("STOPPING", "1")
    assert stopping and stopping[-1][0] >= before, daemon.notify.all()
    assert not os.path.exists(daemon.socket_path)
    assert os.listdir(os.path.join(ferry.state_dir, "tmp")) == []


def test_ready_without_network_and_status_reports_failure(ferry, daemon):
    # an offline box must still come up: READY=1 does not wait for the first fetch
    ferry.source("app", "oci://127.0.0.1:9/nothing/here", namespace="edge", interval="1h",
                 extra_spec="insecure: true\n")
    daemon.start(spread="0s")
    ready = daemon.notify.wait_for("READY", "1")[0]
    assert "1 source" in ready[1]["STATUS"]
    daemon.wait_condition("app", "Ready", "False", namespace="edge")
    status = wait_until(lambda: (daemon.notify.last_status() or "").startswith("1 source: 1 failing")
                        and daemon.notify.last_status(), what="failing STATUS")
    assert status.startswith("1 source: 1 failing (edge/app: OCIArtifactPullFailed); next check in "), status
    assert daemon.stop() == 0


def test_config_dir_missing_still_ready(ferry, daemon, tmp_path):
    os.rmdir(ferry.config_dir)
    daemon.start()
    status = daemon.notify.wait_for("READY", "1")[0][1]["STATUS"]
    assert status.startswith("no sources; config error: "), status
    assert daemon.stop() == 0


def test_control_socket_unavailable_keeps_reconciling(registry, ferry, daemon, tmp_path):
    digest = push(registry, "app", "1.0")
    ferry.source("app", registry.oci_url("app"), interval="1h", extra_spec='insecure: true\nref:\n  tag: "1.0"\n')
    blocker = tmp_path / "not-a-socket"
    blocker.write_text("x")
    daemon.socket_path = str(blocker)
    daemon.start()
    daemon.wait_ready_source("app", revision=f"1.0@{digest}")
    status = wait_until(lambda: "ready" in (daemon.notify.last_status() or "") and daemon.notify.last_status())
    assert f"control socket unavailable: {blocker}: exists and is not a socket" in status, status
    assert "control socket unavailable" in daemon.log()
    assert blocker.read_text() == "x"
    assert daemon.stop() == 0


def test_status_warns_about_world_readable_secrets(ferry, daemon):
    ferry.source("app", "oci://127.0.0.1:9/nothing/here", interval="1h", extra_spec="insecure: true\n")
    ferry.write("creds.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\n"
                              "stringData: {password: hunter2}\n", mode=0o644)
    daemon.start(spread="0s")
    ready = daemon.notify.wait_for("READY", "1")[0]
    assert ready[1]["STATUS"].endswith("; warning: 1 Secret in files readable by all users (see the journal)"), ready
    assert "hunter2" not in ready[1]["STATUS"]
    # tightening the mode and reloading clears the warning
    os.chmod(os.path.join(ferry.config_dir, "creds.yaml"), 0o640)
    before = time.monotonic()
    daemon.signal(signal.SIGHUP)
    again = daemon.notify.wait_for("READY", "1", after=before)[0]
    assert "readable by all users" not in again[1]["STATUS"], again
