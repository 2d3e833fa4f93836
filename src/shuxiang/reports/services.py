"""Write operations of the reports app: its settings (one use case, one transaction,
audited)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.reports import rule_sets
from shuxiang.reports.models import ReportSettings, RuleSet

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
    if standard not in rule_sets.available(actor.library):
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


@transaction.atomic
def rule_set_upload(*, actor: Actor, content: bytes) -> RuleSet:
    """Load a rule set file of the library's own (a provincial standard): checked whole
    (`rule_sets.parse`), a file with the code of one already loaded replaces it; the
    code of a built-in rule set is refused."""
    data = rule_sets.parse(content)
    if data["code"] in rule_sets.built_in():
        raise Conflict(
            _("代码 %(code)s 已被内置标准使用，请在文件中换一个 code。") % {"code": data["code"]},
            code="rule_set_built_in",
        )
    found = RuleSet.objects.select_for_update().filter(library=actor.library, code=data["code"])
    rule_set = found.first()
    before = {"name": rule_set.name, "data": rule_set.data} if rule_set else None
    if rule_set is None:
        rule_set = RuleSet(library=actor.library, code=data["code"])
    rule_set.name = data["name"]
    # Kept as written in a file, so that it is read (and downloaded) as any file is.
    rule_set.data = rule_sets.as_file(data)
    rule_set.uploaded_at = clock.now()
    rule_set.uploaded_by = actor.user if getattr(actor.user, "pk", None) else None
    rule_set.save()
    audit.record(
        actor,
        "rule_set.upload",
        rule_set,
        before=before,
        after={"code": rule_set.code, "name": rule_set.name, "data": rule_set.data},
    )
    return rule_set


@transaction.atomic
def rule_set_delete(*, actor: Actor, code: str) -> None:
    """Remove a rule set the library loaded; one its settings still choose is refused."""
    rule_set = RuleSet.objects.select_for_update().filter(library=actor.library, code=code).first()
    if rule_set is None:
        raise NotFound(
            _("没有代码为 %(code)s 的自定义标准。") % {"code": code[:40]}, code="not_found"
        )
    if ReportSettings.objects.filter(library=actor.library, standard=code).exists():
        raise Conflict(
            _("统计设置正在使用“%(name)s”，请先选择其他标准再删除。") % {"name": rule_set.name},
            code="rule_set_in_use",
        )
    audit.record(
        actor, "rule_set.delete", rule_set, before={"code": rule_set.code, "name": rule_set.name}
    )
    rule_set.delete()
