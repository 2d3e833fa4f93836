"""Editing a stored MARC record (pure): the original record stays the truth, and an edit
changes only the fields it touches.

`apply_values` takes the stored record (UTF-8 ISO 2709, as `Bib.marc_record` keeps it),
the Bib values it had and the values it should have, and rewrites only the subfields
those changed values are read from (`marc21.to_bib`, `cnmarc.to_bib`): a new title goes
into 245 $a (or the 880 holding the original script) and 245 keeps its indicators, $h,
$n/$p and $6; a new class into 084 $a (or 093) or CNMARC 690 $a; a new ISBN replaces
the number in 020 $a and keeps its qualifier; and so on. Every field not touched stays
byte for byte; 005 (date and time of latest transaction) is set to `now`.

Rebuilding the record from the Bib, as the exporter's `_edited` did, lost what the
Bib has no column for: 008, the 880s, 100 $d/$q, 245's non-filing indicator, 260's
second place, 300 $b, 650 $v/$y/$z, 110/710 corporate names, ISBN qualifiers.

`apply_table` merges a field/indicator/subfield table (the MARC editor) into the
record: a field the table gives back unchanged keeps its bytes, a changed one is
written anew, a field left out is deleted (holdings excepted: they are written from the
copies at export), and 005 is set.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from shuxiang.catalog import isbn as isbn_rules
from shuxiang.catalog.marc import cnmarc, marc21
from shuxiang.catalog.marc.detect import CNMARC, MARC21
from shuxiang.catalog.marc.holdings import holding_tags
from shuxiang.catalog.marc.mapping import (
    join_subject,
    price_of,
    strip_isbd,
    year_of,
)
from shuxiang.catalog.marc.record import (
    Field,
    MarcError,
    Record,
    assemble,
    field_bytes,
    is_control_tag,
    split_fields,
    to_iso2709,
)
from shuxiang.core.errors import Invalid
from shuxiang.core.money import yuan_text

FLAVORS = (MARC21, CNMARC)


class _Slot:
    """One field of the record: its original bytes until an edit decodes and changes it."""

    __slots__ = ("tag", "raw", "_field")

    def __init__(self, tag: str, raw: bytes | None = None, fld: Field | None = None) -> None:
        self.tag = tag
        self.raw = raw
        self._field = fld

    @property
    def field(self) -> Field:
        if self._field is None:
            self._field = _decode(self.tag, self.raw or b"")
        return self._field

    def touch(self) -> Field:
        """The field, to be changed: it is written anew."""
        fld = self.field
        self.raw = None
        return fld

    def bytes(self) -> bytes:
        return self.raw if self.raw is not None else field_bytes(self.field)


def _decode(tag: str, chunk: bytes) -> Field:
    text = chunk.decode("utf-8")
    if is_control_tag(tag):
        return Field(tag, data=text)
    parts = text.split("\x1f")
    return Field(tag, parts[0][:2].ljust(2), [(p[:1], p[1:]) for p in parts[1:] if p])


class _Editor:
    def __init__(self, original: bytes, flavor: str) -> None:
        if flavor not in FLAVORS:
            raise ValueError(f"unknown MARC flavor {flavor!r}")
        self.flavor = flavor
        self.leader, raw = split_fields(original)
        self.slots = [_Slot(tag, chunk) for tag, chunk in raw]

    # -- finding fields -------------------------------------------------------------------

    def data_slots(self, *tags: str) -> list[_Slot]:
        return [s for s in self.slots if s.tag in tags and not is_control_tag(s.tag)]

    def pick(self, tag: str) -> list[_Slot]:
        """MARC 21: the tag's fields in the original script (880 $6 <tag>-nn) if the
        record has them, as `marc21.to_bib` reads them."""
        if self.flavor == MARC21:
            linked = [s for s in self.data_slots("880") if s.field.get("6")[:3] == tag]
            if linked:
                return linked
        return self.data_slots(tag)

    def add(self, fld: Field) -> _Slot:
        """A new field after the last one whose tag is not above its own."""
        slot = _Slot(fld.tag, None, fld)
        idx = len(self.slots)
        while idx > 0 and self.slots[idx - 1].tag > fld.tag:
            idx -= 1
        self.slots.insert(idx, slot)
        return slot

    def remove(self, slot: _Slot) -> None:
        """Remove a field, and the field linked to it by $6 (a field and its 880)."""
        self.slots.remove(slot)
        link = slot.field.get("6") if not is_control_tag(slot.tag) else ""
        if len(link) >= 6:
            partner_tag, number = link[:3], link[4:6]
            for other in self.data_slots(partner_tag):
                other_link = other.field.get("6")
                if other_link[:3] == slot.tag and other_link[4:6] == number:
                    self.slots.remove(other)
                    break

    def control(self, tag: str, value: str) -> None:
        for slot in self.slots:
            if slot.tag == tag:
                slot.touch().data = value
                return
        self.add(Field(tag, data=value))

    def result(self) -> bytes:
        return assemble(self.leader, [(s.tag, s.bytes()) for s in self.slots])


# -- subfield helpers ------------------------------------------------------------------------


def _trail(text: str) -> str:
    """The ISBD punctuation at the end of a subfield (" /", " :", "."), which an edit keeps."""
    core = strip_isbd(text)
    if not core:
        return ""
    at = text.rfind(core)
    return text[at + len(core) :] if at >= 0 else ""


def _with_trail(old: str, value: str) -> str:
    return value + _trail(old)


def _positions(fld: Field, codes: str) -> list[int]:
    return [i for i, (c, _v) in enumerate(fld.subfields) if c in codes]


def _set_values(
    fld: Field, codes: str, values: list[str], *, keep_trail: bool = True, after: str = ""
) -> None:
    """Put `values` into the subfields with these codes, in place: the first into the
    first such subfield (the first code of `codes` for a new one), the rest after it;
    extra old ones are removed. A new subfield goes after the last one with a code in
    `after`, or at the end."""
    at = _positions(fld, codes)
    new_subs: list[tuple[str, str]] = []
    for n, value in enumerate(values):
        if n < len(at):
            code, old = fld.subfields[at[n]]
            new_subs.append((code, _with_trail(old, value) if keep_trail else value))
        else:
            code = codes[0] if n == 0 else codes[-1]
            new_subs.append((code, value))
    if at:
        first = at[0]
        rest = [sub for i, sub in enumerate(fld.subfields) if i not in at]
        # the new run sits where the old first one was
        before = len([i for i in range(first) if i not in at])
        fld.subfields = rest[:before] + new_subs + rest[before:]
        return
    anchor = [i for i, (c, _v) in enumerate(fld.subfields) if c in after]
    place = anchor[-1] + 1 if anchor else len(fld.subfields)
    fld.subfields[place:place] = new_subs


def _set_one(fld: Field, code: str, value: str, *, after: str = "") -> None:
    _set_values(fld, code, [value] if value else [], after=after)


def _fix_before(fld: Field, code: str, punctuation: str) -> None:
    """ISBD: the subfield before the first `code` ends with `punctuation` (" :", " /")."""
    at = _positions(fld, code)
    if not at or at[0] == 0:
        return
    i = at[0] - 1
    c, v = fld.subfields[i]
    fld.subfields[i] = (c, strip_isbd(v) + punctuation)


def _last_ends(fld: Field, punctuation: str) -> None:
    if fld.subfields:
        c, v = fld.subfields[-1]
        if v.endswith((" /", " :", " ;", " =")):
            fld.subfields[-1] = (c, strip_isbd(v) + punctuation)


# -- MARC 21 ---------------------------------------------------------------------------------


def _m21_title(ed: _Editor, old: dict[str, Any], new: dict[str, Any], keys: set[str]) -> None:
    slots = ed.pick("245")
    slot = slots[0] if slots else ed.add(Field("245", "00", [("a", "")]))
    fld = slot.touch()
    if "title" in keys:
        main, _sep, subtitle = (new.get("title") or "").partition(" : ")
        parts = [strip_isbd(v) for c, v in fld.subfields if c in "np" and v.strip()]
        suffix = ". " + ", ".join(parts) if parts else ""
        if parts and main.endswith(suffix):
            main = main[: -len(suffix)]
        else:
            fld.subfields = [(c, v) for c, v in fld.subfields if c not in "np"]
        old_main = strip_isbd(" ".join(fld.getall("a")))
        if main != old_main:
            _set_values(fld, "a", [main], after="6")
            count = fld.ind[1:2]
            if count.isdigit() and int(count) and main[: int(count)] != old_main[: int(count)]:
                fld.ind = fld.ind[:1] + "0"  # the article that was skipped in filing is gone
        if subtitle:
            had = bool(fld.getall("b"))
            _set_values(fld, "b", [subtitle], after="anph")
            if not had:
                _fix_before(fld, "b", " :")
        elif fld.getall("b"):
            trail = _trail(fld.get("b"))
            fld.subfields = [(c, v) for c, v in fld.subfields if c != "b"]
            i = max(_positions(fld, "anph") or [0])
            c, v = fld.subfields[i]
            fld.subfields[i] = (c, strip_isbd(v) + trail)
    if "responsibility" in keys:
        value = new.get("responsibility") or ""
        if value:
            had = bool(fld.getall("c"))
            _set_values(fld, "c", [value], after="anphb")
            if not had:
                _fix_before(fld, "c", " /")
        elif fld.getall("c"):
            fld.subfields = [(c, v) for c, v in fld.subfields if c != "c"]
            _last_ends(fld, "")


def _m21_parallel(ed: _Editor, old: dict[str, Any], new: dict[str, Any], keys: set[str]) -> None:
    value = new.get("parallel_title") or ""
    target = next((s for s in ed.data_slots("246") if s.field.ind[1:2] == "1"), None)
    if target is None:
        if value:
            ed.add(Field("246", "31", [("a", value)]))
        return
    if value:
        _set_values(target.touch(), "a", [value])
    else:
        ed.remove(target)


def _simple(tag: str, code: str, key: str, *, ind: str = "  ") -> Any:
    """A value kept in one subfield of the first field with this tag."""

    def apply(ed: _Editor, old: dict[str, Any], new: dict[str, Any], keys: set[str]) -> None:
        value = str(new.get(key) or "")
        slots = ed.pick(tag)
        if not slots:
            if value:
                ed.add(Field(tag, ind, [(code, value)]))
            return
        fld = slots[0].touch()
        _set_one(fld, code, value)
        if not fld.subfields or all(c in "68" for c, _v in fld.subfields):
            ed.remove(slots[0])

    return apply


def _m21_physical(ed: _Editor, old: dict[str, Any], new: dict[str, Any], keys: set[str]) -> None:
    slots = ed.pick("300")
    if not slots:
        subs = [(c, new.get(k) or "") for c, k in (("a", "pages"), ("c", "size")) if new.get(k)]
        if subs:
            ed.add(Field("300", "  ", subs))
        return
    fld = slots[0].touch()
    if "pages" in keys:
        _set_one(fld, "a", new.get("pages") or "", after="6")
    if "size" in keys:
        _set_one(fld, "c", new.get("size") or "", after="ab")


def _series(tags: tuple[str, ...], ind: str) -> Any:
    def apply(ed: _Editor, old: dict[str, Any], new: dict[str, Any], keys: set[str]) -> None:
        value = new.get("series") or ""
        name, _sep, number = value.partition(" ; ")
        slots = [s for tag in tags for s in ed.pick(tag)]
        if not slots:
            if name:
                ed.add(Field(tags[0], ind, [("a", name)] + ([("v", number)] if number else [])))
            return
        if not name:
            ed.remove(slots[0])
            return
        fld = slots[0].touch()
        _set_one(fld, "a", name, after="6")
        _set_one(fld, "v", number, after="ax")

    return apply


def _m21_clc(ed: _Editor, old: dict[str, Any], new: dict[str, Any], keys: set[str]) -> None:
    value = new.get("clc") or ""
    target = next(
        (s for s in ed.data_slots("084") if s.field.get("2").strip().lower() == "clc"), None
    )
    if target is None and not value:
        target = next(iter(ed.data_slots("093")), None)
    if target is None:
        local = next(iter(ed.data_slots("093")), None)
        if local is not None and strip_isbd(local.field.get("a")) == (old.get("clc") or ""):
            target = local
    if target is None:
        if value:
            ed.add(Field("084", "  ", [("a", value), ("2", "clc")]))
        return
    if value:
        _set_values(target.touch(), "a", [value], keep_trail=False)
    else:
        ed.remove(target)


def _price_text(old_text: str, fen: int) -> str:
    """The new price in the old one's currency form ("CNY36.00", "$15.95", "¥36.00")."""
    core = strip_isbd(old_text)
    match = re.match(r"\s*(CNY|RMB|¥|￥|\$|USD\s?|£|€)?\s*\d", core)
    prefix = match.group(1) if match and match.group(1) else "CNY"
    return prefix + yuan_text(fen)


def _isbns(tag: str, price_code: str, invalid_tags: tuple[str, ...]) -> Any:
    """ISBNs ($a), the ones that do not validate ($z, and CNMARC 091 $a), the price."""

    def number_of(value: str) -> str | None:
        return isbn_rules.normalize(value)

    def apply(ed: _Editor, old: dict[str, Any], new: dict[str, Any], keys: set[str]) -> None:
        old_valid, new_valid = list(old.get("isbns") or []), list(new.get("isbns") or [])
        removed = [n for n in old_valid if n not in new_valid]
        added = [n for n in new_valid if n not in old_valid]
        for slot in list(ed.data_slots(tag)):
            fld = slot.field
            for i, (code, value) in enumerate(list(fld.subfields)):
                if code != "a" or number_of(value) not in removed:
                    continue
                gone = number_of(value)
                removed.remove(gone)  # type: ignore[arg-type]
                fld = slot.touch()
                if added:
                    # the number corrected in place: its qualifier ("(pbk.)", $q) stays
                    replacement = added.pop(0)
                    match = isbn_rules._CANDIDATE.search(isbn_rules.clean(value))
                    rest = value[match.end() :] if match else ""
                    fld.subfields[i] = ("a", replacement + rest)
                else:
                    fld.subfields[i] = ("a", "")
            if slot.raw is None:
                fld.subfields = [(c, v) for c, v in fld.subfields if (c, v) != ("a", "")]
        for number in added:
            ed.add(Field(tag, "  ", [("a", number)]))
        _invalid(ed, old, new)
        _price(ed, old, new)
        for slot in list(ed.data_slots(tag)):
            if slot.raw is None and not any(
                c in "az" + price_code for c, _v in slot.field.subfields
            ):
                ed.remove(slot)

    def _invalid(ed: _Editor, old: dict[str, Any], new: dict[str, Any]) -> None:
        old_bad, new_bad = (
            list(old.get("invalid_isbns") or []),
            list(new.get("invalid_isbns") or []),
        )
        gone = [n for n in old_bad if n not in new_bad]
        if gone:
            for slot in list(ed.data_slots(tag, *invalid_tags)):
                fld = slot.field
                codes = "az" if slot.tag == tag else "a"
                keep = []
                for c, v in fld.subfields:
                    if c in codes and isbn_rules.clean(v) in gone and not number_of(v):
                        continue
                    keep.append((c, v))
                if keep != fld.subfields:
                    slot.touch().subfields = keep
                    if not any(c in "az" + price_code for c, _v in keep):
                        ed.remove(slot)
        for number in new_bad:
            if number not in old_bad:
                ed.add(Field(tag, "  ", [("z", number)]))

    def _price(ed: _Editor, old: dict[str, Any], new: dict[str, Any]) -> None:
        if old.get("price") == new.get("price"):
            return
        fen = new.get("price")
        target = None
        for slot in ed.data_slots(tag):
            if price_of(slot.field.get(price_code), []) is not None:
                target = slot
                break
        if target is None:
            if fen is None:
                return
            first = next(iter(ed.data_slots(tag)), None)
            if first is None:
                ed.add(Field(tag, "  ", [(price_code, _price_text("", fen))]))
            else:
                _set_one(first.touch(), price_code, _price_text("", fen), after="abz")
            return
        fld = target.touch()
        if fen is None:
            fld.subfields = [(c, v) for c, v in fld.subfields if c != price_code]
            if not any(c in "az" for c, _v in fld.subfields):
                ed.remove(target)
            return
        old_text = fld.get(price_code)
        _set_values(fld, price_code, [_price_text(old_text, fen)])

    return apply


def _m21_imprint(ed: _Editor, old: dict[str, Any], new: dict[str, Any], keys: set[str]) -> None:
    target = None
    for slot in ed.pick("264") or ed.pick("260"):
        f = slot.field
        if (
            f.tag == "260"
            or f.ind[1:2] in ("1", " ")
            or (f.tag == "880" and f.get("6").startswith("264"))
        ):
            target = slot
            break
    year = new.get("year")
    if target is None:
        subs = [
            (c, v)
            for c, v in (("a", new.get("place")), ("b", new.get("publisher")), ("c", year))
            if v
        ]
        if subs and (new.get("place") or new.get("publisher") or not _year_in_008(ed)):
            ed.add(Field("264", " 1", [(c, str(v)) for c, v in subs]))
        if "year" in keys:
            _set_008_year(ed, old.get("year"), year)
        return
    fld = target.touch()
    if "place" in keys:
        _set_one(fld, "a", new.get("place") or "", after="36")
    if "publisher" in keys:
        _set_one(fld, "b", new.get("publisher") or "", after="a36")
    if "year" in keys:
        _set_year(fld, "c", year, after="ab")
        _set_008_year(ed, old.get("year"), year)


def _set_year(fld: Field, code: str, year: int | None, *, after: str) -> None:
    at = _positions(fld, code)
    if at:
        c, text = fld.subfields[at[0]]
        if year_of(text) is not None:
            if year is None:
                text = re.sub(r"\[?c?\d{4}\]?", "", text, count=1).strip()
            else:
                text = re.sub(r"(1[5-9]\d\d|20\d\d|21\d\d)", str(year), text, count=1)
        elif year is not None:
            text = str(year) + _trail(text)
        if strip_isbd(text):
            fld.subfields[at[0]] = (c, text)
        else:
            del fld.subfields[at[0]]
            _last_ends(fld, ".")
        return
    if year is not None:
        _set_one(fld, code, str(year), after=after)


def _year_in_008(ed: _Editor) -> bool:
    control = next((s for s in ed.slots if s.tag == "008"), None)
    return control is not None and year_of(control.field.data[7:11] or "") is not None


def _set_008_year(ed: _Editor, old_year: int | None, year: int | None) -> None:
    """008/07-10 (date 1) follows the year when it held the old one (or nothing)."""
    control = next((s for s in ed.slots if s.tag == "008"), None)
    if control is None or len(control.field.data or "") < 11:
        return
    data = control.field.data or ""
    held = year_of(data[7:11])
    if held is not None and held != old_year:
        return
    text = str(year) if year else "uuuu"
    if data[7:11] != text:
        control.touch().data = data[:7] + text + data[11:]


def _m21_language(ed: _Editor, old: dict[str, Any], new: dict[str, Any], keys: set[str]) -> None:
    value = (new.get("language") or "")[:3]
    coded = next(iter(ed.data_slots("041")), None)
    control = next((s for s in ed.slots if s.tag == "008"), None)
    if control is not None and len(control.field.data or "") >= 38:
        data = control.field.data or ""
        text = value.ljust(3) if value else "   "
        if data[35:38] != text:
            control.touch().data = data[:35] + text + data[38:]
    if coded is not None:
        fld = coded.touch()
        first = fld.get("a")
        if value:
            _set_values(fld, "a", [value + first[3:]], keep_trail=False)
        else:
            ed.remove(coded)
    elif value and control is None:
        ed.add(Field("041", "0 ", [("a", value)]))


def _subjects(tag: str, ind: str) -> Any:
    def apply(ed: _Editor, old: dict[str, Any], new: dict[str, Any], keys: set[str]) -> None:
        wanted = list(new.get("subjects") or [])
        present: list[str] = []
        for slot in ed.pick(tag):
            subject = join_subject(slot.field)
            if subject and subject not in wanted:
                ed.remove(slot)
            elif subject:
                present.append(subject)
        for subject in wanted:
            if subject not in present:
                head, *subdivisions = subject.split("--")
                ed.add(Field(tag, ind, [("a", head)] + [("x", s) for s in subdivisions]))

    return apply


def _m21_author_set(fld: Field, name: str, role: str, old: dict[str, str]) -> None:
    if name != old.get("name"):
        if fld.tag in ("110", "710") or fld.get("6")[:3] in ("110", "710"):
            head, sep, unit = name.partition(". ")
            _set_values(fld, "a", [head if sep else name], after="6")
            _set_values(fld, "b", [unit] if sep else [], after="a")
        else:
            _set_values(fld, "a", [name], after="6")
    if role != old.get("role"):
        fld.subfields = [(c, v) for c, v in fld.subfields if c not in "e4"]
        if role:
            _last_ends(fld, ",")
            fld.subfields.append(("e", role))
            code = marc21._relator_code(role)
            if code:
                fld.subfields.append(("4", code))


def _cn_author_set(fld: Field, name: str, role: str, old: dict[str, str]) -> None:
    if name != old.get("name"):
        head, sep, rest = name.partition(", ")
        if sep and name.isascii():
            _set_values(fld, "a", [head], keep_trail=False)
            _set_values(fld, "b", [rest], keep_trail=False, after="a")
        else:
            _set_values(fld, "a", [name], keep_trail=False)
            fld.subfields = [(c, v) for c, v in fld.subfields if c != "b"]
    if role != old.get("role"):
        fld.subfields = [(c, v) for c, v in fld.subfields if c != "4"]
        for part in [r for r in role.split("、") if r]:
            fld.subfields.append(("4", cnmarc._relator(part)))


def _authors(ed: _Editor, old: dict[str, Any], new: dict[str, Any], keys: set[str]) -> None:
    module = marc21 if ed.flavor == MARC21 else cnmarc
    slots: list[_Slot] = []
    for tag in module.AUTHOR_TAGS:
        for slot in ed.pick(tag):
            if module._name(slot.field):
                slots.append(slot)
    current = [{"name": module._name(s.field), "role": module._role(s.field)} for s in slots]
    wanted = list(new.get("authors") or [])
    setter = _m21_author_set if ed.flavor == MARC21 else _cn_author_set
    for i, author in enumerate(wanted[: len(slots)]):
        author = {"name": author.get("name", ""), "role": author.get("role", "")}
        if author != current[i]:
            setter(slots[i].touch(), author["name"], author["role"], current[i])
    for slot in slots[len(wanted) :]:
        ed.remove(slot)
    for author in wanted[len(slots) :]:
        name, role = author.get("name", ""), author.get("role", "")
        if ed.flavor == MARC21:
            fld = Field("700", "1 " if "," in name else "0 ", [("a", name)])
        else:
            primary = not ed.data_slots("700", "701")
            fld = Field("701" if primary else "702", " 0", [("a", name)])
        ed.add(fld)
        setter(fld, name, role, {"name": name, "role": ""})


_LEADER_TYPES = {
    "book": ("a", "m"),
    "periodical": ("a", "s"),
    "audio_visual": ("g", "m"),
    "e_resource": ("m", "m"),
}


def _material(ed: _Editor, old: dict[str, Any], new: dict[str, Any], keys: set[str]) -> None:
    kind, level = _LEADER_TYPES.get(new.get("material_type") or "book", ("a", "m"))
    leader = ed.leader.ljust(24)
    current_kind = leader[6]
    if new.get("material_type") == "book" and current_kind in "acdefpt":
        kind = current_kind  # text, music, maps ... all read as books: keep the finer code
    if level != "s" and leader[7] != "s":
        level = leader[7]
    ed.leader = leader[:6] + kind + level + leader[8:]


# -- CNMARC ----------------------------------------------------------------------------------


def _cn_title(ed: _Editor, old: dict[str, Any], new: dict[str, Any], keys: set[str]) -> None:
    slots = ed.data_slots("200")
    slot = slots[0] if slots else ed.add(Field("200", "1 ", [("a", "")]))
    fld = slot.touch()
    if "title" in keys:
        main, *others = (new.get("title") or "").split(" : ")
        parts = [v.strip() for c, v in fld.subfields if c in "hi" and v.strip()]
        suffix = ". " + ", ".join(parts) if parts else ""
        if parts and main.endswith(suffix):
            main = main[: -len(suffix)]
        else:
            fld.subfields = [(c, v) for c, v in fld.subfields if c not in "hi"]
        old_main = " ; ".join(v.strip() for v in fld.getall("a") if v.strip())
        if main != old_main:
            _set_values(fld, "a", main.split(" ; "), keep_trail=False)
        _set_values(fld, "e", others, keep_trail=False, after="abhi")
    if "parallel_title" in keys:
        value = new.get("parallel_title") or ""
        _set_values(fld, "d", value.split(" = ") if value else [], keep_trail=False, after="abc")
    if "responsibility" in keys:
        value = new.get("responsibility") or ""
        names = [n for n in value.split("；") if n] if value else []
        _set_values(fld, "fg", names, keep_trail=False, after="abcdehi")


def _cn_imprint(ed: _Editor, old: dict[str, Any], new: dict[str, Any], keys: set[str]) -> None:
    slots = ed.data_slots("210")
    if not slots:
        subs = [
            (c, str(v))
            for c, v in (
                ("a", new.get("place")),
                ("c", new.get("publisher")),
                ("d", new.get("year")),
            )
            if v
        ]
        if subs:
            ed.add(Field("210", "  ", subs))
        return
    fld = slots[0].touch()
    if "place" in keys:
        _set_one(fld, "a", new.get("place") or "")
    if "publisher" in keys:
        _set_one(fld, "c", new.get("publisher") or "", after="ab")
    if "year" in keys:
        _set_year(fld, "d", new.get("year"), after="abc")
        general = next(iter(ed.data_slots("100")), None)
        text = general.field.get("a") if general is not None else ""
        if general is not None and len(text) >= 13 and year_of(text[9:13]) == old.get("year"):
            year = str(new["year"]) if new.get("year") else "    "
            _set_values(general.touch(), "a", [text[:9] + year + text[13:]], keep_trail=False)


def _cn_physical(ed: _Editor, old: dict[str, Any], new: dict[str, Any], keys: set[str]) -> None:
    slots = ed.data_slots("215")
    if not slots:
        subs = [(c, new.get(k) or "") for c, k in (("a", "pages"), ("d", "size")) if new.get(k)]
        if subs:
            ed.add(Field("215", "  ", subs))
        return
    fld = slots[0].touch()
    if "pages" in keys:
        _set_one(fld, "a", new.get("pages") or "")
    if "size" in keys:
        _set_one(fld, "d", new.get("size") or "", after="ac")


def _cn_clc(ed: _Editor, old: dict[str, Any], new: dict[str, Any], keys: set[str]) -> None:
    value = new.get("clc") or ""
    slots = ed.data_slots("690")
    if not slots:
        if value:
            ed.add(Field("690", "  ", [("a", value), ("v", "5")]))
        return
    if value:
        _set_values(slots[0].touch(), "a", [value], keep_trail=False)
    else:
        ed.remove(slots[0])


# Which values each handler writes; a handler runs when one of its values changed.
_HANDLERS: dict[str, list[tuple[frozenset[str], Any]]] = {
    MARC21: [
        (frozenset({"title", "responsibility"}), _m21_title),
        (frozenset({"parallel_title"}), _m21_parallel),
        (frozenset({"authors"}), _authors),
        (frozenset({"edition"}), _simple("250", "a", "edition")),
        (frozenset({"place", "publisher", "year"}), _m21_imprint),
        (frozenset({"pages", "size"}), _m21_physical),
        (frozenset({"isbn", "isbns", "invalid_isbns", "price"}), _isbns("020", "c", ())),
        (frozenset({"clc"}), _m21_clc),
        (frozenset({"subjects"}), _subjects("650", " 4")),
        (frozenset({"series"}), _series(("490", "830"), "0 ")),
        (frozenset({"summary"}), _simple("520", "a", "summary")),
        (frozenset({"language"}), _m21_language),
        (frozenset({"material_type"}), _material),
    ],
    CNMARC: [
        (frozenset({"title", "parallel_title", "responsibility"}), _cn_title),
        (frozenset({"authors"}), _authors),
        (frozenset({"edition"}), _simple("205", "a", "edition")),
        (frozenset({"place", "publisher", "year"}), _cn_imprint),
        (frozenset({"pages", "size"}), _cn_physical),
        (frozenset({"isbn", "isbns", "invalid_isbns", "price"}), _isbns("010", "d", ("091",))),
        (frozenset({"clc"}), _cn_clc),
        (frozenset({"subjects"}), _subjects("606", "0 ")),
        (frozenset({"series"}), _series(("225",), "2 ")),
        (frozenset({"summary"}), _simple("330", "a", "summary")),
        (frozenset({"language"}), _simple("101", "a", "language", ind="0 ")),
        (frozenset({"material_type"}), _material),
    ],
}


def transaction_stamp(now: dt.datetime) -> str:
    """005 as MARC 21 and UNIMARC write it: yyyymmddhhmmss.f."""
    return now.strftime("%Y%m%d%H%M%S") + f".{now.microsecond // 100000}"


def changed_keys(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    return {k for k in set(old) | set(new) if old.get(k) != new.get(k)}


def apply_values(
    original: bytes, flavor: str, old: dict[str, Any], new: dict[str, Any], *, now: dt.datetime
) -> bytes:
    """The stored record with the values that differ between `old` and `new` written
    into the fields they are read from, every other field byte for byte, and 005 set
    to `now`. `old` should be what the record maps to (`to_bib(...).values`), so that
    a value changed on the Bib without the record is caught up too."""
    editor = _Editor(original, flavor)
    keys = changed_keys(old, new)
    for names, handler in _HANDLERS[flavor]:
        if names & keys:
            handler(editor, old, new, keys)
    editor.control("005", transaction_stamp(now))
    try:
        return editor.result()
    except MarcError as exc:
        raise Invalid(str(exc), code="record_too_long") from exc


# -- the MARC table ----------------------------------------------------------------------------


@dataclass(slots=True)
class TableRow:
    """One field as the MARC table shows it. `source` is its position in the stored
    record (None for a field added in the table)."""

    tag: str
    ind1: str = " "
    ind2: str = " "
    subfields: list[tuple[str, str]] = field(default_factory=list)
    data: str | None = None
    source: int | None = None

    def as_field(self) -> Field:
        if is_control_tag(self.tag):
            return Field(self.tag, data=self.data or "")
        return Field(self.tag, (self.ind1 or " ")[:1] + (self.ind2 or " ")[:1], self.subfields)


def table_rows(original: bytes, flavor: str = "marc21") -> list[TableRow]:
    """The stored record as table rows (holdings left out: they come from the copies)."""
    _leader, raw = split_fields(original)
    kept_apart = holding_tags(flavor)
    rows = []
    for i, (tag, chunk) in enumerate(raw):
        if tag in kept_apart:
            continue
        fld = _decode(tag, chunk)
        rows.append(
            TableRow(
                tag=tag,
                ind1=fld.ind[:1],
                ind2=fld.ind[1:2],
                subfields=list(fld.subfields),
                data=fld.data,
                source=i,
            )
        )
    return rows


_TAG = re.compile(r"[0-9A-Za-z]{3}")
_INDICATOR = re.compile(r"[0-9a-z ]")
_CODE = re.compile(r"[0-9a-zA-Z]")
_BAD_CHARS = re.compile("[\x1d\x1e\x1f]")


def _check_row(n: int, row: TableRow, flavor: str) -> None:
    where = {"n": n, "tag": row.tag}
    if not _TAG.fullmatch(row.tag or ""):
        raise Invalid(
            _("第 %(n)s 行：字段号“%(tag)s”应为 3 位数字或字母。") % where, code="invalid_tag"
        )
    if row.tag in holding_tags(flavor):
        raise Invalid(
            _("第 %(n)s 行：馆藏字段 %(tag)s 由复本生成，请在复本中修改。") % where,
            code="holdings_field",
        )
    if is_control_tag(row.tag):
        if _BAD_CHARS.search(row.data or ""):
            raise Invalid(
                _("第 %(n)s 行：字段 %(tag)s 含有 MARC 分隔符。") % where, code="invalid_data"
            )
        return
    for ind in (row.ind1, row.ind2):
        if not _INDICATOR.fullmatch((ind or " ")[:1]) or len(ind or " ") > 1:
            raise Invalid(
                _("第 %(n)s 行：字段 %(tag)s 的指示符只能是一个数字、小写字母或空格。") % where,
                code="invalid_indicator",
            )
    if not row.subfields:
        raise Invalid(_("第 %(n)s 行：字段 %(tag)s 没有子字段。") % where, code="empty_field")
    for code, value in row.subfields:
        if not _CODE.fullmatch(code or ""):
            raise Invalid(
                _("第 %(n)s 行：字段 %(tag)s 的子字段代码“%(code)s”应为一个字母或数字。")
                % {**where, "code": code},
                code="invalid_subfield_code",
            )
        if _BAD_CHARS.search(value):
            raise Invalid(
                _("第 %(n)s 行：字段 %(tag)s 含有 MARC 分隔符。") % where, code="invalid_data"
            )
    if len(field_bytes(row.as_field())) > 9998:
        raise Invalid(
            _("第 %(n)s 行：字段 %(tag)s 超过 ISO 2709 的长度上限（9999 字节）。") % where,
            code="field_too_long",
        )


def apply_table(
    original: bytes, flavor: str, rows: list[TableRow], *, now: dt.datetime | None = None
) -> bytes:
    """Merge the MARC table into the stored record: each row's field, the stored bytes
    where the row is the field unchanged, in the table's order (an added field after the
    last one whose tag is not above its own); a stored field no row names is deleted,
    except holdings. 005 is set to `now` (when given). Invalid (with a code naming the
    problem and the row) for a row that cannot be a MARC field."""
    if flavor not in FLAVORS:
        raise ValueError(f"unknown MARC flavor {flavor!r}")
    leader, raw = split_fields(original)
    slots: list[_Slot] = []
    added: list[_Slot] = []
    for n, row in enumerate(rows, start=1):
        _check_row(n, row, flavor)
        fld = row.as_field()
        if row.source is not None and 0 <= row.source < len(raw):
            tag, chunk = raw[row.source]
            if tag == row.tag and _decode(tag, chunk) == fld:
                slots.append(_Slot(tag, chunk))
                continue
            slots.append(_Slot(row.tag, None, fld))
        else:
            added.append(_Slot(row.tag, None, fld))
    # A MARC 21 local 905 is the record's own field, not holdings (holdings.holding_tags).
    holdings = [_Slot(tag, chunk) for tag, chunk in raw if tag in holding_tags(flavor)]
    for slot in added + holdings:
        idx = len(slots)
        while idx > 0 and slots[idx - 1].tag > slot.tag:
            idx -= 1
        slots.insert(idx, slot)
    editor = _Editor.__new__(_Editor)
    editor.flavor, editor.leader, editor.slots = flavor, leader, slots
    if now is not None:
        editor.control("005", transaction_stamp(now))
    try:
        return editor.result()
    except MarcError as exc:
        raise Invalid(str(exc), code="record_too_long") from exc


def build_record(
    values: dict[str, Any], flavor: str, *, control_number: str, now: dt.datetime
) -> bytes:
    """A record for a title made in Shuxiang, from its values, with the catalog's own
    MARC 21 or CNMARC builder (the exporter's), to be edited as a table."""
    module = marc21 if flavor == MARC21 else cnmarc
    fields = module.bib_fields(
        values,
        control_number=control_number,
        today=now.strftime("%Y%m%d")[2:] if flavor == MARC21 else now.strftime("%Y%m%d"),
    )
    record = Record(module.LEADER, [f for f in fields if f.tag != "005"])
    # 005 (latest transaction) after 001, whether or not the builder writes one
    record.fields.insert(1, Field("005", data=transaction_stamp(now)))
    return to_iso2709(record, utf8_flag=flavor == MARC21)


def to_values(data: bytes, flavor: str) -> dict[str, Any]:
    """What the stored record maps to (the Bib columns it fills)."""
    from shuxiang.catalog.marc.record import parse_utf8

    module = marc21 if flavor == MARC21 else cnmarc
    return module.to_bib(parse_utf8(data)).values
