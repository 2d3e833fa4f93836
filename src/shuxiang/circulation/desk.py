"""The circulation desk (借还台): the page, its scans, renewals and the loan slip.

The desk is one page; each scan posts to `scan` and gets back a small piece of HTML that
the page's script swaps in, so the queue never waits for a full page load. A card scan
answers with the reader's panel; a book lent to the reader whose panel the desk shows
(it says so with `shown` and `shown_loans`) answers with the panel's new figures and the
new loan's row only, which the script puts into the panel it has.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuxiang.catalog.models import Item
from shuxiang.circulation import rules, scan_answer, services
from shuxiang.circulation.models import (
    Loan,
)
from shuxiang.circulation.selectors import (
    bib_title,
    desk_reader,
    desk_scan_outcome,
    patron_for_scan,
    patron_summary,
)
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.decorators import staff_required
from shuxiang.core.errors import DomainError
from shuxiang.core.permissions import (
    can,
    can_circulate_for,
)
from shuxiang.core.service_workers import worker_script
from shuxiang.patrons.models import Patron
from shuxiang.patrons.services import (
    loans_view_record,
)

# Codes the desk shows as a warning (yellow, two beeps) rather than an error.
WARNING_CODES = {"not_on_loan"}


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
            "loans_head": mark_safe(scan_answer.loans_head()),  # built with every word escaped
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
    return worker_script("circulation/desk-worker.js")


def _scan_patron(request: HttpRequest, card: str) -> Patron | None:
    """The reader with this card, with their class: the scan path's prepared read."""
    return patron_for_scan(request.library.pk, card)


def _fragment(request: HttpRequest, **context: Any) -> HttpResponse:
    """The answer to a scan: a piece of HTML for desk.js. It needs nothing of the page
    frame, so it is rendered without the context processors (the staff menu, the
    login's role) that a page needs."""
    context.setdefault("can_renew", can(request.user, "circulate_any_class"))
    return HttpResponse(scan_answer.answer(**context))


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
    if kept.get("repair"):
        context["repair_url"] = (
            reverse("inventory:repairs") + "?" + urlencode({"done": kept["repair"]})
        )
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
        if exc.code == "not_on_loan":
            outcome.update(_in_repair(request, barcode))
        return _refused(request, scan_id, outcome)
    return _returned(request, result)


def _in_repair(request: HttpRequest, barcode: str) -> dict[str, Any]:
    """A copy back from the mender is scanned at the desk like a returned book: say it
    is in repair, and offer the repairs page's 修补完成，上架 (where its cost is typed)."""
    found = (
        Item.objects.filter(library=request.library, barcode=barcode)
        .values_list("status", "bib__title")
        .first()
    )
    if found is None or found[0] != Item.Status.IN_REPAIR:
        return {}
    message = _("《%(title)s》正在修补中，没有借出。") % {"title": found[1]}
    if not can(request.user, "catalog"):
        return {"message": message}
    return {"message": message, "repair": barcode}


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
    patron = _scan_patron(request, card)
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
