"""What a phone gets from the stocktake page besides the page: the camera controls and
their messages, the service worker that keeps the page for a reload without network,
and the barcode library, installed unchanged into static by `make install` with its
version and license."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

import shuxiang.inventory
from shuxiang.inventory.models import Stocktake

VENDOR = Path(shuxiang.inventory.__file__).parent / "static" / "inventory" / "vendor"
ZXING = "zxing-library-0.23.0.min.js"
ZXING_SHA256 = "3ede94153fb0c5b67a12d7adff6decd827c2b22714fdc6faecf27a8f20937ea6"


def test_the_barcode_library_is_the_published_file_with_its_license_and_record():
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[2] / "scripts" / "browser_libs.py"
    check = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    assert ZXING_SHA256 in script.read_text()
    assert hashlib.sha256((VENDOR / ZXING).read_bytes()).hexdigest() == ZXING_SHA256
    readme = (VENDOR / "README.md").read_text()
    assert ZXING in readme and ZXING_SHA256 in readme and "Apache-2.0" in readme
    assert "@zxing/library@0.23.0" in readme
    assert "Apache License" in (VENDOR / "LICENSE-zxing-library.txt").read_text()


@pytest.mark.django_db
def test_the_stocktake_page_offers_the_camera_and_names_its_worker(staff_client, shelf):
    staff_client.post("/staff/inventory/", {"name": "2026 春季清点"})
    st = Stocktake.objects.latest("id")
    html = staff_client.get(f"/staff/inventory/stocktakes/{st.pk}/").content.decode()
    assert 'id="camera-start"' in html and "用摄像头扫描" in html
    assert 'data-worker-url="/staff/inventory/stocktakes/worker.js"' in html
    assert f'data-zxing-url="/static/inventory/vendor/{ZXING}"' in html
    # Each way the camera can fail is told in Chinese, with the scanner still working.
    for name in ("insecure", "denied", "none", "busy", "reader"):
        said = re.search(rf'data-text-camera-{name}="([^"]+)"', html).group(1)
        assert "扫描枪和手工输入照常可用" in said


@pytest.mark.django_db
def test_the_worker_is_served_from_the_stocktakes_folder_and_never_stale(client):
    # No login: a worker is fetched again by the browser on its own, after a login ended.
    got = client.get("/staff/inventory/stocktakes/worker.js")
    assert got.status_code == 200
    assert got["Content-Type"].startswith("text/javascript")
    assert got["Cache-Control"] == "no-cache"
    body = got.content.decode()
    assert 'addEventListener("fetch"' in body and "shuxiang-stocktake" in body
