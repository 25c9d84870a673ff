"""Plug-in parsers: extra extraction steps that run on documents of given classes.

Like rdflib's plugin registry: a parser module registers itself once, the pipeline calls every
parser registered for a document's class and keeps the result under the parser's name in
``ExtractedDocument.extras``. Modules listed in :data:`PLUGINS` are imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import SourceText
    from .pipeline import ExtractedDocument

#: Parser modules (relative to keifu.extract, subpackages dotted) that register themselves when imported.
PLUGINS: list[str] = [
    "evaluation.axis_table", "evaluation.body_indicators", "budget_ids", "chapters", "policy.table", "slides",
]

Parser = Callable[["SourceText", "ExtractedDocument"], Any]


@dataclass(frozen=True, slots=True)
class Registered:
    name: str
    doc_classes: frozenset[str]
    parse: Parser
    order: int


_PARSERS: dict[str, Registered] = {}
_loaded = False


def register_parser(name: str, doc_classes: set[str] | frozenset[str], parse: Parser, order: int = 50) -> None:
    """Run ``parse(source, document)`` on documents whose class is in ``doc_classes``; result → extras[name]."""
    _PARSERS[name] = Registered(name, frozenset(doc_classes), parse, order)


def parsers_for(doc_class: str) -> list[Registered]:
    global _loaded
    if not _loaded:
        _loaded = True
        for mod in PLUGINS:
            import_module(f"keifu.extract.{mod}")
    return sorted((p for p in _PARSERS.values() if doc_class in p.doc_classes), key=lambda p: (p.order, p.name))
