"""What `make install` puts on a host, checked with the host's own tools:
the systemd unit (systemd-analyze verify and security, the documented
state-dir drop-in, the command line it gives ferryd), the sysusers entry
(systemd-sysusers), the journal catalog (journalctl) and the man pages
(groff, man).

Everything is installed with `make install DESTDIR=<tmp>` from the build
directory ($FERRY_BUILD_DIR, else the repository root); nothing touches the
host outside the temporary directory.
"""
import os
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import time

import pytest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("FERRY_BUILD_DIR", REPO_ROOT)
HOST_UNIT_DIRS = ["/usr/lib/systemd/system", "/lib/systemd/system"]
MAX_EXPOSURE = 1.5

# The catalog must explain every journal event ferryd tags with a MESSAGE_ID.
LOG_H = os.path.join(REPO_ROOT, "src", "util", "log.h")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


def need(tool):
    if not shutil.which(tool):
        pytest.skip(f"{tool} is not installed")


class Installed:
    """A `make install DESTDIR=root` tree and the paths of ferry's files in it."""

    def __init__(self, root):
        self.root = root
        self.files = {}
        for dirpath, _dirs, names in os.walk(root):
            for n in names:
                self.files.setdefault(n, []).append(os.path.join(dirpath, n))

    def one(self, name, below=""):
        hits = [p for p in self.files.get(name, []) if below in p]
        assert len(hits) == 1, f"expected one installed {below}*/{name}, found {hits}"
        return hits[0]

    def host_path(self, path):
        """The absolute path a file will have on the target host."""
        return "/" + os.path.relpath(path, self.root)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    if not os.path.isfile(os.path.join(BUILD_DIR, "Makefile")):
        pytest.fail(f"no configured build in {BUILD_DIR} (set FERRY_BUILD_DIR)")
    root = str(tmp_path_factory.mktemp("destdir"))
    p = run(["make", "-s", "-C", BUILD_DIR, "install", f"DESTDIR={root}"])
    assert p.returncode == 0, f"make install failed:\n{p.stdout}\n{p.stderr}"
    return Installed(root)


@pytest.fixture(scope="module")
def unit_path(installed):
    return installed.one("ferry.service", "/lib/systemd/system")


def unit_entries(path):
    """[(section, key, value)] of a unit file, in order (repeated keys kept)."""
    entries, section = [], None
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            key, _, value = line.partition("=")
            entries.append((section, key.strip(), value.strip()))
    return entries


def unit_values(path, section, key):
    return [v for s, k, v in unit_entries(path) if s == section and k == key]


def verify_root(installed, tmp_path):
    """A root for `systemd-analyze verify --root`: the installed tree plus the
    host's targets (the unit is ordered after them) and /bin/kill (ExecReload)."""
    root = str(tmp_path / "root")
    shutil.copytree(installed.root, root, symlinks=True)
    units = os.path.join(root, "usr", "lib", "systemd", "system")
    os.makedirs(units, exist_ok=True)
    for d in HOST_UNIT_DIRS:
        if os.path.isdir(d):
            for n in os.listdir(d):
                src = os.path.join(d, n)
                if n.endswith(".target") and os.path.isfile(src) and not os.path.exists(os.path.join(units, n)):
                    shutil.copy(src, os.path.join(units, n))
    kill = shutil.which("kill", path="/bin:/usr/bin")
    os.makedirs(os.path.join(root, "bin"), exist_ok=True)
    shutil.copy(kill, os.path.join(root, "bin", "kill"))
    return root


def analyze_verify(root, unit, installed):
    env = dict(os.environ, MANPATH=os.path.join(root, os.path.relpath(man_dir(installed), installed.root)))
    return run(["systemd-analyze", "verify", f"--root={root}", unit], env=env)


def man_dir(installed):
    return os.path.dirname(os.path.dirname(installed.one("ferryd.8")))


# --- the unit -----------------------------------------------------------------

def test_unit_verifies_on_installed_tree(installed, unit_path, tmp_path):
    need("systemd-analyze")
    root = verify_root(installed, tmp_path)
    unit = os.path.join(root, os.path.relpath(unit_path, installed.root))
    p = analyze_verify(root, unit, installed)
    assert p.returncode == 0 and p.stderr.strip() == "", f"systemd-analyze verify:\n{p.stdout}{p.stderr}"


def test_unit_verify_notices_missing_daemon(installed, unit_path, tmp_path):
    """The verify run above is meaningful: without the installed ferryd it fails."""
    need("systemd-analyze")
    root = verify_root(installed, tmp_path)
    unit = os.path.join(root, os.path.relpath(unit_path, installed.root))
    os.unlink(os.path.join(root, os.path.relpath(installed.one("ferryd", "/sbin"), installed.root)))
    p = analyze_verify(root, unit, installed)
    assert "is not executable" in p.stderr, p.stderr


def exposure(unit):
    p = run(["systemd-analyze", "security", "--offline=true", unit])
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+) (\S+)", p.stdout)
    assert m, f"no exposure level in systemd-analyze security output:\n{p.stdout}\n{p.stderr}"
    return float(m.group(1)), m.group(2)


def test_unit_exposure_is_ok(unit_path):
    need("systemd-analyze")
    level, verdict = exposure(unit_path)
    assert level <= MAX_EXPOSURE, f"exposure {level} {verdict} > {MAX_EXPOSURE}"
    assert verdict == "OK"


def documented_dropin(unit_path):
    """The state-dir drop-in exactly as the unit's comment documents it."""
    text, inside = [], False
    with open(unit_path) as f:
        for line in f:
            body = line.rstrip("\n")[1:].strip() if line.startswith("#") else None
            if body is None:
                continue
            if re.match(r"cat >\S*ferry\.service\.d/\S+\.conf <<'END'$", body):
                inside = True
                continue
            if inside and body == "END":
                break
            if inside:
                text.append(body)
    assert text, "the unit documents no drop-in"
    return "\n".join(text) + "\n"


def test_documented_state_dir_dropin_verifies_and_stays_ok(installed, unit_path, tmp_path):
    need("systemd-analyze")
    dropin = documented_dropin(unit_path)
    state = re.search(r"^ReadWritePaths=(\S+)$", dropin, re.M)
    assert state and re.search(rf"^Environment=FERRY_STATE_DIR={re.escape(state.group(1))}$", dropin, re.M), dropin
    root = verify_root(installed, tmp_path)
    os.makedirs(os.path.join(root, state.group(1).lstrip("/")))
    d = os.path.join(root, "etc", "systemd", "system", "ferry.service.d")
    os.makedirs(d)
    with open(os.path.join(d, "state-dir.conf"), "w") as f:
        f.write(dropin)
    p = analyze_verify(root, "ferry.service", installed)
    assert p.returncode == 0 and p.stderr.strip() == "", f"with the drop-in:\n{p.stdout}{p.stderr}"
    # the unit with the drop-in appended must not be less confined
    merged = tmp_path / "ferry.service"
    merged.write_text(open(unit_path).read() + "\n" + dropin)
    level, _ = exposure(str(merged))
    assert level <= MAX_EXPOSURE


def test_unit_runs_ferryd_as_documented(installed, unit_path):
    svc = lambda k: unit_values(unit_path, "Service", k)  # noqa: E731
    assert svc("Type") == ["notify"]
    assert svc("NotifyAccess") == ["main"]
    assert svc("ExecReload") == ["/bin/kill -HUP $MAINPID"]
    assert svc("Restart") == ["on-failure"]
    assert svc("WatchdogSec") and svc("WatchdogSec")[0] != "0"
    assert svc("User") == ["ferry"] and svc("Group") == ["ferry"]
    assert svc("StateDirectory") == ["ferry"]
    assert svc("RuntimeDirectory") == ["ferry"]
    assert svc("ConfigurationDirectory") == ["ferry"]
    assert svc("ProtectSystem") == ["strict"]
    env = dict(e.split("=", 1) for v in svc("Environment") for e in shlex.split(v))
    argv = shlex.split(svc("ExecStart")[0])
    assert argv[0] == installed.host_path(installed.one("ferryd", "/sbin"))
    args = dict(zip(argv[1::2], argv[2::2]))
    assert args["--state-dir"] == "${FERRY_STATE_DIR}" and env["FERRY_STATE_DIR"] == "/var/lib/ferry"
    assert args["--control-socket"] == "/run/ferry/ferryd.sock"
    assert args["--config-dir"].endswith("/ferry")


def test_ferryd_accepts_the_units_command_line(installed, unit_path, tmp_path):
    """Every option the unit passes is one the built ferryd knows: ferryd
    parses its options in order, so --version at the end only answers when
    all the others were accepted."""
    argv = shlex.split(unit_values(unit_path, "Service", "ExecStart")[0])
    env = {"FERRY_STATE_DIR": str(tmp_path / "state")}
    expanded = []
    for a in argv[1:]:
        if a == "$FERRYD_OPTS":
            continue
        expanded.append(re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], a))
    ferryd = os.path.join(installed.root, os.path.relpath(installed.one("ferryd", "/sbin"), installed.root))
    p = run([ferryd, *expanded, "--version"])
    assert p.returncode == 0 and p.stdout.startswith("ferryd "), \
        f"ferryd {' '.join(expanded)} --version: exit {p.returncode}\n{p.stdout}{p.stderr}"


class NotifyListener:
    """A NOTIFY_SOCKET like systemd's: datagrams with the sender's credentials."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.messages = []

    def wait_for(self, key, timeout=15.0):
        """The first message (pid, {field: value}) holding key, after the ones seen."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.time()))
            try:
                data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
            except socket.timeout:
                break
            pid = None
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("iII", payload[:12])[0]
            fields = dict(l.split("=", 1) for l in data.decode().splitlines() if "=" in l)
            self.messages.append((pid, fields))
            if key in fields:
                return pid, fields
        raise AssertionError(f"no {key} within {timeout}s; got {self.messages}")


def test_ferryd_speaks_the_units_notify_protocol(installed, unit_path, tmp_path):
    """Type=notify with NotifyAccess=main and WatchdogSec= only work if the
    main process itself sends READY=1, STATUS=, WATCHDOG=1, RELOADING=1 on
    SIGHUP and STOPPING=1 on SIGTERM: run ferryd with the unit's command line
    (paths moved into a scratch directory) and listen like systemd does."""
    argv = shlex.split(unit_values(unit_path, "Service", "ExecStart")[0])
    conf, state = tmp_path / "etc", tmp_path / "state"
    conf.mkdir()
    moved = {"--config-dir": str(conf), "--state-dir": str(state), "--control-socket": str(tmp_path / "ferryd.sock")}
    args = [a for a in argv[1:] if a != "$FERRYD_OPTS"]
    for i in range(0, len(args) - 1):
        if args[i] in moved:
            args[i + 1] = moved[args[i]]
    listener = NotifyListener(str(tmp_path / "notify"))
    ferryd = os.path.join(installed.root, os.path.relpath(installed.one("ferryd", "/sbin"), installed.root))
    env = dict(os.environ, NOTIFY_SOCKET=str(tmp_path / "notify"), WATCHDOG_USEC="2000000")
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen([ferryd, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        pid, ready = listener.wait_for("READY")
        assert pid == proc.pid, "READY=1 must come from the main process (NotifyAccess=main)"
        assert ready["READY"] == "1" and ready.get("STATUS"), ready
        pid, _ = listener.wait_for("WATCHDOG", timeout=3)
        assert pid == proc.pid
        proc.send_signal(signal.SIGHUP)
        pid, reloading = listener.wait_for("RELOADING")
        assert pid == proc.pid and reloading["RELOADING"] == "1" and "MONOTONIC_USEC" in reloading
        pid, _ = listener.wait_for("READY")
        assert pid == proc.pid
        proc.send_signal(signal.SIGTERM)
        pid, _ = listener.wait_for("STOPPING")
        assert pid == proc.pid
        assert proc.wait(timeout=15) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def allowed_syscalls(unit_path):
    """The system calls the unit's SystemCallFilter= lines leave allowed."""
    p = run(["systemd-analyze", "syscall-filter"])
    groups, cur = {}, None
    for line in p.stdout.splitlines():
        if re.match(r"^@\S+$", line):
            cur = groups.setdefault(line, [])
        elif cur is not None and re.match(r"^\s+[@\w-]+$", line):
            cur.append(line.strip())

    def expand(names):
        out = set()
        for n in names:
            out |= expand(groups.get(n, [])) if n.startswith("@") else {n}
        return out

    allowed = None
    for value in unit_values(unit_path, "Service", "SystemCallFilter"):
        deny = value.startswith("~")
        names = expand(value.lstrip("~").split())
        if deny:
            allowed = (allowed if allowed is not None else set()) - names
        else:
            allowed = (allowed or set()) | names
    return allowed


def traced_calls(trace):
    calls, families = set(), set()
    with open(trace) as f:
        for line in f:
            m = re.match(r"^\d+\s+([a-z_0-9]+)\((.*)", line)
            if not m:
                continue
            calls.add(m.group(1))
            if m.group(1) == "socket":
                families.add(m.group(2).split(",")[0])
    return calls, families


def test_unit_sandbox_allows_what_ferryd_does(installed, unit_path, registry, ferry, tmp_path):
    """Run ferryd as the unit does (daemon mode, notify socket, control socket)
    through a real reconcile, a ferryctl reconcile, a reload and a stop, under
    strace, and check every system call it and its workers made is allowed by
    the unit's SystemCallFilter=, and every socket family by
    RestrictAddressFamilies= (AF_NETLINK aside: glibc's resolver asks for it
    and carries on when it is refused)."""
    need("strace")
    need("systemd-analyze")
    registry.api().push_dir_artifact("ferry/units", "v1", {"hello.txt": b"hello\n"})
    # by host name, so that the resolver runs under strace too
    ferry.source("app", f"oci://localhost:{registry.port}/ferry/units", extra_spec="ref:\n  tag: v1\ninsecure: true\n")
    sock = str(tmp_path / "ferryd.sock")
    listener = NotifyListener(str(tmp_path / "notify"))
    trace = str(tmp_path / "strace.txt")
    ferryd = os.path.join(installed.root, os.path.relpath(installed.one("ferryd", "/sbin"), installed.root))
    ferryctl = os.path.join(installed.root, os.path.relpath(installed.one("ferryctl", "/bin"), installed.root))
    # the DESTDIR tree is not at its prefix: point ferryd at the worker it installed
    worker = installed.one("ferry-worker", "/libexec/ferry")
    env = dict(os.environ, NOTIFY_SOCKET=str(tmp_path / "notify"), WATCHDOG_USEC="2000000", FERRY_WORKER=worker)
    proc = subprocess.Popen(["strace", "-f", "-qq", "-o", trace, ferryd, "--config-dir", ferry.config_dir,
                             "--state-dir", ferry.state_dir, "--control-socket", sock, "--startup-spread", "0s"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        daemon_pid, _ = listener.wait_for("READY")   # strace's child: signal it, not strace
        deadline = time.time() + 60
        while time.time() < deadline:
            ready = os.path.exists(os.path.join(ferry.state_dir, "status", "default", "app.json")) and \
                ferry.condition("app", "Ready")
            if ready and ready["status"] == "True":
                break
            time.sleep(0.1)
        assert ferry.condition("app", "Ready")["status"] == "True", ferry.condition("app", "Ready")
        p = run([ferryctl, "--state-dir", ferry.state_dir, "--control-socket", sock, "reconcile", "app"])
        assert p.returncode == 0, p.stdout + p.stderr
        os.kill(daemon_pid, signal.SIGHUP)
        listener.wait_for("RELOADING")
        listener.wait_for("READY")
        os.kill(daemon_pid, signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    calls, families = traced_calls(trace)
    assert "execve" in calls and "clone" in calls | {"clone3", "fork", "vfork"}, "strace saw no workers"
    refused = sorted(calls - allowed_syscalls(unit_path) - {"execve"})
    assert not refused, f"ferryd used system calls ferry.service refuses (EPERM): {refused}"
    allowed_families = set(unit_values(unit_path, "Service", "RestrictAddressFamilies")[0].split())
    assert not families - allowed_families - {"AF_NETLINK"}, f"socket families used: {sorted(families)}"


# --- sysusers -----------------------------------------------------------------

def test_sysusers_creates_system_user_and_group(installed, tmp_path):
    need("systemd-sysusers")
    conf = installed.one("ferry.conf", "/lib/sysusers.d")
    root = tmp_path / "sysroot"
    (root / "etc").mkdir(parents=True)
    p = run(["systemd-sysusers", f"--root={root}", conf])
    assert p.returncode == 0, p.stderr
    passwd = {l.split(":")[0]: l.rstrip("\n").split(":") for l in open(root / "etc" / "passwd")}
    group = {l.split(":")[0]: l.rstrip("\n").split(":") for l in open(root / "etc" / "group")}
    assert "ferry" in passwd and "ferry" in group
    _, _, uid, gid, _, home, shell = passwd["ferry"]
    assert 0 < int(uid) < 1000, "not a system user"
    assert gid == group["ferry"][2]
    assert home == "/var/lib/ferry"
    assert shell.endswith("nologin")
    shadow = {l.split(":")[0]: l.split(":") for l in open(root / "etc" / "shadow")}
    assert shadow["ferry"][1].startswith("!"), "the account must have no usable password"


# --- journal catalog ------------------------------------------------------------

def message_ids():
    with open(LOG_H) as f:
        ids = dict(re.findall(r'#define\s+(LOG_MSGID_\w+)\s+"([0-9a-f]{32})"', f.read()))
    assert ids, f"no LOG_MSGID_* in {LOG_H}"
    return ids


def test_catalog_parses_and_explains_every_message_id(installed):
    need("journalctl")
    installed.one("ferry.catalog", "/lib/systemd/catalog")
    p = run(["journalctl", f"--root={installed.root}", "--update-catalog"])
    assert p.returncode == 0 and p.stderr.strip() == "", f"journalctl --update-catalog:\n{p.stderr}"
    p = run(["journalctl", f"--root={installed.root}", "--list-catalog"])
    assert p.returncode == 0, p.stderr
    listed = dict(line.split(" ", 1) for line in p.stdout.splitlines() if line.strip())
    for name, mid in message_ids().items():
        assert mid in listed, f"{name} ({mid}) has no catalog entry"
        assert listed[mid].startswith("ferry: "), listed[mid]
        entry = run(["journalctl", f"--root={installed.root}", "--dump-catalog", mid]).stdout
        assert re.search(r"^Documentation: man:", entry, re.M), f"{mid}: no Documentation: field"
        assert "@FERRY_SOURCE@" in entry or name == "LOG_MSGID_RELOAD_FAILED", f"{mid}: does not name the source"
    assert set(listed) == set(message_ids().values()), "catalog entries for unknown message IDs"


# --- man pages ----------------------------------------------------------------

MAN_PAGES = ["ferryd.8", "ferryctl.1", "ferry-sources.5"]


@pytest.mark.parametrize("page", MAN_PAGES)
def test_man_page_is_lint_clean(installed, page):
    need("groff")
    path = installed.one(page)
    p = run(["groff", "-man", "-ww", "-z", path])
    assert p.returncode == 0 and p.stderr == "", f"groff warnings for {page}:\n{p.stderr}"
    if shutil.which("man"):
        p = run(["man", "--warnings", "-l", path], env=dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8"))
        assert p.returncode == 0 and p.stderr == "", f"man warnings for {page}:\n{p.stderr}"


def help_options(binary):
    p = run([binary, "--help"])
    assert p.returncode == 0, f"{binary} --help: exit {p.returncode}"
    return sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", p.stdout)))


def man_text(path):
    p = run(["groff", "-man", "-Tutf8", "-P-cbou", path])
    return p.stdout.replace("\u2010", "-").replace("\u2212", "-")


def test_ferryd_man_page_documents_every_option(installed):
    need("groff")
    text = man_text(installed.one("ferryd.8"))
    missing = [o for o in help_options(installed.one("ferryd", "/sbin")) if o not in text]
    assert not missing, f"ferryd(8) does not document {missing}"


def test_ferryctl_man_page_documents_every_command(installed):
    need("groff")
    ferryctl = installed.one("ferryctl", "/bin")
    p = run([ferryctl, "--help"])
    assert p.returncode == 0
    commands = re.findall(r"^  ([a-z]+)\s", p.stdout, re.M)
    assert commands, p.stdout
    text = man_text(installed.one("ferryctl.1"))
    missing = [c for c in commands if not re.search(rf"^ {{7}}{c}\b", text, re.M)]
    missing += [o for o in help_options(ferryctl) if o not in text]
    assert not missing, f"ferryctl(1) does not document {missing}"
