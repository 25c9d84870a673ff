"""What is recognised in each file: documents (kind, agency, kind as printed), objectives, citations, budget IDs.

    python bench/bench_recognition.py [PATH ...]      # default: ../shared/corpus and tests/fixtures/unseen

Counts, not timings: run it on two commits to see what a change to recognition gained or lost (issue 13,
item 1: an agency without 独立行政法人/国立研究開発法人 in its name was not found at all). A file that is not
recognised prints its error instead of a row.
"""

from __future__ import annotations

import sys
from pathlib import Path

from keifu.extract.errors import KeifuError
from keifu.extract.pipeline import extract_file

REPO = Path(__file__).resolve().parents[1]
DEFAULT = [REPO.parent / "shared" / "corpus", REPO / "tests" / "fixtures" / "unseen"]


def rows(path: Path) -> list[tuple]:
    try:
        ef = extract_file(path)
    except KeifuError as e:
        return [(path.name, "-", "ERROR", e.message_en[:60], "-", 0, 0, 0)]
    return [(path.name, d.number, d.segment.kind, d.facts.agency or "-", d.facts.agency_kind or "-", len(d.headings),
             len(d.citations), len(d.extras.get("budget_programmes") or ())) for d in ef.documents]


def main(args: list[str]) -> None:
    paths = [Path(a) for a in args] or [p for p in DEFAULT if p.exists()]
    files = sorted(f for p in paths for f in ([p] if p.is_file() else p.glob("*.txt")))
    table = [r for f in files for r in rows(f)]
    head = ("file", "#", "kind", "agency", "agency kind", "objectives", "citations", "budget IDs")
    widths = [max(len(str(x)) for x in col) for col in zip(head, *table, strict=True)]
    for r in (head, *table):
        print("  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=True)))
    docs = [r for r in table if r[2] != "ERROR"]
    print(f"\n{len(files)} files, {len(docs)} documents, {sum(r[5] for r in docs)} objectives, "
          f"{sum(r[6] for r in docs)} citations, {sum(r[7] for r in docs)} budget IDs, "
          f"{len(table) - len(docs)} files not recognised")


if __name__ == "__main__":
    main(sys.argv[1:])
