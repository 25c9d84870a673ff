"""The register's rules: when a cited name is taken as a national plan.

A mention of a plan or strategy becomes a ``kf:NationalPlan`` only when its name passes these rules (README,
"Plan register"); otherwise it stays a ``kf:Citation`` of an unknown work, with the rule that rejected it
(``kf:rejectedAsPlan``, a concept of the plan-name-rule scheme). The rules are data:

* ``data/plan_name_rules.tsv``: patterns over the name (a heading number glued on; a lost word boundary, which is
  repaired by keeping the plan name after it) and over the text printed just before an unquoted name (a name
  that starts inside a word, or right after のための / に関する …, was cut);
* ``data/plan_kinds.tsv``: the name must end in a plan noun (after a trailing year, subtitle or parenthesis);
* ``data/plan_generic_words.tsv``: a name made only of generic words before its noun names a class of the
  agency's own projects (小規模計画) or nothing in particular (政府の中長期戦略).

A name the register knows (``ontology/plans.ttl``) always passes; a name cut from a known one (未来戦略 printed
after こども) is put back together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache

from .normalize import nfkc, squash
from .plan_register import load_register
from .plans import classify_plan, deciding_verbs, document_noun, plan_edition, plan_key
from .vocab import rows as data_rows

_ORD = re.compile(r"^第[0-9一二三四五六七八九十]+[期次]")
_TRAILERS = re.compile(r"(?:[0-9]{4}(?:年版?|年度)?|~[^~]*~|-[^-]*-|\([^()]*\)|〜[^〜]*〜)$")
_QUOTES = re.compile(r"[「」『』]")
_BEFORE = 12


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome for one name: the rule that rejects it (None: a plan) and the name to use (repaired)."""

    rule: str | None
    name: str


@cache
def _rules() -> tuple[tuple[str, str, str, re.Pattern[str]], ...]:
    return tuple((r[0], r[1], r[2], re.compile(r[3])) for r in data_rows("plan_name_rules.tsv") if len(r) > 3)


@cache
def _generic() -> tuple[re.Pattern[str], dict[str, str]]:
    words = {squash(r[0]): r[1].strip() for r in data_rows("plan_generic_words.tsv") if len(r) > 1}
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True)))), words


def core_name(name: str) -> str:
    """The name without quotes, a leading 第N期 and trailing year, subtitle (~…~, -…-) or parenthesis."""
    s = _QUOTES.sub("", squash(name))
    s = _ORD.sub("", s)
    while (m := _TRAILERS.search(s)) and m.start() > 0:
        s = s[:m.start()]
    return s


def plan_kind_of(name: str) -> str | None:
    """plan-kind code of a name, read from its noun once year, subtitle and parenthesis are set aside."""
    return classify_plan(name) or classify_plan(core_name(name))


def generic_rule(name: str) -> str | None:
    """"vague" or "project-class" when every word before the plan noun is a generic word, else None."""
    core = core_name(name)
    noun = document_noun(core)
    if noun is None:
        return None
    head = core[: len(core) - len(noun)]
    rx, words = _generic()
    pos, kinds = 0, set()
    while pos < len(head):
        m = rx.match(head, pos)
        if m is None:
            return None
        kinds.add(words[m.group(0)])
        pos = m.end()
    return "vague" if "vague" in kinds or not head else "project-class"


def judge(name: str, before: str = "", decided: bool = False) -> Verdict:
    """Whether ``name`` is taken as a national plan. ``before`` is the text printed right before an unquoted
    name (empty for quoted names, whose start is certain); ``decided``: the mention states a deciding verb
    (通知, 報告, 決定 …) or a 告示 number, so it names a decided document whatever noun its name ends in."""
    reg = load_register()
    plain = _QUOTES.sub("", squash(name))
    if reg.resolve(plain) is not None:
        return Verdict(None, name)
    raw = nfkc(before)[-_BEFORE:] if before.strip() else ""
    tail = squash(raw)
    if tail.endswith(deciding_verbs()):
        raw = tail = ""  # 「…を策定」 glued to the next title: the extractor cut at the verb on purpose
    joined = f"{raw}¦{plain[:1]}"
    if tail:
        for e in reg.entries.values():
            for label in (e.label, *e.alt):
                full = squash(label)
                if len(full) > len(plain) and full.endswith(plain) and tail.endswith(full[: -len(plain)]):
                    return Verdict(None, e.label)  # 未来戦略 printed after こども: the known name
    for rule, scope, action, rx in _rules():
        if scope == "name" and (m := rx.search(plain)):
            if action == "cut" and "rest" in rx.groupindex and document_noun(m.group("rest")):
                return judge(m.group("rest"))
            if action == "reject":
                return Verdict(rule, name)
        elif scope == "before" and tail and rx.search(joined):
            return Verdict(rule, name)
    if plan_kind_of(plain) is None and not decided:
        return Verdict("no-plan-noun", name)
    rule = generic_rule(plain)
    return Verdict(rule, name) if rule else Verdict(None, name)


def review(m, before: str, nouns: dict[str, str]):  # noqa: ANN001, ANN201 - Mention in, (Mention, rule) out
    """A plan mention checked against the register's rules, and repaired where the rules say how.

    ``nouns`` maps bare nouns defined as aliases earlier in the document (以下「推進計画」という) to the full
    name, so 第3期推進計画 becomes 第3期医療分野研究開発推進計画. Laws are returned as they are."""
    if m.kind != "plan":
        return m, None
    name, repaired = m.name, False
    ed = plan_edition(name)
    bare = _ORD.sub("", _QUOTES.sub("", squash(name)))
    if ed is not None and bare in nouns:
        name, repaired = f"第{ed}期{nouns[bare]}", True
    printed = squash(m.quote)
    unquoted = printed[:1] not in "「『" and printed.startswith(_QUOTES.sub("", squash(m.name)))
    v = judge(name, before if unquoted else "", m.plan_kind == "notice" or m.verb is not None)
    if v.rule is not None:
        return m, v.rule
    if v.name != name:
        name, repaired = v.name, True
    canonical = load_register().canonical_name(name) or name  # the identity the register gives the name
    key = plan_key(canonical)
    if repaired or key != m.key:
        m = replace(m, name=name if repaired else m.name, key=key, edition=plan_edition(canonical),
                    plan_kind=plan_kind_of(canonical) or "other")
    return m, None


def alias_nouns(m) -> dict[str, str]:  # noqa: ANN001 - Mention
    """{alias: name} when a mention defines a bare plan noun as its alias (以下「推進計画」という)."""
    if m.kind != "plan" or not m.alias:
        return {}
    a = squash(m.alias)
    return {a: m.name} if document_noun(a) == a and a != squash(m.name) else {}


@cache
def _basis() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(r[0]) for r in data_rows("plan_basis_phrases.tsv"))


def based_on_phrase(between: str) -> bool:
    """True when the text between two mentions says the second was made on the basis of the first
    (「…に基づき策定された」, 「…を踏まえて策定された」; ``data/plan_basis_phrases.tsv``)."""
    s = squash(between)
    return bool(s) and any(rx.match(s) for rx in _basis())
