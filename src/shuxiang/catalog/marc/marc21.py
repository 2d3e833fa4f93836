"""MARC 21 to Bib values, and Bib values to MARC 21 fields.

Read: 020 $a ISBN $c price $z wrong ISBN; 008/35-37 and 041 language; 084 with $2 clc,
or 093, CLC; 100/110/111/700/710/711 authors with $e/$4 roles; 245 $a $b $n $p title
and $c responsibility; 246 (2nd indicator 1) parallel title; 250 edition; 260/264
imprint; 300 extent and size; 490/830 series; 520 summary; 650 subjects; 852/952
holdings. A field's 880 (linked by $6) gives the original script, which Chinese
readers want, so it wins over the romanized field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shuxiang.catalog.marc import holdings as holdings_rules
from shuxiang.catalog.marc.mapping import (
    Mapped,
    finish,
    join_subject,
    material_type,
    price_of,
    price_text,
    strip_isbd,
    year_of,
)
from shuxiang.catalog.marc.record import Field, Record

RELATORS = {
    "aut": "著",
    "edt": "编",
    "trl": "译",
    "ill": "绘",
    "aui": "序",
    "cmp": "作曲",
    "pht": "摄影",
    "adp": "改编",
    "ann": "注释",
}
_RELATOR_TERMS = {
    "author": "著",
    "editor": "编",
    "translator": "译",
    "illustrator": "绘",
    "compiler": "编",
}
AUTHOR_TAGS = ("100", "110", "111", "700", "710", "711")
MAPPED_TAGS = frozenset(
    {
        "008",
        "020",
        "041",
        "084",
        "093",
        "245",
        "246",
        "250",
        "260",
        "264",
        "300",
        "490",
        "520",
        "650",
        "880",
        *AUTHOR_TAGS,
    }
)


def _vernacular(record: Record) -> dict[str, list[Field]]:
    """880 fields by the tag they stand for ("245" for $6 245-01)."""
    linked: dict[str, list[Field]] = {}
    for f in record.fields:
        if f.tag == "880" and f.data is None:
            link = f.get("6")
            if len(link) >= 3:
                linked.setdefault(link[:3], []).append(f)
    return linked


def _role(f: Field) -> str:
    roles = [RELATORS.get(c.strip().lower(), c.strip()) for c in f.getall("4")]
    roles += [_RELATOR_TERMS.get(strip_isbd(t).lower(), strip_isbd(t)) for t in f.getall("e")]
    unique: list[str] = []
    for r in roles:
        if r and r not in unique:
            unique.append(r)
    return "、".join(unique)


def _name(f: Field) -> str:
    name = strip_isbd(f.get("a"))
    if f.tag in ("110", "710") and f.get("b"):
        name = f"{name}. {strip_isbd(f.get('b'))}"
    return name


_Pick = Callable[[str], list[Field]]


def to_bib(record: Record, *, local_905: bool = False) -> Mapped:
    """Bib values and copies; copies come from 852 and 952, and from 905 only with
    `local_905` (a library whose MARC 21 records use it so)."""
    warnings: list[str] = []
    original = _vernacular(record)

    def pick(tag: str) -> list[Field]:
        """A tag's fields in the original script (880) if the record has them."""
        return original.get(tag) or [f for f in record.fields if f.tag == tag and f.data is None]

    raw_isbns, invalid, price = _numbers(record, warnings)
    title, parallel, responsibility = _title(record, pick, bool(original.get("245")))
    place, publisher, year = _imprint(record, pick)
    pages = size = ""
    if pick("300"):
        f = pick("300")[0]
        pages, size = strip_isbd(f.get("a")), strip_isbd(f.get("c"))
    subjects: list[str] = []
    for f in pick("650"):
        subject = join_subject(f)
        if subject and subject not in subjects:
            subjects.append(subject)
    authors = []
    for tag in AUTHOR_TAGS:
        for f in pick(tag):
            name = _name(f)
            if name:
                authors.append({"name": name, "role": _role(f)})
    tags = holdings_rules.holding_tags("marc21", local_905=local_905)
    holding_list = [holdings_rules.read(f, warnings) for f in record.fields if f.tag in tags]
    values: dict[str, Any] = {
        "material_type": material_type(record.leader),
        "title": title,
        "parallel_title": parallel,
        "responsibility": responsibility,
        "authors": authors,
        "edition": strip_isbd(pick("250")[0].get("a")) if pick("250") else "",
        "publisher": publisher,
        "place": place,
        "year": year,
        "pages": pages,
        "size": size,
        "price": price,
        "clc": _clc(record),
        "subjects": subjects,
        "series": _series(pick),
        "summary": pick("520")[0].get("a").strip() if pick("520") else "",
        "language": _language(record),
    }
    return Mapped(finish(values, raw_isbns, invalid, warnings), holding_list, warnings)


def _numbers(record: Record, warnings: list[str]) -> tuple[list[str], list[str], int | None]:
    """020: the ISBNs as written ($a), the wrong ones ($z), the first price ($c)."""
    raw_isbns: list[str] = []
    invalid: list[str] = []
    price = None
    for f in record.get_fields("020"):
        raw_isbns.extend(f.getall("a"))
        invalid.extend(f.getall("z"))
        if price is None:
            price = price_of(f.get("c"), warnings)
    return raw_isbns, invalid, price


def _title(record: Record, pick: _Pick, vernacular: bool) -> tuple[str, str, str]:
    """(title, parallel title, statement of responsibility) from 245 and 246. With the
    245 in original script (880), the romanized 245 becomes the parallel title."""
    title = parallel = responsibility = ""
    t245 = pick("245")
    if t245:
        f = t245[0]
        main = strip_isbd(" ".join(v for c, v in f.subfields if c == "a"))
        parts = [strip_isbd(v) for c, v in f.subfields if c in "np" and v.strip()]
        if parts:
            main = f"{main}. {', '.join(parts)}"
        subtitle = strip_isbd(f.get("b"))
        title = f"{main} : {subtitle}" if subtitle else main
        responsibility = strip_isbd(f.get("c"))
        if vernacular:
            roman = [f for f in record.fields if f.tag == "245" and f.data is None]
            if roman:
                parallel = strip_isbd(roman[0].get("a"))
    for f in record.get_fields("246"):
        if f.ind[1:2] == "1" and f.get("a"):
            parallel = strip_isbd(f.get("a"))
            break
    return title, parallel, responsibility


def _imprint(record: Record, pick: _Pick) -> tuple[str, str, int | None]:
    """(place, publisher, year) from the publication 264 or a 260; the year from
    008/07-10 when the imprint has none."""
    place = publisher = ""
    year = None
    for f in pick("264") or pick("260"):
        if (
            f.tag == "260"
            or f.ind[1:2] in ("1", " ")
            or (f.tag == "880" and f.get("6").startswith("264"))
        ):
            place, publisher = strip_isbd(f.get("a")), strip_isbd(f.get("b"))
            year = year_of(f.get("c"))
            break
    if year is None:
        control = record.first("008")
        if control is not None and control.data:
            year = year_of(control.data[7:11])
    return place, publisher, year


def _series(pick: _Pick) -> str:
    for f in pick("490") or pick("830"):
        series = strip_isbd(f.get("a"))
        if f.get("v"):
            series = f"{series} ; {strip_isbd(f.get('v'))}"
        return series
    return ""


def _clc(record: Record) -> str:
    """084 with $2 clc, else 093."""
    clc = ""
    for f in record.get_fields("084"):
        if f.get("2").strip().lower() == "clc":
            clc = f.get("a").strip()
            break
    local = record.first("093")
    if not clc and local is not None:
        clc = local.get("a").strip()
    return clc


def _language(record: Record) -> str:
    """041 $a, else 008/35-37."""
    coded = record.first("041")
    language = coded.get("a").strip()[:3] if coded is not None else ""
    if not language:
        control = record.first("008")
        if control is not None and control.data and len(control.data) >= 38:
            language = control.data[35:38].strip()
    return language


def _relator_code(role: str) -> str:
    for code, text in RELATORS.items():
        if text == role:
            return code
    return ""


_ARTICLES = ("the ", "a ", "an ")


def _isbd(text: str, mark: str) -> str:
    """`text` followed by an ISBD mark (" :", " /", ".", ...), unless it already ends
    with that punctuation (a title ending in "?" takes no period)."""
    text = text.rstrip()
    if mark == "." and text.endswith((".", "?", "!")):
        return text
    return text + mark


def _punctuated(parts: list[tuple[str, str]], marks: dict[str, str], end: str = ".") -> list:
    """Subfields with ISBD punctuation: each value gets the mark that the next
    subfield's code asks for (`marks`), the last one `end`."""
    out = []
    for i, (code, value) in enumerate(parts):
        if i + 1 < len(parts):
            mark = marks.get(parts[i + 1][0], "")
            out.append((code, _isbd(value, mark) if mark else value))
        else:
            out.append((code, _isbd(value, end) if end else value))
    return out


def fixed_field(values: dict[str, Any], today: str) -> str:
    """The 40 positions of 008 for a book: date entered (yymmdd) at 00-05, date type
    and date 1 at 06-10, place (China, "cc ") at 15-17, language at 35-37, cataloging
    source "d" at 39."""
    year = values.get("year")
    language = (values.get("language") or "chi")[:3].ljust(3)
    entered = today[-6:] if len(today) >= 6 else today.ljust(6)
    dates = f"s{year:04d}    " if year else "nuuuuuuuu"
    fixed = entered + dates + "cc " + "    " + " " + " " + "    " + " " + "000" + " " + "0 "
    fixed += language + " d"
    assert len(fixed) == 40, fixed
    return fixed


def bib_fields(
    values: dict[str, Any],
    *,
    control_number: str,
    today: str,
    stamp: str = "",
    agency: str = "",
    isbd: bool = True,
) -> list[Field]:
    """MARC 21 fields for a title made in Shuxiang (or edited after import), with the
    ISBD punctuation its leader/18 "i" promises (the importer strips it again); without
    it when `isbd` is false, for a record whose leader says it has none.
    `today` is yyyymmdd, `stamp` the 005 (yyyymmddhhmmss.f, from `today` if empty)."""
    punctuated = _punctuated if isbd else _bare
    year = values.get("year")
    fields: list[Field] = [
        Field("001", data=control_number),
        Field("005", data=stamp or f"{today}000000.0"),
        Field("008", data=fixed_field(values, today)),
    ]
    price = price_text(values.get("price"))
    for i, number in enumerate(values.get("isbns") or []):
        subs = [("a", number)]
        if i == 0 and price:
            subs.append(("c", price))
        fields.append(Field("020", "  ", subs))
    for wrong in values.get("invalid_isbns") or []:
        fields.append(Field("020", "  ", [("z", wrong)]))
    if agency:
        fields.append(Field("040", "  ", [("a", agency), ("b", "chi"), ("c", agency)]))
    if values.get("language"):
        fields.append(Field("041", "0 ", [("a", values["language"])]))
    if values.get("clc"):
        fields.append(Field("084", "  ", [("a", values["clc"]), ("2", "clc")]))
    authors = values.get("authors") or []
    if authors:
        fields.append(Field("100", "0 ", _author_subfields(authors[0], isbd)))
    title = values.get("title") or ""
    main, _, other = title.partition(" : ")
    subs = [("a", main)]
    if other:
        subs.append(("b", other))
    if values.get("responsibility"):
        subs.append(("c", values["responsibility"]))
    fields.append(
        Field(
            "245",
            ("1" if authors else "0") + _nonfiling(main),
            punctuated(subs, {"b": " :", "c": " /"}),
        )
    )
    if values.get("parallel_title"):
        fields.append(Field("246", "31", [("a", values["parallel_title"])]))
    if values.get("edition"):
        fields.append(Field("250", "  ", punctuated([("a", values["edition"])], {})))
    pub = [
        (c, v)
        for c, v in (
            ("a", values.get("place")),
            ("b", values.get("publisher")),
            ("c", str(year or "")),
        )
        if v
    ]
    if pub:
        fields.append(Field("264", " 1", punctuated(pub, {"b": " :", "c": ","})))
    phys = [(c, v) for c, v in (("a", values.get("pages")), ("c", values.get("size"))) if v]
    if phys:
        fields.append(Field("300", "  ", punctuated(phys, {"c": " ;"}, end="")))
    if values.get("series"):
        name, _, number = values["series"].partition(" ; ")
        series = [("a", name)] + ([("v", number)] if number else [])
        fields.append(Field("490", "0 ", punctuated(series, {"v": " ;"}, end="")))
    if values.get("summary"):
        fields.append(Field("520", "  ", [("a", values["summary"])]))
    for subject in values.get("subjects") or []:
        head, *subdivisions = subject.split("--")
        fields.append(Field("650", " 4", [("a", head)] + [("x", s) for s in subdivisions]))
    for author in authors[1:]:
        fields.append(Field("700", "0 ", _author_subfields(author, isbd)))
    return fields


def _bare(parts: list[tuple[str, str]], marks: dict[str, str], end: str = ".") -> list:
    return parts


def _author_subfields(author: dict[str, str], isbd: bool) -> list[tuple[str, str]]:
    subs = [("a", author["name"])]
    if author.get("role"):
        subs.append(("e", author["role"]))
    code = _relator_code(author.get("role", ""))
    if code:
        subs.append(("4", code))
    return _punctuated(subs, {"e": ","}, end="") if isbd and len(subs) > 1 else subs


def _nonfiling(title: str) -> str:
    """245 ind2: the characters an initial article takes ("The " is 4)."""
    lowered = title.lower()
    for article in _ARTICLES:
        if lowered.startswith(article) and len(title) > len(article):
            return str(len(article))
    return "0"


LEADER = "     nam a22     4i 4500"
