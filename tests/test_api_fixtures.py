"""Shared fixtures of the API tests: the sample store and live ``keifu serve`` processes on loopback.

(Named test_api_* so it sits with the tests that use it; it holds no tests itself.)
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from conftest import SAMPLES

from keifu.graph.build import build
from keifu.graph.store import Store

TOKEN = "test-token-5e1f0c"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_app(app: object) -> Iterator[str]:
    """An ASGI app under uvicorn in a thread on a free loopback port, for browser tests of one router."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "the test server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def build_samples(path: Path) -> Path:
    """The bundled samples built into a store at ``path`` (no validation: this is about serving)."""
    with Store(path) as st:
        results = list(build([SAMPLES], st, validate=False, jobs=1))
    assert results and not any(r.error for r in results)
    return path


@pytest.fixture(scope="session")
def sample_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_samples(tmp_path_factory.mktemp("samples") / "store")


@pytest.fixture(scope="session")
def sample_store(sample_store_path: Path) -> Iterator[Store]:
    yield Store(sample_store_path, read_only=True)


def wait_ready(proc: subprocess.Popen, sparql_url: str, timeout: float, output: Callable[[], str]) -> None:
    """Poll ``sparql_url`` with an ASK until it answers 200; fail with the process output if it exits."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited: {output()[-2000:]}")
        try:
            if httpx.get(sparql_url, params={"query": "ASK { ?s ?p ?o }"}, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{proc.args[0]} did not answer within {timeout:g} s")
        time.sleep(0.2)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@contextmanager
def serve_process(*args: str, ready_timeout: float = 60.0) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run ``keifu serve ARGS`` on a free loopback port; yields (base URL, process); stops it afterwards."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "keifu.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(proc, f"{base}/sparql", ready_timeout,
                   lambda: proc.stdout.read().decode(errors="replace"))  # type: ignore[union-attr]
        yield base, proc
    finally:
        stop(proc)


@contextmanager
def serve(*args: str, ready_timeout: float = 60.0) -> Iterator[str]:
    """Run ``keifu serve ARGS`` on a free loopback port; yields its base URL; stops it afterwards."""
    with serve_process(*args, ready_timeout=ready_timeout) as (base, _):
        yield base
