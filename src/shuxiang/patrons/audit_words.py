"""What the audit page calls the readers' actions and fields (core.audit_words), and how
it finds the reader behind a pseudonym while the link stands."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _


def _names(library: Any, ids: Iterable[int]) -> dict[int, str]:
    from shuxiang.patrons.models import Patron

    rows = Patron.objects.filter(library=library, pk__in=list(ids)).values_list(
        "pk", "name", "card_number"
    )
    return {pk: f"{name}（{card}）" for pk, name, card in rows}


def _by_card(library: Any, card: str) -> int | None:
    from shuxiang.patrons.models import Patron

    return (
        Patron.objects.filter(library=library, card_number=card.strip())
        .values_list("pk", flat=True)
        .first()
    )


def register() -> None:
    from shuxiang.core import audit_words
    from shuxiang.patrons.models import Patron

    audit_words.register_readers(names=_names, by_card=_by_card)
    audit_words.register_actions(
        {
            "patron.create": _("新建读者"),
            "patron.update": _("修改读者"),
            "patron.card_lost": _("挂失补证"),
            "patron.departure_pending": _("待离校"),
            "patron.keep_history": _("借阅历史设置"),
            "patron.history_view": _("查看借阅历史"),
            "patron.loans_view": _("查看在借图书"),
            "patron.export": _("导出读者数据"),
            "patron.history_anonymize": _("匿名化借阅历史"),
            "patrons.import": _("导入名单"),
            "class.create": _("新建班级"),
            "class.staff": _("设置班主任和图书管理员"),
            "class.loans_view": _("查看班级借阅"),
            "library.overdue_view": _("查看逾期名单"),
            "classes.promote": _("升级和毕业"),
            "library.reader_settings": _("修改读者设置"),
        }
    )
    audit_words.register_keys(
        {
            "card": _("证号"),
            "keep_history": _("保留借阅历史"),
            "homeroom_sees_history": _("班主任可看借阅历史"),
            "anonymize_after_years": _("离校几年后匿名"),
            "loans": _("借阅记录数"),
            "open_loans": _("在借册数"),
            "fees": _("未缴费用"),
            "school_year": _("学年"),
            "departure": _("离校"),
            "homeroom": _("班主任"),
            "assistants": _("班级图书管理员"),
            "file": _("文件"),
            "via": _("途径"),
            "where": _("查看位置"),
            "readers": _("读者数"),
        }
    )
    audit_words.register_values("status", dict(Patron.Status.choices), "patrons.patron")
