"""Acquisitions decisions, pure.

Order-list checking (采购查重): given what the library holds and has on order, is a
title on a vendor's list new, a welcome extra copy, over the copy limit, or listed
twice? Purchase suggestions (荐购): who may suggest, when two asks are the same book,
and the states a suggestion goes through."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

NEW = "new"  # not held, not on order
ADD_COPIES = "add_copies"  # held or on order, the wanted copies stay within the limit
OVER_LIMIT = "over_limit"  # held + on order + wanted exceed the copy limit
REPEATED = "repeated"  # the same title earlier in the same list


@dataclass(frozen=True, slots=True)
class LineCheck:
    status: str
    suggested: int  # copies to order so as to stay within the limit


def check_line(
    *, held: int, on_order: int, wanted: int, copy_limit: int, repeated: bool = False
) -> LineCheck:
    """The decision for one line of an order list.

    held: copies in the collection (not withdrawn or lost); on_order: copies ordered and
    not yet received; wanted: copies the list proposes; copy_limit: the most copies of
    one title the library keeps (复本量上限)."""
    if repeated:
        return LineCheck(REPEATED, 0)
    room = max(0, copy_limit - held - on_order)
    if held + on_order + wanted > copy_limit:
        return LineCheck(OVER_LIMIT, min(wanted, room))
    if held or on_order:
        return LineCheck(ADD_COPIES, wanted)
    return LineCheck(NEW, wanted)


# -- purchase suggestions (荐购) -----------------------------------------------------------
#
# A reader or a teacher suggests a title. The same book asked for by several readers is
# one suggestion with several askers; these pure rules say when two asks are the same
# book, who may ask, and how a suggestion moves through its states.

SUGGESTION_NEW = "new"  # waiting for the librarian
SUGGESTION_ACCEPTED = "accepted"  # an order line in a purchase batch
SUGGESTION_ORDERED = "ordered"  # the batch went to the vendor
SUGGESTION_RECEIVED = "received"  # the copies arrived
SUGGESTION_DECLINED = "declined"  # not bought, with a reason

# The states a suggestion may move to from each state; received and declined are final.
SUGGESTION_TRANSITIONS: dict[str, frozenset[str]] = {
    SUGGESTION_NEW: frozenset({SUGGESTION_ACCEPTED, SUGGESTION_ORDERED, SUGGESTION_DECLINED}),
    SUGGESTION_ACCEPTED: frozenset({SUGGESTION_ORDERED, SUGGESTION_RECEIVED}),
    SUGGESTION_ORDERED: frozenset({SUGGESTION_RECEIVED}),
    SUGGESTION_RECEIVED: frozenset(),
    SUGGESTION_DECLINED: frozenset(),
}
# Open suggestions gather the askers of the same book; a closed one (received,
# declined) is an answer given, and a new ask for that book starts a new suggestion.
SUGGESTION_OPEN = (SUGGESTION_NEW, SUGGESTION_ACCEPTED, SUGGESTION_ORDERED)

# Who may suggest, and how many suggestions each may have waiting for an answer at once
# (a reader cannot flood the librarian's list).
SUGGESTION_LIMITS = {"student": 5, "teacher": 10}

# Refusals (codes; the service words them).
CATEGORY_NOT_ALLOWED = "suggestion_not_allowed"
PATRON_INACTIVE = "patron_inactive"
TOO_MANY_SUGGESTIONS = "too_many_suggestions"


def suggestion_move_allowed(current: str, target: str) -> bool:
    return target in SUGGESTION_TRANSITIONS.get(current, frozenset())


def suggestion_refusal(*, category: str, patron_active: bool, waiting: int) -> str | None:
    """Why this reader may not make another suggestion now (a code), or None.

    category: the reader's category (student, teacher, staff); patron_active: the
    reader's record is in use (not blocked, graduated or left); waiting: the reader's
    suggestions still waiting for the librarian's answer."""
    limit = SUGGESTION_LIMITS.get(category)
    if limit is None:
        return CATEGORY_NOT_ALLOWED
    if not patron_active:
        return PATRON_INACTIVE
    if waiting >= limit:
        return TOO_MANY_SUGGESTIONS
    return None


# Words after an author's name that say what they did (曹文轩 著, 王力 主编).
_AUTHOR_ROLES = ("编著", "主编", "编写", "等著", "著", "编", "译", "绘", "等")


def fold_title(text: str) -> str:
    """A title as compared between asks: full-width forms, case, spaces and punctuation
    (《》·：, ...) do not count. 《哈利·波特与魔法石》 and 哈利波特与魔法石 fold alike."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def fold_author(text: str) -> str:
    """An author as compared between asks: folded like a title, without a trailing role
    word (曹文轩 著 = 曹文轩); several names are compared as written."""
    folded = fold_title(text)
    for role in _AUTHOR_ROLES:
        if folded.endswith(role) and len(folded) - len(role) >= 2:
            return folded[: -len(role)]
    return folded


@dataclass(frozen=True, slots=True)
class Ask:
    """What a reader typed, in comparable form: the ISBN-13 (or ""), folded title and
    author."""

    isbn: str
    title: str
    author: str


def same_book(new: Ask, existing: Ask) -> bool:
    """Is this ask for the book of an existing suggestion?

    With an ISBN on both sides the ISBNs decide, but a set's volumes share one ISBN, so
    the titles must also agree (one folded title containing the other: 三体 and 三体Ⅰ
    地球往事 do; 三体 and 球状闪电 do not). Without an ISBN on one side the folded titles
    must be equal, and the authors too where both are given."""
    if not new.title or not existing.title:
        return False
    if new.isbn and existing.isbn:
        if new.isbn != existing.isbn:
            return False
        return new.title in existing.title or existing.title in new.title
    if new.title != existing.title:
        return False
    return not (new.author and existing.author and new.author != existing.author)
