"""Benchmark the PDF reader: pages per second on a generated ~100-page Japanese text PDF.

Run: ``python bench/bench_pdf.py [pages] [runs]``. Prints the median of the runs for the
pdfplumber path (layout + ruled tables), the pdfplumber path without tables, and the pypdfium2 path
(``tables=False``), and checks that all paths give the same lines. Target: 50 pages/s or better.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from pdfgen import make_pdf  # noqa: E402

from keifu.extract.model import SourceText  # noqa: E402
from keifu.extract.readers import read_source  # noqa: E402

# Invented sentences (not from any real document), cycled to fill the pages.
SENTENCES = [
    "\u3000本計画は、研究開発の成果を社会に還元するための基本的な考え方を示すものであり、関係機関との連携を通じて着実に実施する。",
    "（１）研究基盤の整備 ",
    "\u3000先端的な計測装置の共用を進め、令和 8年度までに利用件数を 1,200件とすることを目指す。その際、AI and data science の手法を活用する。",
    "① 人材の育成 ",
    "\u3000若手研究者が安心して挑戦できる環境を整え、国際的な共同研究への参加を促す。",
]


def make_doc(path: Path, pages: int) -> Path:
    """Full pages: 26 paragraphs give about 39 lines of 42 characters (~1,400 characters) per A4 page."""
    body = [SENTENCES[i % len(SENTENCES)] for i in range(26)]
    return make_pdf(path, [body for _ in range(pages)])


def timed(fn: Callable[[], SourceText], runs: int) -> tuple[float, SourceText]:
    times = []
    result = fn()
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> None:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as tmp:
        path = make_doc(Path(tmp) / "bench.pdf", pages)
        paths: dict[str, Callable[[], SourceText]] = {
            "pdfplumber + tables": lambda: read_source(path, backend="pdfplumber"),
            "pdfplumber, no tables": lambda: read_source(path, tables=False, backend="pdfplumber"),
            "pdfium + tables (default)": lambda: read_source(path),
            "pdfium, no tables": lambda: read_source(path, tables=False),
        }
        results = {}
        for name, fn in paths.items():
            secs, st = timed(fn, runs)
            results[name] = st
            print(f"{name:27s} {pages / secs:7.1f} pages/s  (median of {runs}, {secs * 1000:.0f} ms, {len(st.lines)} lines)")
        texts = [[(ln.page, ln.no, ln.text) for ln in st.lines] for st in results.values()]
        print("same lines on all paths:", all(t == texts[0] for t in texts))


if __name__ == "__main__":
    main()
