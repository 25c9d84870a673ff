"""Plug-in parsers: extra extraction steps run on documents of the kinds that name them.

Like rdflib's plugin registry: a parser module registers itself once and gets back a typed key
(:class:`Registered`); the kinds table (``data/document_kinds.tsv``, column ``parsers``) says which parsers run
on which kind. The pipeline keeps each result under the parser's name in ``ExtractedDocument.extras``
(:class:`Extras`), and ``extras.of(KEY)`` gives it back with its type; ``keifu.graph.emit`` registers one emitter
per parser under the same key. Modules listed in :data:`PLUGINS` are imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from . import kinds
from .kinds import KindTableError

if TYPE_CHECKING:
    from .model import SourceText
    from .pipeline import ExtractedDocument

#: Parser modules (relative to keifu.extract, subpackages dotted) that register themselves when imported.
PLUGINS: list[str] = [
    "evaluation.axis_table", "evaluation.body_indicators", "budget_ids", "chapters", "policy.table", "slides",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Registered(Generic[T]):
    """A registered parser, and the typed key of its result in ``ExtractedDocument.extras``."""

    name: str
    parse: Callable[[SourceText, ExtractedDocument], T]


class Extras(dict[str, Any]):
    """Results of plug-in parsers by parser name; :meth:`of` returns one with its parser's type."""

    def of(self, parser: Registered[T]) -> T | None:
        return self.get(parser.name)


_PARSERS: dict[str, Registered[Any]] = {}
_loaded = False


def register_parser(name: str, parse: Callable[[SourceText, ExtractedDocument], T]) -> Registered[T]:
    """Register ``parse(source, document)`` under ``name`` (the kinds table names it); returns its result key."""
    key = Registered(name, parse)
    _PARSERS[name] = key
    return key


def load_plugins() -> dict[str, Registered[Any]]:
    """Import the parser modules once; every registered parser by name."""
    global _loaded
    if not _loaded:
        _loaded = True
        for mod in PLUGINS:
            import_module(f"keifu.extract.{mod}")
    return _PARSERS


def parsers_for(kind_code: str) -> list[Registered[Any]]:
    """The parsers the kinds table names for ``kind_code``, in its order; an error naming a missing one."""
    k = kinds.kind(kind_code)
    if k is None:
        return []
    registered = load_plugins()
    missing = [p for p in k.parsers if p not in registered]
    if missing:
        raise KindTableError(
            f"document kind '{kind_code}' names parser(s) {', '.join(missing)} that no module registers "
            "(register_parser, keifu.extract.registry.PLUGINS)",
            f"文書の種類 '{kind_code}' のパーサー {', '.join(missing)} が登録されていません"
            "（register_parser と keifu.extract.registry.PLUGINS を確認してください）")
    return [registered[p] for p in k.parsers]
