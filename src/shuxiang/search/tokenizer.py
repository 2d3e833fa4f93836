"""How text becomes search tokens (pure: strings in, strings out; no database).

The same functions make the tokens of a record and of a query, so that whatever a
reader types is folded the way the catalog was:

- folding: full-width → half-width and compatibility forms (NFKC), traditional →
  simplified (zhconv's table), case folding, Latin diacritics dropped (café = cafe);
- Chinese (CJK) text: every character (so that a one-character query works) and every
  overlapping pair of characters (bigrams: 西游记 → 西 游 记 西游 游记);
- Latin words and numbers as whole words;
- pinyin of titles, authors and series: each syllable and each pair of neighbouring
  syllables (西游记 → xi you ji xiyou youji), and the initials as 2- to 4-letter runs
  (xy yj xyj). Readings come from pypinyin's phrase dictionary (重庆 chong qing, 长城
  chang cheng); a character that is also a surname with its own reading (曾 zeng, 单
  shan, 解 xie ...) gets that reading too, so 曾国藩 is found as zengguofan and zgf;
- ISBNs as ISBN-13 and ISBN-10 digits (hyphens and spaces dropped);
- CLC numbers as every prefix of the class (I242.4 → i i2 i24 i242 i2424), so that I24
  finds I242.4.

pypinyin and zhconv are imported when first needed, never when the server starts.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from shuxiang.catalog.clc import MAIN_CLASSES

# Han ideographs (with 〇), kana and Hangul: text without spaces between words, indexed
# by characters and bigrams. Only Han gets pinyin.
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_CJK = _HAN + "\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af"
_RUNS = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")
_HAN_RUN = re.compile(rf"[{_HAN}]+")
_LATIN_ACCENTED = re.compile(r"[\u00c0-\u024f\u1e00-\u1eff]")
INITIALS_MIN, INITIALS_MAX = 2, 4


# -- folding -----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _traditional() -> frozenset[str]:
    """The characters zhconv's zh-Hans table rewrites on their own (後, 國, 乾 ...).
    A text without one of them is left as it is; one with them goes through zhconv,
    whose phrases keep the exceptions (乾隆 stays, 後來 → 后来)."""
    from zhconv import zhconv

    return frozenset(k for k, v in zhconv.getdict("zh-hans").items() if len(k) == 1 and k != v)


def _simplified(text: str) -> str:
    if _traditional().isdisjoint(text):
        return text
    from zhconv import zhconv

    return zhconv.convert(text, "zh-hans")


def _strip_accent(match: re.Match[str]) -> str:
    decomposed = unicodedata.normalize("NFD", match.group(0))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Text as the index keeps it: half-width, simplified, lower case, no accents."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = _simplified(text)
        text = _LATIN_ACCENTED.sub(_strip_accent, text)
    return text.casefold()


@lru_cache(maxsize=65536)
def _runs(text: str) -> tuple[tuple[bool, str], ...]:
    return tuple((bool(m.group(1)), m.group(0)) for m in _RUNS.finditer(fold(text)))


def runs(text: str) -> list[tuple[bool, str]]:
    """The folded text's runs: (True, CJK run) or (False, Latin word or number)."""
    return list(_runs(text))


@lru_cache(maxsize=65536)
def key(text: str) -> str:
    """The folded text without spaces or punctuation: what "the same title" compares."""
    return "".join(run for _cjk, run in _runs(text))


# -- words and characters -----------------------------------------------------------


def cjk_tokens(run: str) -> list[str]:
    """Every character and every overlapping pair of characters."""
    return list(run) + [run[i : i + 2] for i in range(len(run) - 1)]


@lru_cache(maxsize=65536)
def _text_tokens(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for is_cjk, run in _runs(text):
        out.extend(cjk_tokens(run) if is_cjk else [run])
    return tuple(out)


def text_tokens(text: str) -> list[str]:
    """The tokens of a text field: CJK characters and bigrams, Latin words, numbers."""
    return list(_text_tokens(text))


# -- pinyin -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _surname_readings() -> dict[str, str]:
    from shuxiang.core.pinyin import SURNAME_READINGS

    return {k: v[0] for k, v in SURNAME_READINGS.items() if len(k) == 1}


@lru_cache(maxsize=1)
def syllable_set() -> frozenset[str]:
    """Every pinyin syllable as people type it (ü as v), from pypinyin's dictionary;
    the vowel-less interjections (m, n, hm, ng) are left out."""
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    found = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            syllable = to_normal(reading).replace("ü", "v")
            if syllable.isascii() and re.search("[aeiouv]", syllable):
                found.add(syllable)
    return frozenset(found)


@lru_cache(maxsize=1)
def _surnames_by_first() -> dict[str, tuple[str, ...]]:
    """The surnames with a reading of their own, by their first character, longest
    first (as pinyin.syllables tries them: 万俟 before 万)."""
    from shuxiang.core.pinyin import SURNAME_READINGS

    out: dict[str, list[str]] = {}
    for surname in sorted(SURNAME_READINGS, key=len, reverse=True):
        out.setdefault(surname[0], []).append(surname)
    return {first: tuple(names) for first, names in out.items()}


@lru_cache(maxsize=1)
def _one_reading() -> dict[str, str]:
    """The characters with a single reading in pypinyin's dictionary, and that reading
    (as typed: no tones, ü as v). A run made only of them needs no phrase lookup."""
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    return {
        chr(code): to_normal(readings).replace("ü", "v")
        for code, readings in pinyin_dict.items()
        if "," not in readings
    }


def _words(run: str) -> list[str]:
    from pypinyin.seg.mmseg import seg

    return list(seg.cut(run))


@lru_cache(maxsize=100_000)
def _word_syllables(word: str) -> tuple[str, ...]:
    from shuxiang.core import pinyin

    single = _one_reading()
    if all(c in single for c in word):
        return tuple(single[c] for c in word)
    return pinyin.syllables(word)


@lru_cache(maxsize=50000)
def _han_syllables(run: str, is_name: bool) -> tuple[tuple[str, ...], ...]:
    """Each character's reading(s) in a Han run: the phrase reading first, then a
    surname's own reading where it differs (曾 ceng, zeng)."""
    from shuxiang.core import pinyin

    single = _one_reading()
    head: tuple[str, ...] = ()
    rest = run
    if is_name:
        for surname in _surnames_by_first().get(run[:1], ()):
            if run.startswith(surname):
                head, rest = tuple(pinyin.SURNAME_READINGS[surname]), run[len(surname) :]
                break
    if all(c in single for c in rest):  # no polyphone: no phrase lookup needed
        main = head + tuple(single[c] for c in rest)
    else:
        # pypinyin's own way (its phrase segmentation, then each word's reading), with
        # each word's reading kept: titles and names are mostly new, their words are not.
        # A name's surname was read above, as pinyin.syllables(is_name=True) reads it.
        main = head + tuple(s for word in _words(rest) for s in _word_syllables(word))
    if len(main) != len(run):  # a character pypinyin does not know, kept as it is
        main = tuple((pinyin.syllables(c) or ("",))[0] for c in run)
    surnames = _surname_readings()
    out = []
    for char, syllable in zip(run, main, strict=True):
        options = [syllable] if syllable.isascii() and syllable.isalpha() else []
        extra = surnames.get(char)
        if extra and extra not in options:
            options.append(extra)
        if is_name and not out and options:  # a name's first character: also plain
            plain = pinyin.syllables(char)
            if plain and plain[0] not in options and plain[0].isalpha():
                options.append(plain[0])
        out.append(tuple(options))
    return tuple(out)


def _pinyin_parts(text: str, is_name: bool) -> list[tuple[tuple[str, ...], ...]]:
    return [_han_syllables(run, is_name) for run in _HAN_RUN.findall(fold(text))]


def _initials_grams(positions: list[tuple[str, ...]]) -> set[str]:
    letters = [tuple(dict.fromkeys(s[0] for s in options)) for options in positions]
    if all(len(options) == 1 for options in letters):  # the usual case: one reading each
        line = "".join(options[0] for options in letters)
        return {
            line[start : start + size]
            for size in range(INITIALS_MIN, INITIALS_MAX + 1)
            for start in range(len(line) - size + 1)
        }
    grams: set[str] = set()
    for size in range(INITIALS_MIN, INITIALS_MAX + 1):
        for start in range(len(letters) - size + 1):
            grams.update("".join(p) for p in itertools.product(*letters[start : start + size]))
    return grams


@lru_cache(maxsize=65536)
def _pinyin_tokens(text: str, is_name: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    full: set[str] = set()
    initials: set[str] = set()
    for positions in _pinyin_parts(text, is_name):
        # A character without a reading breaks the chain, as punctuation does.
        chain: list[tuple[str, ...]] = []
        for options in [*positions, ()]:
            if options:
                chain.append(options)
                full.update(options)
                continue
            for a, b in itertools.pairwise(chain):
                if len(a) == 1 and len(b) == 1:
                    full.add(a[0] + b[0])
                else:
                    full.update(x + y for x in a for y in b)
            initials |= _initials_grams(chain)
            chain = []
    return tuple(sorted(full)), tuple(sorted(initials))


def pinyin_tokens(text: str, *, is_name: bool = False) -> tuple[list[str], list[str]]:
    """(full pinyin tokens, initials tokens) of a text: syllables and neighbouring pairs;
    initials runs of 2 to 4 letters."""
    full, initials = _pinyin_tokens(text, is_name)
    return list(full), list(initials)


@lru_cache(maxsize=65536)
def pinyin_keys(text: str, *, is_name: bool = False) -> tuple[str, str]:
    """(full pinyin, initials) of the whole text in its main reading, without spaces:
    西游记 → ("xiyouji", "xyj"); what exact and prefix matching on pinyin compare."""
    full, initials = [], []
    for is_cjk, run in runs(text):
        if not is_cjk:
            full.append(run)
            initials.append(run)
            continue
        for part in _HAN_RUN.findall(run):
            for options in _han_syllables(part, is_name):
                if options:
                    full.append(options[0])
                    initials.append(options[0][0])
    return "".join(full), "".join(initials)


@lru_cache(maxsize=4096)
def segmentations(word: str, *, limit: int = 4) -> tuple[tuple[str, ...], ...]:
    """The ways a Latin word reads as whole pinyin syllables, fewest syllables first:
    "xian" → (xian,), (xi, an). Empty when it is not pinyin."""
    syllables = syllable_set()
    found: list[tuple[str, ...]] = []

    def walk(rest: str, done: tuple[str, ...]) -> None:
        if len(found) >= 64:
            return
        if not rest:
            found.append(done)
            return
        for size in range(min(6, len(rest)), 0, -1):
            if rest[:size] in syllables:
                walk(rest[size:], (*done, rest[:size]))

    if word.isascii() and word.isalpha() and len(word) <= 40:
        walk(word, ())
    found.sort(key=len)
    return tuple(found[:limit])


def syllable_tokens(syllables: tuple[str, ...]) -> list[str]:
    """The full-pinyin tokens a query's syllables must all match: the syllable itself
    when there is one, else each neighbouring pair."""
    if len(syllables) == 1:
        return [syllables[0]]
    return [a + b for a, b in itertools.pairwise(syllables)]


def initials_tokens(word: str) -> list[str]:
    """The initials tokens a query word must all match ([] for a single letter)."""
    if len(word) < INITIALS_MIN or not (word.isascii() and word.isalpha()):
        return []
    if len(word) <= INITIALS_MAX:
        return [word]
    return [word[i : i + INITIALS_MAX] for i in range(len(word) - INITIALS_MAX + 1)]


# -- numbers ------------------------------------------------------------------------

_ISBN_TEXT = re.compile(r"^(?:isbn[:：]?\s*)?([0-9][0-9\- ]{8,16}[0-9xX])$", re.IGNORECASE)


def isbn_forms(isbn13: str) -> list[str]:
    """An ISBN-13's digits and, for 978, its ISBN-10 (x lower case)."""
    forms = [isbn13]
    if isbn13.startswith("978") and len(isbn13) == 13:
        body = isbn13[3:12]
        total = sum((10 - i) * int(d) for i, d in enumerate(body))
        check = (11 - total % 11) % 11
        forms.append(body + ("x" if check == 10 else str(check)))
    return forms


def isbn_tokens(valid: Iterable[str], invalid: Iterable[str] = ()) -> list[str]:
    """The ISBN tokens of a record: each valid ISBN in both forms, and the ones kept as
    written (a 统一书号, a mistyped ISBN) as their digits."""
    out: list[str] = []
    for isbn in valid:
        out.extend(isbn_forms(isbn))
    for raw in invalid:
        digits = re.sub(r"[^0-9xX]", "", raw).lower()
        if len(digits) >= 8:
            out.append(digits)
    return list(dict.fromkeys(out))


def isbn_of(text: str) -> tuple[str, str] | None:
    """(ISBN-13, digits as typed) for a text that is an ISBN-10 or -13 with or without
    hyphens or spaces (("", digits) when it does not validate), else None."""
    match = _ISBN_TEXT.match(fold(text).strip())
    if not match:
        return None
    digits = re.sub(r"[\- ]", "", match.group(1)).lower()
    if not re.fullmatch(r"\d{9}[\dx]|\d{13}", digits):
        return None
    from shuxiang.catalog import isbn as isbn_rules

    return isbn_rules.normalize(digits) or "", digits


_CLC = re.compile(r"^(t[a-z]|[a-z])(\d[\d.]*)?")


def clc_tokens(clc: str) -> list[str]:
    """Every prefix of a CLC number's class (I242.4 → i i2 i24 i242 i2424); the
    auxiliary notation after it is left out."""
    match = _CLC.match(fold(clc).replace(" ", ""))
    if not match:
        return []
    letters, digits = match.group(1), (match.group(2) or "").replace(".", "")
    if not letters[0].isalpha():
        return []
    out = [letters[0]]
    if len(letters) == 2:
        out.append(letters)
    out += [letters + digits[:i] for i in range(1, len(digits) + 1)]
    return out


def clc_query_token(word: str) -> str | None:
    """The CLC token a query word asks for ("I24" → "i24", "TP3" → "tp3"), if it has the
    shape of a class number."""
    text = fold(word).replace(".", "")
    if re.fullmatch(r"(t[a-z]|[a-z])\d*", text):
        return text
    return None


def clc_top(clc: str) -> str:
    """The main class letter of a CLC number ("I" for I242.4; "" without one)."""
    text = fold(clc).strip()
    return text[:1].upper() if text[:1].upper() in MAIN_CLASSES else ""


# -- exact values -------------------------------------------------------------------


@lru_cache(maxsize=65536)
def exact_token(field_code: str, value: str) -> str:
    """One token standing for a whole field value (CQL exact): "e" + field + a hash of
    the value's key."""
    digest = hashlib.blake2b(key(value).encode("utf-8"), digest_size=6).hexdigest()
    return f"e{field_code}{digest}"


# -- query words --------------------------------------------------------------------


@dataclass
class WordForms:
    """What one run of a query word can match (each list: tokens that must all be
    there). A query word matches when any of its forms does."""

    text: list[str] = field(default_factory=list)  # CJK chars/bigrams or the word itself
    initials: list[str] = field(default_factory=list)
    pinyin: list[list[str]] = field(default_factory=list)  # one list per segmentation
    isbn: list[str] = field(default_factory=list)  # alternatives, any one will do
    clc: str | None = None


def query_runs(word: str) -> list[WordForms]:
    """The forms of each run of a query word (all runs must match)."""
    isbn = isbn_of(word)
    if isbn is not None:
        isbn13, digits = isbn
        forms = WordForms(text=[digits], isbn=[t for t in dict.fromkeys([isbn13, digits]) if t])
        return [forms]
    whole = fold(word).replace(" ", "")
    if "." in whole and re.fullmatch(r"(t[a-z]|[a-z])\d+(\.\d+)+", whole):
        # A full class number ("I242.4"): one word, not the runs "i242" and "4".
        return [WordForms(text=[run for _cjk, run in runs(word)], clc=clc_query_token(whole))]
    out = []
    for is_cjk, run in runs(word):
        if is_cjk:
            out.append(WordForms(text=cjk_tokens(run)[len(run) :] or [run]))
            continue
        forms = WordForms(text=[run], clc=clc_query_token(run))
        if run.isascii() and run.isalpha():
            forms.initials = initials_tokens(run)
            forms.pinyin = [syllable_tokens(s) for s in segmentations(run)]
        out.append(forms)
    return out
