"""The circulation desk (借还台), the receipt slip and the policy matrix page.

The desk is one page; each scan posts to `scan` and gets back a small piece of HTML that
the page's script swaps in, so the queue never waits for a full page load. A card scan
answers with the reader's panel; a book lent to the reader whose panel the desk shows
(it says so with `shown` and `shown_loans`) answers with the panel's new figures and the
new loan's row only, which the script puts into the panel it has.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.forms import modelformset_factory
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shuxiang.catalog.models import Item
from shuxiang.circulation import rules, services
from shuxiang.circulation.models import (
    CirculationSettings,
    ClassLoanTransfer,
    Loan,
    LoanPolicy,
    PatronBlock,
    Payment,
)
from shuxiang.circulation.notices import overdue_slips_pdf
from shuxiang.circulation.selectors import (
    bib_title,
    desk_reader,
    desk_scan_outcome,
    fee_settings,
    hold_shelf,
    loan_policies,
    overdue_loans,
    patron_fees,
    patron_for_scan,
    patron_holds,
    patron_summary,
)
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError, Forbidden
from shuxiang.core.money import yuan_text
from shuxiang.core.money_field import YuanField
from shuxiang.core.params import int_param
from shuxiang.core.permissions import (
    assisted_class_ids,
    can,
    can_circulate_for,
    can_view_class,
    can_view_patron,
)
from shuxiang.patrons.models import Patron, SchoolClass
from shuxiang.patrons.services import (
    class_loans_view_record,
    loans_view_record,
    overdue_view_record,
)

# Codes the desk shows as a warning (yellow, two beeps) rather than an error.
WARNING_CODES = {"not_on_loan"}


def _find_patron(request: HttpRequest, card: str) -> Patron | None:
    return (
        Patron.objects.select_related("school_class")
        .filter(library=request.library, card_number=card.strip())
        .first()
    )


@staff_required("circulate")
def desk(request: HttpRequest) -> HttpResponse:
    library = request.library
    return render(
        request,
        "circulation/desk.html",
        {
            "card_pattern": library.card_pattern,
            "barcode_pattern": library.barcode_pattern,
            "can_renew": can(request.user, "circulate_any_class"),
            "can_override": can(request.user, "override_refusal"),
        },
    )


@staff_required("circulate")
def ping(request: HttpRequest) -> HttpResponse:
    """Is the server there (and the login still valid)? Asked by the desk every few
    seconds while it keeps scans it could not send."""
    return HttpResponse(status=204)


def desk_worker(request: HttpRequest) -> HttpResponse:
    """The desk's service worker script, served from the desk's own folder so that it
    may look after the desk page (a worker's reach is the folder it comes from)."""
    path = finders.find("circulation/desk-worker.js")
    if not path:
        raise Http404
    with open(path, encoding="utf-8") as script:
        response = HttpResponse(script.read(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


def _scan_patron(request: HttpRequest, card: str) -> Patron | None:
    """The reader with this card, with their class: the scan path's prepared read."""
    return patron_for_scan(request.library.pk, card)


def _fragment(request: HttpRequest, **context: Any) -> HttpResponse:
    """The answer to a scan: a piece of HTML for desk.js. It needs nothing of the page
    frame, so it is rendered without the context processors (the staff menu, the
    login's role) that a page needs."""
    context.setdefault("level", "ok")
    context.setdefault("can_renew", can(request.user, "circulate_any_class"))
    return HttpResponse(loader.get_template("circulation/_scan.html").render(context))


def _panel(request: HttpRequest, patron: Patron, **context: Any) -> HttpResponse:
    summary = desk_reader(request.library, patron, today=clock.today())
    return _fragment(request, summary=summary, rows=summary["loans"], patron=patron, **context)


def _shown(request: HttpRequest) -> tuple[str, set[int] | None]:
    """The reader whose panel the desk shows, as the server last sent it, and the loans
    listed on it (None if the list cannot be read)."""
    card = request.POST.get("shown", "").strip()
    try:
        loans = {int(pk) for pk in request.POST.get("shown_loans", "").split(",") if pk.strip()}
    except ValueError:
        return card, None
    return card, loans


def _scan_id(request: HttpRequest) -> uuid.UUID | None:
    """The id the desk's browser gave this scan (None without one); a malformed id is
    refused by the caller."""
    raw = request.POST.get("scan_id", "").strip()
    return uuid.UUID(raw) if raw else None


@require_POST
@staff_required("circulate")
def scan(request: HttpRequest) -> HttpResponse:
    """One scan at the desk: a card selects the reader; an item is lent to the selected
    reader, or taken back when no reader is selected.

    The desk sends each scan with an id (`scan_id`, a UUID made in the browser). A scan
    it kept while the server could not be reached comes again with `replay=1`: one
    already applied (or refused) is answered with its first outcome, and applying it
    twice is impossible anyway (services.desk_scans)."""
    library = request.library
    code = request.POST.get("code", "").strip()
    current = request.POST.get("patron", "").strip()
    reason = request.POST.get("override_reason", "").strip()
    if not code:
        return _fragment(request, level="warning", message=_("请扫描借书证或图书条码。"), keep=True)
    try:
        scan_id = _scan_id(request)
    except ValueError:
        return _fragment(request, level="error", message=_("扫描编号无效，请重新扫描。"))
    if scan_id is not None and request.POST.get("replay") == "1":
        kept = desk_scan_outcome(library, scan_id)
        if kept is not None:
            return _kept_answer(request, kept)
    kind = rules.classify_scan(
        code, card_pattern=library.card_pattern, barcode_pattern=library.barcode_pattern
    )
    patron = None
    if kind != rules.ITEM:
        patron = _scan_patron(request, code)
        if patron is None and kind == rules.CARD:
            return _fragment(
                request,
                level="error",
                message=_("没有借书证号为 %(card)s 的读者。") % {"card": code},
                keep=True,
            )
    if patron is not None:
        if not can_circulate_for(request.user, class_id=patron.school_class_id):
            return _fragment(
                request, level="error", message=_("您只能为本班读者办理借还。"), keep=True
            )
        return _reader_selected(request, patron)
    if current:
        return _checkout(request, current, code, reason, scan_id)
    return _checkin(request, code, scan_id)


def _reader_selected(request: HttpRequest, patron: Patron) -> HttpResponse:
    """The card was scanned: the reader's panel, with the error tone when the reader may
    not borrow (blocked), so the librarian hears it before the first book."""
    summary = desk_reader(request.library, patron, today=clock.today())
    # The panel lists what the reader has out: a staff view of their loans, audited.
    loans_view_record(actor=Actor.of_request(request), patron=patron, where="desk")
    if summary["blocks"]:
        level, message = "error", _("此读者现在不能借书，原因见下。")
    else:
        level, message = "info", _("请扫描要借的图书，按 Esc 结束。")
    return _fragment(
        request,
        summary=summary,
        rows=summary["loans"],
        patron=patron,
        new_patron=True,
        level=level,
        message=message,
    )


def _refused(
    request: HttpRequest, scan_id: uuid.UUID | None, outcome: dict[str, Any]
) -> HttpResponse:
    """A refused check-out or check-in. With a scan id the refusal is kept, so the same
    scan sent again is answered the same; if the id was already used, its first
    outcome is the answer."""
    if scan_id is not None:
        outcome = services.desk_scan_refused(
            actor=Actor.of_request(request), scan_id=scan_id, outcome=outcome
        )
    return _kept_answer(request, outcome)


def _kept_answer(request: HttpRequest, kept: dict[str, Any]) -> HttpResponse:
    """The desk's answer to a scan from its outcome: the same whether the scan was just
    handled or was handled before and came again."""
    action = kept.get("action")
    if action == "checkout":
        patron = _scan_patron(request, kept["patron"])
        loan = Loan.objects.select_related("item__bib").filter(pk=kept["loan"]).first()
        if patron is None or loan is None:
            return _fragment(request, level="ok", message=_("这次扫描已经办理过。"))
        return _lent(request, patron, loan.pk, loan.item.bib.title, kept["due"], kept["override"])
    if action == "checkin":
        item = Item.objects.select_related("bib").filter(pk=kept["item"]).first()
        if item is None:
            return _fragment(request, level="ok", message=_("这次扫描已经办理过。"))
        patron = (
            Patron.objects.select_related("school_class").filter(pk=kept["patron"]).first()
            if kept.get("patron")
            else None
        )
        result = services.CheckinResult(
            item=item,
            loan=None,
            patron=patron,
            overdue_days=kept.get("overdue_days", 0),
            fee=kept.get("fee", 0),
            hold=kept.get("hold"),
            found=kept.get("found", False),
            messages=list(kept.get("messages", [])),
        )
        return _returned(request, result)
    # A refusal: a check-out's is shown on the reader's panel, with the override offered.
    patron = _scan_patron(request, kept["patron"]) if kept.get("patron") else None
    context = {"level": kept["level"], "message": kept["message"], "code": kept["code"]}
    if patron is None:
        return _fragment(request, **context)
    return _panel(
        request,
        patron,
        **context,
        override=kept.get("override", False),
        barcode=kept.get("barcode", ""),
        refused_title=kept.get("title") or kept.get("barcode", ""),
    )


def _checkout(
    request: HttpRequest, card: str, barcode: str, reason: str, scan_id: uuid.UUID | None
) -> HttpResponse:
    try:
        loan = services.loan_checkout(
            actor=Actor.of_request(request),
            card=card,
            barcode=barcode,
            override_reason=reason,
            scan_id=scan_id,
        )
    except services.ScanReplayed:
        return _kept_answer(request, desk_scan_outcome(request.library, scan_id) or {})
    except DomainError as exc:
        patron = _scan_patron(request, card) if exc.code != "patron_not_found" else None
        if patron is None:
            return _fragment(
                request, level="error", message=_("请重新扫描读者借书证。"), end_turn=True
            )
        title = _title_of(request, barcode)
        outcome = {
            "action": "refused",
            "patron": patron.card_number,
            "barcode": barcode,
            "title": title,
            "level": "warning" if exc.code in WARNING_CODES else "error",
            "message": f"《{title}》{exc.message}" if title else exc.message,
            "code": exc.code,
            "override": bool(exc.details.get("overridable")),
        }
        return _refused(request, scan_id, outcome)
    return _lent(request, loan.patron, loan.pk, None, loan.due_date.isoformat(), bool(reason))


def _lent(
    request: HttpRequest,
    patron: Patron,
    loan_id: int,
    title: str | None,
    due: str,
    overridden: bool,
) -> HttpResponse:
    """A book lent. When the desk shows this reader's panel with every other open loan
    on it, the answer is the panel's figures and the new loan's row (the script puts
    them in); otherwise the whole panel."""
    summary = desk_reader(request.library, patron, today=clock.today())
    rows = [row for row in summary["loans"] if row["loan"].pk == loan_id]
    if title is None:
        title = rows[0]["loan"].title if rows else _loan_title(loan_id)
    message = _("《%(title)s》借出，应还日期 %(due)s。") % {"title": title, "due": due}
    if overridden:
        message += " " + _("（已越权借出，原因已记录）")
    card, listed = _shown(request)
    others = {row["loan"].pk for row in summary["loans"]} - {loan_id}
    update = card == patron.card_number and listed == others
    return _fragment(
        request,
        summary=summary,
        rows=rows if update else summary["loans"],
        update=update,
        patron=patron,
        level="ok",
        message=message,
        new_loan=loan_id,
        lent=True,
    )


def _loan_title(loan_id: int) -> str:
    """The title of a loan's copy (a loan no longer open is not on the panel)."""
    return Loan.objects.filter(pk=loan_id).values_list("item__bib__title", flat=True).first() or ""


def _title_of(request: HttpRequest, barcode: str) -> str:
    return (
        Item.objects.filter(library=request.library, barcode=barcode)
        .values_list("bib__title", flat=True)
        .first()
        or ""
    )


def _checkin(request: HttpRequest, barcode: str, scan_id: uuid.UUID | None) -> HttpResponse:
    try:
        result = services.loan_checkin(
            actor=Actor.of_request(request), barcode=barcode, scan_id=scan_id
        )
    except services.ScanReplayed:
        return _kept_answer(request, desk_scan_outcome(request.library, scan_id) or {})
    except DomainError as exc:
        outcome = {
            "action": "refused",
            "barcode": barcode,
            "level": "warning" if exc.code in WARNING_CODES else "error",
            "message": exc.message,
            "code": exc.code,
        }
        return _refused(request, scan_id, outcome)
    return _returned(request, result)


def _returned(request: HttpRequest, result: services.CheckinResult) -> HttpResponse:
    item = result.item
    title = item.bib.title if Item.bib.is_cached(item) else bib_title(item.bib_id)
    message = _("《%(title)s》已归还。") % {"title": title}
    if result.messages:
        message += " " + " ".join(result.messages)
    return _fragment(
        request, level=result.level, message=message, returned=result, returned_title=title
    )


@require_POST
@staff_required("circulate_any_class")
def renew(request: HttpRequest) -> HttpResponse:
    """Renew one loan (barcode) or all of the reader's loans, and show the reader again."""
    card = request.POST.get("patron", "").strip()
    barcode = request.POST.get("barcode", "").strip()
    patron = _scan_patron(request, card)
    if patron is None:
        return _fragment(request, level="error", message=_("请重新扫描读者借书证。"), end_turn=True)
    actor = Actor.of_request(request)
    try:
        if barcode:
            loan = services.loan_renew(actor=actor, barcode=barcode)
            message, level = (
                _("续借成功，新的应还日期 %(due)s。") % {"due": loan.due_date.isoformat()},
                "ok",
            )
        else:
            outcomes = services.loan_renew_all(actor=actor, card=card)
            done = sum(1 for o in outcomes if o.renewed)
            refused = [f"{o.loan.item.bib.title}：{o.message}" for o in outcomes if not o.renewed]
            message = _("已续借 %(done)s 册。") % {"done": done}
            if refused:
                message += " " + _("未能续借：") + "；".join(refused)
            level = "warning" if refused else "ok"
    except DomainError as exc:
        return _panel(request, patron, level="error", message=exc.message, code=exc.code)
    return _panel(request, patron, level=level, message=message)


@staff_required("circulate")
def receipt(request: HttpRequest, card: str) -> HttpResponse:
    """A printable slip of what the reader took home today (借书凭条)."""
    patron = _find_patron(request, card)
    if patron is None or not can_circulate_for(request.user, class_id=patron.school_class_id):
        raise Http404(_("没有这个读者。"))
    today = clock.today()
    summary = patron_summary(request.library, patron, today=today)
    loans_view_record(actor=Actor.of_request(request), patron=patron, where="receipt")
    return render(
        request,
        "circulation/receipt.html",
        {
            "summary": summary,
            "today": today,
            "now": clock.now(),
            "autoprint": request.GET.get("print") == "1",
        },
    )


# --- the policy matrix ----------------------------------------------------------------

POLICY_FIELDS = list(services.POLICY_FIELDS)


class PolicyForm(forms.ModelForm):
    # Amounts are typed in yuan; the policy keeps fen.
    fine_per_day = YuanField()
    fine_cap = YuanField()
    block_fees = YuanField()

    class Meta:
        model = LoanPolicy
        fields = POLICY_FIELDS
        widgets = {
            name: forms.NumberInput(attrs={"min": 0, "class": "num"})
            for name in POLICY_FIELDS
            if name
            not in {"patron_category", "circulation_type", "loanable", "fixed_due", "holds_allowed"}
        }


PolicyFormSet = modelformset_factory(LoanPolicy, form=PolicyForm, extra=1, can_delete=True)


@staff_required("circulate_any_class")
def policies(request: HttpRequest) -> HttpResponse:
    """Edit the loan policy matrix (借阅规则): one row per reader category (and grade)
    × circulation type; a blank row adds a grade-specific cell."""
    queryset = loan_policies(request.library)
    if request.method != "POST":
        return _policies_page(request, PolicyFormSet(queryset=queryset))
    formset = PolicyFormSet(request.POST, queryset=queryset)
    if not formset.is_valid():
        return _policies_page(request, formset)
    deleted = [form.instance.pk for form in formset.deleted_forms if form.instance.pk]
    cells = [
        services.PolicyCell(pk=form.instance.pk, values=form.cleaned_data, row=row)
        for row, form in enumerate(formset.forms)
        if form not in formset.deleted_forms and form.has_changed()
    ]
    try:
        services.policy_matrix_update(
            actor=Actor.of_request(request), cells=cells, delete_ids=deleted
        )
    except DomainError as exc:
        formset.forms[exc.details.get("row", 0)].add_error(None, exc.message)
        return _policies_page(request, formset)
    messages.success(request, _("借阅规则已保存。"))
    return redirect("circulation:policies")


def _policies_page(request: HttpRequest, formset: Any) -> HttpResponse:
    return render(
        request, "circulation/policies.html", {"formset": formset, "columns": POLICY_COLUMNS}
    )


POLICY_COLUMNS = [
    gettext_lazy("读者类型"),
    gettext_lazy("年级"),
    gettext_lazy("流通类型"),
    gettext_lazy("可外借"),
    gettext_lazy("借期（天）"),
    gettext_lazy("固定到期"),
    gettext_lazy("最多可借"),
    gettext_lazy("续借次数"),
    gettext_lazy("续借天数"),
    gettext_lazy("每日罚款（元）"),
    gettext_lazy("宽限天数"),
    gettext_lazy("罚款上限（元）"),
    gettext_lazy("可预约"),
    gettext_lazy("逾期停借天数"),
    gettext_lazy("欠费停借（元）"),
]


# --- a reader's account: loans, holds, fees; fees and blocks are handled here ----------


def _reader_or_404(request: HttpRequest, card: str) -> Patron:
    patron = _find_patron(request, card)
    if patron is None or not can_view_patron(request.user, patron):
        raise Http404(_("没有这个读者。"))
    return patron


@staff_required("circulate")
def reader(request: HttpRequest, card: str) -> HttpResponse:
    """A reader's account (读者账户): open loans, holds, fee history, manual blocks; a
    librarian takes payments, waives fees, marks a copy lost or damaged, blocks."""
    patron = _reader_or_404(request, card)
    today = clock.today()
    if request.method == "POST":
        return _reader_action(request, patron)
    loans_view_record(actor=Actor.of_request(request), patron=patron, where="reader_account")
    return render(
        request,
        "circulation/reader.html",
        {
            "summary": patron_summary(request.library, patron, today=today),
            "holds": patron_holds(patron),
            "fees": patron_fees(patron),
            "manual_block": PatronBlock.objects.filter(
                patron=patron, lifted_at__isnull=True
            ).first(),
            "can_manage": can(request.user, "circulate_any_class"),
            "can_waive": can(request.user, "override_refusal"),
            "severities": services.DAMAGE_LABELS.items(),
        },
    )


def _reader_action(request: HttpRequest, patron: Patron) -> HttpResponse:
    actor = Actor.of_request(request)
    action = request.POST.get("action", "")
    card = patron.card_number
    try:
        if action == "pay":
            ids = [i for v in request.POST.getlist("fee") if (i := int_param(v, minimum=1))]
            payments = services.fee_pay(actor=actor, fee_ids=ids)
            messages.success(
                request,
                _("已收款，收据号：%(numbers)s")
                % {"numbers": "、".join(p.receipt_number for p in payments)},
            )
        elif action == "waive":
            payment = services.fee_waive(
                actor=actor,
                fee_id=int_param(request.POST.get("fee"), default=0),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("已减免（%(n)s）。") % {"n": payment.receipt_number})
        elif action == "lost":
            fee = services.item_mark_lost(
                actor=actor,
                barcode=request.POST.get("barcode", ""),
                replacement=request.POST.get("replacement") == "1",
            )
            messages.success(
                request, _("已按遗失处理，应赔 %(yuan)s 元。") % {"yuan": yuan_text(fee.amount)}
            )
        elif action == "damaged":
            fee = services.item_mark_damaged(
                actor=actor,
                barcode=request.POST.get("barcode", ""),
                severity=request.POST.get("severity", ""),
                card=card,
            )
            messages.success(
                request,
                _("已按损坏处理，应赔 %(yuan)s 元，图书已送修补。")
                % {"yuan": yuan_text(fee.amount)},
            )
        elif action == "block":
            services.patron_block(actor=actor, card=card, reason=request.POST.get("reason", ""))
            messages.success(request, _("已停借。"))
        elif action == "unblock":
            services.patron_unblock(actor=actor, card=card, reason=request.POST.get("reason", ""))
            messages.success(request, _("已解除停借。"))
        elif action == "cancel_hold":
            services.hold_cancel(
                actor=actor, hold_id=int_param(request.POST.get("hold"), default=0)
            )
            messages.success(request, _("预约已取消。"))
        elif action == "hold":
            services.hold_place(
                actor=actor, card=card, bib_id=int_param(request.POST.get("bib"), default=0)
            )
            messages.success(request, _("预约成功。"))
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    return redirect("circulation:reader", card=card)


@staff_required("circulate")
def fee_receipt(request: HttpRequest, receipt_number: str) -> HttpResponse:
    """A printable receipt slip (收据) for a payment, waiver or refund."""
    payment = (
        Payment.objects.select_related("fee__patron", "fee__item__bib")
        .filter(library=request.library, receipt_number=receipt_number)
        .first()
    )
    # An assistant sees their own class's receipts only, like their readers.
    if payment is None or not can_view_patron(request.user, payment.fee.patron):
        raise Http404(_("没有这张收据。"))
    return render(
        request,
        "circulation/fee_receipt.html",
        {"payment": payment, "amount": yuan_text(payment.amount)},
    )


# --- hold shelf, overdue lists and slips ----------------------------------------------


@staff_required("circulate")
def hold_shelf_page(request: HttpRequest) -> HttpResponse:
    """The hold shelf (预约架): copies waiting for their readers. Holds past their pickup
    date are marked; the server passes them on every hour (core.housekeeping), and a
    librarian can do it at once with the button (a POST: opening a page changes nothing)."""
    librarian = can(request.user, "circulate_any_class")
    if request.method == "POST":
        try:
            expired = services.hold_expire(actor=Actor.of_request(request))
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        messages.info(
            request, _("%(n)s 条预约已过期，图书已转给下一位或归架。") % {"n": len(expired)}
        )
        return redirect("circulation:hold_shelf")
    today = clock.today()
    holds = hold_shelf(request.library, today=today)
    if not librarian:
        classes = assisted_class_ids(request.user)
        holds = [h for h in holds if h.patron.school_class_id in classes]
    return render(
        request,
        "circulation/hold_shelf.html",
        {
            "holds": holds,
            "today": today,
            "expired": sum(1 for h in holds if h.expired),
            "can_expire": librarian,
        },
    )


@staff_required("circulate_any_class")
def overdue_summary(request: HttpRequest) -> HttpResponse:
    """The librarian's overdue summary (逾期汇总): classes with counts, then every line."""
    today = clock.today()
    lines = overdue_loans(request.library, today=today)
    per_class: dict[str, dict] = {}
    for line in lines:
        row = per_class.setdefault(
            line.class_name,
            {"name": line.class_name, "count": 0, "readers": set(), "class_id": None},
        )
        row["count"] += 1
        row["readers"].add(line.borrower)
        row["class_id"] = row["class_id"] or _class_id_of(line)
    overdue_view_record(
        actor=Actor.of_request(request),
        where="overdue_summary",
        readers=len({line.loan.patron_id for line in lines if line.loan.patron_id}),
    )
    return render(
        request,
        "circulation/overdue.html",
        {"lines": lines, "classes": list(per_class.values()), "today": today},
    )


def _class_id_of(line: Any) -> int | None:
    loan = line.loan
    if loan.school_class_id:
        return loan.school_class_id
    return loan.patron.school_class_id if loan.patron_id else None


def _class_for_teacher(request: HttpRequest, class_id: int) -> SchoolClass:
    school_class = SchoolClass.objects.filter(library=request.library, pk=class_id).first()
    if school_class is None or not can_view_class(request.user, school_class):
        raise Http404(_("没有这个班级。"))
    return school_class


def _class_view_record(
    request: HttpRequest, school_class: SchoolClass, lines: list[Any], where: str
) -> None:
    """A class's overdue list names readers and their books: a view of their loans."""
    readers = len({line.loan.patron_id for line in lines if line.loan.patron_id})
    if readers:
        class_loans_view_record(
            actor=Actor.of_request(request), school_class=school_class, where=where, readers=readers
        )


def _login_required(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.library is None:
        raise Http404
    return None


def class_overdue(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class's overdue list for its homeroom teacher (班主任) and the librarian, with the
    class's ready holds: the daily class slip."""
    if (login := _login_required(request)) is not None:
        return login
    school_class = _class_for_teacher(request, class_id)
    today = clock.today()
    lines = overdue_loans(request.library, today=today, class_id=school_class.pk)
    _class_view_record(request, school_class, lines, "class_overdue")
    return render(
        request,
        "circulation/class_overdue.html",
        {
            "school_class": school_class,
            "lines": lines,
            "holds": [
                h
                for h in hold_shelf(request.library)
                if h.patron.school_class_id == school_class.pk
            ],
            "today": today,
        },
    )


def class_overdue_pdf(request: HttpRequest, class_id: int) -> HttpResponse:
    """The class's printable overdue slip (催还单) as PDF."""
    if (login := _login_required(request)) is not None:
        return login
    school_class = _class_for_teacher(request, class_id)
    today = clock.today()
    lines = overdue_loans(request.library, today=today, class_id=school_class.pk)
    _class_view_record(request, school_class, lines, "class_overdue_pdf")
    for line in lines:
        line.class_name = school_class.name
    holds = [h for h in hold_shelf(request.library) if h.patron.school_class_id == school_class.pk]
    pdf = overdue_slips_pdf(
        lines, library_name=request.library.name, today=today, ready_holds=holds
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="overdue-{school_class.pk}.pdf"'
    return response


# --- class loans (班级集体借阅) and exchanges ---------------------------------------------


@staff_required("circulate")
def class_loans(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class's collection: lend a batch, take part of it back, pass it to another class."""
    school_class = SchoolClass.objects.filter(library=request.library, pk=class_id).first()
    if school_class is None or not can_circulate_for(request.user, class_id=class_id):
        raise Http404(_("没有这个班级。"))
    if request.method == "POST":
        actor = Actor.of_request(request)
        action = request.POST.get("action")
        barcodes = request.POST.get("barcodes", "").split()
        try:
            if action == "lend":
                due_text = request.POST.get("due", "").strip()
                loans = services.class_loan_checkout(
                    actor=actor,
                    class_id=class_id,
                    barcodes=barcodes,
                    due=dt.date.fromisoformat(due_text) if due_text else None,
                )
                messages.success(request, _("已借给本班 %(n)s 册。") % {"n": len(loans)})
            elif action == "return":
                results = services.class_loan_checkin(actor=actor, barcodes=barcodes)
                messages.success(request, _("已还 %(n)s 册。") % {"n": len(results)})
            elif action == "transfer":
                transfer = services.class_loan_transfer(
                    actor=actor,
                    from_class_id=class_id,
                    to_class_id=int_param(request.POST.get("to_class"), default=0),
                )
                messages.success(
                    request,
                    _("已将 %(n)s 册交换给 %(name)s。")
                    % {"n": len(transfer.barcodes), "name": transfer.to_class.name},
                )
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        return redirect("circulation:class_loans", class_id=class_id)
    loans = (
        Loan.objects.filter(school_class=school_class, status=Loan.Status.ON_LOAN)
        .select_related("item__bib", "item__call_number", "custodian")
        .order_by("item__barcode")
    )
    return render(
        request,
        "circulation/class_loans.html",
        {
            "school_class": school_class,
            "loans": loans,
            "transfers": ClassLoanTransfer.objects.filter(
                Q(from_class=school_class) | Q(to_class=school_class)
            ).select_related("from_class", "to_class"),
            "other_classes": SchoolClass.objects.filter(
                library=request.library, school_year=school_class.school_year
            ).exclude(pk=school_class.pk),
            "can_transfer": can(request.user, "circulate_any_class"),
        },
    )


class SettingsForm(forms.ModelForm):
    lost_processing_fee = YuanField(label=gettext_lazy("遗失加工费（元）"))
    lost_default_price = YuanField(label=gettext_lazy("无定价时按此价格（元）"))

    class Meta:
        model = CirculationSettings
        fields = list(services.SETTINGS_FIELDS)


@staff_required("circulate_any_class")
def circulation_settings(request: HttpRequest) -> HttpResponse:
    """Hold and compensation settings (预约与赔偿设置): pickup window, lost-book factor
    and processing fee, damage shares, refund rule."""
    row, _fees = fee_settings(request.library)
    form = SettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        try:
            services.circulation_settings_update(
                actor=Actor.of_request(request), values=form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(exc.details.get("field"), exc.message)
        else:
            messages.success(request, _("设置已保存。"))
            return redirect("circulation:settings")
    return render(request, "circulation/settings.html", {"form": form})
