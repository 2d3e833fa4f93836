"""Extract, merge and compile the English message catalogs, one per Shuxiang app.

Usage (from the repository root, with the project's virtualenv):

    .venv/bin/python scripts/messages.py                # every app
    .venv/bin/python scripts/messages.py --app catalog  # one app (repeat --app for more)
    .venv/bin/python scripts/messages.py --check        # write nothing; exit 1 if work is left

The source strings (msgids) are Chinese; zh-Hans is the default language and needs no
catalog. For each app this script

1. extracts the msgids from ``src/shuxiang/<app>/**/*.py`` (``gettext``, ``gettext_lazy``,
   ``gettext_noop``, ``ngettext``, ``ngettext_lazy``, ``pgettext``, ``pgettext_lazy``,
   ``npgettext``, ``npgettext_lazy``, the aliases ``_`` and ``N_``, and whatever name a
   module imports them under) and from its templates (``**/*.html``, ``**/*.txt``):
   ``{% translate %}`` / ``{% trans %}`` and ``{% blocktranslate %}`` / ``{% blocktrans %}``.
   Templates go through Django's own ``templatize()``, so the msgid is exactly the one the
   template tag looks up at run time (``{{ name }}`` becomes ``%(name)s``, ``trimmed`` is
   applied, a literal ``%`` is doubled);
2. merges them into ``src/shuxiang/<app>/locale/en/LC_MESSAGES/django.po``: existing
   translations are kept, new msgids get an empty msgstr, msgids no longer in the sources
   are kept at the end as obsolete (``#~``) entries if they had a translation, and the
   entries are sorted by msgid so that the file only changes where the strings change;
3. compiles the ``.po`` into ``django.mo`` next to it (the ``.mo`` files are committed,
   so an installation needs neither GNU gettext nor a compilation step).

It prints, per app, the number of msgids and how many still lack an English msgstr.
A fuzzy entry counts as untranslated (Django ignores it). To translate, fill in the
empty ``msgstr ""`` lines of the app's ``.po`` (keep every ``%(name)s`` placeholder), then
run the script again to compile. Only Babel and Django are used: GNU gettext (msgfmt,
xgettext) is not needed.

Django merges the catalogs of all apps into one at run time, so a msgid used by two
apps gets one English text; give different meanings a context (``pgettext``).
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import io
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_python
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "shuxiang"
LOCALE = "en"
DOMAIN = "django"
COMMENT_TAGS = ("Translators:",)
HEADER_COMMENT = (
    "# English messages of Shuxiang (app: {app}).\n"
    "# Written by scripts/messages.py: fill in the msgstr lines, then run the script to compile."
)

# Babel keyword specs: argument positions of the message (and "c" marks the context).
KEYWORDS: dict[str, object] = {
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
TRANSLATION_MODULES = {"django.utils.translation"}
TEMPLATE_SUFFIXES = {".html", ".txt"}
SKIP_DIRS = {"__pycache__", "migrations", "locale", "static"}

Key = tuple[str, str | None]  # (msgid, msgctxt)


@dataclass
class Found:
    """One extracted message with every place it occurs."""

    msgid: str | tuple[str, str]
    context: str | None
    locations: set[tuple[str, int]] = field(default_factory=set)
    comments: list[str] = field(default_factory=list)

    @property
    def key(self) -> Key:
        return (self.msgid[0] if isinstance(self.msgid, tuple) else self.msgid, self.context)


@dataclass
class Result:
    app: str
    total: int
    untranslated: list[str]
    stale_mo: bool
    po_changed: bool


# --- extraction ---------------------------------------------------------------------------


def apps() -> list[str]:
    """Every Django app of the package (a directory with an apps.py)."""
    return sorted(p.parent.name for p in PACKAGE.glob("*/apps.py"))


def po_path(app: str) -> Path:
    return PACKAGE / app / "locale" / LOCALE / "LC_MESSAGES" / f"{DOMAIN}.po"


def _source_files(app: str) -> Iterator[Path]:
    base = PACKAGE / app
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(base)
        if SKIP_DIRS & set(rel.parts[:-1]) or not path.is_file():
            continue
        if path.suffix == ".py" or (path.suffix in TEMPLATE_SUFFIXES and "templates" in rel.parts):
            yield path


def _aliases(source: str) -> dict[str, object]:
    """Keywords for the names a module imports the gettext functions under
    (``from django.utils.translation import gettext_lazy as tr``)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found: dict[str, object] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in TRANSLATION_MODULES:
            for alias in node.names:
                if alias.name in KEYWORDS and alias.asname:
                    found[alias.asname] = KEYWORDS[alias.name]
    return found


def _extract_python_source(source: str, keywords: dict[str, object]) -> Iterator[tuple]:
    options = {"encoding": "utf-8"}
    yield from extract_python(
        io.BytesIO(source.encode("utf-8")), keywords, list(COMMENT_TAGS), options
    )


_STRING = r"""u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
_CALL = re.compile(rf"\b(?:n?p?gettext|_)\(\s*{_STRING}(?:\s*,\s*(?:{_STRING}|count))*\s*\)")
_TRANSLATOR_COMMENT = re.compile(r"#\s*(Translators:.*)$")


def _calls_only(templatized: str) -> str:
    """Keep only the gettext calls and translator comments of templatize()'s output, line
    for line. The rest is the template's markup with its letters blanked out: its stray
    quotes, brackets, indentation and ``#`` would trip Python's tokenizer (xgettext, which
    Django uses, shrugs them off)."""
    lines = []
    for line in templatized.split("\n"):
        calls = [m.group(0) for m in _CALL.finditer(line)]
        comment = _TRANSLATOR_COMMENT.search(line)
        if calls:
            lines.append("; ".join(calls))
        elif comment:
            lines.append(f"# {comment[1]}")
        else:
            lines.append("")
    return "\n".join(lines)


def extract_file(path: Path) -> Iterator[tuple[int, str | tuple[str, str], list[str], str | None]]:
    """Yield (line, msgid or (singular, plural), comments, context) for one source file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        keywords = {**KEYWORDS, **_aliases(text)}
    else:
        from django.utils.translation.template import templatize

        # templatize() turns the i18n tags into gettext()/ngettext()/pgettext() calls with
        # the exact msgid the tags use at run time, everything else into inert text.
        text = _calls_only(templatize(text, origin=str(path)))
        keywords = dict(KEYWORDS)
    for lineno, funcname, messages, comments in _extract_python_source(text, keywords):
        spec = keywords[funcname]
        msgid, context = _apply_spec(messages, spec)
        if msgid is None:
            continue
        yield lineno, msgid, comments, context


def _apply_spec(messages: object, spec: object) -> tuple[str | tuple[str, str] | None, str | None]:
    """Pick the msgid (and context) out of a call's string arguments by its keyword spec."""
    args = messages if isinstance(messages, tuple) else (messages,)
    positions = spec if spec is not None else (1,)
    context = None
    texts: list[str | None] = []
    for pos in positions:
        if isinstance(pos, tuple):
            context = args[pos[0] - 1] if pos[0] - 1 < len(args) else None
        else:
            texts.append(args[pos - 1] if pos - 1 < len(args) else None)
    if not texts or not texts[0]:
        return None, None
    if len(texts) > 1:
        if texts[1] is None:
            return None, None
        return (texts[0], texts[1]), context
    return texts[0], context


def extract_app(app: str) -> dict[Key, Found]:
    base = PACKAGE / app
    found: dict[Key, Found] = {}
    for path in _source_files(app):
        rel = path.relative_to(base).as_posix()
        for lineno, msgid, comments, context in extract_file(path):
            item = Found(msgid=msgid, context=context)
            item = found.setdefault(item.key, item)
            item.locations.add((rel, lineno))
            for comment in comments:
                if comment not in item.comments:
                    item.comments.append(comment)
    return found


# --- merge and compile --------------------------------------------------------------------


def _new_catalog(app: str, previous: Catalog | None) -> Catalog:
    stamp = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    catalog = Catalog(
        locale=LOCALE,
        domain=DOMAIN,
        header_comment=HEADER_COMMENT.format(app=app),
        project="Shuxiang",
        version=app,
        copyright_holder="Shuxiang contributors",
        last_translator="Shuxiang contributors",
        language_team="English",
        creation_date=previous.creation_date if previous else stamp,
        revision_date=previous.revision_date if previous else stamp,
        fuzzy=False,
    )
    catalog.msgid_bugs_address = ""  # Babel would fill in a placeholder address
    return catalog


def _is_translated(message: Message) -> bool:
    if message.fuzzy:
        return False
    if isinstance(message.string, (tuple, list)):
        return all(message.string)
    return bool(message.string)


def _display(message: Message | Found) -> str:
    msgid = message.msgid if isinstance(message, Found) else message.id
    text = msgid[0] if isinstance(msgid, (tuple, list)) else msgid
    return f"{text} [context: {message.context}]" if message.context else text


def _empty_string(msgid: object, nplurals: int) -> str | tuple[str, ...]:
    return ("",) * nplurals if isinstance(msgid, tuple) else ""


def merge(app: str, found: dict[Key, Found], previous: Catalog | None) -> Catalog:
    """The new catalog: the extracted msgids, with the previous translations kept."""
    catalog = _new_catalog(app, previous)
    old: dict[Key, Message] = {}
    if previous is not None:
        for message in list(previous.obsolete.values()) + [m for m in previous if m.id]:
            key = (
                message.id[0] if isinstance(message.id, (tuple, list)) else message.id,
                message.context,
            )
            old[key] = message
    for key in sorted(found, key=lambda k: (k[0], k[1] or "")):
        item = found[key]
        before = old.pop(key, None)
        string = _empty_string(item.msgid, catalog.num_plurals)
        flags: set[str] = set()
        user_comments: list[str] = []
        if before is not None:
            same_shape = isinstance(before.id, (tuple, list)) == isinstance(item.msgid, tuple)
            if same_shape:
                string = (
                    tuple(before.string)
                    if isinstance(before.string, (tuple, list))
                    else before.string
                )
            flags = {"fuzzy"} & set(before.flags)
            user_comments = list(before.user_comments)
        catalog.add(
            item.msgid,
            string,
            locations=sorted(item.locations),
            flags=flags,
            auto_comments=item.comments,
            user_comments=user_comments,
            context=item.context,
        )
    for key in sorted(old, key=lambda k: (k[0], k[1] or "")):
        message = old[key]
        if _is_translated(message):
            message.locations = []
            msgid = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
            catalog.obsolete[(msgid, message.context) if message.context else msgid] = message
    return catalog


def render_po(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, width=100, sort_output=True, include_lineno=False, ignore_obsolete=False)
    return buf.getvalue()


def render_mo(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def mo_content(data: bytes) -> tuple[dict[Key, object], str]:
    """What a compiled catalog translates, for comparing two .mo files by meaning."""
    catalog = read_mo(io.BytesIO(data))
    content: dict[Key, object] = {}
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
        string = (
            tuple(message.string) if isinstance(message.string, (tuple, list)) else message.string
        )
        content[(msgid, message.context)] = string
    return content, catalog.plural_forms


def read_catalog(path: Path) -> Catalog | None:
    if not path.exists():
        return None
    with path.open("rb") as fh:
        return read_po(fh, locale=LOCALE, domain=DOMAIN)


def process(app: str, *, write: bool, create: bool = False) -> Result:
    """Extract, merge and (unless only checking) write the .po and .mo of one app. A
    catalog is created for an app with messages, or for any app when `create` is set."""
    po = po_path(app)
    mo = po.with_suffix(".mo")
    previous = read_catalog(po)
    found = extract_app(app)
    catalog = merge(app, found, previous)
    text = render_po(catalog)
    old_text = po.read_bytes() if po.exists() else None
    po_changed = text != old_text
    if po_changed and old_text is not None:
        # The entries changed: date the revision, so the header says when.
        catalog.revision_date = dt.datetime.now(dt.UTC).replace(microsecond=0)
        text = render_po(catalog)
    compiled = render_mo(catalog)
    stale_mo = not mo.exists() or mo_content(mo.read_bytes()) != mo_content(compiled)
    if write and (found or previous is not None or create):
        po.parent.mkdir(parents=True, exist_ok=True)
        if po_changed:
            po.write_bytes(text)
        if not mo.exists() or mo.read_bytes() != compiled:
            mo.write_bytes(compiled)
    untranslated = [_display(m) for m in catalog if m.id and not _is_translated(m)]
    return Result(
        app=app,
        total=len(found),
        untranslated=untranslated,
        stale_mo=stale_mo,
        po_changed=po_changed,
    )


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--app",
        action="append",
        choices=apps(),
        help="app to process (repeatable); default: every app",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a msgid is untranslated or a file is out of date",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    _setup_django()
    failed = False
    for app in args.app or apps():
        result = process(app, write=not args.check, create=bool(args.app))
        if args.check and result.total == 0 and not po_path(app).exists():
            continue
        notes = []
        if args.check and result.po_changed:
            notes.append("po out of date")
        if args.check and result.stale_mo:
            notes.append("mo stale")
        line = f"{app:<14} {result.total:>5} msgids  {len(result.untranslated):>5} untranslated"
        print(line + (f"  ({', '.join(notes)})" if notes else ""))
        if args.check:
            for text in result.untranslated:
                print(f"    untranslated: {text}")
            failed = failed or bool(result.untranslated) or result.stale_mo or result.po_changed
    return 1 if failed else 0


def _setup_django() -> None:
    """templatize() needs configured settings (it reads none that matter here)."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=True)


if __name__ == "__main__":
    sys.exit(main())
