"""What keeps the school-year report fast at a large school (bench/reports_bench.py): the
loans table is read a fixed number of times whatever the report holds — one pass for the
period, one grouped count by hour from the index, one pass for the previous period — and
the loans by hour are still right in time zones that are not whole hours from UTC or
that change for summer."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuxiang.circulation.models import Loan
from shuxiang.core import clock
from shuxiang.core.models import Library
from shuxiang.reports import metrics, report, selectors
from shuxiang.reports.selectors import Group

from .conftest import TODAY

pytestmark = pytest.mark.django_db
MARCH = metrics.period_for(
    "custom", dt.date(2026, 3, 1), start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31)
)


def loan_reads(queries: list[dict]) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "circulation_loan"' in q["sql"]]


def test_the_whole_report_reads_the_loans_three_times(library, school):
    with clock.frozen_at(TODAY), CaptureQueriesContext(connection) as seen:
        found = report.build(library, MARCH, Group(), TODAY.date())
    assert found["figures"]["loans"] == 7 and found["previous"]["loans"] == 1
    assert len(loan_reads(seen.captured_queries)) == 3, loan_reads(seen.captured_queries)


def test_the_headline_summary_reads_the_loans_once(library, school):
    with CaptureQueriesContext(connection) as seen:
        figures = selectors.summary(library, MARCH)
    assert figures["loans"] == 7 and figures["items_lent"] == 6
    assert len(loan_reads(seen.captured_queries)) == 1


def _move_to(library: Library, zone: str) -> None:
    Library.objects.filter(pk=library.pk).update(time_zone=zone)
    library.refresh_from_db()


@pytest.mark.parametrize(
    ("zone", "hours", "days"),
    [
        # 04:00 UTC is 09:30 in India, on a Monday and two Wednesdays.
        ("Asia/Kolkata", [(9, 3)], [(1, 1), (3, 2)]),
        # Berlin moves to summer time on 29 March: 04:00 UTC is 05:00, then 06:00.
        ("Europe/Berlin", [(5, 2), (6, 1)], [(1, 1), (3, 2)]),
    ],
)
def test_loans_by_hour_in_other_time_zones(library, make_item, make_patron, zone, hours, days):
    _move_to(library, zone)
    reader = make_patron(name="甲")
    for day in ("2026-03-23", "2026-03-25", "2026-04-01"):
        out = dt.datetime.fromisoformat(f"{day} 04:00").replace(tzinfo=zoneinfo.ZoneInfo("UTC"))
        Loan.objects.create(
            library=library,
            item=make_item(),
            patron=reader,
            channel="web",
            status="returned",
            checked_out_at=out,
            returned_at=out + dt.timedelta(days=1),
            due_date=out.date() + dt.timedelta(days=14),
            patron_category="student",
        )
    period = metrics.period_for(
        "custom", dt.date(2026, 3, 1), start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 30)
    )
    busy = selectors.busiest(library, period, selectors.facts_of(library, period, TODAY.date()))
    assert busy == {"hours": hours, "days": days}
