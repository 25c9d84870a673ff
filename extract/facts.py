"""Facts about one document read from its cover, preamble and first chapters.

Agency, issuing ministries, period, term (第N期), fiscal year and draft status. Issuers and
dates are often blank in drafts; nothing is invented: a fact that is absent stays None, and a
fact that was guessed (an issuer from an abbreviation in a diagram) is marked ``inferred``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from .dates import JDate, find_dates, fiscal_year
from .model import UNIT_END, Line
from .normalize import kanji_number, squash
from .segment import GENERIC, ORG_LINE, TITLE_ANY, TITLE_KIND, Segment, nonblank
from .vocab import rows, split_list

_BODIES = rows("government_bodies.tsv")
_BODY_KIND = {r[0]: r[1] for r in _BODIES}
_ABBREV = {a: r[0] for r in _BODIES for a in split_list(r[2] if len(r) > 2 else "")}
_BODY_NAMES = sorted(_BODY_KIND, key=len, reverse=True)

# the defined name may be quoted 「…」 or 『…』 (house styles differ)
_ALIAS = r"(?:\(以下[「『](?P<alias>[^」』]+)[」』]という。?\))?"
_AGENCY_RX = (
    re.compile(rf"(?:^|、)(?P<org>[^、。「」『』()]+?){_ALIAS}が達成すべき"),
    re.compile(rf"(?:^|、)(?P<org>[^、。「」『』()]+?){_ALIAS}の(?:令和|平成|[0-9]{{4}})[^、。]*?(?:業務運営に関する(?:計画|目標)|年度計画|年度目標|事業計画)"),
    # 「…の規定に基づき、○○機構（以下「機構」という。）の中期目標を次のとおり定める」: the name it defines
    re.compile(r"(?:^|、)(?P<org>[^、。「」『』()]+?)\(以下[「『](?P<alias>[^」』]+)[」』]という。?\)の[^、。]*?(?:目標|計画)"),
)
_FORMS = sorted(rows("agency_kinds.tsv"), key=lambda r: -len(r[1]))
#: Legal forms printed as part of a name, longest first: (form, agency-kind code).
_NAME_FORMS = tuple((r[1], r[0]) for r in _FORMS if r[2] == "name")
#: Legal forms said of an agency in a sentence (…に基づく特殊法人であり).
_TEXT_FORMS = tuple((r[1], r[0]) for r in _FORMS if r[2] == "text")
_TEXT_FORMS_ALT = "|".join(re.escape(f) for f, _ in _TEXT_FORMS)
_DEFINED = re.compile(r"\(以下[「『](?P<alias>[^」』]{1,12})[」』]という。?\)")
_INSTRUCTION = re.compile(r"付(?P<body>\S+?[省庁府])発")
#: The head of a local government on a cover line (北浜県知事, 北浜市長): a 地方独立行政法人's issuer.
_LOCAL_HEAD = re.compile(r"^[^\s、。()「」]{1,6}(?:[都道府]知事|県知事|[市町村]長)$")
_MINISTER = re.compile(r"^(?P<body>\S+?大臣)")
_ISSUE_PHRASE = re.compile(r"(?:策定|指示)[・･]?(?:指示)?\((?P<list>[^()]+)\)")
_TERM_BOX = re.compile(r"\(中長?期目標\(第(?P<n>[0-9]+)期\)\)")
_TERM_ANY = re.compile(r"第(?P<n>[0-9一二三四五六七八九十]+)期中長?期(?:目標|計画)")
_TERM_ORD = re.compile(r"第(?P<n>[0-9一二三四五六七八九十]+)期")
_PLACEHOLDER = re.compile(r"[〇○●]\s*月|年\s+月|月\s+日")


@dataclass(frozen=True, slots=True)
class Issuer:
    name: str
    kind: str
    line: Line
    inferred: bool = False


@dataclass(slots=True)
class DocumentFacts:
    agency: str | None = None
    agency_key: str | None = None
    agency_alias: str | None = None
    agency_kind: str | None = None
    agency_line: Line | None = None
    issuers: list[Issuer] = field(default_factory=list)
    period_start: JDate | None = None
    period_end: JDate | None = None
    period_line: Line | None = None
    period_text: str | None = None
    term: int | None = None
    term_line: Line | None = None
    term_inferred: bool = False
    fiscal_year: int | None = None
    fiscal_year_line: Line | None = None
    draft: bool = False
    draft_line: Line | None = None


def agency_key(name: str) -> str:
    """The agency's identity: its name without the legal form printed in it (国立研究開発法人, 独立行政法人,
    国立大学法人 … as a prefix or suffix, data/agency_kinds.tsv), so a name printed with or without it meets."""
    key = squash(name)
    for form, _ in _NAME_FORMS:
        if key.startswith(form) and len(key) > len(form):
            return key[len(form):]
        if key.endswith(form) and len(key) > len(form):
            return key[: -len(form)]
    return key


def name_form(name: str) -> str | None:
    """The agency-kind code of the legal form printed in ``name``, if any."""
    key = squash(name)
    return next((code for form, code in _NAME_FORMS if key.startswith(form) or key.endswith(form)), None)


def read_facts(lines: Sequence[Line], seg: Segment) -> DocumentFacts:
    """Collect the document facts of ``seg``; every fact keeps the line it was read from."""
    f = DocumentFacts()
    _agency(lines, seg, f)
    _issuers(lines, seg, f)
    _period(lines, seg, f)
    _term(lines, seg, f)
    _draft(lines, seg, f)
    if seg.kind.startswith("annual") and seg.preamble:
        f.fiscal_year = fiscal_year(seg.preamble)
        f.fiscal_year_line = seg.preamble_line
    return f


def _agency(lines: Sequence[Line], seg: Segment, f: DocumentFacts) -> None:
    if seg.kind == GENERIC:
        return  # minutes or a budget list name many agencies: none is the document's own
    for text, line in ((seg.preamble, seg.preamble_line), (seg.title, seg.title_line)):
        if not text:
            continue
        for rx in _AGENCY_RX:
            m = rx.search(text)
            if m:
                f.agency, f.agency_alias, f.agency_line = m.group("org"), m.group("alias"), line
                break
        if f.agency:
            break
    if not f.agency and seg.title:
        # Title forms: 「<org>中期目標案」, or the organisation line before 「第６期中長期目標」.
        m = TITLE_KIND.match(seg.title) or TITLE_ANY.match(seg.title)
        if m and m.groupdict().get("org"):
            f.agency, f.agency_line = m.group("org").removesuffix("の"), seg.title_line
        elif seg.name_line is not None:
            f.agency, f.agency_line = squash(seg.name_line.text), seg.name_line
        else:
            for i in nonblank(lines, seg.start, seg.body_start):
                s = squash(lines[i].text)
                if ORG_LINE.match(s):
                    f.agency, f.agency_line = s, lines[i]
                    break
    if not f.agency:
        _defined_agency(lines, seg, f)
    if not f.agency:
        return
    f.agency_key = agency_key(f.agency)
    if not f.agency_alias:
        f.agency_alias = _alias(lines, seg, f.agency, f.agency_key)
    f.agency_kind = _agency_kind(lines, seg, f)


def _defined_agency(lines: Sequence[Line], seg: Segment, f: DocumentFacts) -> None:
    """No name in the title or preamble: the first name the cover or first chapter defines by its own last word
    (架空運河機構（以下「機構」という。）), never a law or plan so defined (通則法（以下「通則法」…）)."""
    idx = nonblank(lines, seg.start, seg.body_end, limit=40)
    for k, i in enumerate(idx):
        # the unit around line i: the previous line if it runs on (no trailing space), the next if this one does
        prev = squash(lines[idx[k - 1]].text) if k and not lines[idx[k - 1]].text.endswith(UNIT_END) else ""
        nxt = squash(lines[idx[k + 1]].text) if k + 1 < len(idx) and not lines[i].text.endswith(UNIT_END) else ""
        text = prev + squash(lines[i].text) + nxt
        for m in _DEFINED.finditer(text):
            alias = m.group("alias").removeprefix("本").removeprefix("当")
            name = re.split(r"[、。「」『』()]", text[:m.start()])[-1]
            name = re.sub(r"^.*?(?:は|が|を|に|の規定に基づき)", "", name) if len(name) > 40 else name
            if 2 <= len(alias) < len(name) <= 40 and name.endswith(alias) and not name.endswith(("法", "計画", "戦略")):
                f.agency, f.agency_alias, f.agency_line = name, m.group("alias"), lines[i]
                return


def _alias(lines: Sequence[Line], seg: Segment, name: str, key: str) -> str | None:
    """The short name defined right after the agency's name: 〇〇機構（以下「機構」という。）."""
    texts = [seg.preamble or ""] + [squash(lines[i].text) for i in nonblank(lines, seg.start, seg.body_end, limit=80)]
    for text in texts:
        for m in _DEFINED.finditer(text):
            before = text[:m.start()]
            if before.endswith((squash(name), key)):
                return m.group("alias")
    return None


def _agency_kind(lines: Sequence[Line], seg: Segment, f: DocumentFacts) -> str | None:
    """The kind as printed: the legal form in the name, else one said of the agency in the cover or the first
    chapter, else 独立行政法人 when the preamble orders the document under 独立行政法人通則法; None otherwise.

    An 独立行政法人's kind follows from the statute its objectives are set under (中長期目標 → 国立研究開発法人,
    中期目標 → 中期目標管理法人, 年度目標 → 行政執行法人)."""
    pre = squash(seg.preamble or "")
    kind = name_form(f.agency or "")
    if kind is None:
        names = "|".join(re.escape(x) for x in (f.agency_alias, f.agency_key, squash(f.agency or "")) if x)
        # 「機構は、…法に基づき設立された特殊法人であり、」: the agency is the subject and the form its complement
        said = re.compile(rf"(?:{names})は、?[^。]{{0,80}}?(?P<form>{_TEXT_FORMS_ALT})(?:であり、|である。|として、)")
        text = "".join(squash(lines[i].text) for i in nonblank(lines, seg.start, seg.body_end, limit=120))
        m = said.search(text)
        if m:
            return next(code for form, code in _TEXT_FORMS if form == m.group("form"))
    if kind is None and "通則法" in pre:
        kind = "incorporated-administrative-agency"
    if kind == "national-rd-agency" and "特定国立研究開発法人" in pre:
        return "specified-national-rd-agency"
    if kind == "incorporated-administrative-agency":
        return {"mid-term-objectives": "mid-term-goal-agency", "mid-term-plan": "mid-term-goal-agency",
                "annual-objectives": "administrative-execution-agency",
                "mid-long-term-objectives": "national-rd-agency"}.get(seg.kind, kind)
    return kind


def _issuers(lines: Sequence[Line], seg: Segment, f: DocumentFacts) -> None:
    seen: set[str] = set()

    def add(name: str, line: Line, inferred: bool) -> None:
        if name not in seen:
            seen.add(name)
            kind = _BODY_KIND.get(name) or ("local-government" if _LOCAL_HEAD.match(name) else "ministry")
            f.issuers.append(Issuer(name, kind, line, inferred))

    pre_line = seg.preamble_line.index if seg.preamble_line else -1
    cover = nonblank(lines, seg.start, seg.body_start)
    if seg.kind == "briefing":
        cover = nonblank(lines, seg.start, seg.end, limit=20)
    for i in cover:
        s = squash(lines[i].text)
        if i == pre_line or len(s) > 40:
            continue
        head = next((b for b in _BODY_NAMES if s.startswith(b) and b.endswith(("省", "府", "庁"))), None)
        if seg.kind == "briefing" and head:
            add(head, lines[i], False)
            continue
        if s in _BODY_KIND:
            add(s, lines[i], False)
            continue
        if _LOCAL_HEAD.match(s):
            add(s, lines[i], False)
            continue
        joint = _joint_bodies(s)
        if joint:
            for name in joint:
                add(name, lines[i], False)
            continue
        m = _MINISTER.match(s) or _INSTRUCTION.search(s)
        if m and m.group("body") in _BODY_KIND:
            add(m.group("body"), lines[i], False)
    if f.issuers:
        return
    idx = nonblank(lines, seg.body_end, seg.end)
    joined, starts = "", []
    for i in idx:
        starts.append(len(joined))
        joined += squash(lines[i].text)
    for m in _ISSUE_PHRASE.finditer(joined):
        names = [_ABBREV.get(p, p if p in _BODY_KIND else "") for p in re.split(r"[・、,]", m.group("list"))]
        if names and all(names):
            line = lines[idx[bisect_right(starts, m.start()) - 1]]
            for n in names:
                add(n, line, True)
            return


def _joint_bodies(s: str) -> list[str]:
    """Several issuers printed on one cover line (総務大臣　財務大臣　経済産業大臣, 内閣府・総務省): the
    whitespace-free line must consist of known body names only, optionally separated by ・ or 、."""
    out: list[str] = []
    pos = 0
    while pos < len(s):
        if s[pos] in "・、,":
            pos += 1
            continue
        name = next((b for b in _BODY_NAMES if s.startswith(b, pos)), None)
        if name is None:
            return []
        out.append(name)
        pos += len(name)
    return out if len(out) > 1 else []


@dataclass(frozen=True, slots=True)
class _Sentence:
    """Squashed text of consecutive lines up to a sentence end, and where each line starts in it."""

    text: str
    lines: tuple[Line, ...]
    starts: tuple[int, ...]

    def line_at(self, pos: int) -> Line:
        return self.lines[max(bisect_right(self.starts, pos) - 1, 0)]


def _sentences(lines: Sequence[Line], idx: list[int]) -> list[_Sentence]:
    out: list[_Sentence] = []
    buf, own, starts = "", [], []
    for i in idx:
        own.append(lines[i])
        starts.append(len(buf))
        buf += squash(lines[i].text)
        if buf.endswith("。") or lines[i].text.endswith(UNIT_END) and buf.endswith(("。", ")")):
            out.append(_Sentence(buf, tuple(own), tuple(starts)))
            buf, own, starts = "", [], []
    if buf and own:
        out.append(_Sentence(buf, tuple(own), tuple(starts)))
    return out


_PERIOD_SENTENCE = re.compile(r"(?:目標|計画)の?期間(?:は|を|として)|期間は")
_RANGE = re.compile(r"から|まで|[～〜~]")


def _period(lines: Sequence[Line], seg: Segment, f: DocumentFacts) -> None:
    """The first sentence that states the period (…の期間は X から Y まで / X～Y) with two dated bounds.

    A heading without 「。」 runs into the sentence after it, so the evidence line is the one holding the
    period phrase (or the first bound), and the text starts there."""
    if seg.doc_class not in ("ObjectivesDocument", "AgencyPlan"):
        return
    sentences = _sentences(lines, nonblank(lines, seg.body_start, seg.body_end))
    ranked = [x for x in sentences if _PERIOD_SENTENCE.search(x.text)] + sentences
    for sent in ranked:
        text = sent.text
        if "期間" not in text or not _RANGE.search(text):
            continue
        found = [(a, d) for a, _, d in find_dates(text) if d.year or d.month]
        if len(found) >= 2 and found[0][1].fiscal and found[1][1].fiscal and found[0][1].month is None:
            # 令和７年度から令和11年度まで: fiscal years run April–March; the day is not printed, so months only
            (a0, fy0), (a1, fy1) = found[0], found[1]
            if fy0.year is not None and fy1.year is not None:
                found = [(a0, JDate(fy0.year, 4, None, fy0.raw)), (a1, JDate(fy1.year + 1, 3, None, fy1.raw))]
        found = [(a, d) for a, d in found if not d.fiscal or d.month]
        if len(found) >= 2:
            phrase = _PERIOD_SENTENCE.search(text)
            at = phrase.start() if phrase is not None and phrase.start() < found[0][0] else found[0][0]
            line = sent.line_at(at)
            start = sent.starts[sent.lines.index(line)]
            f.period_start, f.period_end, f.period_line, f.period_text = found[0][1], found[1][1], line, text[start:]
            return
    for sent in sentences:  # 年度目標の期間は、令和９年度の１年間とする: one fiscal year, April to March
        phrase = _PERIOD_SENTENCE.search(sent.text)
        if phrase is None:
            continue
        years = [(a, d) for a, _, d in find_dates(sent.text[phrase.end():]) if d.fiscal and d.month is None and d.year]
        if len(years) == 1:
            fy = years[0][1]
            line = sent.line_at(phrase.start())
            start = sent.starts[sent.lines.index(line)]
            f.period_start, f.period_end = JDate(fy.year, 4, None, fy.raw), JDate(fy.year + 1, 3, None, fy.raw)
            f.period_line, f.period_text = line, sent.text[start:]
            return


def _term(lines: Sequence[Line], seg: Segment, f: DocumentFacts) -> None:
    if seg.doc_class not in ("ObjectivesDocument", "AgencyPlan"):
        return
    if seg.title:
        m = _TERM_ORD.search(seg.title)
        if m:
            f.term, f.term_line = kanji_number(m.group("n")), seg.title_line
            return
    best: tuple[int, Line] | None = None
    for i in nonblank(lines, seg.start, seg.end):
        s = squash(lines[i].text)
        m = _TERM_BOX.search(s)
        if m:
            f.term, f.term_line = int(m.group("n")), lines[i]
            return
        for m in _TERM_ANY.finditer(s):
            n = kanji_number(m.group("n"))
            if n is not None and (best is None or n > best[0]):
                best = (n, lines[i])
    if best:
        f.term, f.term_line, f.term_inferred = best[0], best[1], True


def _draft(lines: Sequence[Line], seg: Segment, f: DocumentFacts) -> None:
    if seg.title and re.search(r"\(?案\)?$", seg.title):
        f.draft, f.draft_line = True, seg.title_line
        return
    pre_line = seg.preamble_line.index if seg.preamble_line else -1
    for i in nonblank(lines, seg.start, seg.body_start):
        s = squash(lines[i].text)
        if i == pre_line:
            continue
        if s in ("(案)", "案") or (len(s) < 40 and _PLACEHOLDER.search(lines[i].text) and re.search(r"令和|平成|年", s)):
            f.draft, f.draft_line = True, lines[i]
            return

