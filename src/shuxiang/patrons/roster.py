"""Reading a roster (花名册) from the school office's xlsx or csv file.

No database here: this module turns a file into rows of normalized values, each with its
spreadsheet row number and the problems found in it (by column), plus notes about the
file as a whole (which sheet, dropped sensitive columns, filled merged cells). What to do
with the rows — create, update, skip, reject — is decided in services.roster_import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from shuxiang.core import spreadsheet
from shuxiang.patrons import grades

# Canonical field → the headers schools use for it (compared as core.spreadsheet's
# header_key: full-width folded, lower case, no spaces, brackets or "*"). Extra columns are ignored with a note.
HEADERS: dict[str, tuple[str, ...]] = {
    "student_number": (
        "学号",
        "学籍号",
        "学生编号",
        "studentnumber",
        "studentno",
        "studentid",
        "number",
    ),
    "name": ("姓名", "名字", "学生姓名", "教师姓名", "读者姓名", "name", "fullname"),
    "gender": ("性别", "gender", "sex"),
    "grade": ("年级", "grade"),
    "class": ("班级", "班", "班别", "班级名称", "所在班级", "class", "classname"),
    "category": ("类型", "读者类型", "身份", "类别", "人员类型", "type", "category"),
    "card": (
        "借书证号",
        "借书证",
        "读者证号",
        "证号",
        "借阅证号",
        "card",
        "cardnumber",
        "librarycard",
    ),
    "valid_until": (
        "有效期",
        "有效期至",
        "截止日期",
        "到期日期",
        "validuntil",
        "expiry",
        "expires",
    ),
    "campus_card": ("一卡通号", "一卡通", "校园卡号", "campuscard"),
}

# Columns a school library must not keep (PIPL: most students are minors). They are
# dropped on reading, never stored, and the report says so.
SENSITIVE: tuple[str, ...] = (
    "身份证号",
    "身份证",
    "身份证号码",
    "证件号",
    "证件号码",
    "家长电话",
    "家长手机",
    "联系电话",
    "电话",
    "手机",
    "手机号",
    "家长姓名",
    "监护人",
    "家庭住址",
    "住址",
    "地址",
    "家庭地址",
    "出生日期",
    "生日",
    "民族",
    "idnumber",
    "idcard",
    "phone",
    "mobile",
    "parentphone",
    "address",
    "birthday",
    "dateofbirth",
)

LABELS = {
    "student_number": "学号",
    "name": "姓名",
    "gender": "性别",
    "grade": "年级",
    "class": "班级",
    "category": "类型",
    "card": "借书证号",
    "valid_until": "有效期",
    "campus_card": "一卡通号",
}

TEMPLATE_HEADERS = ["学号", "姓名", "性别", "年级", "班级", "类型", "借书证号", "有效期"]

GENDERS = {
    "男": "m",
    "m": "m",
    "male": "m",
    "男生": "m",
    "女": "f",
    "f": "f",
    "female": "f",
    "女生": "f",
}
CATEGORIES = {
    "学生": "student",
    "student": "student",
    "教师": "teacher",
    "老师": "teacher",
    "教工": "teacher",
    "teacher": "teacher",
    "职工": "staff",
    "员工": "staff",
    "工作人员": "staff",
    "staff": "staff",
}

MAX_HEADER_SCAN = 10


class RosterError(Exception):
    """The file cannot be read as a roster at all."""


@dataclass
class Problem:
    column: str  # the header as written in the file (or the field's Chinese label)
    message: str

    def __str__(self) -> str:
        return f"{self.column}：{self.message}" if self.column else self.message


@dataclass
class RosterRow:
    row: int  # the spreadsheet row number (1-based, as Excel shows it)
    student_number: str | None = None
    name: str = ""
    gender: str = ""
    category: str = "student"
    grade: int | None = None
    class_number: int | None = None
    class_name: str | None = None  # canonical, e.g. 七年级3班
    card: str | None = None
    valid_until: dt.date | None = None
    campus_card: str | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Roster:
    rows: list[RosterRow]
    notes: list[str]
    sheet: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # field → header as written
    # The sheet cut down to the columns the import uses, rows where they were: what may
    # be kept between the preview and the confirmation (never ID numbers, phones ...).
    kept: list[list[str]] = field(default_factory=list)

    def kept_csv(self) -> bytes:
        """The kept table as a UTF-8 CSV file, which `read` reads back to the same rows."""
        buffer = io.StringIO()
        csv.writer(buffer).writerows(self.kept)
        return buffer.getvalue().encode("utf-8")


_SENSITIVE = {spreadsheet.header_key(s) for s in SENSITIVE}


def _is_header(found: dict[str, int]) -> bool:
    return "name" in found and len(found) >= 2


def _unwanted_headers(others: list[str]) -> tuple[list[str], list[str]]:
    """(sensitive headers, ignored headers) among the headers that name no field."""
    sensitive, ignored = [], []
    for header in others:
        key = spreadsheet.header_key(header)
        if key in _SENSITIVE or any(key.startswith(s) for s in _SENSITIVE if len(s) >= 2):
            sensitive.append(grades.normalize(header))
        else:
            ignored.append(grades.normalize(header))
    return sensitive, ignored


# -- reading the file -------------------------------------------------------------------


def _has_formulas(content: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return any(
            re.search(rb"<(?:\w+:)?f[ >/]", archive.read(name))
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )


# A whole school's readers fit with room to spare (a large school has 3,000); a district
# imports school by school.
ROSTER_MAX_ROWS = 10_000
ROSTER_MAX_COLUMNS = 40
ROSTER_MAX_UNPACKED = 8 * 1024 * 1024


def _xlsx_sheets(content: bytes) -> list[tuple[str, list[list[Any]], list[list[str | None]], int]]:
    """[(sheet title, values, formulas, merged-cell fills)] for every worksheet.

    Merged ranges take the top-left value in every cell (a class merged down its
    students). A formula whose result Excel never saved (a file written by a program, not
    by Excel) has no value; we keep the formula text to report it.
    """
    from openpyxl import load_workbook

    # A roster is loaded whole (merged cells and formulas need it), so it gets tighter
    # caps than other lists: checked in the zip before loading, and on the sheets'
    # real extent after, before a cell is visited.
    try:
        spreadsheet.check_xlsx(content, max_unpacked=ROSTER_MAX_UNPACKED)
    except spreadsheet.SpreadsheetError as exc:
        raise RosterError(exc.message) from exc
    try:
        values_book = load_workbook(io.BytesIO(content), data_only=True)
        # The formulas are read only when the sheets have any (a second full load).
        formula_book = (
            load_workbook(io.BytesIO(content), data_only=False) if _has_formulas(content) else None
        )
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise RosterError(
            _("无法读取这个 Excel 文件（%(error)s）。请用 Excel 另存为 .xlsx 后再导入。")
            % {"error": exc}
        ) from exc
    sheets = []
    for ws in values_book.worksheets:
        fws = formula_book[ws.title] if formula_book is not None else None
        fills = 0
        merged: dict[tuple[int, int], Any] = {}
        for rng in ws.merged_cells.ranges:
            top_left = ws.cell(rng.min_row, rng.min_col).value
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    if (r, c) != (rng.min_row, rng.min_col):
                        merged[(r, c)] = top_left
                        fills += 1
        values, formulas = [], []
        # max_row/max_column scan every cell: read them once, not per row.
        max_row, max_column = ws.max_row or 0, ws.max_column or 0
        if max_row > ROSTER_MAX_ROWS:
            raise RosterError(
                _(
                    "工作表“%(sheet)s”有 %(rows)s 行，超过花名册上限 %(cap)s 行。请分成几个文件导入。"
                )
                % {"sheet": ws.title, "rows": f"{max_row:,}", "cap": f"{ROSTER_MAX_ROWS:,}"}
            )
        if max_column > ROSTER_MAX_COLUMNS:
            raise RosterError(
                _("工作表“%(sheet)s”有 %(cols)s 列，超过花名册上限 %(cap)s 列。请删除多余的列。")
                % {"sheet": ws.title, "cols": f"{max_column:,}", "cap": ROSTER_MAX_COLUMNS}
            )
        for r in range(1, max_row + 1):
            row_values, row_formulas = [], []
            for c in range(1, max_column + 1):
                value = merged.get((r, c), ws.cell(r, c).value)
                raw = fws.cell(r, c).value if fws is not None else None
                row_values.append(value)
                row_formulas.append(
                    raw if isinstance(raw, str) and raw.startswith("=") and value is None else None
                )
            values.append(row_values)
            formulas.append(row_formulas)
        sheets.append((ws.title, values, formulas, fills))
    return sheets


def _csv_rows(content: bytes) -> list[list[Any]]:
    try:
        return spreadsheet.csv_rows(content)
    except spreadsheet.SpreadsheetError as exc:
        raise RosterError(exc.message) from exc


def read(
    content: bytes,
    filename: str,
    *,
    system: grades.GradeSystem,
    sheet: str | None = None,
    as_csv: bool = False,
) -> Roster:
    """Read a roster file (`as_csv`: a CSV whatever its name says). Raises RosterError
    when the file cannot be read as a roster."""
    if not content or not content.strip():
        raise RosterError(_("文件是空的。"))
    suffix = ".csv" if as_csv else Path(filename).suffix.lower()
    notes: list[str] = []
    if not as_csv and (suffix in {".xlsx", ".xlsm"} or content[:2] == b"PK"):
        sheets = _xlsx_sheets(content)
    elif not as_csv and (suffix == ".xls" or content[:4] == b"\xd0\xcf\x11\xe0"):
        raise RosterError(_("不支持旧版 .xls 文件。请在 Excel 中“另存为” .xlsx 或 .csv 后再导入。"))
    else:
        rows = _csv_rows(content)
        sheets = [("csv", rows, [[None] * len(r) for r in rows], 0)]
    if sheet is not None:
        sheets = [s for s in sheets if s[0] == sheet]
        if not sheets:
            raise RosterError(_("文件中没有名为“%(sheet)s”的工作表。") % {"sheet": sheet})

    chosen = None
    for title, values, formulas, fills in sheets:
        header = spreadsheet.find_header(values, HEADERS, accept=_is_header, scan=MAX_HEADER_SCAN)
        if header is not None:
            chosen = (title, values, formulas, fills, header)
            break
    if chosen is None:
        names = "、".join(s[0] for s in sheets)
        raise RosterError(
            _(
                "在工作表（%(sheets)s）的前 %(n)s 行中找不到表头：至少需要“姓名”列和“学号”“班级”等任一列。"
            )
            % {"sheets": names, "n": MAX_HEADER_SCAN}
        )
    title, values, formulas, fills, header = chosen
    header_index, found = header.index, header.columns
    sensitive, ignored = _unwanted_headers(header.others)
    if len(sheets) > 1 and sheet is None and title != sheets[0][0]:
        notes.append(
            _("读取的是工作表“%(sheet)s”（第一个工作表中没有花名册表头）。") % {"sheet": title}
        )
    if sensitive:
        notes.append(
            _("以下列含有图书馆不应保存的个人信息，已忽略、未保存：%(cols)s。")
            % {"cols": "、".join(sensitive)}
        )
    if ignored:
        notes.append(_("以下列不需要，已忽略：%(cols)s。") % {"cols": "、".join(ignored)})
    if fills:
        notes.append(_("合并单元格已按左上角的值填入其覆盖的每一格。"))
    headers = values[header_index]
    columns = {name: grades.normalize(headers[i]) for name, i in found.items()}

    rows = []
    for offset, cells in enumerate(values[header_index + 1 :], start=header_index + 2):
        if all(grades.normalize(c) == "" for c in cells) and not any(formulas[offset - 1]):
            continue
        rows.append(_row(offset, cells, formulas[offset - 1], found, columns, system))
    if not rows:
        raise RosterError(_("工作表“%(sheet)s”在表头下面没有数据行。") % {"sheet": title})
    kept = _kept_columns(values, header_index, sorted(found.values()))
    return Roster(rows=rows, notes=notes, sheet=title, columns=columns, kept=kept)


def _kept_columns(values: list[list[Any]], header_index: int, used: list[int]) -> list[list[str]]:
    """Only the columns the import reads; the lines above the header stay as empty lines
    so that every row keeps its number in the file."""
    kept: list[list[str]] = [[""] for _ in range(header_index)]
    for cells in values[header_index:]:
        kept.append([spreadsheet.cell_text(cells[i]) if i < len(cells) else "" for i in used])
    return kept


# -- one row ----------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as text: 20260301.0 → "20260301" (Excel stores typed numbers as floats)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return grades.normalize(value)


def _name(value: Any) -> str:
    text = _text(value)
    # 张  三 (aligned with spaces in Excel) is 张三; Latin names keep their spaces.
    if re.fullmatch(r"[\u3400-\u9fff·• ]+", text):
        text = text.replace(" ", "").replace("•", "·")
    return text


def _row(
    number: int,
    cells: list[Any],
    formulas: list[str | None],
    found: dict[str, int],
    columns: dict[str, str],
    system: grades.GradeSystem,
) -> RosterRow:
    row = RosterRow(row=number)

    def cell(name: str) -> Any:
        index = found.get(name)
        if index is None or index >= len(cells):
            return None
        if formulas[index] if index < len(formulas) else None:
            row.problems.append(
                Problem(
                    columns[name],
                    _("公式 %(f)s 没有计算结果；请在 Excel 中打开并保存，或粘贴为数值。")
                    % {"f": formulas[index]},
                )
            )
            return None
        return cells[index]

    def problem(name: str, message: str) -> None:
        row.problems.append(Problem(columns.get(name, LABELS[name]), message))

    row.name = _name(cell("name"))
    if not row.name:
        problem("name", _("姓名为空。"))
    elif len(row.name) > 60:
        problem("name", _("姓名过长（最多 60 个字）。"))

    row.student_number = _text(cell("student_number")).replace(" ", "") or None
    if row.student_number and len(row.student_number) > 40:
        problem("student_number", _("学号过长。"))

    _read_person(row, cell, problem)
    _read_class(row, cell, system, problem)

    card = _text(cell("card")).replace(" ", "")
    row.card = card.upper() if card else None
    if row.card and len(row.card) > 40:
        problem("card", _("借书证号过长。"))

    row.campus_card = _text(cell("campus_card")).replace(" ", "") or None

    raw_date = cell("valid_until")
    try:
        row.valid_until = spreadsheet.parse_date(raw_date)
    except (ValueError, OverflowError):
        problem(
            "valid_until", _("无法识别的日期“%(v)s”（应如 2027-08-31）。") % {"v": _text(raw_date)}
        )
    return row


def _read_person(
    row: RosterRow, cell: Callable[[str], Any], problem: Callable[[str, str], None]
) -> None:
    """The row's gender and reader category (学生、教师、职工), when given."""
    gender = _text(cell("gender"))
    if gender:
        if gender.lower() not in GENDERS:
            problem("gender", _("无法识别的性别“%(v)s”（应为 男 或 女）。") % {"v": gender})
        else:
            row.gender = GENDERS[gender.lower()]
    category = _text(cell("category"))
    if category:
        if category.lower() not in CATEGORIES:
            problem(
                "category",
                _("无法识别的读者类型“%(v)s”（应为 学生、教师 或 职工）。") % {"v": category},
            )
        else:
            row.category = CATEGORIES[category.lower()]


def _read_class(
    row: RosterRow,
    cell: Callable[[str], Any],
    system: grades.GradeSystem,
    problem: Callable[[str, str], None],
) -> None:
    """The row's grade and class, from one class column (初一(3)班) or a grade and a
    class column (七年级 + 3班), named canonically in the school's grade system."""
    grade_text = _text(cell("grade"))
    if grade_text:
        row.grade = grades.parse_grade(system, grade_text)
        if row.grade is None:
            problem(
                "grade",
                _("无法识别的年级“%(v)s”（本校学制：%(system)s）。")
                % {"v": grade_text, "system": system.label},
            )
    class_text = _text(cell("class"))
    if class_text and not (grade_text and row.grade is None):
        parsed = grades.parse_class(system, class_text, grade=row.grade)
        if parsed is None:
            problem(
                "class",
                _("无法识别的班级“%(v)s”（应如 七年级3班、初一(3)班；本校学制：%(system)s）。")
                % {"v": class_text, "system": system.label},
            )
        else:
            row.grade, row.class_number = parsed
            row.class_name = system.class_name(*parsed)
    elif row.grade is not None and not class_text and row.category == "student":
        problem("class", _("有年级但没有班级。"))


def template_xlsx() -> bytes:
    """The downloadable roster template: the headers and two example rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(TEMPLATE_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(["20260701", "张小明", "男", "七年级", "3班", "学生", "", "2029-08-31"])
    sheet.append(["", "李老师", "女", "", "", "教师", "", ""])
    for column, width in zip("ABCDEFGH", [14, 10, 6, 8, 10, 8, 14, 12], strict=True):
        sheet.column_dimensions[column].width = width
    notes = book.create_sheet("说明")
    for line in [
        "第一行是表头；列的顺序可以改变，多余的列会被忽略。",
        "班级可写作 七年级3班、初一(3)班、七(3)班 或 7年级3班；也可以分成“年级”“班级”两列。",
        "借书证号留空时由系统按本馆格式生成。",
        "请不要填写身份证号、家长电话、家庭住址等信息：图书馆不需要，也不会保存。",
    ]:
        notes.append([line])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
