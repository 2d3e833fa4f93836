"""荐购: a reader suggests a title for the library to buy, and sees the answers to their
suggestions. A thin adapter over acquisitions' services (the catalog is asked first:
when the library holds the title, the reader is told how many copies and may suggest
it all the same)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shuxiang.acquisitions import rules, selectors, services
from shuxiang.acquisitions.models import PurchaseSuggestion, SuggestionAsker
from shuxiang.core.audit import Actor
from shuxiang.core.errors import DomainError
from shuxiang.core.permissions import patron_of

FIELDS = ("title", "author", "publisher", "isbn", "note")


def suggest(request: HttpRequest) -> HttpResponse:
    """/my/suggest/: the suggestion form and the reader's own suggestions."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    patron = patron_of(request.user)
    if patron is None or request.library is None or patron.library_id != request.library.pk:
        raise Http404(_("您的登录账号没有关联读者。"))
    form = {name: "" for name in FIELDS}
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        form = {name: request.POST.get(name, "") for name in FIELDS}
        try:
            outcome = services.suggestion_create(
                actor=Actor.of_request(request),
                patron_id=patron.pk,
                insist=bool(request.POST.get("insist")),
                **form,
            )
        except DomainError as exc:
            if exc.code == "already_held":
                # Not an error: the answer the reader asked for, with a way to insist.
                context["held"] = exc
            else:
                context["error"] = exc.message
                status = exc.status
        else:
            messages.success(request, _suggested_message(outcome))
            return redirect("opac:my_suggestions")
    limit = rules.SUGGESTION_LIMITS.get(patron.category)
    asks = selectors.patron_suggestions(patron)
    waiting = sum(1 for a in asks if a.suggestion.status == PurchaseSuggestion.Status.NEW)
    return render(
        request,
        "opac/suggest.html",
        {
            "patron": patron,
            "form": form,
            "asks": asks,
            "may_suggest": limit is not None and patron.status == patron.Status.ACTIVE,
            "limit": limit,
            "waiting": waiting,
            **context,
        },
        status=status,
    )


def _suggested_message(outcome: services.SuggestionOutcome) -> str:
    title = outcome.suggestion.title
    if not outcome.joined:
        return _("已收到您对《%(title)s》的荐购，图书管理员答复后会显示在下面。") % {"title": title}
    others = SuggestionAsker.objects.filter(suggestion=outcome.suggestion).count() - 1
    return ngettext(
        "《%(title)s》已有 %(n)s 位读者荐购，已加上您的一份；图书管理员答复后会显示在下面。",
        "《%(title)s》已有 %(n)s 位读者荐购，已加上您的一份；图书管理员答复后会显示在下面。",
        others,
    ) % {"title": title, "n": others}
