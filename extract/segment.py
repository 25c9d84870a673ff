"""Split one source file into documents and say what each one is.

A compendium holds several agencies' objectives, each with a cover, a body and annexes
(docs/formats.md §3). Boundaries come from format rules only: the anchor heading of the
first chapter, title and preamble patterns, annex titles and the switch to diagram or
table layout. Every decision keeps the line that supports it (``Segment.evidence``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

from . import kinds
from .blocks import full_width, has_trailing_space_signal, match_marker, prose_line
from .chapters import chapter_role
from .errors import UnknownDocumentError
from .model import UNIT_END, Line, SourceText
from .normalize import kanji_number, squash
from .vocab import patterns

#: The first chapter every objectives document has (guideline: 政策体系における法人の位置付け及び役割).
ANCHOR = "政策体系における法人の位置付け"
#: How far back from the anchor a cover or preamble may start, in non-blank lines.
COVER_WINDOW = 25

# The statutory detector's words and articles, from the kinds table (read once: a kind with new words needs a restart).
_KIND_BY_WORD = sorted(((w, k.code) for k in kinds.KINDS.values() for w in k.words), key=lambda p: -len(p[0]))
_KIND_BY_ARTICLE = sorted(((a, k.code) for k in kinds.KINDS.values() for a in k.articles), key=lambda p: -len(p[0]))
_KIND_WORDS = "|".join(re.escape(w) for w, _ in _KIND_BY_WORD)

_ORDINAL = r"第[0-9一二三四五六七八九十]+期"
_LEGAL_FORM = r"(?:国立研究開発法人|独立行政法人)"
# Titles on whitespace-free NFKC text (docs/formats.md §3.1, signal 2), widened to plans.
_TITLE_PHRASE = re.compile(r"^(?P<org>[^()「」、。]{2,60}?)が達成すべき業務運営に関する(?:目標|計画)(?:\(?案\)?)?$")
TITLE_KIND = re.compile(
    rf"^(?P<org>[^()「」、。]*{_LEGAL_FORM}[^()「」、。]*?|[^()「」、。]{{2,40}}?{_LEGAL_FORM})"
    rf"の?(?P<ord>{_ORDINAL})?(?P<kind>{_KIND_WORDS})(?P<draft>\(?案\)?)?$"
)
_TITLE_ORDINAL = re.compile(rf"^(?P<ord>{_ORDINAL})(?P<kind>{_KIND_WORDS})(?P<draft>\(?案\)?)?$")
# 「独立行政法人X の令和９年度における業務運営に関する目標」 (行政執行法人's 年度目標, annual plans): the kind
# comes from the preamble's alias; the name must carry the legal form, so a diagram box before it is no title.
_TITLE_YEAR = re.compile(
    rf"^(?P<org>{_LEGAL_FORM}[^()「」、。]{{2,40}}?)の(?:令和|平成)?[0-9元]{{1,4}}年度(?:\([0-9]{{4}}年度\))?"
    r"(?:における|の)?業務運営に関する(?:目標|計画)(?P<draft>\(?案\)?)?$"
)
ORG_LINE = re.compile(rf"^{_LEGAL_FORM}[^()「」、。]{{2,40}}$|^[^()「」、。]{{2,40}}{_LEGAL_FORM}$")
# The same title forms whatever the agency's legal form (特殊法人, 国立大学法人, 認可法人 … or none printed):
# the structure (a kind word ending the title, a statutory chapter after it) tells a title, not the name.
_ORG = r"[^()「」、。:：]{2,40}?"
_YEAR = r"(?:令和|平成)[0-9元]{1,2}(?:年度)?(?:\([0-9]{4}年度\))?"
TITLE_ANY = re.compile(
    rf"^(?P<org>(?!{_ORDINAL}){_ORG})?の?(?P<year>{_YEAR})?の?(?P<ord>{_ORDINAL})?(?P<kind>{_KIND_WORDS})(?P<draft>\(?案\)?)?$"
)
_TITLE_YEAR_ANY = re.compile(
    rf"^(?P<org>{_ORG})の(?:令和|平成)?[0-9元]{{1,4}}年度(?:\([0-9]{{4}}年度\))?"
    r"(?:における|の)?業務運営に関する(?:目標|計画)(?P<draft>\(?案\)?)?$"
)
#: A date or a blank date slot on a cover line (令和９年〇月〇日, 年　月　日): no name.
_DATE_LIKE = re.compile(r"令和|平成|昭和|[0-9〇○元]年|年[0-9〇○]*月|月[0-9〇○]*日")
#: A ministry, minister or local head printed on the cover (文部科学省, 総務大臣, 北浜県知事): the issuer, not the agency.
_ISSUER_LIKE = re.compile(r"(?:省|内閣府|庁|大臣|知事|[市町村]長)$")
#: How a title's last line ends (raw text: letter spacing and either bracket width allowed).
_TITLE_END = re.compile(r"[標画]\s*(?:[（(]\s*案\s*[）)]|案)?\s*$")
#: An annex label printed before a title on the same line (別添２ ○○機構中期目標（案）).
_LABEL_PREFIX = re.compile(r"^\(?別[添紙表][0-9]*\)?[:：]?")
_TITLE_REJECT = re.compile(r"期間|実績|%|％")
#: A preamble opens with a law: 通則法, or the agency's own act (○○機構法（…）, …法第N条).
_PREAMBLE_HEAD = re.compile(r"通則法|^[^、。]{2,40}?法(?:律)?(?:\(|第[0-9一二三四五六七八九十百]+条)")
_ARTICLE = re.compile(r"第([0-9一二三四五六七八九十百]+)条(?:の([0-9一二三四五六七八九十]+))?")
_ALIAS_KIND = re.compile(rf"以下[「『](?P<kind>{_KIND_WORDS})[」』]という")
_NUMBERED = re.compile(
    r"^\s*(?:第[0-9０-９一二三四五六七八九十]+(?:章|[\s　])|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩＩI][．.]|[0-9０-９]{1,2}[．.　]|"
    r"[（(][0-9０-９]{1,2}[）)]|【[0-9０-９]|[0-9０-９]{1,2}[）)])"
)
_PAGE_NUMBER = re.compile(r"^\s*[0-9０-９]{1,4}\s*$")
#: Stand-alone annex labels and box headings: they close the previous document, never start a title.
BOX_HEADING = re.compile(r"^\((?:中長?期目標|使命|環境変化|現状・課題)[^)]*\)?\)$")
ANNEX_LABEL = re.compile(r"^\(?別[添紙表][0-9]*\)?$")  # (別添) / 別紙2 on a line of its own
_LABEL = re.compile(rf"{ANNEX_LABEL.pattern}|{BOX_HEADING.pattern}")
_END_MARK = re.compile(r"^以上$")
_EVAL_COLUMNS = ("政策目標", "施策目標", "達成目標", "測定指標", "達成手段", "実績値")
_SLIDE_BULLET = re.compile(r"^\s*-\s")
#: The kind of a document that is none of the known kinds (minutes, budget lists, a law's text): kept whole.
GENERIC = "government-document"
_MEETING = re.compile(r"^[(（]第[0-9０-９]+回[)）]$|^(?:参考)?資料[0-9０-９\s\-－]*$")


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a boundary or a fact was decided: the rule and the line it rests on."""

    rule: str
    line: Line


@dataclass(slots=True)
class Segment:
    """One document inside a source file: its extent, kind and the lines that tell so."""

    kind: str
    start: int
    end: int
    body_start: int
    body_end: int
    title: str | None = None
    title_line: Line | None = None
    #: the agency's name printed on its own line above a title without it (第６期中長期目標, 中期目標（案）)
    name_line: Line | None = None
    preamble: str | None = None
    preamble_line: Line | None = None
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def doc_class(self) -> str:
        return kinds.doc_class(self.kind)


#: A detector finds the documents of its kinds in a file's lines; it is given the code of the first kind
#: that names it in the kinds table (detectors of one kind use it; the statutory one decides the kind itself).
Detector = Callable[[Sequence[Line], str], list[Segment]]
#: Detectors by the name the kinds table gives them (column ``detector``).
DETECTORS: dict[str, Detector] = {}


def register_detector(name: str, detect: Detector) -> None:
    """Make ``detect`` available to kinds whose ``detector`` column is ``name``."""
    DETECTORS[name] = detect


def segment(src: SourceText) -> list[Segment]:
    """The documents of ``src`` in order: the first detector of the kinds table (in its order) that finds any;
    raises :class:`UnknownDocumentError` when none does."""
    lines = src.lines
    for name, code in kinds.detectors():
        detect = DETECTORS.get(name)
        if detect is None:
            raise kinds.KindTableError(
                f"document kind '{code}' names detector '{name}' that is not registered (register_detector)",
                f"文書の種類 '{code}' の検出器 '{name}' が登録されていません（register_detector）")
        docs = detect(lines, code)
        if docs:
            return docs
    raise UnknownDocumentError(
        "no objectives document, agency plan, policy-evaluation table or briefing was recognised "
        "(no anchor heading, title, preamble, table header or slide layout)",
        "目標・計画・政策評価表・説明資料のいずれとも認識できません（位置付けの見出し、表題、序文、表の見出し行、"
        "スライド形式のいずれも見つかりません）",
        src.path,
    )


# ---------------------------------------------------------------------------- objectives and plans


def iter_nonblank(lines: Sequence[Line], start: int, stop: int, step: int = 1) -> Iterator[int]:
    """Indices of lines with text (page numbers are not text), lazily: callers mostly want the first few."""
    for i in range(start, stop, step):
        if 0 <= i < len(lines) and not lines[i].blank and not _PAGE_NUMBER.match(lines[i].text):
            yield i


def nonblank(lines: Sequence[Line], start: int, stop: int, step: int = 1, limit: int | None = None) -> list[int]:
    return list(islice(iter_nonblank(lines, start, stop, step), limit))


def _is_anchor(line: Line) -> bool:
    return ANCHOR in squash(line.text) and bool(_NUMBERED.match(line.text)) and len(squash(line.text)) < 60


def _title_at(lines: Sequence[Line], i: int, general: bool = False) -> tuple[str, int, re.Match[str]] | None:
    """A title starting at line ``i``, joined over up to three lines: (text, last index, match).

    ``general``: also the title forms that do not need a legal form in the agency's name (TITLE_ANY); an
    annex label printed before the title on its line (別添２ ○○機構中期目標（案）) is dropped."""
    if _LABEL.match(squash(lines[i].text)):
        return None
    idx = [i, *nonblank(lines, i + 1, min(len(lines), i + 8), limit=2)]
    forms = (_TITLE_PHRASE, TITLE_KIND, _TITLE_ORDINAL, _TITLE_YEAR)
    if general:
        forms = (_TITLE_PHRASE, _TITLE_YEAR_ANY, TITLE_ANY)
    joined = ""
    for n, j in enumerate(idx):
        if n > 0 and _LABEL.match(squash(lines[j].text)):  # an annex label starts a title of its own
            return None
        joined += squash(lines[j].text)
        if general and n == 0:
            joined = _LABEL_PREFIX.sub("", joined)
        if len(joined) > 80:
            return None
        if joined.startswith(("(", "「")) or _TITLE_REJECT.search(joined):
            continue
        for rx in forms:
            m = rx.match(joined)
            if m:
                if general and n > 0 and _title_at(lines, idx[1], general=True) is not None:
                    return None  # the title starts on the next line; this one is a box or a name above it
                return joined, idx[n], m
        if n == 0 and lines[j].text.endswith(UNIT_END) and not ORG_LINE.match(joined) and not general:
            return None  # a closed unit that is not a title does not start one
        if general and n == 0 and lines[j].text.endswith(UNIT_END) and not _org_like(joined):
            return None
    return None


def _org_like(text: str) -> bool:
    """A short line that may be a name printed above its title: no sentence, label, date or marker."""
    return (2 <= len(text) <= 40 and not re.search(r"[、。「」]", text) and not _DATE_LIKE.search(text)
            and not _LABEL.match(text) and not _NUMBERED.match(text) and not _ISSUER_LIKE.search(text))


def _preamble_at(lines: Sequence[Line], i: int) -> tuple[str, int] | None:
    """The preamble sentence (<法> … 第N条 … 定める。) starting at line ``i``: (text, last index).

    The law may be 独立行政法人通則法 or the agency's own act (○○機構法, 国立大学法人法 …): what makes a
    preamble is the shape — a law, an article, 目標/計画 and 定める."""
    first = squash(lines[i].text)
    if not _PREAMBLE_HEAD.search(first):
        return None
    text, last = "", i
    for j in [i, *nonblank(lines, i + 1, min(len(lines), i + 30), limit=11)]:
        text += squash(lines[j].text)
        last = j
        if text.endswith("。") and ("定める" in text or "定め" in text[-12:]):
            break
    if "定め" in text and _ARTICLE.search(text) and ("目標" in text or "計画" in text):
        return text, last
    return None


def _kind_from(text: str) -> str | None:
    m = _ALIAS_KIND.search(text)
    if m:
        return _word_kind(m.group("kind"))
    for word, code in _KIND_BY_WORD:
        if word in text:
            return code
    return None


def _word_kind(word: str) -> str | None:
    return next((code for w, code in _KIND_BY_WORD if w == word), None)


def _kind_from_article(text: str) -> str | None:
    """The kind ordered by the article of 独立行政法人通則法 the preamble cites (other acts number differently)."""
    if "通則法" not in text:
        return None
    for m in _ARTICLE.finditer(text):
        art = f"{kanji_number(m.group(1))}条" + (f"の{kanji_number(m.group(2))}" if m.group(2) else "")
        for a, code in _KIND_BY_ARTICLE:
            if a == art:
                return code
    return None


def _objective_documents(lines: Sequence[Line]) -> list[Segment]:
    anchors = [i for i, ln in enumerate(lines) if not ln.blank and _is_anchor(ln)]
    starts: dict[int, Segment] = {}
    claimed_until = -1
    for a in anchors:
        window = [i for i in nonblank(lines, a - 1, -1, -1, limit=COVER_WINDOW) if i > claimed_until]
        seg = Segment(kind="", start=a, end=len(lines), body_start=a, body_end=len(lines))
        seg.evidence.append(Evidence("anchor heading (政策体系における法人の位置付け)", lines[a]))
        for i in sorted(window):
            if seg.title is None:
                t = _title_at(lines, i)
                if t is not None and t[1] < a:
                    seg.title, seg.title_line = t[0], lines[i]
                    seg.start = min(seg.start, _org_line_before(lines, i, window, seg))
                    seg.evidence.append(Evidence("title pattern", lines[i]))
                    continue
            if seg.preamble is None:
                p = _preamble_at(lines, i)
                if p is not None and p[1] < a:
                    seg.preamble, seg.preamble_line = p
                    seg.preamble_line = lines[i]
                    seg.start = min(seg.start, i)
                    seg.evidence.append(Evidence("preamble (<法> 第N条 … 定める)", lines[i]))
        if seg.title is None:
            _general_title(lines, seg, window, a)
        starts[seg.start] = seg
        claimed_until = a
    # Plans and other documents without the anchor chapter: a preamble that defines the document's
    # name (以下「年度計画」という) and is followed by numbered headings.
    covers = [(seg.start, seg.body_start) for seg in starts.values()]
    i = 0
    while i < len(lines):
        if lines[i].blank or any(a <= i <= b for a, b in covers):
            i += 1
            continue
        p = _preamble_at(lines, i)
        if p is None or not (_ALIAS_KIND.search(p[0]) or _statutory_preamble(lines, p, i, starts)):
            i += 1
            continue
        body = next((j for j in iter_nonblank(lines, p[1] + 1, len(lines)) if _NUMBERED.match(lines[j].text)), None)
        if body is None:
            break
        seg = Segment(kind="", start=i, end=len(lines), body_start=body, body_end=len(lines),
                      preamble=p[0], preamble_line=lines[i])
        seg.evidence.append(Evidence("preamble (通則法 第N条 … 定める) without anchor chapter", lines[i]))
        seg.evidence.append(Evidence("first numbered heading after the preamble", lines[body]))
        window = [j for j in nonblank(lines, i - 1, -1, -1, limit=6) if not any(a <= j <= b for a, b in covers)]
        _general_title(lines, seg, window, i)
        starts[seg.start] = seg
        i = body + 1
    probes: dict[int, Segment] = {}
    _titled_documents(lines, starts, probes)
    docs = [starts[s] for s in sorted(starts)]
    for n, seg in enumerate(docs):
        probe = probes.get(seg.start)
        if n == 0:
            seg.start = 0  # whatever precedes the first document is its cover
        seg.end = docs[n + 1].start if n + 1 < len(docs) else len(lines)
        seg.body_end = _final_body_end(lines, seg, probe)
        seg.kind = _decide_kind(seg)
    return [d for d in docs if d.kind]



def _statutory_preamble(lines: Sequence[Line], p: tuple[str, int], i: int, starts: dict[int, Segment]) -> bool:
    """A preamble that names the kind without defining it (…○○機構の中期目標を次のとおり定める。) starts a
    document when a statutory chapter follows; only before any document found, never inside one's body."""
    if any(s <= i for s in starts):
        return False
    return _kind_from(p[0]) is not None and _statutory_chapter(lines, p[1])[1] is not None


def _general_title(lines: Sequence[Line], seg: Segment, window: list[int], anchor: int) -> None:
    """A title of any agency (no legal form needed) in the cover window: the one nearest the anchor or
    preamble, so a diagram box of the previous document's annex is never taken for it."""
    stop = seg.preamble_line.index if seg.preamble_line is not None else anchor
    for i in sorted((j for j in window if j < stop), reverse=True):
        t = _title_at(lines, i, general=True)
        if t is not None and t[1] < stop:
            seg.title, seg.title_line = t[0], lines[i]
            seg.start = min(seg.start, _name_line_before(lines, i, t[2], window, seg))
            seg.evidence.append(Evidence("title pattern (any agency)", lines[i]))
            return


def _name_line_before(lines: Sequence[Line], i: int, m: re.Match[str], window: Sequence[int], seg: Segment) -> int:
    """A title without the agency's name (中期目標（案）) may have it on the line above: start there."""
    if m.groupdict().get("org"):
        return i
    prev = max((j for j in window if j < i), default=None)
    if prev is not None and _org_like(squash(lines[prev].text)):
        seg.name_line = lines[prev]
        return prev
    return i


#: How far after a title the first statutory chapter may come, in non-blank lines (a 前文 may come first).
TITLE_WINDOW = 40


def _titled_documents(lines: Sequence[Line], starts: dict[int, Segment], probes: dict[int, Segment]) -> None:
    """Documents without the anchor chapter nor a preamble alias: a title (<name> 中期目標 …, any legal form)
    followed by a numbered chapter whose title is one of the statutory items (期間, 業務の質の向上,
    業務運営の効率化, 財務内容の改善, その他業務運営 …, data/chapter_roles.tsv)."""
    taken = _provisional_extents(lines, starts, probes)
    # A title ends in 目標 or 計画 (and 案): only the line that ends so, and the two before it, can start one.
    ends = [j for j, ln in enumerate(lines) if _TITLE_END.search(ln.text)]
    candidates = sorted({k for j in ends for k in (j, *nonblank(lines, j - 1, -1, -1, limit=2))})
    free = [k for k in candidates if not any(a <= k < b for a, b in taken) and len(lines[k].text) <= 80]
    done = -1
    for i in free:
        if i <= done:
            continue
        t = _title_at(lines, i, general=True)
        if t is None:
            continue
        body, chapter = _statutory_chapter(lines, t[1])
        if body is None or chapter is None:
            continue
        window = nonblank(lines, i - 1, -1, -1, limit=3)
        seg = Segment(kind="", start=i, end=len(lines), body_start=body, body_end=len(lines),
                      title=t[0], title_line=lines[i])
        seg.start = _name_line_before(lines, i, t[2], [j for j in window if not any(a <= j < b for a, b in taken)], seg)
        seg.evidence.append(Evidence("title pattern (any agency)", lines[i]))
        seg.evidence.append(Evidence("statutory chapter after the title", lines[chapter]))
        for j in nonblank(lines, t[1] + 1, body):
            p = _preamble_at(lines, j)
            if p is not None:
                seg.preamble, seg.preamble_line = p[0], lines[j]
                seg.evidence.append(Evidence("preamble (<法> 第N条 … 定める)", lines[j]))
                break
        starts[seg.start] = seg
        taken.append((seg.start, body + 1))
        done = body


def _provisional_extents(lines: Sequence[Line], starts: dict[int, Segment],
                         probes: dict[int, Segment]) -> list[tuple[int, int]]:
    """(start, body end) of the documents found so far, so a title-like line inside them starts nothing.

    ``probes`` keeps each document's probe by start: when no document is found in between, its body end is final."""
    docs = [starts[s] for s in sorted(starts)]
    out = []
    for n, seg in enumerate(docs):
        probe = Segment(kind="", start=seg.start, end=docs[n + 1].start if n + 1 < len(docs) else len(lines),
                        body_start=seg.body_start, body_end=len(lines))
        probe.body_end = _body_end(lines, probe)
        probes[seg.start] = probe
        out.append((0 if n == 0 else seg.start, probe.body_end))
    return out


def _final_body_end(lines: Sequence[Line], seg: Segment, probe: Segment | None) -> int:
    """The body end, reusing the provisional one when the document's end did not move since."""
    if probe is not None and probe.end == seg.end:
        seg.evidence.extend(probe.evidence)
        return probe.body_end
    return _body_end(lines, seg)


def _statutory_chapter(lines: Sequence[Line], after: int) -> tuple[int | None, int | None]:
    """(first numbered line, first numbered line with a statutory role) within TITLE_WINDOW lines after ``after``."""
    first = None
    for k, j in enumerate(iter_nonblank(lines, after + 1, len(lines))):
        if k >= TITLE_WINDOW:
            break
        mk = match_marker(lines[j].text)
        if mk is None:
            continue
        first = j if first is None else first
        if chapter_role(mk.title) is not None:
            return first, j
    return first, None


def _org_line_before(lines: Sequence[Line], i: int, window: list[int], seg: Segment) -> int:
    """An ordinal title (第６期中長期目標) is preceded by the organisation's name line: start there."""
    if not _TITLE_ORDINAL.match(squash(lines[i].text)):
        return i
    prev = max((j for j in window if j < i), default=None)  # the line right above (the window runs backwards)
    if prev is not None and (ORG_LINE.match(s := squash(lines[prev].text)) or _org_like(s)):
        seg.name_line = lines[prev]
        return prev
    return i


def _decide_kind(seg: Segment) -> str:
    """Type from the title, else the preamble's alias, else the article it cites (never from chapter names)."""
    for text in (seg.title, seg.preamble):
        if text:
            code = _kind_from(text)
            if code:
                seg.evidence.append(Evidence(f"document kind {code} from {'title' if text is seg.title else 'preamble'}",
                                             (seg.title_line if text is seg.title else seg.preamble_line)  # type: ignore[arg-type]
                                             ))
                return code
    if seg.preamble:
        code = _kind_from_article(seg.preamble)
        if code:
            seg.evidence.append(Evidence(f"document kind {code} from the article cited", seg.preamble_line))  # type: ignore[arg-type]
            return code
    return ""


def _annex_candidate(text: str) -> bool:
    s = squash(text)
    if not s or len(s) > 80:
        return False
    return any(p.match(s) for p in patterns("annex_titles.tsv"))


def _body_end(lines: Sequence[Line], seg: Segment) -> int:
    """First real annex start, or the closing 以上, within the document; references to annexes are skipped."""
    nb = nonblank(lines, seg.body_start + 1, seg.end)
    signal = has_trailing_space_signal(lines[seg.body_start:seg.end])
    full = 0 if signal else full_width(lines[seg.body_start:seg.end])  # read only where the signal is missing

    def heading(k: int) -> bool:
        """nb[k] is a numbered heading of the body: a closed unit (trailing space) or, without that signal,
        a numbered line that prose follows (a diagram's numbered boxes are followed by more short boxes)."""
        if not _NUMBERED.match(lines[nb[k]].text):
            return False
        if signal:
            return lines[nb[k]].text.endswith(UNIT_END)
        after = [lines[j].text for j in nb[k + 1:k + 4] if not _NUMBERED.match(lines[j].text)][:2]
        return any(prose_line(a, full) for a in after)

    for k, i in enumerate(nb):
        text = lines[i].text
        if _END_MARK.match(squash(text)):
            seg.evidence.append(Evidence("closing 以上", lines[i]))
            return i
        if not _annex_candidate(text):
            continue
        follow = [m for m in range(k + 1, min(k + 8, len(nb))) if not _annex_candidate(lines[nb[m]].text)][:3]
        if any(heading(m) for m in follow):
            seg.evidence.append(Evidence("annex reference inside the body (followed by headings)", lines[i]))
            continue
        seg.evidence.append(Evidence("annex title", lines[i]))
        return i
    return seg.end


# ---------------------------------------------------------------------------- other kinds


def _policy_evaluation(lines: Sequence[Line], kind: str) -> list[Segment]:
    for i, ln in enumerate(lines):
        s = squash(ln.text)
        if sum(col in s for col in _EVAL_COLUMNS) >= 4:
            seg = Segment(kind=kind, start=0, end=len(lines), body_start=i, body_end=len(lines))
            seg.evidence.append(Evidence("policy-evaluation table header (政策目標・施策目標・達成目標・測定指標…)", ln))
            return [seg]
    return []


def _briefing(lines: Sequence[Line], kind: str) -> list[Segment]:
    bullets = [i for i, ln in enumerate(lines) if _SLIDE_BULLET.match(ln.text)]
    head = nonblank(lines, 0, len(lines), limit=20)
    meeting = [i for i in head if _MEETING.match(squash(lines[i].text))]
    if len(bullets) < 5 and not meeting:
        return []
    seg = Segment(kind=kind, start=0, end=len(lines), body_start=0, body_end=len(lines))
    if meeting:
        seg.evidence.append(Evidence("meeting material label (資料N / 第N回)", lines[meeting[0]]))
    if bullets:
        seg.evidence.append(Evidence("slide bullets", lines[bullets[0]]))
    return [seg]


def _government_document(lines: Sequence[Line], kind: str) -> list[Segment]:
    """Any other text: one document of no known kind, titled by its first line, so its citations and budget
    programmes are kept (``keifu validate`` still refuses it: it is no draft of objectives)."""
    first = next(iter_nonblank(lines, 0, len(lines)), None)
    if first is None:
        return []
    seg = Segment(kind=kind, start=0, end=len(lines), body_start=0, body_end=len(lines))
    s = squash(lines[first].text)
    if len(s) <= 80:
        seg.title, seg.title_line = s, lines[first]
    seg.evidence.append(Evidence("no known kind: kept whole as a government document", lines[first]))
    return [seg]


register_detector("statutory", lambda lines, _kind: _objective_documents(lines))
register_detector("evaluation-table", _policy_evaluation)
register_detector("slides", _briefing)
register_detector("fallback", _government_document)
