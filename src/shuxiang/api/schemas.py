"""Request and response shapes. Field names are English snake_case; prices are fen."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class ErrorOut(Schema):
    code: str
    message: str


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class BibIn(Schema):
    title: str = Field(min_length=1, max_length=500)
    isbn: str | None = None
    authors: list[str] = []
    publisher: str = ""
    place: str = ""
    year: int | None = None
    clc: str = ""
    price: int | None = Field(default=None, description="定价，单位：分")
    subjects: list[str] = []
    series: str = ""
    summary: str = ""


class BibOut(Schema):
    id: int
    title: str
    responsibility: str
    authors: list[str]
    publisher: str
    place: str
    year: int | None
    isbn: str
    invalid_isbns: list[str]
    clc: str
    price: int | None
    subjects: list[str]
    series: str
    summary: str
    material_type: str
    call_number: str
    items: int


class ItemIn(Schema):
    bib: int
    barcode: str = Field(min_length=1, max_length=40)
    location: str | None = None
    call_number: str | None = None
    accession_number: str | None = None
    circulation_type: str = "normal"
    price: int | None = None


class ItemOut(Schema):
    id: int
    barcode: str
    bib: int
    title: str
    call_number: str
    accession_number: str | None
    location: str | None
    circulation_type: str
    status: str
    price: int | None
    due: dt.date | None = None


class PatronIn(Schema):
    card: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=60)
    category: str = Field(default="student", pattern="^(student|teacher|staff)$")
    class_: str | None = Field(default=None, alias="class")
    student_number: str | None = None


class PatronOut(Schema):
    id: int
    card: str
    name: str
    category: str
    class_name: str | None = None
    grade: int | None
    student_number: str | None
    status: str
    valid_until: dt.date | None
    open_loans: int


class BibPatch(Schema):
    """The fields to change; a field left out stays as it is."""

    title: str | None = Field(default=None, min_length=1, max_length=500)
    parallel_title: str | None = None
    responsibility: str | None = None
    authors: list[str] | None = None
    edition: str | None = None
    publisher: str | None = None
    place: str | None = None
    year: int | None = None
    pages: str | None = None
    size: str | None = None
    isbn: str | None = Field(default=None, description="第一个 ISBN；空字符串表示删去")
    price: int | None = Field(default=None, description="定价，单位：分")
    clc: str | None = None
    subjects: list[str] | None = None
    series: str | None = None
    summary: str | None = None
    language: str | None = None
    material_type: str | None = None


class BibEditOut(BibOut):
    changed: list[str] = Field(description="这次修改改动的字段")
    call_numbers_moved: list[list[str]] = Field(
        description="分类号改变后调整的索书号：[原索书号, 新索书号]，这些复本需要重新打印书标"
    )


class ItemPatch(Schema):
    """The fields to change; a field left out stays as it is."""

    location: str | None = Field(default=None, description="馆藏地点代码或名称；null 表示无")
    circulation_type: str | None = None
    price: int | None = Field(default=None, description="实价，单位：分；null 表示无")
    note: str | None = Field(default=None, max_length=200)


class ChangeOut(Schema):
    field: str
    label: str
    before: str
    after: str


class HistoryEventOut(Schema):
    at: dt.datetime
    actor: str
    channel: str
    action: str
    action_words: str
    object: str = Field(description="bib 或 item")
    barcode: str | None = None
    changes: list[ChangeOut]


class BibHistoryOut(Schema):
    bib: int
    events: list[HistoryEventOut]
