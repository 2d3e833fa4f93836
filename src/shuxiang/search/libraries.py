"""Which library a public search looks in (the API, the SRU server): the one named by
its code; else the caller's own; else the deployment's only library, or the public
site's (SHUXIANG_LIBRARY), as the OPAC picks it."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from shuxiang.core.errors import Invalid, NotFound
from shuxiang.core.models import Library


def public_library(code: str | None, own: Library | None = None) -> Library:
    """The library to search. NotFound (library_not_found) for an unknown code;
    Invalid (library_required) when several libraries leave the choice open."""
    if code:
        library = Library.objects.filter(code=code).first()
        if library is None:
            raise NotFound(
                _("没有代码为 %(code)s 的图书馆。") % {"code": code}, code="library_not_found"
            )
        return library
    if own is not None:
        return own
    libraries = list(Library.objects.order_by("id")[:2])
    if len(libraries) == 1:
        return libraries[0]
    if settings.SHUXIANG_DEFAULT_LIBRARY:
        library = Library.objects.filter(code=settings.SHUXIANG_DEFAULT_LIBRARY).first()
        if library is not None:
            return library
    if not libraries:
        raise NotFound(_("还没有图书馆。"), code="library_not_found")
    raise Invalid(
        _("这里有多个图书馆，请用 library=代码 指明检索哪一个。"), code="library_required"
    )
