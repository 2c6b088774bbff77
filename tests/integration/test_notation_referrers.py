"""Signature discovery through the OCI 1.1 Referrers API
(tests/tools/referrers_server.py in front of the docker-registry): paging
with Link headers, server- and client-side artifactType filtering, and the
fallback to the referrers tag schema when the API is missing."""
import json

import pytest

from notation_fixtures import *  # noqa: F401,F403

SIGNATURE_QUERY = "artifactType=application%2Fvnd.cncf.notary.signature"


@pytest.fixture
def via_proxy(registry, ferry, tmp_path, referrers_proxy):
    """A NotationWorld whose registry address (for ferry and for pushes) is the proxy."""
    return NotationWorld(referrers_proxy, ferry, tmp_path, api_registry=ociutil.Registry(referrers_proxy.base_url))


def push_other_referrer(world, subject, artifact_type="application/spdx+json"):
    """A non-signature artifact (an SBOM, say) that refers to subject."""
    reg = world.reg
    blob = json.dumps({"sbom": subject.digest}).encode()
    reg.push_blob(subject.repo, b"{}")
    reg.push_blob(subject.repo, blob)
    manifest = {"schemaVersion": 2, "mediaType": ociutil.OCI_MANIFEST, "artifactType": artifact_type,
                "config": {"mediaType": ociutil.OCI_EMPTY, "digest": ociutil.sha256_digest(b"{}"), "size": 2},
                "layers": [ociutil.descriptor("application/json", blob)],
                "subject": {k: subject[k] for k in ("mediaType", "digest", "size")}}
    body = json.dumps(manifest, separators=(",", ":")).encode()
    return reg.push_manifest(subject.repo, ociutil.sha256_digest(body), body)


def referrers_gets(proxy, subject):
    return [p for m, p in proxy.requests if m == "GET" and f"/referrers/{subject.digest}" in p]


def tag_schema_gets(proxy, subject):
    return [p for m, p in proxy.requests if f"/manifests/sha256-{subject.hex}" in p]


def test_signature_on_a_later_page(via_proxy, referrers_proxy):
    world, proxy = via_proxy, referrers_proxy
    proxy.page_size = 1
    subject = world.push()
    good, stranger = chain_for("rsa3072", "a"), chain_for("ec256", "b")
    push_other_referrer(world, subject)
    world.sign(subject, stranger, referrers_tag_index=False)
    world.sign(subject, good, fmt="cose", tamper="signature", referrers_tag_index=False)
    world.sign(subject, good, referrers_tag_index=False)
    world.setup(subject, good)

    world.run(expect_exit=0)

    world.assert_verified("app", subject.digest)
    world.assert_extracted("app", subject)
    gets = referrers_gets(proxy, subject)
    assert gets and all(SIGNATURE_QUERY in p for p in gets), gets
    assert sum("last=" in p for p in gets) == 2, gets       # pages 2 and 3 followed via Link
    assert tag_schema_gets(proxy, subject) == []


def test_client_filters_when_the_server_does_not(via_proxy, referrers_proxy):
    world, proxy = via_proxy, referrers_proxy
    proxy.filter_artifact_type = False
    proxy.page_size = 2
    subject = world.push()
    chain = chain_for("ec384")
    for at in ("application/spdx+json", "application/vnd.in-toto+json", "application/vnd.example.sbom"):
        push_other_referrer(world, subject, at)
    world.sign(subject, chain, referrers_tag_index=False)
    world.setup(subject, chain)

    world.run(expect_exit=0)

    world.assert_verified("app", subject.digest)
    assert tag_schema_gets(proxy, subject) == []


def test_no_signature_among_the_referrers(via_proxy, referrers_proxy):
    world, proxy = via_proxy, referrers_proxy
    proxy.filter_artifact_type = False
    subject = world.push()
    chain = chain_for("rsa3072")
    push_other_referrer(world, subject)
    world.setup(subject, chain)

    world.run(expect_exit=1)

    world.assert_failed("app", f'no signature is associated with "{world.ref(subject)}", '
                               "make sure the artifact was signed successfully")
    world.assert_not_extracted("app", subject)
    assert referrers_gets(proxy, subject)


def test_bad_signature_found_through_the_api_fails(via_proxy, referrers_proxy):
    world = via_proxy
    subject = world.push()
    signer, trusted = chain_for("rsa3072", "a"), chain_for("rsa3072", "b")
    sig = world.sign(subject, signer, referrers_tag_index=False)
    world.setup(subject, signer, trusted=[trusted.root])

    world.run(expect_exit=1)

    world.assert_failed("app", aggregate(
        (sig["digest"], "the signature's certificate chain does not contain any trusted certificate")))


@pytest.mark.parametrize("mode", ["unsupported", "bad-content-type"])
def test_falls_back_to_the_referrers_tag(via_proxy, referrers_proxy, mode):
    world, proxy = via_proxy, referrers_proxy
    proxy.mode = mode
    subject = world.push()
    chain = chain_for("ec256")
    world.sign(subject, chain, fmt="cose")          # also maintains the sha256-<hex> index
    world.setup(subject, chain)

    world.run(expect_exit=0)

    world.assert_verified("app", subject.digest)
    assert referrers_gets(proxy, subject), proxy.requests
    assert tag_schema_gets(proxy, subject), proxy.requests


def test_signature_limit_counts_across_pages(via_proxy, referrers_proxy):
    world, proxy = via_proxy, referrers_proxy
    proxy.page_size = 2
    subject = world.push()
    good, stranger = chain_for("rsa3072", "a"), chain_for("rsa3072", "b")
    for _ in range(3):
        world.sign(subject, stranger, referrers_tag_index=False)
    world.sign(subject, good, referrers_tag_index=False)
    world.setup(subject, good)

    world.run(expect_exit=1)

    world.assert_failed("app", "signature evaluation stopped. The configured limit of 3 signatures to "
                               "verify per artifact exceeded")
