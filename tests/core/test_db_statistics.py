"""SQLite's planner: a school-year report reads the loans in table order whatever the
statistics say, and `setup` leaves statistics for every index (a new index without
figures looks selective to SQLite)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from shuxiang.core import db_statistics
from shuxiang.core.audit import Actor

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def some_loans(library, school_class, make_patron, make_item):
    from shuxiang.circulation import services

    make_patron(card="R200001", name="李小华", class_name=school_class.name)
    for n in range(2):
        make_item(barcode=f"5900000{n}")
        services.loan_checkout(actor=Actor.system(library), card="R200001", barcode=f"5900000{n}")


def test_refresh_leaves_figures_for_every_loan_index(some_loans):
    assert db_statistics.refresh() is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'circulation_loan'")
        with_figures = {row[0] for row in cursor.fetchall()}
    assert {"loan_library_returned", "loan_library_out", "loan_library_status_due"} <= with_figures


def test_a_school_years_loans_are_read_in_table_order_without_statistics(library, some_loans):
    from shuxiang.reports import facts

    with connection.cursor() as cursor:
        if _has_stat_table(cursor):
            cursor.execute("DELETE FROM sqlite_stat1")
        year = facts._period_loans(
            library,
            dt.datetime(2025, 9, 1, tzinfo=dt.UTC),
            dt.datetime(2026, 8, 31, tzinfo=dt.UTC),
        ).values_list("patron_id", "item_id")
        sql, params = year.query.sql_with_params()
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(row[-1] for row in cursor.fetchall())
    assert plan == "SCAN circulation_loan", plan


def _has_stat_table(cursor) -> bool:  # noqa: ANN001
    cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
    return cursor.fetchone() is not None
