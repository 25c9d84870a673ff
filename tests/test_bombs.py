"""Bomb PDFs, generated here, through ``keifu build`` and through POST /validate of a running ``keifu serve``
(issue 16): each is refused with its reason or finishes within bounds, the rest of the batch is stored, the
server answers 413/422/503 and stays up.

The bombs are scaled down so the suite stays quick; what stops each one:

- one content stream of many text operators: the characters-per-page cap (``--max-page-chars``, default
  60,000) once pdfium has read the page; the full-size bomb (4 million operators, 41 KB) needs about 2 GB to
  read that far, so under ``keifu serve`` the default validation memory cap (``--validate-memory`` 2048 MiB)
  stops it first (422 over-memory), and ``keifu build`` refuses it by the page cap within its default
  ``--max-memory`` of 4096 MiB;
- a Flate stream inflating to a lot: no reader cap (the page holds one short line); only the memory cap of
  the worker process, so the tests set a small one (the full-size bomb, 1 GiB of zeros in 1 MB, is stopped
  by the default ``--validate-memory``; ``keifu build`` reads it within its default ``--max-memory``);
- 3,000 pages: the page cap (``--max-pages``, default 2,000), before any page is read.

bench/bench_hostile.py runs the full-size bombs against the default caps and measures the server's memory.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from conftest import REPO
from pdfbombs import inflate_bomb, many_pages, text_operator_bomb
from test_api_fixtures import serve

from keifu.graph.store import Store

GOOD = REPO / "tests" / "fixtures" / "draft_rd_good.txt"
#: memory a worker may add in the tests (MiB): the inflate bomb needs more, ordinary drafts far less
SMALL_MEMORY = 192


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bombs")
    return {
        "operators": text_operator_bomb(d / "operators.pdf", 150_000),  # 2.5 KB
        "inflate": inflate_bomb(d / "inflate.pdf", 384 * 1024**2),  # 0.4 MB → 384 MiB
        "pages": many_pages(d / "pages.pdf", 3000),  # 0.5 MB
    }


def keifu(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "keifu.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def test_bombs_are_small_on_disk(bombs: dict[str, Path]) -> None:
    assert all(p.stat().st_size < 600_000 for p in bombs.values())


def test_build_refuses_the_bombs_by_the_default_caps_and_stores_the_rest(bombs: dict[str, Path], tmp_path: Path) -> None:
    r = keifu("build", *bombs.values(), GOOD, "--store", tmp_path / "st", "--no-validate", "--jobs", "2")
    assert r.returncode == 1, r.stdout + r.stderr
    err = r.stderr
    assert "operators.pdf:page 1" in err and "too many characters on one page (150,000; the limit is 60,000)" in err
    assert "pages.pdf" in err and "too many pages (3,000; the limit is 2,000)" in err and "ページ数" in err
    assert "inflate.pdf" not in err  # within the default --max-memory: read, one line, stored
    assert "2/4" in r.stdout and GOOD.name in r.stdout and "Traceback" not in err


def test_build_names_a_file_whose_worker_hits_the_memory_cap(bombs: dict[str, Path], tmp_path: Path) -> None:
    """pdfium ends the process when it cannot allocate: the file is named, the other one still stored."""
    r = keifu("build", bombs["inflate"], GOOD, "--store", tmp_path / "st", "--no-validate", "--jobs", "2",
              "--max-memory", str(SMALL_MEMORY))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "inflate.pdf" in r.stderr and "memory" in r.stderr.lower() and "メモリ" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "1/2" in r.stdout and GOOD.name in r.stdout


def _post(base: str, path: Path) -> httpx.Response:
    return httpx.post(f"{base}/validate", content=path.read_bytes(), headers={"X-Filename": path.name}, timeout=180)


def test_validate_answers_each_bomb_with_its_reason_and_stays_up(bombs: dict[str, Path], tmp_path: Path) -> None:
    with Store(tmp_path / "store"):
        pass
    with serve("--store", str(tmp_path / "store"), "--workers", "1", "--validate-workers", "1",
               "--validate-memory", str(SMALL_MEMORY), "--validate-timeout", "60") as base:
        r = _post(base, bombs["operators"])
        assert r.status_code == 413, r.text
        assert r.json()["error"]["page"] == 1 and "characters on one page" in r.json()["error"]["message_en"]
        r = _post(base, bombs["pages"])
        assert r.status_code == 413 and "too many pages" in r.json()["error"]["message_en"], r.text
        assert "ページ数" in r.json()["error"]["message_ja"]
        r = _post(base, bombs["inflate"])
        assert r.status_code == 422 and r.json()["error"]["code"] == "over-memory", r.text
        # the three at once, twice over: each is answered (one worker, a short queue), none hangs
        with ThreadPoolExecutor(6) as ex:
            replies = list(ex.map(lambda p: _post(base, p), [*bombs.values()] * 2))
        assert all(x.status_code in (413, 422, 503) for x in replies), [x.status_code for x in replies]
        assert all(x.json()["error"]["message_ja"] and x.json()["error"]["message_en"] for x in replies)
        assert all("Retry-After" in x.headers for x in replies if x.status_code == 503)
        ok = _post(base, GOOD)  # a replacement worker has started: ordinary drafts are validated again
        assert ok.status_code == 200 and ok.json()["conforms"] is True, ok.text
        assert httpx.get(f"{base}/sparql", params={"query": "ASK {}"}).status_code == 200
