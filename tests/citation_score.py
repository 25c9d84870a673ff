"""Score dated-citation recall and precision per citation form on the ``citrec_*`` fixtures.

The fixtures (``tests/fixtures/unseen/citrec_*.txt``) are our own wording: one paragraph per form of a dated
citation (dates before or after the name, eras and western years, full- and half-width digits, bodies never seen,
amendments, several plans in one bracket, wraps inside tokens, laws and ordinances). ``citrec_expected.tsv`` lists
what a careful reader extracts: (file, line, form, name, date, deciding body). A citation counts as found only when
all of name, date (ISO at the printed precision, ``?YYYY`` for a placeholder), body and line are right.

The files are read as the pipeline reads a body: physical lines → logical blocks → one citation scanner per file.

    python tests/citation_score.py            # the per-form table, then the totals
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from keifu.extract.blocks import logical_blocks
from keifu.extract.citations import CitationScanner, Mention
from keifu.extract.normalize import squash
from keifu.extract.readers import read_source

UNSEEN = Path(__file__).resolve().parent / "fixtures" / "unseen"
EXPECTED = UNSEEN / "citrec_expected.tsv"

Fact = tuple[str, int, str, str, str]  # file, line, name, date, body


@dataclass
class Score:
    form: str
    expected: int = 0
    found: int = 0  # dated mentions attributed to this form
    right: int = 0

    @property
    def recall(self) -> float:
        return self.right / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0


def date_key(m: Mention) -> str:
    """ISO at the printed precision; ``?YYYY`` for a placeholder date."""
    if m.date is None:
        return ""
    if m.date.unknown:
        return f"?{m.date.year}" if m.date.year else "?"
    return m.date.iso or ""


def expected() -> list[tuple[str, Fact]]:
    """(form, fact) of every expected citation, in file order."""
    out = []
    for row in EXPECTED.read_text(encoding="utf-8").splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        file, line, form, name, date, body = (row.split("\t") + [""] * 6)[:6]
        out.append((form, (file, int(line), squash(name), date, squash(body))))
    return out


def extracted(file: str) -> list[Fact]:
    """Dated mentions (a date or a law number) of one fixture file."""
    lines = read_source(UNSEEN / file).lines
    scanner = CitationScanner()
    out = []
    for block in logical_blocks(lines):
        for m in scanner.scan(block):
            if m.dated:
                out.append((file, m.line.no, squash(m.name), date_key(m), squash(m.body or "")))
    return out


def score() -> tuple[list[Score], list[Fact], list[Fact]]:
    """Per-form scores, the expected facts missed and the extracted facts not expected."""
    exp = expected()
    forms: dict[str, Score] = {}
    starts: dict[str, list[tuple[int, str]]] = defaultdict(list)  # file → (first line of a form, form)
    for form, fact in exp:
        forms.setdefault(form, Score(form)).expected += 1
        starts[fact[0]].append((fact[1], form))
    want = {fact for _, fact in exp}
    got: list[Fact] = []
    for file in sorted(starts):
        got.extend(extracted(file))
    for fact in got:
        before = [f for line, f in sorted(starts[fact[0]]) if line <= fact[1]]
        sc = forms[before[-1] if before else starts[fact[0]][0][1]]
        sc.found += 1
        sc.right += fact in want
    missed = [f for _, f in exp if f not in set(got)]
    extra = [f for f in got if f not in want]
    return list(forms.values()), missed, extra


def main() -> int:
    scores, missed, extra = score()
    print(f"{'form':32} {'exp':>3} {'got':>3} {'ok':>3} {'recall':>6} {'prec':>6}")
    for s in scores:
        print(f"{s.form:32} {s.expected:3d} {s.found:3d} {s.right:3d} {s.recall:6.2f} {s.precision:6.2f}")
    n_exp = sum(s.expected for s in scores)
    n_got = sum(s.found for s in scores)
    n_ok = sum(s.right for s in scores)
    print(f"{'TOTAL (' + str(len(scores)) + ' forms)':32} {n_exp:3d} {n_got:3d} {n_ok:3d} "
          f"{n_ok / n_exp:6.2f} {n_ok / max(n_got, 1):6.2f}")
    for f in missed:
        print("missed:", *f, sep="\t")
    for f in extra:
        print("extra: ", *f, sep="\t")
    return 0


if __name__ == "__main__":
    sys.exit(main())
