"""Just enough SPARQL lexing to tell a query's form, whether it names its own dataset, and to add the protocol's
``USING`` clauses to an update.

Strings, IRIs and comments are blanked out (same length) before keywords are looked for, so a keyword inside
a literal or a comment never counts. Nothing here decides security: that is taken on the parsed query
(:mod:`keifu.api.outbound`, :mod:`keifu.api.security`).
"""

from __future__ import annotations

import re

import pyoxigraph as ox

_OPAQUE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>" r"|#[^\r\n]*",  # "\r" ends a comment too
    re.S,
)
FORM_KEYWORD = re.compile(r"\b(SELECT|CONSTRUCT|DESCRIBE|ASK)\b", re.I)
_UPDATE = re.compile(r"\b(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.I)


def blank(text: str) -> str:
    """``text`` with strings, IRIs and comments replaced by spaces (positions kept)."""
    return _OPAQUE.sub(lambda m: " " * len(m.group(0)), text)


def query_form(text: str) -> str | None:
    """``select``, ``construct``, ``describe``, ``ask``, ``update`` or None when it is neither."""
    b = blank(text)
    m = FORM_KEYWORD.search(b)
    if m:
        return m.group(1).lower()
    return "update" if _UPDATE.search(b) else None


#: the FROM keyword (FROM NAMED too): not part of a prefixed name, variable or longer word
_FROM = re.compile(r"(?<![\w:?$-])FROM(?![\w:-])", re.I)


def names_dataset(text: str) -> bool:
    """Whether a query names its own dataset (``FROM`` / ``FROM NAMED``), which then replaces the service's."""
    return "from" in text.lower() and _FROM.search(blank(text)) is not None



def _keyword(word: str) -> str:
    """A regex for SPARQL keyword ``word``, not part of a prefixed name, variable or longer word."""
    return rf"(?<![\w:?$-]){word}(?![\w:-])"


_DATASET_CLAUSE = re.compile(_keyword("(?:USING|WITH)"), re.I)
_BRACE_OR_WHERE = re.compile(r"[{}]|" + _keyword("WHERE"), re.I)
_ENDS_DELETE = re.compile(_keyword("DELETE") + r"\s*$", re.I)


def add_using(text: str, default: list[str], named: list[str]) -> str:
    """The update with ``USING`` / ``USING NAMED`` clauses before the ``WHERE`` of each INSERT/DELETE operation:
    the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` (SPARQL 1.1 Protocol §2.2.3).

    Raises ValueError when the update names its own dataset (USING or WITH: the protocol forbids both at once)
    or a graph IRI is malformed. ``DELETE WHERE`` has no dataset clause and is left as it is.
    """
    b = blank(text)
    if _DATASET_CLAUSE.search(b):
        raise ValueError("the update has its own USING or WITH clause")
    clause = " ".join([f"USING {ox.NamedNode(g)}" for g in default] + [f"USING NAMED {ox.NamedNode(g)}" for g in named])
    depth, cuts = 0, []
    for m in _BRACE_OR_WHERE.finditer(b):
        if m.group(0) == "{":
            depth += 1
        elif m.group(0) == "}":
            depth -= 1
        elif depth == 0 and not _ENDS_DELETE.search(b, 0, m.start()):
            cuts.append(m.start())
    for at in reversed(cuts):
        text = f"{text[:at]}{clause} {text[at:]}"
    return text
