"""Starting Shuxiang (a server worker, every CLI command) loads Django and the apps, not
the heavy libraries that only some pages need: pypinyin's dictionaries alone are a
quarter of a second and tens of MB in each of `serve`'s worker processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ["pypinyin", "reportlab", "pymarc", "openpyxl", "PIL"]

PROBE = f"""
import json, sys, django
django.setup()
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""


def test_setting_up_django_loads_no_heavy_library(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "shuxiang.settings",
            "SHUXIANG_VAR_DIR": str(tmp_path),
        },
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
