"""The query page at ``/`` driven in headless Chromium (Debian ``chromium`` via Playwright's Python package).

It must load YASGUI from our own static files (any request off 127.0.0.1 fails the test), show the
prefixes, list the named queries as examples, and show result rows with links after running one.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_api_fixtures import sample_store_path, serve  # noqa: F401 - fixture

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists() and not shutil.which("chromium"),
                                reason="Debian chromium not installed (CI installs it in .ci/run)")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test extra (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def base(sample_store_path: Path) -> Iterator[str]:  # noqa: F811
    with serve("--store", str(sample_store_path)) as url:
        yield url


@pytest.fixture(scope="module")
def page(base: str) -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        pg = browser.new_page()
        off_site: list[str] = []
        pg.on("request", lambda r: None if r.url.startswith((base, "data:", "blob:")) else off_site.append(r.url))
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(f"{base}/", wait_until="networkidle")
        pg.off_site, pg.errors = off_site, errors  # type: ignore[attr-defined]
        yield pg
        browser.close()


def test_editor_loads_from_our_files_with_prefixes(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector(".yasqe .CodeMirror")
    text = page.evaluate("window.keifuYasgui.getTab().getQuery()")
    assert "PREFIX kf: <https://w3id.org/keifu/ns#>" in text and "PREFIX prov:" in text
    assert page.off_site == [] and page.errors == []  # no CDN, no internet, no script errors
    buttons = page.locator("#examples button")
    names = [buttons.nth(i).get_attribute("data-name") for i in range(buttons.count())]
    assert {"indicators-of-agency", "citations", "objectives-of-document"} <= set(names)


def test_example_query_shows_rows_with_links(page) -> None:  # type: ignore[no-untyped-def]
    page.locator('#examples button[data-name="documents-of-agency"]').click()
    page.wait_for_selector(".yasr table tbody tr", timeout=20_000)
    rows = page.locator(".yasr table tbody tr")
    assert rows.count() >= 1
    body = page.locator(".yasr table tbody").inner_text()
    assert "研究" in body  # the example binds agency=研究
    hrefs = page.locator(".yasr table tbody a").evaluate_all("els => els.map(e => e.href)")
    assert any(h.startswith("https://w3id.org/keifu/id/doc/") for h in hrefs)
    assert "VALUES (?agency)" in page.evaluate("window.keifuYasgui.getTab().getQuery()")


def test_typed_query_runs(page) -> None:  # type: ignore[no-untyped-def]
    q = page.evaluate("window.keifuYasgui.getTab().getQuery()").split("SELECT")[0]
    page.evaluate("q => { const t = window.keifuYasgui.getTab(); t.setQuery(q); t.getYasqe().query(); }",
                  q + "SELECT ?f WHERE { ?f a kf:SourceFile } ORDER BY ?f")
    page.wait_for_function("document.querySelectorAll('.yasr table tbody tr').length === 2", timeout=20_000)
    assert "annual_plan" in page.locator(".yasr table tbody").inner_text()
