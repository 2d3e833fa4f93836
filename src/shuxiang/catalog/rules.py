"""What a title and a copy must look like before they are cataloged, in plain Python: the
one place these checks are written. `services.bib_create` and `services.item_create`
enforce them for every adapter (the cataloging form, the API, spreadsheet book lists,
receiving a purchase batch); the form and the book list also ask for the whole list, so
that a librarian sees every problem of a record at once."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from shuxiang.catalog import callnumbers, clc
from shuxiang.catalog import isbn as isbn_rules
from shuxiang.core.errors import Invalid

YEAR_RANGE = (1000, 2200)


def clc_message(code: str) -> str:
    """Why a CLC number is not valid (`clc.validate(...).code`), in the user's language."""
    return {
        "empty": _("请填写分类号。"),
        "main_class": _("分类号的第一个字母不是中图法的基本大类（A–Z，无 L、M、W、Y）。"),
        "t_subclass": _(
            "T 类的二级类目只有 TB、TD、TE、TF、TG、TH、TJ、TK、TL、TM、TN、TP、TQ、TS、TU、TV。"
        ),
        "syntax": _(
            '分类号格式不正确：字母后为数字，每三位数字后加小数点，可带 -、()、=、""、<> 等复分号。'
        ),
    }.get(code, "")


@dataclass(slots=True)
class BibCheck:
    """The problems of a title's values (empty when it may be cataloged) and its CLC
    number as stored (upper case, half-width)."""

    problems: list[Invalid]
    clc: str


def bib_check(
    *,
    title: str,
    isbn: str | None = None,
    year: int | None = None,
    price: int | None = None,
    clc_number: str = "",
    allow_invalid_isbn: bool = False,
) -> BibCheck:
    """Every problem of a title's values, each an Invalid with its stable code: no title
    (title_required), an ISBN whose check digit fails (invalid_isbn, unless
    allow_invalid_isbn), a year out of range (invalid_year), a negative price
    (invalid_price), a class number that is not CLC (invalid_clc)."""
    problems: list[Invalid] = []
    if not (title or "").strip():
        problems.append(Invalid(_("题名不能为空。"), code="title_required"))
    if isbn and not allow_invalid_isbn and isbn_rules.split([isbn]).invalid:
        problems.append(
            Invalid(_("ISBN %(isbn)s 无效，请检查校验位。") % {"isbn": isbn}, code="invalid_isbn")
        )
    if year is not None and not (YEAR_RANGE[0] <= year <= YEAR_RANGE[1]):
        problems.append(
            Invalid(_("出版年 %(year)s 不合理。") % {"year": year}, code="invalid_year")
        )
    if price is not None and price < 0:
        problems.append(Invalid(_("定价不能为负数。"), code="invalid_price"))
    normalized = ""
    if (clc_number or "").strip():
        check = clc.validate(clc_number)
        if check.valid:
            normalized = check.normalized
        else:
            problems.append(Invalid(clc_message(check.code), code="invalid_clc"))
    return BibCheck(problems=problems, clc=normalized)


def call_number_clean(value: str) -> str:
    """A call number as stored ("I247.5/12": a valid CLC class number, "/", a book
    number); Invalid (invalid_call_number) for anything else."""
    value = value.strip().replace("／", "/")
    parts = callnumbers.parse(value)
    if not parts.class_number or not parts.book_number:
        raise Invalid(
            _("索书号 %(value)s 应为“分类号/种次号”，例如 I247.5/12。") % {"value": value},
            code="invalid_call_number",
        )
    if not clc.validate(parts.class_number).valid:
        raise Invalid(
            _("索书号 %(value)s 中的分类号不是有效的中图法分类号。") % {"value": value},
            code="invalid_call_number",
        )
    return callnumbers.compose(clc.normalize(parts.class_number), parts.book_number, parts.volume)


def copy_price_check(price: int | None) -> None:
    """A copy's price is fen, never negative (invalid_price)."""
    if price is not None and price < 0:
        raise Invalid(_("价格不能为负数。"), code="invalid_price")
