"""The circulation desk (借还台), the receipt slip and the policy matrix page.

The desk is one page; each scan posts to `scan` and gets back a small piece of HTML that
the page's script swaps in, so the queue never waits for a full page load.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.forms import modelformset_factory
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shuxiang.catalog.models import Item
from shuxiang.circulation import rules, services
from shuxiang.circulation.models import LoanPolicy
from shuxiang.circulation.selectors import patron_summary
from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError, NotFound
from shuxiang.core.models import AuditEvent
from shuxiang.core.permissions import can, can_circulate_for
from shuxiang.patrons.models import Patron

# Codes the desk shows as a warning (yellow, two beeps) rather than an error.
WARNING_CODES = {"not_on_loan"}


def _actor(request: HttpRequest) -> Actor:
    return Actor(library=request.library, user=request.user, channel=AuditEvent.Channel.WEB)


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


def _fragment(request: HttpRequest, **context: Any) -> HttpResponse:
    context.setdefault("level", "ok")
    context.setdefault("can_renew", can(request.user, "circulate_any_class"))
    return render(request, "circulation/_scan.html", context)


def _panel(request: HttpRequest, patron: Patron, **context: Any) -> HttpResponse:
    summary = patron_summary(request.library, patron, today=clock.today())
    return _fragment(request, summary=summary, patron=patron, **context)


@require_POST
@staff_required("circulate")
def scan(request: HttpRequest) -> HttpResponse:
    """One scan at the desk: a card selects the reader; an item is lent to the selected
    reader, or taken back when no reader is selected."""
    library = request.library
    code = request.POST.get("code", "").strip()
    current = request.POST.get("patron", "").strip()
    reason = request.POST.get("override_reason", "").strip()
    if not code:
        return _fragment(request, level="warning", message=_("请扫描借书证或图书条码。"), keep=True)
    kind = rules.classify_scan(
        code, card_pattern=library.card_pattern, barcode_pattern=library.barcode_pattern
    )
    patron = None
    if kind != rules.ITEM:
        patron = _find_patron(request, code)
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
        return _panel(
            request,
            patron,
            new_patron=True,
            level="info",
            message=_("请扫描要借的图书，按 Esc 结束。"),
        )
    if current:
        return _checkout(request, current, code, reason)
    return _checkin(request, code)


def _checkout(request: HttpRequest, card: str, barcode: str, reason: str) -> HttpResponse:
    patron = _find_patron(request, card)
    if patron is None:
        return _fragment(request, level="error", message=_("请重新扫描读者借书证。"), end_turn=True)
    try:
        loan = services.loan_checkout(
            actor=_actor(request), card=card, barcode=barcode, override_reason=reason
        )
    except DomainError as exc:
        details = exc.details
        title = _title_of(request, barcode)
        return _panel(
            request,
            patron,
            level="warning" if exc.code in WARNING_CODES else "error",
            message=f"《{title}》{exc.message}" if title else exc.message,
            code=exc.code,
            override=bool(details.get("overridable")),
            barcode=barcode,
        )
    title = (
        Item.objects.filter(pk=loan.item_id).values_list("bib__title", flat=True).first() or barcode
    )
    message = _("《%(title)s》借出，应还日期 %(due)s。") % {
        "title": title,
        "due": loan.due_date.isoformat(),
    }
    if reason:
        message += " " + _("（已越权借出，原因已记录）")
    return _panel(request, patron, level="ok", message=message, new_loan=loan.pk, lent=True)


def _title_of(request: HttpRequest, barcode: str) -> str:
    return (
        Item.objects.filter(library=request.library, barcode=barcode)
        .values_list("bib__title", flat=True)
        .first()
        or ""
    )


def _checkin(request: HttpRequest, barcode: str) -> HttpResponse:
    try:
        result = services.loan_checkin(actor=_actor(request), barcode=barcode)
    except NotFound as exc:
        return _fragment(request, level="error", message=exc.message, code=exc.code)
    except DomainError as exc:
        return _fragment(
            request,
            level="warning" if exc.code in WARNING_CODES else "error",
            message=exc.message,
            code=exc.code,
        )
    title = result.item.bib.title
    message = _("《%(title)s》已归还。") % {"title": title}
    if result.messages:
        message += " " + " ".join(result.messages)
    return _fragment(request, level=result.level, message=message, returned=result)


@require_POST
@staff_required("circulate_any_class")
def renew(request: HttpRequest) -> HttpResponse:
    """Renew one loan (barcode) or all of the reader's loans, and show the reader again."""
    card = request.POST.get("patron", "").strip()
    barcode = request.POST.get("barcode", "").strip()
    patron = _find_patron(request, card)
    if patron is None:
        return _fragment(request, level="error", message=_("请重新扫描读者借书证。"), end_turn=True)
    actor = _actor(request)
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

POLICY_FIELDS = [
    "patron_category",
    "grade",
    "circulation_type",
    "loanable",
    "loan_days",
    "fixed_due",
    "max_loans",
    "renewals",
    "renewal_days",
    "fine_per_day",
    "grace_days",
    "fine_cap",
    "holds_allowed",
    "block_overdue_days",
    "block_fees",
]


class PolicyForm(forms.ModelForm):
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
    library = request.library
    queryset = LoanPolicy.objects.filter(library=library).order_by(
        "patron_category", "grade", "circulation_type"
    )
    if request.method == "POST":
        formset = PolicyFormSet(request.POST, queryset=queryset)
        if formset.is_valid():
            actor = _actor(request)
            with transaction.atomic():
                for form in formset.deleted_forms:
                    if form.instance.pk:
                        audit.record(
                            actor,
                            "policy.delete",
                            form.instance,
                            before=_policy_dict(form.instance),
                        )
                        form.instance.delete()
                for form in formset.forms:
                    if form in formset.deleted_forms or not form.has_changed():
                        continue
                    policy = form.save(commit=False)
                    policy.library = library
                    duplicate = (
                        LoanPolicy.objects.filter(
                            library=library,
                            patron_category=policy.patron_category,
                            grade=policy.grade,
                            circulation_type=policy.circulation_type,
                        )
                        .exclude(pk=policy.pk)
                        .exists()
                    )
                    if duplicate:
                        form.add_error(None, _("这一格规则已经存在。"))
                        transaction.set_rollback(True)
                        break
                    policy.save()
                    audit.record(actor, "policy.update", policy, after=_policy_dict(policy))
                else:
                    messages.success(request, _("借阅规则已保存。"))
                    return redirect("circulation:policies")
    else:
        formset = PolicyFormSet(queryset=queryset)
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
    gettext_lazy("每日罚款（分）"),
    gettext_lazy("宽限天数"),
    gettext_lazy("罚款上限（分）"),
    gettext_lazy("可预约"),
    gettext_lazy("逾期停借天数"),
    gettext_lazy("欠费停借（分）"),
]


def _policy_dict(policy: LoanPolicy) -> dict[str, Any]:
    return {name: getattr(policy, name) for name in POLICY_FIELDS}
