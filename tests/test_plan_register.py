"""The plan register (issue 14): which cited names become national plans, one node per work, series and
editions, plan-to-plan bases, and plan names as users type them. Fixtures are our own (a fictional agency);
the corpus tests at the end skip without ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS, SKOS

from keifu.extract.citations import CitationScanner
from keifu.extract.plan_names import based_on_phrase, generic_rule, judge, review
from keifu.extract.plan_register import load_register
from keifu.extract.plans import plan_key
from keifu.graph.build import build
from keifu.graph.lineage import index_for
from keifu.graph.lineage.trace import AmbiguousName, resolve, trace
from keifu.graph.plan_lookup import expand_shorthand, name_keys
from keifu.graph.plan_register import REGISTER_GRAPH, register_graph
from keifu.graph.store import Store
from keifu.graph.vocab import KF, mint
from tests.conftest import CORPUS, corpus_file
from tests.test_citations import block

FIXTURE = Path(__file__).parent / "fixtures" / "plans_register_objectives.txt"
OBJECTIVE = str(KF.Objective)


# --- the register's rules, name by name ---------------------------------------------------------------


@pytest.mark.parametrize(("name", "rule"), [
    ("小規模計画", "project-class"),
    ("戦略的に実施する中型計画", "project-class"),
    ("主として公募により実施する小型計画", "project-class"),
    ("戦略的海外共同計画", "project-class"),
    ("政府の中長期戦略", "vague"),
    ("国の方針", "vague"),
    ("基本的な指針", "vague"),
    ("第３ １（１）星光積立金の運用の基本的な方針", "heading-number"),
    ("1.星光積立金の運用方針", "heading-number"),
    ("星光食品成分表", "no-plan-noun"),
])
def test_names_that_are_no_plan(name: str, rule: str) -> None:
    assert judge(name).rule == rule


@pytest.mark.parametrize("name", [
    "第２期星海推進計画", "第5世代星海通信推進計画", "第一種星海保全基準", "第3回星海会議宣言", "星海データ保護のための統一基準群", "星光研究費の管理のガイドライン（実施基準）",
    "宙の安全保障構想", "星海開発の基本方針2024～成長の実現～", "星海再興戦略-STARS-", "星光資源の開発に関する協定",
    "星海機構の運営の適正化について",
])
def test_names_that_are_plans(name: str) -> None:
    assert judge(name).rule is None, name


def test_generic_words_need_a_proper_head() -> None:
    assert generic_rule("星海観測の中長期戦略") is None  # a head of its own
    assert generic_rule("中長期戦略") == "project-class"
    assert generic_rule("政府の中長期的な戦略") == "vague"


def test_a_name_cut_inside_a_word_is_truncated() -> None:
    # after a hiragana noun, after a linking phrase (のための), glued to a kanji: the name started too late
    assert judge("未来星空戦略", before="暮らしと くらし").rule == "truncated"
    assert judge("基本的な運用指針", before="安全に行われるようにするための").rule == "truncated"
    assert judge("観測推進計画", before="深海").rule == "truncated"
    # a verb ending, a particle or a new Latin word after a linking phrase are word boundaries
    assert judge("星空観測推進計画", before="改定された").rule is None
    assert judge("XR観測計画", before="原型炉に向けた ").rule is None
    assert judge("星空観測推進計画", before="を策定").rule is None  # the extractor cut at the verb on purpose
    assert judge("星空観測推進計画", before="星海法第24条").rule is None  # …and after an article reference


def test_a_known_name_cut_short_is_put_back_together() -> None:
    v = judge("未来戦略", before="子育てを支える こども")
    assert v.rule is None and v.name == "こども未来戦略"


def test_scanned_mentions_are_reviewed_in_context() -> None:
    sc = CitationScanner()
    (m,) = sc.scan(block("星空観測による宇宙研究の刷新XR推進計画（令和７年12月閣議決定）を踏まえる。"))
    assert "による" in m.name
    fixed, rule = review(m, "", {})
    assert rule is None and fixed.name == "XR推進計画" and fixed.key == plan_key("XR推進計画")
    (m,) = CitationScanner().scan(block("運用が安全に行われるようにするための基本的な運用指針（平成26年星海省告示第１号）"))
    text = "運用が安全に行われるようにするための基本的な運用指針（平成26年星海省告示第１号）"
    assert review(m, text[:m.start], {})[1] == "truncated"


def test_variants_of_one_work_share_a_key() -> None:
    assert plan_key("星海データ保護のための統一基準群") == plan_key("星海データ保護のための統一基準")
    assert plan_key("星光研究費の管理のガイドライン（実施基準）") == plan_key("星光研究費の管理のガイドライン")
    assert plan_key("星光研究費の管理のガイドライン（第２期）") != plan_key("星光研究費の管理のガイドライン")
    assert plan_key("持続可能な星空目標（SDGs）") != plan_key("持続可能な星空目標")  # no document noun left


def test_register_resolves_series_editions_and_aliases() -> None:
    reg = load_register()
    series = reg.resolve("科学技術イノベーション基本計画")
    assert series is not None and series.label == "科学技術・イノベーション基本計画" and series.edition is None
    sixth = reg.resolve("第六期科学技術イノベーション基本計画")
    assert sixth is not None and sixth.edition == 6 and reg.series(sixth) is series
    assert reg.kind(sixth) == "basic-plan"
    assert reg.canonical_name("第９期科学技術基本計画") == "第9期科学技術・イノベーション基本計画"
    based = reg.resolve("医療分野研究開発推進計画")
    assert based is not None and [reg.entries[r].label for r in based.based_on] == ["健康・医療戦略"]


def test_based_on_phrases() -> None:
    assert based_on_phrase("（第 24条）に基づき策定された")
    assert based_on_phrase("第24条に基づき策定された")
    assert based_on_phrase("を踏まえて策定された")
    assert not based_on_phrase("策定以降の環境の変化等を踏まえて策定された")
    assert not based_on_phrase("及び")


def test_register_graph_orders_editions_and_makes_a_series() -> None:
    a, b = str(mint("plan", plan_key("第2期星海推進計画"))), str(mint("plan", plan_key("第3期星海推進計画")))
    g = register_graph({a: ("第2期星海推進計画", 2), b: ("第3期星海推進計画", 3)}, {b: {"第３期推進計画"}})
    series = mint("plan", plan_key("星海推進計画"))
    assert (URIRef(a), DCTERMS.isVersionOf, series) in g and (URIRef(b), DCTERMS.isVersionOf, series) in g
    assert (URIRef(b), KF.supersedes, URIRef(a)) in g and (URIRef(a), KF.supersedes, URIRef(b)) not in g
    assert {str(x) for x in g.objects(URIRef(b), SKOS.altLabel)} == {"第3期推進計画"}
    assert str(g.value(series, SKOS.prefLabel)) == "星海推進計画"


def test_yearly_versions_belong_to_the_name_without_the_year() -> None:
    y24, y25 = (str(mint("plan", plan_key(n))) for n in ("宙戦略2024", "宙戦略2025～星の時代へ～"))
    g = register_graph({y24: ("宙戦略2024", None), y25: ("宙戦略2025～星の時代へ～", None),
                        str(mint("plan", plan_key("2030年宙戦略"))): ("2030年宙戦略", None)}, {})
    series = mint("plan", plan_key("宙戦略"))
    assert set(g.subjects(DCTERMS.isVersionOf, series)) == {URIRef(y24), URIRef(y25)}
    assert (URIRef(y25), KF.supersedes, URIRef(y24)) in g
    assert not list(g.objects(URIRef(y24), KF.edition))  # a year is no 第N期


# --- a whole document through the build -----------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    store = Store(tmp_path_factory.mktemp("register") / "store")
    results = list(build([FIXTURE], store))
    assert all(r.error is None for r in results)
    assert sum(r.violations for r in results) == 0, [v.describe() for r in results for v in r.results]
    yield store, index_for(store)
    store.close()


def _plans(store: Store) -> dict[str, str]:
    return {r["p"]: r["l"] for r in store.select(
        "PREFIX kf: <https://w3id.org/keifu/ns#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>"
        " SELECT ?p ?l WHERE { ?p a kf:NationalPlan ; skos:prefLabel ?l }")}


def test_non_plans_stay_citations_with_their_reason(built) -> None:
    store, _ = built
    labels = set(_plans(store).values())
    for bad in ("小規模計画", "戦略的に実施する中型計画", "主として公募により実施する小型計画", "政府の中長期戦略"):
        assert bad not in labels
    assert not [lbl for lbl in labels if lbl.startswith("第3") and "積立金" in lbl]
    rows = list(store.select("PREFIX kf: <https://w3id.org/keifu/ns#> SELECT ?n ?r ?q WHERE { "
                             "?c kf:rejectedAsPlan ?r ; kf:name ?n ; kf:quote ?q . FILTER NOT EXISTS { ?c kf:cites ?x } }"))
    rules = {r["n"]: r["r"].rsplit("/", 1)[-1] for r in rows}
    assert rules["小規模計画"] == "project-class" and rules["政府の中長期戦略"] == "vague"
    assert all(r["q"] for r in rows)  # the evidence is kept


def test_variants_are_one_node_and_editions_are_tied_to_their_series(built) -> None:
    store, _ = built
    plans = _plans(store)
    assert sum("統一基準" in lbl for lbl in plans.values()) == 1
    assert sum("星光研究費の管理のガイドライン" in lbl for lbl in plans.values()) == 1
    sixth = mint("plan", plan_key("第6期科学技術・イノベーション基本計画"))
    series = mint("plan", plan_key("科学技術・イノベーション基本計画"))
    third = mint("plan", plan_key("第3期医療分野研究開発推進計画"))
    ask = "PREFIX dcterms: <http://purl.org/dc/terms/> ASK { GRAPH <%s> { <%s> dcterms:isVersionOf <%s> } }"
    assert store.query(ask % (REGISTER_GRAPH, sixth, series))
    assert store.query(ask % (REGISTER_GRAPH, third, mint("plan", plan_key("医療分野研究開発推進計画"))))
    assert plans[str(sixth)] == "第6期科学技術・イノベーション基本計画"  # the register's label, not the printed one


def test_a_plan_based_on_a_strategy_brings_its_followers_along(built) -> None:
    _, idx = built
    res = trace(idx, "健康・医療戦略", classes=[OBJECTIVE])
    assert res.rows and all(r.agency == "国立研究開発法人星海医療研究機構" for r in res.rows)
    assert any("医療分野研究開発推進計画" in " ".join(r.chain) for r in res.rows)
    assert "basedOn" in [s.prop for s in res.rows[0].steps]
    series = trace(idx, "科学技術・イノベーション基本計画", classes=[OBJECTIVE])
    assert any(s.prop == "dcterms:isVersionOf" for r in series.rows for s in r.steps)  # through the 第6期 edition


@pytest.mark.parametrize("typed", [
    "第6期科学技術イノベーション基本計画", "第６期の科学技術・イノベーション基本計画", "第6期の基本計画",
    "第六期 科学技術・イノベーション基本計画",
])
def test_names_as_users_type_them(built, typed: str) -> None:
    _, idx = built
    assert resolve(idx, typed).iri == str(mint("plan", plan_key("第6期科学技術・イノベーション基本計画")))


def test_series_and_agency_names_resolve(built) -> None:
    _, idx = built
    assert resolve(idx, "科学技術 イノベーション基本計画").label == "科学技術・イノベーション基本計画"
    agency = resolve(idx, "星海医療研究機構")
    assert agency.cls == "Agency"
    rows = trace(idx, "星海医療研究機構", classes=[OBJECTIVE]).rows
    assert rows and all(r.chain[-1] for r in rows)


def test_an_ambiguous_name_lists_kind_and_edition_in_both_languages(built) -> None:
    _, idx = built
    with pytest.raises(AmbiguousName) as e:
        resolve(idx, "医療分野研究開発")
    third = next(c for c in e.value.candidates if c.edition == 3)
    assert third.kind == "promotion-plan"
    assert "推進計画、第3期" in e.value.message_ja and "promotion plan, edition 3" in e.value.message_en


def test_shorthand_needs_the_same_counter() -> None:
    assert expand_shorthand("第7期の基本計画") == ["第7期科学技術・イノベーション基本計画"]
    assert expand_shorthand("第7次基本計画") == ["第7次エネルギー基本計画"]
    assert expand_shorthand("第7期の星空計画") == []
    assert name_keys("第7期の星・空計画") & name_keys("第７期星空計画")


# --- the corpus ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_built(tmp_path_factory: pytest.TempPathFactory):
    corpus_file("000")
    store = Store(tmp_path_factory.mktemp("register-corpus") / "store")
    assert all(r.error is None for r in build([CORPUS], store, validate=False))
    yield store, index_for(store)
    store.close()


def test_corpus_non_plans_are_not_national_plans(corpus_built) -> None:
    store, _ = corpus_built
    labels = set(_plans(store).values())
    for bad in ("小規模計画", "戦略的に実施する中型計画", "主として公募により実施する小型計画", "戦略的海外共同計画",
                "政府の中長期戦略", "基本的な指針"):
        assert bad not in labels, bad
    assert not [lbl for lbl in labels if "積立金" in lbl and lbl.startswith("第")]
    assert not [lbl for lbl in labels if "による" in lbl and lbl.endswith("AI基本計画")]
    assert not [lbl for lbl in labels if lbl == "未来戦略"]


def test_corpus_variants_and_editions(corpus_built) -> None:
    store, idx = corpus_built
    labels = list(_plans(store).values())
    assert sum(lbl.startswith("政府機関等のサイバーセキュリティ対策のための統一基準") for lbl in labels) == 1
    assert sum(lbl.startswith("研究機関における公的研究費の管理・監査のガイドライン") for lbl in labels) == 1
    series = mint("plan", plan_key("科学技術・イノベーション基本計画"))
    editions = {r["e"] for r in store.select(
        "PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX kf: <https://w3id.org/keifu/ns#>"
        f" SELECT ?e WHERE {{ ?p dcterms:isVersionOf <{series}> ; kf:edition ?e }}")}
    assert {"6", "7"} <= editions
    assert resolve(idx, "第3期推進計画").label == "第3期医療分野研究開発推進計画"
    assert resolve(idx, "エネルギー基本計画").label == "エネルギー基本計画"
    energy = mint("plan", plan_key("エネルギー基本計画"))
    assert (URIRef(str(mint("plan", plan_key("第6次エネルギー基本計画")))), DCTERMS.isVersionOf, energy) in {
        (URIRef(r["s"]), DCTERMS.isVersionOf, URIRef(r["o"])) for r in store.select(
            f"SELECT ?s ?o WHERE {{ ?s <{DCTERMS.isVersionOf}> ?o }}")}
    assert trace(idx, "エネルギー基本計画").rows


@pytest.mark.parametrize("typed", ["第7期の基本計画", "第7期科学技術イノベーション基本計画", "第７期の科学技術・イノベーション基本計画"])
def test_corpus_name_variants_resolve(corpus_built, typed: str) -> None:
    _, idx = corpus_built
    assert resolve(idx, typed).label == "第7期科学技術・イノベーション基本計画"


def test_corpus_series_reaches_every_agency_citing_an_edition(corpus_built) -> None:
    _, idx = corpus_built
    agencies = {r.agency for r in trace(idx, "科学技術・イノベーション基本計画").rows}
    assert {"国立研究開発法人量子科学技術研究開発機構", "国立研究開発法人理化学研究所",
            "国立研究開発法人宇宙航空研究開発機構"} <= agencies


def test_corpus_every_plan_has_one_kind(corpus_built) -> None:
    """Kinds come from the register, the key, a printed deciding verb or the label, one per plan and file, so
    mentions printed differently in different files (…の整備 / …の整備について) do not give a plan two kinds."""
    store, _ = corpus_built
    two = list(store.select("PREFIX kf: <https://w3id.org/keifu/ns#> SELECT ?p WHERE { ?p kf:planKind ?k } "
                            "GROUP BY ?p HAVING (COUNT(DISTINCT ?k) > 1)"))
    assert not two
    kinds = {r["l"]: r["k"].rsplit("/", 1)[-1] for r in store.select(
        "PREFIX kf: <https://w3id.org/keifu/ns#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>"
        " SELECT ?l ?k WHERE { ?p kf:planKind ?k ; skos:prefLabel ?l }")}
    assert kinds["政府機関等のサイバーセキュリティ対策のための統一基準群"] == "standard"
    assert kinds["第6期科学技術・イノベーション基本計画"] == "basic-plan"
