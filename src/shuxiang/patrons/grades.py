"""Grade systems (学制) as data: which grades a school has, what its classes are called,
where a stage ends, and so who is promoted and who graduates.

Pure Python: no ORM, no request. A library picks one system by code
(`Library.grade_system`); class names, roster parsing, promotion and graduation all read
the same table.

- 六三制 ("6-3"): 小学一至六年级 and 初中七至九年级 are separate schools, so both the
  sixth and the ninth grade graduate. 初一 is the seventh grade.
- 五四制 ("5-4"): 小学一至五年级, 初中六至九年级; 初一 is the sixth grade.
- 九年一贯制 ("9"): one school from grade 1 to 9; only the ninth grade graduates.
- 高中 ("high"): 高一至高三 (grades 10–12).
- 十二年一贯制 ("12"): grades 1–12 in one school (完全学校).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CN_DIGITS = "零一二三四五六七八九"
CN_GRADE_NAMES = {n: name for n, name in enumerate("零一二三四五六七八九十", start=0)}
CN_GRADE_NAMES[11] = "十一"
CN_GRADE_NAMES[12] = "十二"
HIGH_NAMES = {10: "高一", 11: "高二", 12: "高三"}


@dataclass(frozen=True)
class GradeSystem:
    code: str
    label: str
    grades: tuple[int, ...]
    # The last grade of each stage; students there leave the school at promotion
    # unless the next grade belongs to this same school.
    graduating: frozenset[int]
    # 初一 is this grade (None when the system has no junior middle school).
    junior_first: int | None

    @property
    def first(self) -> int:
        return self.grades[0]

    @property
    def last(self) -> int:
        return self.grades[-1]

    def has(self, grade: int) -> bool:
        return grade in self.grades

    def grade_label(self, grade: int) -> str:
        """七年级, 高一 ..."""
        if grade in HIGH_NAMES:
            return HIGH_NAMES[grade]
        return f"{CN_GRADE_NAMES[grade]}年级"

    def class_name(self, grade: int, number: int) -> str:
        """The canonical class name: 七年级3班, 高一2班."""
        return f"{self.grade_label(grade)}{number}班"

    def next_grade(self, grade: int) -> int | None:
        """The grade a class moves up to, or None when its students graduate."""
        if grade in self.graduating or grade >= self.last:
            return None
        return grade + 1


SYSTEMS: dict[str, GradeSystem] = {
    s.code: s
    for s in [
        GradeSystem("6-3", "六三制", tuple(range(1, 10)), frozenset({6, 9}), 7),
        GradeSystem("5-4", "五四制", tuple(range(1, 10)), frozenset({5, 9}), 6),
        GradeSystem("9", "九年一贯制", tuple(range(1, 10)), frozenset({9}), 7),
        GradeSystem("high", "高中（高一至高三）", (10, 11, 12), frozenset({12}), None),
        GradeSystem("12", "十二年一贯制", tuple(range(1, 13)), frozenset({12}), 7),
    ]
}

DEFAULT_SYSTEM = "6-3"


def system(code: str | None) -> GradeSystem:
    """The grade system for a library's code; unknown codes fall back to 六三制."""
    return SYSTEMS.get((code or "").strip(), SYSTEMS[DEFAULT_SYSTEM])


def choices() -> list[tuple[str, str]]:
    return [(s.code, s.label) for s in SYSTEMS.values()]


# -- normalizing text -------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def normalize(text: object) -> str:
    """Full-width digits, letters, brackets and spaces become their ASCII forms (NFKC);
    runs of whitespace collapse to one space; the ends are stripped."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text)).replace("\u3000", " ")
    return _SPACES.sub(" ", value).strip()


def chinese_number(text: str) -> int | None:
    """一 → 1, 十 → 10, 十二 → 12, 二十三 → 23, 7 → 7; None when not a number."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if any(ch not in "零〇一二两三四五六七八九十" for ch in text):
        return None
    digits = {ch: i for i, ch in enumerate(CN_DIGITS)}
    digits.update({"〇": 0, "两": 2})
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        value = (digits[tens] if tens else 1) * 10
        return value + (digits[ones] if ones else 0)
    if len(text) == 1:
        return digits[text]
    return None


# -- class names ------------------------------------------------------------------------

_NUM = r"[0-9]+|[零〇一二两三四五六七八九十]+"
_CLASS_PATTERNS = [
    # 初一(3)班, 初一3班, 高二(1)班, 小三2班
    re.compile(rf"^(?P<stage>[初高小])(?P<grade>{_NUM})(?:年级)?[(]?(?P<number>{_NUM})[)]?班?$"),
    # 七年级3班, 7年级(3)班, 七(3)班, 7(3)班, 七年级三班, 一年级1班
    re.compile(rf"^(?P<grade>{_NUM})(?:年级)?[(](?P<number>{_NUM})[)]班?$"),
    re.compile(rf"^(?P<grade>{_NUM})年级(?P<number>{_NUM})班?$"),
    re.compile(r"^(?P<grade>[零〇一二两三四五六七八九十]+)(?P<number>[0-9]+)班$"),
    # 7-3, 7.3, 7/3 (what a spreadsheet export makes of a class)
    re.compile(r"^(?P<grade>[0-9]{1,2})[-./](?P<number>[0-9]{1,2})班?$"),
    # 703班 / 1002班: grade then a two-digit class number
    re.compile(r"^(?P<grade>[1-9]|1[0-2])(?P<number>[0-9]{2})班$"),
]


def _grade_of(system_: GradeSystem, stage: str | None, raw: int) -> int | None:
    if stage == "初":
        # 初一 to 初三 (六三制) or 初四 (五四制): the junior school ends with grade 9.
        if system_.junior_first is None or raw < 1 or system_.junior_first + raw - 1 > 9:
            return None
        return system_.junior_first + raw - 1
    if stage == "高":
        return 9 + raw if 1 <= raw <= 3 else None
    if stage == "小":
        return raw if 1 <= raw <= 6 else None
    return raw


def parse_grade(system_: GradeSystem, text: object) -> int | None:
    """A grade column's value: 7, 七, 七年级, 初一, 高二, 7年级 → the grade number."""
    value = normalize(text).replace(" ", "")
    if not value:
        return None
    match = re.fullmatch(rf"(?P<stage>[初高小])?(?P<grade>{_NUM})(?:年级)?", value)
    if not match:
        return None
    raw = chinese_number(match["grade"])
    if raw is None:
        return None
    grade = _grade_of(system_, match["stage"], raw)
    return grade if grade is not None and system_.has(grade) else None


def parse_class(
    system_: GradeSystem, text: object, *, grade: int | None = None
) -> tuple[int, int] | None:
    """(grade, class number) from any of the usual spellings of a class, or None.

    With `grade` known from a separate 年级 column, a bare class number (3, 3班, (3)班)
    is enough.
    """
    value = normalize(text).replace(" ", "")
    if not value:
        return None
    if grade is not None:
        bare = re.fullmatch(rf"[(]?(?P<number>{_NUM})[)]?班?", value)
        if bare:
            number = chinese_number(bare["number"])
            # "703班" with a grade column is still grade 7, class 3.
            if number is not None and number >= 100 and number // 100 == grade:
                number %= 100
            return (grade, number) if number else None
    for pattern in _CLASS_PATTERNS:
        match = pattern.fullmatch(value)
        if not match:
            continue
        raw = chinese_number(match["grade"])
        number = chinese_number(match["number"])
        if raw is None or not number:
            return None
        parsed = _grade_of(system_, match.groupdict().get("stage"), raw)
        if parsed is None or not system_.has(parsed):
            return None
        if grade is not None and parsed != grade:
            return None
        return parsed, number
    return None


def canonical_class_name(
    system_: GradeSystem, text: object, *, grade: int | None = None
) -> str | None:
    """初一(3)班 → 七年级3班 (六三制), 六年级3班 (五四制); None when unrecognised."""
    parsed = parse_class(system_, text, grade=grade)
    return system_.class_name(*parsed) if parsed else None


# -- promotion --------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassMove:
    """What promotion does with one class: move up to `to_grade` (named `to_name`), or
    graduate its students (to_grade None)."""

    grade: int
    number: int
    name: str
    to_grade: int | None
    to_name: str | None

    @property
    def graduates(self) -> bool:
        return self.to_grade is None


def promotion_plan(system_: GradeSystem, classes: list[tuple[int, int, str]]) -> list[ClassMove]:
    """For each (grade, number, name) of this year's classes: where it goes next year."""
    plan = []
    for grade, number, name in sorted(classes):
        to_grade = system_.next_grade(grade)
        plan.append(
            ClassMove(
                grade=grade,
                number=number,
                name=name,
                to_grade=to_grade,
                to_name=system_.class_name(to_grade, number) if to_grade else None,
            )
        )
    return plan
