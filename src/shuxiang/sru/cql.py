"""CQL, the query language of SRU (Contextual Query Language 1.2), for the SRU server.

Two steps, both plain Python:

- `parse(text)` reads a query into a small syntax tree (`Clause`, `Boolean`), or raises
  a `Diagnostic` for a query that is not CQL (10 syntax error, 13 parentheses, 14
  quotes). It follows the CQL 1.2 grammar: search clauses `index relation term` or a
  bare term, quoted terms with backslash escapes, relations (`=`, `==`, `<`, `>`, `<=`,
  `>=`, `<>` and named ones such as `all`, `any`, `adj`, `exact`) with `/modifiers`,
  the booleans `and`, `or`, `not`, `prox` (left to right, all of one precedence),
  parentheses, prefix assignments (`> dc = "info:..."`, read and ignored) and `sortby`.
- `to_query(tree)` maps that tree onto the search engine's query tree
  (`shuxiang.search.query`: `Term`, `And`, `Or`, `Not`), or raises a `Diagnostic` for
  what the catalog cannot search (16 unknown index, 19 relation, 28 masking ...).

Indexes: `cql.anywhere`, `cql.serverChoice` and a bare term search everywhere;
`dc.title`, `dc.creator` (`dc.author`), `dc.subject`, `dc.publisher`; `bath.isbn` and
`dc.identifier` the ISBN. Relations: `=` and `all` find every word of the term (one
`Term` of all the words: the engine matches each of its words), `any` one of them (an
`Or` of one `Term` per word), `==` and `exact` the whole term exactly (`exact=True`).
`adj` is answered as `all`: the engine has no word positions, so it finds the words
together and apart alike.

Diagnostics carry the SRU standard's numbers and English messages
(info:srw/diagnostic/1/N): they are protocol, read by programs, not by a librarian.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The SRU diagnostics this server gives, with the standard's messages.
MESSAGES = {
    1: "General system error",
    4: "Unsupported operation",
    5: "Unsupported version",
    6: "Unsupported parameter value",
    7: "Mandatory parameter not supplied",
    8: "Unsupported parameter",
    10: "Query syntax error",
    13: "Invalid or unsupported use of parentheses",
    14: "Invalid or unsupported use of quotes",
    15: "Unsupported context set",
    16: "Unsupported index",
    19: "Unsupported relation",
    20: "Unsupported relation modifier",
    23: "Too many characters in term",
    27: "Empty term unsupported",
    28: "Masking character not supported",
    31: "Anchoring character not supported",
    37: "Unsupported boolean operator",
    38: "Too many boolean operators in query",
    39: "Proximity not supported",
    46: "Unsupported boolean modifier",
    61: "First record position out of range",
    64: "Record temporarily unavailable",
    66: "Unknown schema for retrieval",
    71: "Unsupported record packing",
    72: "XPath retrieval unsupported",
    80: "Sort not supported",
    110: "Stylesheets not supported",
}

# Bounds that keep a hostile query cheap to refuse.
MAX_QUERY_LENGTH = 2000
MAX_BOOLEANS = 30
MAX_DEPTH = 20
MAX_TERM_LENGTH = 200


class Diagnostic(Exception):
    """An SRU diagnostic: `code` from the standard's list, `details` what it is about."""

    def __init__(self, code: int, details: str = "") -> None:
        super().__init__(f"{code} {MESSAGES.get(code, '')}: {details}".rstrip(": "))
        self.code = code
        self.details = details

    @property
    def uri(self) -> str:
        return f"info:srw/diagnostic/1/{self.code}"

    @property
    def message(self) -> str:
        return MESSAGES.get(self.code, "")


@dataclass(frozen=True, slots=True)
class Modifier:
    """`/name`, or `/name comparator value` (e.g. `/rel.combine=sum`)."""

    name: str
    comparator: str = ""
    value: str = ""


@dataclass(frozen=True, slots=True)
class Clause:
    """A search clause. `term` is as written between the quotes: escapes still in."""

    index: str
    relation: str
    term: str
    modifiers: tuple[Modifier, ...] = ()


@dataclass(frozen=True, slots=True)
class Boolean:
    op: str  # "and", "or", "not", "prox" (lower case)
    left: Clause | Boolean
    right: Clause | Boolean
    modifiers: tuple[Modifier, ...] = ()


Node = Clause | Boolean

# -- reading ----------------------------------------------------------------------------

_SPECIAL = set(' \t\r\n\f\v()=<>"/')
_SYMBOLS = ("==", "<=", ">=", "<>", "=", "<", ">", "(", ")", "/")
COMPARATORS = frozenset({"=", "==", "<", ">", "<=", ">=", "<>"})
BOOLEANS = frozenset({"and", "or", "not", "prox"})

WORD, QUOTED, SYMBOL = "word", "quoted", "symbol"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    at: int


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == '"':
            j, buf = i + 1, []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j : j + 2])
                    j += 2
                else:
                    buf.append(text[j])
                    j += 1
            if j >= n:
                raise Diagnostic(14, f"no closing quote for the one at {i + 1}")
            out.append(_Token(QUOTED, "".join(buf), i))
            i = j + 1
        elif c in _SPECIAL:
            symbol = next(s for s in _SYMBOLS if text.startswith(s, i))
            out.append(_Token(SYMBOL, symbol, i))
            i += len(symbol)
        else:
            j = i
            while j < n and text[j] not in _SPECIAL and not text[j].isspace():
                if text[j] == "\\" and j + 1 < n and not text[j + 1].isspace():
                    j += 1  # an escaped character belongs to the word
                j += 1
            out.append(_Token(WORD, text[i:j], i))
            i = j
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.depth = 0
        self.booleans = 0

    def peek(self, ahead: int = 0) -> _Token | None:
        i = self.pos + ahead
        return self.tokens[i] if i < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise Diagnostic(10, "the query ends too early")
        self.pos += 1
        return token

    def is_symbol(self, text: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token is not None and token.kind == SYMBOL and token.text == text

    def is_word(self, words: frozenset[str] | set[str], ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token is not None and token.kind == WORD and token.text.lower() in words

    def term(self, what: str) -> str:
        token = self.peek()
        if token is None or token.kind == SYMBOL:
            found = f"'{token.text}' at {token.at + 1}" if token else "the end of the query"
            raise Diagnostic(10, f"expected {what}, found {found}")
        self.pos += 1
        return token.text

    def query(self) -> Node:
        # Prefix assignments (> dc = "info:srw/cql-context-set/1/dc-v1.1"): the context
        # sets are known by their usual prefixes, so the mapping is read and dropped.
        while self.is_symbol(">"):
            self.take()
            self.term("a prefix or context set URI")
            if self.is_symbol("="):
                self.take()
                self.term("a context set URI")
        node = self.clause()
        while self.is_word(BOOLEANS):
            op = self.take().text.lower()
            self.booleans += 1
            if self.booleans > MAX_BOOLEANS:
                raise Diagnostic(38, f"more than {MAX_BOOLEANS}")
            modifiers = self.modifiers()
            node = Boolean(op, node, self.clause(), modifiers)
        return node

    def clause(self) -> Node:
        if self.is_symbol("("):
            opened = self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise Diagnostic(13, f"nested deeper than {MAX_DEPTH}")
            node = self.query()
            if not self.is_symbol(")"):
                raise Diagnostic(13, f"no closing parenthesis for the one at {opened.at + 1}")
            self.take()
            self.depth -= 1
            return node
        if self.is_symbol(")"):
            raise Diagnostic(13, f"unexpected ')' at {self.take().at + 1}")
        first = self.peek()
        text = self.term("a search term")
        following = self.peek()
        named_relation = (
            first is not None
            and first.kind == WORD
            and following is not None
            and following.kind == WORD
            and following.text.lower() not in BOOLEANS | {"sortby"}
        )
        if (following and following.kind == SYMBOL and following.text in COMPARATORS) or (
            named_relation
        ):
            relation = self.take().text
            if following.kind == WORD:
                relation = relation.lower()
            modifiers = self.modifiers()
            return Clause(text, relation, self.term("a search term"), modifiers)
        return Clause("cql.serverChoice", "=", text)

    def modifiers(self) -> tuple[Modifier, ...]:
        found = []
        while self.is_symbol("/"):
            self.take()
            name = self.term("a modifier name")
            if self.peek() and self.peek().kind == SYMBOL and self.peek().text in COMPARATORS:
                comparator = self.take().text
                found.append(Modifier(name, comparator, self.term("a modifier value")))
            else:
                found.append(Modifier(name))
        return tuple(found)


def parse(text: str) -> Node:
    """The syntax tree of a CQL query, or a Diagnostic."""
    if len(text) > MAX_QUERY_LENGTH:
        raise Diagnostic(10, f"longer than {MAX_QUERY_LENGTH} characters")
    if not text.strip():
        raise Diagnostic(10, "empty query")
    parser = _Parser(text)
    node = parser.query()
    rest = parser.peek()
    if rest is not None:
        if rest.kind == WORD and rest.text.lower() == "sortby":
            raise Diagnostic(80, "sortby")
        if rest.kind == SYMBOL and rest.text == ")":
            raise Diagnostic(13, f"unexpected ')' at {rest.at + 1}")
        raise Diagnostic(10, f"unexpected '{rest.text}' at {rest.at + 1}")
    return node


# -- mapping onto the search engine ------------------------------------------------------

CONTEXT_SETS = ("cql", "dc", "bath")
INDEXES = {
    "cql.anywhere": "anywhere",
    "cql.serverchoice": "anywhere",
    "dc.title": "title",
    "dc.creator": "author",
    "dc.author": "author",
    "dc.subject": "subject",
    "dc.publisher": "publisher",
    "dc.identifier": "isbn",
    "bath.isbn": "isbn",
    "bath.title": "title",
    "bath.name": "author",
    "bath.author": "author",
    "bath.subject": "subject",
}
# An index without its context set (`title=...`) is looked up by its own name.
_BARE = {name.split(".", 1)[1]: field for name, field in INDEXES.items()}

EXACT_RELATIONS = frozenset({"==", "exact"})
WORD_RELATIONS = frozenset({"=", "all", "scr"})
# Hints a server may ignore (CQL context set relation modifiers, with or without "cql.").
IGNORED_RELATION_MODIFIERS = frozenset(
    {
        "relevant",
        "fuzzy",
        "stem",
        "ignorecase",
        "ignoreaccents",
        "masked",
        "unmasked",
        "string",
        "word",
        "locale",
        "honorwhitespace",
    }
)


def field_of(index: str) -> str:
    """The engine's field for a CQL index, or Diagnostic 15 (context set) / 16 (index)."""
    name = index.lower()
    if name in INDEXES:
        return INDEXES[name]
    prefix, dot, rest = name.rpartition(".")
    if not dot:
        if rest in _BARE:
            return _BARE[rest]
        raise Diagnostic(16, index)
    if prefix not in CONTEXT_SETS:
        raise Diagnostic(15, prefix)
    raise Diagnostic(16, index)


def _plain(name: str) -> str:
    name = name.lower()
    return name[4:] if name.startswith("cql.") else name


def _words(term: str, *, masked: bool) -> list[str]:
    """The term's words with escapes resolved; Diagnostic 28/31 for masking and anchoring
    characters (the engine matches words, not patterns), unless `/unmasked`."""
    words, current, i = [], [], 0
    while i < len(term):
        c = term[i]
        if c == "\\" and i + 1 < len(term):
            current.append(term[i + 1])
            i += 2
            continue
        if masked and c in "*?":
            raise Diagnostic(28, c)
        if masked and c == "^":
            raise Diagnostic(31, c)
        if c.isspace():
            if current:
                words.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    if current:
        words.append("".join(current))
    return words


def _join(cls: Any, parts: list[Any]) -> Any:
    flat: list[Any] = []
    for part in parts:
        flat.extend(part.parts if isinstance(part, cls) else [part])
    return flat[0] if len(flat) == 1 else cls(parts=tuple(flat))


def _search_nodes() -> Any:
    from shuxiang.search import query

    return query


def to_query(node: Node, nodes: Any = None) -> Any:
    """The search engine's query tree for a CQL syntax tree. `nodes` provides the node
    classes (`Term`, `And`, `Or`, `Not`); by default the engine's own."""
    nodes = nodes or _search_nodes()
    if isinstance(node, Boolean):
        for modifier in node.modifiers:
            if not _plain(modifier.name).startswith("rel."):
                raise Diagnostic(46, modifier.name)
        if node.op == "prox":
            raise Diagnostic(39, "prox")
        left, right = to_query(node.left, nodes), to_query(node.right, nodes)
        if node.op == "and":
            return _join(nodes.And, [left, right])
        if node.op == "or":
            return _join(nodes.Or, [left, right])
        if node.op == "not":
            return nodes.Not(positive=left, negative=right)
        raise Diagnostic(37, node.op)
    field = field_of(node.index)
    relation = node.relation.lower()
    masked = True
    for modifier in node.modifiers:
        name = _plain(modifier.name)
        if name not in IGNORED_RELATION_MODIFIERS and not name.startswith("rel."):
            raise Diagnostic(20, modifier.name)
        if name == "unmasked":
            masked = False
    if relation not in EXACT_RELATIONS | WORD_RELATIONS | {"any", "adj"}:
        raise Diagnostic(19, node.relation)
    if len(node.term) > MAX_TERM_LENGTH:
        raise Diagnostic(23, f"more than {MAX_TERM_LENGTH}")
    words = _words(node.term, masked=masked)
    if not words:
        raise Diagnostic(27, node.index)
    if relation == "any":
        return _join(nodes.Or, [nodes.Term(field=field, text=word) for word in words])
    # One term of all the words: the engine finds a title where every word matches (and
    # ranks an exact title first, which it does for a single term only).
    return nodes.Term(field=field, text=" ".join(words), exact=relation in EXACT_RELATIONS)


def query_tree(text: str, nodes: Any = None) -> Any:
    """The search engine's query tree for a CQL query, or a Diagnostic."""
    return to_query(parse(text), nodes)
