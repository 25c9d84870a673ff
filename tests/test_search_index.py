"""Keyword search (SQLite FTS5, trigram tokenizer): ranking, the LIKE fallback for one- and two-character
queries, the cache beside the store and its invalidation when the store changes, and ``keifu search``."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from conftest import SAMPLES
from pages_fixtures import FIXTURES, build_pages_store

from keifu.cli import main
from keifu.graph.build import build
from keifu.graph.search_index import cache_path, search, search_index
from keifu.graph.store import Store

pytestmark = pytest.mark.skipif(sqlite3.sqlite_version_info < (3, 34), reason="SQLite < 3.34 has no trigram tokenizer")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    st = Store(build_pages_store(tmp_path_factory.mktemp("search")))
    yield st
    st.close()


def test_trigram_ranking_names_first(store: Store) -> None:
    hits = search(store, "灯台守人材")
    assert len(hits) >= 2
    assert all("灯台守人材" in h.label for h in hits[:2])  # both indicators named so, before any body-text match
    assert {h.kind for h in hits[:2]} == {"indicator"}
    first_body = next((i for i, h in enumerate(hits) if "灯台守人材" not in h.label), len(hits))
    assert all("灯台守人材" in h.label for h in hits[:first_body])
    assert search(store, "見学プログラム")[0].label.endswith("見学プログラムの参加者数")


def test_every_word_must_occur(store: Store) -> None:
    both = search(store, "灯台 観光")
    assert both and all("灯台" in h.label + h.snippet and "観光" in h.label + h.snippet for h in both)
    assert len(both) < len(search(store, "灯台"))


def test_short_queries_fall_back_to_like(store: Store) -> None:
    hits = search(store, "灯台", limit=100)  # two characters: no trigram can match
    assert len(hits) >= 8
    labels = [h.label for h in hits]
    named = [i for i, lbl in enumerate(labels) if "灯台" in lbl]
    assert named == list(range(len(named)))  # names holding the word rank before quote/body matches
    assert search(store, "灯", limit=5)  # one character too
    assert search(store, "100%") == []  # LIKE wildcards are escaped: no hit for every row


def test_kind_filter_and_plans(store: Store) -> None:
    plans = search(store, "海洋基本計画", kinds={"plan"})
    assert plans and plans[0].label == "海洋基本計画" and all(h.kind == "plan" for h in plans)


def test_cache_beside_the_store_and_invalidation(tmp_path) -> None:
    src = tmp_path / "in"
    shutil.copytree(SAMPLES, src)
    with Store(tmp_path / "store") as st:
        list(build([src], st, validate=False, jobs=1))
        assert search(st, "灯台") == []
        path = cache_path(st)
        assert path is not None and path.is_file() and path.parent == tmp_path
        key = search_index(st).key
        shutil.copy(FIXTURES / "policy_table.txt", src / "policy_table.txt")
        list(build([src / "policy_table.txt"], st, validate=False, jobs=1))
        assert search(st, "灯台")  # the store changed: the index is rebuilt at the next search
        assert search_index(st).key != key
    with Store(tmp_path / "store") as st:  # reopened: the cached file is read, not rebuilt
        mtime = cache_path(st).stat().st_mtime_ns
        assert search(st, "灯台")
        assert cache_path(st).stat().st_mtime_ns == mtime


def test_cli_search(store: Store, capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    path = str(store.path)  # held open by the fixture: the command opens it read-only
    assert main(["search", "見学プログラム", "--store", path, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["hits"][0]["label"].endswith("見学プログラムの参加者数")
    assert main(["search", "存在しない語句です", "--store", path]) == 1
    assert "(0 件 / hits)" in capsys.readouterr().out
    assert main(["search", "灯台", "--store", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert "ストア" in err and "store" in err
