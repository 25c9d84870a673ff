"""The analyst's pages in headless Chromium (Debian ``chromium`` via Playwright), with every request that is
not for the loopback server aborted and recorded: the walk home → plan register → plan → indicator → source
line, search from the box, an agency's lineage, the trace downloads (CSV, XLSX) and ``/docs``; on the invented
fixture store always, and on the real corpus (健康・医療戦略, 「がん」, 「核融合」) when ../shared is present.

Each step leaves a screenshot in tests/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CORPUS
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from pages_fixtures import build_pages_store
from test_api_fixtures import serve_app

from keifu.api import docs, pages
from keifu.api.lineage import router as lineage_router
from keifu.graph.build import build
from keifu.graph.store import Store

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parent / "screenshots"
STATIC = Path(pages.__file__).resolve().parent / "static"

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the CI script installs it)")
openpyxl = pytest.importorskip("openpyxl")
if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
    pytest.skip(f"chromium not found at {CHROMIUM} (the CI script installs it)", allow_module_level=True)


def make_app(store: Store) -> FastAPI:
    """The pages with what they link to: the lineage viewer, the stylesheet, /docs."""
    app = FastAPI(docs_url=None, redoc_url=None)
    app.include_router(pages.router)
    app.include_router(lineage_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    docs.install(app)
    app.state.store = store
    return app


@pytest.fixture(scope="module")
def fixture_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    st = Store(build_pages_store(tmp_path_factory.mktemp("browser")))
    with serve_app(make_app(st)) as url:
        yield url
    st.close()


@pytest.fixture(scope="module")
def corpus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not available at {CORPUS} (CI provides ../shared/corpus)")
    st = Store(tmp_path_factory.mktemp("corpus") / "store")
    results = list(build([CORPUS], st, validate=False))
    assert results and not any(r.error for r in results)
    with serve_app(make_app(st)) as url:
        yield url
    st.close()


class Offline:
    """A browser page whose requests leave only for the loopback server; the others are aborted and kept."""

    def __init__(self, browser, base: str) -> None:  # noqa: ANN001 - playwright type
        self.outside: list[str] = []
        self.ctx = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
        self.ctx.route("**/*", self._route)
        self.page = self.ctx.new_page()
        self.base = base

    def _route(self, route) -> None:  # noqa: ANN001
        url = route.request.url
        if url.startswith(self.base) or url.startswith("data:"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def shot(self, name: str) -> None:
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                              args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def fixture_tab(browser, fixture_url: str) -> Iterator[Offline]:  # noqa: ANN001
    tab = Offline(browser, fixture_url)
    yield tab
    tab.ctx.close()
    assert tab.outside == [], f"requests left the machine: {tab.outside}"


@pytest.fixture
def corpus_tab(browser, corpus_url: str) -> Iterator[Offline]:  # noqa: ANN001
    tab = Offline(browser, corpus_url)
    yield tab
    tab.ctx.close()
    assert tab.outside == [], f"requests left the machine: {tab.outside}"


def _walk_to_source(tab: Offline, plan_name: str | None, prefix: str) -> dict[str, str]:
    """home → plan register → a plan → its first indicator → its source line; returns what was seen."""
    pg = tab.page
    pg.goto(f"{tab.base}/home")
    assert pg.locator("dl.facts").count() == 1
    tab.shot(f"{prefix}-1-home")
    pg.click("header nav a[href='/plans']")
    pg.wait_for_selector("table.register")
    tab.shot(f"{prefix}-2-plans")
    plan = pg.locator("table.register a", has_text=plan_name).first if plan_name else pg.locator("table.register a").first
    plan_label = plan.inner_text()
    plan.click()
    pg.wait_for_selector("table.trace")
    assert pg.locator("h1").inner_text() == plan_label
    tab.shot(f"{prefix}-3-plan")
    ind = pg.locator("table.trace tbody tr td:first-child a").first
    ind_label = ind.inner_text()
    ind.click()
    pg.wait_for_selector("#source-line")
    assert pg.locator("h1").inner_text() == ind_label
    quote = pg.locator("blockquote.quote").first.inner_text() if pg.locator("blockquote.quote").count() else ""
    where = pg.locator("#source-line").inner_text()
    tab.shot(f"{prefix}-4-indicator")
    pg.click("#source-line")
    pg.wait_for_selector("#source-quote")
    tab.shot(f"{prefix}-5-source")
    assert pg.locator("#source-quote").inner_text().strip() == quote.strip()
    line = where.rsplit("l.", 1)[1].split("–")[0]
    assert pg.locator("dl.facts dt:has-text('行 / line') + dd").inner_text().startswith(line)
    assert pg.locator("#here").count() >= 1  # the node's own row among the lines around it
    return {"plan": plan_label, "indicator": ind_label, "where": where}


def _downloads(tab: Offline) -> int:
    """CSV (BOM) and XLSX of the plan page open in the tab; both hold the rows the page shows."""
    pg = tab.page
    rows = pg.locator("table.trace tbody tr").count()
    with pg.expect_download() as d:
        pg.click("#dl-csv")
    data = Path(d.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and d.value.suggested_filename == "trace.csv"
    import csv
    assert len(list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))) == rows + 1
    with pg.expect_download() as d:
        pg.click("#dl-xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(Path(d.value.path()).read_bytes())).active
    assert ws.max_row == rows + 1 and d.value.suggested_filename == "trace.xlsx"
    return rows


# -- the invented fixture store ----------------------------------------------------------------------------


def test_walk_and_downloads(fixture_tab: Offline) -> None:
    seen = _walk_to_source(fixture_tab, None, "fixture")
    assert seen["where"].startswith(("policy_table.txt", "axis_interleaved.txt", "slides_deck.txt"))
    fixture_tab.page.go_back()
    fixture_tab.page.go_back()
    fixture_tab.page.wait_for_selector("table.trace")
    assert _downloads(fixture_tab) >= 1


def test_search_box_and_agency_lineage(fixture_tab: Offline) -> None:
    pg = fixture_tab.page
    pg.goto(f"{fixture_tab.base}/home")
    pg.fill("form.search input[name=q]", "灯台")
    pg.press("form.search input[name=q]", "Enter")
    pg.wait_for_selector("ol.hits")
    labels = pg.locator("ol.hits li a").all_inner_texts()
    assert labels and "灯台" in labels[0]
    fixture_tab.shot("fixture-6-search")
    pg.goto(f"{fixture_tab.base}/home")
    pg.locator("a[href^='/agency?']").first.click()
    pg.wait_for_selector("#lineage")
    fixture_tab.shot("fixture-7-agency")
    pg.click("#lineage")
    pg.wait_for_selector("#lineage-svg g.node", timeout=20_000)
    assert pg.locator("#lineage-svg g.node").count() >= 2
    fixture_tab.shot("fixture-8-lineage")


def test_indicator_chart(fixture_tab: Offline) -> None:
    """An indicator with yearly values: the SVG chart has a point per value of the table under it."""
    pg = fixture_tab.page
    pg.goto(f"{fixture_tab.base}/search?q=保守点検")
    pg.locator("ol.hits li.indicator a").first.click()
    pg.wait_for_selector("svg.chart")
    values = [v for v in pg.locator("h2:has-text('Yearly values') + svg + table tbody tr td:nth-child(3)").all_inner_texts()
              if v.strip()]
    assert values and pg.locator("svg.chart polyline + circle, svg.chart polyline ~ circle").count() >= len(values)
    fixture_tab.shot("fixture-4b-indicator-chart")


def test_docs_offline(fixture_tab: Offline) -> None:
    pg = fixture_tab.page
    pg.goto(f"{fixture_tab.base}/docs")
    if docs.swagger_dir() is None:
        pytest.skip("fastapi-offline not installed: /docs lists the routes as plain HTML")
    pg.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert pg.locator(".opblock-summary-path", has_text="/plans").count() >= 1
    fixture_tab.shot("fixture-9-docs")


# -- the real corpus ---------------------------------------------------------------------------------------


def test_corpus_walk_health_strategy(corpus_tab: Offline) -> None:
    seen = _walk_to_source(corpus_tab, "健康・医療戦略", "corpus")
    assert seen["plan"] == "健康・医療戦略"
    corpus_tab.page.go_back()
    corpus_tab.page.go_back()
    corpus_tab.page.wait_for_selector("table.trace")
    assert _downloads(corpus_tab) >= 50


@pytest.mark.parametrize("word, agency", [("がん", "量子科学技術研究開発機構"), ("核融合", "量子科学技術研究開発機構")])
def test_corpus_search(corpus_tab: Offline, word: str, agency: str) -> None:
    pg = corpus_tab.page
    pg.goto(f"{corpus_tab.base}/home")
    pg.fill("form.search input[name=q]", word)
    pg.press("form.search input[name=q]", "Enter")
    pg.wait_for_selector("ol.hits")
    hits = pg.locator("ol.hits li.hit")
    assert hits.count() >= 5
    for i in range(3):  # the top results carry the word in their names, the first from the agency that does it
        assert word in hits.nth(i).locator("a").first.inner_text()
    assert agency in hits.nth(0).inner_text()
    corpus_tab.shot(f"corpus-search-{word}")
    hits.nth(0).locator("a").first.click()
    pg.wait_for_selector("h1")
    assert word in pg.locator("h1").inner_text()


def test_corpus_agency_lineage(corpus_tab: Offline) -> None:
    pg = corpus_tab.page
    pg.goto(f"{corpus_tab.base}/home")
    pg.locator("a[href^='/agency?']", has_text="日本医療研究開発機構").first.click()
    pg.wait_for_selector("#lineage")
    corpus_tab.shot("corpus-agency")
    pg.click("#lineage")
    pg.wait_for_selector("#lineage-svg g.node", timeout=30_000)
    assert pg.locator("#lineage-svg g.node").count() >= 3
    corpus_tab.shot("corpus-lineage")
