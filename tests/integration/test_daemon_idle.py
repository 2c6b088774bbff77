"""An idle ferryd makes no system calls between due times: with 50 sources on
a long interval, `strace -f -p` over 10 idle seconds sees the daemon go back
to its epoll_wait (attaching interrupts it) and then nothing at all."""
import os
import re
import shutil
import subprocess
import time

import pytest

from daemon_fixtures import *  # noqa: F401,F403

N = 50


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_idle_daemon_makes_no_syscalls(registry, ferry, daemon, tmp_path):
    digest = push(registry, "app", "1.0")
    for i in range(N):
        ferry.source(f"app{i:02d}", registry.oci_url("app"), interval="1h",
                     extra_spec='insecure: true\nref:\n  tag: "1.0"\n')
    daemon.start(spread="2s")
    # at most --workers (2) reconciles at once while the first cycle runs
    most = 0
    deadline = time.time() + 60
    while time.time() < deadline:
        most = max(most, len(daemon.children()))
        if all(os.path.exists(os.path.join(ferry.state_dir, "artifacts", "default", f"app{i:02d}", "current"))
               for i in range(N)):
            break
    assert 1 <= most <= 2, most
    for i in range(N):
        daemon.wait_ready_source(f"app{i:02d}", revision=f"1.0@{digest}", timeout=60)
    wait_until(lambda: (daemon.notify.last_status() or "").startswith(f"{N} sources: {N} ready; next check in "),
               what="all ready in STATUS", timeout=10)
    assert daemon.children() == []

    trace = tmp_path / "strace.out"
    p = subprocess.run(["timeout", "-s", "INT", "10", "strace", "-f", "-tt", "-o", str(trace), "-p",
                        str(daemon.pid)], capture_output=True, text=True)
    assert "attached" in p.stderr, p.stderr
    lines = [ln for ln in trace.read_text().splitlines() if ln.strip() and not ln.startswith("strace:")]
    report = "\n".join(lines)
    # Attaching interrupts the epoll_wait the daemon sleeps in: it goes
    # straight back to sleep (a gettid and a new epoll_wait, same instant).
    # After that nothing may happen for the rest of the 10 s: exactly one
    # epoll_wait, still blocked when strace detaches.
    waits = [ln for ln in lines if re.search(r"\b(epoll_wait|epoll_pwait)\(", ln)]
    assert len(waits) == 1, report
    assert lines[-1] == waits[0] and "<detached ...>" in waits[0], report
    stamps = [float(m.group(1)) * 3600 + float(m.group(2)) * 60 + float(m.group(3))
              for m in (re.match(r"\d+\s+(\d+):(\d+):(\d+\.\d+) ", ln) for ln in lines)]
    assert max(stamps) - min(stamps) < 0.5, report
    assert daemon.proc.poll() is None
    assert daemon.stop() == 0
