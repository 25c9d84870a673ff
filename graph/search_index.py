"""Japanese keyword search over plans, objectives and indicators: an SQLite FTS5 index with trigrams.

Japanese has no spaces between words, so a word index would need a morphological analyser; the trigram
tokenizer (SQLite ≥ 3.34) indexes every three characters instead and finds any substring of three or more
characters. Queries of one or two characters (がん, 統計) cannot use trigrams: they fall back to a LIKE scan of
the same table (a few thousand rows: milliseconds).

The index is built lazily, at the first search, from the store, and cached in a file beside the store
(``<store>.search.sqlite``). The cache carries a fingerprint of the store (its size and the sha256 of every
source file it holds): a rebuild of any document changes it, and the next search rebuilds the index. Building
it is a few SPARQL scans (~0.1 s on the corpus); doing it lazily keeps ``keifu build`` as fast as before and
lets a store built by an older keifu or by a remote ``--endpoint`` build be searched all the same.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from keifu.extract.errors import KeifuError

from .store import Store
from .vocab import KF, sparql_prefixes

__all__ = ["Hit", "SearchIndex", "search", "search_index"]

#: what is searched: class → kind shown to users (plans first when scores tie)
KINDS = {str(KF.NationalPlan): "plan", str(KF.Objective): "objective", str(KF.Goal): "objective",
         str(KF.Indicator): "indicator", str(KF.Agency): "agency"}
KIND_RANK = {"plan": 0, "agency": 1, "indicator": 2, "objective": 3}
#: bm25 weights of the columns: a word in the name counts far more than one in the quote or the body text
WEIGHTS = (0.0, 0.0, 10.0, 3.0, 1.0)
FORMAT = 1  # bump when the table layout changes: old caches are rebuilt

_ROWS = """
SELECT ?n (SAMPLE(?c) AS ?cls) (SAMPLE(?l) AS ?label) (SAMPLE(?q) AS ?quote) (SAMPLE(?b) AS ?body)
       (SAMPLE(?al) AS ?agency) (SAMPLE(?dl) AS ?doc) WHERE {
  VALUES ?c { %s }
  ?n a ?c ; rdfs:label ?l .
  OPTIONAL { ?n kf:quote ?q } OPTIONAL { ?n kf:bodyText ?b }
  OPTIONAL { ?n kf:inDocument ?d . ?d rdfs:label ?dl .
             OPTIONAL { { ?d kf:setFor ?a } UNION { ?d kf:issuedBy ?a } ?a a kf:Agency ; rdfs:label ?al } }
} GROUP BY ?n
"""


class SearchUnavailable(KeifuError):
    pass


@dataclass(frozen=True, slots=True)
class Hit:
    iri: str
    kind: str
    label: str
    snippet: str
    agency: str | None
    document: str | None
    score: float

    def as_dict(self) -> dict[str, object]:
        return {"iri": self.iri, "kind": self.kind, "label": self.label, "snippet": self.snippet,
                "agency": self.agency, "document": self.document, "score": round(self.score, 4)}


def fingerprint(store: Store) -> str:
    """Changes whenever a document is rebuilt (its file's sha256) or the store's size changes."""
    h = hashlib.sha256(f"{FORMAT}:{len(store)}".encode())
    for r in sorted(store.select(sparql_prefixes() + "SELECT ?s ?h WHERE { ?s kf:sha256 ?h }"),
                    key=lambda r: (r["s"], r["h"])):
        h.update(f"{r['s']} {r['h']}\n".encode())
    return h.hexdigest()


def _check_sqlite() -> None:
    if sqlite3.sqlite_version_info < (3, 34, 0):
        raise SearchUnavailable(f"search needs SQLite ≥ 3.34 (trigram tokenizer); this Python has {sqlite3.sqlite_version}",
                                f"検索には SQLite 3.34 以上（trigram）が必要です。この Python は {sqlite3.sqlite_version}")


class SearchIndex:
    """One FTS5 table of the searchable nodes of a store."""

    def __init__(self, db: sqlite3.Connection, key: str) -> None:
        self.db = db
        self.key = key
        self.lock = threading.Lock()  # one connection shared by the server's threads

    @classmethod
    def build(cls, store: Store, key: str, path: Path | None = None) -> SearchIndex:
        _check_sqlite()
        tmp = path.with_name(path.name + ".tmp") if path is not None else None
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        db = sqlite3.connect(str(tmp) if tmp else ":memory:", check_same_thread=False)
        db.executescript("""
            CREATE TABLE meta(key TEXT);
            CREATE VIRTUAL TABLE items USING fts5(iri UNINDEXED, kind UNINDEXED, label, quote, body,
                agency UNINDEXED, doc UNINDEXED, tokenize='trigram');""")
        values = " ".join(f"<{c}>" for c in KINDS)
        rows = []
        for r in store.select(sparql_prefixes() + _ROWS % values):
            kind = KINDS.get(r["cls"] or "", "objective")
            quote = r["quote"] or ""
            rows.append((r["n"], kind, r["label"] or "", "" if quote == r["label"] else quote, r["body"] or "",
                         r["agency"], r["doc"]))
        db.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("INSERT INTO meta VALUES (?)", (key,))
        db.commit()
        if tmp is not None and path is not None:
            db.close()
            tmp.replace(path)  # readers see the old index or the whole new one
            db = sqlite3.connect(str(path), check_same_thread=False)
        return cls(db, key)

    @classmethod
    def open(cls, path: Path) -> SearchIndex | None:
        """The cached index at ``path``, or None when absent or unreadable."""
        if not path.is_file():
            return None
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            key = db.execute("SELECT key FROM meta").fetchone()[0]
        except sqlite3.Error:
            return None
        return cls(db, key)

    def __len__(self) -> int:
        with self.lock:
            return self.db.execute("SELECT count(*) FROM items").fetchone()[0]

    def search(self, query: str, limit: int = 50, kinds: set[str] | None = None) -> list[Hit]:
        """Hits for every word of ``query`` (words split on spaces), best first."""
        words = [w for w in re.split(r"[\s\u3000]+", query.strip()) if w]
        if not words:
            return []
        short = any(len(w) < 3 for w in words)
        with self.lock:
            if short:  # trigram cannot match 1–2 characters: scan with LIKE, rank by where the words occur
                like = "LIKE ? ESCAPE '\\'"
                cond = " AND ".join(f"(label {like} OR quote {like} OR body {like})" for _ in words)
                args = [f"%{_like(w)}%" for w in words for _ in range(3)]
                sql = f"SELECT iri, kind, label, quote, body, agency, doc FROM items WHERE {cond}"
                found = [(r, _like_score(r, words)) for r in self.db.execute(sql, args)]
            else:
                match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
                sql = ("SELECT iri, kind, label, quote, body, agency, doc, bm25(items, ?, ?, ?, ?, ?) FROM items "
                       "WHERE items MATCH ?")
                found = [(r[:7], r[7]) for r in self.db.execute(sql, (*WEIGHTS, match))]
        hits = [Hit(r[0], r[1], r[2], _snippet(r, words), r[5], r[6], s) for r, s in found
                if kinds is None or r[1] in kinds]
        # bm25 is lower for better matches; a name holding the words outranks every body-text match
        hits.sort(key=lambda h: (not all(w in h.label for w in words), h.score, KIND_RANK.get(h.kind, 9),
                                 len(h.label), h.iri))
        return hits[:limit]


def _like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_score(row: tuple, words: list[str]) -> float:
    """Lower is better, as bm25: occurrences in the label weigh 10, the quote 3, the body 1."""
    label, quote, body = row[2], row[3], row[4]
    n = sum(10 * label.count(w) + 3 * quote.count(w) + body.count(w) for w in words)
    return -n / (1 + len(label) / 40)


def _snippet(row: tuple, words: list[str], width: int = 60) -> str:
    """The first place a word occurs in the quote or the body, with some context ("" when only the name has it)."""
    if all(w in row[2] for w in words):
        return ""
    for text in (row[3], row[4]):
        pos = min((text.find(w) for w in words if w in text), default=-1)
        if pos >= 0:
            start = max(0, pos - width // 3)
            return ("…" if start else "") + text[start:start + width] + ("…" if start + width < len(text) else "")
    return ""


_LOCK = threading.Lock()
_OPEN: dict[str, SearchIndex] = {}


def cache_path(store: Store) -> Path | None:
    """``<store>.search.sqlite`` beside an on-disk store; None for a store in memory."""
    return store.path.with_name(store.path.name + ".search.sqlite") if store.path is not None else None


def search_index(store: Store) -> SearchIndex:
    """The index of ``store``: reused while the store's fingerprint holds, rebuilt (and re-cached) otherwise."""
    key = fingerprint(store)
    path = cache_path(store)
    slot = str(path) if path is not None else f"mem:{id(store)}"
    with _LOCK:
        idx = _OPEN.get(slot)
        if idx is not None and idx.key == key:
            return idx
        idx = SearchIndex.open(path) if path is not None else None
        if idx is None or idx.key != key:
            try:
                idx = SearchIndex.build(store, key, path)
            except (OSError, sqlite3.Error):  # beside a read-only store: keep it in memory
                idx = SearchIndex.build(store, key, None)
        _OPEN[slot] = idx
        return idx


def search(store: Store, query: str, limit: int = 50, kinds: set[str] | None = None) -> list[Hit]:
    return search_index(store).search(query, limit, kinds)
