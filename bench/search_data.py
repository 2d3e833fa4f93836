"""Bibliographic records for the search benchmark: realistic Chinese titles and authors
(the demo school's shelves, word lists and well-known works, shuxiang.demo.titles), a
share of English titles, ISBNs of real publishers, CLC classes, years, copies with
their states. Pure: yields plain dicts; the benchmark writes them."""

from __future__ import annotations

import random
from collections.abc import Iterator

from shuxiang.demo import titles

ENGLISH_WORDS = (
    "the secret garden little prince island treasure journey river moon star winter "
    "summer forest ocean city night light dream world history science math english "
    "reader story stories animals space earth music art friends school home adventure "
    "stone wind rain fire dragon magic book of and in on under"
).split()
ENGLISH_AUTHORS = (
    "J. K. Rowling",
    "Roald Dahl",
    "E. B. White",
    "Lewis Carroll",
    "Mark Twain",
    "Jules Verne",
    "C. S. Lewis",
    "Beverly Cleary",
)
ENGLISH_SHARE = 0.05
STATUSES = ("available",) * 17 + ("on_loan", "on_loan", "in_repair")


def _english_title(rng: random.Random) -> str:
    words = [rng.choice(ENGLISH_WORDS) for _ in range(rng.randint(2, 6))]
    return " ".join(words).capitalize()


def records(n: int, *, seed: int = 2026) -> Iterator[dict]:
    """n bib records (dicts of Bib values and a list of copy states)."""
    rng = random.Random(seed)
    shelves, cumulative = titles.shelf_table()
    publishers = list(titles.PUBLISHERS)
    years = titles.PUBLISHED_YEARS
    year_weights = titles.YEAR_WEIGHTS
    for number in range(1, n + 1):
        shelf = rng.choices(shelves, cum_weights=cumulative, k=1)[0]
        role = shelf.author_role
        if rng.random() < ENGLISH_SHARE:
            title = _english_title(rng)
            author = rng.choice(ENGLISH_AUTHORS)
        elif shelf.works and (not shelf.templates or rng.random() < 0.05):
            work = rng.choice(shelf.works)
            title, author = work.title, work.author
        else:
            title = titles.fill(rng, shelf)
            if shelf.country:
                author = titles.foreign_name(rng, shelf.country)
            else:
                author = titles.chinese_author(rng)
            if rng.random() < 0.3:  # a subtitle, a volume, a series edition
                title += rng.choice(
                    ("（上）", "（下）", "：青少年版", "（插图本）", "：彩图注音版", "2")
                )
        publisher = rng.choice(shelf.publishers or publishers)
        code = titles.PUBLISHERS.get(publisher, ("5000", ""))[0]
        serial = number % 10 ** (8 - len(code))
        isbn = titles.isbn13(f"9787{code}{serial:0{8 - len(code)}d}")
        copies = rng.choices((1, 2, 3, 4), weights=(52, 30, 12, 6), k=1)[0]
        yield {
            "title": title,
            "authors": [{"name": author, "role": role}],
            "responsibility": f"{author} {role}",
            "publisher": publisher,
            "year": rng.choices(years, weights=year_weights, k=1)[0],
            "isbn": isbn,
            "clc": shelf.clc,
            "material_type": "audio_visual" if rng.random() < 0.02 else "book",
            "statuses": [rng.choice(STATUSES) for _ in range(copies)],
        }
