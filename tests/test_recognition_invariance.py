"""Recognition must not hang on how an agency is named: metamorphic tests on the corpus objectives.

Each corpus objectives document (000, and each of the five in the compendium 002) is transformed in memory
the way an unseen agency's document differs from ours, and must give the same objective tree (section numbers
and titles) and the same citations (name, date, deciding body), the agency's name mapped back:

* ``no-legal-form``: the agency's name printed without its legal form (国立研究開発法人X → X), as a 特殊法人's or
  an 認可法人's name is;
* ``renamed``: the agency renamed (another, invented name), legal form kept;
* ``annex-label``: an annex label 「別添１」 printed on its own line before each document's title (or preamble).

Needs ../shared/corpus; skips without it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from conftest import corpus_file

from keifu.extract.model import Line, SourceText
from keifu.extract.pipeline import ExtractedFile, extract_source
from keifu.extract.readers import read_source

#: Places for invented names that replace the agencies' (legal form and last word kept, 研究所 stays a 研究所):
#: no real agency is called so.
PLACES = ["北浜", "南浦", "東岬", "西ノ森", "中洲", "北辺"]

Names = list[tuple[str, str, str]]  # (name as printed, name without legal form, invented name)


def _invented(key: str, n: int) -> str:
    tail = next((w for w in ("研究所", "機構", "センター") if key.endswith(w)), key[-2:])
    return f"{PLACES[n]}総合先端技術{tail}"


def _names(ef: ExtractedFile) -> Names:
    out: Names = []
    for n, d in enumerate(ef.documents):
        f = d.facts
        if f.agency and f.agency_key and f.agency != f.agency_key:
            out.append((f.agency, f.agency_key, _invented(f.agency_key, n)))
    return out


def _relines(src: SourceText, texts: list[str]) -> SourceText:
    lines = [Line(i, i + 1, t) for i, t in enumerate(texts)]
    return SourceText(src.path, src.sha256, src.media, lines, src.encoding)


def _no_legal_form(src: SourceText, _ef: ExtractedFile, names: Names) -> SourceText:
    texts = []
    for ln in src.lines:
        t = ln.text
        for full, key, _ in names:
            t = t.replace(full, key)
        texts.append(t)
    return _relines(src, texts)


def _renamed(src: SourceText, _ef: ExtractedFile, names: Names) -> SourceText:
    texts = []
    for ln in src.lines:
        t = ln.text
        for _, key, invented in names:
            t = t.replace(key, invented)
        texts.append(t)
    return _relines(src, texts)


def _annex_label(src: SourceText, ef: ExtractedFile, _names: Names) -> SourceText:
    """「別添１」 and a blank line before the first line of each document's title or preamble."""
    at = set()
    for d in ef.documents:
        seg = d.segment
        first = seg.title_line or seg.preamble_line or src.lines[seg.start]
        at.add(first.index)
    texts: list[str] = []
    for ln in src.lines:
        if ln.index in at:
            texts += ["別添１ ", ""]
        texts.append(ln.text)
    return _relines(src, texts)


TRANSFORMS: dict[str, Callable[[SourceText, ExtractedFile, Names], SourceText]] = {
    "no-legal-form": _no_legal_form, "renamed": _renamed, "annex-label": _annex_label}


def _norm(names: Names) -> Callable[[str | None], str | None]:
    def norm(s: str | None) -> str | None:
        if s is None:
            return None
        for _, key, invented in names:
            s = s.replace(invented, key)
        for full, key, _ in names:
            s = s.replace(full, key)
        return s
    return norm


def _facts(ef: ExtractedFile, names: Names) -> list[tuple[tuple, list[tuple[str, str]], Counter]]:
    """Per document: (kind, agency's identity, period), (section number, title) of every objective, and the
    citations as a multiset."""
    norm = _norm(names)
    out = []
    for d in ef.documents:
        f = d.facts
        head = (d.segment.kind, norm(f.agency_key), f.period_start, f.period_end)
        tree = [(h.section_number, norm(h.title)) for h in d.headings]
        cites = Counter((norm(c.mention.name), c.mention.date.iso if c.mention.date else None, c.mention.body)
                        for c in d.citations)
        out.append((head, tree, cites))
    return out


def _kept(before: list, after: list) -> float:
    """Share of facts (objectives + citations) of ``before`` found again in ``after``."""
    total = kept = 0
    for (_, tree, cites), other in zip(before, after + [None] * len(before), strict=False):
        total += len(tree) + sum(cites.values())
        if other is None:
            continue
        kept += len(set(tree) & set(other[1])) + sum((cites & other[2]).values())
    return kept / total if total else 1.0


@pytest.fixture(scope="module", params=["000", "002"])
def original(request: pytest.FixtureRequest) -> tuple[SourceText, ExtractedFile]:
    src = read_source(corpus_file(request.param))
    return src, extract_source(src)


@pytest.mark.parametrize("name", TRANSFORMS)
def test_objectives_and_citations_survive(original: tuple[SourceText, ExtractedFile], name: str) -> None:
    src, ef = original
    names = _names(ef)
    assert names, "every corpus objectives document prints its agency's legal form"
    changed = TRANSFORMS[name](src, ef, names)
    assert [ln.text for ln in changed.lines] != [ln.text for ln in src.lines]  # the transformation did something
    after = extract_source(changed)
    before_facts, after_facts = _facts(ef, names), _facts(after, names)
    assert [k for k, _, _ in after_facts] == [k for k, _, _ in before_facts]
    assert _kept(before_facts, after_facts) == 1.0
    assert after_facts == before_facts


def test_agency_kind_is_read_where_printed_only() -> None:
    """Without its legal form the agency has the kind its preamble gives (通則法 → 独立行政法人), else none."""
    src = read_source(corpus_file("000"))
    ef = extract_source(src)
    names = _names(ef)
    bare = extract_source(_no_legal_form(src, ef, names))
    (d,) = bare.documents
    # the preamble orders the document under 通則法 第35条の4: an 独立行政法人 whose 中長期目標 makes it a 国立研究開発法人
    assert d.facts.agency == names[0][1] and d.facts.agency_key == ef.documents[0].facts.agency_key
    assert d.facts.agency_kind == "national-rd-agency"

