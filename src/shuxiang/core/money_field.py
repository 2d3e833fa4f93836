"""A form field where people type yuan ("3.50") and the form hands on fen (350): every
amount a librarian types (fines, caps, processing fees, default prices) is typed and
shown in yuan and kept in fen. Apart from money.py, which stays plain Python."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shuxiang.core.money import Money


class YuanField(forms.DecimalField):
    default_error_messages = {"invalid": _("请输入以元为单位的金额，如 3.50。")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("widget", forms.NumberInput(attrs={"step": "0.01", "class": "num"}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        # The form's initial value is the model's fen; what the box shows is yuan.
        if isinstance(value, int) and not isinstance(value, bool):
            return Money(value).plain()
        return value

    def clean(self, value: Any) -> int | None:
        amount = super().clean(value)
        return None if amount is None else Money.yuan(amount).fen

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            typed = super().clean(data) if data not in (None, "") else None
        except ValidationError:
            return True
        now = None if typed is None else Money.yuan(typed).fen
        return now != initial
