"""Fixtures and helpers for ferry's Notation integration tests.

Import into a test module with `from notation_fixtures import *`. Builds on
conftest.py (`registry`, `registry_factory`, `ferry`) and the tools under
tests/tools: pki (chains), notation_sign (envelopes), notation_publish
(signature manifests + referrers tag index), referrers_server (Referrers API).

The `notation` fixture is a NotationWorld: one docker-registry, one scratch
ferry, and helpers to push an artifact, sign it, write the trust bundle
Secret and the OCIRepository, run `ferryd --once` and check the Flux
conditions.
"""
import base64
import datetime
import json
import os
import sys
import textwrap

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))

import notation_publish  # noqa: E402
import notation_sign  # noqa: E402
import ociutil  # noqa: E402
import pki  # noqa: E402
import referrers_server  # noqa: E402

__all__ = ["notation", "referrers_proxy", "NotationWorld", "Subject", "chain_for", "trust_policy",
           "rfc1123z", "go_subject", "verify_failed", "aggregate", "VERIFY_PREFIX", "SIG_FAILED", "POLICY_LINK",
           "SignOptions", "pki", "notation_sign", "notation_publish", "ociutil", "referrers_server"]

SignOptions = notation_sign.SignOptions
VERIFY_PREFIX = "failed to verify the signature using provider 'notation': "
SIG_FAILED = "signature verification failed"
POLICY_LINK = "https://notaryproject.dev/docs/quickstart/#create-a-trust-policy"


def chain_for(key_type: str = "rsa3072", signer: str = "a", intermediates: int = 1, **kw) -> pki.Chain:
    """A fresh chain whose keys are made once per (key type, signer) for the
    whole test run: certificates are new each call, keys are reused."""
    return pki.make_chain(key_type, intermediates=intermediates, key_slot=f"signer-{signer}", **kw)


def trust_policy(scopes, level: str = "strict", identities=("*",), stores=("ca:ferry",),
                 override: dict = None, name: str = "ferry-test", extra_statements=()) -> dict:
    sv = {"level": level}
    if override:
        sv["override"] = override
    stmt = {"name": name, "registryScopes": list(scopes), "signatureVerification": sv,
            "trustStores": list(stores), "trustedIdentities": list(identities)}
    return {"version": "1.0", "trustPolicies": [stmt, *extra_statements]}


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc1123z(t: datetime.datetime) -> str:
    """Go's time.RFC1123Z rendering of a UTC time."""
    t = t.astimezone(datetime.timezone.utc)
    return (f"{_DAYS[t.weekday()]}, {t.day:02d} {_MONTHS[t.month - 1]} {t.year} "
            f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} +0000")


def go_subject(cert) -> str:
    """Go's pkix.Name.String() for the plain subjects pki.name() makes: RFC 4514
    order (last RDN first), which cryptography renders the same way for these
    attribute types."""
    return cert.subject.rfc4514_string()


def aggregate(*per_signature) -> str:
    """notation-go's message when every signature failed:
    aggregate((sig_digest, reason), ...)."""
    lines = [SIG_FAILED] + [f"failed to verify signature with digest {d}, {why}" for d, why in per_signature]
    return "\n".join(lines)


def verify_failed(msg: str) -> str:
    return VERIFY_PREFIX + msg


class Subject(dict):
    """The descriptor of a pushed artifact (mediaType, digest, size) plus where it lives."""

    @property
    def digest(self):
        return self["digest"]

    @property
    def hex(self):
        return self["digest"].split(":", 1)[1]


class NotationWorld:
    def __init__(self, registry, ferry, tmp_path, api_registry=None):
        self.registry = registry                 # conftest RegistryServer (or a proxy with .host)
        self.reg = api_registry or registry.api()
        self.ferry = ferry
        self.tmp_path = tmp_path

    # -- registry side ----------------------------------------------------
    @property
    def host(self) -> str:
        return self.registry.host

    def url(self, repo: str) -> str:
        return f"oci://{self.host}/{repo}"

    def scope(self, repo: str) -> str:
        return f"{self.host}/{repo}"

    def ref(self, subject: Subject) -> str:
        return f"{self.host}/{subject.repo}@{subject.digest}"

    def push(self, repo: str = "app", tag: str = "v1", files: dict = None) -> Subject:
        files = files if files is not None else {"app.conf": f"repo={repo} tag={tag}\n".encode()}
        digest, body = self.reg.push_dir_artifact(repo, tag, files)
        s = Subject(mediaType=ociutil.OCI_MANIFEST, digest=digest, size=len(body))
        s.repo, s.tag, s.files = repo, tag, files
        return s

    def sign(self, subject: Subject, chain: pki.Chain, options: SignOptions = None, target: dict = None,
             legacy: bool = False, referrers_tag_index: bool = True, **opt_fields) -> dict:
        """Sign subject (or target) with chain and attach it; returns the
        signature manifest's index entry (its digest is what messages name)."""
        o = options or SignOptions()
        for k, v in opt_fields.items():
            setattr(o, k, v)
        return notation_publish.sign_and_attach(self.reg, subject.repo, dict(subject), chain.leaf_key,
                                                chain.der(), o, target=target, legacy=legacy,
                                                referrers_tag_index=referrers_tag_index)

    # -- ferry side -------------------------------------------------------
    def secret(self, name: str = "notation-config", policy: dict = None, certs: dict = None,
               namespace: str = "default", string_data: bool = False, file: str = None,
               policy_text: str = None) -> str:
        """Write a Secret with trustpolicy.json and the given {key: PEM/DER bytes}."""
        entries = {}
        if policy is not None or policy_text is not None:
            entries["trustpolicy.json"] = (policy_text if policy_text is not None
                                           else json.dumps(policy, indent=2)).encode()
        entries.update(certs or {})
        lines = ["apiVersion: v1", "kind: Secret", "metadata:", f"  name: {name}",
                 f"  namespace: {namespace}", "type: Opaque"]
        if string_data:
            lines.append("stringData:")
            for k, v in entries.items():
                lines.append(f"  {k}: |")
                lines.extend("    " + ln for ln in v.decode().rstrip("\n").split("\n"))
        else:
            lines.append("data:")
            for k, v in entries.items():
                lines.append(f"  {k}: {base64.b64encode(v).decode()}")
        return self.ferry.write(file or f"{namespace}-{name}-secret.yaml", "\n".join(lines) + "\n")

    def source(self, name: str, subject: Subject, secret: str = "notation-config", by: str = "digest",
               namespace: str = "default", extra_spec: str = "", verify: bool = True) -> str:
        spec = "insecure: true\n"
        if by == "digest":
            spec += f"ref:\n  digest: \"{subject.digest}\"\n"
        else:
            spec += f"ref:\n  tag: \"{subject.tag}\"\n"
        if verify:
            spec += f"verify:\n  provider: notation\n  secretRef:\n    name: {secret}\n"
        spec += textwrap.dedent(extra_spec)
        return self.ferry.source(name, self.url(subject.repo), namespace=namespace, extra_spec=spec)

    def setup(self, subject: Subject, chain: pki.Chain, name: str = "app", level: str = "strict",
              identities=("*",), trusted=None, by: str = "digest", **policy_kw):
        """Secret trusting `trusted` (default: chain's root) + a verifying source."""
        trusted = [chain.root] if trusted is None else trusted
        certs = {f"cert{i}.crt": pki.cert_pem(c) for i, c in enumerate(trusted)}
        self.secret(policy=trust_policy([self.scope(subject.repo)], level=level, identities=identities,
                                        **policy_kw), certs=certs)
        self.source(name, subject, by=by)

    def revision(self, subject: Subject, by: str = "digest") -> str:
        return subject.digest if by == "digest" else f"{subject.tag}@{subject.digest}"

    def run(self, expect_exit: int = None):
        return self.ferry.run_once(check_exit=expect_exit)

    # -- assertions -------------------------------------------------------
    def conditions(self, name: str, namespace: str = "default") -> dict:
        st = self.ferry.status(name, namespace).get("status", {})
        return {c["type"]: c for c in st.get("conditions", [])}

    def assert_verified(self, name: str, revision: str, namespace: str = "default"):
        conds = self.conditions(name, namespace)
        sv, ready = conds.get("SourceVerified"), conds.get("Ready")
        assert sv is not None, conds
        assert (sv["status"], sv["reason"], sv["message"]) == \
            ("True", "Succeeded", f"verified signature of revision {revision}"), sv
        assert ready["status"] == "True", ready
        assert ready["reason"] == "Succeeded", ready
        art = self.ferry.status(name, namespace)["status"]["artifact"]
        assert art["revision"] == revision, art

    def assert_failed(self, name: str, message: str, namespace: str = "default", exact: bool = True):
        """SourceVerified=False VerificationError and Ready=False with the same
        reason and message. message is the part after the provider prefix;
        exact=False accepts it as a prefix."""
        conds = self.conditions(name, namespace)
        sv, ready = conds.get("SourceVerified"), conds.get("Ready")
        assert sv is not None, conds
        assert sv["status"] == "False", sv
        assert sv["reason"] == "VerificationError", sv
        want = verify_failed(message)
        if exact:
            assert sv["message"] == want, f"\n got: {sv['message']!r}\nwant: {want!r}"
        else:
            assert sv["message"].startswith(want), f"\n got: {sv['message']!r}\nwant prefix: {want!r}"
        assert (ready["status"], ready["reason"], ready["message"]) == ("False", "VerificationError", sv["message"])
        return sv["message"]

    def assert_not_extracted(self, name: str, subject: Subject, namespace: str = "default"):
        assert self.ferry.current(name, namespace) is None
        d = self.ferry.artifact_dir(name, namespace)
        assert not os.path.exists(os.path.join(d, subject.hex)), os.listdir(d)

    def assert_extracted(self, name: str, subject: Subject, namespace: str = "default"):
        cur = self.ferry.current(name, namespace)
        assert cur is not None and os.path.basename(cur) == subject.hex, cur
        for rel, content in subject.files.items():
            if content is not None:
                assert self.ferry.read_current(name, rel, namespace) == content

    def assert_unknown(self, name: str, revision: str, must_mention: str, namespace: str = "default"):
        conds = self.conditions(name, namespace)
        sv, ready = conds.get("SourceVerified"), conds.get("Ready")
        assert sv is not None and sv["status"] == "Unknown", conds
        assert must_mention in sv["message"], sv
        assert ready["status"] == "True", ready
        art = self.ferry.status(name, namespace)["status"]["artifact"]
        assert art["revision"] == revision, art
        return sv


@pytest.fixture
def notation(registry, ferry, tmp_path):
    return NotationWorld(registry, ferry, tmp_path)


@pytest.fixture
def referrers_proxy(registry):
    """A Referrers-API server in front of `registry`; stopped after the test."""
    srv = referrers_server.ReferrersServer(registry.base_url).start()
    yield srv
    srv.stop()
