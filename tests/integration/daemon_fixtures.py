"""Helpers for the tests that run ferryd as a long-running service.

Import with `from daemon_fixtures import *`. Builds on conftest.py (`registry`,
`ferry`). The `daemon` fixture starts nothing by itself: call
`daemon.start(...)` once the config is written. It gives ferryd

- a NOTIFY_SOCKET: an AF_UNIX datagram socket owned by the test, whose
  messages (READY=1, STATUS=..., WATCHDOG=1, RELOADING=1, STOPPING=1) are
  collected with their arrival time;
- a control socket in the test's directory, used by `daemon.ctl(...)`
  (ferryctl with the right --state-dir/--config-dir/--control-socket) and
  `daemon.request(line)` (raw protocol);
- its stderr in a log file (`daemon.log()`).
"""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))

import ociutil  # noqa: E402
import throttle_proxy  # noqa: E402

__all__ = ["daemon", "Daemon", "NotifySocket", "wait_until", "push", "slow_proxy", "throttle_proxy", "ociutil"]


def wait_until(pred, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = pred()
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            last = None
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


class NotifySocket:
    """The systemd side of sd_notify: collects datagrams."""

    def __init__(self, path: str):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.messages = []       # (time.monotonic(), {key: value}, raw)
        self._lock = threading.Lock()
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            raw = data.decode("utf-8", "replace")
            fields = {}
            for line in raw.split("\n"):
                if "=" in line:
                    k, v = line.split("=", 1)
                    fields[k] = v
            with self._lock:
                self.messages.append((time.monotonic(), fields, raw))

    def close(self):
        self._stop = True
        self.thread.join(timeout=2)
        self.sock.close()

    def all(self):
        with self._lock:
            return list(self.messages)

    def with_key(self, key: str, value: str = None):
        return [m for m in self.all() if key in m[1] and (value is None or m[1][key] == value)]

    def wait_for(self, key: str, value: str = None, timeout: float = 20.0, after: float = 0.0):
        return wait_until(lambda: [m for m in self.with_key(key, value) if m[0] >= after],
                          timeout=timeout, what=f"sd_notify {key}={value or '*'}")

    def statuses(self):
        return [m[1]["STATUS"] for m in self.all() if "STATUS" in m[1]]

    def last_status(self) -> str:
        s = self.statuses()
        return s[-1] if s else None


class Daemon:
    def __init__(self, ferry, tmp_path):
        self.ferry = ferry
        self.dir = str(tmp_path)
        self.socket_path = os.path.join(self.dir, "ferryd.sock")
        self.notify = None
        self.proc = None
        self.log_path = os.path.join(self.dir, "ferryd.log")

    def start(self, *args, watchdog_usec: int = None, spread: str = "0s", workers: int = 2, env=None,
              wait_ready: bool = True):
        if self.notify is None:
            self.notify = NotifySocket(os.path.join(self.dir, "notify.sock"))
        full_env = dict(os.environ)
        full_env.pop("JOURNAL_STREAM", None)
        full_env["NOTIFY_SOCKET"] = self.notify.path
        if watchdog_usec:
            full_env["WATCHDOG_USEC"] = str(watchdog_usec)
        full_env.update(env or {})
        cmd = [self.ferry.ferryd, "--config-dir", self.ferry.config_dir, "--state-dir", self.ferry.state_dir,
               "--control-socket", self.socket_path, "--startup-spread", spread, "--workers", str(workers),
               "--log-level", "debug", *args]
        self.started_at = time.monotonic()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=full_env)
        log.close()
        if wait_ready:
            self.wait_ready()
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = 20.0):
        return self.notify.wait_for("READY", "1", timeout=timeout, after=self.started_at)

    def log(self) -> str:
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def stop(self, timeout: float = 20.0) -> int:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        return rc

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def children(self):
        """PIDs of the running reconcile workers (zombies excluded)."""
        out = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'
            fields = stat.rsplit(")", 1)[1].split()
            # a worker that has exited but is not reaped yet (Z) is not running
            if int(fields[1]) == self.proc.pid and fields[0] != "Z":
                out.append(int(entry))
        return out

    def ctl(self, *args, timeout: float = 60):
        cmd = [self.ferry.ferryctl, "--state-dir", self.ferry.state_dir, "--config-dir", self.ferry.config_dir,
               "--control-socket", self.socket_path, *args]
        env = dict(os.environ)
        env["NO_COLOR"] = "1"
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)

    def request(self, line: str, timeout: float = 60) -> list:
        """Send one raw protocol request; returns the response lines."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(self.socket_path)
            s.sendall(line.encode() + b"\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        return data.decode().splitlines()

    # -- status helpers ------------------------------------------------------
    def condition(self, name, ctype="Ready", namespace="default"):
        return self.ferry.condition(name, ctype, namespace)

    def wait_ready_source(self, name, namespace="default", revision=None, timeout=30):
        def ok():
            st = self.ferry.status(name, namespace)
            ready = {c["type"]: c for c in st["status"].get("conditions", [])}.get("Ready")
            if not ready or ready["status"] != "True":
                return None
            if revision and st["status"].get("artifact", {}).get("revision") != revision:
                return None
            return st
        return wait_until(ok, timeout=timeout, what=f"{namespace}/{name} Ready=True {revision or ''}")

    def wait_condition(self, name, ctype, status, namespace="default", timeout=30, reason=None):
        def ok():
            c = self.ferry.condition(name, ctype, namespace)
            if c and c["status"] == status and (reason is None or c["reason"] == reason):
                return c
            return None
        return wait_until(ok, timeout=timeout, what=f"{namespace}/{name} {ctype}={status} {reason or ''}")

    def close(self):
        self.kill()
        if self.notify:
            self.notify.close()


@pytest.fixture
def daemon(ferry, tmp_path):
    d = Daemon(ferry, tmp_path)
    yield d
    d.close()


@pytest.fixture
def slow_proxy(registry):
    """A counting/throttling proxy in front of `registry` (see tests/tools/throttle_proxy.py)."""
    p = throttle_proxy.ThrottleProxy(registry.base_url).start()
    yield p
    p.stop()


def push(registry, repo="app", tag="1.0", files=None):
    """Push a Flux-format artifact; returns its manifest digest."""
    files = files if files is not None else {"app.conf": f"repo={repo} tag={tag}\n".encode()}
    digest, _ = registry.api().push_dir_artifact(repo, tag, files)
    return digest
