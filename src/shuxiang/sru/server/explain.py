"""What the explain record (ZeeRex 2.0) tells a client about this server: the library,
the indexes it may search with, the record schemas and the limits. Titles are given in
Chinese and in English, each marked with its language, whatever language the request
came in."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shuxiang.sru import cql
from shuxiang.sru.server import protocol

CONTEXT_SETS = (
    ("cql", "info:srw/cql-context-set/1/cql-v1.2"),
    ("dc", "info:srw/cql-context-set/1/dc-v1.1"),
    ("bath", "http://zing.z3950.org/cql/bath/2.0/"),
)
FIELD_TITLES = {
    "anywhere": pgettext_lazy("SRU index", "任意字段"),
    "title": pgettext_lazy("SRU index", "题名"),
    "author": pgettext_lazy("SRU index", "著者"),
    "subject": pgettext_lazy("SRU index", "主题词"),
    "publisher": pgettext_lazy("SRU index", "出版社"),
    "isbn": pgettext_lazy("SRU index", "ISBN"),
}
SCHEMAS = (
    ("marcxml", protocol.MARCXML, "MARCXML"),
    ("dc", protocol.DC, "Dublin Core"),
)
RELATIONS = ("=", "==", "exact", "all", "any", "adj")
LANGUAGES = (("zh", "zh-hans"), ("en", "en"))


# The names as the context sets spell them.
_SPELLING = {"serverchoice": "serverChoice"}


def _in_each_language(text: Any, params: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    titles = []
    for lang, code in LANGUAGES:
        with translation.override(code):
            titles.append((lang, str(text) % params if params else str(text)))
    return titles


def context(*, library_name: str, host: str, port: int, database: str) -> dict[str, Any]:
    indexes = []
    for field_name, title in FIELD_TITLES.items():
        maps = [tuple(name.split(".", 1)) for name, f in cql.INDEXES.items() if f == field_name]
        indexes.append(
            {
                "titles": _in_each_language(title),
                "maps": [(prefix, _SPELLING.get(name, name)) for prefix, name in maps],
            }
        )
    return {
        "host": host,
        "port": port,
        "database": database,
        "library_name": library_name,
        "descriptions": _in_each_language(
            _("%(library)s的馆藏书目，可用 CQL 检索，记录格式为 MARCXML 或都柏林核心元数据。")
            if library_name
            else _("尚未建立图书馆，书目为空。"),
            {"library": library_name} if library_name else None,
        ),
        "context_sets": CONTEXT_SETS,
        "indexes": indexes,
        "schemas": SCHEMAS,
        "default_records": protocol.DEFAULT_RECORDS,
        "max_records": protocol.MAX_RECORDS,
        "relations": RELATIONS,
    }
