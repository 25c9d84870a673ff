"""Vocabulary of evaluation frameworks: table titles and headers, indicator labels, importance markers.

The spellings vary between documents (《評価指標》, （評価指標）, 【評価指標】, （関連するモニタリング指標）,
【重要度 高】, 【重要度：高】 …, docs/formats.md §4.6 and §5.1), so they live in
``data/evaluation_vocab.tsv``; this module only answers "what is this line or label?".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ..blocks import marker_rules
from ..normalize import squash
from ..segment import ANNEX_LABEL
from ..vocab import rows

#: Brackets that enclose a label line: 《評価指標》 【戦略目標】 （モニタリング指標） ＜アウトプット指標＞ 〔評価指標〕
LABEL = re.compile(r"^[《【（(＜<〈≪〔［]\s*(?P<inner>[^《》【】（）()＜＞<>〈〉≪≫〔〕［］]{1,40}?)\s*[》】）)＞>〉≫〕］]$")
_BULLET_CIRCLE = re.compile(r"^[○〇◯]")
_BULLET_DOT = re.compile(r"^[・･•\uf09e\uf06e]|^-\s")
_PAGE_NO = re.compile(r"^[0-9]{1,4}$")


@dataclass(frozen=True, slots=True)
class _Rule:
    role: str
    code: str
    pattern: re.Pattern[str]


@cache
def _rules() -> tuple[_Rule, ...]:
    return tuple(_Rule(r[0], r[1], re.compile(r[2])) for r in rows("evaluation_vocab.tsv"))


def _match(role: str, text: str) -> _Rule | None:
    return next((r for r in _rules() if r.role == role and r.pattern.search(text)), None)


def is_table_title(text: str) -> bool:
    """The title of an evaluation-axis table (…の評価に関する評価軸等について, 評価軸及び関連指標（案）)."""
    sq = squash(text)
    return len(sq) <= 80 and _match("title", sq) is not None


def is_table_header(text: str) -> bool:
    """A column-header line (項目 評価軸 備考（関連する評価指標、モニタリング指標等）)."""
    sq = squash(text)
    return len(sq) <= 80 and _match("header", sq) is not None


def is_table_end(text: str) -> bool:
    return _match("table-end", squash(text)) is not None


def is_list_end(text: str) -> bool:
    """A lone 「等」 that closes a list and is not an item."""
    return _match("list-end", squash(text)) is not None


def is_note(text: str) -> bool:
    """※ notes (also 「○ ※…」, which looks like an axis)."""
    return _match("note", squash(text)) is not None


def is_annex_label(text: str) -> bool:
    return bool(ANNEX_LABEL.match(squash(text)))


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NO.match(squash(text)))


def label_inner(text: str) -> str | None:
    """The inside of a label line (``《評価指標》`` → ``評価指標``), or None if the line is not bracketed."""
    m = LABEL.match(text.strip())
    return squash(m.group("inner")) if m else None


#: A label printed without brackets (評価指標 / 評価指標： / ■評価指標), other house styles; in the body of a
#: document text may follow its colon (数値目標：…, keifu.extract.evaluation.body_indicators)
BARE_LABEL = re.compile(r"^[\s\u3000]*[■□◆◇▼▽◎]?[\s\u3000]*(?P<label>[^\s\u3000:：、。（）()「」]{2,14}?)[\s\u3000]*"
                        r"(?:[:：][\s\u3000]*(?P<rest>.*)|$)", re.S)


def bare_label(text: str) -> str | None:
    """The label of an unbracketed label line (nothing after its colon), or None; only what the vocabulary then
    recognises counts."""
    m = BARE_LABEL.match(text.strip(" \t\u3000"))
    return squash(m.group("label")) if m and not (m.group("rest") or "").strip() else None


def indicator_label(text: str) -> str | None:
    """The indicator-kind code of a label line (《評価指標》, or 評価指標： printed bare → ``evaluation``), None
    if it is not one."""
    inner = label_inner(text) or bare_label(text)
    if inner is None:
        return None
    rule = _match("label", inner)
    return rule.code if rule else None


def is_axis_label(text: str) -> bool:
    inner = label_inner(text) or bare_label(text)
    return inner is not None and _match("axis-label", inner) is not None


def importance_marks(text: str) -> list[tuple[str, str]]:
    """(dimension, level) pairs of a 重要度・困難度 label: 【重要度：高、困難度：高】 → [(重要度, 高), (困難度, 高)]."""
    inner = label_inner(text)
    if inner is None:
        return []
    out = []
    for part in re.split(r"[、,，・/／]", inner):
        rule = _match("importance", part)
        if rule is not None:
            m = rule.pattern.search(part)
            assert m is not None
            out.append((m.group("dim"), m.group("level")))
    return out


def is_rationale_label(text: str) -> bool:
    inner = label_inner(text)
    return inner is not None and _match("rationale", inner) is not None


def bullet_kind(text: str) -> str | None:
    """``circle`` for ○〇◯ items; ``dot`` for ・ items and for every other bullet a house style may print
    (● ◆ ■ ➢ －, the bullet rows of ``data/markers.tsv``); None for anything else, ※ notes included (raw text,
    before folding). Axes are ○ items in every evaluation table we know; what marks indicators varies."""
    s = text.lstrip(" \t\u3000")
    if _BULLET_CIRCLE.match(s):
        return "circle"
    if _BULLET_DOT.match(s) or not s.startswith("※") and any(r.pattern.match(s) for r in marker_rules("bullet")):
        return "dot"
    return None


def strip_bullet(text: str) -> str:
    """The item text without its bullet and the spaces after it."""
    s = text.strip(" \t\u3000")
    if bullet_kind(s) is not None:
        s = s[2:] if s.startswith("- ") else s[1:]
    return s.strip(" \t\u3000")
