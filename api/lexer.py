"""Just enough SPARQL lexing to tell a query's form and to bind named-query parameters without splicing.

Strings, IRIs and comments are blanked out (same length) before keywords are looked for, so a keyword inside
a literal or a comment never counts.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from keifu.graph.named_query import bind_values
from keifu.graph.remote import blank, names_dataset, query_form

__all__ = ["blank", "bind_values", "names_dataset", "query_form"]

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
