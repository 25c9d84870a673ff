"""How much of a 事前分析表 (policy-evaluation table) survives the metamorphic test's transformations.

Not a test yet: the policy-table parser does not hold under several of them (see the closing note of
2026-12-07), so this prints the share kept per transformation and kind, for the work that makes it one.

    python tests/policy_invariance.py [CORPUS_PREFIX ...]     # default: 003
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import test_metamorphic as tm  # noqa: E402

from keifu.extract.normalize import squash  # noqa: E402
from keifu.extract.pipeline import ExtractedFile, extract_file  # noqa: E402

KINDS = ("row", "indicator", "target", "observation", "programme")


def policy_facts(ef: ExtractedFile, fold: Callable[[str], str]) -> Counter[tuple]:
    """Rows, indicators, targets, yearly values and budget programmes of every policy table in ``ef``."""
    out: Counter[tuple] = Counter()
    for d in ef.documents:
        table = d.extras.get("policy_table")
        for r in getattr(table, "rows", []):
            out[("row", r.code, fold(squash(r.goal_text or "")))] += 1
            for i in r.indicators:
                name = fold(squash(i.name))
                out[("indicator", r.code, name)] += 1
                for t in i.targets:
                    out[("target", r.code, name, str(t.value), t.fiscal_year)] += 1
                for o in i.observations:
                    out[("observation", r.code, name, str(o.value), getattr(o, "fiscal_year", None))] += 1
            for p in r.programmes:
                out[("programme", r.code, fold(squash(p.name)), p.program_id)] += 1
    return out


def main(prefixes: list[str]) -> None:
    print(f"{'transformation':42}" + "".join(f"{k:>12}" for k in KINDS) + f"{'all':>8}")
    results = {name: (Counter(), Counter()) for name in tm.TRANSFORMS}
    with tempfile.TemporaryDirectory() as tmp:
        for prefix, path in tm.corpus_files(prefixes):
            lines = path.read_text(encoding="utf-8").split("\n")
            original = extract_file(path)
            for name, (total, kept) in results.items():
                v = tm.TRANSFORMS[name](lines, original)
                base = policy_facts(original, v.fold)
                out = Path(tmp) / f"{prefix}.txt"
                out.write_text("\n".join(v.lines), encoding="utf-8")
                got = policy_facts(extract_file(out), v.fold)
                for f, n in base.items():
                    total[f[0]] += n
                    kept[f[0]] += min(n, got[f])
    for name, (total, kept) in results.items():
        cells = "".join(f"{kept[k] / total[k] if total[k] else 1:>7.3f} {total[k]:>4}" for k in KINDS)
        print(f"{name:42}{cells}{sum(kept.values()) / max(1, sum(total.values())):>8.3f}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["003"])
