"""The lineage viewer in headless Chromium: search by Japanese name, the layered drawing (checked on a
screenshot), node and edge evidence on click, SVG and PNG export. Skips when Chromium or Playwright is absent."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from lineage_fixtures import fixture_store
from test_api_fixtures import serve_app

from keifu.api.lineage import router

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
EX = "https://w3id.org/keifu/id/test/"

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the CI script installs it)")
uvicorn = pytest.importorskip("uvicorn")
Image = pytest.importorskip("PIL.Image", reason="Pillow is needed to inspect the screenshot")
if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
    pytest.skip(f"chromium not found at {CHROMIUM} (the CI script installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    app = FastAPI()
    app.include_router(router)
    app.state.store = fixture_store()
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="module")
def page():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                                    args=FLAGS)
        ctx = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
        pg = ctx.new_page()
        yield pg
        browser.close()


def _colour_pixels(png: bytes, rgb: tuple[int, int, int], tol: int = 12) -> int:
    img = Image.open(io.BytesIO(png)).convert("RGB")
    colours = img.getcolors(maxcolors=img.width * img.height) or []
    return sum(n for n, px in colours if all(abs(a - b) <= tol for a, b in zip(px, rgb, strict=True)))


def test_search_draws_layered_nodes(page, base_url: str, tmp_path: Path) -> None:
    page.goto(f"{base_url}/lineage/view")
    page.fill("#depth", "6")  # the viewer starts one level deep; this test is about the layered drawing
    page.fill("#q", "架空 データ活用推進計画")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#lineage-svg g.node", timeout=20_000)
    nodes = page.locator("#lineage-svg g.node")
    assert nodes.count() >= 6
    classes = {nodes.nth(i).get_attribute("data-class") for i in range(nodes.count())}
    assert {"NationalPlan", "PolicyGoal", "Indicator", "BudgetProgram"} <= classes
    plan_y = page.locator(f'#lineage-svg g.node[data-id="{EX}P3"]').bounding_box()["y"]
    ind_y = page.locator(f'#lineage-svg g.node[data-id="{EX}I3"]').bounding_box()["y"]
    assert plan_y < ind_y, "national plans are drawn above indicators"
    shot = page.locator("#canvas").screenshot(path=str(tmp_path / "lineage.png"))
    assert _colour_pixels(shot, (0xC0, 0x39, 0x2B)) > 200, "no national-plan box drawn on the screenshot"
    assert _colour_pixels(shot, (0x1E, 0x84, 0x49)) > 400, "no indicator box drawn on the screenshot"


def test_click_shows_source_quote_file_and_line(page, base_url: str) -> None:
    page.goto(f"{base_url}/lineage/view?node={EX}P3&direction=down&depth=5")
    page.wait_for_selector(f'#lineage-svg g.node[data-id="{EX}I3"]', timeout=20_000)
    page.click(f'#lineage-svg g.node[data-id="{EX}I3"]')
    assert "903_evaluation.txt:4" in page.text_content("#detail-where")
    assert "公開データセット数" in page.text_content("#detail blockquote")
    page.locator("#lineage-svg path.edge").first.dispatch_event("click")
    assert "根拠 / evidence" in page.text_content("#detail-where")


def test_export_svg_and_png(page, base_url: str) -> None:
    page.goto(f"{base_url}/lineage/view?node={EX}I2&direction=up&depth=4")
    page.wait_for_selector("#lineage-svg g.node", timeout=20_000)
    with page.expect_download() as dl:
        page.click("#export-svg")
    svg = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "<svg" in svg and svg.count('class="node"') == page.locator("#lineage-svg g.node").count()
    assert "育成した若手研究者の数" in svg
    with page.expect_download() as dl:
        page.click("#export-png")
    png = Path(dl.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert _colour_pixels(png, (0xC0, 0x39, 0x2B)) > 200


def test_ambiguous_search_lists_candidates(page, base_url: str) -> None:
    page.goto(f"{base_url}/lineage/view")
    page.fill("#q", "架空宇宙")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#candidates li", timeout=20_000)
    items = page.locator("#candidates li")
    assert items.count() == 2
    items.first.click()
    page.wait_for_selector("#lineage-svg g.node", timeout=20_000)
    assert page.locator("#lineage-svg g.node").count() >= 2


def test_starts_collapsed_expands_on_click_and_filters(page, base_url: str) -> None:
    page.goto(f"{base_url}/lineage/view?node={EX}P3&direction=down")
    page.wait_for_selector("#lineage-svg g.node", timeout=20_000)
    assert page.input_value("#depth") == "1"
    nodes = page.locator("#lineage-svg g.node")
    first = nodes.count()
    growable = page.locator("#lineage-svg g.node:has(text.more)")
    assert growable.count() >= 1 and first <= 60
    labels = set(page.locator("#lineage-svg text.edge-label").all_text_contents())
    assert labels and not any(t.startswith("kf:") for t in labels)  # edges in words
    grow_id = growable.first.get_attribute("data-id")
    growable.first.click()
    page.wait_for_function(f"document.querySelectorAll('#lineage-svg g.node').length > {first}", timeout=20_000)
    assert page.locator(f'#lineage-svg g.node[data-id="{grow_id}"] text.more').count() == 0
    # hide a kind from the legend: its nodes go, the start node stays
    classes = {nodes.nth(i).get_attribute("data-class") for i in range(nodes.count())} - {"NationalPlan"}
    gone = sorted(classes)[0]
    page.click(f'#legend span[data-class="{gone}"]')
    page.wait_for_function(f"!document.querySelector('#lineage-svg g.node[data-class=\"{gone}\"]')", timeout=20_000)
    assert page.locator(f'#lineage-svg g.node[data-id="{EX}P3"]').count() == 1
    assert "off" in (page.get_attribute(f'#legend span[data-class="{gone}"]', "class") or "")
