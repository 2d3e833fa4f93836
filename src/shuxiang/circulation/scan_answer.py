"""The desk's answer to a scan, as the HTML piece `desk.js` swaps into the page.

Written in Python rather than as a template: the answer is sent twice for every loan
(the card, then the book), and the template engine took about half a millisecond to
render the reader's panel, a sixth of the desk's server time per loan (measured with
bench/desk_bench.py). The markup is small and fixed, so each piece is built here with
every value escaped; the words go through gettext as they did in the template (the same
message ids), looked up once per language.
"""

from __future__ import annotations

import functools
from html import escape as _escape
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from shuxiang.core import clock

BLOCKED = ' data-blocked="1"'


def escape(value: Any) -> str:
    """Text for HTML: the same five characters escaped as Django's `escape` (the
    standard library's function, without the lazy-string and safe-string wrapping)."""
    return _escape(str(value))


@functools.lru_cache(maxsize=8)
def _fixed(language: str | None) -> dict[str, str]:
    """The pieces that hold only words, translated and escaped, for one language."""
    del language  # the cache key: gettext answers in the active language
    reasons = "".join(
        f"<option>{escape(reason)}</option>"
        for reason in (_("教师特批"), _("教学需要"), _("毕业班复习需要"))
    )
    words = {
        key: escape(text)
        for key, text in {
            "count": _("在借 / 可借"),
            "overdue": _("逾期"),
            "holds": _("预约到书"),
            "fees": _("欠费（元）"),
            "loans": _("在借图书"),
            "renew_all": _("全部续借"),
            "receipt": _("打印凭条"),
            "none": _("目前没有在借图书。"),
            "today": _("今日"),
            "renew": _("续借"),
            "ok": _("正常"),
            "found": _("已找到"),
            "fine": _("罚款"),
        }.items()
    }
    heads = (_("题名"), _("条码号"), _("索书号"), _("借出日期"), _("应还日期"), _("续借"))
    words["head"] = (
        "<thead><tr>"
        + "".join(f"<th>{escape(word)}</th>" for word in heads)
        + "<th></th></tr></thead>"
    )
    words["override"] = (
        '  <div class="override-title">'
        + escape(
            _(
                "越权借出这本书需要原因：选一个原因（或填写），再点“越权借出”。"
                "继续扫描则不借出这本书。"
            )
        )
        + "</div>\n"
        '  <div class="override-row">\n'
        f'    <select id="override-choice" tabindex="-1"{_attr("aria-label", _("原因"))}>'
        f'<option value="">{escape(_("选择原因…"))}</option>{reasons}'
        f'<option value="other">{escape(_("其他（请填写）"))}</option></select>\n'
        '    <input type="text" id="override-reason" name="override_reason" maxlength="200"'
        f' tabindex="-1"{_attr("placeholder", _("其他原因"))} hidden>\n'
        f'    <button type="button" id="override-confirm" tabindex="-1">{escape(_("越权借出"))}'
        "</button>\n"
        '    <button type="button" class="secondary" id="override-cancel" tabindex="-1">'
        f"{escape(_('不借 (Esc)'))}</button>\n"
        "  </div>\n"
    )
    return words


def _attr(name: str, value: Any) -> str:
    return f' {name}="{escape(value)}"'


def answer(
    *,
    level: str = "ok",
    message: str = "",
    code: str = "",
    patron: Any = None,
    end_turn: bool = False,
    keep: bool = False,
    lent: bool = False,
    override: bool = False,
    barcode: str = "",
    refused_title: str = "",
    summary: dict[str, Any] | None = None,
    rows: list[dict[str, Any]] | None = None,
    update: bool = False,
    new_loan: int | None = None,
    can_renew: bool = False,
    returned: Any = None,
    returned_title: str = "",
    new_patron: bool = False,
    repair_url: str = "",
) -> str:
    """The whole answer: the message, the override form after a refusal that may be
    overridden, the reader's panel (or only its figures and the new loan's row, when
    `update`), the row of a copy taken back, and for a copy in repair the way to the
    repairs page."""
    del new_patron  # the page knows a new reader by data-patron; kept for the callers
    parts = [f'<div class="scan-result"{_attr("data-level", level)}']
    if code:
        parts.append(_attr("data-code", code))
    if patron is not None and not end_turn:
        parts.append(_attr("data-patron", patron.card_number))
    if end_turn:
        parts.append(' data-end-turn="1"')
    if keep:
        parts.append(' data-keep="1"')
    if lent:
        parts.append(' data-lent="1"')
    parts.append(f'>\n<div class="result-message">{escape(message)}')
    if repair_url:
        # A copy in repair scanned at the desk: its way back to the shelf.
        parts.append(
            f' <a class="button" data-test="repair-done"{_attr("href", repair_url)}>'
            f"{escape(_('修补完成，上架'))}</a>"
        )
    parts.append("</div>\n")
    if override:
        parts.append(_override_form(barcode, refused_title))
    if summary:
        parts.append(
            _panel(summary, rows or [], update=update, new_loan=new_loan, can_renew=can_renew)
        )
    if returned:
        parts.append(_return_row(returned, returned_title))
    parts.append("</div>\n")
    return "".join(parts)


def _override_form(barcode: str, title: str) -> str:
    return (
        f'<form class="override-form"{_attr("data-barcode", barcode)}'
        f'{_attr("data-title", title)} autocomplete="off">\n'
        + _fixed(get_language())["override"]
        + "</form>\n"
    )


def loans_head() -> str:
    """The loans table's head row (the desk page keeps a copy for a panel that had none)."""
    return _fixed(get_language())["head"]


def _figure(value: Any, label: str, flag: str = "", test: str = "") -> str:
    """A figure box; `label` comes escaped."""
    test_attr = _attr("data-test", test) if test else ""
    return (
        f'<div class="figure-box{flag}"><div class="fig"{test_attr}>{escape(value)}</div>'
        f'<div class="lbl">{label}</div></div>'
    )


def _panel(
    summary: dict[str, Any],
    rows: list[dict[str, Any]],
    *,
    update: bool,
    new_loan: int | None,
    can_renew: bool,
) -> str:
    w = _fixed(get_language())
    p = summary["patron"]
    blocks = summary["blocks"]
    school_class = p.school_class if p.school_class_id else None
    out = [
        f'<div class="{"reader-update" if update else "reader-panel"}"'
        f"{_attr('data-card', p.card_number)}{_attr('data-due', summary['due_today_text'])}"
        f"{_attr('data-count', summary['count'])}{_attr('data-limit', summary['limit'])}"
        f"{BLOCKED if blocks else ''}>\n",
        f'  <div class="reader-card{" blocked" if blocks else ""}">\n',
        f'    <div class="reader-name" data-test="reader-name">{escape(p.name)}</div>\n',
        '    <div class="reader-meta">\n',
        '      <span class="reader-class" data-test="reader-class">'
        f"{escape(school_class.name if school_class else p.get_category_display())}</span>\n",
        f'      <span class="muted">{escape(p.card_number)}</span>\n',
    ]
    if school_class:
        out.append(f'      <span class="tag">{escape(p.get_category_display())}</span>\n')
    out.append('    </div>\n    <div class="reader-figures">\n      ')
    out.append(
        _figure(
            f"{summary['count']} / {summary['limit']}",
            w["count"],
            " full" if summary["at_limit"] else "",
            "loan-count",
        )
    )
    out.append(_figure(summary["overdue"], w["overdue"], " alert" if summary["overdue"] else ""))
    out.append(_figure(len(summary["holds_ready"]), w["holds"]))
    out.append(_figure(summary["fees_yuan"], w["fees"], " alert" if summary["fees"] else ""))
    out.append("\n    </div>\n")
    for block in blocks:
        out.append(f'    <div class="msg error">{escape(block.message)}</div>\n')
    for hold in summary["holds_ready"]:
        date = hold.expires_on.isoformat() if hold.expires_on else ""
        text = _("预约的《%(title)s》已到书，在预约架上，保留至 %(date)s。") % {
            "title": hold.title,
            "date": date,
        }
        out.append(f'    <div class="msg warning" data-test="hold-ready">{escape(text)}</div>\n')
    if summary["fees"]:
        text = _("欠费 %(yuan)s 元，请到图书管理员处缴费。") % {"yuan": summary["fees_yuan"]}
        out.append(f'    <div class="msg warning" data-test="fees-due">{escape(text)}</div>\n')
    out.append('  </div>\n  <div class="reader-loans">\n    <div class="loans-head">\n')
    out.append(f'      <h2>{w["loans"]}</h2>\n      <div class="loans-actions">\n')
    if can_renew and summary["loans"]:
        out.append(
            '        <button type="button" class="secondary" data-action="renew-all"'
            f' tabindex="-1">{w["renew_all"]}</button>\n'
        )
    out.append(
        '        <button type="button" class="secondary" data-action="receipt" tabindex="-1">'
        f"{w['receipt']} (F8)</button>\n      </div>\n    </div>\n"
    )
    if rows:
        out.append('    <table class="list loans">\n')
        if not update:
            out.append(loans_head())
        out.append("<tbody>\n")
        out.extend(_loan_row(row, new_loan, can_renew) for row in rows)
        out.append("</tbody>\n    </table>\n")
    elif not update:
        out.append(f'    <p class="muted no-loans">{w["none"]}</p>\n')
    out.append("  </div>\n</div>\n")
    return "".join(out)


def _loan_row(row: dict[str, Any], new_loan: int | None, can_renew: bool) -> str:
    w = _fixed(get_language())
    loan = row["loan"]
    late = row["overdue_days"]
    classes = ("fresh" if loan.pk == new_loan else "") + (" late" if late else "")
    lent = f'<span class="tag ok">{w["today"]}</span>' if row["today"] else loan.lent_text
    late_tag = (
        f' <span class="tag error">{escape(_("逾期 %(days)s 天") % {"days": late})}</span>'
        if late
        else ""
    )
    renew = (
        '<button type="button" class="secondary small" data-action="renew"'
        f'{_attr("data-barcode", loan.barcode)} tabindex="-1">{w["renew"]}</button>'
        if can_renew and row["renewals_left"]
        else ""
    )
    return (
        f'<tr class="{classes}"{_attr("data-barcode", loan.barcode)}{_attr("data-loan", loan.pk)}'
        f"{_attr('data-due', loan.due_text)}>"
        f"<td>{escape(loan.title)}</td>"
        f'<td class="mono">{escape(loan.barcode)}</td>'
        f'<td class="mono">{escape(loan.call_number)}</td>'
        f"<td>{lent}</td>"
        f'<td class="due" data-test="due">{escape(loan.due_text)}{late_tag}</td>'
        f'<td class="num">{escape(loan.renewals)}</td>'
        f"<td>{renew}</td></tr>\n"
    )


def _return_row(returned: Any, title: str) -> str:
    w = _fixed(get_language())
    reader = "—"
    if returned.patron is not None:
        reader = escape(returned.patron.name)
        if returned.patron.school_class_id:
            reader += f" · {escape(returned.patron.school_class.name)}"
    tags = []
    if returned.overdue_days:
        tags.append(escape(_("逾期 %(days)s 天") % {"days": returned.overdue_days}))
    if returned.found:
        tags.append(w["found"])
    if returned.hold:
        tags.append(escape(_("预约架：%(name)s") % {"name": returned.hold["name"]}))
    if returned.fee:
        tags.append(w["fine"])
    cells = "".join(f'<span class="tag warning">{tag}</span>' for tag in tags)
    if returned.level == "ok":
        cells += f'<span class="tag ok">{w["ok"]}</span>'
    when = timezone.localtime(clock.now()).strftime("%H:%M")
    return (
        '<table hidden><tbody class="return-row">'
        f'<tr class="{"" if returned.level == "ok" else "warn"}">\n'
        f"  <td>{when}</td>\n  <td>{escape(title)}</td>\n"
        f'  <td class="mono">{escape(returned.item.barcode)}</td>\n'
        f"  <td>{reader}</td>\n  <td>{cells}</td>\n</tr></tbody></table>\n"
    )
