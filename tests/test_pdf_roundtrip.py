"""PDF round trip: a document laid out as a PDF at other page layouts gives the facts of its text.

Users bring PDFs; the corpus is text extracted from PDFs. Each text's units (a unit ends at a line with a
trailing space, FORMAT-NOTES §2) are flowed by a word-processor-like layout (tests/pdfgen.py) onto pages of
another size, type size and margins, so lines wrap and pages break at other places, with a running header and
page numbers as page furniture; the PDF is read back through the normal path (``extract_file``) and its facts
(test_metamorphic.facts: documents, objectives, citations, indicators, targets, axis items), keyed without line
numbers, are compared with the text's. Only texts that carry the unit-end signal are laid out: without it a
text's paragraphs cannot be told from its wrapped lines, so there is no document to lay out again.

    python tests/test_pdf_roundtrip.py     # the table of the share of facts kept / added, per layout and kind
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import CORPUS, REPO  # noqa: E402
from pdfgen import Layout, make_flow_pdf  # noqa: E402
from test_metamorphic import KINDS, Kept, facts  # noqa: E402

from keifu.extract.blocks import logical_blocks  # noqa: E402
from keifu.extract.pipeline import ExtractedFile, extract_file  # noqa: E402
from keifu.extract.readers import read_source  # noqa: E402

#: the corpus texts with the unit-end signal (the others have none: FORMAT-NOTES §2)
FILES = ("000", "001", "002")
UNSEEN = REPO / "tests" / "fixtures" / "unseen"
FIXTURES = ("coastal_objectives", "coastal_plan", "regional_compendium", "special_corporation_objectives",
            "bodyind_rd_ocean", "local_agency_objectives")
KEPT = 0.95
ADDED = 0.02

LAYOUTS = (
    # A4, the usual 10.5 pt, a running header and bare page numbers
    Layout("A4 10.5pt", header="〈公表資料〉", folio="{n}"),
    # A5 page, smaller type, narrow margins: other wraps, many more page breaks
    Layout("A5 9pt", page=(420.0, 595.0), font_size=9.0, left=40.0, right=46.0, top=50.0, bottom=50.0,
           header="令和８年度 資料２", folio="- {n} -", after=0.5),
    # B5 page, larger type: few characters a line
    Layout("B5 12pt", page=(516.0, 729.0), font_size=12.0, left=64.0, right=70.0, top=60.0, bottom=64.0,
           folio="{n} / 99"),
)


def units(path: Path) -> list[str]:
    """The text's units as the text path reads them (its logical blocks: a unit ends at a trailing space, a
    marker line starts one, lone page numbers are dropped), in reading order."""
    src = read_source(path)
    return [b.text for b in logical_blocks(src.lines)]


def corpus_files() -> Iterator[tuple[str, Path]]:
    for prefix in FILES:
        found = sorted(CORPUS.glob(f"{prefix}_*.txt"))
        if found:
            yield prefix, found[0]


def fixture_files() -> Iterator[tuple[str, Path]]:
    for stem in FIXTURES:
        yield stem, UNSEEN / f"{stem}.txt"


def _facts(ef: ExtractedFile) -> Counter[tuple]:
    return facts(ef, [], lambda s: s)  # no origin: every line maps to None, so facts are keyed without lines


def measure(files: Iterator[tuple[str, Path]], layouts: tuple[Layout, ...] = LAYOUTS) -> dict[str, Kept]:
    """Facts kept and added, per layout, over all files."""
    results = {lay.name: Kept() for lay in layouts}
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in files:
            base = _facts(extract_file(path))
            paras = units(path)
            for k, lay in enumerate(layouts):
                pdf = make_flow_pdf(Path(tmp) / f"{name}_{k}.pdf", paras, lay)
                got = _facts(extract_file(pdf))
                kept = results[lay.name]
                for f, n in base.items():
                    kept.total[f[1]] += n
                    kept.kept[f[1]] += min(n, got[f])
                    kept.lost.extend([(name, *f)] * max(0, n - got[f]))
                for f, n in got.items():
                    kept.added.extend([(name, *f)] * max(0, n - base[f]))
    return results


def table(results: dict[str, Kept]) -> str:
    head = f"{'layout':12}" + "".join(f"{k:>11}" for k in KINDS) + f"{'kept':>8}{'added':>7}"
    rows = [head]
    for name, r in results.items():
        cells = "".join(f"{r.share(k):>6.3f} {r.total[k]:>4}" for k in KINDS)
        total = sum(r.total.values())
        rows.append(f"{name:12}{cells}{r.share():>8.3f}{len(r.added) / max(1, total):>7.3f}")
    return "\n".join(rows)


@pytest.fixture(scope="module")
def corpus_results() -> dict[str, Kept]:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not available at {CORPUS} (CI provides ../shared/corpus)")
    return measure(corpus_files())


@pytest.fixture(scope="module")
def fixture_results() -> dict[str, Kept]:
    return measure(fixture_files())


if __name__ == "__main__":
    for label, files in (("tests/fixtures/unseen", fixture_files), ("corpus", corpus_files)):
        res = measure(files())
        print(f"share of facts kept / added, {label}\n{table(res)}\n")
        for name, r in res.items():
            for f in r.lost[:40]:
                print("lost ", name, *f, sep="\t")
            for f in r.added[:40]:
                print("added", name, *f, sep="\t")


# ------------------------------------------------------------------------------------ the fixes, one by one


def _lines(pdf: Path) -> list[str]:
    return [ln.text for ln in read_source(pdf).lines]


_SENTENCE = "沿岸の観測網から得られる記録を整理し、地域の防災計画に役立てるための資料を作成する。"


@pytest.mark.parametrize("folio", ["{n}", "- {n} -", "{n} / 9", "（{n}）"])
def test_running_header_and_page_numbers_are_dropped(tmp_path: Path, folio: str) -> None:
    """Page furniture is no text: a running header would land inside the sentence that runs over a page break,
    and a folio such as ``1 / 9`` would read as a numbered heading."""
    lay = Layout("small", page=(300.0, 260.0), font_size=10.0, left=30.0, right=30.0, top=40.0, bottom=40.0,
                 header="霧島沿岸研究所 業務資料", folio=folio)
    paras = [f"{n}．観測の記録" if n % 3 == 0 else _SENTENCE for n in range(1, 16)]
    pdf = make_flow_pdf(tmp_path / "f.pdf", paras, lay)
    src = read_source(pdf)
    assert src.pages and src.pages >= 3
    texts = [ln.text for ln in src.lines]
    assert not any("業務資料" in t for t in texts)
    assert not any(t.strip().startswith(folio.format(n=n).strip()[:2]) and "観測" not in t
                   for n in range(1, 10) for t in texts), texts
    # every page's first line is text, and the sentences read whole across the breaks
    assert all(ln.page_start == (ln.no == 1) for ln in src.lines)
    blocks = [b.text for b in logical_blocks(src.lines)]
    assert blocks == paras
