"""Circulation's pages beside the desk: the policy matrix, a reader's account, fee
receipts, the hold shelf, overdue lists, class loans and the circulation settings.

The desk itself (借还台: the page, its scans, renewals and the loan slip) is `desk.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.forms import modelformset_factory
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuxiang.circulation import services
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
    fee_settings,
    hold_shelf,
    loan_policies,
    overdue_loans,
    patron_claimed_loans,
    patron_fees,
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


def _find_patron(request: HttpRequest, card: str) -> Patron | None:
    return (
        Patron.objects.select_related("school_class")
        .filter(library=request.library, card_number=card.strip())
        .first()
    )


# --- a reader's account: loans, holds, fees; fees and blocks are handled here ----------


def _reader_or_404(request: HttpRequest, card: str) -> Patron:
    patron = _find_patron(request, card)
    if patron is None or not can_view_patron(request.user, patron):
        raise Http404(_("没有这个读者。"))
    return patron


@staff_required("circulate")
def reader(request: HttpRequest, card: str) -> HttpResponse:
    """A reader's account (读者账户): open loans, loans claimed returned (声称已还),
    holds, fee history, manual blocks; a librarian takes payments, waives fees, marks a
    copy lost or damaged or its loan claimed returned, blocks."""
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
            "claimed": patron_claimed_loans(request.library, patron),
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
        elif action == "claim_returned":
            loan = services.loan_claim_returned(
                actor=actor,
                loan_id=int_param(request.POST.get("loan"), default=0) or None,
                barcode=request.POST.get("barcode", ""),
                note=request.POST.get("note", ""),
            )
            messages.success(
                request,
                _("《%(title)s》已登记为读者声称已还：不再计入在借和逾期，清点时查找。")
                % {"title": loan.item.bib.title},
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
