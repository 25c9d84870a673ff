"""Citations of plans, strategies and laws in running text (docs/formats.md §6).

Everything is matched on a whitespace-free NFKC view of ``block.text`` with an offset map back, so
wrapped names, dates, verbs and law numbers match as one token. A bracket-balancing pass pairs
「」『』≪≫() first; then, in order of strength:

A. ``name（date body verb。以下「X」という。）`` and law numbers ``name（平成11年法律第103号）``;
B. a date before the name: ``2020年6月に…ガイドラインにおいて取りまとめた``, ``令和7年○月に決定された…計画``;
C. unquoted names with an edition: ``第６期…基本計画``;
D. quoted names ending in a document noun, undated;
E. names already cited in the document, aliases (以下「X」という), ``同戦略``/``同計画``/``同法``, and ``…基本計画等``;
F. excerpt references: an unquoted name + optional page + から/より抜粋・引用 (``科技イノベ基本計画P.44-45から抜粋``).

Abbreviated words in names (科技イノベ → 科学技術・イノベーション, ``data/plan_abbreviations.tsv``) are expanded
for the name and key, so the mention meets the plan's other mentions; the printed form stays as the alias.

False positives (発足, 指定, 末, periods, quantities) are rejected: a mention needs a deciding verb,
a law/告示 number, or a document noun at the end of its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import chain

from keifu.extract.dates import JDate, scan_squashed, span_back, squash_map
from keifu.extract.model import Block, Line
from keifu.extract.normalize import kanji_number, squash
from keifu.extract.plans import (
    base_name,
    classify_body,
    classify_plan,
    deciding_verbs,
    document_noun,
    is_agency_document,
    is_law,
    plan_edition,
    plan_key,
    standalone,
)
from keifu.extract.vocab import rows as data_rows


@dataclass(frozen=True)
class Mention:
    """One mention of a plan or law, with its evidence span in ``block.text``.

    For alias uses and 同戦略-style back-references, ``name``/``key``/``date`` are those of the plan
    referred to and ``quote`` shows what is printed.
    """

    name: str
    key: str
    kind: str
    plan_kind: str | None
    edition: int | None
    date: JDate | None
    body: str | None
    body_kind: str | None
    verb: str | None
    law_number: str | None
    alias: str | None
    amended: tuple[JDate, ...]
    start: int
    end: int
    line: Line
    quote: str
    dated: bool


_OPEN = {"「": "」", "『": "』", "“": "”", "〝": "〟", "(": ")", "≪": "≫", "《": "》", "【": "】", "〈": "〉"}
_CLOSE = {v: k for k, v in _OPEN.items()}
_BRACKETS = re.compile("[" + re.escape("".join(_OPEN) + "".join(_CLOSE)) + "]")
_QUOTE_OPEN = "「『“〝"
_QUOTE_CLOSE = "」』”〟"
_PROSPECTIVE = ("予定", "見込み", "見込")
_EDITION_ONLY = re.compile(r"^第[0-9０-９一二三四五六七八九十]+[期次](.+)$")
# phrases with hiragana that may sit inside a name (に関する法律, 責任ある, 持続可能な …), longest first
_NAME_KANA = tuple(sorted({
    "の", "な", "と", "び", "びに", "ある", "における", "に関する", "に係る", "による", "ための",
    "に向けた", "について", "に対する", "に資する", "新たな", "にわたる", "に伴う", "及び", "並びに", "又は",
    "の一部を改正する", "を改正する", "新しい",
}, key=len, reverse=True))
_STOP = set("、。,，:：;；!！?？/／~〜|｜・") - {"・"}
_REJECT_END = ("発足", "指定", "末", "設立", "施行", "開始", "開所", "時点", "現在", "以降", "まで", "期間", "案")
_REJECT_ANY = re.compile(r"約[0-9]|[0-9,]+(?:兆|億|万)?円|[0-9]+(?:件|人|名|%|％)")
# 独立行政法人等の保有する情報…, 保全を推進するための…方針: a verb phrase inside a name
_NO_VERB = re.compile(r"[のを][\u4e00-\u9fff]{1,6}する$")
_DATE_END = re.compile(r"[0-9](?:年度?|月|日)$")
_ORD_PREFIX = re.compile(r"第[0-9一二三四五六七八九十]+[期次]$")
_ARTICLE = re.compile(r"^(?:第[0-9]+条(?:の[0-9]+)*(?:第[0-9]+項)?(?:第[0-9]+号)?(?:及び|並びに|又は|、)?)+")
_LEAD = re.compile(r"^(?:及び|並びに|又は|若しくは|また|さらに|なお|特に|加えて|くわえて)")
_LAW_NO = re.compile(r"^(?P<who>.*?)(?P<type>法律|政令|省令|府令|規則|告示|訓令|条例)第(?P<no>[0-9〇一二三四五六七八九十百千○●]+)号"
                     r"(?:。.*)?$")  # 。最終改正：… after the number
# an instruction's number before its body: （令和５年３月31日付け５水庁第1234号…部長通知）
_DOC_NO = re.compile(r"^[0-9]{0,4}[\u4e00-\u9fffA-Za-z・]{0,12}?第[0-9]+号")
_SAME_DATE = re.compile(r"同(?:日|年(?P<m>[0-9]{1,2})月(?:(?P<d>[0-9]{1,2})日)?)")
_ALIAS = re.compile(r"^以下[「『](?P<a>.+?)[」』](?:という|と総称する|と略す|と略称する|とする|と呼ぶ)")
_AMEND = re.compile(r"(?:一部)?(?:改定|改正|改訂|変更)$")
_SAME = re.compile(r"(?<![\u4e00-\u9fff々])同(?P<n>基本計画|戦略|計画|法|方針|指針|ビジョン|ガイドライン|大綱|協定|基準群|基準|構想|プラン)")
# 「…P.44-45から抜粋」: a page reference (optional) and an excerpt verb right after an unquoted name
_EXCERPT = re.compile(r"(?:[PpＰ]{1,2}\.?[0-9]+(?:[-‐―~〜～,、][0-9]+)*|[0-9]+(?:[-‐―~〜～][0-9]+)?(?:頁|ページ))?"
                      r"(?:から|より)(?:抜粋|引用|抜き出し)")
_SHARED = re.compile(r"いずれも|ともに|共に")  # （いずれも令和５年６月閣議決定）: one decision for a list of names
_LIST_SEP = re.compile(r"(?:、|,|及び|並びに|又は|と)$")
_AFTER_VERB = re.compile(r"^(?:が|により|で|にて)?(?P<v>" + "|".join(map(re.escape, ("決定", "策定", "採択", "取りまとめ", "とりまとめ"))) + r")(?:され|し)")


def _is_kanji(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or c in "々〆ヶ"


def _is_kata(c: str) -> bool:
    return "\u30a0" <= c <= "\u30ff"


def _is_hira(c: str) -> bool:
    return "\u3041" <= c <= "\u309f"


def _name_char(c: str) -> bool:
    return _is_kanji(c) or _is_kata(c) or c.isascii() and (c.isalnum() or c == "&") or c in "・ー－"


def _clean(text: str) -> str:
    """Printed text without wrap whitespace (kept only between two Latin letters/digits)."""
    text = re.sub(r"(?<=[A-Za-z0-9])\s+(?=[A-Za-z0-9])", "\u0000", text)
    return re.sub(r"\s+", "", text).replace("\u0000", " ")


def _pairs(s: str) -> tuple[dict[int, int], dict[int, int]]:
    """Matching brackets: open → close and close → open (tolerant of stray closers)."""
    fwd: dict[int, int] = {}
    stack: list[int] = []
    for m in _BRACKETS.finditer(s):  # only the brackets: a Python step per character cost more than the rest
        i, c = m.start(), m.group()
        if c in _OPEN:
            stack.append(i)
        elif c in _CLOSE:
            for k in range(len(stack) - 1, -1, -1):
                if s[stack[k]] == _CLOSE[c]:
                    fwd[stack[k]] = i
                    del stack[k:]
                    break
    return fwd, {v: k for k, v in fwd.items()}


@dataclass
class _Info:
    date: JDate | None = None
    body: tuple[int, int] | None = None  # squashed span
    verb: str | None = None
    law_number: str | None = None
    alias: str | None = None
    amended: list[JDate] = field(default_factory=list)
    alias_only: bool = False


@dataclass
class _Cand:
    a: int  # squashed span of the whole mention
    b: int
    na: int  # squashed span of the name (quotes excluded)
    nb: int
    prefix: str = ""  # 第N期 printed before the quotes
    info: _Info = field(default_factory=_Info)
    ref: Mention | None = None  # alias / 同X / known name target


@cache
def _verb_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """「…に閣議決定された」 / 「…閣議決定の」 after a date (body optional), and 「…において決定」 after a name:
    built once from deciding_verbs.tsv."""
    alt = "|".join(map(re.escape, deciding_verbs()))
    body = r"[\u4e00-\u9fff々ヶ\u30a0-\u30ffA-Za-z0-9・]{0,30}?"
    decided = re.compile(rf"(?:に|付け?で?)?(?P<body>{body})(?P<verb>{alt})(?P<aux>された|されている|した|される|する|の)?"
                         r"(?=[「『\u4e00-\u9fff\u30a0-\u30ffA-Za-z])")
    after = re.compile(rf"(?:において|で|を|が|として|にて)(?P<body>{body})(?P<verb>{alt})")
    return decided, after


class CitationScanner:
    """Stateful over one document: remembers aliases (以下「X」という) and 同戦略/同計画 back-references."""

    def __init__(self, known: tuple[str, ...] | list[str] = ()) -> None:
        self._known: dict[str, Mention | str] = {}  # squashed plain name or alias → mention (or a bare name)
        self._history: list[Mention] = []
        self._by_length: tuple[int, list[str]] = (0, [])  # (len(_known) when sorted, names of 3+ chars, longest first)
        for name in known:
            self._known[_plain(name)] = name

    # --- public -------------------------------------------------------------------------------

    def scan(self, block: Block) -> list[Mention]:
        """Mentions in ``block`` in text order; updates aliases and known names for later blocks."""
        text = block.text
        s, idx = squash_map(text)
        fwd, back = _pairs(s)
        dates = scan_squashed(s)
        cands: list[_Cand] = []

        def free(a: int, b: int) -> bool:
            return all(b <= c.a or c.b <= a for c in cands)

        self._pass_parens(s, fwd, back, dates, cands)
        self._pass_predated(s, fwd, dates, cands, free)
        self._pass_postdated(s, back, dates, cands, free)
        self._pass_editions(s, cands, free)
        self._pass_quotes(s, fwd, cands, free)
        self._pass_excerpts(s, back, cands, free)
        out = [self._mention(block, s, idx, c) for c in sorted(cands, key=lambda c: c.a)]
        for m in out:
            self._register(m)
        out = self._pass_known(block, s, idx, out)
        out = [m for m in out if len(_plain(m.name)) >= 2 and not is_agency_document(m.name)]
        out = [self._expand_shorthand(m, out[:i]) if m.edition is not None else m for i, m in enumerate(out)]
        self._history.extend(out)
        return out

    # --- pass A: name + parenthesis -------------------------------------------------------------

    def _pass_parens(self, s: str, fwd: dict[int, int], back: dict[int, int],
                     dates: list[tuple[int, int, JDate]], cands: list[_Cand]) -> None:
        for p, q in sorted(fwd.items()):
            if s[p] != "(":
                continue
            shared = _SHARED.match(s, p + 1)
            inner = shared.end() if shared else p + 1
            here = dates
            same = _SAME_DATE.match(s, inner)
            if same:  # （同日閣議決定）, （同年12月閣議決定）: the date of the citation just before
                prev = next((c.info.date for c in reversed(cands) if c.b <= p and c.info.date), None)
                if prev is None:
                    prev = next((m.date for m in reversed(self._history) if m.date), None)
                if prev is not None and same.group("m"):
                    month, day = int(same.group("m")), int(same.group("d")) if same.group("d") else None
                    prev = JDate(prev.year, month, day, same.group(0), unknown=prev.unknown)
                if prev is not None:
                    here = [*dates, (inner, same.end(), prev)]
            info = _analyse(s, inner, q, here)
            if info is None:
                continue
            if info.alias_only and cands and cands[-1].b == p:
                cands[-1].info.alias = info.alias  # 法律（平成20年法律第63号）（以下「X」という。）
                cands[-1].b = q + 1
                continue
            o = back.get(q + 1) if q + 1 < len(s) and s[q + 1] in _QUOTE_CLOSE else None
            if o is not None and o < p:
                named = (o, o + 1, p, "", None)
                q += 1  # the mention closes with the quote
            else:
                named = _name_before(s, p, back)
            if named is None:
                continue
            a, na, nb, prefix, predate = named
            name = prefix + s[na:nb]
            if any(name.endswith(w) for w in _REJECT_END) or _DATE_END.search(name):
                continue
            if predate is not None and info.date is None:
                info.date = predate
            elif predate is not None and info.date and info.date.precision == "year" \
                    and predate.year == info.date.year:
                info.date = predate  # 平成26年5月の…法（平成26年法律第49号）
            if info.verb is None:
                m = _AFTER_VERB.match(s[q + 1:])
                if m:
                    info.verb = m.group("v")
            has_noun = document_noun(name) is not None
            if not (info.verb or info.law_number or has_noun):
                continue
            if info.verb is None and info.law_number is None and info.date is None and not info.alias:
                continue
            if info.alias_only and not has_noun:
                continue
            if not free(a, q + 1, cands):
                continue
            cands.append(_Cand(a, q + 1, na, nb, prefix, info))
            if shared:  # 「A」及び「B」（いずれも…閣議決定）: every name of the list has the decision
                for a2, na2, nb2, prefix2 in _listed_before(s, a, back):
                    if not free(a2, nb2 + (1 if prefix2 is None else 0), cands):
                        break
                    cands.append(_Cand(a2, nb2 + (1 if prefix2 is None else 0), na2, nb2, prefix2 or "",
                                       replace(info, amended=list(info.amended))))

    # --- pass B: date before the name -----------------------------------------------------------

    def _pass_predated(self, s: str, fwd: dict[int, int], dates: list[tuple[int, int, JDate]],
                       cands: list[_Cand], free) -> None:
        """A date before the name: 「令和４年６月７日に閣議決定された「X」」, 「令和５年６月16日閣議決定の「X」」,
        「令和３年12月の「X」改定」, 「2020年6月にXガイドラインにおいて取りまとめた」."""
        decided_rx, verb_after_rx = _verb_patterns()
        for da, db, jd in dates:
            if jd.fiscal or not free(da, db):
                continue
            rest = s[db:]
            m = decided_rx.match(rest)
            if m:
                body = m.group("body") or ""
                named = _name_at(s, db + m.end(), fwd)
                if named is not None and (body == "" or classify_body(body) != "other" or m.group("aux")):
                    na, nb, end = named
                    if free(da, end):
                        info = _Info(date=jd, verb=m.group("verb"))
                        if body:
                            info.body = (db + m.start("body"), db + m.end("body"))
                        cands.append(_Cand(da, end, na, nb, "", info))
                continue
            m = re.match(r"^(に|の)", rest)
            if not m:
                continue
            named = _name_at(s, db + 1, fwd)
            if named is None:
                continue
            na, nb, end = named
            tail = s[end:]
            vm = verb_after_rx.match(tail)
            name = s[na:nb]
            if vm and vm.group("body") and classify_body(vm.group("body")) == "other":
                vm = None  # 「…」を推進決定: no body
            if vm:
                if free(da, end + vm.end()):
                    info = _Info(date=jd, verb=vm.group("verb"))
                    if vm.group("body"):
                        info.body = (end + vm.start("body"), end + vm.end("body"))
                    cands.append(_Cand(da, end + vm.end(), na, nb, "", info))
            elif m.group(1) == "の" and not name.endswith("について") and free(da, end) \
                    and (end >= len(s) or s[end] != "("):
                cands.append(_Cand(da, end, na, nb, "", _Info(date=jd)))

    def _pass_postdated(self, s: str, back: dict[int, int], dates: list[tuple[int, int, JDate]],
                        cands: list[_Cand], free) -> None:
        """The name, then the date and the decision: 「「X」が令和５年６月16日に閣議決定され」."""
        post_rx = _post_pattern()
        for da, db, jd in dates:
            if jd.fiscal or da < 2 or s[da - 1] not in "がは" or not free(da, db):
                continue
            m = post_rx.match(s, db)
            if m is None or (m.group("body") and classify_body(m.group("body")) == "other"):
                continue
            k = da - 1
            if s[k - 1] in _QUOTE_CLOSE and k - 1 in back:
                a, na, nb = back[k - 1], back[k - 1] + 1, k - 1
            else:
                na = _walk_back(s, k, back)
                if na is None or len(s[na:k]) - len(document_noun(s[na:k]) or s[na:k]) < 2:
                    continue
                a, nb = na, k
            if free(a, m.end()):
                info = _Info(date=jd, verb=m.group("verb"))
                if m.group("body"):
                    info.body = (m.start("body"), m.end("body"))
                cands.append(_Cand(a, m.end(), na, nb, "", info))

    # --- pass C: 第N期 + unquoted name ----------------------------------------------------------

    def _pass_editions(self, s: str, cands: list[_Cand], free) -> None:
        for m in re.finditer(r"第[0-9一二三四五六七八九十]+[期次]", s):
            if m.start() > 0 and (_is_kanji(s[m.start() - 1]) or s[m.start() - 1] in "「『"):
                continue
            nb = _name_forward(s, m.start())
            if nb and nb - m.end() >= 2 and free(m.start(), nb):
                cands.append(_Cand(m.start(), nb, m.start(), nb))

    # --- pass D: quoted names, undated ----------------------------------------------------------

    def _pass_quotes(self, s: str, fwd: dict[int, int], cands: list[_Cand], free) -> None:
        """Quoted names, whatever parenthesis follows: a span (令和６～10年度) or bodies without a date are no
        decision, but the quoted name is still a mention."""
        for o, c in sorted(fwd.items()):
            if s[o] not in _QUOTE_OPEN or not free(o, c + 1) or s[max(0, o - 2):o] == "以下":
                continue
            inner = s[o + 1:c]
            noun = document_noun(inner)
            if (noun is None or noun == "について") and _plain(inner) not in self._known:
                continue
            pm = _ORD_PREFIX.search(s[max(0, o - 8):o])
            a = o - len(pm.group(0)) if pm else o
            cands.append(_Cand(a, c + 1, o + 1, c, pm.group(0) if pm else ""))

    # --- pass F: excerpt references -------------------------------------------------------------

    def _pass_excerpts(self, s: str, back: dict[int, int], cands: list[_Cand], free) -> None:
        """``（X基本計画P.44-45から抜粋）``: the text before is an excerpt of X, an explicit, undated reference."""
        for m in _EXCERPT.finditer(s):
            na = _walk_back(s, m.start(), back)
            if na is None or m.start() - na < 3 or not free(na, m.end()):
                continue
            name = s[na:m.start()]
            if document_noun(_expand(name)) is None:
                continue
            cands.append(_Cand(na, m.end(), na, m.start()))

    # --- pass E: known names, aliases, 同X, …基本計画等 ------------------------------------------

    def _names_longest_first(self) -> list[str]:
        """Known names of three or more characters, longest first; sorted again only when names were added
        (names are never removed), not for every block."""
        if self._by_length[0] != len(self._known):
            self._by_length = (len(self._known), [n for n in sorted(self._known, key=len, reverse=True) if len(n) >= 3])
        return self._by_length[1]

    def _pass_known(self, block: Block, s: str, idx: list[int], found: list[Mention]) -> list[Mention]:
        spans = [(_sq(idx, m.start), _sq(idx, m.end)) for m in found]
        extra: list[tuple[int, int, Mention | str]] = []

        def free(a: int, b: int) -> bool:
            return all(b <= x or y <= a for x, y in spans) and all(b <= x or y <= a for x, y, _ in extra)

        for m in _SAME.finditer(s):
            nxt = s[m.end():m.end() + 2]
            if nxt and _is_kanji(nxt[0]) and nxt not in ("策定", "決定", "改定", "等") and nxt[0] != "等":
                continue
            if not free(m.start(), m.end()):
                continue
            noun = m.group("n")
            before = [x for x in self._history] + [x for x in found if _sq(idx, x.start) < m.start()]
            before += [t for a, _, t in sorted(extra, key=lambda e: e[0]) if isinstance(t, Mention) and a < m.start()]
            target = next((x for x in reversed(before)
                           if (x.kind == "law" if noun == "法" else _plain(x.name).endswith(noun))), None)
            if target is not None:
                extra.append((m.start(), m.end(), target))
        for name in self._names_longest_first():
            start = 0
            while (k := s.find(name, start)) >= 0:
                start = k + 1
                e = k + len(name)
                if k > 0 and (_is_kanji(s[k - 1]) or _is_kata(s[k - 1])):
                    continue
                if e < len(s) and (_is_kanji(s[e]) or _is_kata(s[e])) and s[e] != "等":
                    continue
                if k > 0 and s[k - 1] in "「『" and e < len(s) and s[e] in "」』":
                    k, e = k - 1, e + 1
                if free(k, e):
                    extra.append((k, e, self._known[name]))
        for m in re.finditer("等", s):
            named = _walk_back(s, m.start(), {})
            if named is None:
                continue
            a = named
            name = s[a:m.start()]
            if len(name) >= 6 and standalone(name) and free(a, m.start()) \
                    and (a == 0 or not _is_kanji(s[a - 1])):
                extra.append((a, m.start(), name))
        out = list(found)
        for a, b, target in extra:
            start, end = span_back(idx, a, b)
            line = block.line_at(start)
            quote = block.text[start:end]
            if isinstance(target, Mention):
                out.append(replace(target, start=start, end=end, line=line, quote=quote, dated=False,
                                   alias=None, amended=()))
            else:
                out.append(_bare(target, start, end, line, quote))
                self._register(out[-1])
        return sorted(out, key=lambda m: m.start)

    # --- building -------------------------------------------------------------------------------

    def _mention(self, block: Block, s: str, idx: list[int], c: _Cand) -> Mention:
        start, end = span_back(idx, c.a, c.b)
        ns, ne = span_back(idx, c.na, c.nb)
        name = _strip_quotes(c.prefix + _clean(block.text[ns:ne]) if c.prefix
                             else _clean(block.text[ns:ne]))
        name = _clean(_LEAD.sub("", name))
        printed, name = name, _expand(name)
        info = c.info
        body = None
        if info.body:
            bs, be = span_back(idx, *info.body)
            body = _clean(block.text[bs:be]) or None
        date = info.date
        if date is not None:
            date = _raw_date(block.text, idx, s, date)
        amended = tuple(_raw_date(block.text, idx, s, d) for d in info.amended)
        law = is_law(name, info.law_number)
        plan_kind = None
        if not law:
            plan_kind = classify_plan(name) or ("notice" if info.verb == "通知" or (
                info.law_number and "告示" in info.law_number) else "other")
        return Mention(
            name=name, key=plan_key(name), kind="law" if law else "plan", plan_kind=plan_kind,
            edition=plan_edition(name), date=date, body=body,
            body_kind=classify_body(body) if body else None, verb=info.verb,
            law_number=info.law_number, alias=info.alias or (printed if printed != name else None), amended=amended,
            start=start, end=end, line=block.line_at(start), quote=block.text[start:end],
            dated=date is not None or info.law_number is not None,
        )

    def _expand_shorthand(self, m: Mention, earlier_in_block: list[Mention]) -> Mention:
        """第7期基本計画 after 第7期「科学技術・イノベーション基本計画」 in the same document is that plan: an
        edition plus a bare document noun names the latest full plan of that edition ending in the noun."""
        plain = _plain(m.name)
        short = _EDITION_ONLY.match(plain)
        if short is None or document_noun(short.group(1)) != short.group(1):
            return m
        noun = short.group(1)
        before = chain(reversed(earlier_in_block), reversed(self._history))
        target = next((x for x in before if x.edition == m.edition and len(_plain(x.name)) > len(plain)
                       and _plain(x.name).endswith(noun)), None)
        if target is None:
            return m
        return replace(target, start=m.start, end=m.end, line=m.line, quote=m.quote, alias=m.name,
                       date=m.date or target.date, dated=m.dated, amended=m.amended)

    def _register(self, m: Mention) -> None:
        plain = _plain(m.name)
        if len(plain) >= 3 and (document_noun(plain) or m.kind == "law"):
            self._known[plain] = _template(m)
            base = base_name(plain)
            if base and document_noun(base) and base not in self._known:
                self._known[base] = base
        if m.alias:
            self._known[_plain(m.alias)] = _template(m)


# --- helpers ------------------------------------------------------------------------------------

@cache
def _post_pattern() -> re.Pattern[str]:
    """「…に閣議決定され」 after a date that follows a name and が/は."""
    alt = "|".join(map(re.escape, deciding_verbs()))
    return re.compile(r"(?:に|付けで|で)?(?P<body>[\u4e00-\u9fff々ヶ\u30a0-\u30ffA-Za-z0-9・]{0,30}?)"
                      rf"(?P<verb>{alt})(?:され|し|する|される)")


def free(a: int, b: int, cands: list[_Cand]) -> bool:
    return all(b <= c.a or c.b <= a for c in cands)


def _plain(name: str) -> str:
    from keifu.extract.normalize import squash

    return re.sub(r"[「」『』≪≫《》]", "", squash(name)).removesuffix("等")


def _sq(idx: list[int], pos: int) -> int:
    """Original offset → first squashed index at or after it."""
    from bisect import bisect_left

    return bisect_left(idx, pos, 0, len(idx) - 1)


def _strip_quotes(name: str) -> str:
    m = re.match(r"^(第[0-9０-９一二三四五六七八九十]+[期次])?「(.*)」$", name)
    if m and "「" not in m.group(2) and "」" not in m.group(2):
        return (m.group(1) or "") + m.group(2)
    return name


def _template(m: Mention) -> Mention:
    return replace(m, alias=None, amended=())


@cache
def _abbreviations() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    table = {squash(r[0]): squash(r[1]) for r in data_rows("plan_abbreviations.tsv") if len(r) > 1}
    if not table:
        return None, {}
    return re.compile("|".join(map(re.escape, sorted(table, key=len, reverse=True)))), table


def _expand(name: str) -> str:
    """The name with abbreviated words written out (科技イノベ基本計画 → 科学技術・イノベーション基本計画), one pass."""
    rx, table = _abbreviations()
    return rx.sub(lambda m: table[m.group(0)], name) if rx is not None else name


def _bare(name: str, start: int, end: int, line: Line, quote: str) -> Mention:
    printed, name = name, _expand(name)
    law = is_law(name, None)
    return Mention(
        name=name, key=plan_key(name), kind="law" if law else "plan",
        plan_kind=None if law else (classify_plan(name) or "other"), edition=plan_edition(name),
        date=None, body=None, body_kind=None, verb=None, law_number=None,
        alias=printed if printed != name else None, amended=(), start=start, end=end, line=line, quote=quote,
        dated=False,
    )


def _raw_date(text: str, idx: list[int], s: str, jd: JDate) -> JDate:
    """Replace the squashed raw of a date found in ``s`` by the span as printed."""
    k = s.find(jd.raw)
    if k < 0:
        return jd
    a, b = span_back(idx, k, k + len(jd.raw))
    return replace(jd, raw=text[a:b])


def _analyse(s: str, a: int, b: int, dates: list[tuple[int, int, JDate]]) -> _Info | None:
    """Read a parenthesis s[a:b]: date, body, verb, law number, alias, amendments; None if no citation."""
    c = s[a:b]
    clauses = _split_top(c, "。")
    info = _Info()
    for extra in clauses[1:]:
        m = _ALIAS.match(extra)
        if m:
            info.alias = m.group("a")
    main = clauses[0]
    m = _ALIAS.match(main)
    if m:
        info.alias = m.group("a")
        info.alias_only = True
        return info
    if not main:
        return None
    in_main = [(x - a, y - a, jd) for x, y, jd in dates if a <= x and y <= a + len(main)]
    lm = _LAW_NO.match(main)
    if lm:
        d0 = next(((x, y, jd) for x, y, jd in in_main if x == 0), None)
        year_raw = re.match(r"^(.+?年)", main)
        if d0 is None or year_raw is None:
            return None
        info.date = d0[2]
        who = main[d0[1]:lm.start("type")]
        no = lm.group("no")
        n = None if set(no) & set("○●") else kanji_number(no)  # 第○号: a draft's law number not yet given
        info.law_number = _arabic_year(year_raw.group(1)) + who + f"{lm.group('type')}第{no if n is None else n}号"
        if who and lm.group("type") == "告示":
            info.body = (a + d0[1], a + lm.start("type"))
        return info
    starts = {x for x, _, _ in in_main}
    # 令和元年６月閣議決定・令和５年６月改訂: a ・ or ， before a date separates clauses as 、 does
    seps = "".join("、" if ch in "・,;" and k + 1 in starts else ch for k, ch in enumerate(main))
    parts = _split_top(seps, "、")
    head = parts[0]
    off = 0
    for k, part in enumerate(parts[1:], 1):
        p_off = sum(len(x) + 1 for x in parts[:k])
        d = next((jd for x, y, jd in in_main if x == p_off), None)
        if d is not None and _AMEND.search(part):
            info.amended.append(d)
        elif not info.amended:
            head = main[: p_off + len(part)]  # a list of bodies: 総務省、財務省…
    d0 = next(((x, y, jd) for x, y, jd in in_main if x == 0), None)
    if d0 is not None:
        info.date = d0[2]
        off = d0[1]
        if any(x >= off and x < len(head) for x, _, _ in in_main[1:]) and re.search(r"[~〜\-]", head):
            return None  # a period: 令和7年4月1日～令和14年3月31日
    elif len(in_main) == 1 and in_main[0][1] == len(main):
        # （閣議決定：令和５年６月16日）: the body and verb first, the date last
        x, _, jd = in_main[0]
        lead = re.sub(r"[:、,\s]+$", "", main[:x])
        verb = next((v for v in deciding_verbs() if lead.endswith(v)), None)
        if verb is None or not lead[: -len(verb)] or _REJECT_ANY.search(lead):
            return None
        info.date, info.verb = jd, verb
        info.body = (a, a + len(lead) - len(verb))
        return info
    elif in_main:
        return None  # a date not at the start: not a citation parenthesis
    rest = head[off:]
    rest_off = off
    for lead in ("日付けで", "日付け", "付けで", "付で", "付け", "付"):
        if rest.startswith(lead):
            rest, rest_off = rest[len(lead):], rest_off + len(lead)
            break
    dn = _DOC_NO.match(rest)
    if dn and dn.end() < len(rest):
        rest, rest_off = rest[dn.end():], rest_off + dn.end()
    if _REJECT_ANY.search(rest) or any(rest.endswith(w) for w in _REJECT_END):
        return None
    core = rest.removesuffix("等")
    for tail in _PROSPECTIVE:  # （令和８年〇月閣議決定予定）: a decision still to come reads like one taken
        if core.endswith(tail):
            core = core[: -len(tail)]
            break
    verb = next((v for v in deciding_verbs() if core.endswith(v)), None)
    if verb:
        info.verb = verb
        body = core[: -len(verb)].removesuffix("の").rstrip("、")
        if body:
            info.body = (a + rest_off, a + rest_off + len(body))
        return info
    if info.date is None:
        return None
    if rest:
        if not all(_name_char(ch) or _is_hira(ch) or ch in "()、" for ch in rest):
            return None
        info.body = (a + rest_off, a + rest_off + len(rest))
    return info


def _arabic_year(raw: str) -> str:
    """平成十五年 → 平成15年 (a law number printed in kanji is keyed like one printed in digits)."""
    m = re.match(r"^(?P<era>\D*?)(?P<n>[〇一二三四五六七八九十百千]+)年$", raw)
    n = kanji_number(m.group("n")) if m else None
    return f"{m.group('era')}{n}年" if m and n is not None else raw


def _split_top(c: str, sep: str) -> list[str]:
    """Split on ``sep`` outside brackets."""
    out, depth, cur = [], 0, []
    for ch in c:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _kana_run_ok(s: str, end: int) -> int | None:
    """If a name phrase with hiragana (に関する, の …) ends at ``end``, return its start."""
    for phrase in _NAME_KANA:
        if s.endswith(phrase, 0, end):
            return end - len(phrase)
    m = _NO_VERB.search(s, 0, end)
    return m.start() if m else None


def _walk_back(s: str, p: int, back: dict[int, int], limit: int = 80) -> int | None:
    """Start of an unquoted name ending at ``p``; brackets inside are skipped as units."""
    k = p
    while k > 0 and p - k < limit:
        c = s[k - 1]
        if c in _CLOSE and c != ")" and k - 1 in back and (c not in _QUOTE_CLOSE or s.startswith("の", k)):
            k = back[k - 1]  # ≪…≫ inside a name, or 「…」の諸原則
            continue
        if _is_hira(c):
            j = _kana_run_ok(s, k)
            if j is None:
                break
            k = j
            continue
        if not _name_char(c):
            break
        k -= 1
    if p - k >= limit:
        return None
    # trim: article references, conjunctions, hiragana at the start
    while k < p and (_is_hira(s[k]) or s[k] in "・ー"):
        k += 1
    m = _ARTICLE.match(s[k:p])
    if m:
        k += m.end()
    return k if k < p else None


def _name_before(s: str, p: int, back: dict[int, int]):
    """(mention start, name start, name end, 第N期 prefix, date printed before the name) or None."""
    j = p - 1
    if j < 0:
        return None
    if s[j] in _QUOTE_CLOSE and j in back:
        o = back[j]
        pm = _ORD_PREFIX.search(s[max(0, o - 8):o])
        a = o - len(pm.group(0)) if pm else o
        return a, o + 1, j, pm.group(0) if pm else "", None
    k = _walk_back(s, p, back)
    if k is None:
        return None
    a = k
    predate = None
    dm = scan_squashed(s[k:p])
    if dm and dm[0][0] == 0 and s[k + dm[0][1]:k + dm[0][1] + 1] in ("の", "に"):
        predate = dm[0][2]
        k = k + dm[0][1] + 1
    if k >= p:
        return None
    lead = _LEAD.match(s[k:p])
    if lead:
        k += lead.end()
    verb = next((v for v in deciding_verbs() if s.startswith(v, k) and k + len(v) < p), None)
    if verb:
        k += len(verb)  # slides: 「…を策定」 glued to the next title
    if predate is None:
        a = k
    return a, k, p, "", predate


def _name_at(s: str, a: int, fwd: dict[int, int]) -> tuple[int, int, int] | None:
    """(name start, name end, mention end) of a name starting at ``a``: quoted (any words inside) or unquoted
    and ending in a document noun with at least two more characters before it (not a bare 「計画」)."""
    if a < len(s) and s[a] in _QUOTE_OPEN and a in fwd and fwd[a] - a > 2:
        return a + 1, fwd[a], fwd[a] + 1
    nb = _name_forward(s, a)
    if nb is None:
        return None
    noun = document_noun(s[a:nb]) or ""
    if nb - a - len(noun) < 2:
        return None
    return a, nb, nb


def _listed_before(s: str, a: int, back: dict[int, int]) -> list[tuple[int, int, int, str | None]]:
    """Names listed before the name that starts at ``a`` (「A」、「B」及び「C」（いずれも…）): (mention start,
    name start, name end, prefix) nearest first; prefix None marks a quoted name (its mention ends after the quote)."""
    out: list[tuple[int, int, int, str | None]] = []
    while True:
        sep = _LIST_SEP.search(s, 0, a)
        if sep is None:
            return out
        k = sep.start()
        if k > 0 and s[k - 1] in _QUOTE_CLOSE and k - 1 in back:
            o = back[k - 1]
            out.append((o, o + 1, k - 1, None))
        else:
            na = _walk_back(s, k, back)
            if na is None or document_noun(s[na:k]) is None:
                return out
            out.append((na, na, k, ""))
        a = out[-1][0]


def _name_forward(s: str, a: int, limit: int = 60) -> int | None:
    """End of a name starting at ``a`` that ends in a document noun (longest such prefix), else None."""
    k = a
    ends: list[int] = []
    while k < len(s) and k - a < limit:
        c = s[k]
        if _name_char(c):
            k += 1
        elif c == "の" or c == "・":
            ends.append(k)
            k += 1
        else:
            break
    ends.append(k)
    for e in ends:
        name = s[a:e]
        if name.endswith("等"):
            name, e = name[:-1], e - 1
        if e - a >= 2 and document_noun(name) and not name.endswith("について"):
            if e < len(s) and _is_kanji(s[e]) and s[e] != "等":
                continue
            return e
    return None
