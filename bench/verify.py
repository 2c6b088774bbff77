#!/usr/bin/python3
"""bench/verify.py - benchmark Notation envelope verification (nv_envelope_verify).

Prepares the two envelopes ferry's verification budget is stated for, each
with a two-certificate chain (code-signing leaf + self-signed root) made by
tests/tools/pki.py and signed by tests/tools/notation_sign.py:
  jws-rsa3072-ps384.jws    JWS, RSA-3072 leaf, PS384
  cose-p384-es384.cose     COSE, P-384 leaf, ES384
then builds bench/bench-verify.c against a ferry build directory (libferry.a,
config.h) unless the build already has a bench-verify, and runs it.

usage: bench/verify.py [--build-dir DIR] [--out DIR] [-n N] [--prepare-only]
The build dir defaults to $FERRY_BUILD_DIR. Run it on an idle machine: the
numbers are CPU time per signature and verifications per second.
"""
import argparse
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests", "tools"))

import notation_sign  # noqa: E402
import pki  # noqa: E402

PKG_MODULES = ["libcurl", "wolfssl", "yaml-0.1", "libarchive", "libsystemd", "jansson", "libcbor"]
ENVELOPES = [("jws-rsa3072-ps384.jws", "rsa3072", "jws"), ("cose-p384-es384.cose", "ec384", "cose")]
TARGET = notation_sign.target_descriptor("application/vnd.oci.image.manifest.v1+json",
                                         "sha256:" + "5e" * 32, 1042)


def prepare(out: str):
    os.makedirs(out, exist_ok=True)
    files = []
    for fname, key_type, fmt in ENVELOPES:
        chain = pki.make_chain(key_type, intermediates=0, cn="bench signer")
        env, _ = notation_sign.sign(TARGET, chain.leaf_key, chain.der(), notation_sign.SignOptions(fmt=fmt))
        path = os.path.join(out, fname)
        with open(path, "wb") as f:
            f.write(env)
        with open(path + ".root.crt", "wb") as f:
            f.write(pki.cert_pem(chain.root))
        files.append(path)
    return files


def build_command(build_dir: str, output: str):
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", *PKG_MODULES], check=True,
                           capture_output=True, text=True).stdout.split()
    return ["cc", "-std=gnu11", "-O2", "-include", os.path.join(build_dir, "config.h"),
            "-I", os.path.join(SRC, "src"), os.path.join(HERE, "bench-verify.c"),
            os.path.join(build_dir, "libferry.a"), *flags, "-o", output]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build-dir", default=os.environ.get("FERRY_BUILD_DIR"))
    p.add_argument("--out", help="where envelopes (and the program) go; default: a temporary dir")
    p.add_argument("-n", type=int, default=200, help="verifications per envelope")
    p.add_argument("--prepare-only", action="store_true", help="only write the envelopes")
    a = p.parse_args()
    out = a.out or tempfile.mkdtemp(prefix="ferry-bench-verify-")
    files = prepare(out)
    if a.prepare_only:
        print("\n".join(files))
        return 0
    if not a.build_dir or not os.path.exists(os.path.join(a.build_dir, "libferry.a")):
        print("bench/verify.py: need --build-dir (or FERRY_BUILD_DIR) with a built libferry.a", file=sys.stderr)
        return 2
    program = os.path.join(a.build_dir, "bench", "bench-verify")
    if not os.access(program, os.X_OK):
        program = os.path.join(out, "bench-verify")
        cmd = build_command(a.build_dir, program)
        print("+", " ".join(shlex.quote(c) for c in cmd), file=sys.stderr)
        subprocess.run(cmd, check=True)
    return subprocess.run([program, "-n", str(a.n), *files]).returncode


if __name__ == "__main__":
    sys.exit(main())
