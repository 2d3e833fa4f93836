"""Which titles look like duplicates of each other (pure: values in, groups out).

A migration from an old system often leaves the same book cataloged twice or more. Two
keys find them: an ISBN that several titles share, and the same title by the same first
author once both are folded (full-width forms, traditional characters, case, spaces and
punctuation do not count; "曹文轩 著" is 曹文轩). Neither key proves a duplicate — a set's
ISBN is shared by different volumes, and a title is reprinted in new editions — so each
group also says what speaks against it (`doubts`), and a person decides.

The search app has a folding of its own for its index; the catalog sits below it and
cannot import it, so the folding used to compare titles is written here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

# Words after an author's name that say what they did (曹文轩 著, 王力 主编).
_AUTHOR_ROLES = ("编著", "主编", "编写", "编译", "改编", "等著", "著", "编", "译", "绘", "等")

BY_ISBN = "isbn"
BY_TITLE = "title"
BY_IMPORT = "import"

# What speaks against a group being one book, in words for the merge page.
DOUBTS = {
    "titles_differ": _("ISBN 相同但题名不同（可能是套书共用的 ISBN）"),
    "isbns_differ": _("题名相同但 ISBN 不同（可能是不同版本）"),
    "years_differ": _("出版年不同"),
    "editions_differ": _("版本不同"),
    "publishers_differ": _("出版社不同"),
    "no_author": _("没有著者，只按题名找到"),
}


@dataclass(frozen=True, slots=True)
class BibFacts:
    """What the comparison needs of a title."""

    id: int
    title: str
    first_author: str = ""
    isbns: tuple[str, ...] = ()
    year: int | None = None
    publisher: str = ""
    edition: str = ""


@dataclass(frozen=True, slots=True)
class CandidateGroup:
    """Titles that may be one book: found by `reasons` (isbn, title, import), with
    what speaks against it (`doubts`, keys of DOUBTS)."""

    bib_ids: tuple[int, ...]
    reasons: tuple[str, ...]
    keys: tuple[str, ...]
    doubts: tuple[str, ...] = field(default=())

    @property
    def doubtful(self) -> bool:
        return bool(self.doubts)


@lru_cache(maxsize=1)
def _traditional() -> frozenset[str]:
    from zhconv import zhconv

    return frozenset(k for k, v in zhconv.getdict("zh-hans").items() if len(k) == 1 and k != v)


def _simplified(text: str) -> str:
    # zhconv is slow on long runs; most titles have no traditional character at all.
    if _traditional().isdisjoint(text):
        return text
    from zhconv import zhconv

    return zhconv.convert(text, "zh-hans")


def fold(text: str) -> str:
    """A text as compared: NFKC (full-width → half-width), simplified characters, case
    folded, letters and digits only. 《哈利·波特与魔法石》 = 哈利波特与魔法石,
    三國演義 = 三国演义, ＡＢＣ = abc."""
    text = unicodedata.normalize("NFKC", text or "")
    if not text.isascii():
        text = _simplified(text)
    text = text.casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def title_key(title: str) -> str:
    return fold(title)


def author_key(name: str) -> str:
    """An author as compared: folded, without a trailing role word (曹文轩 著 = 曹文轩)."""
    folded = fold(name)
    for role in _AUTHOR_ROLES:
        if folded.endswith(role) and len(folded) - len(role) >= 2:
            return folded[: -len(role)]
    return folded


def _doubts(members: Sequence[BibFacts], reasons: set[str]) -> tuple[str, ...]:
    found: list[str] = []
    if BY_ISBN in reasons and len({title_key(b.title) for b in members}) > 1:
        found.append("titles_differ")
    if BY_ISBN not in reasons:
        with_isbn = [set(b.isbns) for b in members if b.isbns]
        if len(with_isbn) > 1 and not set.intersection(*with_isbn):
            found.append("isbns_differ")
    if len({b.year for b in members if b.year}) > 1:
        found.append("years_differ")
    if len({fold(b.edition) for b in members if fold(b.edition)}) > 1:
        found.append("editions_differ")
    if len({fold(b.publisher) for b in members if fold(b.publisher)}) > 1:
        found.append("publishers_differ")
    if BY_TITLE in reasons and BY_ISBN not in reasons and not any(b.first_author for b in members):
        found.append("no_author")
    return tuple(found)


def candidate_groups(
    bibs: Iterable[BibFacts], *, imported: Iterable[tuple[int, int]] = ()
) -> list[CandidateGroup]:
    """The groups of two or more titles that share an ISBN, or a folded title and first
    author, or that an import reported as a doubtful match (`imported`: pairs of ids).
    A group found by several keys is listed once with every reason. Groups without
    doubts come first, then by their lowest id."""
    facts = {b.id: b for b in bibs}
    by_key: dict[tuple[str, str], set[int]] = {}
    for bib in facts.values():
        for isbn in dict.fromkeys(bib.isbns):
            if isbn:
                by_key.setdefault((BY_ISBN, isbn), set()).add(bib.id)
        title = title_key(bib.title)
        if title:
            key = f"{title}|{author_key(bib.first_author)}"
            by_key.setdefault((BY_TITLE, key), set()).add(bib.id)
    for one, other in imported:
        if one in facts and other in facts and one != other:
            low, high = sorted((one, other))
            by_key.setdefault((BY_IMPORT, f"{low}-{high}"), set()).update((low, high))
    merged: dict[tuple[int, ...], tuple[set[str], list[str]]] = {}
    for (reason, key), ids in by_key.items():
        if len(ids) < 2:
            continue
        members = tuple(sorted(ids))
        reasons, keys = merged.setdefault(members, (set(), []))
        reasons.add(reason)
        keys.append(key)
    groups = []
    for members, (reasons, keys) in merged.items():
        order = [r for r in (BY_ISBN, BY_TITLE, BY_IMPORT) if r in reasons]
        groups.append(
            CandidateGroup(
                bib_ids=members,
                reasons=tuple(order),
                keys=tuple(sorted(keys)),
                doubts=_doubts([facts[i] for i in members], reasons),
            )
        )
    groups.sort(key=lambda g: (g.doubtful, g.bib_ids[0], len(g.bib_ids)))
    return groups
