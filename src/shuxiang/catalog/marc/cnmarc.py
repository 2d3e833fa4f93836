"""CNMARC (UNIMARC as used in China) to Bib values, and Bib values to CNMARC fields.

Read: 010 $a ISBN $d price $z wrong ISBN; 091 $a 统一书号 (kept as written); 101 $a
language; 200 $a title $e other title $h/$i part $d parallel title $f/$g responsibility;
205 edition; 210 $a place $c publisher $d year; 215 $a pages $d size; 225 series; 330
summary; 606 subjects; 690 CLC; 700-702/710-712 authors with $4 roles; 905 holdings.
"""

from __future__ import annotations

from typing import Any

from shuxiang.catalog.marc import holdings as holdings_rules
from shuxiang.catalog.marc.mapping import (
    Mapped,
    finish,
    join_subject,
    material_type,
    price_of,
    price_text,
    year_of,
)
from shuxiang.catalog.marc.record import Field, Record

# UNIMARC relator codes (Appendix C) most often met in Chinese records.
RELATORS = {
    "070": "著",
    "340": "编",
    "651": "主编",
    "730": "译",
    "440": "绘",
    "080": "序",
    "205": "撰稿",
    "220": "编纂",
    "600": "摄影",
    "010": "改编",
    "020": "注释",
    "075": "后记",
}
_PERSON_TAGS = ("700", "701", "702")
_CORPORATE_TAGS = ("710", "711", "712")
AUTHOR_TAGS = _PERSON_TAGS + _CORPORATE_TAGS
MAPPED_TAGS = frozenset(
    {"010", "101", "200", "205", "210", "215", "225", "330", "606", "690", *AUTHOR_TAGS}
)


def _role(f: Field) -> str:
    roles = []
    for code in f.getall("4"):
        code = code.strip()
        roles.append(RELATORS.get(code, code))
    return "、".join(r for r in roles if r)


def _name(f: Field) -> str:
    a, b = f.get("a").strip(), f.get("b").strip()
    if b:
        # Western names: "Smith, John"; Chinese names are whole in $a.
        return f"{a}, {b}" if a.isascii() else a + b
    return a


def _title(f: Field) -> tuple[str, str, str]:
    """(title, parallel title, statement of responsibility) from a 200 field."""
    main = " ; ".join(v.strip() for v in f.getall("a") if v.strip())
    parts = [v.strip() for c, v in f.subfields if c in "hi" and v.strip()]
    if parts:
        main = f"{main}. {', '.join(parts)}"
    others = [v.strip() for v in f.getall("e") if v.strip()]
    title = " : ".join([main, *others]) if others else main
    parallel = " = ".join(v.strip() for v in f.getall("d") if v.strip())
    responsibility = "；".join(v.strip() for c, v in f.subfields if c in "fg" and v.strip())
    return title, parallel, responsibility


def to_bib(record: Record) -> Mapped:
    warnings: list[str] = []
    values: dict[str, Any] = {"material_type": material_type(record.leader)}
    raw_isbns: list[str] = []
    invalid: list[str] = []
    price = None
    title = parallel = responsibility = edition = publisher = place = pages = size = ""
    year = None
    series = summary = clc = language = ""
    subjects: list[str] = []
    authors: list[dict[str, str]] = []
    holdings = []
    for f in record.fields:
        tag = f.tag
        if f.data is not None:
            continue
        if tag == "010":
            raw_isbns.extend(f.getall("a"))
            invalid.extend(f.getall("z"))
            if price is None:
                price = price_of(f.get("d"), warnings)
        elif tag == "091":
            invalid.extend(f.getall("a"))
        elif tag == "101" and not language:
            language = f.get("a").strip()
        elif tag == "200" and not title:
            title, parallel, responsibility = _title(f)
        elif tag == "205" and not edition:
            edition = f.get("a").strip()
        elif tag == "210" and not publisher:
            place = f.get("a").strip()
            publisher = f.get("c").strip()
            year = year_of(f.get("d"))
        elif tag == "215" and not pages:
            pages = f.get("a").strip()
            size = f.get("d").strip()
        elif tag == "225" and not series:
            series = f.get("a").strip()
            if f.get("v").strip():
                series = f"{series} ; {f.get('v').strip()}"
        elif tag == "330" and not summary:
            summary = f.get("a").strip()
        elif tag == "606":
            subject = join_subject(f)
            if subject and subject not in subjects:
                subjects.append(subject)
        elif tag == "690" and not clc:
            clc = f.get("a").strip()
        elif tag in AUTHOR_TAGS:
            name = _name(f)
            if name:
                authors.append({"name": name, "role": _role(f)})
        elif tag == "905":
            holdings.append(holdings_rules.read(f, warnings))
    values.update(
        title=title,
        parallel_title=parallel,
        responsibility=responsibility,
        authors=authors,
        edition=edition,
        publisher=publisher,
        place=place,
        year=year,
        pages=pages,
        size=size,
        price=price,
        clc=clc,
        subjects=subjects,
        series=series,
        summary=summary,
        language=language,
    )
    return Mapped(finish(values, raw_isbns, invalid, warnings), holdings, warnings)


def mark_unicode(record: Record) -> None:
    """Say in 100 $a/26-29 (character sets) that the record is now ISO 10646 ("50"), for
    a record read in GBK or GB2312 and kept re-encoded as UTF-8."""
    general = record.first("100")
    if general is None or general.data is not None:
        return
    for i, (code, value) in enumerate(general.subfields):
        if code == "a" and len(value) >= 26:
            general.subfields[i] = ("a", value[:26] + "50  " + value[30:])
            return


def _relator(role: str) -> str:
    for code, text in RELATORS.items():
        if text == role:
            return code
    return role


def bib_fields(
    values: dict[str, Any],
    *,
    control_number: str,
    today: str,
    stamp: str = "",
    agency: str = "",
) -> list[Field]:
    """CNMARC fields for a title made in Shuxiang (or edited after import). `today` is
    yyyymmdd, `stamp` the 005 (yyyymmddhhmmss.f, from `today` if empty), `agency` the
    cataloging library named in 801 (none without it)."""
    fields: list[Field] = [
        Field("001", data=control_number),
        Field("005", data=stamp or f"{today}000000.0"),
    ]
    price = price_text(values.get("price"))
    numbers = list(values.get("isbns") or [])
    for i, number in enumerate(numbers):
        subs = [("a", number)]
        if i == 0 and price:
            subs.append(("d", price))
        fields.append(Field("010", "  ", subs))
    for wrong in values.get("invalid_isbns") or []:
        fields.append(Field("010", "  ", [("z", wrong)]))
    if not numbers and price:
        fields.append(Field("010", "  ", [("d", price)]))
    year = values.get("year")
    year_text = str(year) if year else "    "
    # 100 $a: entry date, publication type/dates, audience, government code, ...,
    # character set "50" (ISO 10646, i.e. the UTF-8 this record is written in).
    general = f"{today}d{year_text}    em y0chiy50      ea"
    fields.append(Field("100", "  ", [("a", general[:36].ljust(36))]))
    if values.get("language"):
        fields.append(Field("101", "0 ", [("a", values["language"])]))
    title = values.get("title") or ""
    main, _, other = title.partition(" : ")
    subs = [("a", main)]
    if other:
        subs.append(("e", other))
    if values.get("parallel_title"):
        subs.append(("d", values["parallel_title"]))
    responsibility = values.get("responsibility") or ""
    if responsibility:
        first, *rest = responsibility.split("；")
        subs.append(("f", first))
        subs.extend(("g", r) for r in rest)
    fields.append(Field("200", "1 ", subs))
    if values.get("edition"):
        fields.append(Field("205", "  ", [("a", values["edition"])]))
    pub = [
        (c, v)
        for c, v in (
            ("a", values.get("place")),
            ("c", values.get("publisher")),
            ("d", str(year or "")),
        )
        if v
    ]
    if pub:
        fields.append(Field("210", "  ", pub))
    phys = [(c, v) for c, v in (("a", values.get("pages")), ("d", values.get("size"))) if v]
    if phys:
        fields.append(Field("215", "  ", phys))
    if values.get("series"):
        name, _, number = values["series"].partition(" ; ")
        fields.append(Field("225", "2 ", [("a", name)] + ([("v", number)] if number else [])))
    if values.get("summary"):
        fields.append(Field("330", "  ", [("a", values["summary"])]))
    for subject in values.get("subjects") or []:
        head, *subdivisions = subject.split("--")
        fields.append(Field("606", "0 ", [("a", head)] + [("x", s) for s in subdivisions]))
    if values.get("clc"):
        fields.append(Field("690", "  ", [("a", values["clc"]), ("v", "5")]))
    for i, author in enumerate(values.get("authors") or []):
        subs = [("a", author["name"])]
        if author.get("role"):
            subs.append(("4", _relator(author["role"])))
        fields.append(Field("701" if i == 0 else "702", " 0", subs))
    if agency:
        # 801 ind2 0: the original cataloging agency (here the library), country, date.
        fields.append(Field("801", " 0", [("a", "CN"), ("b", agency), ("c", today)]))
    return fields


# Positions 20-23 are the entry map "450 " (12-16, the base address, is filled in when
# written; 17-19 encoding level, descriptive form and an undefined position are blank).
LEADER = "     nam0 22        450 "
assert len(LEADER) == 24
