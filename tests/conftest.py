"""Shared test fixtures: the bundled samples and, when present, the real corpus beside the repo."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
CORPUS = REPO.parent / "shared" / "corpus"


def corpus_file(prefix: str) -> Path:
    """The corpus file whose name starts with ``prefix``; skips the test when the corpus is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not available at {CORPUS} (CI provides ../shared/corpus)")
    found = sorted(CORPUS.glob(f"{prefix}_*.txt"))
    if not found:
        pytest.skip(f"corpus file {prefix}_*.txt not found in {CORPUS}")
    return found[0]


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not available at {CORPUS} (CI provides ../shared/corpus)")
    return CORPUS
