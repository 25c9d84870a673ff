"""Benchmark the PDF reader against raw pypdfium2 text extraction, the real limit, in the same run.

Run: ``python bench/bench_pdf.py [pages] [runs]`` (defaults 200 and 3). The bench writes its own realistic
Japanese PDF (invented wording, not from any real document): chapter headings, numbered headings and items,
justified paragraphs, a ruled 評価軸/指標 table every third page, footnotes in a smaller size and a page
number on every page. Then, interleaved run by run so that the shared machine's noise hits both alike:

* ``raw pypdfium2``: open the PDF, and for every page its text page and ``get_text_range()`` (the peer);
* ``keifu, no tables``: :func:`read_source` with ``tables=False`` (the same work as the peer plus lines);
* ``keifu + tables (default)``: what ``keifu build`` does (ruled tables through pdfplumber on ruled pages).

Prints the median wall and CPU time of each, pages/s, and keifu's speed as a ratio of the peer's, of the medians
and of the least CPU times (peer time / keifu time; 1.0 = as fast as raw pypdfium2; goal ≥ 0.9 for ``no tables``). ``--pdfplumber``
adds the pure-pdfminer back-end (about ten times slower) and checks it gives the same lines. ``--against REF``
adds the PDF reader as it was at git ref REF (its ``extract/readers`` modules), interleaved in the same runs,
and checks that both give the same lines, pages and tables: a before/after in one run on a shared machine.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from keifu.extract.readers import read_source

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from pdfgen import FONT, LEFT, TOP, _draw_line, _font, make_pdf, text_width, wrap_paragraph  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

# Invented sentences (not from any real document), cycled to fill the pages.
SENTENCES = [
    "\u3000本計画は、研究開発の成果を社会に還元するための基本的な考え方を示すものであり、関係機関との連携を通じて着実に実施する。",
    "（１）研究基盤の整備 ",
    "\u3000先端的な計測装置の共用を進め、令和 8年度までに利用件数を 1,200件とすることを目指す。その際、AI and data science の手法を活用する。",
    "① 人材の育成 ",
    "\u3000若手研究者が安心して挑戦できる環境を整え、国際的な共同研究への参加を促す。",
]
PARAGRAPHS = [
    "\u3000機構は、海洋と沿岸の観測網を維持し、得られたデータを自治体や事業者が使いやすい形で公開する。"
    "あわせて、観測機器の更新計画を策定し、老朽化による欠測を前年度比で 2割減らすことを目指す。",
    "\u3000地域の研究機関や大学と共同で、気候変動の影響評価に関する共同研究を年 4件以上実施し、"
    "その成果を政策立案に資する報告書として取りまとめる。",
    "\u3000業務の電子化を進め、申請から交付決定までの標準処理期間を 30日以内とするとともに、"
    "利用者満足度調査において肯定的な回答の割合を 80%以上とする。",
    "\u3000安全管理体制を点検し、重大な事故の発生件数をゼロとすることを目標とする。また、"
    "職員向けの研修を毎年度実施し、受講率 95%以上を維持する。",
]
ITEMS = ["ア 観測データの品質管理を徹底する。", "イ 公開データの利用手引きを整備する。", "ウ 外部評価の結果を翌年度の計画に反映する。"]
TABLE = [
    ["評価軸", "評価指標", "モニタリング指標"],
    ["観測網を安定して運用しているか", "観測データの取得率\n（目標 95%以上）", "欠測日数\n機器更新台数"],
    ["成果が社会で活用されているか", "データ提供件数\n（前期比 1.2倍）", "問合せ件数"],
    ["業務運営は効率的か", "一般管理費の削減率", "電子申請の比率"],
]
FOOTNOTES = ["※1 ここでいう観測網とは、機構が所有し又は管理する観測点の総体をいう。",
             "※2 数値は各年度末時点のものとし、速報値を含む。"]


def make_doc(path: Path, pages: int) -> Path:
    """Full pages of plain paragraphs: 26 paragraphs give about 39 lines of 42 characters per A4 page."""
    body = [SENTENCES[i % len(SENTENCES)] for i in range(26)]
    return make_pdf(path, [body for _ in range(pages)])


def _paragraph(c: canvas.Canvas, y: float, text: str, size: float, indent: float = 0.0) -> float:
    """Draw a word-processor paragraph (full lines justified, the last one short); return the next baseline."""
    width = text_width(size, None) - indent
    wrapped = wrap_paragraph(text, size, int(width / size))
    for i, line in enumerate(wrapped):
        _draw_line(c, LEFT + indent, y, line, size, width if i < len(wrapped) - 1 else None)
        y -= size * 1.6
    return y


def _table(c: canvas.Canvas, y: float, size: float) -> float:
    """A ruled three-column 評価軸/指標 table; cell text wraps and "\\n" starts a new line in a cell."""
    widths = [14 * size, 12 * size, 10 * size]
    step, pad = size * 1.4, size * 0.5
    c.setLineWidth(0.6)
    for row in TABLE:
        cells = [[ln for part in txt.split("\n") for ln in wrap_paragraph(part, size, int(w / size) - 1)]
                 for txt, w in zip(row, widths, strict=True)]
        height = max(len(x) for x in cells) * step + 2 * pad
        x = LEFT
        for w, lines in zip(widths, cells, strict=True):
            c.rect(x, y - height, w, height, stroke=1, fill=0)
            for k, line in enumerate(lines):
                _draw_line(c, x + pad, y - pad - size - k * step, line, size, None)
            x += w
        y -= height
    return y - 2 * size


def make_realistic(path: Path, pages: int) -> Path:
    """A plan-like document: per page a heading, numbered items, paragraphs, a table every third page,
    footnotes and a centred page number; about 1,200-1,500 characters a page, like a government plan."""
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    _font()
    body, small = 10.5, 8.0
    for n in range(1, pages + 1):
        y = A4[1] - TOP - body
        if n % 10 == 1:
            _draw_line(c, LEFT, y, f"第{n // 10 + 1}章 中長期目標の達成に向けた取組 ", 14, None)
            y -= 14 * 2
        _draw_line(c, LEFT, y, f"{n % 9 + 1}．{n % 4 + 1} 研究開発の成果の最大化に関する事項 ", body, None)
        y -= body * 1.6
        y = _paragraph(c, y, PARAGRAPHS[n % 4], body)
        _draw_line(c, LEFT, y, f"（{n % 5 + 1}）観測と情報提供の充実 ", body, None)
        y -= body * 1.6
        for item in ITEMS:
            y = _paragraph(c, y, item, body, indent=body)
        if n % 3 == 0:
            y = _table(c, y - body * 0.5, 9.0)
        k = n
        while y - body * 1.6 * 4 > TOP + small * 6:  # fill the page down to the footnotes
            k += 1
            y = _paragraph(c, y, PARAGRAPHS[k % 4], body)
        y = TOP + small * 3
        c.setLineWidth(0.4)
        c.line(LEFT, y + small * 1.5, LEFT + 120, y + small * 1.5)
        for note in FOOTNOTES:
            _draw_line(c, LEFT, y, note, small, None)
            y -= small * 1.5
        c.setFont(FONT, 9)
        c.drawCentredString(A4[0] / 2, TOP / 2, f"- {n} -")
        c.showPage()
    c.save()
    return path


def raw_pdfium(path: Path) -> int:
    """The peer: every page's text through pypdfium2's own text extraction, nothing else."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path.read_bytes())
    chars = 0
    try:
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            chars += len(tp.get_text_range())
            tp.close()
            page.close()
    finally:
        doc.close()
    return chars


def reader_at(ref: str, into: Path) -> Callable[..., object]:
    """``read_pdf`` as it was at git ref ``ref``: its reader modules copied into a package of their own (the rest of
    ``keifu.extract`` is today's)."""
    repo = Path(__file__).resolve().parents[1]
    names = subprocess.run(["git", "-C", str(repo), "ls-tree", "--name-only", f"{ref}:extract/readers/"],
                           check=True, capture_output=True, text=True).stdout.split()
    package = into / "reader_at_ref"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in (n for n in names if n.endswith(".py") and n != "__init__.py"):
        code = subprocess.run(["git", "-C", str(repo), "show", f"{ref}:extract/readers/{name}"],
                              check=True, capture_output=True, text=True).stdout
        (package / name).write_text(re.sub(r"keifu\.extract\.readers\.(\w+)", r"reader_at_ref.\1", code))
    sys.path.insert(0, str(into))
    return importlib.import_module("reader_at_ref.pdf").read_pdf  # type: ignore[no-any-return]


def _data(path: Path) -> bytes:
    data = path.read_bytes()
    hashlib.sha256(data).hexdigest()
    return data


def _same(a: object, b: object) -> bool:
    return ([(x.page, x.no, x.text) for x in a.lines], a.pages, a.tables) == (  # type: ignore[attr-defined]
        [(x.page, x.no, x.text) for x in b.lines], b.pages, b.tables)  # type: ignore[attr-defined]


def measure(paths: dict[str, Callable[[], object]], runs: int) -> dict[str, tuple[float, float, float]]:
    """Median wall, median CPU and least CPU seconds of each path, the paths interleaved within every run (the
    order reversed every other run); on a shared machine the least CPU time is the steadier figure."""
    for fn in paths.values():
        fn()  # warm-up: imports, font caches
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in paths}
    for run in range(runs):
        for name, fn in (paths.items() if run % 2 == 0 else reversed(paths.items())):
            w, c = time.perf_counter(), time.process_time()
            fn()
            times[name].append((time.perf_counter() - w, time.process_time() - c))
    return {k: (statistics.median(t[0] for t in v), statistics.median(t[1] for t in v), min(t[1] for t in v))
            for k, v in times.items()}


def main() -> None:
    argv = sys.argv[1:]
    ref = argv[argv.index("--against") + 1] if "--against" in argv else None
    args = [a for a in argv if not a.startswith("--") and a != ref]
    pages = int(args[0]) if args else 200
    runs = int(args[1]) if len(args) > 1 else 3
    with tempfile.TemporaryDirectory() as tmp:
        path = make_realistic(Path(tmp) / "bench.pdf", pages)
        paths: dict[str, Callable[[], object]] = {
            "raw pypdfium2 (peer)": lambda: raw_pdfium(path),
            "keifu, no tables": lambda: read_source(path, tables=False),
            "keifu + tables (default)": lambda: read_source(path),
        }
        if "--pdfplumber" in sys.argv:
            paths["keifu pdfplumber + tables"] = lambda: read_source(path, backend="pdfplumber")
        if ref is not None:
            old = reader_at(ref, Path(tmp))
            # like read_source: the file read (and hashed) on every call
            paths[f"{ref[:10]}, no tables"] = lambda: old(path, _data(path), "", tables=False)
            paths[f"{ref[:10]} + tables"] = lambda: old(path, _data(path), "")
        st = read_source(path)
        print(f"{pages} pages, {len(st.lines)} lines, {len(st.tables)} tables, "
              f"{sum(len(ln.text) for ln in st.lines)} characters; median of {runs} interleaved runs")
        result = measure(paths, runs)
        peer_w, peer_c, peer_least = result["raw pypdfium2 (peer)"]
        for name, (w, c, least) in result.items():
            print(f"{name:27s} wall {w * 1000:7.0f} ms  CPU {c * 1000:7.0f} ms  {pages / w:6.1f} pages/s  "
                  f"ratio to peer: wall {peer_w / w:4.2f}  CPU {peer_c / c:4.2f}  least CPU {peer_least / least:4.2f}")
        if ref is not None:
            print(f"same lines, pages and tables as at {ref}:", _same(st, old(path, _data(path), "")),
                  _same(read_source(path, tables=False), old(path, _data(path), "", tables=False)))
        if "--pdfplumber" in sys.argv:
            a, b = read_source(path), read_source(path, backend="pdfplumber")
            print("same lines on both back-ends:", [(x.page, x.no, x.text) for x in a.lines]
                  == [(x.page, x.no, x.text) for x in b.lines])


if __name__ == "__main__":
    main()
