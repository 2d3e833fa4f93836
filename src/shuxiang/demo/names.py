"""Plausible Chinese personal names (pure).

Surnames carry rough weights after their frequency in the population, so a class of fifty
has several 王, 李 and 张 and the odd rarer name. Given names are one or two characters
drawn from character pools that lean male, lean female, or suit either.
"""

from __future__ import annotations

import random

# (surname, relative weight): the common surnames weighted roughly by frequency, then a
# tail of rarer ones, including several that pinyin reads unusually (曾, 单, 解, 区 ...).
SURNAMES: list[tuple[str, float]] = [
    ("王", 7.1),
    ("李", 7.0),
    ("张", 6.7),
    ("刘", 5.4),
    ("陈", 4.5),
    ("杨", 3.1),
    ("黄", 2.2),
    ("赵", 2.0),
    ("吴", 1.9),
    ("周", 1.9),
    ("徐", 1.5),
    ("孙", 1.4),
    ("马", 1.3),
    ("朱", 1.3),
    ("胡", 1.1),
    ("郭", 1.1),
    ("何", 1.1),
    ("高", 1.0),
    ("林", 1.0),
    ("罗", 0.9),
    ("郑", 0.9),
    ("梁", 0.9),
    ("谢", 0.8),
    ("宋", 0.8),
    ("唐", 0.8),
    ("许", 0.7),
    ("韩", 0.7),
    ("冯", 0.7),
    ("邓", 0.7),
    ("曹", 0.7),
    ("彭", 0.6),
    ("曾", 0.6),
    ("肖", 0.6),
    ("田", 0.6),
    ("董", 0.5),
    ("袁", 0.5),
    ("潘", 0.5),
    ("于", 0.5),
    ("蒋", 0.5),
    ("蔡", 0.5),
    ("余", 0.5),
    ("杜", 0.5),
    ("叶", 0.5),
    ("程", 0.5),
    ("苏", 0.4),
    ("魏", 0.4),
    ("吕", 0.4),
    ("丁", 0.4),
    ("任", 0.4),
    ("沈", 0.4),
    ("姚", 0.4),
    ("卢", 0.4),
    ("姜", 0.4),
    ("崔", 0.3),
    ("钟", 0.3),
    ("谭", 0.3),
    ("陆", 0.3),
    ("汪", 0.3),
    ("范", 0.3),
    ("金", 0.3),
    ("石", 0.3),
    ("廖", 0.3),
    ("贾", 0.3),
    ("夏", 0.3),
    ("韦", 0.3),
    ("付", 0.3),
    ("方", 0.3),
    ("白", 0.3),
    ("邹", 0.3),
    ("孟", 0.3),
    ("熊", 0.3),
    ("秦", 0.3),
    ("邱", 0.3),
    ("江", 0.3),
    ("尹", 0.2),
    ("薛", 0.2),
    ("闫", 0.2),
    ("段", 0.2),
    ("雷", 0.2),
    ("侯", 0.2),
    ("龙", 0.2),
    ("史", 0.2),
    ("陶", 0.2),
    ("黎", 0.2),
    ("贺", 0.2),
    ("顾", 0.2),
    ("毛", 0.2),
    ("郝", 0.2),
    ("龚", 0.2),
    ("邵", 0.2),
    ("万", 0.2),
    ("钱", 0.2),
    ("严", 0.2),
    ("覃", 0.1),
    ("武", 0.1),
    ("戴", 0.1),
    ("莫", 0.1),
    ("孔", 0.1),
    ("向", 0.1),
    ("汤", 0.1),
    ("单", 0.05),
    ("解", 0.05),
    ("区", 0.03),
    ("仇", 0.03),
    ("查", 0.03),
    ("欧阳", 0.05),
    ("司马", 0.02),
    ("诸葛", 0.02),
    ("上官", 0.02),
]

MALE_CHARS = "伟强磊军洋勇杰涛明超浩宇轩博文辰皓睿泽昊然俊晨凯鹏翔鑫毅哲瀚航峰锐达铭诚亮健楠坤"
FEMALE_CHARS = "芳娜敏静丽艳婷雪慧琳颖倩悦欣怡涵萱梓诗雨晴佳琪嘉蕊妍瑶露璐婧薇菲彤馨月玥"
NEUTRAL_CHARS = "子一思可亦安宁心家晓天清嘉新书雅若紫梦语之晗逸辰云景乐言知星"


def surname(rng: random.Random) -> str:
    names, weights = _SURNAME_TABLE
    return rng.choices(names, cum_weights=weights, k=1)[0]


def _cumulative(pairs: list[tuple[str, float]]) -> tuple[list[str], list[float]]:
    total, cumulative = 0.0, []
    for _name, weight in pairs:
        total += weight
        cumulative.append(total)
    return [name for name, _weight in pairs], cumulative


_SURNAME_TABLE = _cumulative(SURNAMES)


def given_name(rng: random.Random, gender: str) -> str:
    """One or two characters; two in four of five names, as in today's schools."""
    own = MALE_CHARS if gender == "m" else FEMALE_CHARS
    pool = own + own + NEUTRAL_CHARS
    first = rng.choice(pool)
    if rng.random() < 0.2:
        return first
    second = rng.choice(pool)
    while second == first:
        second = rng.choice(pool)
    return first + second


def person(rng: random.Random, gender: str | None = None) -> tuple[str, str]:
    """A (name, gender) pair; gender is "m" or "f"."""
    gender = gender or rng.choice("mf")
    return surname(rng) + given_name(rng, gender), gender
