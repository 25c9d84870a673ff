"""Build: files → extraction → one named graph each → SHACL → store.

A file that fails to read or is of no known kind is reported with its name and the rest of
the batch goes on; its previously stored graph is left as it was.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from keifu import cpus
from keifu.extract.errors import KeifuError
from keifu.extract.limits import cap_memory
from keifu.extract.pipeline import ExtractedFile, extract_file

from .emit import doc_prefix, emit_file
from .emit.evaluation import PlanLinkReport, link_plans
from .emit.policy import link_across
from .store import Store
from .validate import ValidationResult, shapes_graph, validate_graph
from .vocab import KF

#: Extensions picked up when a folder is given (files named explicitly are always read).
INPUT_SUFFIXES = {".txt", ".text", ".pdf"}


@dataclass(slots=True)
class DocSummary:
    number: int
    kind: str
    agency: str | None
    title: str | None
    objectives: int
    citations: int
    first_line: int
    last_line: int
    violations: int = 0
    warnings: int = 0
    #: nodes per kf class written in this document (kf:inDocument), other than objectives
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class FileResult:
    path: Path
    error: str | None = None
    documents: list[DocSummary] = field(default_factory=list)
    triples: int = 0
    results: list[ValidationResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def violations(self) -> int:
        return sum(1 for r in self.results if r.severity == "Violation")

    @property
    def warnings(self) -> int:
        return sum(1 for r in self.results if r.severity == "Warning")


def expand_inputs(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given, folders expanded to their documents (sorted, so builds are repeatable).

    Nothing is skipped without a word: a folder that cannot be listed and a link to nothing are inputs too,
    so the build reports them by name (reading them fails with the reason) instead of leaving them out."""
    out: list[Path] = []
    for p in map(Path, paths):
        out.extend(_documents_in(p) if p.is_dir() else [p])
    return out


def _documents_in(folder: Path) -> list[Path]:
    found: list[Path] = []

    def unreadable(e: OSError) -> None:  # a folder os.walk cannot list
        found.append(Path(str(e.filename)))

    for top, dirs, names in os.walk(folder, onerror=unreadable):
        dirs.sort()
        for n in names:
            f = Path(top) / n
            if f.suffix.lower() in INPUT_SUFFIXES and (f.is_file() or (f.is_symlink() and not f.exists())):
                found.append(f)
    return sorted(found)


def summarize(ef: ExtractedFile) -> list[DocSummary]:
    lines = ef.source.lines
    return [
        DocSummary(
            number=d.number, kind=d.segment.kind, agency=d.facts.agency, title=d.segment.title,
            objectives=len(d.headings), citations=len(d.citations),
            first_line=lines[d.segment.start].no if lines else 0,
            last_line=lines[d.segment.end - 1].no if lines else 0,
        )
        for d in ef.documents
    ]


#: Classes whose per-document counts are also split by a code-list property.
SPLIT_COUNTS = {KF.Indicator: KF.indicatorKind}


def _count_nodes(res: FileResult, graph: Graph, prefix: str) -> None:
    """Nodes of each kf class per document, read from the graph so plug-in parsers are counted too."""
    for d in res.documents:
        doc = URIRef(f"{prefix}{d.number}")
        counts: dict[str, int] = {}
        for node in graph.subjects(KF.inDocument, doc):
            for cls in graph.objects(node, RDF.type):
                name = str(cls).removeprefix(str(KF))
                if name != "Objective":
                    counts[name] = counts.get(name, 0) + 1
                split = SPLIT_COUNTS.get(cls)
                for code in graph.objects(node, split) if split is not None else ():  # Indicator.monitoring
                    key = f"{name}.{str(code).rsplit('/', 1)[-1]}"
                    counts[key] = counts.get(key, 0) + 1
        d.counts = dict(sorted(counts.items()))


def _count_by_document(res: FileResult, prefix: str) -> None:
    """Attribute each result to the document whose IRI contains its focus node (shared nodes: the first)."""
    by_no = {d.number: d for d in res.documents}
    for r in res.results:
        m = re.match(re.escape(prefix) + r"(\d+)", r.focus)
        d = by_no.get(int(m.group(1))) if m else (res.documents[0] if res.documents else None)
        if d is None:
            continue
        if r.severity == "Violation":
            d.violations += 1
        elif r.severity == "Warning":
            d.warnings += 1


def process_file(path: Path, validate: bool = True) -> tuple[FileResult, Graph | None, bytes | None]:
    """Extract, emit and validate one file (no store): the result, the graph and its N-Triples (what the store
    loads). Errors are returned in the result, never raised."""
    t0 = time.perf_counter()
    res = FileResult(path)
    graph: Graph | None = None
    nt: bytes | None = None
    try:
        ef = extract_file(path)
        graph = emit_file(ef)
        res.documents = summarize(ef)
        _count_nodes(res, graph, doc_prefix(ef.source.name))
        res.triples = len(graph)
        nt = graph.serialize(format="nt", encoding="utf-8")
        if validate:
            _, res.results, _ = validate_graph(graph, ntriples=nt)
            _count_by_document(res, doc_prefix(ef.source.name))
    except KeifuError as e:
        res.error = e.describe()
    except FileNotFoundError as e:
        res.error = f"{path}: ファイルがありません / file not found ({e.strerror})"
    except Exception as e:  # noqa: BLE001 - one bad file must not stop the batch or touch the store
        res.error = (f"{path}: 処理中に内部エラーが発生しました（ストアは変更されていません） / "
                     f"internal error while processing (store unchanged): {type(e).__name__}: {e}")
    if res.error is not None:  # nothing of a failed file reaches the store
        graph = nt = None
    res.seconds = time.perf_counter() - t0
    return res, graph, nt


def graph_digest(nt: bytes) -> str:
    """A file graph's content as written (N-Triples, in any order): what tells the trace index a graph rewritten
    with the same content from a changed one."""
    return hashlib.sha1(b"".join(sorted(nt.splitlines(keepends=True)))).hexdigest()


def _store(res: FileResult, name: str, nt: bytes, store: Store) -> None:
    """Put one file's graph (N-Triples) in the store; a failure is recorded in ``res``, the store is unchanged."""
    try:
        store.store_file_graph(name, nt)
    except KeifuError as e:
        res.error = e.describe()


def _worker(job: tuple[Path, bool]) -> tuple[FileResult, str | None, bytes | None]:
    """Runs in a worker process: the graph travels back as N-Triples."""
    res, graph, nt = process_file(*job)
    return res, (str(graph.identifier) if graph is not None else None), nt


def _jobs(jobs: int | None, files: int) -> int:
    if jobs is None:
        jobs = cpus()
    return max(1, min(jobs, files))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


#: Needed only after the files (with networkx, a tenth of a second to import): imported while the workers run.
LINEAGE_MODULE = "keifu.graph.lineage"
TRACE_INDEX_MODULE = "keifu.graph.lineage.trace_index"
REGISTER_MODULE = "keifu.graph.plan_register"


def _import_meanwhile(name: str) -> threading.Thread:
    """Import ``name`` in a thread while this process waits for its workers; ``import_module`` later finds it
    imported (or raises its error once, in the caller). Start it only after the last fork, and join it
    before the caller's code runs again (which might fork): a fork during an import could leave the child
    holding the import lock."""
    def run() -> None:
        with suppress(Exception):  # the caller's own import_module reports it
            import_module(name)

    thread = threading.Thread(target=run, name=f"import {name}", daemon=True)
    thread.start()
    return thread


def _init_worker(memory: int, parent: int) -> None:
    """Cap a worker's memory (see ``cap_memory``) and end it with its build: a build killed outright (SIGKILL,
    the OOM killer) cannot stop its workers, which would otherwise wait forever on the pool's queue."""
    cap_memory(memory)
    if sys.platform.startswith("linux"):
        with suppress(Exception):  # no prctl: the worker simply outlives a killed build, as before
            import ctypes

            ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: SIGTERM when the parent exits
    if os.getppid() != parent:  # the build died before the signal was asked for
        os._exit(1)


def _in_workers(files: list[Path], store: Store | None, validate: bool, n_jobs: int,
                memory: int = 0, written: dict[str, str] | None = None) -> Iterator[FileResult]:
    """Process ``files`` in worker processes, largest first so a long file does not start last; store each
    graph as it arrives and yield the results in input order."""
    if validate:
        shapes_graph()  # load once in the parent; forked workers inherit it
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    done: dict[int, FileResult] = {}
    writes = _Writes(store, done, written)
    lost: list[int] = []  # files whose worker died: retried alone, so the one that kills its worker is named
    accept = writes.accept

    # each worker may grow by ``memory`` bytes: past it, a file fails alone with MemoryError, or its worker is
    # ended by a native library that cannot allocate (the read caps of keifu.extract.limits are inherited by
    # the forked workers)
    with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx, initializer=_init_worker, initargs=(memory, os.getpid())) as pool:
        order = sorted(range(len(files)), key=lambda i: -_size(files[i]))
        pending = {pool.submit(_worker, (files[i], validate)): i for i in order}
        importing = _import_meanwhile(LINEAGE_MODULE)  # every worker is forked by now (fork pools start all)
        nxt = 0
        for fut in as_completed(pending):
            i = pending[fut]
            try:
                accept(i, *fut.result())
            except BrokenProcessPool:  # a worker died: every file still in the pool fails with it
                lost.append(i)
                continue
            writes.flush_if_due()
            if nxt in done:
                importing.join()  # before the caller's code runs (usually long finished: 0.1 s of ~1 s)
            while nxt in done:
                yield done.pop(nxt)
                nxt += 1
        writes.flush()
        importing.join()  # before the caller's code runs
        while nxt in done:
            yield done.pop(nxt)
            nxt += 1
    importing.join()  # no fork during an import
    for i in sorted(lost):
        accept(i, *_alone(files[i], validate, ctx, memory))
        writes.flush()
        while nxt in done:
            yield done.pop(nxt)
            nxt += 1


class _Writes:
    """Graphs arriving from the workers, stored a batch at a time (:meth:`Store.store_many`): a store write has a
    fixed cost, so a build of many files stores them together rather than each alone. A batch is written once
    it holds :data:`BATCH_BYTES` or its oldest graph has waited :data:`BATCH_SECONDS` (the progress shown stays
    close to the work done); a file's result is reported (put in ``done``) only once its graph is stored."""

    BATCH_BYTES = 64 << 20
    BATCH_SECONDS = 2.0

    def __init__(self, store: Store | None, done: dict[int, FileResult], written: dict[str, str] | None = None) -> None:
        self.store, self.done = store, done
        self.written = written if written is not None else {}  # graph name → digest of the content stored
        self.stored: dict[str, int] = {}  # graph name → input index stored: a later input wins, as in input order
        self.waiting: dict[str, tuple[int, FileResult, bytes]] = {}
        self.size, self.since = 0, 0.0

    def accept(self, i: int, res: FileResult, name: str | None, nt: bytes | None) -> None:
        if self.store is None or name is None or nt is None or max(
                self.stored.get(name, -1), self.waiting.get(name, (-1,))[0]) > i:
            self.done[i] = res
            return
        if name in self.waiting:  # an earlier input of the same graph: replaced by this one, as if stored first
            j, earlier, old = self.waiting.pop(name)
            self.done[j] = earlier
            self.size -= len(old)
        if not self.waiting:
            self.since = time.perf_counter()
        self.waiting[name] = (i, res, nt)
        self.size += len(nt)

    def flush_if_due(self) -> None:
        if self.waiting and (self.size >= self.BATCH_BYTES or time.perf_counter() - self.since >= self.BATCH_SECONDS):
            self.flush()

    def flush(self) -> None:
        if not self.waiting or self.store is None:
            return
        errors = self.store.store_many([(name, nt) for name, (_, _, nt) in self.waiting.items()])
        for name, (i, res, nt) in self.waiting.items():
            if name in errors:
                res.error = errors[name].describe()
            else:
                self.written[name] = graph_digest(nt)
            self.stored[name] = i
            self.done[i] = res
        self.waiting, self.size = {}, 0


def _alone(path: Path, validate: bool, ctx: object, memory: int) -> tuple[FileResult, str | None, bytes | None]:
    """One file in a worker of its own; a worker that dies names this file instead of ending the build."""
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_init_worker, initargs=(memory, os.getpid())) as one:  # type: ignore[arg-type]
        try:
            return one.submit(_worker, (path, validate)).result()
        except BrokenProcessPool:
            return FileResult(path, error=(
                f"{path}: 処理中に作業プロセスが異常終了しました（メモリ上限 --max-memory を超えたか、PDF ライブラリが"
                "停止しました）。このファイルは格納されていません / the worker process ended abruptly while reading this "
                "file (over the memory cap --max-memory, or a PDF library crashed); the file was not stored")), None, None


def build(
    paths: Iterable[Path | str],
    store: Store | None,
    validate: bool = True,
    progress: Callable[[int, int, Path], None] | None = None,
    jobs: int | None = None,
    on_links: Callable[[PlanLinkReport], None] | None = None,
    timings: dict[str, float] | None = None,
    memory: int = 0,
    on_phase: Callable[[str], None] | None = None,
) -> Iterator[FileResult]:
    """Build files into ``store`` in input order; files are processed in ``jobs`` worker processes.

    ``timings`` receives the seconds of each phase: files (extraction to store writes), plan links, policy
    links, lineage, flush. ``memory`` (bytes, 0 = none) caps what each worker process may add to its size;
    a build in one process (one file or ``jobs=1``) is not capped, as the cap would hold for the store too.
    ``on_phase`` is told the name of each phase as it starts (a progress bar shows it)."""
    clock = _Clock(timings, on_phase)
    written: dict[str, str] = {}  # the file graphs this build stored: what the trace index compares
    files = expand_inputs(paths)
    if store is not None:
        store.begin_build()
    n_jobs = _jobs(jobs, len(files))
    if n_jobs > 1:
        for n, res in enumerate(_in_workers(files, store, validate, n_jobs, memory, written), start=1):
            if progress:
                progress(n, len(files), res.path)
            clock.pause()
            yield res
            clock.resume()
    else:
        writes = _Writes(store, {}, written)  # each graph stored (and its digest kept) as it is made
        for n, f in enumerate(files, start=1):
            if progress:
                progress(n, len(files), f)
            res, graph, nt = process_file(f, validate)
            writes.accept(n, res, str(graph.identifier) if graph is not None else None, nt)
            writes.flush()
            res = writes.done.pop(n)
            clock.pause()
            yield res
            clock.resume()
    clock.lap("files")
    if store is not None:
        derive(store, written, on_links, clock)
        store.end_build()  # flushed, then marked complete
        clock.lap("flush")


def derive(store: Store, written: dict[str, str] | None = None, on_links: Callable[[PlanLinkReport], None] | None = None,
           clock: _Clock | None = None) -> PlanLinkReport:
    """What a build computes from everything stored once its files are in: plan links, the plan register, policy
    links, the lineage and the trace index. Also run after every write through the API (SPARQL Update, Graph
    Store), so that links, ``kf:tracesTo`` and ``/trace`` never describe graphs that have since changed.

    ``written``: the graphs written since the last derivation, each with the digest of its content (""
    when not known: the graph counts as changed); the lineage and the trace index then recompute only what
    those graphs reach. None: not known (a SPARQL Update may touch any graph), everything is recomputed."""
    clock = clock or _Clock(None)  # no timings asked: laps recorded nowhere
    report = link_plans(store)  # plans ↔ objectives across files, once everything is stored
    clock.lap("plan links")
    if on_links is not None:
        clock.pause()
        on_links(report)
        clock.resume()
    import_module(REGISTER_MODULE).register_plans(store)  # series, editions, plan → plan bases (issue 14)
    link_across(store)  # policy-table ratings → the rated agency's objectives (issue 4)
    clock.lap("policy links")
    index = import_module(TRACE_INDEX_MODULE)
    # kf:tracesTo over everything stored, the attributions of plans whose inputs did not change reused; keep last
    import_module(LINEAGE_MODULE).materialise(store, reuse=lambda idx: index.reuse_attributions(store, idx, written))
    index.update_index(store, written)  # every plan's trace answer, beside the store (issue 19): those that changed
    clock.lap("lineage")
    return report


class _Clock:
    """Phase durations for ``build(timings=…)``, leaving out the time the caller spends between results."""

    #: the phase that follows each one (for ``on_phase``)
    NEXT = {"files": "plan links", "plan links": "policy links", "policy links": "lineage", "lineage": "flush"}

    def __init__(self, out: dict[str, float] | None, on_phase: Callable[[str], None] | None = None) -> None:
        self.out, self.start, self.paused = out, time.perf_counter(), 0.0
        self._since: float | None = None
        self.on_phase = on_phase

    def pause(self) -> None:
        self._since = time.perf_counter()

    def resume(self) -> None:
        if self._since is not None:
            self.paused += time.perf_counter() - self._since
            self._since = None

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.out is not None:
            self.out[name] = now - self.start - self.paused
        if self.on_phase is not None and name in self.NEXT:
            self.on_phase(self.NEXT[name])
        self.start, self.paused = now, 0.0
