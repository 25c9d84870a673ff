"""Hostile or odd inputs get a clear answer: folders, FIFOs and devices, queries nested too deep for the
parser, JSON-LD nested too deep; every response carries the security headers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from test_api_fixtures import sample_store_path, serve  # noqa: F401 - fixtures

from keifu.api.security import MAX_DEPTH, Limits, Refused, check_depth, check_query
from keifu.graph.draft import DraftError, validate_bytes


def keifu(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "keifu.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
def test_validate_refuses_what_is_not_a_file(kind: str, tmp_path: Path) -> None:
    path = {"folder": tmp_path, "device": Path("/dev/zero"), "fifo": tmp_path / "draft.txt"}[kind]
    if kind == "fifo":
        os.mkfifo(path)
    r = keifu("validate", path, timeout=30)  # a FIFO or /dev/zero once blocked or never ended
    assert r.returncode == 2, r.stderr
    assert "not a regular file" in r.stderr and "通常のファイルではありません" in r.stderr
    assert "Traceback" not in r.stderr


def test_build_names_a_fifo_and_goes_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    r = keifu("build", fifo, "--store", tmp_path / "st", "--no-validate", timeout=60)
    assert r.returncode == 1 and "pipe.txt" in r.stderr and "FIFO" in r.stderr


def nested(n: int, open_: str = "(", close: str = ")") -> str:
    return f"SELECT * WHERE {{ FILTER({open_ * n}1{close * n}) }}"


def test_depth_is_refused_before_parsing() -> None:
    check_depth(nested(MAX_DEPTH - 5))
    for text in (nested(5000), "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
                 # hidden from a lexer: a comment ended by \r, a string holding the closers
                 "SELECT * WHERE { # x\r" + "{" * 3000 + "}" * 3000 + " }",
                 "SELECT * WHERE { " + "{" * 3000 + ' ?s ?p "' + "}" * 3000 + '" ' + "}" * 3000 + " }"):
        with pytest.raises(Refused) as e:
            check_query(text, Limits())
        assert e.value.reply.status == 400 and b"too-deep" in e.value.reply.body


def test_wide_queries_are_not_deep() -> None:
    rows = " ".join(f"(<http://e/{i}> {i})" for i in range(3000))
    check_depth(f"SELECT * WHERE {{ VALUES (?s ?n) {{ {rows} }} }}")
    check_depth("SELECT * WHERE { ?s ?p ?o } # " + "(" * 10 + "\n")


def test_a_deep_query_does_not_cost_a_worker(sample_store_path: Path) -> None:  # noqa: F811
    with serve("--store", str(sample_store_path), "--workers", "1") as base:
        r = httpx.get(f"{base}/sparql", params={"query": "SELECT * WHERE " + "{" * 4000 + "}" * 4000})
        assert r.status_code == 400 and r.json()["error"]["code"] == "too-deep"
        assert r.json()["error"]["message_ja"] and r.json()["error"]["message_en"]
        ok = httpx.get(f"{base}/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert ok.status_code == 200
        for path in ("/", "/sparql?query=ASK%20%7B%7D", "/validate"):
            h = httpx.get(base + path).headers
            assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
            assert "default-src 'self'" in h["content-security-policy"]


def test_deep_json_ld_is_a_clear_error() -> None:
    doc = b'{"@context": {"@vocab": "http://e/"}, "a": ' + b"[" * 5000 + b"1" + b"]" * 5000 + b"}"
    with pytest.raises(DraftError) as e:
        validate_bytes(doc, "deep.jsonld")
    assert e.value.status == 422 and "nested" in e.value.message_en


def test_build_names_what_it_cannot_read_and_keeps_rows_on_one_line(tmp_path: Path) -> None:
    """A link to nothing is reported by name (not skipped), a newline in a file name is shown escaped, and a
    second writer gets a clear message instead of RocksDB's lock error."""
    from conftest import SAMPLES

    from keifu.graph.store import Store, StoreError

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "odd\nname.txt").write_bytes((SAMPLES / "annual_plan.txt").read_bytes())
    (docs / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    r = keifu("build", docs, "--store", tmp_path / "st", "--no-validate")
    assert r.returncode == 1
    assert "gone.txt" in r.stderr and "No such file" in r.stderr
    assert "odd\\nname.txt" in r.stdout
    with Store(tmp_path / "st2"):
        with pytest.raises(StoreError) as e:
            Store(tmp_path / "st2")
        assert "another process" in e.value.message_en and "書き込み中" in e.value.message_ja


def test_every_api_error_has_one_format(tmp_path: Path) -> None:
    """SPARQL, lineage, pages and FastAPI's own errors (unknown route, bad parameter) all answer
    {"error": {"code", "message_ja", "message_en"}}."""
    from fastapi.testclient import TestClient

    from keifu.api.app import create_app
    from keifu.api.backend import LocalBackend
    from keifu.graph.store import Store

    with Store(tmp_path / "st"):
        pass
    with TestClient(create_app(LocalBackend(tmp_path / "st", workers=1))) as client:
        for r in (client.get("/no-such-page"), client.get("/trace"), client.get("/trace", params={"plan": "存在しない計画"}),
                  client.get("/sparql", params={"query": "SELEC nothing"}), client.get("/lineage/assets/nothing.js")):
            err = r.json()["error"]
            assert r.status_code >= 400 and err["code"] and err["message_ja"] and err["message_en"], r.text
