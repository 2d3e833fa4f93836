"""Install the browser libraries the pages load, from the npm registry, pinned.

Run by `make install`. Each library is one published package at one version, checked
against the integrity hash the registry publishes for it, and one file of it is copied
unchanged into the app's static folder (with the package's license beside it). Nothing
of another project's code lives in the repository itself; no Node.js is needed.

    .venv/bin/python scripts/browser_libs.py          # fetch what is missing
    .venv/bin/python scripts/browser_libs.py --check  # exit 1 if a file is missing or changed

The registry is https://registry.npmjs.org unless NPM_CONFIG_REGISTRY names another.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "shuxiang"


@dataclass(frozen=True)
class Library:
    package: str
    version: str
    integrity: str  # the registry's "sha512-..." of the package tarball
    member: str  # the file taken from the tarball
    target: Path  # where it goes
    sha256: str  # of that file, checked again after copying
    license_member: str
    license_target: Path


LIBRARIES = [
    # ZXing for JavaScript: the stocktake page's barcode reader where the browser has no
    # BarcodeDetector (Safari on iPhone, most desktop browsers). Apache-2.0.
    Library(
        package="@zxing/library",
        version="0.23.0",
        integrity=(
            "sha512-6fkkoFwP8CHxl6ugnPsj74PLJgX2iRv5zczGAyt5OBzQgxFhuhF0NCEc4t4OvSr8xAv2MRLlI0Iu9ZGDZQ2urA=="
        ),
        member="package/umd/index.min.js",
        target=ROOT / "inventory/static/inventory/vendor/zxing-library-0.23.0.min.js",
        sha256="3ede94153fb0c5b67a12d7adff6decd827c2b22714fdc6faecf27a8f20937ea6",
        license_member="package/LICENSE",
        license_target=ROOT / "inventory/static/inventory/vendor/LICENSE-zxing-library.txt",
    ),
]


def _registry() -> str:
    return os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org").rstrip("/")


def _tarball_url(lib: Library) -> str:
    name = lib.package.split("/")[-1]
    return f"{_registry()}/{lib.package}/-/{name}-{lib.version}.tgz"


def _in_place(lib: Library) -> bool:
    return (
        lib.target.exists()
        and lib.license_target.exists()
        and hashlib.sha256(lib.target.read_bytes()).hexdigest() == lib.sha256
    )


def fetch(lib: Library) -> None:
    url = _tarball_url(lib)
    with urllib.request.urlopen(url, timeout=60) as answer:  # noqa: S310 (a fixed https URL)
        tarball = answer.read()
    algorithm, _, expected = lib.integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if digest != expected:
        raise SystemExit(
            f"{lib.package}@{lib.version}: the tarball from {url} is not the pinned one"
        )
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        script = archive.extractfile(lib.member)
        license_text = archive.extractfile(lib.license_member)
        if script is None or license_text is None:
            raise SystemExit(f"{lib.package}@{lib.version}: {lib.member} is not in the package")
        body = script.read()
        if hashlib.sha256(body).hexdigest() != lib.sha256:
            raise SystemExit(f"{lib.package}@{lib.version}: {lib.member} is not the pinned file")
        lib.target.parent.mkdir(parents=True, exist_ok=True)
        lib.target.write_bytes(body)
        lib.license_target.write_bytes(license_text.read())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="fetch nothing; exit 1 if not in place"
    )
    args = parser.parse_args(argv)
    missing = [lib for lib in LIBRARIES if not _in_place(lib)]
    if args.check:
        for lib in missing:
            print(f"missing or changed: {lib.target} ({lib.package}@{lib.version})")
        return 1 if missing else 0
    for lib in missing:
        print(f"browser library {lib.package}@{lib.version} from {_registry()}")
        fetch(lib)
    return 0


if __name__ == "__main__":
    sys.exit(main())
