"""`ferryd --once` end to end through the registry client: semver over a
paginated tag list with a filter and pre-releases, an image index resolved to
the host platform, and a TLS registry with Basic auth and a token registry
configured with Secrets in /etc/ferry, as a user writes them."""
import json
import os
import platform
import textwrap

import pytest

from registry_fixtures import *  # noqa: F401,F403


def indent(text: str, n: int) -> str:
    return textwrap.indent(text, " " * n)


def write_secret(ferry, name: str, type_: str, string_data: dict, ns: str = "default"):
    body = "".join(f"  {k}: |\n{indent(v.rstrip(), 4)}\n" for k, v in string_data.items())
    ferry.write(f"secret-{name}.yaml", f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n"
                f"  namespace: {ns}\ntype: {type_}\nstringData:\n{body}")


def pull_secret(ferry, name: str, host: str, user: str, password: str):
    write_secret(ferry, name, "kubernetes.io/dockerconfigjson",
                 {".dockerconfigjson": ociprobe.dockerconfigjson({host: (user, password)}).decode()})


def ready(ferry, name="app"):
    return ferry.condition(name, "Ready")


@pytest.fixture
def semver_registry(registry, fault_proxy):
    api = registry.api()
    digests = {}
    for tag in ["0.9.0", "1.0.0", "1.1.0", "v1.1.5", "1.2.0-rc.1", "2.0.0", "latest", "1.x"]:
        digests[tag], _ = api.push_dir_artifact("team/app", tag, {"version.txt": tag.encode()})
    fault_proxy.add("paginate_tags", path=r"/tags/list", times=None, page_size=3)
    return fault_proxy, digests


def test_semver_over_paginated_tags(semver_registry, ferry):
    proxy, digests = semver_registry
    url = proxy.oci_url("team/app")
    ferry.source("app", url, extra_spec="insecure: true\nref:\n  semver: \">=1.0.0 <2.0.0\"")
    ferry.run_once(check_exit=0)
    assert ferry.status("app")["status"]["artifact"]["revision"] == f"v1.1.5@{digests['v1.1.5']}"
    assert ferry.read_current("app", "version.txt") == b"v1.1.5"
    assert len(proxy.matching(r"^GET /v2/team/app/tags/list")) == 3   # 8 tags, 3 per page

    ferry.source("app", url, extra_spec="insecure: true\nref:\n  semver: \">=1.0.0 <2.0.0\"\n"
                 "  semverFilter: \"^1\\\\.\"")
    ferry.run_once(check_exit=0)
    assert ferry.status("app")["status"]["artifact"]["revision"] == f"1.1.0@{digests['1.1.0']}"

    ferry.source("app", url, extra_spec="insecure: true\nref:\n  semver: \">=1.2.0-0 <2.0.0\"")
    ferry.run_once(check_exit=0)
    assert ferry.status("app")["status"]["artifact"]["revision"] == f"1.2.0-rc.1@{digests['1.2.0-rc.1']}"

    ferry.source("app", url, extra_spec="insecure: true\nref:\n  semver: \">=3.0.0\"")
    ferry.run_once(check_exit=1)
    c = ready(ferry)
    assert (c["status"], c["reason"]) == ("False", "ReadOperationFailed")
    assert c["message"] == f"failed to determine the artifact tag for '{url}': no match found for semver: >=3.0.0"
    assert ferry.read_current("app", "version.txt") == b"1.2.0-rc.1"


HOST = {"x86_64": ("linux", "amd64", None), "aarch64": ("linux", "arm64", "v8"),
        "armv7l": ("linux", "arm", "v7")}.get(platform.machine())


@pytest.mark.skipif(HOST is None, reason="no test mapping for this machine")
def test_index_resolves_to_the_host_platform(registry, ferry):
    api = registry.api()
    host = "/".join(p for p in HOST if p)
    digest, _ = push_platform_index(api, "multi", "v1", [("linux", "s390x", None), HOST, ("linux", "riscv64", None)])
    ferry.source("app", registry.oci_url("multi"), extra_spec="insecure: true\nref:\n  tag: v1")
    ferry.run_once(check_exit=0)
    assert ferry.read_current("app", "platform.txt") == host.encode()
    # the revision names the index, as Flux does
    assert ferry.status("app")["status"]["artifact"]["revision"] == f"v1@{digest}"

    push_platform_index(api, "multi", "v2", [("linux", "s390x", None), ("linux", "mips64", None)])
    ferry.source("app", registry.oci_url("multi"), extra_spec="insecure: true\nref:\n  tag: v2")
    ferry.run_once(check_exit=1)
    c = ready(ferry)
    assert (c["status"], c["reason"]) == ("False", "OCIArtifactPullFailed")
    assert c["message"] == (f"failed to pull artifact from '{registry.oci_url('multi')}': no manifest for platform "
                            f"{host} in the image index; it offers: linux/s390x, linux/mips64")
    assert ferry.read_current("app", "platform.txt") == host.encode()


def test_tls_registry_with_basic_auth_from_secrets(registry_factory, test_ca, htpasswd_file, ferry):
    srv = tls_registry(registry_factory, test_ca, htpasswd=htpasswd_file)
    api = srv.api(username=USER, password=PASSWORD, cafile=test_ca.cert_path)
    digest, _ = api.push_dir_artifact("team/app", "1.0.0", {"a.txt": b"private"})
    with open(test_ca.cert_path) as f:
        ca = f.read()
    pull_secret(ferry, "login", srv.host, USER, PASSWORD)
    write_secret(ferry, "tls", "Opaque", {"ca.crt": ca})
    spec = "ref:\n  semver: \"1.x\"\nsecretRef:\n  name: login\ncertSecretRef:\n  name: tls"
    ferry.source("app", srv.oci_url("team/app"), extra_spec=spec)
    p = ferry.run_once(check_exit=0)
    assert ferry.status("app")["status"]["artifact"]["revision"] == f"1.0.0@{digest}"
    assert ferry.read_current("app", "a.txt") == b"private"

    pull_secret(ferry, "login", srv.host, USER, "wrong-" + PASSWORD)
    ferry.source("app", srv.oci_url("team/app"), extra_spec=spec.replace("semver: \"1.x\"", "tag: 1.0.0"))
    p = ferry.run_once(check_exit=1)
    c = ready(ferry)
    assert c["reason"] == "OCIArtifactPullFailed"
    assert c["message"] == (f"failed to determine artifact digest: GET https://{srv.host}/v2/team/app/manifests/"
                            "1.0.0: UNAUTHORIZED: authentication required")
    with open(os.path.join(ferry.state_dir, "status", "default", "app.json")) as f:
        status_text = f.read()
    for secret in (PASSWORD, "wrong-" + PASSWORD):
        assert secret not in status_text and secret not in p.stdout + p.stderr

    # a certSecretRef without usable keys is AuthenticationFailed, naming the Secret
    write_secret(ferry, "tls", "Opaque", {"tls.crt": ca})
    ferry.run_once(check_exit=1)
    c = ready(ferry)
    assert c["reason"] == "AuthenticationFailed"
    assert c["message"] == (f"failed to generate transport for '{srv.oci_url('team/app')}': secret 'default/tls': "
                            "found 'tls.crt' but not 'tls.key': a client certificate needs both")


def test_token_registry_from_secrets(registry_factory, test_ca, ferry, tmp_path):
    iss = tokenissuer.TokenIssuer(test_ca, str(tmp_path / "issuer"), users={USER: PASSWORD}).start()
    try:
        srv = registry_factory(token=iss.registry_config())
        api = srv.api()
        api._token = "Bearer " + iss.make_token("pusher", ["repository:team/app:pull,push"], push=True)
        digest, _ = api.push_dir_artifact("team/app", "latest", {"a.txt": b"tokens"})
        pull_secret(ferry, "login", srv.host, USER, PASSWORD)
        ferry.source("app", srv.oci_url("team/app"), extra_spec="insecure: true\nsecretRef:\n  name: login")
        ferry.run_once(check_exit=0)
        assert ferry.status("app")["status"]["artifact"]["revision"] == f"latest@{digest}"
        assert ferry.read_current("app", "a.txt") == b"tokens"
        gets = [r for r in iss.token_requests() if r["method"] == "GET"]
        assert gets and all(r["authorization"] for r in gets)
        assert all(r["query"]["scope"] == ["repository:team/app:pull"] for r in gets)
    finally:
        iss.stop()
