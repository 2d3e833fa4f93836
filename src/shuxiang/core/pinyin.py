"""Pinyin for search and sorting: full readings and initials, with surnames read as
surnames (曾 zeng, 单 shan, 解 xie ...) and ü typed as v, as users type it."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Surnames whose reading differs from the character's most common one. Compound
# surnames come first so that 万俟 is not read as 万 + 俟.
SURNAME_READINGS: dict[str, list[str]] = {
    "万俟": ["mo", "qi"],
    "尉迟": ["yu", "chi"],
    "长孙": ["zhang", "sun"],
    "单于": ["chan", "yu"],
    "曾": ["zeng"],
    "单": ["shan"],
    "解": ["xie"],
    "仇": ["qiu"],
    "区": ["ou"],
    "朴": ["piao"],
    "查": ["zha"],
    "乐": ["yue"],
    "盖": ["ge"],
    "缪": ["miao"],
    "覃": ["qin"],
    "任": ["ren"],
    "华": ["hua"],
    "句": ["gou"],
    "翟": ["zhai"],
    "秘": ["bi"],
    "繁": ["po"],
    "员": ["yun"],
    "折": ["she"],
    "黑": ["he"],
    "能": ["nai"],
    "宓": ["fu"],
    "冼": ["xian"],
    "卜": ["bu"],
    "重": ["chong"],
    "柏": ["bai"],
    "召": ["shao"],
    "蕃": ["pi"],
}


def _syllables(text: str) -> list[str]:
    # v for ü: what people type on a keyboard.
    return [
        s.lower() for s in lazy_pinyin(text, style=Style.NORMAL, v_to_u=False, errors="default")
    ]


@lru_cache(maxsize=20000)
def syllables(text: str, *, is_name: bool = False) -> tuple[str, ...]:
    """The pinyin syllables of a text; a personal name's surname is read as a surname."""
    text = text.strip()
    if not text:
        return ()
    if is_name:
        for surname in sorted(SURNAME_READINGS, key=len, reverse=True):
            if text.startswith(surname):
                return tuple(SURNAME_READINGS[surname] + _syllables(text[len(surname) :]))
    return tuple(_syllables(text))


def full(text: str, *, is_name: bool = False, sep: str = "") -> str:
    """ "zhangsan" for 张三 (sep=" " gives "zhang san")."""
    return sep.join(s for s in syllables(text, is_name=is_name) if s.strip())


def initials(text: str, *, is_name: bool = False) -> str:
    """ "zs" for 张三: the first letter of each syllable; other characters kept as they are."""
    return "".join(s[0] for s in syllables(text, is_name=is_name) if s.strip() and s[0].isalnum())


def sort_key(text: str) -> str:
    """A key that sorts Chinese text by its pinyin reading."""
    return full(text, sep=" ")
