"""The /validate page driven in headless Chromium: paste or upload a draft, results listed by line with the
quoted text highlighted, errors shown in both languages. Skips when Playwright or Chromium is missing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
    pytest.skip(f"chromium not found at {CHROMIUM}", allow_module_level=True)

from fastapi import FastAPI  # noqa: E402
from test_api_fixtures import serve_app  # noqa: E402

from keifu.api.validate import router  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BAD = FIXTURES / "draft_rd_bad.txt"
GOOD = FIXTURES / "draft_rd_good.txt"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    app = FastAPI()
    app.include_router(router)
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="module")
def page(base_url: str) -> Iterator[object]:
    with playwright_sync.sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        except Exception as e:  # noqa: BLE001 - a broken browser install is an environment problem
            pytest.skip(f"chromium cannot start: {e}")
        pg = browser.new_page()
        pg.goto(f"{base_url}/validate")
        yield pg
        browser.close()


def _line(path: Path, needle: str) -> int:
    return next(i for i, ln in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if needle in ln)


def _clear(pg) -> None:  # noqa: ANN001
    pg.click("#clear")


def test_pasted_draft_lists_results_by_line_with_quotes(page) -> None:  # noqa: ANN001
    pg = page
    _clear(pg)
    pg.fill("#text", BAD.read_text(encoding="utf-8"))
    pg.click("#run")
    pg.wait_for_selector("li.result")
    items = pg.query_selector_all("li.result")
    lines = [int(i.get_attribute("data-line")) for i in items]
    assert lines == sorted(lines) and len(items) >= 6
    assert "不適合" in pg.inner_text("#summary")
    period = _line(BAD, "Ⅱ．中長期目標の期間")
    hit = pg.query_selector(f'li.result.Violation[data-line="{period}"]')
    assert hit is not None
    assert "5年以上7年以下" in hit.inner_text() and "5 to 7 years" in hit.inner_text()
    assert hit.query_selector("blockquote mark").inner_text() == "Ⅱ．中長期目標の期間"
    # The source view marks the quoted line; clicking a result focuses it.
    row = pg.query_selector(f"#L{period}")
    assert "hit" in row.get_attribute("class") and "Violation" in row.get_attribute("class")
    hit.click()
    assert "focus" in pg.query_selector(f"#L{period}").get_attribute("class")


def test_uploaded_good_draft_conforms(page) -> None:  # noqa: ANN001
    pg = page
    _clear(pg)
    pg.set_input_files("#file", str(GOOD))
    pg.click("#run")
    pg.wait_for_function("document.querySelector('#summary').textContent.length > 0")
    assert "適合 / conforms" in pg.inner_text("#summary")
    assert pg.query_selector_all("li.result") == []
    assert pg.inner_text("#error") == ""


def test_empty_and_unrecognised_drafts_show_bilingual_errors(page) -> None:  # noqa: ANN001
    pg = page
    _clear(pg)
    pg.click("#run")
    pg.wait_for_function("document.querySelector('#error').textContent.length > 0")
    assert "案が空です" in pg.inner_text("#error") and "empty" in pg.inner_text("#error")
    pg.fill("#text", "明日の天気は晴れでしょう。\n")
    pg.click("#run")
    pg.wait_for_function("document.querySelector('#error').textContent.includes('not-policy-document')")
    assert "政策文書として認識できません" in pg.inner_text("#error")
    assert pg.query_selector_all("li.result") == []
