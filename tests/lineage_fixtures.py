"""Stores built from the invented lineage fixtures (tests/fixtures/lineage_*.ttl), one named graph per file."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from keifu.graph.lineage import materialise
from keifu.graph.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ALL = ("lineage_chain.ttl", "lineage_names.ttl", "lineage_defects.ttl")


def fixture_store(*names: str, path: Path | None = None, materialised: bool = True) -> Store:
    """A store holding the named fixtures (default: all), with kf:tracesTo materialised."""
    store = Store(path)
    for name in names or ALL:
        triples = list(ox.parse(path=str(FIXTURES / name), format=ox.RdfFormat.TURTLE))
        store.replace_triples(f"https://w3id.org/keifu/id/test/graph/{name}", triples)
    if materialised:
        materialise(store)
    return store
