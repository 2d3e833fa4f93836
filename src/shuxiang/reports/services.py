"""Write operations of the reports app — its settings, the rule sets a library loads,
the reading lists it imports — one use case, one transaction, audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.reports import rule_sets
from shuxiang.reports.models import (
    ReadingList,
    ReadingListEntry,
    ReadingListMatch,
    ReportSettings,
    RuleSet,
)

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


def _matches_of(library: Any, reading_list: ReadingList, entries: list) -> int:
    """Match the list's entries to the catalog and keep the matches; how many entries
    matched."""
    from shuxiang.reports import reading_lists

    found = reading_lists.match(library, entries)
    ReadingListMatch.objects.bulk_create(
        [
            ReadingListMatch(library=library, entry=entries[index], bib_id=bib_id, how=how)
            for index, hits in found.items()
            for bib_id, how in hits
        ],
        batch_size=1000,
    )
    return len(found)


@transaction.atomic
def reading_list_import(
    *,
    actor: Actor,
    name: str,
    content: bytes,
    filename: str = "",
    replace: bool = False,
    dry_run: bool = False,
) -> tuple[ReadingList | None, Any]:
    """Import a recommended reading list (title, author, ISBN, category, level) from an
    xlsx or csv file and match it to the catalog. The rows that can be read are kept in
    one go and the others listed with their row numbers; a file with no usable row
    keeps nothing. A list of the same name is refused unless `replace`d. `dry_run`
    reads and checks, and keeps nothing."""
    from shuxiang.reports import reading_lists

    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid(_("请填写书目名称（不超过 100 个字）。"), code="name_required")
    found = reading_lists.read_list(content, filename)
    if not found.rows:
        raise Invalid(
            _("文件中没有可导入的书目（共拒绝 %(n)s 行）。") % {"n": len(found.refused)},
            code="empty_list",
        )
    existing = (
        ReadingList.objects.select_for_update().filter(library=actor.library, name=name).first()
    )
    if existing is not None and not replace:
        raise Conflict(
            _("已有名为“%(name)s”的推荐书目；如要用新文件替换，请勾选“替换同名书目”。")
            % {"name": name},
            code="reading_list_exists",
        )
    if dry_run:
        return None, found
    replaced = None
    if existing is not None:
        replaced = {"name": existing.name, "entries": existing.entries.count()}
        existing.delete()
    now = clock.now()
    reading_list = ReadingList.objects.create(
        library=actor.library,
        name=name,
        file_name=(filename or "").rsplit("/", 1)[-1][:200],
        imported_at=now,
        imported_by=actor.user if getattr(actor.user, "pk", None) else None,
        matched_at=now,
    )
    entries = ReadingListEntry.objects.bulk_create(
        [
            ReadingListEntry(
                library=actor.library,
                reading_list=reading_list,
                position=n,
                title=row.title,
                author=row.author,
                isbn=row.isbn,
                category=row.category,
                level=row.level,
                title_key=row.title_key[:500],
                author_key=row.author_key[:300],
            )
            for n, row in enumerate(found.rows, start=1)
        ],
        batch_size=1000,
    )
    matched = _matches_of(actor.library, reading_list, entries)
    audit.record(
        actor,
        "reading_list.import",
        reading_list,
        before=replaced,
        after={"name": name, "entries": len(entries), "matched": matched},
    )
    return reading_list, found


def _reading_list(actor: Actor, list_id: int) -> ReadingList:
    found = (
        ReadingList.objects.select_for_update().filter(library=actor.library, pk=list_id).first()
    )
    if found is None:
        raise NotFound(_("没有这个推荐书目。"), code="reading_list_not_found")
    return found


@transaction.atomic
def reading_list_match(*, actor: Actor, list_id: int) -> int:
    """Match a list to the catalog again (books bought since, titles merged): the old
    matches are replaced; how many entries matched."""
    reading_list = _reading_list(actor, list_id)
    ReadingListMatch.objects.filter(entry__reading_list=reading_list).delete()
    entries = list(reading_list.entries.order_by("position"))
    matched = _matches_of(actor.library, reading_list, entries)
    reading_list.matched_at = clock.now()
    reading_list.save(update_fields=["matched_at"])
    audit.record(actor, "reading_list.match", reading_list, after={"matched": matched})
    return matched


@transaction.atomic
def reading_list_delete(*, actor: Actor, list_id: int) -> None:
    reading_list = _reading_list(actor, list_id)
    audit.record(
        actor,
        "reading_list.delete",
        reading_list,
        before={"name": reading_list.name, "entries": reading_list.entries.count()},
    )
    reading_list.delete()
