"""The PDF path yields the same documents, objectives and citations as the text path.

The PDF is generated from the bundled sample (paragraphs laid out by a word-processor-like wrap),
so the reader has to rebuild the paragraph signal from geometry alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, SAMPLES
from pdfgen import make_pdf

from keifu.extract.pipeline import ExtractedFile, extract_file
from keifu.extract.readers import read_source


def _units(path: Path) -> list[str]:
    """Paragraphs of a sample text: in double-spaced text lines join up to a trailing space;
    single-spaced lines (diagram boxes) stand alone."""
    lines = read_source(path).lines
    units, buf = [], ""
    for i, line in enumerate(lines):
        if line.blank:
            continue
        buf += line.text.strip()
        single = i + 1 < len(lines) and not lines[i + 1].blank
        if line.text.endswith(" ") or single or i + 1 == len(lines):
            units.append(buf)
            buf = ""
    return units


def _pdf_from(sample: Path, out: Path, per_page: int = 12) -> Path:
    units = _units(sample)
    pages = [units[i:i + per_page] for i in range(0, len(units), per_page)]
    return make_pdf(out, pages, width_chars=34)


def _view(ef: ExtractedFile) -> list[tuple]:
    out = []
    for d in ef.documents:
        out.append(("doc", d.segment.kind, d.facts.agency, d.facts.period_start and d.facts.period_start.iso,
                    d.facts.period_end and d.facts.period_end.iso, d.facts.fiscal_year))
        out.extend(("obj", h.section_number, h.title, h.parent) for h in d.headings)
        out.extend(("cite", c.mention.name, c.mention.date and c.mention.date.iso, c.owner) for c in d.citations
                   if c.region != "annex")
    return out


def test_pdf_gives_the_same_objectives_and_citations(tmp_path):
    for sample in ("objectives_compendium.txt", "annual_plan.txt"):
        pdf = _pdf_from(SAMPLES / sample, tmp_path / f"{sample}.pdf")
        from_pdf = extract_file(pdf)
        from_text = extract_file(SAMPLES / sample)
        assert from_pdf.source.media == "pdf" and from_pdf.source.pages and from_pdf.source.pages >= 2
        assert _view(from_pdf) == _view(from_text), sample


def test_pdf_provenance_is_page_and_line(tmp_path):
    pdf = _pdf_from(SAMPLES / "objectives_compendium.txt", tmp_path / "c.pdf")
    ef = extract_file(pdf)
    pages = {h.block.first.page for d in ef.documents for h in d.headings}
    assert len(pages) >= 3 and None not in pages
    for d in ef.documents:
        for h in d.headings:
            first = h.block.first
            assert first.no >= 1 and h.title.replace(" ", "")[:4] in first.text.replace(" ", "")


def test_a_span_over_a_page_break_keeps_its_last_page(tmp_path):
    """An objective whose text runs onto the next page ends at a line of that page: kf:lastPage says which,
    so kf:line > kf:lastLine is no violation (it was one on PDFs only)."""
    from rdflib import Namespace

    from keifu.graph.build import process_file

    kf = Namespace("https://w3id.org/keifu/ns#")
    pdf = _pdf_from(SAMPLES / "objectives_compendium.txt", tmp_path / "c.pdf")
    res, graph, _ = process_file(pdf)
    assert res.error is None and res.violations == 0, [r.message_en for r in res.results]
    spans = [(int(graph.value(n, kf.page)), int(graph.value(n, kf.line)), int(p), int(graph.value(n, kf.lastLine)))
             for n, p in graph.subject_objects(kf.lastPage)]
    assert spans and all(last_page > page for page, _, last_page, _ in spans)
    assert any(last_line < line for _, line, _, last_line in spans)  # the case the shape used to reject
    text = process_file(SAMPLES / "objectives_compendium.txt")[1]
    assert text is not None and not list(text.subject_objects(kf.lastPage))  # text files have no pages


def _signal_units(path: Path) -> list[str]:
    """Paragraphs of a text whose every unit ends in a trailing space, single- or double-spaced."""
    units, buf = [], ""
    for line in read_source(path).lines:
        if line.blank:
            continue
        buf += line.text.strip()
        if line.text.endswith(" "):
            units.append(buf)
            buf = ""
    return [*units, buf] if buf else units


@pytest.mark.parametrize("name", ["coastal_objectives.txt", "regional_compendium.txt"])
def test_unseen_layouts_as_pdf_give_the_text_path(tmp_path, name):
    """Our documents of unseen layouts, printed as PDFs by a word processor (headings and sentences that fill a
    line carry no unit-end signal there), read as the text files are."""
    src = REPO / "tests" / "fixtures" / "unseen" / name
    units = _signal_units(src)
    pdf = make_pdf(tmp_path / f"{name}.pdf", [units[i:i + 12] for i in range(0, len(units), 12)], width_chars=34)
    assert _view(extract_file(pdf)) == _view(extract_file(src))
