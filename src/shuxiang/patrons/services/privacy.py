"""Privacy: reader settings, audited views of reading history, and anonymizing loans
the library no longer needs to tie to a reader."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit, clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Invalid
from shuxiang.core.models import Library
from shuxiang.patrons import obligations
from shuxiang.patrons.models import Patron, ReaderSettings, SchoolClass
from shuxiang.patrons.selectors import patron_get, reader_settings

ANONYMOUS_CARD = "ANONYMOUS"
ANONYMOUS_NAME = "已匿名读者"


@transaction.atomic
def reader_settings_update(
    *, actor: Actor, homeroom_sees_history: bool, anonymize_after_years: int
) -> ReaderSettings:
    if not 0 <= anonymize_after_years <= 50:
        raise Invalid(_("匿名化年限应在 0 到 50 年之间。"), code="invalid_years")
    current = reader_settings(actor.library)
    before = {
        "homeroom_sees_history": current.homeroom_sees_history,
        "anonymize_after_years": current.anonymize_after_years,
    }
    current.homeroom_sees_history = homeroom_sees_history
    current.anonymize_after_years = anonymize_after_years
    current.save()
    audit.record(
        actor,
        "library.reader_settings",
        actor.library,
        before=before,
        after={
            "homeroom_sees_history": homeroom_sees_history,
            "anonymize_after_years": anonymize_after_years,
        },
    )
    return current


def history_view_record(*, actor: Actor, patron: Patron, where: str = "page") -> None:
    """Every staff view of a reader's reading history leaves an audit event."""
    audit.record(actor, "patron.history_view", patron, after={"where": where})


def loans_view_record(*, actor: Actor, patron: Patron, where: str) -> None:
    """A member of staff saw what a reader has on loan (the reader's page, the desk, the
    API): an audit event, as for the history. (A reader looking at their own is not one:
    the page that a reader can also open does not call this for them.)"""
    audit.record(actor, "patron.loans_view", patron, after={"where": where})


def overdue_view_record(*, actor: Actor, where: str, readers: int) -> None:
    """A member of staff saw the library's overdue list, reader by reader: one event."""
    if readers:
        audit.record(
            actor, "library.overdue_view", actor.library, after={"where": where, "readers": readers}
        )


def class_loans_view_record(
    *, actor: Actor, school_class: SchoolClass, where: str, readers: int
) -> None:
    """A member of staff saw a class's loans, reader by reader (the class page, its
    overdue list and slips, the library's overdue summary): one event for the class."""
    audit.record(
        actor, "class.loans_view", school_class, after={"where": where, "readers": readers}
    )


def anonymous_patron(library: Library) -> Patron:
    """The library's one anonymous reader (已匿名读者) that anonymized loans point to,
    so a loan keeps a borrower (the loan_one_borrower constraint) and its snapshots."""
    found = Patron.objects.filter(library=library, anonymous=True).first()
    if found is not None:
        return found
    return Patron.objects.create(
        library=library,
        card_number=ANONYMOUS_CARD,
        name=ANONYMOUS_NAME,
        category=Patron.Category.STUDENT,
        status=Patron.Status.LEFT,
        keep_history=False,
        anonymous=True,
    )


def _anonymize_loans(actor: Actor, patron: Patron, anonymous: Patron) -> int:
    count = obligations.history_detach(actor=actor, patron_id=patron.pk, anonymous_id=anonymous.pk)
    # The audit log's events about the loans name the reader by pseudonym: cutting the
    # link leaves them in place (append-only) and leading to nobody.
    cut = audit.forget_reader(actor.library, patron.pk)
    if count or cut:
        audit.record(actor, "patron.history_anonymize", patron, after={"loans": count})
    return count


@transaction.atomic
def patron_set_keep_history(*, actor: Actor, patron_id: int, keep: bool) -> Patron:
    """A reader asks to keep no reading history: their finished loans are anonymized now
    (and by each run of anonymize-history afterwards)."""
    patron = patron_get(actor.library.pk, patron_id)
    if patron.keep_history != keep:
        patron.keep_history = keep
        patron.save(update_fields=["keep_history", "updated_at"])
        audit.record(
            actor,
            "patron.keep_history",
            patron,
            before={"keep_history": not keep},
            after={"keep_history": keep},
        )
    if not keep:
        _anonymize_loans(actor, patron, anonymous_patron(actor.library))
    return patron


@dataclass
class AnonymizeResult:
    patrons: int
    loans: int


@transaction.atomic
def history_anonymize(*, actor: Actor, dry_run: bool = False) -> AnonymizeResult:
    """Detach readers from their finished loans where the library keeps them no longer:
    graduates and leavers whose departure is older than the configured number of years,
    and readers who asked to keep no history. Open loans are never touched."""
    library = actor.library
    years = reader_settings(library).anonymize_after_years
    today = clock.today()
    try:
        cutoff = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - years, day=28)
    departed = Patron.objects.filter(
        library=library,
        anonymous=False,
        status__in=[Patron.Status.GRADUATED, Patron.Status.LEFT],
        left_on__lte=cutoff,
    )
    opted_out = Patron.objects.filter(library=library, anonymous=False, keep_history=False)
    candidates = (departed | opted_out).distinct()
    finished = obligations.finished_loans(library, candidates)
    if dry_run:
        return AnonymizeResult(patrons=len(finished), loans=sum(finished.values()))
    # Readers with finished loans, and those whose audit pseudonym is still linked
    # (a hold or a fee is enough to have one).
    linked = audit.linked_readers(library, candidates.values_list("pk", flat=True))
    due = list(
        Patron.objects.filter(library=library, pk__in=set(finished) | set(linked)).order_by("pk")
    )
    if not due:
        return AnonymizeResult(patrons=0, loans=0)
    anonymous = anonymous_patron(library)
    total = sum(_anonymize_loans(actor, patron, anonymous) for patron in due)
    return AnonymizeResult(patrons=len(finished), loans=total)


def history_anonymize_everywhere() -> int:
    """history_anonymize for every library (the housekeeping job `shuxiang serve` runs
    hourly, beside the anonymize-history command); the number of loans anonymized."""
    return sum(
        history_anonymize(actor=Actor.system(library)).loans for library in Library.objects.all()
    )
