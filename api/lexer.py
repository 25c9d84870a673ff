"""Just enough SPARQL lexing to tell a query's form and to bind named-query parameters without splicing.

Strings, IRIs and comments are blanked out (same length) before keywords are looked for, so a keyword inside
a literal or a comment never counts.
"""

from __future__ import annotations

from keifu.graph.named_query import bind_values
from keifu.graph.remote import blank, query_form

__all__ = ["blank", "bind_values", "query_form"]
