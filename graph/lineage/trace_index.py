"""The persistent trace index: every plan's and every agency's trace answer, precomputed after a build.

``keifu trace`` / ``/trace`` need the whole lineage index in memory (tens of seconds to load at 10⁶ quads) and
then build every row of the answer. Here the rows are computed once, at the end of a build, from the lineage index
the build has just loaded for :func:`keifu.graph.lineage.materialise`, and kept in an SQLite file beside the
store (:data:`INDEX_FILE`): one row per (plan or agency, traced node) in the answer's order, with its JSON, its
evidence and its CSV line, plus the names plans and agencies are found by. A page is then one range lookup on
the primary key; the full answer is read page by page and streamed.

Why SQLite beside the store rather than a named graph: a page of a named graph needs a SPARQL query that sorts or
filters the subject's rows (the rows are opaque JSON either way), and the Python facade reads every term; a
clustered key (subject, position) gives the page by a B-tree range read, and the file opens in under a
millisecond with nothing to load (measured: bench/bench_trace.py prints both).

Never stale: the file is stamped with the build it was made by (a unique id in the store's build state,
keifu-build.json) and the lineage digest :func:`materialise` wrote; a reader refuses a file whose stamp differs
from the store's (:class:`StaleIndex`), and the caller answers from the live lineage index instead.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import sqlite3
import time
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from keifu.extract.errors import KeifuError
from keifu.extract.plan_register import register_file

from ..attribution import Attribution, attribute, plan_hops, policy_fields
from ..plan_lookup import describe
from ..store import Store, build_state
from ..vocab import KF
from . import LineageIndex, Step, _rows, curie, index_for, stored_digest, target_classes, traced_classes
from .agency_trace import agency_trace
from .trace import (
    CSV_HEAD,
    INDICATOR,
    AmbiguousName,
    Candidate,
    NameNotFound,
    TraceRow,
    _keys,
    _names,
    csv_cells_of,
    match_names,
    node_facts,
    plan_nodes,
    plan_rows,
    query_keys,
    read_all_targets,
)

__all__ = ["INDEX_FILE", "Page", "StaleIndex", "TraceIndex", "build_index", "index_path", "reuse_attributions",
           "update_index"]

#: The file beside the store's own files.
INDEX_FILE = "keifu-trace.sqlite"
#: Bumped when the layout or the content of rows changes: an older file is rebuilt, never read.
FORMAT = "8"
AGENCY = str(KF.Agency)
_SEP = "\x1f"
#: raw deflate with a 2 KiB window: a row is ~1 KiB, and setting up a full window is half of compress's time;
#: level 1 makes rows as small as level 6 (measured) in two thirds of the time
_WBITS = -11


class StaleIndex(KeifuError):
    """The trace index is missing, of another format, or was made by another build than the store's."""

    def __init__(self, why_en: str, why_ja: str) -> None:
        super().__init__(f"the trace index is not current: {why_en}", f"追跡索引が最新ではありません: {why_ja}")


def index_path(store_path: Path | str) -> Path:
    return Path(store_path) / INDEX_FILE


def build_stamp(store_path: Path | str | None) -> str:
    """The build an index belongs to: the id of the store's last build (its start time in a store built before
    builds had ids; empty when none is recorded)."""
    st = build_state(store_path)
    return st.get("build") or st.get("started", "")


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE names (grp TEXT NOT NULL, node TEXT NOT NULL, label TEXT NOT NULL, name TEXT NOT NULL,
                    keys TEXT NOT NULL, cls TEXT NOT NULL, agency TEXT);
CREATE TABLE subjects (subject TEXT PRIMARY KEY, iri TEXT NOT NULL, label TEXT NOT NULL, cls TEXT NOT NULL,
                       kind TEXT, edition INTEGER, agency INTEGER NOT NULL, first INTEGER NOT NULL,
                       rows INTEGER NOT NULL, totals TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE rows (id INTEGER PRIMARY KEY, node TEXT NOT NULL, ind INTEGER NOT NULL, dflt INTEGER NOT NULL,
                   agency TEXT, head BLOB NOT NULL, ev TEXT NOT NULL, dep INTEGER NOT NULL, att TEXT NOT NULL);
CREATE TABLE depsets (id INTEGER PRIMARY KEY, keys TEXT NOT NULL UNIQUE);
CREATE TABLE steps (id INTEGER PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE fps (key TEXT PRIMARY KEY, fp TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE deps (key TEXT NOT NULL, subject TEXT NOT NULL, PRIMARY KEY (key, subject)) WITHOUT ROWID;
CREATE TABLE graphs (name TEXT PRIMARY KEY, digest TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE attributions (plan TEXT PRIMARY KEY, deps TEXT NOT NULL, data BLOB NOT NULL);
"""


@dataclass(slots=True)
class IndexReport:
    subjects: int
    rows: int
    seconds: float
    bytes: int

    def line(self) -> str:
        return (f"追跡索引 / trace index: {self.subjects} 件の計画・法人 / plans and agencies, {self.rows} 行 / rows, "
                f"{self.bytes / 1e6:.1f} MB in {self.seconds:.2f} s")


def _agency_key(iri: str, label: str) -> str:
    """An agency's answer names the agency by the label it was found by: one subject per (agency, label)."""
    return f"{iri}\t{label}"


def _csv_lines(rows: Iterable[list[object]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


#: the header line of the trace CSV
CSV_HEAD_LINE = _csv_lines([CSV_HEAD])


class _Writer:
    """Rows as stored: numbered in the answer's order, one subject's rows a range of ids (a page is a range read
    of the table's own B-tree, no second index, and a row is no key: large rows stay on their page); the JSON
    of a row without its evidence, compressed (labels and chains repeat within a row and compress ~2×); its
    steps as ids of a table where each distinct step is kept once (the steps near the plans are shared by every
    row under them: ~30× fewer than the rows' steps on the corpus). Each answer also records the inputs it was
    made from (:class:`_Inputs`), so that a later build recomputes only the answers whose inputs changed."""

    def __init__(self, conn: sqlite3.Connection, idx: LineageIndex, inputs: _Inputs) -> None:
        self.conn, self.idx, self.inputs = conn, idx, inputs
        self.steps: dict[tuple[object, ...], int] = {}
        for sid, text in conn.execute("SELECT id, json FROM steps"):  # an index being updated: its steps are kept
            self.steps[tuple(json.loads(text).values())] = sid
        self.next = (conn.execute("SELECT MAX(id) FROM rows").fetchone()[0] or 0) + 1
        self.depsets: dict[str, int] = {text: sid for sid, text in conn.execute("SELECT id, keys FROM depsets")}
        self.dep_keys: dict[int, set[str]] = {}

    def step_of(self, s: Step) -> int:
        """The id of a step, stored on first sight; keyed by the values of its JSON (:meth:`Step.as_dict`'s order),
        built from the step without building the dict (most steps recur: those near the plans in every row)."""
        key = (s.lower, s.higher, curie(s.prop), s.evidence, s.quote, s.file, s.page, s.line, s.last_line, s.note)
        sid = self.steps.get(key)
        if sid is None:
            sid = self.steps[key] = len(self.steps) + 1
            self.conn.execute("INSERT INTO steps VALUES (?,?)", (sid, json.dumps(s.as_dict(), ensure_ascii=False)))
        return sid

    def drop(self, keys: Iterable[str]) -> dict[str, dict[str, tuple]]:  # type: ignore[type-arg]
        """Remove stored answers (and what they were made from) before they are written anew or vanish; their rows
        by node (as stored: the rows of an answer whose inputs did not change are kept, see :meth:`subject`)."""
        old: dict[str, dict[str, tuple]] = {}  # type: ignore[type-arg]
        for key in keys:
            row = self.conn.execute("SELECT first, rows FROM subjects WHERE subject = ?", (key,)).fetchone()
            if row is None:
                continue
            span = (row[0], row[0] + row[1])
            old[key] = {r[0]: r for r in self.conn.execute(
                "SELECT node, ind, dflt, agency, head, ev, dep, att FROM rows WHERE id >= ? AND id < ?", span)}
            self.conn.execute("DELETE FROM rows WHERE id >= ? AND id < ?", span)
            self.conn.execute("DELETE FROM subjects WHERE subject = ?", (key,))
            self.conn.execute("DELETE FROM deps WHERE subject = ?", (key,))
        return old

    def depset(self, keys: set[str]) -> int:
        """The id of a set of keys a row depends on (rows share few distinct sets: their document's and above)."""
        text = _SEP.join(sorted(keys))
        sid = self.depsets.get(text)
        if sid is None:
            sid = self.depsets[text] = len(self.depsets) + 1
            self.conn.execute("INSERT INTO depsets VALUES (?,?)", (sid, text))
            self.dep_keys[sid] = keys
        return sid

    def encode(self, r: TraceRow) -> tuple:  # type: ignore[type-arg]
        """A row as stored (without its id): node, indicator flag, default flag, agency, compressed JSON, step ids,
        the id of the keys it depends on, its attribution."""
        ev = ",".join(str(self.step_of(s)) for s in r.steps)
        head = json.dumps(r.as_dict(evidence=False), ensure_ascii=False)[:-1]  # "{…" without "}": the evidence follows
        used = {r.node, *(n for s in r.steps for n in (s.lower, s.higher, s.evidence) if n)}
        if r.attribution is not None:
            used.update(n for n in (r.attribution.anchor, r.attribution.cited, r.attribution.inherited) if n)
        return (r.node, int(INDICATOR in self.idx.types.get(r.node, ())), int(r.default), r.agency,
                zlib.compress(head.encode(), 1, _WBITS), ev, self.depset(self.inputs.above_all(used)),
                _att_text(r.attribution))

    def subject(self, key: str, iri: str, label: str, cls: str, kind: str | None, edition: int | None,
                agency: bool, rows: list[TraceRow | tuple], seeds: Iterable[str] = ()) -> int:  # type: ignore[type-arg]
        """Store one answer (none when the key is already stored): its rows, each a TraceRow or a row as stored
        before, and the keys of its inputs; the rows stored."""
        if self.conn.execute("SELECT 1 FROM subjects WHERE subject = ?", (key,)).fetchone():
            return 0
        out = [r if isinstance(r, tuple) else self.encode(r) for r in rows]
        self.conn.execute("INSERT INTO subjects VALUES (?,?,?,?,?,?,?,?,?,?)",
                          (key, iri, label, cls, kind, edition, int(agency), self.next, len(out), _totals(out)))
        self.conn.executemany("INSERT INTO rows VALUES (?,?,?,?,?,?,?,?,?)",
                              [(self.next + i, *r) for i, r in enumerate(out)])
        self.next += len(out)
        used = self.inputs.above_all({iri, *seeds})
        for dep in {r[6] for r in out}:
            used |= self.keys(dep)
        self.conn.executemany("INSERT OR IGNORE INTO deps VALUES (?,?)", [(k, key) for k in sorted(used)])
        return len(out)

    def keys(self, dep: int) -> set[str]:
        """The keys of a stored set (:meth:`depset`)."""
        hit = self.dep_keys.get(dep)
        if hit is None:
            (text,) = self.conn.execute("SELECT keys FROM depsets WHERE id = ?", (dep,)).fetchone()
            hit = self.dep_keys[dep] = set(text.split(_SEP)) if text else set()
        return hit


def _att_text(a: Attribution | None) -> str:
    return "" if a is None else f"{a.kind}\t{a.anchor}\t{a.cited}\t{a.relevance}\t{a.inherited}"


def _totals(rows: list[tuple]) -> str:  # type: ignore[type-arg]
    """The counts of the whole answer for each choice of goals and all ("01" = indicators only, all rows): rows,
    default rows, agencies of the default rows. A page then needs no scan of the answer to count it."""
    out = {}
    for goals in (0, 1):
        for everything in (0, 1):
            kept = [r for r in rows if (goals or r[1]) and (everything or r[2])]
            out[f"{goals}{everything}"] = [len(kept), sum(r[2] for r in kept), sorted({r[3] for r in kept if r[2] and r[3]})]
    return json.dumps(out, ensure_ascii=False)


#: the key of the fingerprint of a plan's attributions (in the fps table, beside the keys of nodes)
_ATTS = "\x1eattributions "


class _Inputs:
    """What answers are made of, in keys a build can compare: a node inside a document counts as its document (a
    file's graph holds its documents whole), a citation as the node holding it, anything else (plans, laws,
    agencies) as itself. Each key has a fingerprint of everything the lineage index knows of its nodes (classes,
    labels, section numbers, edges up, citations, agency and period of a document, names and dates of a plan, the
    provenance of a node outside any document, kf:uncertain notes the closing steps write into file graphs) and
    each plan one of its attributions (kind, anchor, relevance: what decides the rows of its answer and their
    order). What the index does not hold (quotes, pages, targets of the nodes of a document) comes with the file's
    graph: a graph written with another content than the index was made from marks its documents changed.

    An answer depends on the keys of its rows, of the nodes and evidence of their steps, and on every key above
    those (an answer's paths are shortest paths up the lineage graph: a change anywhere above may change them)."""

    def __init__(self, store: Store, idx: LineageIndex) -> None:
        self.idx = idx
        self._keys: dict[str, str] = {}
        up: dict[str, set[str]] = defaultdict(set)
        parts: dict[str, list[str]] = defaultdict(list)
        for lo, hi, data in idx.graph.edges(data=True):
            k_lo, k_hi = self.key(lo), self.key(hi)
            if k_lo != k_hi:
                up[k_lo].add(k_hi)
            parts[k_lo].append(f"e\t{lo}\t{hi}\t{data['prop']}\t{data['evidence']}")
        self.up = up
        self._above: dict[str, frozenset[str]] = {}
        loose = []
        for n, kinds in idx.types.items():
            k = self.key(n)
            if k == n and n not in idx.agency_of_doc and n not in idx.period:
                loose.append(n)
            parts[k].append(repr(("n", n, sorted(kinds), idx.labels.get(n), idx.section.get(n),
                                  idx.indicator_kind.get(n), n in idx.position, sorted(idx.row_members.get(n, ())),
                                  idx.period.get(n), idx.agency_of_doc.get(n), idx.decided.get(n),
                                  sorted(idx.names.get(n, ())))))
        for (owner, target), cits in idx.citations.items():
            parts[self.key(owner)].append(repr(("c", owner, target, sorted(cits))))
        members: dict[str, list[str]] = defaultdict(list)
        for d, (ag, label) in idx.agency_of_doc.items():
            parts[ag].append(f"a\t{d}\t{label}")
            members[ag].append(d)
        self.members = members
        for n, note in store.pairs(str(KF.uncertain)):
            parts[self.key(n)].append(f"u\t{n}\t{note}")
        loose.sort()
        prov = idx.provenance(loose)  # of plans, laws, agencies: their statements may sit in any graph
        facts = describe(store, [n for n in loose if idx.is_a(n, target_classes())])
        for n in loose:
            parts[n].append(repr(("p", sorted(prov.get(n, {}).items()), facts.get(n))))
        self.fps = {k: hashlib.sha1("\n".join(sorted(v)).encode()).hexdigest() for k, v in parts.items()}

    def key(self, node: str) -> str:
        hit = self._keys.get(node)
        if hit is None:
            doc = self.idx.doc_of.get(node)
            owner = self.idx.citation_owner.get(node)
            hit = self._keys[node] = doc if doc is not None else (
                self.key(owner) if owner is not None and owner != node else node)
        return hit

    def above_all(self, nodes: Iterable[str]) -> set[str]:
        """The keys of ``nodes`` and every key above them (each key's closure worked out once)."""
        out: set[str] = set()
        for n in nodes:
            k = self.key(n)
            hit = self._above.get(k)
            if hit is None:
                hit = self._above[k] = frozenset(self.above({k}))
            out |= hit
        return out

    def above(self, keys: set[str]) -> set[str]:
        """``keys`` and every key above them."""
        seen, stack = set(keys), list(keys)
        while stack:
            for k in self.up.get(stack.pop(), ()):
                if k not in seen:
                    seen.add(k)
                    stack.append(k)
        return seen

    def plan_structure(self, plan: str) -> set[str]:
        """The plans whose citations count for ``plan`` (its own, plans under it, its series and the series'
        other editions, whose dates bound the edition's period): keys its attributions depend on as a whole."""
        idx = self.idx
        if plan not in idx.graph:
            return {plan}
        out = set(plan_hops(idx, plan))
        for s in idx.graph.successors(plan):
            if idx.graph.edges[plan, s]["prop"] == "dcterms:isVersionOf":
                out.add(s)
                out.update(e for e in idx.graph.predecessors(s) if e in idx.target_set())
        return out

    def attribution_keys(self, plan: str) -> set[str]:
        """The keys the attributions of ``plan`` were made from: their nodes, anchors, cited plans and inherited
        objectives, and the plan's structure (:meth:`plan_structure`)."""
        used = self.plan_structure(plan)
        for n, a in attribute(self.idx, plan).items():
            used.update((n, a.anchor, a.cited))
            if a.inherited:
                used.add(a.inherited)
        return {self.key(n) for n in used}

    def changed(self, conn: sqlite3.Connection, store: Store, written: Mapping[str, str]) -> set[str]:
        """Keys whose fingerprint differs from the one stored in ``conn`` (or is new, or gone), and the documents
        of the graphs written with another content than the index was made from."""
        old_fps = {k: v for k, v in conn.execute("SELECT key, fp FROM fps") if not k.startswith(_ATTS)}
        changed = {k for k in old_fps.keys() | self.fps.keys() if old_fps.get(k) != self.fps.get(k)}
        old_graphs = dict(conn.execute("SELECT name, digest FROM graphs"))
        for g in sorted(name for name, dg in written.items() if old_graphs.get(name) != dg):
            changed |= {d for (d,) in _rows(store, f"SELECT DISTINCT ?d WHERE {{ GRAPH <{g}> {{ ?n kf:inDocument ?d }} }}")}
            changed.add(g)  # a graph's own nodes outside documents (none today) count as the graph
        return changed

    def attributions(self, plans: Iterable[str]) -> dict[str, str]:
        """Plan → the fingerprint of its attributions (what materialise computed: cached in the index)."""
        out = {}
        for p in plans:
            text = "\n".join(f"{n}\t{a.kind}\t{a.relevance}\t{a.relevant}\t{a.anchor}\t{a.cited}\t{a.inherited}"
                             for n, a in sorted(self.idx.attributions(p).items()))
            out[_ATTS + p] = hashlib.sha1(text.encode()).hexdigest()
        return out


def _as_written(graphs: Mapping[str, str] | Iterable[str]) -> dict[str, str]:
    """Written graphs with their digests; a graph named without one counts as changed (digest "")."""
    return dict(graphs) if isinstance(graphs, Mapping) else dict.fromkeys(graphs, "")


def _inputs(store: Store, idx: LineageIndex) -> _Inputs:
    """The inputs of ``idx`` (worked out once per index: materialise and the index update both need them)."""
    hit = idx._memo.get(("inputs",))
    if not isinstance(hit, _Inputs):
        hit = idx._memo[("inputs",)] = _Inputs(store, idx)
    return hit


def _global_stamp() -> str:
    """What every answer depends on beyond the store: the index format, the plan register (its file, read for the
    evidence of plan-to-plan steps) and the policy fields' keywords (relevance). When it differs the index and
    every plan's attributions are computed whole."""
    fields = repr(sorted((k, sorted(v)) for k, v in policy_fields().items()))
    return hashlib.sha1(FORMAT.encode() + register_file().read_bytes() + fields.encode()).hexdigest()


def reuse_attributions(store: Store, idx: LineageIndex, written: Mapping[str, str] | Iterable[str] | None) -> int:
    """Before :func:`keifu.graph.lineage.materialise` computes attributions: put in ``idx`` those the trace index
    kept from the previous build for plans none of whose inputs changed (no key of their attributions, nothing
    newly below them, not their structure); the plans reused. Nothing is reused without the build's ``written``
    graphs, for an in-memory store, or when the index is absent, of another format or another global stamp."""
    if store.path is None or written is None:
        return 0
    written = _as_written(written)
    try:
        old = TraceIndex(index_path(store.path))
    except StaleIndex:
        return 0
    with old:
        if old.meta.get("global") != _global_stamp():
            return 0
        inputs = _inputs(store, idx)
        changed = inputs.changed(old.conn, store, written)
        kept = {p: (deps, data) for p, deps, data in old.conn.execute("SELECT plan, deps, data FROM attributions")}
    moved = inputs.above(changed)
    reused = set()
    for p in idx.plans():
        if p in moved or p not in kept:
            continue
        deps, data = kept[p]
        if changed & set(deps.split(_SEP)) or changed & {inputs.key(n) for n in inputs.plan_structure(p)}:
            continue
        idx._attributions[p] = {n: Attribution(kind, anchor, cited, relevance, inherited)
                                for n, kind, anchor, cited, relevance, inherited in json.loads(zlib.decompress(data))}
        reused.add(p)
    idx._memo[("reused",)] = reused
    return len(reused)


def _attribution_rows(inputs: _Inputs, plans: Iterable[str]) -> list[tuple[str, str, bytes]]:
    """(plan, keys it depends on, its attributions compressed) as kept for :func:`reuse_attributions`."""
    out = []
    for p in plans:
        atts = attribute(inputs.idx, p)
        data = json.dumps([[n, a.kind, a.anchor, a.cited, a.relevance, a.inherited] for n, a in sorted(atts.items())],
                          ensure_ascii=False)
        out.append((p, _SEP.join(sorted(inputs.attribution_keys(p))), zlib.compress(data.encode(), 1)))
    return out


def build_index(store: Store, idx: LineageIndex | None = None, path: Path | None = None,
                written: Mapping[str, str] | None = None) -> IndexReport:
    """Write the trace index of ``store`` (to ``path``, by default beside the store) from its lineage index: the
    answer of every plan and every agency with every traced class, relevant or not, with evidence. Written to a
    temporary file and renamed: readers see the old file or the new one. ``written`` (graph name → digest of the
    content written, :func:`keifu.graph.build.graph_digest`) is kept for the next build's comparison."""
    return _write(store, idx or index_for(store), path, written or {}, None)


def _write(store: Store, idx: LineageIndex, path: Path | None, written: Mapping[str, str],
           old: Path | None) -> IndexReport:
    """Write the index anew, or (``old``: the current index file) only the answers whose inputs changed."""
    t0 = time.perf_counter()
    if path is None:
        if store.path is None:
            raise ValueError("an in-memory store has no place for a trace index; give a path")
        path = index_path(store.path)
    for left in path.parent.glob(path.name + ".*.tmp"):  # of a build that was killed while writing the index
        left.unlink(missing_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    if old is not None:
        shutil.copyfile(old, tmp)
    conn = sqlite3.connect(tmp)
    try:
        conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + ("" if old else _SCHEMA))
        n_rows, n_subjects = _fill(conn, store, idx, written, incremental=old is not None)
        conn.commit()
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise
    conn.close()
    os.replace(tmp, path)
    return IndexReport(n_subjects, n_rows, time.perf_counter() - t0, path.stat().st_size)


def _fill(conn: sqlite3.Connection, store: Store, idx: LineageIndex, written: Mapping[str, str],
          incremental: bool) -> tuple[int, int]:
    """(rows, answers) written into ``conn``: every answer, or (``incremental``) those whose inputs changed."""
    classes = sorted({INDICATOR} | traced_classes())
    plans = idx.plans()
    inputs = _inputs(store, idx)
    reused = idx._memo.get(("reused",), set()) if incremental else set()
    old_fps = dict(conn.execute("SELECT key, fp FROM fps")) if incremental else {}
    fps = {**inputs.fps, **{_ATTS + p: old_fps[_ATTS + p] for p in reused if _ATTS + p in old_fps},  # type: ignore[union-attr]
           **inputs.attributions(p for p in plans if p not in reused)}  # type: ignore[operator]
    agencies = {_agency_key(ag, label): (ag, label) for ag, label in set(idx.agency_of_doc.values())}
    wanted = set(plans) | set(agencies)
    todo = wanted
    if incremental:
        changed = inputs.changed(conn, store, written)
        changed |= {k for k in old_fps.keys() | fps.keys() if k.startswith(_ATTS) and old_fps.get(k) != fps.get(k)}
        stored = {k for (k,) in conn.execute("SELECT subject FROM subjects")}
        hit = {s for (s,) in conn.execute("SELECT DISTINCT subject FROM deps WHERE key IN (SELECT value FROM "
                                          "json_each(?))", (json.dumps(sorted(changed)),))}
        hit |= {p[len(_ATTS):] for p in changed if p.startswith(_ATTS)}
        todo = (wanted - stored) | (hit & wanted)
        writer = _Writer(conn, idx, inputs)
        old_rows = writer.drop((stored - wanted) | (stored & todo))
        conn.execute("DELETE FROM names")
        conn.execute("DELETE FROM meta")
        conn.execute("DELETE FROM fps")
        conn.execute("DELETE FROM attributions WHERE plan NOT IN (SELECT value FROM json_each(?))",
                      (json.dumps(sorted(reused)),))  # type: ignore[arg-type]
    else:
        writer = _Writer(conn, idx, inputs)
        changed, old_rows = set(), {}
    names = [("plan", n, label, name) for n, label, name in _names(idx, target_classes())]
    names += [("agency", n, label, name) for n, label, name in _names(idx, {AGENCY})]
    conn.executemany("INSERT INTO names VALUES (?,?,?,?,?,?,?)", [
        (g, n, label, name, _SEP.join(sorted(_keys(name))), *node_facts(idx, n)) for g, n, label, name in names])
    n_rows = 0
    if len(todo - old_rows.keys()) > len(wanted) // 4:  # most answers new: their evidence is most of the provenance
        idx.read_all_provenance()
        read_all_targets(idx)
    todo_plans = [p for p in plans if p in todo]
    facts = describe(store, todo_plans)
    n_fresh = 0
    for p in todo_plans:
        nodes, atts = plan_nodes(idx, p, classes, everything=True)
        old = old_rows.get(p, {})
        keep = {n: old[n] for n in nodes if n in old and old[n][7] == _att_text(atts[n])
                and not changed & writer.keys(old[n][6])}
        fresh = iter(plan_rows(idx, p, [n for n in nodes if n not in keep], atts, True))
        rows = [keep[n] if n in keep else next(fresh) for n in nodes]
        n_fresh += len(nodes) - len(keep)
        kind, edition = facts.get(p, (None, None))
        n_rows += writer.subject(p, p, idx.display(p), idx.cls(p), kind, edition, False, rows)
    todo_agencies = sorted((ag, label) for key, (ag, label) in agencies.items() if key in todo)
    if todo_agencies:
        reach = {p: idx.traced_from(p) for p in plans}
        members: dict[str, list[str]] = defaultdict(list)
        for n in idx.types:
            ag = idx.agency(n)
            if ag is not None:
                members[ag[0]].append(n)
        for ag, label in todo_agencies:
            res = agency_trace(idx, Candidate(ag, label, "Agency", True), classes, True, None, reach, members[ag])
            n_rows += writer.subject(_agency_key(ag, label), ag, label, "Agency", None, None, True, res.rows,
                                     [ag, *inputs.members.get(ag, ())])
    meta = {"format": FORMAT, "build": build_stamp(store.path), "digest": stored_digest(store) or "",
            "plan_labels": json.dumps([idx.labels.get(p, "") for p in plans], ensure_ascii=False),
            "csv_head": CSV_HEAD_LINE, "global": _global_stamp(), "answers_written": str(len(todo)),
            "plan_rows_computed": str(n_fresh)}
    conn.executemany("INSERT INTO meta VALUES (?,?)", sorted(meta.items()))
    conn.executemany("INSERT INTO fps VALUES (?,?)", sorted(fps.items()))
    conn.executemany("INSERT OR REPLACE INTO graphs VALUES (?,?)", sorted(written.items()))
    conn.executemany("INSERT INTO attributions VALUES (?,?,?)",
                     _attribution_rows(inputs, [p for p in plans if p not in reused]))  # type: ignore[operator]
    return n_rows, len(todo)


def update_index(store: Store, changed: Mapping[str, str] | Iterable[str] | None = None) -> IndexReport | None:
    """After a build: bring the trace index up to date with the store, recomputing only the answers whose inputs
    changed (see :class:`_Inputs`); the result equals an index written anew. ``changed``: the file graphs the
    build wrote, each with the digest of its content (:func:`keifu.graph.build.graph_digest`; a graph named without a digest counts
    as changed). None (not known what the build wrote), no index yet, an index of another format or another
    plan register: the index is written whole. Nothing to recompute: only the stamp moves to the new build.
    None for an in-memory store."""
    if store.path is None:
        return None
    path = index_path(store.path)
    idx = index_for(store)  # the index materialise has just loaded (no second load)
    if changed is None:
        return _write(store, idx, None, {}, None)
    written = _as_written(changed)
    try:
        with TraceIndex(path) as old:
            current = old.meta.get("global") == _global_stamp()
    except StaleIndex:
        current = False
    return _write(store, idx, None, written, path if current else None)


# --------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Page:
    """A page of one subject's answer: JSON texts of the rows (or CSV lines) and the counts of the whole answer."""

    plan: Candidate
    others: list[Candidate]
    everything: bool
    total: int
    offset: int
    rows: list[str]
    default_count: int
    agencies: list[str]
    counted: int  # the rows the counts are of: this page's, or all from the offset for a stream
    last: int | None = None  # the number of the page's last row: a cursor for the next page

    def head(self, extra: dict[str, object] | None = None) -> str:
        """The answer's JSON up to its rows: ``{…, "rows": [``."""
        d = {"plan": self.plan.as_dict(), "count": self.counted,
             "all": self.everything, "default_count": self.default_count, "agencies": self.agencies,
             "also_matching": [c.as_dict() for c in self.others], **(extra or {})}
        return json.dumps(d, ensure_ascii=False)[:-1] + ', "rows": ['


class TraceIndex:
    """A read-only handle on a trace index file."""

    def __init__(self, path: Path | str) -> None:
        path = Path(path)
        if not path.is_file():
            raise StaleIndex(f"{path.name} not found (run keifu build)", f"{path.name} がありません（keifu build を実行）")
        self.path = path
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        try:
            self.meta = dict(self.conn.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as e:
            self.conn.close()
            raise StaleIndex(f"unreadable: {e}", f"読めません: {e}") from e
        if self.meta.get("format") != FORMAT:
            self.conn.close()
            raise StaleIndex(f"format {self.meta.get('format')} (expected {FORMAT})",
                             f"形式 {self.meta.get('format')}（{FORMAT} が必要）")
        self.plan_labels: list[str] = json.loads(self.meta["plan_labels"])
        self._names: dict[str, list[tuple[str, str, str, frozenset[str]]]] = {}
        self._facts: dict[str, tuple[str, str | None]] = {}
        self._steps: dict[int, str] = {}

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> TraceIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check(self, build: str, digest: str | None) -> None:
        """Raise :class:`StaleIndex` unless the index was made by this build of this lineage."""
        if self.meta.get("build") != build or self.meta.get("digest") != (digest or ""):
            raise StaleIndex(f"made by build {self.meta.get('build')!r}, the store is at {build!r}",
                             f"構築 {self.meta.get('build')!r} のもので、ストアは {build!r} です")

    # -- names ----------------------------------------------------------------------------------------

    def _entries(self, grp: str) -> list[tuple[str, str, str, frozenset[str]]]:
        hit = self._names.get(grp)
        if hit is None:
            hit = []
            for node, label, name, keys, cls, agency in self.conn.execute(
                    "SELECT node, label, name, keys, cls, agency FROM names WHERE grp = ?", (grp,)):
                hit.append((node, label, name, frozenset(keys.split(_SEP)) if keys else frozenset()))
                self._facts[node] = (cls, agency)
            self._names[grp] = hit
        return hit

    def find(self, query: str, grp: str = "plan", limit: int = 50) -> list[Candidate] | None:
        """As :func:`keifu.graph.lineage.trace.find_nodes` over plans (or agencies); None for an IRI that is no
        subject of the index (the live index may still know it)."""
        query = query.strip()
        if query.startswith(("http://", "https://")):
            row = self.conn.execute("SELECT label, cls FROM subjects WHERE subject = ?", (query,)).fetchone()
            return [Candidate(query, row[0], row[1], True)] if row else None
        keys = query_keys(query, self.plan_labels)
        if not keys:
            return []
        entries = self._entries(grp)
        return match_names(keys, entries, lambda n: self._facts[n], limit)

    def resolve(self, query: str) -> Candidate | None:
        """As :func:`keifu.graph.lineage.trace.resolve`; None when the index cannot tell (an IRI it lacks)."""
        cands = self.find(query, "plan", 10_000)
        if cands is None:
            return None
        if not cands and not query.startswith(("http://", "https://")):
            cands = self.find(query, "agency", 10_000) or []
        if not cands:
            raise NameNotFound(query, "national plan")
        exact = [c for c in cands if c.exact]
        pool = exact or cands
        facts = self._kinds([c.iri for c in pool[:50]])
        if len(pool) > 1:
            raise AmbiguousName(query, [replace(c, kind=facts.get(c.iri, (None, None))[0],
                                                edition=facts.get(c.iri, (None, None))[1]) for c in pool])
        kind, edition = facts.get(pool[0].iri, (None, None))
        return replace(pool[0], kind=kind, edition=edition)

    def _kinds(self, iris: list[str]) -> dict[str, tuple[str | None, int | None]]:
        out: dict[str, tuple[str | None, int | None]] = {}
        for i in iris:
            row = self.conn.execute("SELECT kind, edition FROM subjects WHERE subject = ?", (i,)).fetchone()
            out[i] = (row[0], row[1]) if row else (None, None)
        return out

    # -- rows -----------------------------------------------------------------------------------------

    def subject(self, cand: Candidate) -> tuple[tuple[int, int], dict[str, list]] | None:  # type: ignore[type-arg]
        """The ids (first, past the last) of the rows of the answer a resolved candidate asks for and the counts of
        the whole answer (see :func:`_totals`), or None when the index holds no such answer."""
        key = _agency_key(cand.iri, cand.label) if cand.cls == "Agency" else cand.iri
        row = self.conn.execute("SELECT first, rows, totals FROM subjects WHERE subject = ?", (key,)).fetchone()
        return ((row[0], row[0] + row[1]), json.loads(row[2])) if row else None

    @staticmethod
    def _where(goals: bool, everything: bool) -> str:
        return "id >= ? AND id < ?" + ("" if goals else " AND ind = 1") + ("" if everything else " AND dflt = 1")

    def rows(self, span: tuple[int, int], goals: bool, everything: bool, evidence: bool, offset: int = 0,
             limit: int | None = None, fmt: str = "json", after: int | None = None) -> list[tuple[str, int, str, int]]:
        """(JSON text or CSV line, default flag, agency, id) of the rows of a page, in the answer's order: from
        ``offset``, or (a cursor, no rows skipped one by one) after the row numbered ``after``."""
        if after is not None:
            span, offset = (max(span[0], after + 1), span[1]), 0
        sql = (f"SELECT head, ev, dflt, agency, id FROM rows WHERE {self._where(goals, everything)} ORDER BY id "
               "LIMIT ? OFFSET ?")
        found = self.conn.execute(sql, (*span, -1 if limit is None else limit, offset)).fetchall()
        steps = self._step_texts({int(i) for _, ev, *_ in found if evidence and ev for i in ev.split(",")})
        texts = [zlib.decompress(head, _WBITS).decode() + ', "evidence": ['
                 + (",".join(steps[int(i)] for i in ev.split(",")) if evidence and ev else "") + "]}"
                 for head, ev, *_ in found]
        if fmt == "csv":
            texts = [_csv_lines([csv_cells_of(json.loads(t))]) for t in texts]
        return [(t, dflt, agency, i) for t, (_, _, dflt, agency, i) in zip(texts, found, strict=True)]

    def _step_texts(self, ids: set[int]) -> dict[int, str]:
        """Steps by id, kept once read (the steps near the plans recur on every page)."""
        todo = sorted(i for i in ids if i not in self._steps)
        for chunk in (todo[k:k + 500] for k in range(0, len(todo), 500)):
            marks = ",".join("?" * len(chunk))
            self._steps.update(self.conn.execute(f"SELECT id, json FROM steps WHERE id IN ({marks})", chunk))
        return self._steps

    def window(self, span: tuple[int, int], goals: bool, everything: bool, offset: int = 0,
               limit: int | None = None) -> tuple[int, int, list[str]]:
        """(rows, default rows and agencies of default rows from ``offset``, at most ``limit`` of them): the counts
        of the rows an answer returns, as trace(offset=…, limit=…) gives them."""
        where = self._where(goals, everything)
        window = f"SELECT dflt, agency FROM rows WHERE {where} ORDER BY id LIMIT ? OFFSET ?"
        args = (*span, -1 if limit is None else limit, offset)
        n, d = self.conn.execute(f"SELECT COUNT(*), COALESCE(SUM(dflt), 0) FROM ({window})", args).fetchone()
        ags = [a for (a,) in self.conn.execute(
            f"SELECT DISTINCT agency FROM ({window}) WHERE dflt = 1 AND agency IS NOT NULL AND agency != ''", args)]
        return n, d, sorted(ags)

    def page(self, plan: str, goals: bool = False, everything: bool = False, evidence: bool = True,
             offset: int = 0, limit: int | None = None, fmt: str = "json", counted: int | None | str = "page",
             after: int | None = None) -> Page | None:
        """A page of the answer to ``plan`` (name or IRI); None when the index cannot answer it (the live index
        must). Raises AmbiguousName / NameNotFound as :func:`keifu.graph.lineage.trace.trace` does. The counts
        are of the page, or with ``counted`` of that many rows from ``offset`` (None: to the end, for a stream).
        ``after`` (the ``last`` of the previous page) reads on from there without skipping rows one by one."""
        cand = self.resolve(plan)
        if cand is None:
            return None
        found = self.subject(cand)
        if found is None:
            return None
        span, totals = found
        others: list[Candidate] = []
        if cand.cls != "Agency" and not plan.startswith("http"):
            others = [c for c in (self.find(plan) or []) if c.iri != cand.iri][:20]
        rows = self.rows(span, goals, everything, evidence, offset, limit, fmt, after)
        total, whole_d, whole_ags = totals[f"{int(goals)}{int(everything)}"]
        if counted == "page":  # the counts of the rows returned
            n, dflt, ags = len(rows), sum(r[1] for r in rows), sorted({r[2] for r in rows if r[1] and r[2]})
        elif counted is None and offset == 0 and after is None:  # the whole answer
            n, dflt, ags = total, whole_d, whole_ags
        else:
            n, dflt, ags = self.window(span, goals, everything, offset, counted)  # type: ignore[arg-type]
        return Page(cand, others, everything and cand.cls != "Agency", total, offset, [r[0] for r in rows], dflt,
                    ags, n, rows[-1][3] if rows else None)
