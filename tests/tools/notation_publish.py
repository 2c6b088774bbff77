"""notation_publish - attach Notary Project signatures to artifacts in a real
registry, the way notation does on a registry without the Referrers API.

For a subject manifest (repo, digest, media type, size) it pushes the
envelope blob and a signature manifest:
  OCI image manifest, artifactType application/vnd.cncf.notary.signature,
  config = the OCI empty descriptor ({} with data "e30="), one layer with the
  envelope media type, subject = the signed manifest, annotations
  io.cncf.notary.x509chain.thumbprint#S256 (JSON array of lowercase hex
  SHA-256 of the chain) and org.opencontainers.image.created;
or the legacy form (no artifactType, config mediaType
application/vnd.cncf.notary.signature). It then maintains the referrers tag
schema: tag `sha256-<hex of subject>` -> OCI index listing every signature
manifest with its artifactType (appended to an existing index). Debian's
docker-registry 2.8 has no Referrers API, so this tag is how verifiers find
the signatures there.

CLI (signs with notation_sign and attaches):
    notation_publish.py --registry URL --repo R --digest sha256:... \
        --key leaf.key --cert chain.pem [--cose] [--legacy] [--expiry-seconds N]
prints the signature manifest digest.
"""
import base64
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import notation_sign  # noqa: E402
import ociutil  # noqa: E402

NOTARY_SIGNATURE = "application/vnd.cncf.notary.signature"
THUMBPRINT_ANNOTATION = "io.cncf.notary.x509chain.thumbprint#S256"
CREATED_ANNOTATION = "org.opencontainers.image.created"
EMPTY_JSON = b"{}"
MANIFEST_ACCEPT = ", ".join([ociutil.OCI_MANIFEST, ociutil.OCI_INDEX, ociutil.DOCKER_MANIFEST,
                             "application/vnd.docker.distribution.manifest.list.v2+json"])


def referrers_tag(subject_digest: str) -> str:
    alg, _, hexpart = subject_digest.partition(":")
    return f"{alg}-{hexpart}"


def subject_descriptor(reg: ociutil.Registry, repo: str, ref: str) -> dict:
    """The descriptor a verifier resolves for repo:ref (media type from the
    manifest bytes, digest and size over them)."""
    _, body = reg.get_manifest(repo, ref, accept=MANIFEST_ACCEPT)
    mt = json.loads(body).get("mediaType") or ociutil.OCI_MANIFEST
    return {"mediaType": mt, "digest": ociutil.sha256_digest(body), "size": len(body)}


def signature_manifest(subject: dict, envelope: bytes, envelope_media_type: str, chain_der,
                       legacy: bool = False, created: str = None, annotations: dict = None):
    """(manifest bytes, config bytes) of a signature manifest for envelope."""
    if legacy:
        config = {"mediaType": NOTARY_SIGNATURE, "digest": ociutil.sha256_digest(EMPTY_JSON),
                  "size": len(EMPTY_JSON)}
    else:
        config = {"mediaType": ociutil.OCI_EMPTY, "digest": ociutil.sha256_digest(EMPTY_JSON),
                  "size": len(EMPTY_JSON), "data": base64.b64encode(EMPTY_JSON).decode()}
    ann = {THUMBPRINT_ANNOTATION: json.dumps(notation_sign.thumbprints(chain_der), separators=(",", ":")),
           CREATED_ANNOTATION: created or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    ann.update(annotations or {})
    m = {"schemaVersion": 2, "mediaType": ociutil.OCI_MANIFEST}
    if not legacy:
        m["artifactType"] = NOTARY_SIGNATURE
    m["config"] = config
    m["layers"] = [ociutil.descriptor(envelope_media_type, envelope)]
    m["subject"] = {k: subject[k] for k in ("mediaType", "digest", "size")}
    m["annotations"] = ann
    return json.dumps(m, separators=(",", ":")).encode(), EMPTY_JSON


def index_entry(manifest: bytes) -> dict:
    """The descriptor of a signature manifest as a referrers index lists it."""
    m = json.loads(manifest)
    d = ociutil.descriptor(ociutil.OCI_MANIFEST, manifest)
    d["artifactType"] = m.get("artifactType") or m["config"]["mediaType"]
    if m.get("annotations"):
        d["annotations"] = m["annotations"]
    return d


def update_referrers_index(reg: ociutil.Registry, repo: str, subject_digest: str, entries,
                           replace: bool = False) -> str:
    """Append entries (descriptors) to the referrers tag index of subject_digest
    (creating it), or with replace=True make it list exactly entries.
    Returns the new index digest."""
    tag = referrers_tag(subject_digest)
    manifests = []
    if not replace:
        status, _, body = reg.request("GET", f"/v2/{repo}/manifests/{tag}",
                                      headers={"Accept": ociutil.OCI_INDEX}, ok=(200, 404))
        if status == 200:
            manifests = json.loads(body).get("manifests") or []
    seen = {m["digest"] for m in manifests}
    for e in entries:
        if e["digest"] not in seen:
            manifests.append(e)
            seen.add(e["digest"])
    index = {"schemaVersion": 2, "mediaType": ociutil.OCI_INDEX, "manifests": manifests}
    return reg.push_manifest(repo, tag, index, ociutil.OCI_INDEX)


def attach(reg: ociutil.Registry, repo: str, subject: dict, envelope: bytes, envelope_media_type: str,
           chain_der, legacy: bool = False, referrers_tag_index: bool = True,
           created: str = None, annotations: dict = None) -> dict:
    """Push envelope + signature manifest for subject; returns the index entry
    (descriptor with artifactType) of the signature manifest."""
    manifest, config = signature_manifest(subject, envelope, envelope_media_type, chain_der,
                                          legacy=legacy, created=created, annotations=annotations)
    reg.push_blob(repo, config)
    reg.push_blob(repo, envelope)
    digest = reg.push_manifest(repo, ociutil.sha256_digest(manifest), manifest, ociutil.OCI_MANIFEST)
    entry = index_entry(manifest)
    assert entry["digest"] == digest
    if referrers_tag_index:
        update_referrers_index(reg, repo, subject["digest"], [entry])
    return entry


def sign_and_attach(reg: ociutil.Registry, repo: str, subject: dict, key, chain_der,
                    options: notation_sign.SignOptions = None, target: dict = None, **attach_kw) -> dict:
    """Sign subject (or another target descriptor, for negative tests) and
    attach the envelope to subject. Returns the index entry."""
    env, mt = notation_sign.sign(target or subject, key, chain_der, options)
    return attach(reg, repo, subject, env, mt, chain_der, **attach_kw)


def main(argv=None):
    import argparse
    import pki
    p = argparse.ArgumentParser(description="sign an artifact in a registry and attach the signature")
    p.add_argument("--registry", required=True, help="base URL, e.g. http://127.0.0.1:5000")
    p.add_argument("--repo", required=True)
    p.add_argument("--digest", required=True, help="manifest digest (or tag) of the artifact")
    p.add_argument("--key", required=True, help="PEM private key of the signing leaf")
    p.add_argument("--cert", required=True, help="PEM chain, leaf first")
    p.add_argument("--cose", action="store_true", help="COSE envelope instead of JWS")
    p.add_argument("--legacy", action="store_true", help="legacy signature manifest (no artifactType)")
    p.add_argument("--no-referrers-tag", action="store_true", help="do not update the sha256-<hex> index")
    p.add_argument("--expiry-seconds", type=int, help="signature expiry relative to now")
    p.add_argument("--username")
    p.add_argument("--password")
    a = p.parse_args(argv)
    reg = ociutil.Registry(a.registry, username=a.username, password=a.password)
    subject = subject_descriptor(reg, a.repo, a.digest)
    now = notation_sign.utcnow()
    o = notation_sign.SignOptions(fmt="cose" if a.cose else "jws", signing_time=now)
    if a.expiry_seconds is not None:
        o.expiry = now + datetime.timedelta(seconds=a.expiry_seconds)
    chain = [pki.cert_der(c) for c in pki.load_certs(a.cert)]
    entry = sign_and_attach(reg, a.repo, subject, pki.load_key(a.key), chain, o,
                            legacy=a.legacy, referrers_tag_index=not a.no_referrers_tag)
    print(entry["digest"])


if __name__ == "__main__":
    main()
