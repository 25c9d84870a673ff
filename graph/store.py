"""The persistent store: embedded Oxigraph in a directory, one named graph per source file.

Replacing a file's graph happens in one transaction: the new triples are loaded into a
staging graph first, then a single SPARQL Update moves them over the old graph. A failure
at any point leaves what was stored before untouched.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from hashlib import sha1
from pathlib import Path

import pyoxigraph as ox
from keifu.extract.errors import KeifuError
from rdflib import Graph

from .vocab import ID_BASE


class StoreError(KeifuError):
    """The store cannot be opened or written."""


class Store:
    """A thin wrapper over :class:`pyoxigraph.Store` with graph-per-file replacement."""

    def __init__(self, path: Path | str | None = None, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        try:
            if self.path is None:
                self.ox = ox.Store()
            elif read_only:
                self.ox = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self.ox = ox.Store(str(self.path))
        except OSError as e:
            raise StoreError(f"cannot open the store: {e}", f"ストアを開けません: {e}", self.path) from e

    def replace_graph(self, graph: Graph) -> int:
        """Put ``graph`` (an rdflib Graph whose identifier names it) in place of the stored graph of that name."""
        name = ox.NamedNode(str(graph.identifier))
        staging = ox.NamedNode(f"{ID_BASE}staging/{sha1(str(graph.identifier).encode()).hexdigest()}")
        data = graph.serialize(format="nt", encoding="utf-8")
        try:
            if self.ox.contains_named_graph(staging):
                self.ox.remove_graph(staging)
            self.ox.load(io.BytesIO(data), format=ox.RdfFormat.N_TRIPLES, to_graph=staging)
            self.ox.update(f"MOVE SILENT GRAPH <{staging.value}> TO <{name.value}>")
        except (OSError, SyntaxError, ValueError) as e:
            if self.ox.contains_named_graph(staging):
                self.ox.remove_graph(staging)
            raise StoreError(f"could not store graph {name.value}: {e}",
                             f"グラフ {name.value} を保存できませんでした: {e}", self.path) from e
        return len(graph)

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self.ox.named_graphs() if isinstance(g, ox.NamedNode))

    def query(self, sparql: str, union: bool = True) -> ox.QuerySolutions | ox.QueryTriples | bool:
        return self.ox.query(sparql, use_default_graph_as_union=union)

    def select(self, sparql: str) -> Iterator[dict[str, str]]:
        """SELECT results as dicts of plain strings (values only)."""
        res = self.query(sparql)
        variables = [v.value for v in res.variables]  # type: ignore[union-attr]
        for sol in res:  # type: ignore[union-attr]
            yield {v: (sol[v].value if sol[v] is not None else None) for v in variables}

    def __len__(self) -> int:
        return len(self.ox)

    def flush(self) -> None:
        self.ox.flush()

    def dump(self, out: Path, fmt: ox.RdfFormat) -> None:
        """Write the store: datasets keep their named graphs; triple formats get the union of all graphs."""
        if fmt.supports_datasets:
            self.ox.dump(str(out), format=fmt)
            return
        triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in self.ox}, key=str)
        with open(out, "wb") as fh:
            ox.serialize(triples, fh, format=fmt)
