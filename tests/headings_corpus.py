"""Test helper: corpus lines and document body ranges, until the segmenter provides them.

Body ranges follow FORMAT-NOTES §3: from the anchor heading (政策体系における法人の位置付け) to the first
annex title or the next document's anchor. An agency plan (001) has no anchor; its body starts at its
first Roman-numeral chapter. This logic is deliberately kept out of ``extract/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from keifu.extract.model import Line
from keifu.extract.normalize import squash

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

_ANCHOR = "政策体系における法人の位置付け"
_ANNEX = re.compile(
    r"(政策体系図(\(案\))?|使命等と目標との関係|評価に関する評価軸等(について)?|評価軸及び関連指標(\(案\))?"
    r"|別添:用語集|一定の事業等のまとまり)$"
)
_CHAPTER = re.compile(r"^\s*[ⅠＩ][．.]")


def corpus_lines(prefix: str) -> list[Line]:
    """The lines of corpus file ``<prefix>_*.txt``, with page starts marked; skips when absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS} / コーパスがありません")
    files = sorted(CORPUS.glob(f"{prefix}_*.txt"))
    if not files:
        pytest.skip(f"corpus file {prefix}_*.txt not found / コーパスのファイルがありません")
    return lines_from_text(files[0].read_text(encoding="utf-8"))


def fixture_lines(name: str) -> list[Line]:
    """The lines of ``tests/fixtures/<name>``, with page starts marked."""
    path = Path(__file__).resolve().parent / "fixtures" / name
    return lines_from_text(path.read_text(encoding="utf-8"))


def lines_from_text(text: str) -> list[Line]:
    """Split text into :class:`Line` records the way a text reader does."""
    texts = text.split("\n")
    lines = []
    for i, t in enumerate(texts):
        # Double-spaced text: a line directly after a non-blank line that itself follows a blank
        # line starts a new page (000:73→74). Single-spaced runs never qualify.
        page_start = (i >= 2 and bool(t.strip()) and bool(texts[i - 1].strip()) and not texts[i - 2].strip())
        lines.append(Line(index=i, no=i + 1, text=t, page_start=page_start))
    return lines


def _is_anchor(text: str) -> bool:
    return _ANCHOR in text and "、" not in text and "。" not in text


def _is_annex_title(text: str) -> bool:
    s = squash(text)  # NFKC: （案） → (案), ： → :, ⽬ → 目
    return bool(_ANNEX.search(s)) and not s.startswith(("(", "※")) and not s.endswith("。")


def body_ranges(lines: list[Line]) -> list[tuple[int, int]]:
    """(start, end) index ranges, end exclusive, of every document body in ``lines``."""
    anchors = [ln.index for ln in lines if _is_anchor(ln.text)]
    if not anchors:
        first = next(ln.index for ln in lines if _CHAPTER.match(ln.text))
        return [(first, len(lines))]
    ranges = []
    for k, start in enumerate(anchors):
        stop = anchors[k + 1] - 25 if k + 1 < len(anchors) else len(lines)
        end = next((ln.index for ln in lines[start + 1:stop] if _is_annex_title(ln.text)), stop)
        ranges.append((start, end))
    return ranges


def body(prefix: str, k: int = 0) -> list[Line]:
    """The ``k``-th document body of corpus file ``prefix``."""
    lines = corpus_lines(prefix)
    a, b = body_ranges(lines)[k]
    return lines[a:b]
