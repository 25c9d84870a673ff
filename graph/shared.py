"""Facts about shared nodes, stored once in a graph of their own (issue 19).

A national plan, a law, a government body, an agency, a budget programme or a data structure is described by
every file that mentions it: each file's graph used to hold its own copy of the node's type, label, kind, date…
so the union default graph repeated them once per citing file, and joins over them grew with the square of the
files (the closing phase's 1 → 1,261,568 rows at 16 copies). Now a build moves those facts out of the file graphs
into :data:`SHARED_GRAPH`, where each is stored once.

Which facts: a triple whose subject is a shared node (an IRI under one of :data:`SHARED_KINDS`), whose predicate
is not provenance (where a file read it stays with that file) and whose object is not a node of the file (a
literal, a vocabulary term, or another shared node). What a file says about its own nodes stays in its graph.

To keep the shared graph exact when a file is rebuilt or removed, the store keeps beside it which files state
each shared fact (:class:`Contributions`, an SQLite table): a fact leaves the shared graph when the last file
stating it no longer does. Queries never see the table; it holds what the repeated copies held, outside the
graph.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from rdflib.namespace import PROV

from .vocab import ID_BASE, KF, mint

#: The named graph of shared facts.
SHARED_GRAPH = mint("graph", "shared")
#: IRI kinds (the first path segment under the instance base) of nodes that several files describe.
SHARED_KINDS = ("plan", "law", "body", "agency", "budget", "means", "dsd")
#: Provenance of a node as read in one file: never shared.
PROVENANCE = (PROV.wasDerivedFrom, KF.line, KF.page, KF.lastLine, KF.lastPage, KF.quote)
#: The table beside a store (in its directory).
CONTRIBUTIONS_FILE = "keifu-shared.sqlite"

_KINDS = "|".join(SHARED_KINDS)
# a statement about a shared node: subject, predicate and object of one N-Triples line (the object up to " .")
_SHARED_LINE = re.compile(
    rb"^<" + re.escape(ID_BASE.encode()) + rb"(?:" + _KINDS.encode() + rb")/[^>]*> <([^>]*)> (.*) \.\n", re.M)
_LOCAL_OBJECT = re.compile(rb"^_:|^<" + re.escape(ID_BASE.encode()) + rb"(?!(?:" + _KINDS.encode() + rb")/)")
_PROVENANCE = frozenset(str(p).encode() for p in PROVENANCE)


def split_ntriples(data: bytes) -> tuple[bytes, bytes]:
    """(the file's own statements, the shared ones) of one file's N-Triples, each line kept as written.

    A regular expression finds the candidate lines (statements about shared nodes are a few per cent of a file),
    so a file of 10⁵ statements is split in milliseconds."""
    own: list[bytes] = []
    shared: list[bytes] = []
    at = 0
    for m in _SHARED_LINE.finditer(data):
        if m.group(1) in _PROVENANCE or _LOCAL_OBJECT.match(m.group(2)):
            continue
        own.append(data[at:m.start()])
        shared.append(m.group(0))
        at = m.end()
    if not shared:
        return data, b""
    own.append(data[at:])
    return b"".join(own), b"".join(shared)


def statements(data: bytes) -> set[bytes]:
    """The distinct N-Triples lines of ``data`` (each ends with " .\\n")."""
    return {line + b"\n" for line in data.split(b"\n") if line}


class Contributions:
    """Which graphs state each shared fact (one row per graph and fact): what lets a fact leave the shared graph
    exactly when its last stating file is rebuilt without it or removed.

    Changes are staged in a transaction that :meth:`commit` ends: the caller applies the returned difference to
    the store first, so a crash in between leaves the table as before, and rebuilding the file repairs the
    shared graph (a fact added twice is one fact; one still stated is not removed)."""

    def __init__(self, directory: Path | None) -> None:
        self.db = sqlite3.connect(":memory:" if directory is None else str(directory / CONTRIBUTIONS_FILE),
                                  isolation_level="DEFERRED")
        self.db.execute("CREATE TABLE IF NOT EXISTS fact (graph TEXT NOT NULL, line BLOB NOT NULL, "
                        "PRIMARY KEY (graph, line)) WITHOUT ROWID")
        self.db.execute("CREATE INDEX IF NOT EXISTS fact_line ON fact (line)")
        self.db.commit()

    def _stated(self, lines: Iterable[bytes]) -> set[bytes]:
        """Those of ``lines`` that some graph states."""
        out: set[bytes] = set()
        batch = list(lines)
        for k in range(0, len(batch), 500):
            part = batch[k:k + 500]
            q = f"SELECT DISTINCT line FROM fact WHERE line IN ({','.join('?' * len(part))})"
            out.update(r[0] for r in self.db.execute(q, part))
        return out

    def _of(self, graph: str) -> set[bytes]:
        return {r[0] for r in self.db.execute("SELECT line FROM fact WHERE graph = ?", (graph,))}

    def replace(self, parts: dict[str, set[bytes]]) -> tuple[set[bytes], set[bytes]]:
        """Graph name → the shared facts it now states (an empty set: none, or the graph is gone). Returns (facts
        new to the shared graph, facts that left it); uncommitted until :meth:`commit`."""
        touched: set[bytes] = set()
        for graph, lines in parts.items():
            touched |= self._of(graph) | lines
        before = self._stated(touched)
        for graph, lines in parts.items():
            self.db.execute("DELETE FROM fact WHERE graph = ?", (graph,))
            self.db.executemany("INSERT INTO fact VALUES (?, ?)", ((graph, line) for line in lines))
        after = self._stated(touched)
        return after - before, before - after

    def graphs(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT graph FROM fact")}

    def commit(self) -> None:
        self.db.commit()

    def rollback(self) -> None:
        self.db.rollback()

    def close(self) -> None:
        self.db.close()
