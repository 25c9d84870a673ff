"""Fuzzing in a short, reproducible form (issue 16): readers, segmenter, citation scanner and the draft path
either succeed or raise the project's bilingual errors, never another exception, and never hang.

hypothesis runs a fixed budget of examples per test, derandomized (the same examples on every run, so CI is
reproducible) and without a deadline (the machine is shared); a watchdog ends the process with a traceback if
one test runs past its bound. Inputs are kept small; they are built from our own sample (the bundled
objectives compendium), our own test PDFs and random bytes, so they reach the parsers' deeper paths.
"""

from __future__ import annotations

import faulthandler
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SAMPLES
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pdfgen import make_pdf, make_table_pdf
from test_citations import block

from keifu.extract.citations import CitationScanner
from keifu.extract.errors import KeifuError, ReadError, UnknownDocumentError
from keifu.extract.model import Line, SourceText
from keifu.extract.readers.pdf import read_pdf
from keifu.extract.readers.text import read_text
from keifu.extract.segment import segment
from keifu.graph.draft import DraftError, DraftReport, validate_bytes

#: examples per test; derandomized, so a failure found once is found on every run
EXAMPLES = 100
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
#: seconds one whole test may take before the watchdog ends the run (a hang, not a slow example)
WATCHDOG = 120

SAMPLE_LINES = [ln for ln in (SAMPLES / "objectives_compendium.txt").read_text(encoding="utf-8").splitlines()
                if ln.strip()]
# Characters the parsers key on: brackets, numbering, dates, document words; and some that break things.
JA = ("第一二三四五１２３４５0123456789（）()「」『』【】〔〕・、。．.：:年月日度令和平成昭和元中長期目標計画"
      "独立行政法人国立研究開発機構政策体系における位置付け及び役割指標評価軸達成閣議決定同戦略以下という"
      "別添表頁①②ⅠⅡ 　\t\u3000\ufffd\u200b\u0301ｱｲ")
text_line = st.one_of(st.sampled_from(SAMPLE_LINES), st.text(alphabet=JA, max_size=40),
                      st.text(st.characters(blacklist_characters="\n\r"), max_size=20))
doc_lines = st.lists(text_line, min_size=1, max_size=40)


@pytest.fixture(autouse=True)
def watchdog() -> Iterator[None]:
    """A hang ends the process with every thread's traceback instead of stalling CI (works inside C code)."""
    faulthandler.dump_traceback_later(WATCHDOG, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


# ------------------------------------------------------------------------------------------------ readers

SHA = "0" * 64


@FUZZ
@given(st.binary(max_size=3000))
def test_text_reader_on_random_bytes(data: bytes) -> None:
    try:
        src = read_text(Path("fuzz.txt"), data, SHA)
    except ReadError as e:
        assert e.message_ja and e.message_en and e.path == Path("fuzz.txt")
        return
    assert src.lines and all(ln.no == ln.index + 1 for ln in src.lines)


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp932", "euc_jp", "iso2022_jp"]


@FUZZ
@given(doc_lines, st.sampled_from(ENCODINGS), st.one_of(st.none(), st.tuples(st.integers(0, 5000), st.binary(max_size=4))))
def test_text_reader_on_encodings_and_damage(lines: list[str], encoding: str, damage: tuple[int, bytes] | None) -> None:
    """Text in every encoding we read, sometimes damaged; undamaged UTF-8/UTF-16 reads back line for line."""
    text = "\n".join(lines)
    data = text.encode(encoding, errors="ignore")
    if damage is not None:
        at, junk = damage
        at = min(at, len(data))
        data = data[:at] + junk + data[at + len(junk):]
    try:
        src = read_text(Path("fuzz.txt"), data, SHA)
    except ReadError as e:
        assert e.message_ja and e.message_en
        return
    if damage is None and encoding.startswith("utf") and text.strip() and "\f" not in text:
        assert [ln.text for ln in src.lines] == text.split("\n")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Two small PDFs of our own: paragraphs over two pages, and a ruled table (the pdfplumber path)."""
    d = tmp_path_factory.mktemp("fuzzpdf")
    text = make_pdf(d / "t.pdf", [["第１　政策体系における法人の位置付け及び役割", "本文の一文目です。" * 3],
                                  ["（１）二頁目の項目です。"]])
    table = make_table_pdf(d / "tab.pdf", [[["評価軸", "指標"], ["成果の創出", "論文数"]]])
    return [text.read_bytes(), table.read_bytes()]


@FUZZ
@given(st.integers(0, 1), st.one_of(st.just(1.0), st.floats(0.0, 1.0)),
       st.lists(st.tuples(st.floats(0.0, 1.0), st.binary(min_size=1, max_size=8)), max_size=3), st.booleans(),
       st.sampled_from(["pdfium", "pdfplumber"]))
def test_pdf_reader_on_truncated_and_damaged_pdfs(pdfs: list[bytes], which: int, keep: float,
                                                  edits: list[tuple[float, bytes]], eof: bool, backend: str) -> None:
    """A PDF cut anywhere (with a %%EOF put back, so the reader gets past its first check) and overwritten in
    a few places: lines with pages, or a ReadError naming the file."""
    data = bytearray(pdfs[which][: int(len(pdfs[which]) * keep)])
    for where, junk in edits:
        at = int(where * len(data))
        data[at:at + len(junk)] = junk
    if eof:
        data += b"\n%%EOF\n"
    path = Path("fuzz.pdf")
    try:
        src = read_pdf(path, bytes(data), hashlib.sha256(data).hexdigest(), backend=backend)
    except ReadError as e:
        assert e.message_ja and e.message_en and e.path == path
        event("ReadError")
        return
    event("read")
    assert src.lines and all(ln.page is not None and 1 <= ln.page <= (src.pages or 0) for ln in src.lines)


# ------------------------------------------------------------------------------------------ segmenter


def source(lines: list[str]) -> SourceText:
    return SourceText(path=Path("fuzz.txt"), sha256=SHA, media="text",
                      lines=[Line(i, i + 1, s) for i, s in enumerate(lines)])


@FUZZ
@given(doc_lines)
def test_segmenter_finds_documents_inside_the_file_or_says_none(lines: list[str]) -> None:
    src = source(lines)
    try:
        segs = segment(src)
    except UnknownDocumentError as e:
        assert e.message_ja and e.message_en
        event("no document")
        return
    event(f"{len(segs)} document(s)")
    assert segs
    for s in segs:
        assert 0 <= s.start <= s.body_start <= s.body_end <= s.end <= len(lines), s


# ---------------------------------------------------------------------------------- citation scanner


@FUZZ
@given(st.lists(st.lists(text_line, min_size=1, max_size=6), min_size=1, max_size=4))
def test_citation_scanner_cites_lines_of_its_block(blocks: list[list[str]]) -> None:
    """One scanner over several blocks (aliases carry over): every mention points into its own block."""
    scanner = CitationScanner()
    for lines in blocks:
        b = block(*lines)
        for m in scanner.scan(b):
            assert m.name and m.line in b.lines and 0 <= m.start <= m.end <= len(b.text), m


# ---------------------------------------------------------------------------------------- draft path

SAMPLE_BYTES = (SAMPLES / "objectives_compendium.txt").read_bytes()
TURTLE = ["@prefix kf: <https://w3id.org/keifu/ontology#> .", "@prefix ex: <http://example.org/> .",
          "ex:d a kf:ObjectivesDocument .", 'ex:d kf:line "x" .', "ex:d kf:period ( ex:a ex:b ) .", "<", ";", ".",
          '"""', "_:b kf:partOf ex:d ."]
JSON = ['{"@context": {"@vocab": "https://w3id.org/keifu/ontology#"}, ', '"@id": "http://e/d", ', '"@type": ',
        '"ObjectivesDocument"', "[", "]", "{", "}", '"@list": [1, 2]', ",", ":", '"@context": "http://e/c"']

draft = st.one_of(
    st.binary(max_size=2000).map(lambda b: (b, "draft.txt")),
    doc_lines.map(lambda ls: ("\n".join(ls).encode("utf-8"), "draft.txt")),
    # the sample with a run of its lines dropped: objectives missing a chapter, a date, a table
    st.tuples(st.integers(0, 400), st.integers(1, 200)).map(
        lambda t: (b"\n".join(SAMPLE_BYTES.split(b"\n")[: t[0]] + SAMPLE_BYTES.split(b"\n")[t[0] + t[1]:][:300]),
                   "draft.txt")),
    st.lists(st.sampled_from(TURTLE), max_size=12).map(lambda ls: ("\n".join(ls).encode(), "draft.ttl")),
    st.lists(st.sampled_from(JSON), max_size=14).map(lambda ls: ("".join(ls).encode(), "draft.jsonld")),
)


@settings(FUZZ, max_examples=60)
@given(draft)
def test_draft_path_reports_or_refuses_with_a_reason(item: tuple[bytes, str]) -> None:
    data, name = item
    try:
        report = validate_bytes(data, name)
    except DraftError as e:
        # "unprocessable" is the draft path's net for an exception of an extractor or pyshacl: a bug to fix
        assert e.code in ("empty", "too-large", "unreadable", "not-policy-document", "bad-rdf"), e.__cause__
        assert e.message_ja and e.message_en and 400 <= e.status < 500
        event(e.code)
        return
    event(f"report {report.input}")
    assert isinstance(report, DraftReport) and report.exit_code in (0, 1)
    assert report.conforms == (not any(r.severity == "Violation" for r in report.results))


@FUZZ
@given(st.floats(0.05, 1.0))
def test_draft_path_on_truncated_pdfs(pdfs: list[bytes], keep: float) -> None:
    data = pdfs[0][: int(len(pdfs[0]) * keep)] + b"\n%%EOF\n"
    try:
        validate_bytes(data, "draft.pdf")
    except DraftError as e:
        assert e.message_ja and e.message_en and e.status in (400, 413, 422)
    except KeifuError as e:  # pragma: no cover - validate_bytes promises DraftError
        raise AssertionError(f"not a DraftError: {e!r}") from e
