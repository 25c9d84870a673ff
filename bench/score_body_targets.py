"""Score body indicators and targets against the expected facts of our unseen-layout fixtures (issue 13).

    python bench/score_body_targets.py

The expected facts are those asserted in tests/test_body_targets_unseen.py: (section number of the objective,
target phrase or indicator name, value, unit, deadline). Two scores: *exact* (all five fields equal) and
*value* (the same objective, value, unit and deadline, the phrase aside). Prints recall and precision per
fixture and in total.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from test_body_targets_unseen import EXPECTED, UNSEEN, load  # noqa: E402

from keifu.extract.evaluation.body_indicators import target_facts  # noqa: E402


def _score(got: list[tuple], want: list[tuple]) -> tuple[int, int, int]:
    """(matched, found, expected), each fact matched at most once."""
    left = Counter(want)
    hit = 0
    for f in got:
        if left[f] > 0:
            left[f] -= 1
            hit += 1
    return hit, len(got), len(want)


def main() -> None:
    totals = {"exact": [0, 0, 0], "value": [0, 0, 0]}
    print(f"{'fixture':34} {'exact R':>8} {'exact P':>8} {'value R':>8} {'value P':>8}")
    for name, want in sorted(EXPECTED.items()):
        got = target_facts(load(UNSEEN / name))
        row = []
        for mode, key in (("exact", lambda f: f), ("value", lambda f: (f[0], f[2], f[3], f[4]))):
            h, g, w = _score([key(f) for f in got], [key(f) for f in want])
            for k, v in enumerate((h, g, w)):
                totals[mode][k] += v
            row += [h / w if w else 1.0, h / g if g else 1.0]
        print(f"{name:34} " + " ".join(f"{x:8.2f}" for x in row))
    row = []
    for mode in ("exact", "value"):
        h, g, w = totals[mode]
        row += [h / w if w else 1.0, h / g if g else 1.0]
    n = totals["exact"][2]
    print(f"{'total (' + str(n) + ' facts)':34} " + " ".join(f"{x:8.2f}" for x in row))


if __name__ == "__main__":
    main()
