"""Graduates' loan histories anonymized after the configured years; opt-outs too; the
class snapshots keep the statistics."""

import datetime as dt
import io

from django.core.management import call_command
from django.db.models import Count

from shuxiang.circulation.models import Loan
from shuxiang.core import clock
from shuxiang.core.models import AuditEvent
from shuxiang.patrons import services
from shuxiang.patrons.models import Patron
from shuxiang.patrons.selectors import patrons_search
from tests.patrons.test_school_year import lend


def test_anonymize_after_years(actor, school_class, make_patron, make_item):
    services.reader_settings_update(
        actor=actor, homeroom_sees_history=False, anonymize_after_years=2
    )
    graduate = make_patron(name="毕业生", class_name="七年级3班")
    recent = make_patron(name="新毕业生", class_name="七年级3班")
    staying = make_patron(name="在校生", class_name="七年级3班")
    old_loan = lend(graduate, make_item(), returned=True)
    still_out = lend(graduate, make_item())
    recent_loan = lend(recent, make_item(), returned=True)
    staying_loan = lend(staying, make_item(), returned=True)
    Loan.objects.filter(pk=still_out.pk).update(status="lost")  # lost: finished, not on loan
    with clock.frozen_at(dt.date(2027, 7, 1)):
        services.patron_depart(actor=actor, patron_id=graduate.pk, kind="graduated")
    with clock.frozen_at(dt.date(2028, 7, 1)):
        services.patron_depart(actor=actor, patron_id=recent.pk, kind="graduated")
    stats = dict(Loan.objects.values_list("class_name_at_loan").annotate(n=Count("id")))

    with clock.frozen_at(dt.date(2029, 8, 1)):
        out = io.StringIO()
        call_command("anonymize-history", "--dry-run", stdout=out)
        assert "would anonymize 2 loans of 1 readers" in out.getvalue()
        assert Loan.objects.filter(patron=graduate).count() == 2
        call_command("anonymize-history", "--library", "main", stdout=out)
        assert "anonymized 2 loans of 1 readers" in out.getvalue()

    assert not Loan.objects.filter(patron=graduate).exists()
    old_loan.refresh_from_db()
    assert old_loan.patron.anonymous and old_loan.patron.name == "已匿名读者"
    assert old_loan.class_name_at_loan == "七年级3班" and old_loan.patron_grade == 7
    assert Loan.objects.get(pk=recent_loan.pk).patron == recent
    assert Loan.objects.get(pk=staying_loan.pk).patron == staying
    assert dict(Loan.objects.values_list("class_name_at_loan").annotate(n=Count("id"))) == stats
    assert AuditEvent.objects.filter(
        action="patron.history_anonymize", object_id=str(graduate.pk)
    ).exists()
    # The anonymous reader is one per library and never shows up as a reader.
    assert Patron.objects.filter(anonymous=True).count() == 1
    assert [p.name for p in patrons_search(actor.library.pk, "已匿名")] == []


def test_opt_out_is_honoured_by_each_run(actor, school_class, make_patron, make_item):
    patron = make_patron(name="不留记录", class_name="七年级3班")
    services.patron_set_keep_history(actor=actor, patron_id=patron.pk, keep=False)
    out = lend(patron, make_item())
    Loan.objects.filter(pk=out.pk).update(status="returned", returned_at=clock.now())
    result = services.history_anonymize(actor=actor)
    assert (result.patrons, result.loans) == (1, 1)
    assert not Loan.objects.filter(patron=patron).exists()
    assert services.history_anonymize(actor=actor).loans == 0
