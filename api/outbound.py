"""Which parts of a SPARQL request would make the server open a connection: SERVICE calls and LOAD.

Decided on the parsed request, never on its text. A text search once blanked comments up to ``\\n`` only, so
``#…\\rSERVICE <http://127.0.0.1/…>`` passed the check while the engine, for which ``\\r`` ends a comment too,
fetched the URL: an unauthenticated server-side request forgery. Lexing alone is not enough either: in
``FILTER(?x<?y)SERVICE?v#>`` a lexer sees one IRI where the engine sees a ``<`` operator, a SERVICE call and
a comment. Only a parser knows which ``<`` opens an IRI.

So the request is parsed with rdflib's SPARQL grammar and its tree searched for ``ServiceGraphPattern`` and
``Load``. Two engines may read the text: Oxigraph follows SPARQL 1.2 (``\\u`` escapes only inside strings
and IRIs), a remote SPARQL 1.1 server may expand them everywhere first (§19.2). Both readings are parsed.
Whatever cannot be parsed while it mentions one of the two words is refused: the check fails closed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# a word of letters only: "service" in "sparql-service-description" counts (a parse then decides), in
# "serviceType" it does not (no engine reads a keyword glued to letters)
_WORD = re.compile(r"(?<![A-Za-z])(?:service|load)(?![A-Za-z])", re.I)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_BACKSLASH = re.compile(r"\\([\\uU])")
#: a request this long that names SERVICE or LOAD is refused unparsed: rdflib's parser is pure Python and
#: runs in the server process, so its cost must stay bounded (a 4 KB query parses in about 10 ms)
MAX_PARSED = 256 * 1024

SERVICE, LOAD, UNVERIFIED = "SERVICE", "LOAD", "unverified"


def _expanded(text: str) -> str:
    """SPARQL 1.1's reading: every ``\\uXXXX`` / ``\\UXXXXXXXX`` replaced before parsing."""
    def char(m: re.Match[str]) -> str:
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except (ValueError, OverflowError):
            return m.group(0)
    return _CODEPOINT.sub(char, text)


def _kept(text: str) -> str:
    """SPARQL 1.2's reading, for a parser of SPARQL 1.1's strings and IRIs (which know no ``\\u``): the
    escape's backslash becomes a plain character, so an escape inside a string or IRI stays inside it and
    never closes it, and one outside them stays an error."""
    return _BACKSLASH.sub(lambda m: "\\\\" if m.group(1) == "\\" else "_" + m.group(1), text)


def _names(node: object) -> Iterator[str]:
    """Names of the parse tree's components (rdflib's ``CompValue`` objects), depth first."""
    stack = [node]
    while stack:
        n = stack.pop()
        name = getattr(n, "name", None)
        if isinstance(name, str):
            yield name
        if isinstance(n, dict):
            stack.extend(n.values())
        elif isinstance(n, list | tuple) or type(n).__name__ == "ParseResults":
            stack.extend(n)


def _parse(text: str, update: bool) -> object:
    from rdflib.plugins.sparql import parser  # 0.2 s of imports, paid only by requests naming the words

    # rdflib ends a comment at "\n" only; for SPARQL "\r" ends it too
    text = text.replace("\r", "\n")
    grammar = parser.UpdateUnit if update else parser.Query
    return grammar.parse_string(text, parse_all=True)


def outbound_calls(text: str, update: bool = False) -> set[str]:
    """``{"SERVICE"}``, ``{"LOAD"}`` (both possible), ``{"unverified"}`` when the request names one of them
    but cannot be parsed, or an empty set: the request opens no connection."""
    found: set[str] = set()
    for view in {_kept(text), _expanded(text)} if "\\" in text else (text,):
        if not _WORD.search(view):
            continue
        if len(view) > MAX_PARSED:
            return {UNVERIFIED}
        try:
            tree = _parse(view, update)
        except Exception:  # any parser failure (syntax, recursion depth) counts as unverified  # noqa: BLE001
            return {UNVERIFIED}
        for name in _names(tree):
            if name == "ServiceGraphPattern":
                found.add(SERVICE)
            elif name == "Load":
                found.add(LOAD)
    return found
