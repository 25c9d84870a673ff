"""Draft validation is bounded: time, memory, pages and characters, dropped clients, a full queue.

The pool's workers are real processes; the drafts are our own sample repeated until it costs what the test
needs (the sample validates in about 0.05 s, sixty copies in about 2 s).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES
from fastapi.testclient import TestClient
from pdfgen import make_pdf

from keifu.api.drafts import DraftJob, DraftPool
from keifu.extract.errors import ReadError
from keifu.extract.limits import ReadLimits, set_read_limits
from keifu.extract.readers import read_source
from keifu.graph.draft import validate_path

BAD = REPO / "tests" / "fixtures" / "draft_rd_bad.txt"
SAMPLE = (SAMPLES / "objectives_compendium.txt").read_bytes()


def run(coro_fn: Callable[[DraftPool], Awaitable[None]], **kw: object) -> None:
    """Start a pool, run ``coro_fn(pool)``, close the pool."""
    async def main() -> None:
        pool = DraftPool(**kw)  # type: ignore[arg-type]
        await pool.start()
        try:
            await coro_fn(pool)
        finally:
            await pool.close()
    asyncio.run(main())


async def until_ready(pool: DraftPool, seconds: float = 60) -> None:
    """Wait for a replacement worker to have warmed up."""
    for _ in range(int(seconds * 20)):
        if pool.free:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("no worker came back")


def body(reply) -> dict:  # noqa: ANN001
    return json.loads(reply.body)


def test_a_worker_answers_as_validation_in_process() -> None:
    async def go(pool: DraftPool) -> None:
        r = await pool.run(DraftJob(BAD.read_bytes(), BAD.name, None))
        assert r.status == 200 and body(r) == json.loads(json.dumps(validate_path(BAD).to_json()))
        r = await pool.run(DraftJob(BAD.read_bytes(), BAD.name, None, turtle=True))
        assert r.status == 200 and r.media == "text/turtle" and b"sh:ValidationReport" in r.body
    run(go)


def test_time_limit_stops_the_draft_and_the_pool_recovers() -> None:
    async def go(pool: DraftPool) -> None:
        r = await pool.run(DraftJob(SAMPLE * 60, "long.txt", None))
        assert r.status == 422 and body(r)["error"]["code"] == "timeout"
        assert "時間制限" in body(r)["error"]["message_ja"] and "limit" in body(r)["error"]["message_en"]
        assert pool.killed == 1
        await until_ready(pool)
        assert (await pool.run(DraftJob(BAD.read_bytes(), BAD.name, None), timeout=60)).status == 200
    run(go, workers=1, timeout=0.3)


def test_memory_cap_refuses_the_draft_and_the_worker_goes_on() -> None:
    async def go(pool: DraftPool) -> None:
        (first,) = pool.workers
        r = await pool.run(DraftJob(SAMPLE * 200, "huge.txt", None))
        assert r.status == 422 and body(r)["error"]["code"] in ("over-memory", "timeout")
        await until_ready(pool)
        assert first not in pool.workers  # a worker that touched its cap is replaced, never reused
        assert (await pool.run(DraftJob(BAD.read_bytes(), BAD.name, None))).status == 200
    run(go, workers=1, timeout=120, memory=60 * 1024**2)


_NEAR_CAP = """
import errno, sys
from keifu.extract.limits import cap_memory, memory_exhausted
from keifu.graph.draft import unprocessable
odd = SystemError("error return without exception set")  # what a C extension may raise past the cap
assert unprocessable("d.txt", odd).code == "unprocessable" and not memory_exhausted()  # no cap: a plain failure
assert cap_memory(64 * 1024**2) and not memory_exhausted()
assert unprocessable("d.txt", odd).code == "unprocessable"  # capped, but far from the cap
hoard = []
try:
    while True:
        hoard.append(bytearray(1024**2))
except MemoryError:
    pass
assert memory_exhausted()
del hoard
assert unprocessable("d.txt", odd).code == "over-memory"  # the process touched its cap: the cap's failure
print("ok")
"""

_REFUSED = """
import errno, sys
from keifu.extract.limits import memory_exhausted
from keifu.graph.draft import unprocessable
kind = sys.argv[1]
if kind == "enomem":
    e = OSError(errno.ENOMEM, "Cannot allocate memory")
else:
    try:
        try:
            raise MemoryError
        except MemoryError:
            raise RuntimeError("a library wrapped it")
    except RuntimeError as wrapped:
        e = wrapped
assert not memory_exhausted()
assert unprocessable("d.txt", e).code == "over-memory"
assert memory_exhausted()  # one refused allocation, even far below the cap: the worker is replaced
print("ok")
"""


@pytest.mark.parametrize("kind", ["enomem", "wrapped"])
def test_a_refused_allocation_is_the_caps_and_spends_the_worker(kind: str) -> None:
    """A MemoryError (wrapped by a library) or ENOMEM is the cap's, and the worker is not reused afterwards,
    even when the refused request was large and the process's peak stayed low."""
    done = subprocess.run([sys.executable, "-c", _REFUSED, kind], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_any_failure_after_touching_the_cap_is_reported_as_the_cap() -> None:
    """Past RLIMIT_AS a C extension may raise SystemError or OSError instead of MemoryError (CI saw both);
    the draft is refused as over its memory, not as an unexplained failure. Run in a child: the cap is
    the process's."""
    done = subprocess.run([sys.executable, "-c", _NEAR_CAP], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_a_dropped_request_kills_its_worker() -> None:
    async def go(pool: DraftPool) -> None:
        (worker,) = pool.workers
        task = asyncio.ensure_future(pool.run(DraftJob(SAMPLE * 60, "long.txt", None)))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert pool.killed == 1 and not worker.proc.is_alive()
    run(go, workers=1, timeout=60)


def test_a_full_queue_is_answered_at_once_with_retry_after() -> None:
    async def go(pool: DraftPool) -> None:
        assert pool.full() is None
        task = asyncio.ensure_future(pool.run(DraftJob(SAMPLE * 60, "long.txt", None)))
        await asyncio.sleep(0.1)
        busy = pool.full()
        assert busy is not None and busy.status == 503 and busy.headers["Retry-After"]
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    run(go, workers=1, timeout=60, queue=0)


def test_page_cap_refuses_a_long_pdf_with_the_reason(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "long.pdf", [[f"第{n}頁の本文です。"] for n in range(1, 5)])

    async def go(pool: DraftPool) -> None:
        r = await pool.run(DraftJob(pdf.read_bytes(), pdf.name, None))
        err = body(r)["error"]
        assert r.status == 413 and "4" in err["message_en"] and "pages" in err["message_en"]
        assert "ページ数" in err["message_ja"]
    run(go, workers=1, limits=ReadLimits(max_pages=3))


@pytest.fixture
def small_limits() -> AsyncIterator[None]:
    old = set_read_limits(ReadLimits(max_pages=2, max_page_chars=50, max_chars=200))
    yield
    set_read_limits(old)


@pytest.mark.usefixtures("small_limits")
def test_reader_caps_name_the_file_and_page(tmp_path: Path) -> None:
    pages = make_pdf(tmp_path / "three.pdf", [["一頁"], ["二頁"], ["三頁"]])
    with pytest.raises(ReadError) as e:
        read_source(pages)
    assert e.value.path == pages and "pages" in e.value.message_en
    dense = make_pdf(tmp_path / "dense.pdf", [["あいうえおかきくけこ" * 12 + "。"]])
    with pytest.raises(ReadError) as e:
        read_source(dense)
    assert e.value.page == 1 and "one page" in e.value.message_en and "1ページ" in e.value.message_ja
    text = tmp_path / "long.txt"
    text.write_text("本文。\n" * 100, encoding="utf-8")
    with pytest.raises(ReadError) as e:
        read_source(text)
    assert e.value.path == text and "characters" in e.value.message_en


def test_the_service_validates_in_its_pool(tmp_path: Path) -> None:
    from keifu.api.app import create_app
    from keifu.api.backend import LocalBackend
    from keifu.api.security import Limits
    from keifu.graph.store import Store

    store = tmp_path / "store"
    with Store(store):
        pass
    app = create_app(LocalBackend(store, workers=1), Limits(validate_workers=1, validate_timeout=0.3))
    with TestClient(app) as client:
        assert app.state.drafts.started
        ok = client.post("/validate", content=BAD.read_bytes(), headers={"X-Filename": BAD.name})
        assert ok.status_code == 200 and ok.json()["conforms"] is False
        slow = client.post("/validate", content=SAMPLE * 60, headers={"X-Filename": "long.txt"})
        assert slow.status_code == 422 and slow.json()["error"]["code"] == "timeout"
        assert app.state.drafts.killed == 1


def test_build_refuses_an_oversized_file_and_keeps_the_rest(tmp_path: Path) -> None:
    """``keifu build --max-pages``: the long PDF is named on stderr, the other file is stored (exit 1)."""
    import shutil
    import subprocess
    import sys

    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy2(SAMPLES / "objectives_compendium.txt", docs / "a.txt")
    make_pdf(docs / "b.pdf", [[f"第{n}頁の本文です。"] for n in range(1, 4)])
    r = subprocess.run([sys.executable, "-m", "keifu.cli", "build", str(docs), "--store", str(tmp_path / "st"),
                        "--max-pages", "2", "--no-validate"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "b.pdf" in r.stderr and "ページ数" in r.stderr and "too many pages (3; the limit is 2)" in r.stderr
    assert "1/2" in r.stdout  # the text file was stored
