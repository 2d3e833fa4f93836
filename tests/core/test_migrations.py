"""The models and the migrations agree: a change to a model without its migration fails
here, not on a school's PC at the next `shuxiang setup`."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_its_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # --check exits 1 when a migration is missing
        pytest.fail(f"a migration is missing:\n{out.getvalue()}" if exc.code else "")
