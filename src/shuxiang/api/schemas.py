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
