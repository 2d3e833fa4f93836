"""Standards as data (规程与各省标准): loading and checking rule set files, choosing the one
a library is held to, and comparing the school's figures with it.

A rule set is a JSON object (the format is written out in `standards/FORMAT.md`):

    {"code": "example-province", "name": "示例：某省标准（可按本省文件修改）",
     "example": true,
     "opening_hours_per_week": 40,                 # figures for every level ...
     "levels": {"primary": {"books_per_student": 30, ...,      # ... or for one level
                            "bands": [{"students_max": 1000, "total_books": 30000},
                                      {"students_min": 1001, "total_books": 40000}]}},
     "clc_shares": {"A": {"min": 1, "max": 3}, "N–X": {"min": 15}}}

A figure is a minimum (at least so much); `clc_shares` gives the major groups' shares of
the books held as percentages with a minimum, a maximum or both. Figures written at the
top apply to every level; a level's own figures override them, and the band that holds
the school's number of students overrides those. The national 规程 (2018) file is a rule
set without bands or shares.

The built-in rule sets are the files in `reports/standards/`; a library may load files
of its own (`RuleSet`), validated here with every problem named in Chinese.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuxiang.catalog.models import Item
from shuxiang.core.errors import Invalid
from shuxiang.core.models import Library

STANDARDS_DIR = Path(__file__).resolve().parent / "standards"
DEFAULT = "national-2018"
LEVELS = ("primary", "junior", "senior", "complete")
LEVEL_LABELS = {
    "primary": gettext_lazy("小学"),
    "junior": gettext_lazy("初级中学"),
    "senior": gettext_lazy("高级中学"),
    "complete": gettext_lazy("完全中学"),
}
# Each figure a rule set may require, in the order the comparison lists them.
FIGURES = {
    "books_per_student": (gettext_lazy("生均藏书"), gettext_lazy("册")),
    "total_books": (gettext_lazy("藏书总量"), gettext_lazy("册")),
    "new_books_per_student": (gettext_lazy("年生均新增图书"), gettext_lazy("册")),
    "periodicals": (gettext_lazy("报刊种数"), gettext_lazy("种")),
    "reference_titles": (gettext_lazy("工具书种数"), gettext_lazy("种")),
    "opening_hours_per_week": (gettext_lazy("每周开放时间"), gettext_lazy("小时")),
}
# The five major groups (五大部类) whose shares of the books a rule set may bound.
SHARE_GROUPS = {
    "A": (gettext_lazy("马列毛邓"), "A"),
    "B": (gettext_lazy("哲学"), "B"),
    "C–K": (gettext_lazy("社会科学"), "CDEFGHIJK"),
    "N–X": (gettext_lazy("自然科学"), "NOPQRSTUVX"),
    "Z": (gettext_lazy("综合"), "Z"),
}
# "C-K" typed with a hyphen (or a full-width dash) means the same group.
_GROUP_SPELLINGS = {"C-K": "C–K", "C—K": "C–K", "N-X": "N–X", "N—X": "N–X"}
TOP_KEYS = {"code", "name", "example", "source", "note", "format", "levels", "clc_shares"}
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
MAX_FILE_BYTES = 64 * 1024


class RuleSetError(Invalid):
    code = "invalid_rule_set"


# -- loading and validating ---------------------------------------------------------------


def _number(value: Any, where: str, *, percent: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise RuleSetError(
            _("%(where)s 应为不小于 0 的数字，而不是 %(value)s。")
            % {"where": where, "value": json.dumps(value, ensure_ascii=False)[:40]}
        )
    if percent and value > 100:
        raise RuleSetError(_("%(where)s 是百分比，不能超过 100。") % {"where": where})
    return value


def _shares(value: Any, where: str) -> dict[str, dict[str, float]]:
    if not isinstance(value, dict):
        raise RuleSetError(
            _('%(where)s 应为对象，如 {"A": {"min": 1, "max": 3}}。') % {"where": where}
        )
    out = {}
    for key, bounds in value.items():
        group = _GROUP_SPELLINGS.get(key, key)
        if group not in SHARE_GROUPS:
            raise RuleSetError(
                _("%(where)s 中的“%(key)s”不是五大部类之一（可用：A、B、C–K、N–X、Z）。")
                % {"where": where, "key": key}
            )
        here = f"{where}.{key}"
        if not isinstance(bounds, dict) or not bounds or set(bounds) - {"min", "max"}:
            raise RuleSetError(
                _('%(where)s 应写成 {"min": 最低百分比, "max": 最高百分比}（可只写其一）。')
                % {"where": here}
            )
        found = {k: _number(v, f"{here}.{k}", percent=True) for k, v in bounds.items()}
        if "min" in found and "max" in found and found["min"] > found["max"]:
            raise RuleSetError(_("%(where)s 的 min 大于 max。") % {"where": here})
        out[group] = found
    return out


def _figures(block: dict, where: str, allowed: set[str]) -> dict[str, Any]:
    """The figures of one block (the top, a level or a band), unknown names refused."""
    out: dict[str, Any] = {}
    for key, value in block.items():
        if key in FIGURES:
            out[key] = _number(value, f"{where}.{key}" if where else key)
        elif key == "clc_shares":
            out[key] = _shares(value, f"{where}.clc_shares" if where else "clc_shares")
        elif key not in allowed:
            raise RuleSetError(
                _("%(where)s 中有未知的项目“%(key)s”。可用的项目：%(known)s。")
                % {
                    "where": where or _("文件顶层"),
                    "key": str(key)[:40],
                    "known": "、".join([*FIGURES, "clc_shares"]),
                }
            )
    return out


def _bands(value: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise RuleSetError(_("%(where)s 应为非空的列表。") % {"where": where})
    bands = []
    for n, band in enumerate(value):
        here = f"{where}[{n}]"
        if not isinstance(band, dict):
            raise RuleSetError(_("%(where)s 应为对象。") % {"where": here})
        low = band.get("students_min", 0)
        high = band.get("students_max")
        for name, bound in (("students_min", low), ("students_max", high)):
            if bound is not None and (
                isinstance(bound, bool) or not isinstance(bound, int) or bound < 0
            ):
                raise RuleSetError(
                    _("%(where)s.%(name)s 应为不小于 0 的整数（学生人数）。")
                    % {"where": here, "name": name}
                )
        if high is not None and high < low:
            raise RuleSetError(_("%(where)s 的 students_max 小于 students_min。") % {"where": here})
        figures = _figures(band, here, {"students_min", "students_max"})
        if not figures:
            raise RuleSetError(_("%(where)s 没有规定任何指标。") % {"where": here})
        bands.append({"students_min": low, "students_max": high, **figures})
    ordered = sorted(bands, key=lambda b: b["students_min"])
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before["students_max"] is None or before["students_max"] >= after["students_min"]:
            raise RuleSetError(
                _("%(where)s 的学生人数区间有重叠（%(a)s 与 %(b)s）。")
                % {"where": where, "a": _span(before), "b": _span(after)}
            )
    return ordered


def _span(band: dict) -> str:
    high = band["students_max"]
    if high is None:
        return _("%(low)s 人以上") % {"low": band["students_min"]}
    return _("%(low)s—%(high)s 人") % {"low": band["students_min"], "high": high}


def validate(data: Any) -> dict[str, Any]:
    """A rule set as loaded from JSON, checked: its code and name, each level, band and
    figure; the first problem raises RuleSetError, naming where it is."""
    if not isinstance(data, dict):
        raise RuleSetError(_("标准文件应为一个 JSON 对象（以 { 开始）。"))
    code = data.get("code")
    if not isinstance(code, str) or not CODE.match(code):
        raise RuleSetError(_("code 应为 1—40 个小写字母、数字或连字符，如 “my-province-2024”。"))
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise RuleSetError(_("name（标准名称）不能为空，且不超过 100 个字。"))
    for key in ("source", "note"):
        if key in data and (not isinstance(data[key], str) or len(data[key]) > 500):
            raise RuleSetError(_("%(key)s 应为不超过 500 个字的文字。") % {"key": key})
    if "example" in data and not isinstance(data["example"], bool):
        raise RuleSetError(_("example 应为 true 或 false。"))
    top = _figures(data, "", TOP_KEYS)
    levels = data.get("levels")
    if not isinstance(levels, dict) or not levels:
        raise RuleSetError(
            _(
                "levels 应列出至少一类学校（primary 小学、junior 初中、senior 高中、complete 完全中学）。"
            )
        )
    checked: dict[str, Any] = {}
    for level, block in levels.items():
        where = f"levels.{level}"
        if level not in LEVELS:
            raise RuleSetError(
                _("%(where)s：未知的学校类别，应为 primary、junior、senior 或 complete。")
                % {"where": where}
            )
        if not isinstance(block, dict):
            raise RuleSetError(_("%(where)s 应为对象。") % {"where": where})
        figures = _figures(block, where, {"bands"})
        if "bands" in block:
            figures["bands"] = _bands(block["bands"], f"{where}.bands")
        checked[level] = figures
    return {
        "code": code,
        "name": name.strip(),
        "example": bool(data.get("example", False)),
        "source": data.get("source", ""),
        "note": data.get("note", ""),
        "defaults": top,
        "levels": checked,
    }


def parse(content: bytes) -> dict[str, Any]:
    """A rule set file's bytes (UTF-8 JSON, at most 64 KB) as a checked rule set."""
    if len(content) > MAX_FILE_BYTES:
        raise RuleSetError(
            _("标准文件不能超过 %(kb)s KB。") % {"kb": MAX_FILE_BYTES // 1024},
            code="file_too_large",
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleSetError(_("标准文件应为 UTF-8 编码的 JSON 文本。")) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise RuleSetError(
            _("标准文件不是有效的 JSON：第 %(line)s 行第 %(col)s 列附近有错误（%(msg)s）。")
            % {"line": error.lineno, "col": error.colno, "msg": error.msg}
        ) from None
    return validate(data)


def as_file(rule_set: dict[str, Any]) -> dict[str, Any]:
    """A checked rule set written back in the file format (bands without their implied
    bounds), which `validate` reads again to the same rule set."""
    out: dict[str, Any] = {"code": rule_set["code"], "name": rule_set["name"]}
    for key in ("example", "source", "note"):
        if rule_set.get(key):
            out[key] = rule_set[key]
    out.update(rule_set["defaults"])
    levels: dict[str, Any] = {}
    for level, block in rule_set["levels"].items():
        written = {k: v for k, v in block.items() if k != "bands"}
        if block.get("bands"):
            written["bands"] = [
                {
                    k: v
                    for k, v in band.items()
                    if not (k == "students_min" and v == 0 or k == "students_max" and v is None)
                }
                for band in block["bands"]
            ]
        levels[level] = written
    out["levels"] = levels
    return out


def built_in() -> dict[str, dict[str, Any]]:
    """The rule sets shipped in `reports/standards/`, by code."""
    found = {}
    for path in sorted(STANDARDS_DIR.glob("*.json")):
        rule_set = parse(path.read_bytes())
        found[rule_set["code"]] = rule_set
    return found


def available(library: Library) -> dict[str, dict[str, Any]]:
    """The rule sets a library may choose: the built-in ones, then its own."""
    from shuxiang.reports.models import RuleSet

    found = built_in()
    for own in RuleSet.objects.filter(library=library).order_by("name"):
        found.setdefault(own.code, {**validate(own.data), "own": True})
    return found


def chosen(library: Library) -> dict[str, Any]:
    """The library's rule set (the national 规程 when none is chosen or it is gone)."""
    from shuxiang.reports.models import ReportSettings

    settings = ReportSettings.objects.filter(library=library).first()
    code = settings.standard if settings else DEFAULT
    everything = available(library)
    return everything.get(code) or everything[DEFAULT]


def requirements(rule_set: dict[str, Any], level: str, students: int) -> tuple[dict, str]:
    """The figures that hold for a school of a level with so many students: the rule
    set's general figures, the level's, the band's; and the band as text ("" if none)."""
    figures = dict(rule_set["defaults"])
    block = rule_set["levels"].get(level)
    if block is None:
        return {}, ""
    figures.update({k: v for k, v in block.items() if k != "bands"})
    band_text = ""
    for band in block.get("bands", []):
        high = band["students_max"]
        if band["students_min"] <= students and (high is None or students <= high):
            figures.update({k: v for k, v in band.items() if not k.startswith("students_")})
            band_text = _span(band)
            break
    return figures, band_text


# -- comparing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleCheck:
    """One figure against the rule set: at least `minimum`, at most `maximum`."""

    label: str
    value: float | None
    unit: str
    minimum: float | None = None
    maximum: float | None = None

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        if self.minimum is not None and self.value < self.minimum:
            return False
        return not (self.maximum is not None and self.value > self.maximum)

    @property
    def shortfall(self) -> float:
        """How far below the minimum (0 when not below it)."""
        if self.minimum is None or self.value is None or self.value >= self.minimum:
            return 0.0 if self.value is not None or self.minimum is None else self.minimum
        return round(self.minimum - self.value, 2)

    @property
    def excess(self) -> float:
        if self.maximum is None or self.value is None or self.value <= self.maximum:
            return 0.0
        return round(self.value - self.maximum, 2)

    def _with_unit(self, value: float) -> str:
        # 45 册, 12.5%: a percent sign sits on its number.
        return f"{_fmt(value)}{self.unit}" if self.unit == "%" else f"{_fmt(value)} {self.unit}"

    @property
    def requirement(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"{_fmt(self.minimum)}—{self._with_unit(self.maximum)}"
        if self.maximum is not None:
            return f"≤ {self._with_unit(self.maximum)}"
        return f"≥ {self._with_unit(self.minimum)}"

    @property
    def shown(self) -> str:
        return "—" if self.value is None else self._with_unit(self.value)

    @property
    def verdict(self) -> str:
        if self.value is None:
            return _("无法计算")
        if self.passed:
            return _("达标")
        if self.excess:
            return _("未达标（超出 %(amount)s）") % {"amount": self._with_unit(self.excess)}
        return _("未达标（差 %(amount)s）") % {"amount": self._with_unit(self.shortfall)}


def _fmt(value: float) -> str:
    """35,000; 1.5; 0.83 (at most two decimals, thousands grouped)."""
    value = round(value, 2)
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0")


def _rounded(rate: Any) -> float | None:
    return rate.rounded(2) if rate is not None else None


def reference_titles(library: Library, day_end: dt.datetime) -> int:
    """Reference titles (工具书种数): titles with a reference copy (参考工具书) held at
    `day_end` (entered before it, not withdrawn or lost before it)."""
    from django.db.models import Q

    held = Item.objects.filter(
        library=library, circulation_type=Item.CirculationType.REFERENCE
    ).filter(
        Q(acquired_on__lt=day_end.date()) | Q(acquired_on__isnull=True, created_at__lt=day_end),
        ~Q(status__in=(Item.Status.WITHDRAWN, Item.Status.LOST)) | Q(updated_at__gte=day_end),
    )
    return held.aggregate(n=Count("bib_id", distinct=True))["n"] or 0


def group_shares(books: dict[str, int]) -> dict[str, Any]:
    """The major groups' shares (%) of the books held, from the books held by CLC class
    letter; copies without a class count in the whole."""
    from shuxiang.reports import metrics

    total = sum(books.values())
    return {
        group: metrics.share(sum(books.get(letter, 0) for letter in letters), total)
        for group, (_label, letters) in SHARE_GROUPS.items()
    }


def compare(
    rule_set: dict[str, Any],
    *,
    level: str,
    students: int,
    figures: dict[str, Any],
    periodicals: int,
    reference: int,
    opening_hours: float,
    shares: dict[str, Any],
) -> dict[str, Any]:
    """Each figure the rule set requires of this school against the school's own: the
    checks, the band, and whether the rule set covers the school's level at all."""
    required, band = requirements(rule_set, level, students)
    values = {
        "books_per_student": _rounded(figures.get("books_per_student")),
        "total_books": figures.get("books"),
        "new_books_per_student": _rounded(figures.get("new_books_per_student")),
        "periodicals": periodicals,
        "reference_titles": reference,
        "opening_hours_per_week": opening_hours,
    }
    checks = [
        RuleCheck(str(label), values[key], str(unit), minimum=required[key])
        for key, (label, unit) in FIGURES.items()
        if key in required
    ]
    for group, bounds in required.get("clc_shares", {}).items():
        label, _letters = SHARE_GROUPS[group]
        checks.append(
            RuleCheck(
                _("%(group)s %(label)s占藏书比例") % {"group": group, "label": label},
                shares[group].rounded(2),
                "%",
                minimum=bounds.get("min"),
                maximum=bounds.get("max"),
            )
        )
    return {
        "standard": {
            "code": rule_set["code"],
            "name": rule_set["name"],
            "example": rule_set["example"],
            "note": rule_set["note"],
        },
        "level": level,
        "level_label": str(LEVEL_LABELS.get(level, level)),
        "students": students,
        "band": band,
        "covered": level in rule_set["levels"],
        "checks": checks,
    }


def books_by_class(library: Library, period: Any, balance: list[dict] | None = None) -> dict:
    """Books held at the period's end by CLC class letter: from the report's collection
    balance when it has been counted (the same books), else counted here."""
    from shuxiang.reports import selectors

    if balance is not None:
        return {row["clc"]: row["holdings"] for row in balance}
    _start, end = selectors.bounds(library, period)
    return {
        row["clc"]: sum(
            n
            for kind, n in row["types"].items()
            if kind in (Item.CirculationType.NORMAL, Item.CirculationType.REFERENCE)
        )
        for row in selectors.holdings_table(library, end)
    }


def school_comparison(
    library: Library,
    period: Any,
    school_figures: dict[str, Any],
    *,
    balance: list[dict] | None = None,
) -> dict[str, Any]:
    """The library's chosen rule set against the whole school's figures of the period
    (a standard holds the school, whichever group the report shows). `balance`: the
    report's collection balance (`selectors.clc_balance`), which holds the books by
    class the major groups' shares are read from."""
    from shuxiang.reports import selectors

    rule_set = chosen(library)
    _start, end = selectors.bounds(library, period)
    serials = selectors.periodicals(library, period.end.year)
    found = compare(
        rule_set,
        level=selectors.level_of(library),
        students=school_figures["students"],
        figures=school_figures,
        periodicals=serials["total"],
        reference=reference_titles(library, end),
        opening_hours=selectors.opening_hours_per_week(library),
        shares=group_shares(books_by_class(library, period, balance)),
    )
    found["periodicals"] = serials
    return found
