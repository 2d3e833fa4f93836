"""Card and barcode formats described by example (图书馆设置 → 借书证与条码格式): the
shape ↔ regular expression translation as tables, the check of existing codes through
the checkers other apps register, the service's refusals and the page."""

from __future__ import annotations

import pytest

from shuxiang.core import formats
from shuxiang.core.errors import Conflict, Invalid
from shuxiang.core.formats import Fit, Shape
from shuxiang.core.models import AuditEvent, Library
from shuxiang.core.services import formats_check, library_formats_set, library_setup, user_create

# -- pure: shapes and expressions ---------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "shape"),
    [
        (r"^R\d{4,10}$", Shape("R", 4, 10)),
        (r"^\d{6,14}$", Shape("", 6, 14)),
        (r"R\d{6}", Shape("R", 6, 6)),
        (r"^R\d{6}$", Shape("R", 6, 6)),
        (r"^T-\d{5}$", Shape("T-", 5, 5)),
        (r"^T\-\d{5}$", Shape("T-", 5, 5)),
        (r"^XS2026\d{3}$", Shape("XS2026", 3, 3)),
        (r"^R\d+$", Shape("R", 1, 20)),
        (r"^[A-Z]\d{6}$", None),
        (r"^R\d{6}|T\d{6}$", None),
        (r"^R\d{8,6}$", None),
        (r"^R\d{0}$", None),
        (r"^R\d{30}$", None),
        ("", None),
    ],
)
def test_shape_of_a_pattern(pattern, shape):
    assert formats.shape_of(pattern) == shape


@pytest.mark.parametrize(
    ("shape", "pattern", "words", "example"),
    [
        (Shape("R", 6, 6), r"^R\d{6}$", "R + 6 位数字", "R000123"),
        (Shape("R", 4, 10), r"^R\d{4,10}$", "R + 4–10 位数字", "R000123"),
        (Shape("", 6, 14), r"^\d{6,14}$", "6–14 位数字", "000123"),
        (Shape("", 8, 8), r"^\d{8}$", "8 位数字", "00000123"),
        (Shape("T-", 4, 4), r"^T-\d{4}$", "T- + 4 位数字", "T-0123"),
        (Shape("S", 2, 3), r"^S\d{2,3}$", "S + 2–3 位数字", "S123"),
    ],
)
def test_a_shape_writes_its_pattern_words_and_example(shape, pattern, words, example):
    assert shape.pattern == pattern
    assert shape.describe() == words
    assert shape.example() == example
    assert formats.shape_of(shape.pattern) == shape  # and reads back
    import re

    assert re.fullmatch(shape.pattern, shape.example())


def test_patrons_card_numbering_reads_the_patterns_core_writes():
    from shuxiang.patrons.card_numbers import card_shape

    assert card_shape(Shape("R", 6, 6).pattern) == ("R", 6)
    assert card_shape(Shape("T-", 5, 8).pattern) == ("T-", 6)


@pytest.mark.parametrize(
    ("code", "shape"),
    [
        ("R000123", Shape("R", 6, 6)),
        ("00012345", Shape("", 8, 8)),
        ("T-2026-001", Shape("T-2026-", 3, 3)),
        (" JS0042 ", Shape("JS", 4, 4)),
        ("abc", None),
        ("R 123", None),
        ("123R", None),
        ("", None),
    ],
)
def test_shape_from_an_example_code(code, shape):
    assert formats.shape_from_example(code) == shape


@pytest.mark.parametrize(
    ("prefix", "low", "high", "problem"),
    [
        ("R", 6, 6, ""),
        ("", 6, 14, ""),
        ("R!", 6, 6, "前缀只能是字母、数字或连字符"),
        ("ABCDEFGHIJK", 6, 6, "前缀只能是字母、数字或连字符"),
        ("R", None, 6, "请填写数字的位数"),
        ("R", 0, 6, "数字的位数应在 1 到 20 之间"),
        ("R", 6, 21, "数字的位数应在 1 到 20 之间"),
        ("R", 8, 6, "最多位数不能少于最少位数"),
    ],
)
def test_shape_problems(prefix, low, high, problem):
    found = formats.shape_problem(prefix, low, high)
    assert (problem in found) if problem else found == ""


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        (r"^R\d{6}$", ""),
        (r"^[A-Z]{2}\d+$", ""),
        ("", "格式不能为空"),
        ("   ", "格式不能为空"),
        ("^R(\\d{6}$", "正则表达式有误"),
        (".*", "连空白也能匹配"),
        ("^R?\\d*$", "连空白也能匹配"),
        ("x" * 201, "正则表达式太长"),
    ],
)
def test_pattern_problems(pattern, problem):
    found = formats.pattern_problem(pattern)
    assert (problem in found) if problem else found == ""


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        (Shape("R", 4, 10), Shape("", 6, 14), False),  # the defaults
        (Shape("", 6, 8), Shape("", 8, 10), True),
        (Shape("", 6, 6), Shape("", 8, 8), False),
        (Shape("1", 5, 5), Shape("", 6, 6), True),  # 1 + 5 digits is 6 digits
        (Shape("", 6, 6), Shape("1", 5, 5), True),
        (Shape("1", 5, 5), Shape("", 7, 7), False),
        (Shape("R", 6, 6), Shape("R", 6, 6), True),
        (Shape("R", 6, 6), Shape("RA", 6, 6), False),
        (Shape("R", 6, 6), Shape("T", 6, 6), False),
    ],
)
def test_shapes_overlap(a, b, overlap):
    assert formats.shapes_overlap(a, b) is overlap


def test_patterns_overlap_is_undecided_for_an_experts_expression():
    assert formats.patterns_overlap(r"^[A-Z]\d{6}$", r"^\d{8}$") is None
    assert formats.patterns_overlap(r"^R\d{6}$", r"^\d{8}$") is False


def test_fit_counts_misfits_and_keeps_a_few_examples():
    codes = ["R000001", "R000002", "T01", "", "R12", "X9", "Y9", "Z9", "W9", "V9"]
    result = formats.fit(codes, r"^R\d{6}$")
    assert result == Fit(
        checked=True, total=9, misfits=7, examples=("T01", "R12", "X9", "Y9", "Z9")
    )


def test_nothing_registered_means_not_checked(monkeypatch):
    monkeypatch.setattr(formats, "_CHECKERS", {})
    assert formats.check("card", object(), r"^R\d{6}$") == formats.NOT_CHECKED
    with pytest.raises(ValueError):
        formats.register_checker("isbn", lambda library, pattern: formats.NOT_CHECKED)


# -- the service ---------------------------------------------------------------------------


def _patrons_card_checker(library, pattern):
    """What patrons registers (PatronsConfig.ready)."""
    from shuxiang.patrons.models import Patron

    return formats.fit(
        Patron.objects.filter(library=library).values_list("card_number", flat=True).iterator(),
        pattern,
    )


def _catalog_barcode_checker(library, pattern):
    """What catalog registers (CatalogConfig.ready)."""
    from shuxiang.catalog.models import Item

    return formats.fit(
        Item.objects.filter(library=library).values_list("barcode", flat=True).iterator(),
        pattern,
    )


@pytest.fixture
def checkers(monkeypatch):
    monkeypatch.setattr(formats, "_CHECKERS", {})
    formats.register_checker("card", _patrons_card_checker)
    formats.register_checker("barcode", _catalog_barcode_checker)


@pytest.fixture
def readers_and_copies(actor):
    from shuxiang.catalog.services import bib_create, item_create
    from shuxiang.patrons.services import patron_create

    for card in ("R100001", "R100002", "R1003"):
        patron_create(actor=actor, card=card, name=f"读者{card}")
    bib = bib_create(actor=actor, title="朝花夕拾")
    for barcode in ("10000001", "10000002"):
        item_create(actor=actor, bib_id=bib.pk, barcode=barcode)


def test_a_new_card_format_is_saved_with_an_audit_event(actor, library, checkers):
    library_formats_set(actor=actor, card_pattern=r"^R\d{6}$", barcode_pattern=r"^\d{6,14}$")
    library.refresh_from_db()
    assert library.card_pattern == r"^R\d{6}$" and library.barcode_pattern == r"^\d{6,14}$"
    event = AuditEvent.objects.get(action="library.formats")
    assert event.before == {"card_pattern": r"^R\d{4,10}$"}
    assert event.after == {"card_pattern": r"^R\d{6}$"}
    assert event.actor_id == actor.user.pk and event.library_id == library.pk


@pytest.mark.parametrize(
    ("card", "barcode", "code"),
    [
        ("^R(\\d{6}$", r"^\d{8}$", "invalid_pattern"),
        (r"^R\d{6}$", ".*", "invalid_pattern"),
        ("", r"^\d{8}$", "invalid_pattern"),
        (r"^\d{6,8}$", r"^\d{8,14}$", "patterns_overlap"),
        (r"^\d{8}$", r"^\d{8}$", "patterns_overlap"),
        (r"^[0-9]{8}$", r"^[0-9]{8}$", "patterns_overlap"),
    ],
)
def test_bad_patterns_are_refused_and_change_nothing(actor, library, card, barcode, code):
    before = AuditEvent.objects.count()
    with pytest.raises(Invalid) as refused:
        library_formats_set(actor=actor, card_pattern=card, barcode_pattern=barcode)
    assert refused.value.code == code and refused.value.message
    library.refresh_from_db()
    assert library.card_pattern == r"^R\d{4,10}$" and library.barcode_pattern == r"^\d{6,14}$"
    assert AuditEvent.objects.count() == before


def test_existing_codes_that_would_not_fit_need_a_confirmation(
    actor, library, checkers, readers_and_copies
):
    checked = formats_check(library=library, card_pattern=r"^R\d{6}$", barcode_pattern=r"^\d{8}$")
    assert checked.card_fit == Fit(checked=True, total=3, misfits=1, examples=("R1003",))
    assert checked.barcode_fit == Fit(checked=True, total=2, misfits=0, examples=())
    assert checked.misfits == 1 and not checked.problems

    with pytest.raises(Conflict) as refused:
        library_formats_set(actor=actor, card_pattern=r"^R\d{6}$", barcode_pattern=r"^\d{8}$")
    assert refused.value.code == "pattern_misfits"
    library.refresh_from_db()
    assert library.card_pattern == r"^R\d{4,10}$"
    assert not AuditEvent.objects.filter(action="library.formats").exists()

    library_formats_set(
        actor=actor, card_pattern=r"^R\d{6}$", barcode_pattern=r"^\d{8}$", accept_misfits=True
    )
    library.refresh_from_db()
    assert library.card_pattern == r"^R\d{6}$" and library.barcode_pattern == r"^\d{8}$"
    event = AuditEvent.objects.get(action="library.formats")
    assert event.reason == "1 个现有号码不符合"


def test_without_checkers_the_check_says_not_checked_and_does_not_hold_the_change(
    actor, library, monkeypatch, readers_and_copies
):
    monkeypatch.setattr(formats, "_CHECKERS", {})
    checked = formats_check(library=library, card_pattern=r"^R\d{6}$", barcode_pattern=r"^\d{8}$")
    assert checked.card_fit == formats.NOT_CHECKED and checked.misfits == 0
    library_formats_set(actor=actor, card_pattern=r"^R\d{6}$", barcode_pattern=r"^\d{8}$")
    library.refresh_from_db()
    assert library.card_pattern == r"^R\d{6}$"


def test_checkers_count_only_this_librarys_codes(actor, library, checkers, readers_and_copies):
    other = library_setup(code="school-02", name="二中图书馆")
    checked = formats_check(library=other, card_pattern=r"^R\d{6}$", barcode_pattern=r"^\d{8}$")
    assert checked.card_fit == Fit(checked=True, total=0, misfits=0, examples=())


# -- the page ------------------------------------------------------------------------------


def _shape_post(card=("R", "6", "6"), barcode=("", "8", "8"), **extra):
    data = {
        "card_prefix": card[0],
        "card_min": card[1],
        "card_max": card[2],
        "card_regex": r"^R\d{4,10}$",
        "card_regex_was": r"^R\d{4,10}$",
        "barcode_prefix": barcode[0],
        "barcode_min": barcode[1],
        "barcode_max": barcode[2],
        "barcode_regex": r"^\d{6,14}$",
        "barcode_regex_was": r"^\d{6,14}$",
    }
    data.update(extra)
    return data


def test_the_page_shows_the_formats_as_shapes(client, librarian):
    client.force_login(librarian)
    page = client.get("/staff/settings/formats/").content.decode()
    assert "R + 4–10 位数字" in page and "6–14 位数字" in page
    assert r"^R\d{4,10}$" in page and "正则表达式（高级）" in page
    assert "<script>" not in page and "onclick" not in page


def test_the_check_lists_misfits_and_saving_needs_the_box_ticked(
    client, librarian, library, checkers, readers_and_copies
):
    client.force_login(librarian)
    preview = client.post("/staff/settings/formats/", _shape_post())
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "R + 6 位数字" in page and "8 位数字" in page
    assert "3 个中有 1 个不符合" in page and "R1003" in page and "现有 2 个全部符合" in page
    library.refresh_from_db()
    assert library.card_pattern == r"^R\d{4,10}$"  # a preview writes nothing

    confirm = {"confirm": "1", "card_pattern": r"^R\d{6}$", "barcode_pattern": r"^\d{8}$"}
    refused = client.post("/staff/settings/formats/", confirm)
    assert refused.status_code == 409 and "不符合新格式" in refused.content.decode()
    library.refresh_from_db()
    assert library.card_pattern == r"^R\d{4,10}$"

    saved = client.post("/staff/settings/formats/", {**confirm, "accept_misfits": "1"}, follow=True)
    assert "已保存借书证号和条码号格式。" in saved.content.decode()
    library.refresh_from_db()
    assert library.card_pattern == r"^R\d{6}$" and library.barcode_pattern == r"^\d{8}$"


def test_an_example_code_and_an_experts_expression(client, librarian, library, monkeypatch):
    monkeypatch.setattr(formats, "_CHECKERS", {})
    client.force_login(librarian)
    page = client.post(
        "/staff/settings/formats/", _shape_post(card_example="JS0042")
    ).content.decode()
    assert "JS + 4 位数字" in page and "未检查" in page
    assert 'name="card_pattern" value="^JS\\d{4}$"' in page
    page = client.post(
        "/staff/settings/formats/",
        _shape_post(card_regex=r"^[A-Z]{2}\d{4}$"),
    ).content.decode()
    assert "自定义格式 ^[A-Z]{2}\\d{4}$" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_shape_post(card=("R", "8", "6")), "借书证号格式：最多位数不能少于最少位数。"),
        (_shape_post(card=("R!", "6", "6")), "前缀只能是字母、数字或连字符"),
        (_shape_post(card_example="abc"), "样例 abc 不是"),
        (_shape_post(card_regex="^R(\\d$"), "正则表达式有误"),
        (_shape_post(card=("", "8", "8")), "格式有重叠"),
    ],
)
def test_bad_input_on_the_page_gets_a_chinese_message_and_changes_nothing(
    client, librarian, library, data, message
):
    client.force_login(librarian)
    response = client.post("/staff/settings/formats/", data)
    assert message in response.content.decode()
    assert 'name="confirm"' not in response.content.decode()
    library.refresh_from_db()
    assert library.card_pattern == r"^R\d{4,10}$" and library.barcode_pattern == r"^\d{6,14}$"
    assert not AuditEvent.objects.filter(action="library.formats").exists()


def test_a_confirmed_bad_pattern_is_still_refused(client, librarian, library):
    client.force_login(librarian)
    response = client.post(
        "/staff/settings/formats/",
        {"confirm": "1", "card_pattern": ".*", "barcode_pattern": r"^\d{8}$"},
    )
    assert response.status_code == 422 and "连空白也能匹配" in response.content.decode()
    library.refresh_from_db()
    assert library.card_pattern == r"^R\d{4,10}$"


def test_each_school_changes_only_its_own_formats(client, library):
    other = library_setup(code="school-02", name="二中图书馆")
    admin2 = user_create(library=other, username="admin2", role="admin", password="secret123")
    client.force_login(admin2)
    client.post(
        "/staff/settings/formats/",
        {"confirm": "1", "card_pattern": r"^T\d{6}$", "barcode_pattern": r"^\d{8}$"},
    )
    assert Library.objects.get(pk=other.pk).card_pattern == r"^T\d{6}$"
    assert Library.objects.get(pk=library.pk).card_pattern == r"^R\d{4,10}$"
