"""Validate a draft of objectives before it goes to council: every rule, every result pointed at its line.

A draft arrives as a document (text or PDF), run through the same extractors as ``keifu build``
(:func:`keifu.extract.pipeline.extract_file` + :func:`keifu.graph.emit.emit_file`), or as RDF (Turtle,
JSON-LD) in the keifu vocabulary. Chapter roles and period lengths are derived (:mod:`.emit.chapters`),
then every shape in ``shapes/`` runs: the legal rules, the guideline rules and the graph integrity shapes.
Each result carries the line (and page, for PDFs) and the quote of its focus node, or of the nearest
located node that refers to it. Input that cannot be validated raises :class:`DraftError` with a
bilingual message and a stable ``code``; callers map it to exit code 2 or an HTTP 4xx, never a crash.
"""

from __future__ import annotations

import errno
import json
import re
import tempfile
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePath
from typing import Any

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

from keifu.extract import kinds
from keifu.extract.chapters import CHAPTERS
from keifu.extract.errors import KeifuError, ReadError, TooLargeError, UnknownDocumentError
from keifu.extract.limits import mark_exhausted, memory_exhausted
from keifu.extract.pipeline import ExtractedFile, extract_file
from keifu.extract.readers import read_regular_file
from keifu.extract.segment import GENERIC
from keifu.resources import data_dir
from keifu.settings import setting

from .emit import emit_file
from .emit.chapters import derive
from .validate import _messages, shapes_graph, validate_graph
from .vocab import KF, PREFIXES

__all__ = [
    "MAX_BYTES", "MAX_TEXT_BYTES", "DraftError", "DraftReport", "DraftResult", "validate_bytes", "validate_path",
]

#: Largest draft accepted, in bytes (``KEIFU_VALIDATE_MAX_BYTES``). Real objectives run to a few MB as PDF.
MAX_BYTES = int(setting("validate_max_bytes"))  # type: ignore[call-overload]
#: Largest text or RDF draft (``KEIFU_VALIDATE_MAX_TEXT_BYTES``): a five-agency compendium is 0.35 MB as text,
#: and megabytes of noise would only keep a worker busy for seconds before being refused.
MAX_TEXT_BYTES = int(setting("validate_max_text_bytes"))  # type: ignore[call-overload]

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
_RDF_SUFFIX = {".ttl": "turtle", ".turtle": "turtle", ".jsonld": "json-ld", ".json": "json-ld"}
_RDF_MEDIA = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/ld+json": "json-ld"}
_TURTLE_START = re.compile(rb"^\s*(?:#[^\n]*\n\s*)*(?:@prefix|@base|prefix\s|base\s|<[a-z]+:)", re.I)
_JSON_START = re.compile(rb"^\s*[\[{]")


# ----------------------------------------------------------------------------------------------------
# Records
# ----------------------------------------------------------------------------------------------------


class DraftError(KeifuError):
    """The draft cannot be validated. ``code``: empty, too-large, unreadable, not-policy-document, bad-rdf,
    unprocessable; ``status`` is the HTTP status the API answers with."""

    STATUS = {"empty": 400, "too-large": 413}

    def __init__(self, code: str, message_en: str, message_ja: str, path: Path | str | None = None,
                 page: int | None = None, line: int | None = None) -> None:
        self.code = code
        super().__init__(message_en, message_ja, path=path, page=page, line=line)

    @property
    def status(self) -> int:
        return self.STATUS.get(self.code, 422)

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message_ja": self.message_ja, "message_en": self.message_en,
                          "page": self.page, "line": self.line}}


@dataclass(frozen=True, slots=True)
class DraftResult:
    """One SHACL result, located in the draft."""

    severity: str  # Violation | Warning | Info
    message_ja: str
    message_en: str
    focus: str
    path: str | None
    line: int | None
    page: int | None
    quote: str | None
    rule: str  # the shape, as kfsh:Name
    value: str | None = None


@dataclass(slots=True)
class DraftReport:
    """What validating one draft found."""

    source: str
    input: str  # "text", "pdf" or "rdf"
    conforms: bool
    results: list[DraftResult]
    documents: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    report: Graph | None = None  # the sh:ValidationReport

    @property
    def exit_code(self) -> int:
        return 0 if self.conforms else 1

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(SEVERITY_ORDER, 0)
        for r in self.results:
            out[r.severity] = out.get(r.severity, 0) + 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {"conforms": self.conforms, "source": self.source, "input": self.input, "counts": self.counts(),
                "results": [asdict(r) for r in self.results], "documents": self.documents, "notes": self.notes}

    def turtle(self) -> str:
        """The standard sh:ValidationReport as Turtle."""
        g = self.report if self.report is not None else Graph()
        g.bind("sh", SH)
        for p, ns in PREFIXES.items():
            g.bind(p, ns)
        g.bind("kfsh", "https://w3id.org/keifu/shapes#")
        return g.serialize(format="turtle")

    def text(self) -> str:
        """Human-readable report: one block per result, in line order."""
        out = []
        for r in self.results:
            where = ":".join(x for x in (self.source, f"p.{r.page}" if r.page else "", str(r.line or "?")) if x)
            out.append(f"{where}: [{r.severity}] {r.rule}: {r.message_ja} / {r.message_en}")
            if r.quote:
                out.extend(f"    > {q}" for q in r.quote.splitlines()[:3])
        c = self.counts()
        verdict = "適合 / conforms" if self.conforms else "不適合 / does not conform"
        out.append(f"{self.source}: {verdict} — 違反 violations {c['Violation']}, 警告 warnings {c['Warning']}, "
                   f"情報 info {c['Info']}")
        out.extend(f"{self.source}: {n['message_ja']} / {n['message_en']}" for n in self.notes)
        return "\n".join(out)


# ----------------------------------------------------------------------------------------------------
# Entry points
# ----------------------------------------------------------------------------------------------------


def validate_path(path: Path | str, fmt: str | None = None) -> DraftReport:
    """Validate a draft file (text, PDF, Turtle or JSON-LD)."""
    path = Path(path)
    try:
        data = read_regular_file(path, MAX_BYTES)
    except ReadError as e:
        raise DraftError("too-large" if isinstance(e, TooLargeError) else "unreadable", e.message_en, e.message_ja, path=path) from e
    return validate_bytes(data, path.name, fmt=fmt)


#: Validated once when a server starts (:func:`warm_up`): our own sample objectives, every kind of node a draft has.
WARM_UP_DRAFT = "objectives_compendium.txt"


def warm_up() -> None:
    """Validate the bundled sample once, so that the first real draft finds the shapes parsed and every lazy
    pattern and cache of extraction filled (see :func:`keifu.graph.validate.validate_graph`)."""
    sample = data_dir("samples") / WARM_UP_DRAFT
    if sample.is_file():
        try:
            validate_path(sample)
        except DraftError:
            pass  # a broken sample only costs the first request its warm-up


def validate_bytes(data: bytes, name: str | None = None, media_type: str | None = None,
                   fmt: str | None = None) -> DraftReport:
    """Validate a draft given as bytes. ``name`` is its file name (it names the graph and the report)."""
    name = _safe_name(name, data)
    _check_size(len(data), name)
    if not data.strip():
        raise DraftError("empty", "the draft is empty", "案が空です（内容がありません）", path=name)
    if not _is_pdf(data):
        _check_size(len(data), name, MAX_TEXT_BYTES)
    rdf_format = fmt if fmt in ("turtle", "json-ld") else _rdf_format(data, name, media_type)
    if rdf_format is not None:
        return _validate_rdf(data, name, rdf_format)
    return _validate_document(data, name)


def _check_size(size: int, name: str, limit_bytes: int = MAX_BYTES) -> None:
    if size > limit_bytes:
        mb, limit = size / 2**20, limit_bytes / 2**20
        raise DraftError("too-large", f"the draft is too large ({mb:.1f} MB; the limit is {limit:.0f} MB)",
                         f"案が大きすぎます（{mb:.1f} MB。上限は {limit:.0f} MB）", path=name)


def _safe_name(name: str | None, data: bytes) -> str:
    """A plain file name (no directories); a default that says what the bytes are when none is given."""
    base = PurePath((name or "").replace("\\", "/")).name.strip()
    base = re.sub(r"[^\w.\-\u3000-\u9fff\uff00-\uffef]+", "_", base)[:120].lstrip(".")
    if base:
        return base
    return "draft.pdf" if _is_pdf(data) else "draft.txt"


def _is_pdf(data: bytes) -> bool:
    """Same test as the reader: the %PDF- magic, possibly after a little junk."""
    return data.lstrip()[:5] == b"%PDF-" or (b"%PDF-" in data[:1024] and b"endobj" in data)


def _rdf_format(data: bytes, name: str, media_type: str | None) -> str | None:
    """Turtle or JSON-LD by media type, file suffix or opening bytes; None for a document (text, PDF)."""
    if _is_pdf(data):
        return None
    mt = (media_type or "").split(";")[0].strip().lower()
    if mt in _RDF_MEDIA:
        return _RDF_MEDIA[mt]
    suffix = Path(name).suffix.lower()
    if suffix in _RDF_SUFFIX:
        return _RDF_SUFFIX[suffix]
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if _TURTLE_START.match(head):
        return "turtle"
    if _JSON_START.match(head) and b'"@' in head:
        return "json-ld"
    return None


# ----------------------------------------------------------------------------------------------------
# Documents
# ----------------------------------------------------------------------------------------------------


def _validate_document(data: bytes, name: str) -> DraftReport:
    with tempfile.TemporaryDirectory(prefix="keifu-draft-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            ef = extract_file(path)
            if all(d.segment.kind == GENERIC for d in ef.documents):
                raise _not_policy_document(name)  # minutes, a budget list …: stored by a build, no draft
            graph = emit_file(ef)
        except ReadError as e:
            raise DraftError("too-large" if isinstance(e, TooLargeError) else "unreadable", e.message_en,
                             e.message_ja, path=name, page=e.page, line=e.line) from e
        except UnknownDocumentError as e:
            raise _not_policy_document(name) from e
        except DraftError:
            raise
        except KeifuError as e:
            raise DraftError("unreadable", e.message_en, e.message_ja, path=name) from e
        except Exception as e:  # noqa: BLE001 - an extractor bug on odd input must not become a crash
            raise unprocessable(name, e) from e
    report = _validate_graph(graph, name, "pdf" if ef.source.media == "pdf" else "text")
    report.documents = _documents(ef)
    if not any(d["class"] == "ObjectivesDocument" for d in report.documents):
        report.notes.append(_NO_OBJECTIVES)
    return report


_NO_OBJECTIVES = {
    "code": "no-objectives",
    "message_ja": "中長期目標・中期目標の案が見つからないため、法令・指針の規則は適用されず、グラフの整合性のみを検査しました",
    "message_en": "No draft of mid-to-long-term or mid-term objectives was found, so only the graph integrity "
                  "rules applied, not the legal and guideline rules",
}


def _not_policy_document(name: str) -> DraftError:
    return DraftError(
        "not-policy-document",
        "this is not a policy document: no objectives (中長期目標・中期目標), plan, policy-evaluation table "
        "or briefing was recognised. A draft needs its preamble or title and the chapter "
        "「政策体系における法人の位置付け及び役割」",
        "政策文書として認識できません（中長期目標・中期目標、計画、政策評価表、説明資料のいずれでもありません）。"
        "案には序文または表題と「政策体系における法人の位置付け及び役割」の章が必要です",
        path=name)


def _out_of_memory(e: BaseException | None) -> bool:
    """``e``, or an exception it was raised from or during, is a failed allocation."""
    seen = 0
    while e is not None and seen < 16:
        if isinstance(e, MemoryError) or (isinstance(e, OSError) and e.errno == errno.ENOMEM):
            return True
        e, seen = e.__cause__ or e.__context__, seen + 1
    return False


def unprocessable(name: str | None, e: BaseException) -> DraftError:
    """The error for a draft an extractor or the memory cap could not get through (never a crash)."""
    if _out_of_memory(e):  # the validation worker's memory cap (keifu.api.drafts): the worker is not reused
        mark_exhausted()
    if memory_exhausted():
        return DraftError("over-memory", "validating this draft needs more memory than is allowed for one draft",
                          "この案の検査には、1件の案に許されたメモリを超える量が必要です", path=name)
    return DraftError("unprocessable", f"the draft could not be processed ({type(e).__name__})",
                      f"案を処理できませんでした（{type(e).__name__}）", path=name)


def _documents(ef: ExtractedFile) -> list[dict[str, Any]]:
    out = []
    lines = ef.source.lines
    for d in ef.documents:
        seg = d.segment
        first = seg.title_line or seg.preamble_line or (lines[seg.body_start] if lines else None)
        chapters = d.extras.of(CHAPTERS)
        out.append({
            "number": d.number, "kind": seg.kind, "class": seg.doc_class, "agency": d.facts.agency,
            "title": seg.title, "line": first.no if first else None, "page": first.page if first else None,
            "chapters": [{"role": c.role, "title": c.title, "line": c.line.no, "page": c.line.page}
                         for c in chapters.chapters] if chapters is not None else [],
        })
    return out


# ----------------------------------------------------------------------------------------------------
# RDF
# ----------------------------------------------------------------------------------------------------


def _validate_rdf(data: bytes, name: str, fmt: str) -> DraftReport:
    if fmt == "json-ld":
        _refuse_remote_contexts(data, name)
    ds = Dataset(default_union=True) if fmt == "json-ld" else Graph()  # JSON-LD may hold named graphs
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's Dataset.parse uses its own old API
            ds.parse(data=data, format=fmt)
    except Exception as e:  # noqa: BLE001 - parsers raise many types; all mean "not valid RDF"
        detail = " ".join(str(e).split())[:300]
        raise DraftError("bad-rdf", f"cannot parse the draft as {fmt}: {detail}",
                         f"{fmt} として解析できません：{detail}", path=name, line=_error_line(detail)) from e
    graph = Graph()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for t in ds.triples((None, None, None)):
            graph.add(t)
    if not len(graph):
        raise DraftError("empty", f"the {fmt} draft holds no triples", f"{fmt} の案にトリプルがありません", path=name)
    derive(graph)
    report = _validate_graph(graph, name, "rdf")
    docs = sorted({d for cls in kinds.document_classes() for d in graph.subjects(RDF.type, KF[cls])}, key=str)
    report.documents = [{"iri": str(d), "class": str(graph.value(d, RDF.type)).rsplit("#", 1)[-1],
                         "label": _opt(graph.value(d, RDFS.label)), "line": _int(graph.value(d, KF.line))}
                        for d in docs]
    if not any(graph.subjects(RDF.type, KF.ObjectivesDocument)):
        report.notes.append(_NO_OBJECTIVES)
    return report


def _refuse_remote_contexts(data: bytes, name: str) -> None:
    """JSON-LD contexts given by URL would be fetched from the network; drafts must inline them."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DraftError("bad-rdf", f"not valid JSON ({e})", f"JSON として不正です（{e}）", path=name) from e
    except RecursionError as e:
        raise _too_deep(name) from e
    stack: list[tuple[Any, int]] = [(doc, 0)]  # iterative: a deep document cannot overflow the stack here
    while stack:
        v, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _too_deep(name)
        if isinstance(v, dict):
            for k, x in v.items():
                ctx = x if k == "@context" else None
                for c in (ctx if isinstance(ctx, list) else [ctx]):
                    if isinstance(c, str):
                        raise DraftError("bad-rdf", f"remote JSON-LD @context {c!r} is not fetched; inline the context",
                                         f"JSON-LD の外部 @context（{c}）は取得しません。@context を埋め込んでください",
                                         path=name)
                stack.append((x, depth + 1))
        elif isinstance(v, list):
            stack.extend((x, depth + 1) for x in v)


#: deepest JSON-LD accepted: rdflib's JSON-LD parser recurses once a level (real drafts nest under ten)
MAX_JSON_DEPTH = 100


def _too_deep(name: str) -> DraftError:
    return DraftError("bad-rdf", f"the JSON-LD is nested more than {MAX_JSON_DEPTH} levels deep",
                      f"JSON-LD の入れ子が {MAX_JSON_DEPTH} 段を超えています", path=name)


def _error_line(msg: str) -> int | None:
    m = re.search(r"line (\d+)", msg)
    return int(m.group(1)) if m else None


# ----------------------------------------------------------------------------------------------------
# Validation and location
# ----------------------------------------------------------------------------------------------------


def _validate_graph(graph: Graph, name: str, kind: str) -> DraftReport:
    shapes = shapes_graph()
    try:
        conforms, _, report = validate_graph(graph, shapes)
    except Exception as e:  # noqa: BLE001 - pyshacl rejects malformed RDF (broken lists, bad literals) by raising
        raise unprocessable(name, e) from e
    results = [_result(graph, shapes, report, r) for r in report.subjects(RDF.type, SH.ValidationResult)]
    results.sort(key=lambda r: (r.page or 0, r.line or 0, SEVERITY_ORDER.get(r.severity, 9), r.rule, r.focus,
                                r.path or "", r.value or ""))
    return DraftReport(source=name, input=kind, conforms=conforms, results=results, report=report)


def _result(data: Graph, shapes: Graph, report: Graph, r: URIRef | BNode) -> DraftResult:
    focus = report.value(r, SH.focusNode)
    sev = report.value(r, SH.resultSeverity)
    ja, en = _messages(report, r)
    line, page, quote = locate(data, focus)
    path = report.value(r, SH.resultPath)
    value = report.value(r, SH.value)
    return DraftResult(
        severity=str(sev).rsplit("#", 1)[-1] if sev is not None else "Violation",
        message_ja=ja, message_en=en, focus=str(focus),
        path=render_path(report, path) if path is not None else None,
        line=line, page=page, quote=quote,
        rule=rule_name(shapes, report.value(r, SH.sourceShape)),
        value=None if value is None or value == focus else str(value),
    )


def locate(data: Graph, node: Any) -> tuple[int | None, int | None, str | None]:
    """(line, page, quote) of a node, or of the first located node that refers to it (shared agencies, plans,
    government bodies carry no line of their own)."""
    if node is None:
        return None, None, None
    own = _where(data, node)
    if own is not None:
        return own
    refs = [w for s in set(data.subjects(None, node)) if (w := _where(data, s)) is not None]
    if refs:
        return min(refs, key=lambda w: (w[1] or 0, w[0] or 0))
    return None, None, None


def _where(data: Graph, node: Any) -> tuple[int | None, int | None, str | None] | None:
    line = data.value(node, KF.line)
    if line is None:
        return None
    return _int(line), _int(data.value(node, KF.page)), _opt(data.value(node, KF.quote))


_COMPACT = {**{str(ns): p for p, ns in PREFIXES.items()}, "https://w3id.org/keifu/shapes#": "kfsh",
            str(SH): "sh"}


def compact(iri: Any) -> str:
    s = str(iri)
    for ns, p in sorted(_COMPACT.items(), key=lambda kv: -len(kv[0])):
        if s.startswith(ns) and len(s) > len(ns):
            return f"{p}:{s[len(ns):]}"
    return f"<{s}>"


def rule_name(shapes: Graph, shape: Any) -> str:
    """The named shape a result came from; an anonymous property shape reports its named owner."""
    seen = 0
    while isinstance(shape, BNode) and seen < 8:
        owner = next(iter(shapes.subjects(SH.property, shape)), None) or next(iter(shapes.subjects(None, shape)), None)
        if owner is None:
            break
        shape, seen = owner, seen + 1
    return compact(shape) if isinstance(shape, URIRef) else "sh:shape"


def render_path(g: Graph, path: Any) -> str:
    """A SHACL property path in SPARQL syntax: ^kf:inDocument, (kf:partOf)*/kf:basedOn, …"""
    if isinstance(path, URIRef):
        return compact(path)
    if (path, RDF.first, None) in g:
        return "/".join(render_path(g, p) for p in Collection(g, path))
    for pred, fmt in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "({})*"), (SH.oneOrMorePath, "({})+"),
                      (SH.zeroOrOnePath, "({})?")):
        inner = g.value(path, pred)
        if inner is not None:
            return fmt.format(render_path(g, inner))
    alt = g.value(path, SH.alternativePath)
    if alt is not None:
        return "(" + "|".join(render_path(g, p) for p in Collection(g, alt)) + ")"
    return str(path)


def _int(v: Any) -> int | None:
    try:
        return int(v) if v is not None else None
    except (TypeError, ValueError):
        return None


def _opt(v: Any) -> str | None:
    return None if v is None else str(v)

