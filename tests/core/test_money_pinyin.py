"""Pure helpers: money in fen, pinyin with surnames."""

from decimal import Decimal

import pytest

from shuxiang.core import pinyin
from shuxiang.core.money import Money, MoneyError, format_fen


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("CNY47.20", 4720),
        ("47.2元", 4720),
        ("￥47.20", 4720),
        ("４７．２０", 4720),
        ("47,20", 4720),
        ("CNY12.00(精装)", 1200),
        ("0.005", 1),
        (12, 1200),
        (Decimal("3.14"), 314),
    ],
)
def test_prices_become_fen(text, fen):
    assert Money.parse(text) == Money(fen)


def test_empty_price_is_none_and_junk_is_refused():
    assert Money.parse("") is None
    assert Money.parse(None) is None
    with pytest.raises(MoneyError):
        Money.parse("免费")


def test_money_arithmetic_never_uses_float():
    assert Money(4720) * 2 == Money(9440)
    assert Money(4720) * Decimal("1.5") == Money(7080)
    with pytest.raises(TypeError):
        Money(100) * 1.5
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]
    assert str(Money(4720)) == "¥47.20"
    assert str(Money(-5)) == "-¥0.05"
    assert format_fen(None) == ""


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("曾小贤", "zengxiaoxian", "zxx"),
        ("单田芳", "shantianfang", "stf"),
        ("解缙", "xiejin", "xj"),
        ("仇英", "qiuying", "qy"),
        ("区志强", "ouzhiqiang", "ozq"),
        ("朴树", "piaoshu", "ps"),
        ("万俟卨", "moqixie", "mqx"),
        ("吕布", "lvbu", "lb"),
    ],
)
def test_names_read_surnames_as_surnames(name, full, initials):
    assert pinyin.full(name, is_name=True) == full
    assert pinyin.initials(name, is_name=True) == initials


def test_polyphones_in_phrases_and_v_for_u():
    assert pinyin.full("重庆") == "chongqing"
    assert pinyin.full("银行") == "yinhang"
    assert pinyin.full("绿色") == "lvse"
