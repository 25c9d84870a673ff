"""Just enough SPARQL lexing to tell a query's form and to bind named-query parameters without splicing.

Strings, IRIs and comments are blanked out (same length) before keywords are looked for, so a keyword inside
a literal or a comment never counts.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from keifu.graph.remote import FORM_KEYWORD, blank, query_form

__all__ = ["blank", "bind_values", "query_form"]

_WHERE = re.compile(r"\bWHERE\s*\{", re.I)
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def bind_values(text: str, bindings: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """Add ``VALUES (?a ?b) { (t1 t2) }`` at the start of the query's outermost group pattern.

    The terms are pyoxigraph terms written in their N-Triples form, so quotes, backslashes and angle brackets
    in a value are escaped by the RDF library, never by string pasting; variable names are checked.
    """
    if not bindings:
        return text
    for v in bindings:
        if not _VAR.match(v):
            raise ValueError(f"bad variable name {v!r}")
    b = blank(text)
    m = _WHERE.search(b)
    if m:
        at = m.end()
    else:
        form = FORM_KEYWORD.search(b)
        at = b.find("{", form.end() if form else 0) + 1
        if at == 0:
            raise ValueError("no group pattern to bind parameters in")
    names = " ".join(f"?{v}" for v in bindings)
    terms = " ".join(str(t) for t in bindings.values())
    return f"{text[:at]} VALUES ({names}) {{ ({terms}) }} {text[at:]}"
