"""Link a printed item title (a table cell, a plan heading) to a heading of an objectives document.

Tables number their items relative to a chapter or differently from the body (docs/formats.md §5.4:
JAXA's table ``１．１．`` is body ``Ⅲ．１．１``, and body ``Ｉ．１．１`` has the same number), so links go
by normalised title: NFKC, whitespace and quotes removed, the printed number stripped. A title that
matches nothing exactly is tried as ``main（qualifier）``, as two cells merged on one line, and finally
fuzzily (difflib ratio) among the descendants of the expected parent; every non-exact link says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from ..headings import Heading
from ..normalize import match_key

# Fuzzy links need this ratio (difflib, on match keys). Measured on the corpus tables: true near-matches
# score 0.96 (one particle dropped, …の促進 vs …促進); the best wrong candidate of any linked table cell
# under its expected parent scores at most 0.90 (a child whose title extends the parent’s).
FUZZY_MIN = 0.92
# … and must beat the runner-up by this much, so a tie between siblings is not decided by chance.
FUZZY_MARGIN = 0.05
# Content links (catch-all rows) need a shared run of at least this many characters with a title core.
CONTENT_MIN = 6

# One printed number; a cell may print the whole path (第３　１　技術相談…, Ⅲ．１．（２）…), so strip_number
# removes a chain of them.
_ONE_NUMBER = (
    r"(?:第[0-9０-９一二三四五六七八九十]+[章節]?|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩＩIVX]{1,4}[．.]"
    r"|[0-9０-９]{1,2}[）)]|[0-9０-９]{1,2}(?:[．.][0-9０-９]{1,2})*[．.]?(?![0-9０-９年月日])|[（(][0-9０-９]{1,2}[）)]"
    r"|[①-⑳]|[a-zａ-ｚ][.．])"
)  # １） before a bare number, which would leave its bracket on the title
_NUMBER = re.compile(rf"^\s*(?:[【\[]\s*)?(?:{_ONE_NUMBER}[\s\u3000】\]]*)+")
_QUALIFIER = re.compile(r"^(?P<main>.+?)[（(](?P<qual>[^（）()]+)[）)]$")
#: Boilerplate around chapter titles that is not part of what the item is about.
_CORE_DROP = re.compile(r"(に関する|に係る|のための)?(目標を達成するため(に)?とるべき措置|事項|取組)$"
                        r"|(に関する|に係る)計画$")  # plans word items 「人事に関する計画」 for 「人事に関する事項」


def strip_number(text: str) -> tuple[str, str]:
    """(printed number, title): ``３.１戦略的経営の高度化`` → (``３.１``, ``戦略的経営の高度化``)."""
    s = text.strip()
    if s.startswith("【") and s.endswith("】"):
        s = s[1:-1]
    elif s.startswith("【"):
        s = s[1:]
    m = _NUMBER.match(s)
    if m and m.end() < len(s):
        return m.group(0).strip(" 【[]】\u3000"), s[m.end():].strip()
    return "", s


def title_key(text: str) -> str:
    """Match key of a printed item: number and enclosing brackets removed, then :func:`match_key`."""
    _, title = strip_number(text)
    if title.startswith(("（", "(")) and title.endswith(("）", ")")) and _QUALIFIER.match(title) is None:
        title = title[1:-1]
    return match_key(title)


def core_key(title: str) -> str:
    """A title without the chapter boilerplate (…に関する事項, …目標を達成するためとるべき措置)."""
    key = title_key(title)
    core = _CORE_DROP.sub("", key)
    return core or key


@dataclass(frozen=True, slots=True)
class Link:
    """A link to ``heading`` (index into the document's headings) and the rule that found it."""

    heading: int
    rule: str  # title | qualifier | split | fuzzy | content
    score: float = 1.0

    @property
    def uncertain(self) -> bool:
        return self.rule in ("fuzzy", "content")

    def describe(self) -> str:
        return self.rule if self.rule != "fuzzy" else f"fuzzy title match (ratio {self.score:.2f})"


def _run_together(text: str) -> list[tuple[str, str]]:
    """Every cut of ``text`` (whitespace removed) into two parts of two or more characters: two cells whose
    lines ran together with no space (a text with no unit-end signal) may part anywhere."""
    joined = "".join(text.split())
    return [(joined[:k], joined[k:]) for k in range(2, len(joined) - 1)]


class TitleIndex:
    """Headings of one document by match key, with the tree for "under the expected parent"."""

    def __init__(self, headings: Sequence[Heading]) -> None:
        self.headings = headings
        self.keys = [title_key(h.title) for h in headings]
        self.by_key: dict[str, list[int]] = {}
        for i, k in enumerate(self.keys):
            self.by_key.setdefault(k, []).append(i)

    def ancestors(self, i: int) -> list[int]:
        out = []
        p = self.headings[i].parent
        while p is not None:
            out.append(p)
            p = self.headings[p].parent
        return out

    def is_under(self, i: int, ancestor: int) -> bool:
        return ancestor in self.ancestors(i)

    def descendants(self, i: int | None) -> list[int]:
        if i is None:
            return list(range(len(self.headings)))
        return [j for j in range(len(self.headings)) if self.is_under(j, i)]

    def _pick(self, cands: list[int], under: int | None, number: str) -> int:
        def rank(i: int) -> tuple[int, int, int]:
            below = under is not None and self.is_under(i, under)
            same_no = bool(number) and match_key(self.headings[i].marker).rstrip(".") == match_key(number).rstrip(".")
            return (0 if below else 1, 0 if same_no else 1, i)
        return min(cands, key=rank)

    def exact(self, text: str, under: int | None = None) -> int | None:
        number, _ = strip_number(text)
        cands = self.by_key.get(title_key(text))
        return self._pick(cands, under, number) if cands else None

    def link(self, text: str, under: int | None = None, fuzzy: bool = True) -> list[Link]:
        """Links for one printed item; two links when the text is two merged cells (parent, child)."""
        hit = self.exact(text, under)
        if hit is not None:
            return [Link(hit, "title")]
        _, title = strip_number(text)
        m = _QUALIFIER.match(title)
        if m:
            main = self.exact(m.group("main"), under)
            if main is not None:
                qual = self.exact(m.group("qual"), main)
                if qual is not None and self.is_under(qual, main):
                    return [Link(main, "title"), Link(qual, "qualifier")]
                return [Link(main, "title")]
        parts = text.split()
        splits = [(" ".join(parts[:k]), " ".join(parts[k:])) for k in range(1, len(parts))]
        for head, tail in splits + _run_together(text):
            left = self.exact(head, under)
            if left is None:
                continue
            right = self.exact(tail, left)
            if right is not None and self.is_under(right, left):
                return [Link(left, "split"), Link(right, "split")]
        if fuzzy:
            f = self.fuzzy(text, under)
            if f is not None:
                return [f]
        return []

    def cut(self, text: str) -> int | None:
        """Where ``text`` (whitespace removed) splits into two titles printed as separate cells whose lines ran
        together (a text with no unit-end signal): the length of the first, or None."""
        for head, tail in _run_together(text):
            if self.exact(head) is not None and self.exact(tail) is not None:
                return len(head)
        return None

    def ratios(self, text: str, under: int | None) -> list[tuple[float, int]]:
        key = title_key(text)
        pool = self.descendants(under) if under is not None else range(len(self.headings))
        return sorted(((SequenceMatcher(None, key, self.keys[i], autojunk=False).ratio(), i) for i in pool),
                      reverse=True)

    def fuzzy(self, text: str, under: int | None) -> Link | None:
        scored = self.ratios(text, under)
        if not scored:
            return None
        best, i = scored[0]
        second = scored[1][0] if len(scored) > 1 else 0.0
        if best >= FUZZY_MIN and best - second >= FUZZY_MARGIN:
            return Link(i, "fuzzy", round(best, 2))
        return None

    def by_content(self, text: str, within: Sequence[int] | None = None) -> Link | None:
        """A catch-all row: the heading whose title core shares the longest run with the row's text."""
        body = match_key(text)
        best: tuple[int, int, int] | None = None  # (run, depth, -index)
        for i in within if within is not None else range(len(self.headings)):
            core = core_key(self.headings[i].title)
            m = SequenceMatcher(None, core, body, autojunk=False).find_longest_match(0, len(core), 0, len(body))
            run = m.size
            if run < CONTENT_MIN and not (run == len(core) and run >= 2):
                continue
            cand = (run, self.headings[i].depth, -i)
            if best is None or cand > best:
                best = cand
        return Link(-best[2], "content", float(best[0])) if best else None
