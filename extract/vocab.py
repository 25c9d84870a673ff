"""Small vocabularies kept as TSV in ``extract/data/`` (package data): loading and lookup."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources


@cache
def rows(name: str) -> tuple[tuple[str, ...], ...]:
    """Rows of ``data/<name>``: tab-separated, ``#`` comments and blank lines skipped."""
    text = resources.files("keifu.extract").joinpath("data", name).read_text(encoding="utf-8")
    out = []
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        out.append(tuple(raw.split("\t")))
    return tuple(out)


@cache
def patterns(name: str) -> tuple[re.Pattern[str], ...]:
    """One compiled regular expression per non-comment line of ``data/<name>``."""
    return tuple(re.compile(r[0]) for r in rows(name))


def split_list(cell: str) -> list[str]:
    return [p for p in (s.strip() for s in cell.split(";")) if p]
