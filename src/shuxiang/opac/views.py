"""The public site: the library's name, its opening hours and the newest arrivals."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shuxiang.catalog.selectors import new_arrivals
from shuxiang.core.params import int_param
from shuxiang.core.selectors import opening_hours


def home(request: HttpRequest) -> HttpResponse:
    library = request.library
    context = {
        "hours": opening_hours(library) if library else [],
        "arrivals": new_arrivals(library, limit=12) if library else [],
    }
    return render(request, "opac/home.html", context)


def my_account(request: HttpRequest) -> HttpResponse:
    """我的借阅: a logged-in reader's loans, holds and fees; they may renew a loan or
    cancel a hold here."""
    from django.contrib import messages
    from django.contrib.auth.views import redirect_to_login
    from django.http import Http404
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from shuxiang.circulation import services
    from shuxiang.circulation.selectors import patron_fees, patron_holds, patron_summary
    from shuxiang.core import clock
    from shuxiang.core.audit import Actor
    from shuxiang.core.errors import DomainError
    from shuxiang.core.permissions import homeroom_class_ids, patron_of
    from shuxiang.patrons.models import SchoolClass

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    patron = patron_of(request.user)
    if patron is None or request.library is None or patron.library_id != request.library.pk:
        raise Http404(_("您的登录账号没有关联读者。"))
    if request.method == "POST":
        actor = Actor.of_request(request)
        try:
            if request.POST.get("action") == "renew":
                loan = services.loan_renew(actor=actor, barcode=request.POST.get("barcode", ""))
                messages.success(
                    request, _("续借成功，新的应还日期 %(due)s。") % {"due": loan.due_date}
                )
            elif request.POST.get("action") == "cancel_hold":
                services.hold_cancel(
                    actor=actor, hold_id=int_param(request.POST.get("hold"), default=0)
                )
                messages.success(request, _("预约已取消。"))
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        return redirect("opac:my_account")
    return render(
        request,
        "opac/my_account.html",
        {
            "summary": patron_summary(request.library, patron, today=clock.today()),
            "holds": patron_holds(patron),
            "fees": patron_fees(patron),
            # A homeroom teacher (班主任) reaches their class's page from here.
            "homeroom_classes": SchoolClass.objects.filter(
                pk__in=homeroom_class_ids(request.user)
            ).order_by("grade", "number"),
        },
    )
