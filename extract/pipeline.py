"""One file in, its documents out: read → segment → facts → headings → citations.

This is the whole extraction side in order; ``keifu.graph`` turns its records into RDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import kinds
from .blocks import annex_blocks, full_width, logical_blocks
from .citations import CitationScanner, Mention
from .facts import DocumentFacts, read_facts
from .headings import Heading, parse_headings
from .model import Block, Line, SourceText
from .plan_names import alias_nouns, based_on_phrase, review
from .readers import read_source
from .registry import Extras, parsers_for
from .segment import Segment, segment


@dataclass(frozen=True, slots=True)
class CitationRecord:
    """A mention and where it sits: the heading that contains it (index), or the document (None)."""

    mention: Mention
    owner: int | None
    region: str  # "cover", "body", "annex"
    #: the plan-name-rule that keeps this mention from being a national plan (keifu.extract.plan_names), or None
    not_a_plan: str | None = None
    #: index (in the document's citations) of the work this mention's work is based on (「Aに基づき策定されたB」)
    based_on: int | None = None


@dataclass(slots=True)
class ExtractedDocument:
    number: int
    segment: Segment
    facts: DocumentFacts
    headings: list[Heading] = field(default_factory=list)
    citations: list[CitationRecord] = field(default_factory=list)
    #: results of plug-in parsers (keifu.extract.registry), by parser name; ``extras.of(KEY)`` is typed
    extras: Extras = field(default_factory=Extras)

    @property
    def anchor_chapter(self) -> int | None:
        """Index of the 政策体系 chapter heading: its citations speak for the whole document."""
        for i, h in enumerate(self.headings):
            if h.parent is None and "政策体系" in h.title and "位置付け" in h.title:
                return i
        return None


@dataclass(slots=True)
class ExtractedFile:
    source: SourceText
    documents: list[ExtractedDocument]


def extract_file(path: Path | str) -> ExtractedFile:
    """Read and extract one file; raises ReadError / UnknownDocumentError naming the file."""
    return extract_source(read_source(path))


def extract_source(src: SourceText) -> ExtractedFile:
    docs: list[ExtractedDocument] = []
    for n, seg in enumerate(segment(src), start=1):
        lines = src.lines
        facts = read_facts(lines, seg)
        doc = ExtractedDocument(n, seg, facts)
        if kinds.hierarchical(seg.kind):  # the kinds table says whose body is a numbered hierarchy
            doc.headings = parse_headings(lines[seg.body_start:seg.body_end])
        doc.citations = _citations(lines, seg, doc.headings)
        for parser in parsers_for(seg.kind):
            doc.extras[parser.name] = parser.parse(src, doc)
        docs.append(doc)
    return ExtractedFile(src, docs)


def _citations(lines: Sequence[Line], seg: Segment, headings: list[Heading]) -> list[CitationRecord]:
    scanner = CitationScanner()
    out: list[CitationRecord] = []
    nouns: dict[str, str] = {}  # bare plan nouns defined as aliases so far (以下「推進計画」という)

    def scan(blocks: Sequence[Block], owner: int | None, region: str) -> None:
        for b in blocks:
            prev: int | None = None
            for m in scanner.scan(b):
                nouns.update(alias_nouns(m))
                m, rule = review(m, b.text[max(0, m.start - 40):m.start], nouns)  # the register's rules
                basis = prev if prev is not None and based_on_phrase(b.text[out[prev].mention.end:m.start]) else None
                out.append(CitationRecord(m, owner, region, rule, basis))
                prev = len(out) - 1

    scan(logical_blocks(lines[seg.start:seg.body_start]), None, "cover")
    if headings:
        first = headings[0].block.first.index
        scan(logical_blocks(lines[seg.body_start:first]), None, "body")
        for i, h in enumerate(headings):
            scan([h.block, *h.body], i, "body")
    else:
        scan(logical_blocks(lines[seg.body_start:seg.body_end]), None, "body")
    # Annexes are diagrams and tables: text boxes share lines at random, so each line stands alone, except a
    # box whose plan name and decision are printed on two lines (…基本計画 / （令和３年３月閣議決定））.
    scan(annex_blocks(lines[seg.body_end:seg.end], full_width(lines[seg.body_start:seg.body_end])), None, "annex")
    return out
