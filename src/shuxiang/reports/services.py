"""Write operations of the reports app: its settings (one use case, one transaction,
audited)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Invalid
from shuxiang.reports import metrics
from shuxiang.reports.models import ReportSettings

FIELDS = ("school_level", "standard", "borrowing_rate_basis", "published")


@transaction.atomic
def report_settings_update(
    *,
    actor: Actor,
    school_level: str,
    standard: str,
    borrowing_rate_basis: str,
    published: bool,
) -> ReportSettings:
    """Set the school level, the standard the figures are held to, the definition of
    借书率 and whether the public statistics page is published."""
    if school_level not in ReportSettings.Level.values:
        raise Invalid(
            _("未知的学校类别：%(value)s") % {"value": school_level}, code="invalid_level"
        )
    if standard not in metrics.standards():
        raise Invalid(_("未知的对照标准：%(value)s") % {"value": standard}, code="invalid_standard")
    if borrowing_rate_basis not in ReportSettings.Basis.values:
        raise Invalid(
            _("未知的借书率口径：%(value)s") % {"value": borrowing_rate_basis}, code="invalid_basis"
        )
    settings, _created = ReportSettings.objects.select_for_update().get_or_create(
        library=actor.library
    )
    before = {f: getattr(settings, f) for f in FIELDS}
    settings.school_level = school_level
    settings.standard = standard
    settings.borrowing_rate_basis = borrowing_rate_basis
    settings.published = bool(published)
    settings.save()
    after = {f: getattr(settings, f) for f in FIELDS}
    if before != after:
        audit.record(actor, "report_settings_update", settings, before=before, after=after)
    return settings
