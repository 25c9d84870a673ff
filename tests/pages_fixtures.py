"""A small store for the page and search tests: the bundled samples plus three invented fixtures in the real
formats (a 事前分析表 with yearly values, an agency's evaluation table, a briefing deck), built as keifu builds."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SAMPLES

from keifu.graph.build import build
from keifu.graph.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXTRA = ("policy_table.txt", "axis_interleaved.txt", "slides_deck.txt")


def build_pages_store(folder: Path) -> Path:
    """Copy the inputs into ``folder/in`` and build them into ``folder/store``; returns the store's path."""
    src = folder / "in"
    shutil.copytree(SAMPLES, src)
    for name in EXTRA:
        shutil.copy(FIXTURES / name, src / name)
    store = folder / "store"
    with Store(store) as st:
        results = list(build([src], st, validate=False, jobs=1))
    assert results and not any(r.error for r in results)
    return store
